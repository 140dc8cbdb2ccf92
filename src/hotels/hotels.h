/* hotels.csv, the one reader: `isla import` and `isla gen --hotels` both
 * read the file through it, so they accept and refuse the same files.
 *
 * Hotel id, name and stars, columns found by header name
 * (hotelid, hotelname, hotelstars; any delimiter the importer accepts), and
 * optionally the hotel's destination (a `destination` or `region` column:
 * an IATA code or a name of the destination table, src/dest/dest.h; empty
 * = not given). With both columns, `destination` is the code and `region`
 * that destination's name in this data (e.g. PMI;Mallorca or CUN;Riviera
 * Maya): the data extends the destination names searches accept.
 * Names keep their UTF-8 text with surrounding spaces trimmed; stars may be
 * fractional with one decimal ("4.5" or "4,5") and 0 means unknown. A
 * record is one line; quoted fields may hold the delimiter and "". Ids are
 * whole numbers up to 4294967295; of repeated ids the first line is kept
 * (the others are reported and counted as rejected). */
#ifndef ISLA_HOTELS_H
#define ISLA_HOTELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    uint32_t id;
    uint8_t stars_x10;
    uint16_t name_len;
    uint32_t line;            /* in the file: the first of repeated ids wins */
    char *name;
    char dest[4];             /* IATA code of its destination, "" if the file has none */
    char region[31];          /* with both `destination` and `region` columns: the
                                 destination's name in this data ("" if none) */
} hotel_entry;

typedef struct {
    hotel_entry *items;       /* sorted by id, ids unique */
    size_t len;
    size_t rejected;          /* bad lines, each reported to `warn` */
} hotel_list;

/* Loads path. A bad row is reported to warn (one line each, with line
 * number and reason) and skipped; with strict it is an error instead, whose
 * message names the line (for a generator, where a silently smaller hotel
 * list would skew the data). Returns 0; -1 if the file cannot be opened;
 * -2 if its content is refused (no or a bad header, an empty file, or in
 * strict mode a bad row). */
int hotels_load(const char *path, FILE *warn, bool strict, hotel_list *out, char *err, size_t errlen);
void hotels_free(hotel_list *l);

#endif
