/* Whole decimal numbers, once: isla reads ids, counts, prices and ports
 * as plain digits (no sign, no spaces, no base prefix), and each caller
 * says how many digits and what largest value it accepts. Inline: the
 * importer calls it for several fields of every row. */
#ifndef ISLA_UTIL_DIGITS_H
#define ISLA_UTIL_DIGITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* s[0..n) as a number: 1 to max_digits (at most 19) digits, value at most
 * max. False for anything else, out untouched. */
static inline bool digits_u64(const char *s, size_t n, size_t max_digits, uint64_t max, uint64_t *out)
{
    if (n == 0 || n > max_digits || n > 19)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)s[i] - '0';
        if (c > 9)
            return false;
        v = v * 10 + c;
    }
    if (v > max)
        return false;
    *out = v;
    return true;
}

#endif
