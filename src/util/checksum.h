/* Checksums of byte ranges of a file, computed on every core the process
 * may run on.
 *
 * The checksum is the CRC-32 of zlib and gzip (polynomial 0x04C11DB7,
 * reflected, initial and final value inverted: "123456789" -> 0xCBF43926),
 * computed by libdeflate with PCLMUL. checksum_update(crc, p, n) continues
 * crc (0 to start); checksum_combine gives the checksum of A followed by B
 * from the two parts' checksums and B's length, which is how parts computed
 * on different threads are joined.
 *
 * Why CRC-32 and not a "faster" checksum: at start-up the cost is reading
 * the bytes, not the arithmetic. Over a freshly mapped 3 GB store (100M
 * offers, page cache warm, one core) CRC-32 took 332 ms, CRC-32C on the
 * SSE4.2 instruction 330 ms, and merely touching every page 223 ms; in a
 * buffer that stays in cache CRC-32C is twice as fast, which does not
 * matter here (docs/BENCHMARKS.md, issue 13).
 *
 * checksum_spans checksums a list of spans (one checksum each: the store's
 * sections) at once. Spans are cut into pieces at fixed file offsets
 * (multiples of CHECKSUM_PIECE) and the pieces are spread over as many
 * threads as the process has CPUs in its affinity mask: one under
 * `taskset -c 0`, where more threads would only take turns. Each span says
 * how its bytes are reached:
 *  - CHECKSUM_WRITE: `mem` is written to fd at `off` (pwrite) and
 *    checksummed on the way;
 *  - CHECKSUM_READ: read from fd at `off` (pread into a small buffer that
 *    stays in the core's cache); nothing gets mapped;
 *  - CHECKSUM_MAPPED: `mem` is a read-only shared mapping of fd at `off`,
 *    checksummed in place: its pages fault in (the kernel maps the
 *    page-cache folio around each fault, cheaper per page than
 *    MADV_POPULATE_READ) and stay mapped, so the pass also warms them.
 *    Reading a mapping of a file cut after it was mapped faults (SIGBUS),
 *    as any read of the mapping would: callers check the size first.
 * Returns 0 with every span's `sum` set, or the errno of the first failed
 * read or write (EIO for a file shorter than a span). */
#ifndef ISLA_CHECKSUM_H
#define ISLA_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

uint32_t checksum_update(uint32_t crc, const void *p, size_t n);
uint32_t checksum_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

typedef enum { CHECKSUM_WRITE, CHECKSUM_READ, CHECKSUM_MAPPED } checksum_how;

typedef struct {
    checksum_how how;
    const char *mem;   /* WRITE: the bytes; MAPPED: the mapping of off; READ: unused */
    uint64_t off, len; /* the span in the file */
    uint32_t sum;      /* out */
} checksum_span;

/* Pieces are cut at multiples of this file offset. */
#define CHECKSUM_PIECE (16u << 20)

int checksum_spans(int fd, checksum_span *spans, size_t n);

#endif
