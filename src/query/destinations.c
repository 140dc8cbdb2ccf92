/* Destination summaries from the directory: groups carry the destination,
 * runs their count, cheapest price and day span. Hotels are counted once
 * per destination with a bitmap over hotel indexes. */
#include "query/destinations.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

static int by_code(const void *x, const void *y, void *s)
{
    const dest_summary *a = x, *b = y;
    return strcmp(store_dict_str(s, STORE_DICT_AIRPORT, a->dest), store_dict_str(s, STORE_DICT_AIRPORT, b->dest));
}

size_t query_destinations(const store_t *s, dest_summary *out)
{
    dest_summary acc[256];
    bool seen[256] = {0};
    size_t words = ((size_t)s->n_hotels + 63) / 64;
    uint64_t *bits = xcalloc(words + 1, sizeof *bits);
    if (!bits)
        abort();
    /* one destination at a time, so one bitmap does; groups of a
     * destination are spread over the table (it is ordered by party
     * first), so each pass skips the others' groups */
    for (uint32_t g = 0; g < s->n_groups; g++) {
        uint8_t d = s->groups[g].dest;
        if (seen[d])
            continue;
        seen[d] = true;
        dest_summary *e = &acc[d];
        *e = (dest_summary){d, 0, 0, UINT32_MAX, UINT16_MAX, 0};
        memset(bits, 0, (words + 1) * sizeof *bits);
        for (uint32_t h = g; h < s->n_groups; h++) {
            const store_group *gr = &s->groups[h];
            if (gr->dest != d)
                continue;
            for (uint32_t r = gr->first_run; r < gr->first_run + gr->run_count; r++) {
                const store_run *run = &s->runs[r];
                e->offers += run->count;
                if (run->min_price < e->min_price)
                    e->min_price = run->min_price;
                if (run->min_day < e->first_day)
                    e->first_day = run->min_day;
                if (run->max_day > e->last_day)
                    e->last_day = run->max_day;
                uint64_t bit = 1ull << (run->hotel & 63);
                if (!(bits[run->hotel >> 6] & bit)) {
                    bits[run->hotel >> 6] |= bit;
                    e->hotels++;
                }
            }
        }
    }
    free(bits);
    size_t n = 0;
    for (unsigned d = 0; d < 256; d++)
        if (seen[d])
            out[n++] = acc[d];
    qsort_r(out, n, sizeof *out, by_code, (void *)s);
    return n;
}
