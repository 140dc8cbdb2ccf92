/* The destination name table. A few dozen entries, looked up a few times a
 * search at most: a linear scan with a normalising compare is the simplest
 * thing that is fast enough, and keeps the table a plain array. */
#include "dest/dest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dest_info builtin[] = {
    {"PMI", {"Mallorca", "Majorca", NULL}},
    {"IBZ", {"Ibiza", NULL, NULL}},
    {"MAH", {"Menorca", "Minorca", NULL}},
    {"AYT", {"Antalya", "Turkish Riviera", NULL}},
    {"HER", {"Crete", "Kreta", "Heraklion"}},
    {"RHO", {"Rhodes", "Rhodos", NULL}},
    {"KGS", {"Kos", NULL, NULL}},
    {"CFU", {"Corfu", "Korfu", NULL}},
    {"ZTH", {"Zakynthos", "Zante", NULL}},
    {"LPA", {"Gran Canaria", NULL, NULL}},
    {"TFS", {"Tenerife", "Teneriffa", NULL}},
    {"FUE", {"Fuerteventura", NULL, NULL}},
    {"ACE", {"Lanzarote", NULL, NULL}},
    {"FAO", {"Algarve", "Faro", NULL}},
    {"FNC", {"Madeira", NULL, NULL}},
    {"AGP", {"Costa del Sol", "Malaga", NULL}},
    {"HRG", {"Hurghada", NULL, NULL}},
    {"RMF", {"Marsa Alam", NULL, NULL}},
    {"SSH", {"Sharm el-Sheikh", "Sharm el Sheikh", NULL}},
    {"DJE", {"Djerba", NULL, NULL}},
    {"BJV", {"Bodrum", NULL, NULL}},
    {"DLM", {"Dalaman", NULL, NULL}},
    {"SPU", {"Split", "Dalmatia", NULL}},
    {"OLB", {"Sardinia", "Sardinien", NULL}},
    {"CTA", {"Sicily", "Sizilien", NULL}},
    {"MLA", {"Malta", NULL, NULL}},
};

static dest_info *table = builtin;
static size_t table_len = sizeof builtin / sizeof builtin[0];
static bool table_owned;

const dest_info *dest_table(size_t *n)
{
    *n = table_len;
    return table;
}

static bool ignorable(char c)
{
    return c == ' ' || c == '-' || c == '_';
}

/* Equal after dropping spaces, '-' and '_' and folding ASCII case. */
static bool name_eq(const char *a, size_t an, const char *b)
{
    size_t i = 0;
    for (;;) {
        while (i < an && ignorable(a[i]))
            i++;
        while (*b && ignorable(*b))
            b++;
        if (i == an || !*b)
            return i == an && !*b;
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)*b))
            return false;
        i++, b++;
    }
}

bool dest_name_equal(const char *text, size_t n, const char *name)
{
    return name_eq(text, n, name);
}

static const dest_info *find_name(const char *text, size_t n)
{
    for (size_t i = 0; i < table_len; i++)
        for (int k = 0; k < DEST_MAX_NAMES && table[i].names[k]; k++)
            if (name_eq(text, n, table[i].names[k]))
                return &table[i];
    return NULL;
}

bool dest_is_name(const char *text, size_t n)
{
    return find_name(text, n) != NULL;
}

bool dest_resolve(const char *text, size_t n, char code[4])
{
    const dest_info *d = find_name(text, n);
    if (d) {
        memcpy(code, d->code, 4);
        return true;
    }
    if (n != 3)
        return false;
    for (size_t i = 0; i < 3; i++) {
        if (!isalpha((unsigned char)text[i]))
            return false;
        code[i] = (char)toupper((unsigned char)text[i]);
    }
    code[3] = 0;
    return true;
}

const char *dest_display_name(const char *code)
{
    for (size_t i = 0; i < table_len; i++)
        if (!strcmp(table[i].code, code))
            return table[i].names[0];
    return NULL;
}

int dest_add(const char *code, const char *const *names, size_t n_names)
{
    if (strlen(code) != 3 || n_names == 0)
        return -1;
    char up[4];
    for (int i = 0; i < 3; i++) {
        if (!isalpha((unsigned char)code[i]))
            return -1;
        up[i] = (char)toupper((unsigned char)code[i]);
    }
    up[3] = 0;
    for (size_t k = 0; k < n_names; k++)
        if (!names[k] || !*names[k])
            return -1;
    if (!table_owned) { /* copy the built-ins once, then grow the copy */
        dest_info *t = malloc(table_len * sizeof *t);
        if (!t)
            return -1;
        memcpy(t, builtin, table_len * sizeof *t);
        table = t;
        table_owned = true;
    }
    dest_info *e = NULL;
    for (size_t i = 0; i < table_len; i++)
        if (!strcmp(table[i].code, up))
            e = &table[i];
    if (!e) {
        dest_info *t = realloc(table, (table_len + 1) * sizeof *t);
        if (!t)
            return -1;
        table = t;
        e = &table[table_len++];
        memcpy(e->code, up, 4);
    }
    memset(e->names, 0, sizeof e->names);
    for (size_t k = 0; k < n_names && k < DEST_MAX_NAMES; k++)
        e->names[k] = strdup(names[k]); /* lives as long as the process */
    return 0;
}

int dest_load_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    char line[512];
    int lineno = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strcspn(line, "\r\n");
        line[n] = 0;
        char *p = line;
        while (*p == ' ')
            p++;
        if (!*p || *p == '#')
            continue;
        char *fields[1 + DEST_MAX_NAMES] = {0};
        size_t nf = 0;
        for (char *tok = strtok(p, ";"); tok && nf < 1 + DEST_MAX_NAMES; tok = strtok(NULL, ";")) {
            while (*tok == ' ')
                tok++;
            size_t l = strlen(tok);
            while (l && tok[l - 1] == ' ')
                tok[--l] = 0;
            fields[nf++] = tok;
        }
        if (nf < 2 || dest_add(fields[0], (const char *const *)fields + 1, nf - 1) < 0) {
            snprintf(err, errlen, "%s line %d: expected CODE;Name[;Name...] with a 3-letter IATA code",
                     path, lineno);
            rc = -1;
            break;
        }
    }
    fclose(f);
    return rc;
}
