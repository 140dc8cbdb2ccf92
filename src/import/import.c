/* The import pipeline: reader -> parse workers -> builder -> store.
 *
 * The reader is the only sequential stage and does no parsing: it reads
 * ~8 MiB at a time and cuts at the last newline, so workers always get
 * whole lines. A bounded queue keeps memory flat however large the input.
 * Line numbers are not counted by the reader (that would make it scan every
 * byte); each worker counts its chunk's lines, and absolute numbers are
 * computed from those counts once all chunks are in. */
#include "import/import.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hotels/hotels.h"
#include "import/build.h"
#include "import/input.h"
#include "import/row.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/parallel.h"
#include "util/xalloc.h"

#define CHUNK_SIZE (8u << 20)
#define MAX_HEADER (1u << 20)
#define EXCERPT_MAX 200
#define SPARE_MAX 8

typedef struct chunk {
    uint32_t seq;
    bool oversized;           /* one line longer than CHUNK_SIZE: rejected whole */
    bool borrowed;            /* data points into the mapped input: not ours to free */
    char *data;
    size_t len;
    struct chunk *next;
} chunk;

typedef struct {
    uint32_t line;            /* within the chunk, from 1 */
    char *text;               /* "reason\0excerpt" */
} reject_rec;

typedef struct {
    offer_row *rows;
    size_t n_rows;
    reject_rec *rejects;
    size_t n_rejects;
    uint32_t n_lines;
} chunk_result;

typedef struct {
    const import_options *opt;
    row_layout layout;
    import_dict dicts[STORE_DICT_COUNT];
    /* work queue */
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    chunk *head, *tail;
    unsigned queued, queue_max;
    bool closed;
    /* results, indexed by chunk seq */
    chunk_result *results;
    size_t n_results, cap_results;
    atomic_ullong rows_done, rejected, skipped;
    atomic_bool abort;
    /* Read buffers the workers are done with, for the reader to fill
     * again: a fresh 8 MiB buffer per chunk costs 2,048 page faults, each
     * zeroing a page that read(2) then overwrites. */
    char *spare[SPARE_MAX];
    unsigned n_spare;
} pipeline;

/* A CHUNK_SIZE buffer: a spare one if there is one. */
static char *take_buffer(pipeline *p)
{
    char *b = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->n_spare)
        b = p->spare[--p->n_spare];
    pthread_mutex_unlock(&p->lock);
    return b ? b : xmalloc(CHUNK_SIZE);
}

/* Called with p->lock held. */
static void give_back_buffer(pipeline *p, char *b)
{
    if (p->n_spare < SPARE_MAX)
        p->spare[p->n_spare++] = b;
    else
        free(b);
}

static void push_chunk(pipeline *p, chunk *c)
{
    pthread_mutex_lock(&p->lock);
    while (p->queued >= p->queue_max)
        pthread_cond_wait(&p->not_full, &p->lock);
    if (p->tail)
        p->tail->next = c;
    else
        p->head = c;
    p->tail = c;
    p->queued++;
    if (c->seq >= p->cap_results) {
        size_t cap = p->cap_results ? p->cap_results * 2 : 256;
        while (cap <= c->seq)
            cap *= 2;
        p->results = xrealloc(p->results, cap * sizeof *p->results);
        memset(p->results + p->cap_results, 0, (cap - p->cap_results) * sizeof *p->results);
        p->cap_results = cap;
    }
    if (c->seq + 1 > p->n_results)
        p->n_results = c->seq + 1;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->lock);
}

static chunk *pop_chunk(pipeline *p)
{
    pthread_mutex_lock(&p->lock);
    while (!p->head && !p->closed)
        pthread_cond_wait(&p->not_empty, &p->lock);
    chunk *c = p->head;
    if (c) {
        p->head = c->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        pthread_cond_signal(&p->not_full);
    }
    pthread_mutex_unlock(&p->lock);
    return c;
}

static void add_reject(chunk_result *r, size_t *cap, uint32_t line, const char *why, const char *raw,
                       size_t raw_len)
{
    if (r->n_rejects == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        r->rejects = xrealloc(r->rejects, *cap * sizeof *r->rejects);
    }
    size_t wl = strlen(why), el = raw_len > EXCERPT_MAX ? EXCERPT_MAX : raw_len;
    char *t = xmalloc(wl + el + 2);
    memcpy(t, why, wl + 1);
    memcpy(t + wl + 1, raw, el);
    t[wl + 1 + el] = 0;
    r->rejects[r->n_rejects++] = (reject_rec){line, t};
}

/* bytes_per_line: what the worker's previous chunk averaged (0: none
 * yet), to guess how many rows this chunk fills (see xalloc_big_filled). */
static void parse_chunk(pipeline *p, row_parser *rp, chunk *c, chunk_result *r, size_t *bytes_per_line)
{
    size_t rej_cap = 0, cap = c->len / 96 + 16;
    size_t expect = *bytes_per_line ? c->len / *bytes_per_line * 97 / 100 : 0;
    char why[256];
    r->rows = xalloc_big_filled(cap * sizeof *r->rows, expect * sizeof *r->rows);
    if (c->oversized) {
        r->n_lines = 1;
        snprintf(why, sizeof why, "line longer than %u bytes", CHUNK_SIZE);
        add_reject(r, &rej_cap, 1, why, c->data, c->len);
        atomic_fetch_add(&p->rejected, 1);
        return;
    }
    const char *s = c->data, *end = c->data + c->len;
    uint32_t line = 0, rejected = 0, skipped = 0;
    /* --destinations: the verdict per airport id, decided on first sight
     * in this chunk (-1 not yet), so a row costs one byte lookup. */
    int8_t keep[256];
    memset(keep, -1, sizeof keep);
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        size_t n = (size_t)(e - s);
        line++;
        if (n && s[n - 1] == '\r')
            n--;
        if (n > CHUNK_SIZE) { /* only a mapped input hands out such lines */
            snprintf(why, sizeof why, "line longer than %u bytes", CHUNK_SIZE);
            add_reject(r, &rej_cap, line, why, s, n);
            rejected++;
        } else if (n > 0) { /* an empty line holds no offer: nothing to import or reject */
            if (r->n_rows == cap) {
                cap *= 2;
                r->rows = xrealloc(r->rows, cap * sizeof *r->rows);
            }
            offer_row *row = &r->rows[r->n_rows];
            if (row_parse(rp, s, n, row, why, sizeof why) == 0) {
                uint8_t a = row->detail.out_arr_airport;
                if (p->opt->n_destinations > 0 && keep[a] < 0) {
                    const char *code = p->dicts[STORE_DICT_AIRPORT].values[a];
                    keep[a] = 0;
                    for (size_t k = 0; k < p->opt->n_destinations; k++)
                        if (!strcmp(code, p->opt->destinations[k]))
                            keep[a] = 1;
                }
                if (p->opt->n_destinations > 0 && !keep[a]) {
                    skipped++;
                } else {
                    row->chunk = c->seq;
                    row->line = line;
                    r->n_rows++;
                }
            } else {
                add_reject(r, &rej_cap, line, why, s, n);
                rejected++;
            }
        }
        s = nl ? nl + 1 : end;
    }
    r->n_lines = line;
    if (line)
        *bytes_per_line = c->len / line + 1;
    atomic_fetch_add(&p->rows_done, r->n_rows);
    atomic_fetch_add(&p->rejected, rejected);
    atomic_fetch_add(&p->skipped, skipped);
}

static void *worker(void *arg)
{
    pipeline *p = arg;
    row_parser *rp = xmalloc(sizeof *rp);
    row_parser_init(rp, &p->layout, p->dicts);
    chunk *c;
    size_t bytes_per_line = 0;
    while ((c = pop_chunk(p))) {
        chunk_result r = {0};
        if (!atomic_load(&p->abort))
            parse_chunk(p, rp, c, &r, &bytes_per_line);
        pthread_mutex_lock(&p->lock);
        p->results[c->seq] = r;
        if (!c->borrowed)
            give_back_buffer(p, c->data);
        pthread_mutex_unlock(&p->lock);
        free(c);
    }
    free(rp);
    return NULL;
}

static void human(char *out, size_t n, double v)
{
    if (v >= 1e9)
        snprintf(out, n, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(out, n, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(out, n, "%.1fk", v / 1e3);
    else
        snprintf(out, n, "%.0f", v);
}

static void progress(pipeline *p, input *in, double t0)
{
    double dt = clock_mono_s() - t0;
    if (dt <= 0)
        return;
    double rows = (double)atomic_load(&p->rows_done);
    char r[32], rs[32];
    human(r, sizeof r, rows);
    human(rs, sizeof rs, rows / dt);
    int64_t pos = (int64_t)input_position(in);
    if (in->size > 0 && pos > 0) {
        double frac = (double)pos / (double)in->size;
        double eta = frac > 0 ? dt / frac - dt : 0;
        fprintf(stderr, "import: %s rows  %s rows/s  %.0f MB/s  %3.0f%%  ETA %.0fs\n", r, rs,
                (double)in->bytes / dt / 1e6, frac * 100, eta);
    } else {
        fprintf(stderr, "import: %s rows  %s rows/s  %.0f MB/s\n", r, rs, (double)in->bytes / dt / 1e6);
    }
}

/* Reads the header line and returns what followed it in *rest. */
static int read_header(pipeline *p, input *in, char **rest, size_t *rest_len, char *err, size_t errlen)
{
    if (in->map) {
        size_t n = (size_t)in->size < MAX_HEADER ? (size_t)in->size : MAX_HEADER;
        const char *nl = memchr(in->map, '\n', n);
        if (!nl && n == MAX_HEADER) {
            if (memchr(in->map, '\r', n))
                snprintf(err, errlen, "header (line 1): %s", ROW_CR_ONLY_MSG);
            else
                snprintf(err, errlen, "header (line 1) longer than %u bytes", MAX_HEADER);
            return -1;
        }
        size_t hl = nl ? (size_t)(nl - in->map) : n;
        in->pos = nl ? hl + 1 : n;
        in->bytes = in->pos;
        *rest = NULL;
        *rest_len = 0;
        size_t h = hl && in->map[hl - 1] == '\r' ? hl - 1 : hl;
        return row_layout_from_header(in->map, h, &p->layout, err, errlen);
    }
    char *buf = xmalloc(MAX_HEADER);
    size_t len = 0;
    char *nl = NULL;
    while (len < MAX_HEADER && !nl) {
        ssize_t r = input_read(in, buf + len, 65536 < MAX_HEADER - len ? 65536 : MAX_HEADER - len, err, errlen);
        if (r < 0) {
            free(buf);
            return -1;
        }
        if (r == 0)
            break;
        nl = memchr(buf + len, '\n', (size_t)r);
        len += (size_t)r;
    }
    if (len == 0) {
        snprintf(err, errlen, "the offers input is empty (expected a CSV header line)");
        free(buf);
        return -1;
    }
    if (!nl && len == MAX_HEADER) {
        if (memchr(buf, '\r', len))
            snprintf(err, errlen, "header (line 1): %s", ROW_CR_ONLY_MSG);
        else
            snprintf(err, errlen, "header (line 1) longer than %u bytes", MAX_HEADER);
        free(buf);
        return -1;
    }
    size_t hl = nl ? (size_t)(nl - buf) : len;
    size_t n = hl;
    if (n && buf[n - 1] == '\r')
        n--;
    if (row_layout_from_header(buf, n, &p->layout, err, errlen) < 0) {
        free(buf);
        return -1;
    }
    size_t after = nl ? hl + 1 : len;
    *rest_len = len - after;
    *rest = xmalloc(*rest_len + 1);
    memcpy(*rest, buf + after, *rest_len);
    free(buf);
    return 0;
}

/* Queues a chunk for the workers; stops reading once the rejects exceed
 * the limit; prints progress once a second. */
static void hand_over(pipeline *p, input *in, chunk *c, double t0, double *last)
{
    push_chunk(p, c);
    if (p->opt->max_rejects >= 0 && (int64_t)atomic_load(&p->rejected) > p->opt->max_rejects)
        atomic_store(&p->abort, true);
    if (p->opt->cancel != NULL && atomic_load(p->opt->cancel))
        atomic_store(&p->abort, true);
    if (p->opt->on_progress != NULL) {
        int64_t pos = (int64_t)input_position(in);
        double frac = in->size > 0 && pos > 0 ? (double)pos / (double)in->size : -1;
        p->opt->on_progress(p->opt->progress_ud, atomic_load(&p->rows_done), frac);
    }
    double t = clock_mono_s();
    if (p->opt->progress && t - *last >= 1.0) {
        progress(p, in, t0);
        *last = t;
    }
}

/* Mapped input: chunks are slices of the file that end at a newline. */
static void map_chunks(pipeline *p, input *in)
{
    uint32_t seq = 0;
    double t0 = clock_mono_s(), last = t0;
    size_t size = (size_t)in->size;
    while (in->pos < size && !atomic_load(&p->abort)) {
        size_t end = size - in->pos > CHUNK_SIZE ? in->pos + CHUNK_SIZE : size;
        if (end < size) {
            const char *nl = memchr(in->map + end - 1, '\n', size - end + 1);
            end = nl ? (size_t)(nl - in->map) + 1 : size;
        }
        chunk *c = xcalloc(1, sizeof *c);
        c->seq = seq++;
        c->borrowed = true;
        c->data = (char *)in->map + in->pos;
        c->len = end - in->pos;
        in->pos = end;
        in->bytes = end;
        hand_over(p, in, c, t0, &last);
    }
}

/* The reader loop: fills chunks that end at a newline. */
static int read_chunks(pipeline *p, input *in, char *carry, size_t carry_len, char *err, size_t errlen)
{
    if (in->map) {
        map_chunks(p, in);
        return 0;
    }
    uint32_t seq = 0;
    double t0 = clock_mono_s(), last = t0;
    bool eof = false;
    int rc = 0;
    while (!eof && !atomic_load(&p->abort)) {
        char *buf = take_buffer(p);
        size_t len = carry_len;
        memcpy(buf, carry, carry_len);
        ssize_t r = input_read(in, buf + len, CHUNK_SIZE - len, err, errlen);
        if (r < 0) {
            free(buf);
            rc = -1;
            break;
        }
        len += (size_t)r;
        eof = len < CHUNK_SIZE;
        carry_len = 0;
        if (len == 0) {
            free(buf);
            break;
        }
        chunk *c = xcalloc(1, sizeof *c);
        c->seq = seq++;
        c->data = buf;
        char *nl = eof ? NULL : memrchr(buf, '\n', len);
        if (eof) {
            c->len = len;
        } else if (nl) {
            c->len = (size_t)(nl - buf) + 1;
            carry_len = len - c->len;
            memcpy(carry, nl + 1, carry_len);
        } else {
            /* One line fills the whole buffer: reject it and skip to its end. */
            c->oversized = true;
            c->len = EXCERPT_MAX;
            for (;;) {
                ssize_t k = input_read(in, carry, CHUNK_SIZE, err, errlen);
                if (k <= 0) {
                    eof = true;
                    rc = k < 0 ? -1 : 0;
                    break;
                }
                char *e = memchr(carry, '\n', (size_t)k);
                if (e) {
                    carry_len = (size_t)k - (size_t)(e + 1 - carry);
                    memmove(carry, e + 1, carry_len);
                    break; /* the next read decides whether input ended */
                }
            }
        }
        hand_over(p, in, c, t0, &last);
    }
    return rc;
}

/* A CSV field of the rejects file: quoted, "" for quotes, clean UTF-8. */
static void csv_quote(buf_t *b, const char *s)
{
    buf_putc(b, '"');
    size_t start = b->len;
    buf_put_clean_text(b, s, strlen(s));
    for (size_t i = start; i < b->len; i++)
        if (b->data[i] == '"') {
            buf_reserve(b, 1);
            memmove(b->data + i + 1, b->data + i, b->len - i);
            b->len++;
            i++;
        }
    buf_putc(b, '"');
}

typedef struct {
    uint64_t line;
    const char *reason;       /* NULL: see dup_reason */
    const char *excerpt;
    char dup_reason[64];
} reject_line;

static int by_line(const void *a, const void *b)
{
    const reject_line *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Writes rejects.csv (line,reason,row), sorted by line number. Returns the
 * number of lines written or -1. */
static int64_t write_rejects(const char *path, pipeline *p, const uint64_t *base, const build_output *bo)
{
    size_t n = bo ? bo->n_dups : 0;
    for (size_t i = 0; i < p->n_results; i++)
        n += p->results[i].n_rejects;
    reject_line *all = xcalloc(n + 1, sizeof *all);
    size_t k = 0;
    for (size_t i = 0; i < p->n_results; i++)
        for (size_t j = 0; j < p->results[i].n_rejects; j++) {
            reject_rec *r = &p->results[i].rejects[j];
            all[k].line = base[i] + r->line;
            all[k].reason = r->text;
            all[k].excerpt = r->text + strlen(r->text) + 1;
            k++;
        }
    for (size_t i = 0; bo && i < bo->n_dups; i++) {
        const dup_ref *d = &bo->dups[i];
        all[k].line = base[d->chunk] + d->line;
        snprintf(all[k].dup_reason, sizeof all[k].dup_reason, "duplicate of line %llu",
                 (unsigned long long)(base[d->of_chunk] + d->of_line));
        all[k].reason = NULL; /* dup_reason: the array moves when sorted */
        all[k].excerpt = "";
        k++;
    }
    qsort(all, k, sizeof *all, by_line);
    FILE *f = fopen(path, "w");
    if (!f) {
        free(all);
        return -1;
    }
    buf_t b = {0};
    BUF_LIT(&b, "line,reason,row\n");
    for (size_t i = 0; i < k; i++) {
        buf_put_u64(&b, all[i].line);
        buf_putc(&b, ',');
        csv_quote(&b, all[i].reason ? all[i].reason : all[i].dup_reason);
        buf_putc(&b, ',');
        csv_quote(&b, all[i].excerpt);
        buf_putc(&b, '\n');
        if (b.len > (1u << 20)) {
            fwrite(b.data, 1, b.len, f);
            b.len = 0;
        }
    }
    fwrite(b.data, 1, b.len, f);
    buf_free(&b);
    int bad = ferror(f) | (fflush(f) != 0) | (fsync(fileno(f)) != 0);
    bad |= fclose(f) != 0;
    free(all);
    if (bad)
        unlink(path); /* no half a report on a full disk */
    return bad ? -1 : (int64_t)k;
}

static int write_summary(const char *path, const import_result *res, const char *origin)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    const store_import_stats *s = &res->stats;
    if (origin != NULL) {
        buf_t o = {0};
        buf_put_json_str(&o, origin, strlen(origin));
        fprintf(f, "{\"origin\":%.*s,", (int)o.len, o.data);
        buf_free(&o);
    } else {
        fputc('{', f);
    }
    fprintf(f,
            "\"rows\":%llu,\"imported\":%llu,\"rejected\":%llu,\"duplicates\":%llu,"
            "\"unknownHotelRows\":%llu,\"hotelsKnown\":%llu,\"hotelsUnknown\":%llu,"
            "\"bytes\":%llu,\"createdUnix\":%llu,\"durationMs\":%llu}\n",
            (unsigned long long)s->rows, (unsigned long long)s->imported, (unsigned long long)s->rejected,
            (unsigned long long)s->duplicates, (unsigned long long)s->unknown_hotel_rows,
            (unsigned long long)res->hotels_known, (unsigned long long)res->hotels_unknown,
            (unsigned long long)s->bytes, (unsigned long long)s->created_unix,
            (unsigned long long)s->duration_ms);
    int bad = (fflush(f) != 0) | (fsync(fileno(f)) != 0);
    return (fclose(f) != 0) | bad ? -1 : 0;
}

/* An input that ends without a line end may be cut off in the middle of
 * its last row (a truncated download, a producer that died mid-write). If
 * that last line is a complete, valid row, it is a file without a final
 * newline and fine; if the row is rejected (an unterminated quote, too few
 * fields, a cut value), the dump is incomplete: that is a read error, not
 * one rejected row, because the rows after it are missing too. */
static int cut_off_row(pipeline *p, const input *in, char *err, size_t errlen)
{
    if (input_ends_with_newline(in) || p->n_results == 0)
        return 0;
    const chunk_result *last = &p->results[p->n_results - 1];
    if (!last->n_rejects || last->rejects[last->n_rejects - 1].line != last->n_lines)
        return 0;
    uint64_t line = 1;
    for (size_t i = 0; i < p->n_results; i++)
        line += p->results[i].n_lines;
    snprintf(err, errlen,
             "the input ends in the middle of a row: line %llu, the last, has no line end and is not a "
             "complete row (%s); the dump looks truncated, nothing was published",
             (unsigned long long)line, last->rejects[last->n_rejects - 1].text);
    return -1;
}

/* A dump much smaller than the one served is more often a broken export
 * or a cut-off download that still ends at a line boundary than a real
 * change; see --max-shrink and --min-rows in docs/OPERATIONS.md. */
static int shrink_guard(const import_options *opt, uint64_t offers, char *err, size_t errlen)
{
    if (opt->min_offers && offers < opt->min_offers) {
        snprintf(err, errlen,
                 "the dump has %llu offers, fewer than --min-rows %llu: nothing was published "
                 "(run again with a lower --min-rows if this is intended)",
                 (unsigned long long)offers, (unsigned long long)opt->min_offers);
        return -1;
    }
    uint64_t gen, served;
    if (opt->max_shrink_pct <= 0 || store_current_offers(opt->data_dir, &gen, &served) < 0)
        return 0;
    if (offers * 100 >= served * (uint64_t)(100 - opt->max_shrink_pct))
        return 0;
    snprintf(err, errlen,
             "the dump has %llu offers, %.1f%% fewer than the %llu of the served generation %llu "
             "(more than --max-shrink %d%%): it looks incomplete, nothing was published "
             "(run again with --max-shrink none if the shrink is intended)",
             (unsigned long long)offers, 100.0 - 100.0 * (double)offers / (double)served,
             (unsigned long long)served, (unsigned long long)gen, opt->max_shrink_pct);
    return -1;
}

/* Closes the queue and waits for the workers to finish what they hold. */
static void stop_workers(pipeline *p, pthread_t *tids, int *started)
{
    pthread_mutex_lock(&p->lock);
    p->closed = true;
    pthread_cond_broadcast(&p->not_empty);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < *started; i++)
        pthread_join(tids[i], NULL);
    *started = 0;
}

int import_run(const import_options *opt, import_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    double t0 = clock_mono_s();
    /* One import per data directory at a time (see store_import_lock): so
     * two imports never race to CURRENT, and whatever a .tmp directory or
     * unpublished generation is found now, no live import owns it. */
    int lock = store_import_lock(opt->data_dir, err, errlen);
    if (lock < 0)
        return -1;
    char removed[512];
    int n_removed = store_remove_leftovers(opt->data_dir, removed, sizeof removed);
    if (n_removed > 0)
        fprintf(stderr, "isla import: removed %d leftover(s) of an import that did not finish: %s\n", n_removed,
                removed);
    hotel_list hotels;
    if (hotels_load(opt->hotels_path, stderr, false, &hotels, err, errlen) < 0) {
        store_import_unlock(lock);
        return -1;
    }

    pipeline *p = xcalloc(1, sizeof *p);
    p->opt = opt;
    static const unsigned dict_max[STORE_DICT_COUNT] = {
        [STORE_DICT_AIRPORT] = STORE_DICT_MAX, [STORE_DICT_MEAL] = STORE_DICT_MAX,
        [STORE_DICT_ROOM] = 128, [STORE_DICT_ZONE] = STORE_ZONE_MAX + 1};
    for (int d = 0; d < STORE_DICT_COUNT; d++)
        import_dict_init(&p->dicts[d], dict_max[d]);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    int threads = opt->threads > 0 ? opt->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    p->queue_max = (unsigned)threads * 2;

    int rc = -1;
    input in = {0};
    char *carry = NULL;
    size_t carry_len = 0;
    pthread_t *tids = xcalloc((size_t)threads, sizeof *tids);
    int started = 0;
    uint64_t *base = NULL;
    build_output bo;
    memset(&bo, 0, sizeof bo);
    bool built = false;
    char tmpdir[4200] = "";

    if (input_open(&in, opt->offers_path, err, errlen) < 0)
        goto out;
    char *rest;
    if (read_header(p, &in, &rest, &carry_len, err, errlen) < 0)
        goto out;
    carry = xmalloc(CHUNK_SIZE);
    if (carry_len)
        memcpy(carry, rest, carry_len);
    free(rest);
    for (; started < threads; started++)
        pthread_create(&tids[started], NULL, worker, p);
    int read_rc = read_chunks(p, &in, carry, carry_len, err, errlen);
    stop_workers(p, tids, &started);
    if (read_rc < 0) {
        size_t l = strlen(err);
        snprintf(err + l, errlen - l, "; nothing was published");
        goto out;
    }
    if (!atomic_load(&p->abort) && (input_check_unchanged(&in, err, errlen) < 0 || cut_off_row(p, &in, err, errlen) < 0))
        goto out;

    /* Absolute line numbers: the header is line 1. */
    base = xmalloc((p->n_results + 1) * sizeof *base);
    uint64_t line = 1, rows = 0, rejected = 0;
    for (size_t i = 0; i < p->n_results; i++) {
        base[i] = line;
        line += p->results[i].n_lines;
        rows += p->results[i].n_rows;
        rejected += p->results[i].n_rejects;
    }
    res->stats.rows = rows + rejected;
    res->stats.rejected = rejected;
    res->stats.bytes = in.bytes;
    /* The reader checks the limit as it goes; the last chunks finish after
     * it stops, so check the final count too. */
    if (opt->max_rejects >= 0 && (int64_t)rejected > opt->max_rejects)
        atomic_store(&p->abort, true);
    if (opt->cancel != NULL && atomic_load(opt->cancel)) {
        snprintf(err, errlen, "cancelled after %llu rows; nothing was published", (unsigned long long)(rows + rejected));
        goto out;
    }
    if (atomic_load(&p->abort)) {
        char path[4200];
        snprintf(path, sizeof path, "%s/failed-import-%ld.rejects.csv", opt->data_dir, (long)getpid());
        mkdir(opt->data_dir, 0755);
        int64_t w = write_rejects(path, p, base, NULL);
        snprintf(err, errlen,
                 "more than %lld rejected rows (%llu so far): the dump looks broken; nothing was published. "
                 "Rejected rows: %s",
                 (long long)opt->max_rejects, (unsigned long long)rejected, w >= 0 ? path : "(could not be written)");
        goto out;
    }
    if (rows == 0) {
        snprintf(err, errlen, "the dump has no valid offer rows (%llu rejected); nothing was published",
                 (unsigned long long)rejected);
        if (rejected) {
            char path[4200];
            snprintf(path, sizeof path, "%s/failed-import-%ld.rejects.csv", opt->data_dir, (long)getpid());
            mkdir(opt->data_dir, 0755);
            if (write_rejects(path, p, base, NULL) >= 0) {
                size_t l = strlen(err);
                snprintf(err + l, errlen - l, ". Rejected rows: %s", path);
            }
        }
        goto out;
    }
    if (opt->progress)
        progress(p, &in, t0);

    res->seconds_parse = clock_mono_s() - t0;
    row_block *blocks = xcalloc(p->n_results + 1, sizeof *blocks);
    for (size_t i = 0; i < p->n_results; i++) {
        blocks[i].rows = p->results[i].rows;
        blocks[i].len = p->results[i].n_rows;
        p->results[i].rows = NULL;
    }
    int brc = build_image(blocks, p->n_results, &hotels, p->dicts, threads, &bo, err, errlen);
    free(blocks);
    if (brc < 0)
        goto out;
    built = true;
    res->seconds_build = clock_mono_s() - t0 - res->seconds_parse;
    res->skipped_other_destinations = atomic_load(&p->skipped);
    res->stats.imported = bo.img.n_offers;
    res->stats.duplicates = bo.n_dups;
    res->stats.unknown_hotel_rows = bo.unknown_hotel_rows;
    res->stats.created_unix = (uint64_t)time(NULL);
    res->stats.duration_ms = (uint64_t)((clock_mono_s() - t0) * 1000);
    if (shrink_guard(opt, bo.img.n_offers, err, errlen) < 0)
        goto out;
    res->hotels_known = bo.hotels_known;
    res->hotels_unknown = bo.hotels_unknown;
    bo.img.stats = res->stats;

    char path[4300];
    if (opt->cancel != NULL && atomic_load(opt->cancel)) {
        snprintf(err, errlen, "cancelled after the build; nothing was published");
        goto out;
    }
    if (store_write_tmp(opt->data_dir, &bo.img, tmpdir, sizeof tmpdir, err, errlen) < 0) {
        tmpdir[0] = 0; /* it removed what it wrote */
        goto out;
    }
    snprintf(path, sizeof path, "%s/rejects.csv", tmpdir);
    if (write_rejects(path, p, base, &bo) < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    snprintf(path, sizeof path, "%s/import.json", tmpdir);
    if (write_summary(path, res, opt->origin) < 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    res->generation = store_publish(opt->data_dir, tmpdir, err, errlen);
    if (!res->generation)
        goto out;
    tmpdir[0] = 0; /* it is gen-N now */
    snprintf(res->gen_dir, sizeof res->gen_dir, "%s/gen-%012llu", opt->data_dir,
             (unsigned long long)res->generation);
    res->seconds_total = clock_mono_s() - t0;
    res->seconds_write = res->seconds_total - res->seconds_parse - res->seconds_build;
    rc = 0;
out:
    if (rc < 0)
        store_discard_tmp(tmpdir); /* a failed import leaves nothing behind */
    store_import_unlock(lock);
    stop_workers(p, tids, &started);
    input_close(&in);
    if (built)
        build_free(&bo);
    for (size_t i = 0; i < p->n_results; i++) {
        free(p->results[i].rows);
        for (size_t j = 0; j < p->results[i].n_rejects; j++)
            free(p->results[i].rejects[j].text);
        free(p->results[i].rejects);
    }
    for (chunk *c = p->head, *next; c; c = next) {
        next = c->next;
        if (!c->borrowed)
            free(c->data);
        free(c);
    }
    free(p->results);
    for (unsigned i = 0; i < p->n_spare; i++)
        free(p->spare[i]);
    free(p);
    free(base);
    free(carry);
    free(tids);
    hotels_free(&hotels);
    return rc;
}
