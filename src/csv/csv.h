/* CSV tokenizing: splits one line into fields, RFC 4180 quoting.
 *
 * Works on one line at a time (the importer splits input at newlines), so a
 * quoted field cannot span lines; the dump never has one, and such a row is
 * reported as "unterminated quote" instead of swallowing the rest of the
 * file. Fields point into the line: no copies on the hot path. */
#ifndef ISLA_CSV_H
#define ISLA_CSV_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *p;
    size_t len;
    bool escaped;             /* contains "" pairs; see csv_unescape */
} csv_field;

/* Splits line[0..n) at `delim`. Returns the number of fields (up to max) or
 * -1 with *why set to a static reason. More than max fields is an error. */
int csv_split(const char *line, size_t n, char delim, csv_field *fields, int max, const char **why);
/* The same by a plain loop over the bytes. csv_split uses SSE2 bit masks
 * where it can; both give the same fields and errors for every input, and
 * the unit tests hold them to it. */
int csv_split_bytes(const char *line, size_t n, char delim, csv_field *fields, int max, const char **why);

/* The delimiter of a header line: the most frequent of ',', ';', '\t' and
 * '|' outside quotes (',' if none). */
char csv_detect_delimiter(const char *line, size_t n);

/* Copies f to out with "" turned into ", returning the length. out must
 * have room for f->len bytes. */
size_t csv_unescape(const csv_field *f, char *out);

#endif
