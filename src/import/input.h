/* The bytes of an offer dump: a plain file, a pipe or stdin, gzip or not.
 *
 * Contract: the importer gets every byte of the dump or an error, never a
 * silently shorter input. So:
 *   - a plain regular file is memory-mapped (no copy); its size and mtime
 *     are taken at open and compared again by input_check_unchanged, so a
 *     dump that is still being written (or rewritten) is an error;
 *   - anything else is read with read(2); gzip is detected by its magic
 *     bytes and inflated here with zlib's inflate, not gzread: gzread
 *     reports a stream that stops before its trailer as a normal end of
 *     file, and silently drops bytes after the last gzip member. Here a
 *     missing trailer ("truncated"), a bad CRC or length, and anything but
 *     another gzip member after a member's end are read errors.
 *     Concatenated members (`cat a.gz b.gz`, pigz) are read as one stream.
 * Whether the dump ends inside a row is the importer's business (import.c):
 * it sees whether the last byte was a newline (input_ends_with_newline). */
#ifndef ISLA_IMPORT_INPUT_H
#define ISLA_IMPORT_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>

typedef struct {
    const char *path;         /* for messages; "-" is standard input */
    int fd;
    int64_t size;             /* regular file: its size at open; -1 otherwise */
    int64_t mtime_ns;         /* regular file: its mtime at open */
    /* mapped mode (plain regular file) */
    const char *map;          /* NULL in stream mode */
    size_t pos;               /* where the next chunk starts */
    /* stream mode */
    bool detected;            /* the first read looked for the gzip magic */
    bool gzip;
    bool eof;                 /* read(2) returned 0 */
    bool member_end;          /* inflate finished a gzip member, none started since */
    z_stream zs;
    unsigned char *raw;       /* bytes read but not yet consumed */
    size_t raw_cap;
    uint64_t raw_bytes;       /* bytes read from fd (compressed, if gzip) */
    uint64_t bytes;           /* bytes handed out (uncompressed) */
    unsigned char last;       /* the last byte handed out */
} input;

/* Opens path ("-" = stdin). Returns 0, or -1 with err set. */
int input_open(input *in, const char *path, char *err, size_t errlen);

/* Stream mode: reads up to n bytes, fewer only at the end of the input.
 * Returns the count, 0 at the end, -1 on a read error, a corrupt or
 * truncated gzip stream, or trailing garbage (err says which). */
ssize_t input_read(input *in, char *buf, size_t n, char *err, size_t errlen);

/* Position in the underlying file, for progress (compressed bytes). */
uint64_t input_position(const input *in);

/* True if the input (as read so far) ends with '\n' or is empty. */
bool input_ends_with_newline(const input *in);

/* Regular files: 0 if size and mtime are as at open, else -1 with err
 * naming the change. Pipes: always 0. */
int input_check_unchanged(const input *in, char *err, size_t errlen);

void input_close(input *in);

#endif
