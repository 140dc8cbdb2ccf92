/* CRC-32 of many spans of a file on all cores (contract in checksum.h).
 *
 * Each thread takes the next piece (an atomic counter), so a thread that
 * meets slow pages (faults, a cold page cache) does not hold the others up;
 * the pieces of a span are then joined in file order. */
#include "util/checksum.h"

#include <errno.h>
#include <libdeflate.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include "util/parallel.h"

uint32_t checksum_update(uint32_t crc, const void *p, size_t n)
{
    return n ? (uint32_t)libdeflate_crc32(crc, p, n) : crc;
}

uint32_t checksum_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
    return (uint32_t)crc32_combine(crc_a, crc_b, (z_off_t)len_b);
}

typedef struct {
    size_t span;
    uint64_t off, len; /* the piece, in the file */
    uint32_t sum;
    int err;
} piece;

typedef struct {
    int fd;
    checksum_span *spans;
    piece *pieces;
    size_t n;
    atomic_size_t next;
} piece_ctx;

/* pread/pwrite size: small enough that the bytes are still in the core's
 * cache when the checksum reads them */
enum { IO_CHUNK = 256 << 10 };

static void piece_worker(void *arg, int t)
{
    (void)t;
    piece_ctx *c = arg;
    char *buf = NULL;
    for (size_t i; (i = atomic_fetch_add(&c->next, 1)) < c->n;) {
        piece *p = &c->pieces[i];
        const checksum_span *s = &c->spans[p->span];
        const char *mem = s->mem ? s->mem + (p->off - s->off) : NULL;
        if (s->how == CHECKSUM_MAPPED) {
            p->sum = checksum_update(0, mem, p->len);
            continue;
        }
        uint32_t sum = 0;
        for (uint64_t done = 0; done < p->len;) {
            size_t want = p->len - done < IO_CHUNK ? (size_t)(p->len - done) : IO_CHUNK;
            ssize_t r;
            if (s->how == CHECKSUM_WRITE) {
                r = pwrite(c->fd, mem + done, want, (off_t)(p->off + done));
                if (r > 0)
                    sum = checksum_update(sum, mem + done, (size_t)r);
            } else {
                if (!buf && !(buf = malloc(IO_CHUNK))) {
                    p->err = ENOMEM;
                    break;
                }
                r = pread(c->fd, buf, want, (off_t)(p->off + done));
                if (r > 0)
                    sum = checksum_update(sum, buf, (size_t)r);
            }
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                p->err = r < 0 ? errno : EIO;
                break;
            }
            done += (uint64_t)r;
        }
        p->sum = sum;
    }
    free(buf);
}

static int cpus_allowed(void)
{
    cpu_set_t set;
    int n = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
    if (n < 1) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c < 1 ? 1 : (int)c;
    }
    return n > 16 ? 16 : n;
}

int checksum_spans(int fd, checksum_span *spans, size_t n)
{
    piece_ctx c = {.fd = fd, .spans = spans};
    size_t cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += spans[i].len / CHECKSUM_PIECE + 2;
    c.pieces = calloc(cap ? cap : 1, sizeof *c.pieces);
    if (!c.pieces)
        return ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const checksum_span *s = &spans[i];
        uint64_t o = s->off, end = s->off + s->len;
        do { /* an empty span is one empty piece */
            uint64_t cut = (o / CHECKSUM_PIECE + 1) * CHECKSUM_PIECE;
            uint64_t l = (cut < end ? cut : end) - o;
            c.pieces[c.n++] = (piece){.span = i, .off = o, .len = l};
            o += l;
        } while (o < end);
    }
    atomic_init(&c.next, 0);
    int threads = cpus_allowed();
    parallel_run(threads < (int)c.n ? threads : (int)c.n, piece_worker, &c);
    int err = 0;
    for (size_t j = 0; j < c.n && !err; j++) {
        const piece *p = &c.pieces[j];
        err = p->err;
        bool first = j == 0 || c.pieces[j - 1].span != p->span;
        spans[p->span].sum = first ? p->sum : checksum_combine(spans[p->span].sum, p->sum, p->len);
    }
    free(c.pieces);
    return err;
}
