/* Destinations: an offer's destination is its outbound arrival airport (an
 * IATA code). This module is the bottom-layer vocabulary for them: the
 * table of destination names a search may use instead of codes ("Mallorca",
 * "Kreta", "Antalya"), shared by the API, the generator and the UI.
 *
 * The built-in table covers the big package-holiday destinations, each with
 * an English name and, where travellers spell it differently, a German one.
 * Operators extend it at start-up (dest_add / dest_load_file: lines
 * `CODE;Name[;Other name...]`) before any search runs; after that the table
 * is read-only, so lookups need no lock.
 *
 * Names match case-insensitively (ASCII) with spaces, '-' and '_' ignored,
 * so "gran canaria", "Gran-Canaria" and "GRANCANARIA" are one name. */
#ifndef ISLA_DEST_H
#define ISLA_DEST_H

#include <stdbool.h>
#include <stddef.h>

#define DEST_MAX_NAMES 3

typedef struct {
    char code[4];                        /* IATA, upper case */
    const char *names[DEST_MAX_NAMES];   /* names[0] is the display name; unused = NULL */
} dest_info;

/* The IATA code a name (or a code, any case) stands for; false if the text
 * is neither a 3-letter code nor a known name. A 3-letter text is taken as
 * a code unless it is a known name. */
bool dest_resolve(const char *text, size_t n, char code[4]);
/* True if text names `name` under the table's matching rules (case, spaces,
 * '-' and '_' ignored). */
bool dest_name_equal(const char *text, size_t n, const char *name);
/* True if text is a known destination name (not merely code-shaped). */
bool dest_is_name(const char *text, size_t n);
/* The display name of a code, or NULL if the table has none. */
const char *dest_display_name(const char *code);
/* Adds a code with one or more names (extends or renames a built-in
 * entry). Returns 0, or -1 if the code is not 3 letters or a name is empty. */
int dest_add(const char *code, const char *const *names, size_t n_names);
/* Loads `CODE;Name[;Name...]` lines (blank lines and '#' comments skipped).
 * Returns 0, or -1 with a message naming the line in err. */
int dest_load_file(const char *path, char *err, size_t errlen);
/* Every entry, built-in and added, in table order. */
const dest_info *dest_table(size_t *n);

#endif
