/* The builder: parsed rows -> the columns, directory and hotel table of a
 * generation (a store_image). Runs in passes over all rows, each split
 * across threads: map hotel ids and find the (adults, children, nights)
 * groups; count rows per (group, hotel) bucket; scatter rows into buckets;
 * sort each bucket and drop exact duplicates; write the columns. */
#ifndef ISLA_BUILD_H
#define ISLA_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "hotels/hotels.h"
#include "import/row.h"
#include "store/store.h"

typedef struct {
    offer_row *rows;
    size_t len;
} row_block;

/* A dropped duplicate and the row it repeats (chunk, line within chunk). */
typedef struct {
    uint32_t chunk, line, of_chunk, of_line;
} dup_ref;

typedef struct {
    store_image img;          /* arrays owned by the build */
    dup_ref *dups;
    size_t n_dups;
    uint64_t unknown_hotel_rows, hotels_known, hotels_unknown;
    void *owned[32];          /* allocations freed by build_free */
} build_output;

/* Consumes blocks (their rows are freed). dicts holds STORE_DICT_COUNT
 * dictionaries. Returns 0, or -1 with err set. */
int build_image(row_block *blocks, size_t n_blocks, const hotel_list *hotels, import_dict *dicts,
                int threads, build_output *out, char *err, size_t errlen);
void build_free(build_output *out);

#endif
