/* hotels.csv: hotel id, name and stars, columns found by header name
 * (hotelid, hotelname, hotelstars; any delimiter the importer accepts), and
 * optionally the hotel's destination (a `destination` or `region` column:
 * an IATA code or a name of the destination table, src/dest/dest.h; empty
 * = not given).
 * Names keep their UTF-8 text with surrounding spaces trimmed; stars may be
 * fractional ("4.5") and 0 means unknown. */
#ifndef ISLA_HOTELS_H
#define ISLA_HOTELS_H

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
} hotel_entry;

typedef struct {
    hotel_entry *items;       /* sorted by id, ids unique */
    size_t len;
    size_t rejected;          /* bad lines, each reported to `warn` */
} hotel_list;

/* Loads path. Bad rows are reported to warn (one line each, with line
 * number and reason) and skipped; a missing file or header is an error. */
int hotels_load(const char *path, FILE *warn, hotel_list *out, char *err, size_t errlen);
void hotels_free(hotel_list *l);

#endif
