/* Reading the dump: see input.h for the contract.
 *
 * Why not gzread: zlib's gz* layer is made for files that may still grow,
 * so a stream that stops before its 8-byte trailer is a normal end of file
 * to it (gzread returns 0; only gzerror says Z_BUF_ERROR), and bytes after
 * the last member that are not a gzip header are dropped without a word.
 * Both turned a cut-off download into a smaller, "successful" import. The
 * loop below asks inflate itself, which checks the trailer's CRC-32 and
 * length, and treats the end of input before Z_STREAM_END as an error. */
#include "import/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define RAW_CAP (1u << 20)

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static const char *shown(const input *in)
{
    return strcmp(in->path, "-") ? in->path : "standard input";
}

int input_open(input *in, const char *path, char *err, size_t errlen)
{
    memset(in, 0, sizeof *in);
    in->path = path;
    in->fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(0);
    if (in->fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    in->size = -1;
    bool stat_ok = fstat(in->fd, &st) == 0;
    if (stat_ok && S_ISREG(st.st_mode)) {
        in->size = (int64_t)st.st_size;
        in->mtime_ns = mtime_ns(&st);
    }
    /* From a pipe (`isla gen | isla import`): a 1 MiB pipe instead of the
     * default 64 KiB, so reader and writer wake each other 16 times less
     * often. Advice only: the pipe keeps its size if the call fails. */
    if (stat_ok && S_ISFIFO(st.st_mode))
        (void)fcntl(in->fd, F_SETPIPE_SZ, 1 << 20);
    unsigned char magic[2] = {0, 0};
    if (in->size > 0 && !(in->size >= 2 && pread(in->fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)) {
        void *m = mmap(NULL, (size_t)in->size, PROT_READ, MAP_PRIVATE, in->fd, 0);
        if (m != MAP_FAILED) {
            madvise(m, (size_t)in->size, MADV_SEQUENTIAL);
            in->map = m;
            return 0; /* fd stays open for input_check_unchanged */
        }
    }
    in->raw = malloc(RAW_CAP);
    in->raw_cap = RAW_CAP;
    in->zs.next_in = in->raw;
    in->zs.avail_in = 0;
    return 0;
}

/* One read(2) of the file (again after a signal), counted in raw_bytes;
 * sets eof at the end. -1 after a read error (err says which file). */
static ssize_t read_raw(input *in, char *buf, size_t n, char *err, size_t errlen)
{
    for (;;) {
        ssize_t r = read(in->fd, buf, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "read error on %s: %s", shown(in), strerror(errno));
            return -1;
        }
        if (r == 0)
            in->eof = true;
        in->raw_bytes += (uint64_t)r;
        return r;
    }
}

/* Appends what read(2) gives to the unconsumed bytes; sets eof at the end. */
static int fill(input *in, char *err, size_t errlen)
{
    if (in->zs.avail_in && in->zs.next_in != in->raw)
        memmove(in->raw, in->zs.next_in, in->zs.avail_in);
    in->zs.next_in = in->raw;
    ssize_t r = read_raw(in, (char *)in->raw + in->zs.avail_in, in->raw_cap - in->zs.avail_in, err, errlen);
    if (r < 0)
        return -1;
    in->zs.avail_in += (uInt)r;
    return 0;
}

/* The first call decides: gzip if the input starts with its magic bytes. */
static int detect(input *in, char *err, size_t errlen)
{
    while (in->zs.avail_in < 2 && !in->eof)
        if (fill(in, err, errlen) < 0)
            return -1;
    in->detected = true;
    in->gzip = in->zs.avail_in >= 2 && in->zs.next_in[0] == 0x1f && in->zs.next_in[1] == 0x8b;
    if (in->gzip && inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK) {
        in->gzip = false;
        snprintf(err, errlen, "cannot start gzip decompression (out of memory)");
        return -1;
    }
    return 0;
}

static ssize_t read_plain(input *in, char *buf, size_t n, char *err, size_t errlen)
{
    size_t got = in->zs.avail_in < n ? in->zs.avail_in : n;
    memcpy(buf, in->zs.next_in, got);
    in->zs.next_in += got;
    in->zs.avail_in -= (uInt)got;
    while (got < n && !in->eof) { /* large reads go straight into buf */
        ssize_t r = read_raw(in, buf + got, n - got, err, errlen);
        if (r < 0)
            return -1;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static ssize_t read_gzip(input *in, char *buf, size_t n, char *err, size_t errlen)
{
    z_stream *zs = &in->zs;
    zs->next_out = (unsigned char *)buf;
    zs->avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    uInt want = zs->avail_out;
    while (zs->avail_out > 0) {
        if (in->member_end) {
            /* After a member: another one, or the end. Nothing else. */
            if (zs->avail_in < 2 && !in->eof) {
                if (fill(in, err, errlen) < 0)
                    return -1;
                continue;
            }
            if (zs->avail_in == 0)
                break;
            if (zs->avail_in >= 2 && zs->next_in[0] == 0x1f && zs->next_in[1] == 0x8b) {
                inflateReset(zs);
                in->member_end = false;
                continue;
            }
            snprintf(err, errlen,
                     "%s: unexpected data after the end of the gzip stream (at compressed byte %llu); "
                     "the file is not one gzip stream",
                     shown(in), (unsigned long long)(in->raw_bytes - zs->avail_in));
            return -1;
        }
        if (zs->avail_in == 0) {
            if (in->eof)
                break;
            if (fill(in, err, errlen) < 0)
                return -1;
            continue;
        }
        int r = inflate(zs, Z_NO_FLUSH);
        if (r == Z_STREAM_END)
            in->member_end = true;
        else if (r == Z_BUF_ERROR && zs->avail_in == 0)
            continue; /* needs more input */
        else if (r != Z_OK) {
            snprintf(err, errlen, "%s: corrupt gzip data: %s", shown(in),
                     zs->msg ? zs->msg : r == Z_MEM_ERROR ? "out of memory" : "inflate failed");
            return -1;
        }
    }
    if (zs->avail_out > 0 && !in->member_end) {
        snprintf(err, errlen,
                 "%s: the gzip stream is truncated (it ends after %llu compressed bytes without its "
                 "end-of-stream trailer): the dump is incomplete",
                 shown(in), (unsigned long long)in->raw_bytes);
        return -1;
    }
    return (ssize_t)(want - zs->avail_out);
}

ssize_t input_read(input *in, char *buf, size_t n, char *err, size_t errlen)
{
    if (!in->detected && detect(in, err, errlen) < 0)
        return -1;
    ssize_t got = in->gzip ? read_gzip(in, buf, n, err, errlen) : read_plain(in, buf, n, err, errlen);
    if (got > 0) {
        in->bytes += (uint64_t)got;
        in->last = (unsigned char)buf[got - 1];
    }
    return got;
}

uint64_t input_position(const input *in)
{
    return in->map ? in->pos : in->raw_bytes - in->zs.avail_in;
}

bool input_ends_with_newline(const input *in)
{
    if (in->map)
        return in->size == 0 || in->map[in->size - 1] == '\n';
    return in->bytes == 0 || in->last == '\n';
}

int input_check_unchanged(const input *in, char *err, size_t errlen)
{
    struct stat st;
    if (in->size < 0)
        return 0;
    if (fstat(in->fd, &st) < 0) {
        snprintf(err, errlen, "cannot stat %s: %s", shown(in), strerror(errno));
        return -1;
    }
    if ((int64_t)st.st_size != in->size || mtime_ns(&st) != in->mtime_ns) {
        snprintf(err, errlen,
                 "%s changed while it was being imported (size %lld -> %lld bytes%s); nothing was "
                 "published: import a dump only once it is complete",
                 shown(in), (long long)in->size, (long long)st.st_size,
                 (int64_t)st.st_size == in->size ? ", modified" : "");
        return -1;
    }
    return 0;
}

void input_close(input *in)
{
    if (in->map)
        munmap((void *)in->map, (size_t)in->size);
    if (in->gzip)
        inflateEnd(&in->zs);
    if (in->path && in->fd >= 0)
        close(in->fd);
    free(in->raw);
    memset(in, 0, sizeof *in);
    in->fd = -1;
}
