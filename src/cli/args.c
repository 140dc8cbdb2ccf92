#include "cli/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool arg_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return false;
    if (a[n] == '=') {
        *value = a + n + 1;
        return true;
    }
    if (a[n] != 0)
        return false;
    if (*i + 1 >= argc) {
        fprintf(stderr, "isla: option %s needs a value\n", name);
        exit(2);
    }
    *value = argv[++*i];
    return true;
}

int64_t arg_int(const char *option, const char *value, int64_t min, int64_t max)
{
    char *end;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    long long mult = 1;
    if (*end == 'k' || *end == 'K')
        mult = 1000, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1000000, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1000000000, end++;
    if (errno || end == value || *end || v < 0 || (mult > 1 && v > INT64_MAX / mult) || v * mult < min ||
        v * mult > max) {
        fprintf(stderr, "isla: invalid value '%s' for %s (expected a whole number from %lld to %lld)\n", value,
                option, (long long)min, (long long)max);
        exit(2);
    }
    return v * mult;
}
