/* `isla gen`: a deterministic generator of realistic offer dumps. The
 * options are parsed by the CLI (cli/cmd_gen.c, `isla gen --help`). */
#ifndef ISLA_GEN_H
#define ISLA_GEN_H

#include <stdbool.h>
#include <stdint.h>

enum { GEN_FMT_2023, GEN_FMT_OLD, GEN_FMT_NEW };

typedef struct {
    uint64_t offers, seed, world_seed;
    uint64_t dup_thr, unknown_thr; /* probability * 2^64 */
    const char *out, *hotels, *hotels_out, *destinations;
    uint32_t hotels_per_dest;     /* 0: by the destination's popularity */
    int format;                   /* GEN_FMT_* */
    char delim;
    bool quote, header, crlf;
} gen_options;

/* Writes the dump. Returns the process exit code: 0 ok, 2 bad content
 * (a refused --hotels file, unknown destinations), 1 I/O error. */
int gen_run(const gen_options *o);

#endif
