/* Small helpers shared by the subcommands' option parsing. */
#ifndef ISLA_ARGS_H
#define ISLA_ARGS_H

#include <stdbool.h>
#include <stdint.h>

/* Matches "--name VALUE" or "--name=VALUE" at argv[*i]; advances *i past
 * the value. Exits with code 2 and a message if the value is missing. */
bool arg_value(int argc, char **argv, int *i, const char *name, const char **value);

/* Parses a non-negative integer with an optional k/M/G suffix; exits 2
 * with a message naming the option on error. */
int64_t arg_int(const char *option, const char *value, int64_t min, int64_t max);

#endif
