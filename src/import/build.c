/* Building a generation from parsed rows. See build.h for the passes.
 *
 * Why buckets instead of one global sort: a (group, hotel) bucket is exactly
 * the unit a search reads, buckets are small (thousands of rows), so a
 * counting scatter (O(n), parallel) followed by many small cache-resident
 * sorts beats sorting 100M rows as one array. */
#include "import/build.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/parallel.h"

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* --- hotel id -> index hash map (open addressing, linear probing) --- */
typedef struct {
    uint32_t *keys;
    int32_t *vals;            /* -1 = empty */
    size_t cap, len;
} idmap;

static void idmap_init(idmap *m, size_t expect)
{
    m->cap = 64;
    while (m->cap < expect * 2)
        m->cap *= 2;
    m->keys = malloc(m->cap * sizeof *m->keys);
    m->vals = malloc(m->cap * sizeof *m->vals);
    memset(m->vals, 0xff, m->cap * sizeof *m->vals);
    m->len = 0;
}

static void idmap_free(idmap *m)
{
    free(m->keys);
    free(m->vals);
}

static inline size_t idmap_slot(const idmap *m, uint32_t k)
{
    return (size_t)(((uint64_t)k * 0x9E3779B97F4A7C15ull) >> 32) & (m->cap - 1);
}

static inline int32_t idmap_get(const idmap *m, uint32_t k)
{
    for (size_t s = idmap_slot(m, k);; s = (s + 1) & (m->cap - 1)) {
        if (m->vals[s] < 0)
            return -1;
        if (m->keys[s] == k)
            return m->vals[s];
    }
}

static void idmap_put(idmap *m, uint32_t k, int32_t v);

static void idmap_grow(idmap *m)
{
    idmap n;
    idmap_init(&n, m->cap);
    for (size_t i = 0; i < m->cap; i++)
        if (m->vals[i] >= 0)
            idmap_put(&n, m->keys[i], m->vals[i]);
    idmap_free(m);
    *m = n;
}

static void idmap_put(idmap *m, uint32_t k, int32_t v)
{
    if ((m->len + 1) * 2 > m->cap)
        idmap_grow(m);
    for (size_t s = idmap_slot(m, k);; s = (s + 1) & (m->cap - 1)) {
        if (m->vals[s] < 0) {
            m->keys[s] = k;
            m->vals[s] = v;
            m->len++;
            return;
        }
        if (m->keys[s] == k) {
            m->vals[s] = v;
            return;
        }
    }
}

/* --- groups: (adults, children, nights) --- */
#define NIGHTS_SLOTS 512      /* nights <= 365 */
#define GROUP_KEY(r) ((uint32_t)(r)->adults << 17 | (uint32_t)(r)->children << 9 | (r)->nights)
#define GROUP_KEYS (1u << 25)

typedef struct {
    row_block *blocks;
    size_t n_blocks;
    int threads;
    const idmap *known;
    idmap *unknown;           /* per thread */
    uint64_t **group_bits;    /* per thread, GROUP_KEYS bits */
    idmap final;              /* id -> hotel index */
    const uint8_t *hotel_known;
    int32_t *pair_base;       /* (adults<<8|children) -> offset into group_of, or -1 */
    uint32_t *group_of;       /* pair_base + nights -> group id */
    size_t n_hotels, n_groups, n_buckets;
    uint32_t **hist;          /* per thread: bucket -> count, then -> next write offset */
    uint64_t *unknown_rows;   /* per thread */
    offer_row *sorted;
    uint32_t *bucket_start, *bucket_len, *bucket_keep;
    atomic_size_t next_bucket;
    dup_ref **dups;           /* per thread */
    size_t *n_dups, *cap_dups;
    store_image *img;
    uint16_t *dep_day;
    uint8_t *airport, *meal, *room_ocean;
    uint32_t *price;
    store_detail *detail;
    uint32_t *out_start;
} build_ctx;

static void block_range(const build_ctx *c, int t, size_t *lo, size_t *hi)
{
    *lo = c->n_blocks * (size_t)t / (size_t)c->threads;
    *hi = c->n_blocks * (size_t)(t + 1) / (size_t)c->threads;
}

static void pass_discover(void *arg, int t)
{
    build_ctx *c = arg;
    size_t lo, hi;
    block_range(c, t, &lo, &hi);
    idmap *unk = &c->unknown[t];
    uint64_t *bits = c->group_bits[t];
    for (size_t b = lo; b < hi; b++)
        for (size_t i = 0; i < c->blocks[b].len; i++) {
            const offer_row *r = &c->blocks[b].rows[i];
            uint32_t k = GROUP_KEY(r);
            bits[k >> 6] |= 1ull << (k & 63);
            if (idmap_get(c->known, r->hotel_id) < 0 && idmap_get(unk, r->hotel_id) < 0)
                idmap_put(unk, r->hotel_id, 0);
        }
}

static inline uint32_t group_id(const build_ctx *c, const offer_row *r)
{
    return c->group_of[c->pair_base[r->adults << 8 | r->children] + r->nights];
}

/* Maps hotel ids to indexes in place and counts rows per bucket. */
static void pass_count(void *arg, int t)
{
    build_ctx *c = arg;
    size_t lo, hi;
    block_range(c, t, &lo, &hi);
    uint32_t *hist = c->hist[t];
    uint64_t unknown = 0;
    for (size_t b = lo; b < hi; b++)
        for (size_t i = 0; i < c->blocks[b].len; i++) {
            offer_row *r = &c->blocks[b].rows[i];
            uint32_t h = (uint32_t)idmap_get(&c->final, r->hotel_id);
            r->hotel_id = h;
            unknown += !c->hotel_known[h];
            hist[(size_t)group_id(c, r) * c->n_hotels + h]++;
        }
    c->unknown_rows[t] = unknown;
}

static void pass_scatter(void *arg, int t)
{
    build_ctx *c = arg;
    size_t lo, hi;
    block_range(c, t, &lo, &hi);
    uint32_t *next = c->hist[t];
    for (size_t b = lo; b < hi; b++) {
        for (size_t i = 0; i < c->blocks[b].len; i++) {
            const offer_row *r = &c->blocks[b].rows[i];
            c->sorted[next[(size_t)group_id(c, r) * c->n_hotels + r->hotel_id]++] = *r;
        }
        free(c->blocks[b].rows);
        c->blocks[b].rows = NULL;
    }
}

/* Order within a bucket: what searches need first (day, airport, price),
 * then every other field so exact duplicates end up adjacent, then the
 * source position so the earliest copy is the one kept. */
static int cmp_content(const offer_row *a, const offer_row *b)
{
    if (a->dep_day != b->dep_day)
        return a->dep_day < b->dep_day ? -1 : 1;
    if (a->airport != b->airport)
        return a->airport < b->airport ? -1 : 1;
    if (a->price != b->price)
        return a->price < b->price ? -1 : 1;
    if (a->meal != b->meal)
        return a->meal < b->meal ? -1 : 1;
    if (a->room_ocean != b->room_ocean)
        return a->room_ocean < b->room_ocean ? -1 : 1;
    return memcmp(&a->detail, &b->detail, sizeof a->detail);
}

static int cmp_row(const void *x, const void *y)
{
    const offer_row *a = x, *b = y;
    int c = cmp_content(a, b);
    if (c)
        return c;
    if (a->chunk != b->chunk)
        return a->chunk < b->chunk ? -1 : 1;
    return a->line < b->line ? -1 : a->line > b->line;
}

static void pass_sort(void *arg, int t)
{
    build_ctx *c = arg;
    for (;;) {
        size_t b0 = atomic_fetch_add(&c->next_bucket, 256);
        if (b0 >= c->n_buckets)
            break;
        size_t b1 = b0 + 256 < c->n_buckets ? b0 + 256 : c->n_buckets;
        for (size_t b = b0; b < b1; b++) {
            uint32_t n = c->bucket_len[b];
            if (!n)
                continue;
            offer_row *r = c->sorted + c->bucket_start[b];
            qsort(r, n, sizeof *r, cmp_row);
            uint32_t w = 1;
            for (uint32_t i = 1; i < n; i++) {
                if (cmp_content(&r[w - 1], &r[i]) == 0) {
                    if (c->n_dups[t] == c->cap_dups[t]) {
                        c->cap_dups[t] = c->cap_dups[t] ? c->cap_dups[t] * 2 : 1024;
                        c->dups[t] = realloc(c->dups[t], c->cap_dups[t] * sizeof **c->dups);
                    }
                    c->dups[t][c->n_dups[t]++] = (dup_ref){r[i].chunk, r[i].line, r[w - 1].chunk, r[w - 1].line};
                    continue;
                }
                r[w++] = r[i];
            }
            c->bucket_keep[b] = w;
        }
    }
}

static void pass_columns(void *arg, int t)
{
    build_ctx *c = arg;
    (void)t;
    for (;;) {
        size_t b0 = atomic_fetch_add(&c->next_bucket, 256);
        if (b0 >= c->n_buckets)
            break;
        size_t b1 = b0 + 256 < c->n_buckets ? b0 + 256 : c->n_buckets;
        for (size_t b = b0; b < b1; b++) {
            const offer_row *r = c->sorted + c->bucket_start[b];
            uint32_t o = c->out_start[b];
            for (uint32_t i = 0; i < c->bucket_keep[b]; i++, o++) {
                c->dep_day[o] = r[i].dep_day;
                c->airport[o] = r[i].airport;
                c->price[o] = r[i].price;
                c->meal[o] = r[i].meal;
                c->room_ocean[o] = r[i].room_ocean;
                c->detail[o] = r[i].detail;
            }
        }
    }
}

static void *own(build_output *out, void *p)
{
    for (int i = 0; i < 16; i++)
        if (!out->owned[i]) {
            out->owned[i] = p;
            return p;
        }
    abort(); /* more allocations than slots: a programming error */
}

int build_image(row_block *blocks, size_t n_blocks, const hotel_list *hotels, import_dict *dicts,
                int threads, build_output *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    build_ctx c;
    memset(&c, 0, sizeof c);
    c.blocks = blocks;
    c.n_blocks = n_blocks;
    c.threads = threads < 1 ? 1 : threads;
    size_t n_rows = 0;
    for (size_t b = 0; b < n_blocks; b++)
        n_rows += blocks[b].len;
    if (n_rows >= UINT32_MAX) {
        snprintf(err, errlen, "more than %u offers in one generation", UINT32_MAX - 1);
        return -1;
    }
    int rc = -1;
    int T = c.threads;

    /* 1. hotels and groups that occur */
    idmap known;
    idmap_init(&known, hotels->len);
    for (size_t i = 0; i < hotels->len; i++)
        idmap_put(&known, hotels->items[i].id, (int32_t)i);
    c.known = &known;
    c.unknown = calloc((size_t)T, sizeof *c.unknown);
    c.group_bits = calloc((size_t)T, sizeof *c.group_bits);
    for (int t = 0; t < T; t++) {
        idmap_init(&c.unknown[t], 64);
        c.group_bits[t] = calloc(GROUP_KEYS / 64, sizeof(uint64_t));
    }
    parallel_run(T, pass_discover, &c);
    idmap all_unknown;
    idmap_init(&all_unknown, 64);
    for (int t = 0; t < T; t++) {
        for (size_t s = 0; s < c.unknown[t].cap; s++)
            if (c.unknown[t].vals[s] >= 0)
                idmap_put(&all_unknown, c.unknown[t].keys[s], 0);
        idmap_free(&c.unknown[t]);
        if (t)
            for (size_t w = 0; w < GROUP_KEYS / 64; w++)
                c.group_bits[0][w] |= c.group_bits[t][w];
    }
    /* Hotel table: known and unknown ids merged in id order. */
    size_t n_unknown = all_unknown.len, n_hotels = hotels->len + n_unknown;
    uint32_t *unk_ids = malloc((n_unknown + 1) * sizeof *unk_ids);
    size_t k = 0;
    for (size_t s = 0; s < all_unknown.cap; s++)
        if (all_unknown.vals[s] >= 0)
            unk_ids[k++] = all_unknown.keys[s];
    idmap_free(&all_unknown);
    qsort(unk_ids, n_unknown, sizeof *unk_ids, cmp_u32);
    store_hotel *ht = own(out, calloc(n_hotels + 1, sizeof *ht));
    uint8_t *hknown = calloc(n_hotels + 1, 1);
    size_t names_len = 0;
    for (size_t i = 0; i < hotels->len; i++)
        names_len += hotels->items[i].name_len;
    names_len += n_unknown * 32;
    char *names = own(out, malloc(names_len + 1));
    size_t no = 0, ki = 0, ui = 0;
    idmap_init(&c.final, n_hotels);
    for (size_t h = 0; h < n_hotels; h++) {
        bool take_known = ui == n_unknown || (ki < hotels->len && hotels->items[ki].id < unk_ids[ui]);
        if (take_known) {
            const hotel_entry *e = &hotels->items[ki++];
            ht[h] = (store_hotel){e->id, e->stars_x10, 1, e->name_len, (uint32_t)no};
            memcpy(names + no, e->name, e->name_len);
            no += e->name_len;
            hknown[h] = 1;
        } else {
            uint32_t id = unk_ids[ui++];
            int l = snprintf(names + no, 32, "Unknown hotel %u", id);
            ht[h] = (store_hotel){id, 0, 0, (uint16_t)l, (uint32_t)no};
            no += (size_t)l;
        }
        idmap_put(&c.final, ht[h].id, (int32_t)h);
    }
    free(unk_ids);
    idmap_free(&known);
    c.hotel_known = hknown;
    c.n_hotels = n_hotels;

    /* Group ids in (adults, children, nights) order. */
    c.pair_base = malloc(65536 * sizeof *c.pair_base);
    memset(c.pair_base, 0xff, 65536 * sizeof *c.pair_base);
    size_t pairs = 0;
    for (uint32_t pair = 0; pair < 65536; pair++) {
        const uint64_t *w = &c.group_bits[0][(size_t)pair * NIGHTS_SLOTS / 64];
        bool any = false;
        for (int i = 0; i < NIGHTS_SLOTS / 64; i++)
            any |= w[i] != 0;
        if (any)
            c.pair_base[pair] = (int32_t)(pairs++ * NIGHTS_SLOTS);
    }
    c.group_of = malloc((pairs * NIGHTS_SLOTS + 1) * sizeof *c.group_of);
    store_group *groups = own(out, malloc((pairs * NIGHTS_SLOTS + 1) * sizeof *groups));
    size_t n_groups = 0;
    for (uint32_t pair = 0; pair < 65536; pair++) {
        if (c.pair_base[pair] < 0)
            continue;
        for (uint32_t nights = 0; nights < NIGHTS_SLOTS; nights++) {
            uint32_t key = pair << 9 | nights;
            if (c.group_bits[0][key >> 6] >> (key & 63) & 1) {
                c.group_of[c.pair_base[pair] + (int32_t)nights] = (uint32_t)n_groups;
                groups[n_groups++] = (store_group){(uint8_t)(pair >> 8), (uint8_t)pair, (uint16_t)nights, 0, 0};
            }
        }
    }
    for (int t = 0; t < T; t++)
        free(c.group_bits[t]);
    free(c.group_bits);
    c.n_groups = n_groups;
    c.n_buckets = n_groups * n_hotels;
    if (c.n_buckets > (1u << 28)) {
        snprintf(err, errlen, "too many (adults, children, nights, hotel) combinations: %zu groups x %zu hotels",
                 n_groups, n_hotels);
        goto out;
    }

    /* 2. count, 3. scatter */
    c.hist = calloc((size_t)T, sizeof *c.hist);
    c.unknown_rows = calloc((size_t)T, sizeof *c.unknown_rows);
    for (int t = 0; t < T; t++)
        c.hist[t] = calloc(c.n_buckets + 1, sizeof(uint32_t));
    parallel_run(T, pass_count, &c);
    c.bucket_start = malloc((c.n_buckets + 1) * sizeof(uint32_t));
    c.bucket_len = malloc((c.n_buckets + 1) * sizeof(uint32_t));
    c.bucket_keep = calloc(c.n_buckets + 1, sizeof(uint32_t));
    uint32_t pos = 0;
    for (size_t b = 0; b < c.n_buckets; b++) {
        c.bucket_start[b] = pos;
        for (int t = 0; t < T; t++) {
            uint32_t n = c.hist[t][b];
            c.hist[t][b] = pos;
            pos += n;
        }
        c.bucket_len[b] = pos - c.bucket_start[b];
    }
    c.sorted = malloc((n_rows + 1) * sizeof *c.sorted);
    parallel_run(T, pass_scatter, &c);
    for (int t = 0; t < T; t++) {
        out->unknown_hotel_rows += c.unknown_rows[t];
        free(c.hist[t]);
    }

    /* 4. sort and deduplicate each bucket */
    c.dups = calloc((size_t)T, sizeof *c.dups);
    c.n_dups = calloc((size_t)T, sizeof *c.n_dups);
    c.cap_dups = calloc((size_t)T, sizeof *c.cap_dups);
    atomic_init(&c.next_bucket, 0);
    parallel_run(T, pass_sort, &c);
    for (int t = 0; t < T; t++)
        out->n_dups += c.n_dups[t];
    out->dups = own(out, malloc((out->n_dups + 1) * sizeof *out->dups));
    size_t d = 0;
    for (int t = 0; t < T; t++) {
        if (c.n_dups[t])
            memcpy(out->dups + d, c.dups[t], c.n_dups[t] * sizeof *out->dups);
        d += c.n_dups[t];
        free(c.dups[t]);
    }

    /* 5. directory: one run per non-empty bucket */
    c.out_start = malloc((c.n_buckets + 1) * sizeof(uint32_t));
    size_t n_runs = 0;
    uint32_t n_offers = 0;
    for (size_t b = 0; b < c.n_buckets; b++) {
        c.out_start[b] = n_offers;
        n_offers += c.bucket_keep[b];
        n_runs += c.bucket_keep[b] > 0;
    }
    store_run *runs = own(out, malloc((n_runs + 1) * sizeof *runs));
    size_t r = 0;
    for (size_t g = 0; g < n_groups; g++) {
        groups[g].first_run = (uint32_t)r;
        for (size_t h = 0; h < n_hotels; h++) {
            size_t b = g * n_hotels + h;
            if (c.bucket_keep[b])
                runs[r++] = (store_run){(uint32_t)h, c.out_start[b], c.bucket_keep[b]};
        }
        groups[g].run_count = (uint32_t)r - groups[g].first_run;
    }

    /* 6. columns */
    c.dep_day = own(out, malloc((size_t)n_offers * 2 + 1));
    c.airport = own(out, malloc((size_t)n_offers + 1));
    c.meal = own(out, malloc((size_t)n_offers + 1));
    c.room_ocean = own(out, malloc((size_t)n_offers + 1));
    c.price = own(out, malloc((size_t)n_offers * 4 + 1));
    c.detail = own(out, malloc((size_t)n_offers * sizeof(store_detail) + 1));
    atomic_store(&c.next_bucket, 0);
    parallel_run(T, pass_columns, &c);

    store_image *img = &out->img;
    img->n_offers = n_offers;
    img->n_hotels = (uint32_t)n_hotels;
    img->n_groups = (uint32_t)n_groups;
    img->n_runs = (uint32_t)n_runs;
    img->dep_day = c.dep_day;
    img->airport = c.airport;
    img->meal = c.meal;
    img->room_ocean = c.room_ocean;
    img->price = c.price;
    img->detail = c.detail;
    img->hotels = ht;
    img->names = names;
    img->names_len = no;
    img->groups = groups;
    img->runs = runs;
    for (int dd = 0; dd < STORE_DICT_COUNT; dd++) {
        img->dict_len[dd] = (uint8_t)atomic_load(&dicts[dd].len);
        memcpy(img->dict[dd], dicts[dd].values, sizeof img->dict[dd]);
    }
    out->hotels_known = hotels->len;
    out->hotels_unknown = n_unknown;
    rc = 0;
out:
    free(c.unknown);
    free(hknown);
    idmap_free(&c.final);
    free(c.pair_base);
    free(c.group_of);
    free(c.hist);
    free(c.unknown_rows);
    free(c.sorted);
    free(c.bucket_start);
    free(c.bucket_len);
    free(c.bucket_keep);
    free(c.dups);
    free(c.n_dups);
    free(c.cap_dups);
    free(c.out_start);
    if (rc < 0) {
        for (size_t b = 0; b < n_blocks; b++) {
            free(blocks[b].rows);
            blocks[b].rows = NULL;
        }
        build_free(out);
    }
    return rc;
}

void build_free(build_output *out)
{
    for (int i = 0; i < 16; i++)
        free(out->owned[i]);
    memset(out, 0, sizeof *out);
}
