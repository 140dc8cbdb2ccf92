/* Plan reader: libyaml's document API gives a tree whose every node keeps
 * its line and column, so each check below can point at the exact place.
 *
 * Allocation is an arena owned by the plan: the parse is a tree walk that
 * allocates many small pieces and never frees one early, and one free at
 * the end cannot leak on any of the many error paths. Errors unwind with
 * longjmp for the same reason: each check is one line, not a cascade of
 * return codes.
 *
 * Why one file of ~1,300 lines: every section below is a step of one
 * recursive walk that shares the parser's state (the arena, the error
 * jump, the node helpers). Split into files, that state and the helpers
 * would become a shared internal header with nothing gained for a reader;
 * the sections follow the plan's own layout instead (templates, JSON
 * bodies, payload CSV, headers, flows, phases, thresholds, top level). */
#include "load/plan.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/buf.h"

struct plan_arena {
    struct plan_arena *next;
    size_t used, cap;
    _Alignas(16) char data[];
};

typedef struct {
    load_plan_t *p;
    yaml_document_t doc;
    const char *file;
    const char *dir;
    FILE *warn;
    char *err;
    size_t errcap;
    long visits;
    int varcap;     /* room in p->vars */
    char **scratch; /* a malloc'd buffer to free if a check fails */
    jmp_buf fail;
} parser;

static void *arena_alloc(load_plan_t *p, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    plan_arena *a = p->arena;
    if (!a || a->cap - a->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        plan_arena *b = malloc(sizeof *b + cap);
        if (!b)
            abort();
        b->next = a;
        b->used = 0;
        b->cap = cap;
        p->arena = a = b;
    }
    void *r = a->data + a->used;
    a->used += n;
    memset(r, 0, n);
    return r;
}

static char *arena_strndup(load_plan_t *p, const char *s, size_t n)
{
    char *r = arena_alloc(p, n + 1);
    memcpy(r, s, n);
    r[n] = 0;
    return r;
}

static char *arena_strdup(load_plan_t *p, const char *s)
{
    return arena_strndup(p, s, strlen(s));
}

void plan_free(load_plan_t *p)
{
    if (!p)
        return;
    plan_arena *a = p->arena;
    while (a) {
        plan_arena *n = a->next;
        free(a);
        a = n;
    }
    free(p);
}

__attribute__((format(printf, 3, 4), noreturn)) static void fail_at(parser *ps, yaml_node_t *n, const char *fmt, ...)
{
    int k = n ? snprintf(ps->err, ps->errcap, "%s:%zu:%zu: ", ps->file, n->start_mark.line + 1,
                         n->start_mark.column + 1)
              : snprintf(ps->err, ps->errcap, "%s: ", ps->file);
    if (k < 0 || (size_t)k >= ps->errcap)
        k = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err + k, ps->errcap - (size_t)k, fmt, ap);
    va_end(ap);
    longjmp(ps->fail, 1);
}

static void warn_key(parser *ps, yaml_node_t *key, const char *where)
{
    if (ps->warn)
        fprintf(ps->warn, "isla load: %s:%zu:%zu: warning: unknown key '%s' in %s (ignored)\n", ps->file,
                key->start_mark.line + 1, key->start_mark.column + 1, (const char *)key->data.scalar.value, where);
}

/* ---- node helpers ---- */

static yaml_node_t *map_get(parser *ps, yaml_node_t *map, const char *key);

static yaml_node_t *node(parser *ps, int id)
{
    return yaml_document_get_node(&ps->doc, id);
}

static const char *scalar(parser *ps, yaml_node_t *n, const char *what)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        fail_at(ps, n, "%s: expected a single value", what);
    return (const char *)n->data.scalar.value;
}

static int is_null(yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = (const char *)n->data.scalar.value;
    return !*s || !strcmp(s, "~") || !strcmp(s, "null");
}

static double number(parser *ps, yaml_node_t *n, const char *what, double lo, double hi)
{
    const char *s = scalar(ps, n, what);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v))
        fail_at(ps, n, "%s: expected a number, got '%s'", what, s);
    if (v < lo || v > hi)
        fail_at(ps, n, "%s: %s is out of range (%g..%g)", what, s, lo, hi);
    return v;
}

static double duration(parser *ps, yaml_node_t *n, const char *what)
{
    const char *s = scalar(ps, n, what);
    double d = plan_duration(s);
    if (d < 0 || d > 30 * 86400.0)
        fail_at(ps, n, "%s: expected a duration (seconds, or like 30s, 5m, 1h), got '%s'", what, s);
    return d;
}

static void expect(parser *ps, yaml_node_t *n, yaml_node_type_t t, const char *what)
{
    static const char *const names[] = {"nothing", "a value", "a list", "a mapping"};
    if (!n || n->type != t)
        fail_at(ps, n, "%s: expected %s", what, names[t]);
}

#define MAP_EACH(ps, n, k, v)                                                                                  \
    for (yaml_node_pair_t *pair_ = (n)->data.mapping.pairs.start; pair_ < (n)->data.mapping.pairs.top; pair_++) \
        for (yaml_node_t *k = node(ps, pair_->key), *v = node(ps, pair_->value), *once_ = k; once_;           \
             once_ = NULL)

static int seq_len(yaml_node_t *n)
{
    return (int)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_at(parser *ps, yaml_node_t *n, int i)
{
    return node(ps, n->data.sequence.items.start[i]);
}

static int key_is(parser *ps, yaml_node_t *k, const char *name)
{
    return !strcmp(scalar(ps, k, "key"), name);
}

/* ---- durations ---- */

double plan_duration(const char *s)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != s && !*end)
        return errno || !isfinite(v) || v < 0 ? -1 : v;
    double total = 0;
    const char *p = s;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '.')
            return -1;
        errno = 0;
        v = strtod(p, &end);
        if (end == p || errno || !isfinite(v) || v < 0)
            return -1;
        p = end;
        double unit;
        if (!strncmp(p, "ms", 2))
            unit = 0.001, p += 2;
        else if (*p == 's')
            unit = 1, p++;
        else if (*p == 'm')
            unit = 60, p++;
        else if (*p == 'h')
            unit = 3600, p++;
        else
            return -1;
        total += v * unit;
    }
    return total;
}

/* ---- templates ---- */

static int var_index(load_plan_t *p, const char *name, size_t len)
{
    for (int i = 0; i < p->nvars; i++)
        if (strlen(p->vars[i]) == len && !memcmp(p->vars[i], name, len))
            return i;
    return -1;
}

/* The variable's index, added if new. */
static int add_var(parser *ps, yaml_node_t *at, const char *name)
{
    int v = var_index(ps->p, name, strlen(name));
    if (v >= 0)
        return v;
    if (ps->p->nvars >= ps->varcap)
        fail_at(ps, at, "too many variables (%d at most)", ps->varcap);
    v = ps->p->nvars++;
    ps->p->vars[v] = arena_strdup(ps->p, name);
    return v;
}

static load_tpl tpl_compile(parser *ps, yaml_node_t *n, const char *s, tpl_escape esc, const char *what)
{
    load_tpl t = {.esc = esc};
    int cap = 1;
    for (const char *q = s; (q = strstr(q, "{{")); q += 2)
        cap += 2;
    t.segs = arena_alloc(ps->p, (size_t)cap * sizeof *t.segs);
    const char *q = s;
    while (*q) {
        const char *o = strstr(q, "{{");
        if (!o) {
            t.segs[t.n++] = (tpl_seg){arena_strdup(ps->p, q), strlen(q), -1};
            break;
        }
        if (o > q)
            t.segs[t.n++] = (tpl_seg){arena_strndup(ps->p, q, (size_t)(o - q)), (size_t)(o - q), -1};
        const char *c = strstr(o + 2, "}}");
        if (!c)
            fail_at(ps, n, "%s: '{{' without a closing '}}'", what);
        const char *a = o + 2, *b = c;
        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        int v = var_index(ps->p, a, (size_t)(b - a));
        if (v < 0)
            fail_at(ps, n, "%s: unknown variable '%.*s' (the payload's fields are the variables)", what, (int)(b - a),
                    a);
        t.segs[t.n++] = (tpl_seg){NULL, 0, v};
        q = c + 2;
    }
    return t;
}

/* ---- JSON bodies: the YAML subtree written as JSON text, then compiled as
 * a template whose substitutions are JSON-escaped (they sit in strings). */

/* util's buffer, kept NUL-terminated: the text goes to the CSV reader,
 * the template compiler and the arena as a C string. */
typedef buf_t sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    buf_put(b, s, n);
    *buf_reserve(b, 1) = 0;
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_json_string(sbuf *b, const char *s)
{
    sb_add(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char e[8];
        if (c == '"' || c == '\\') {
            e[0] = '\\', e[1] = (char)c;
            sb_add(b, e, 2);
        } else if (c < 0x20) {
            snprintf(e, sizeof e, "\\u%04x", c);
            sb_add(b, e, 6);
        } else {
            sb_add(b, (const char *)&c, 1);
        }
    }
    sb_add(b, "\"", 1);
}

static int plain_json_literal(const char *s)
{
    if (!strcmp(s, "true") || !strcmp(s, "false") || !strcmp(s, "null"))
        return 1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    (void)v;
    return *s && !*end && !errno && (isdigit((unsigned char)*s) || *s == '-') && !strchr(s, 'x') &&
           !strchr(s, 'X') && !strpbrk(s, "nN");
}

static void json_of(parser *ps, yaml_node_t *n, sbuf *b, int depth)
{
    if (depth > 64)
        fail_at(ps, n, "json: nested too deeply");
    if (n->type == YAML_SCALAR_NODE) {
        const char *s = (const char *)n->data.scalar.value;
        if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && plain_json_literal(s))
            sb_str(b, s);
        else if (is_null(n))
            sb_str(b, "null");
        else
            sb_json_string(b, s);
    } else if (n->type == YAML_SEQUENCE_NODE) {
        sb_str(b, "[");
        for (int i = 0; i < seq_len(n); i++) {
            if (i)
                sb_str(b, ",");
            json_of(ps, seq_at(ps, n, i), b, depth + 1);
        }
        sb_str(b, "]");
    } else if (n->type == YAML_MAPPING_NODE) {
        sb_str(b, "{");
        int first = 1;
        MAP_EACH(ps, n, k, v)
        {
            if (!first)
                sb_str(b, ",");
            first = 0;
            sb_json_string(b, scalar(ps, k, "json key"));
            sb_str(b, ":");
            json_of(ps, v, b, depth + 1);
        }
        sb_str(b, "}");
    } else {
        fail_at(ps, n, "json: unsupported node");
    }
}

/* ---- payload CSV ---- */

/* Splits one CSV record (RFC 4180 quotes) starting at *pos; returns the
 * number of fields stored into out (at most cap), -1 at the end of input. */
static int csv_record(load_plan_t *p, const char *s, size_t len, size_t *pos, const char **out, int cap, int *nf)
{
    size_t i = *pos;
    if (i >= len)
        return -1;
    int n = 0;
    *nf = 0;
    sbuf f = {0};
    for (;;) {
        f.len = 0;
        sb_add(&f, "", 0);
        if (i < len && s[i] == '"') {
            i++;
            while (i < len) {
                if (s[i] == '"') {
                    if (i + 1 < len && s[i + 1] == '"') {
                        sb_add(&f, "\"", 1);
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                sb_add(&f, s + i, 1);
                i++;
            }
            while (i < len && s[i] != ',' && s[i] != '\n')
                i++;
        } else {
            size_t a = i;
            while (i < len && s[i] != ',' && s[i] != '\n')
                i++;
            size_t b = i;
            if (b > a && s[b - 1] == '\r')
                b--;
            sb_add(&f, s + a, b - a);
        }
        if (n < cap)
            out[n++] = arena_strndup(p, f.data, f.len);
        (*nf)++;
        if (i < len && s[i] == ',') {
            i++;
            continue;
        }
        if (i < len)
            i++; /* the newline */
        break;
    }
    buf_free(&f);
    *pos = i;
    return n;
}

static void load_payload_file(parser *ps, yaml_node_t *at, load_payload *pl, int skip_header)
{
    if (!ps->dir)
        fail_at(ps, at, "payload: files are not read here");
    char path[4096];
    const char *rel = pl->path;
    if (rel[0] == '/')
        snprintf(path, sizeof path, "%s", rel);
    else
        snprintf(path, sizeof path, "%s/%s", ps->dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_at(ps, at, "payload: cannot open '%s': %s", path, strerror(errno));
    sbuf b = {0};
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_add(&b, chunk, k);
    fclose(f);
    pl->path = arena_strdup(ps->p, path);
    size_t pos = 0, rows = 0, cap = 1024;
    const char **cells = malloc(cap * (size_t)pl->nfields * sizeof *cells);
    const char **row = malloc((size_t)pl->nfields * sizeof *row);
    if (!cells || !row)
        abort();
    int nf, n, line = 0;
    while ((n = csv_record(ps->p, b.data ? b.data : "", b.len, &pos, row, pl->nfields, &nf)) >= 0) {
        line++;
        if (line == 1 && skip_header)
            continue;
        if (nf == 1 && !row[0][0])
            continue; /* blank line */
        if (nf < pl->nfields) {
            free(cells);
            free(row);
            buf_free(&b);
            fail_at(ps, at, "payload: %s line %d has %d fields, the plan names %d", path, line, nf, pl->nfields);
        }
        if (rows == cap) {
            cap *= 2;
            const char **r = realloc(cells, cap * (size_t)pl->nfields * sizeof *cells);
            if (!r)
                abort();
            cells = r;
        }
        memcpy(cells + rows * (size_t)pl->nfields, row, (size_t)pl->nfields * sizeof *row);
        rows++;
    }
    free(row);
    buf_free(&b);
    if (!rows) {
        free(cells);
        fail_at(ps, at, "payload: %s has no rows", path);
    }
    pl->cells = arena_alloc(ps->p, rows * (size_t)pl->nfields * sizeof *cells);
    memcpy(pl->cells, cells, rows * (size_t)pl->nfields * sizeof *cells);
    free(cells);
    pl->rows = rows;
}

static void parse_payload(parser *ps, yaml_node_t *n, load_payload *pl)
{
    expect(ps, n, YAML_MAPPING_NODE, "payload");
    yaml_node_t *path = NULL, *fields = NULL;
    int skip_header = 0;
    pl->random = 1;
    MAP_EACH(ps, n, k, v)
    {
        if (key_is(ps, k, "path"))
            path = v;
        else if (key_is(ps, k, "fields"))
            fields = v;
        else if (key_is(ps, k, "order")) {
            const char *o = scalar(ps, v, "payload.order");
            if (!strcmp(o, "random"))
                pl->random = 1;
            else if (!strcmp(o, "sequence"))
                pl->random = 0;
            else
                fail_at(ps, v, "payload.order: expected random or sequence, got '%s'", o);
        } else if (key_is(ps, k, "skipHeader")) {
            const char *s = scalar(ps, v, "payload.skipHeader");
            if (!strcmp(s, "true"))
                skip_header = 1;
            else if (!strcmp(s, "false"))
                skip_header = 0;
            else
                fail_at(ps, v, "payload.skipHeader: expected true or false, got '%s'", s);
        } else
            warn_key(ps, k, "payload");
    }
    if (!path)
        fail_at(ps, n, "payload: 'path' is required");
    if (!fields)
        fail_at(ps, n, "payload: 'fields' is required");
    expect(ps, fields, YAML_SEQUENCE_NODE, "payload.fields");
    pl->nfields = seq_len(fields);
    if (pl->nfields < 1 || pl->nfields > 256)
        fail_at(ps, fields, "payload.fields: expected 1 to 256 field names");
    pl->field_var = arena_alloc(ps->p, (size_t)pl->nfields * sizeof *pl->field_var);
    for (int i = 0; i < pl->nfields; i++) {
        yaml_node_t *f = seq_at(ps, fields, i);
        const char *name = scalar(ps, f, "payload.fields");
        if (!*name)
            fail_at(ps, f, "payload.fields: empty field name");
        pl->field_var[i] = add_var(ps, f, name);
    }
    pl->path = arena_strdup(ps->p, scalar(ps, path, "payload.path"));
    load_payload_file(ps, path, pl, skip_header);
}

/* ---- headers ---- */

static void parse_headers(parser *ps, yaml_node_t *n, int *count, load_header **out, const char *what)
{
    expect(ps, n, YAML_MAPPING_NODE, what);
    int m = (int)(n->data.mapping.pairs.top - n->data.mapping.pairs.start), i = 0;
    *out = arena_alloc(ps->p, (size_t)(m + 1) * sizeof **out);
    MAP_EACH(ps, n, k, v)
    {
        const char *name = scalar(ps, k, what);
        if (!*name || strpbrk(name, " \t\r\n:"))
            fail_at(ps, k, "%s: invalid header name '%s'", what, name);
        const char *val = scalar(ps, v, what);
        if (strpbrk(val, "\r\n"))
            fail_at(ps, v, "%s: header '%s' has a line break", what, name);
        (*out)[i].name = arena_strdup(ps->p, name);
        (*out)[i].value = tpl_compile(ps, v, val, ESC_NONE, what);
        i++;
    }
    *count = i;
}

/* ---- flows ---- */

static int name_id(load_plan_t *p, const char *name)
{
    for (int i = 0; i < p->nnames; i++)
        if (!strcmp(p->names[i], name))
            return i;
    p->names[p->nnames] = arena_strdup(p, name);
    return p->nnames++;
}

static int count_requests(parser *ps, yaml_node_t *flow)
{
    int n = 0;
    if (flow->type != YAML_SEQUENCE_NODE)
        return 0;
    for (int i = 0; i < seq_len(flow); i++) {
        yaml_node_t *s = seq_at(ps, flow, i);
        if (s->type != YAML_MAPPING_NODE)
            continue;
        MAP_EACH(ps, s, k, v)
        {
            if (k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, "loop"))
                n += count_requests(ps, v);
            else
                n++;
        }
    }
    return n;
}

static void parse_request(parser *ps, const char *method, yaml_node_t *n, load_request *r)
{
    char what[32];
    snprintf(what, sizeof what, "%s", method);
    for (char *c = what; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    expect(ps, n, YAML_MAPPING_NODE, what);
    r->method = method;
    const char *url = NULL, *label = NULL;
    MAP_EACH(ps, n, k, v)
    {
        if (key_is(ps, k, "url")) {
            url = scalar(ps, v, "url");
            if (!*url || (!strstr(url, "{{") && strpbrk(url, " \t\r\n")) || strpbrk(url, "\r\n"))
                fail_at(ps, v, "url: expected a path like /api/search or a URL, got '%s'", url);
            r->url = tpl_compile(ps, v, url, ESC_NONE, "url");
        } else if (key_is(ps, k, "name")) {
            label = scalar(ps, v, "name");
        } else if (key_is(ps, k, "qs")) {
            expect(ps, v, YAML_MAPPING_NODE, "qs");
            int m = (int)(v->data.mapping.pairs.top - v->data.mapping.pairs.start), i = 0;
            r->qs_keys = arena_alloc(ps->p, (size_t)(m + 1) * sizeof *r->qs_keys);
            r->qs_values = arena_alloc(ps->p, (size_t)(m + 1) * sizeof *r->qs_values);
            MAP_EACH(ps, v, qk, qv)
            {
                const char *key = scalar(ps, qk, "qs");
                sbuf e = {0};
                for (const char *c = key; *c; c++) {
                    char h[4];
                    if (isalnum((unsigned char)*c) || strchr("-_.~", *c))
                        sb_add(&e, c, 1);
                    else {
                        snprintf(h, sizeof h, "%%%02X", (unsigned char)*c);
                        sb_add(&e, h, 3);
                    }
                }
                r->qs_keys[i] = arena_strdup(ps->p, e.data ? e.data : "");
                buf_free(&e);
                r->qs_values[i] = tpl_compile(ps, qv, scalar(ps, qv, "qs"), ESC_URL, "qs");
                i++;
            }
            r->nqs = i;
        } else if (key_is(ps, k, "headers")) {
            parse_headers(ps, v, &r->nheaders, &r->headers, "headers");
        } else if (key_is(ps, k, "json")) {
            sbuf b = {0};
            ps->scratch = &b.data;
            json_of(ps, v, &b, 0);
            r->body = tpl_compile(ps, v, b.data, ESC_JSON, "json");
            ps->scratch = NULL;
            buf_free(&b);
            r->has_body = 1;
            r->content_type = "application/json";
        } else if (key_is(ps, k, "capture")) {
            /* Artillery's capture: its `as` names become variables, so
             * later steps that use them still run, with empty values */
            int n = v->type == YAML_SEQUENCE_NODE ? seq_len(v) : 1;
            for (int i = 0; i < n; i++) {
                yaml_node_t *c = v->type == YAML_SEQUENCE_NODE ? seq_at(ps, v, i) : v;
                yaml_node_t *as = map_get(ps, c, "as");
                if (!as)
                    fail_at(ps, c, "capture: 'as' is required");
                const char *name = scalar(ps, as, "capture.as");
                add_var(ps, as, name);
                if (ps->warn)
                    fprintf(ps->warn,
                            "isla load: %s:%zu:%zu: warning: capture is not supported; '{{ %s }}' stays empty\n",
                            ps->file, k->start_mark.line + 1, k->start_mark.column + 1, name);
            }
        } else if (key_is(ps, k, "body")) {
            r->body = tpl_compile(ps, v, scalar(ps, v, "body"), ESC_NONE, "body");
            r->has_body = 1;
            if (!r->content_type)
                r->content_type = "text/plain";
        } else {
            warn_key(ps, k, what);
        }
    }
    if (!url)
        fail_at(ps, n, "%s: 'url' is required", what);
    char buf[512];
    if (!label) {
        snprintf(buf, sizeof buf, "%s %s", method, url);
        label = buf;
    }
    r->name_id = name_id(ps->p, label);
}

static void parse_flow(parser *ps, yaml_node_t *flow, int *nsteps, load_step **steps, int depth)
{
    expect(ps, flow, YAML_SEQUENCE_NODE, "flow");
    if (depth > 8)
        fail_at(ps, flow, "flow: loops nested too deeply");
    int n = seq_len(flow);
    *steps = arena_alloc(ps->p, (size_t)(n + 1) * sizeof **steps);
    *nsteps = n;
    for (int i = 0; i < n; i++) {
        yaml_node_t *s = seq_at(ps, flow, i);
        load_step *st = &(*steps)[i];
        expect(ps, s, YAML_MAPPING_NODE, "flow step");
        int kinds = 0;
        yaml_node_t *count = NULL;
        MAP_EACH(ps, s, k, v)
        {
            const char *key = scalar(ps, k, "flow step");
            static const char *const methods[] = {"get", "post", "put", "delete"};
            static const char *const upper[] = {"GET", "POST", "PUT", "DELETE"};
            int m = -1;
            for (int j = 0; j < 4; j++)
                if (!strcmp(key, methods[j]))
                    m = j;
            if (m >= 0) {
                st->kind = STEP_REQUEST;
                parse_request(ps, upper[m], v, &st->req);
                kinds++;
            } else if (!strcmp(key, "think")) {
                st->kind = STEP_THINK;
                st->think = duration(ps, v, "think");
                kinds++;
            } else if (!strcmp(key, "loop")) {
                st->kind = STEP_LOOP;
                parse_flow(ps, v, &st->nsteps, &st->steps, depth + 1);
                kinds++;
            } else if (!strcmp(key, "count")) {
                count = v;
            } else {
                warn_key(ps, k, "flow step");
            }
        }
        if (kinds != 1)
            fail_at(ps, s, "flow step: expected exactly one of get, post, put, delete, think, loop");
        if (st->kind == STEP_LOOP)
            st->loop_count = count ? (int)number(ps, count, "loop count", 1, 1e6) : 1;
        else if (count)
            fail_at(ps, count, "count: only a loop step has a count");
    }
}

/* ---- phases and stages ---- */

static void parse_phases(parser *ps, yaml_node_t *n)
{
    expect(ps, n, YAML_SEQUENCE_NODE, "phases");
    for (int i = 0; i < seq_len(n); i++) {
        yaml_node_t *ph = seq_at(ps, n, i);
        expect(ps, ph, YAML_MAPPING_NODE, "phase");
        load_phase *p = &ps->p->phases[ps->p->nphases++];
        p->line = (int)ph->start_mark.line + 1;
        yaml_node_t *dur = NULL, *rate = NULL, *ramp = NULL, *count = NULL, *pause = NULL;
        MAP_EACH(ps, ph, k, v)
        {
            if (key_is(ps, k, "duration"))
                dur = v;
            else if (key_is(ps, k, "arrivalRate"))
                rate = v;
            else if (key_is(ps, k, "rampTo"))
                ramp = v;
            else if (key_is(ps, k, "arrivalCount"))
                count = v;
            else if (key_is(ps, k, "pause"))
                pause = v;
            else if (key_is(ps, k, "name"))
                p->name = arena_strdup(ps->p, scalar(ps, v, "phase name"));
            else
                fail_at(ps, k, "phase: unknown key '%s' (expected duration, arrivalRate, rampTo, arrivalCount, "
                               "pause, name)",
                        (const char *)k->data.scalar.value);
        }
        if (pause) {
            if (dur || rate || ramp || count)
                fail_at(ps, ph, "phase: 'pause' goes alone (with a name at most)");
            p->kind = PHASE_PAUSE;
            p->duration = duration(ps, pause, "pause");
        } else {
            if (!dur)
                fail_at(ps, ph, "phase: 'duration' is required");
            p->kind = PHASE_OPEN;
            p->duration = duration(ps, dur, "duration");
            if (p->duration <= 0)
                fail_at(ps, dur, "duration: must be more than 0");
            if (count) {
                if (rate || ramp)
                    fail_at(ps, count, "arrivalCount: goes without arrivalRate and rampTo");
                p->rate = p->rate_to = number(ps, count, "arrivalCount", 0, 1e9) / p->duration;
            } else {
                if (!rate)
                    fail_at(ps, ph, "phase: one of arrivalRate, arrivalCount or pause is required");
                p->rate = number(ps, rate, "arrivalRate", 0, 1e7);
                p->rate_to = ramp ? number(ps, ramp, "rampTo", 0, 1e7) : p->rate;
            }
        }
        if (!p->name) {
            char b[32];
            snprintf(b, sizeof b, "phase %d", ps->p->nphases);
            p->name = arena_strdup(ps->p, b);
        }
    }
}

static void parse_stages(parser *ps, yaml_node_t *n)
{
    expect(ps, n, YAML_SEQUENCE_NODE, "stages");
    double prev = 0;
    for (int i = 0; i < seq_len(n); i++) {
        yaml_node_t *st = seq_at(ps, n, i);
        expect(ps, st, YAML_MAPPING_NODE, "stage");
        load_phase *p = &ps->p->phases[ps->p->nphases++];
        p->line = (int)st->start_mark.line + 1;
        p->kind = PHASE_CLOSED;
        yaml_node_t *dur = NULL, *target = NULL;
        MAP_EACH(ps, st, k, v)
        {
            if (key_is(ps, k, "duration"))
                dur = v;
            else if (key_is(ps, k, "target"))
                target = v;
            else if (key_is(ps, k, "name"))
                p->name = arena_strdup(ps->p, scalar(ps, v, "stage name"));
            else
                fail_at(ps, k, "stage: unknown key '%s' (expected duration, target, name)",
                        (const char *)k->data.scalar.value);
        }
        if (!dur || !target)
            fail_at(ps, st, "stage: 'duration' and 'target' are required");
        p->duration = duration(ps, dur, "duration");
        if (p->duration <= 0)
            fail_at(ps, dur, "duration: must be more than 0");
        p->vus = prev;
        p->vus_to = prev = number(ps, target, "target", 0, 100000);
        if (p->vus_to != floor(p->vus_to))
            fail_at(ps, target, "target: expected a whole number of virtual users");
        if (!p->name) {
            char b[32];
            snprintf(b, sizeof b, "stage %d", i + 1);
            p->name = arena_strdup(ps->p, b);
        }
    }
}

/* ---- thresholds ---- */

static void add_threshold(parser *ps, yaml_node_t *at, const char *text, th_metric m, th_stat st, double pct, th_op op,
                          double value)
{
    load_plan_t *p = ps->p;
    if (p->nthresholds >= 64)
        fail_at(ps, at, "thresholds: 64 at most");
    p->thresholds[p->nthresholds++] =
        (load_threshold){arena_strdup(p, text), m, st, pct, op, value};
}

/* Artillery names: p50..p999, median, min, max, mean (milliseconds) */
static int artillery_stat(const char *s, th_stat *st, double *pct)
{
    if (!strcmp(s, "median")) {
        *st = TH_PCT, *pct = 50;
        return 1;
    }
    if (!strcmp(s, "min") || !strcmp(s, "max") || !strcmp(s, "mean")) {
        *st = !strcmp(s, "min") ? TH_MIN : !strcmp(s, "max") ? TH_MAX : TH_MEAN;
        return 1;
    }
    if (s[0] != 'p' || !isdigit((unsigned char)s[1]))
        return 0;
    for (const char *c = s + 1; *c; c++)
        if (!isdigit((unsigned char)*c))
            return 0;
    /* p95 = 95, p99 = 99, p999 = 99.9 */
    double v = atof(s + 1);
    if (strlen(s + 1) > 2)
        v = v / pow(10, (double)strlen(s + 1) - 2);
    if (v <= 0 || v >= 100)
        return 0;
    *st = TH_PCT, *pct = v;
    return 1;
}

static void parse_ensure(parser *ps, yaml_node_t *n)
{
    expect(ps, n, YAML_MAPPING_NODE, "ensure");
    MAP_EACH(ps, n, k, v)
    {
        const char *key = scalar(ps, k, "ensure");
        th_stat st;
        double pct = 0;
        char text[160];
        if (!strcmp(key, "maxErrorRate")) {
            double r = number(ps, v, "maxErrorRate", 0, 100);
            snprintf(text, sizeof text, "maxErrorRate: %s", scalar(ps, v, ""));
            add_threshold(ps, v, text, TH_ERROR_RATE, TH_MEAN, 0, TH_LE, r / 100);
        } else if (!strcmp(key, "thresholds")) {
            expect(ps, v, YAML_SEQUENCE_NODE, "ensure.thresholds");
            for (int i = 0; i < seq_len(v); i++) {
                yaml_node_t *t = seq_at(ps, v, i);
                expect(ps, t, YAML_MAPPING_NODE, "ensure.thresholds item");
                MAP_EACH(ps, t, tk, tv)
                {
                    const char *name = scalar(ps, tk, "threshold");
                    const char *pre = "http.response_time.";
                    if (strncmp(name, pre, strlen(pre)) || !artillery_stat(name + strlen(pre), &st, &pct))
                        fail_at(ps, tk, "threshold: unknown metric '%s' (expected http.response_time.p95 and the like)",
                                name);
                    double ms = number(ps, tv, name, 0, 1e9);
                    snprintf(text, sizeof text, "%s < %s ms", name, scalar(ps, tv, ""));
                    add_threshold(ps, tv, text, TH_LATENCY, st, pct, TH_LT, ms * 1e6);
                }
            }
        } else if (artillery_stat(key, &st, &pct)) {
            double ms = number(ps, v, key, 0, 1e9);
            snprintf(text, sizeof text, "%s < %s ms", key, scalar(ps, v, ""));
            add_threshold(ps, v, text, TH_LATENCY, st, pct, TH_LT, ms * 1e6);
        } else {
            warn_key(ps, k, "ensure");
        }
    }
}

/* k6: metric: ['p(95)<500', 'avg<200', 'rate<0.01'] */
static void parse_k6_thresholds(parser *ps, yaml_node_t *n)
{
    expect(ps, n, YAML_MAPPING_NODE, "thresholds");
    MAP_EACH(ps, n, k, v)
    {
        const char *metric = scalar(ps, k, "thresholds");
        th_metric m;
        if (!strcmp(metric, "http_req_duration"))
            m = TH_LATENCY;
        else if (!strcmp(metric, "http_req_failed"))
            m = TH_ERROR_RATE;
        else
            fail_at(ps, k, "thresholds: unknown metric '%s' (expected http_req_duration or http_req_failed)", metric);
        expect(ps, v, YAML_SEQUENCE_NODE, metric);
        for (int i = 0; i < seq_len(v); i++) {
            yaml_node_t *e = seq_at(ps, v, i);
            const char *s = scalar(ps, e, metric);
            char stat[32];
            size_t j = 0;
            while (s[j] && !strchr("<>=!", s[j]) && j < sizeof stat - 1) {
                stat[j] = s[j];
                j++;
            }
            stat[j] = 0;
            while (j > 0 && stat[j - 1] == ' ')
                stat[--j] = 0;
            const char *o = s + strlen(stat);
            while (*o == ' ')
                o++;
            th_op op;
            if (!strncmp(o, "<=", 2))
                op = TH_LE, o += 2;
            else if (!strncmp(o, ">=", 2))
                op = TH_GE, o += 2;
            else if (*o == '<')
                op = TH_LT, o++;
            else if (*o == '>')
                op = TH_GT, o++;
            else
                fail_at(ps, e, "%s: expected a comparison like 'p(95)<500', got '%s'", metric, s);
            char *end;
            double val = strtod(o, &end);
            while (*end == ' ')
                end++;
            if (end == o || *end || !isfinite(val) || val < 0)
                fail_at(ps, e, "%s: expected a number after the comparison in '%s'", metric, s);
            th_stat st;
            double pct = 0;
            if (m == TH_ERROR_RATE) {
                if (strcmp(stat, "rate"))
                    fail_at(ps, e, "http_req_failed: expected 'rate<...', got '%s'", s);
                if (val > 1)
                    fail_at(ps, e, "http_req_failed: a rate is 0..1, got %g", val);
                st = TH_MEAN;
            } else if (!strcmp(stat, "avg")) {
                st = TH_MEAN;
            } else if (!strcmp(stat, "min")) {
                st = TH_MIN;
            } else if (!strcmp(stat, "max")) {
                st = TH_MAX;
            } else if (!strcmp(stat, "med")) {
                st = TH_PCT, pct = 50;
            } else if (!strncmp(stat, "p(", 2) && stat[strlen(stat) - 1] == ')') {
                st = TH_PCT;
                pct = strtod(stat + 2, &end);
                if (end != stat + strlen(stat) - 1 || pct <= 0 || pct >= 100)
                    fail_at(ps, e, "%s: expected p(N) with 0 < N < 100, got '%s'", metric, stat);
            } else {
                fail_at(ps, e, "%s: unknown statistic '%s' (expected avg, min, max, med, p(N))", metric, stat);
            }
            add_threshold(ps, e, s, m, st, pct, op, m == TH_LATENCY ? val * 1e6 : val);
        }
    }
}

/* ---- top level ---- */

/* Every mapping in the document, checked once up front: no duplicate keys
 * (the sizes counted below rely on it, and a repeated key is a mistake). */
static void check_tree(parser *ps, yaml_node_t *n, int depth)
{
    if (depth > 32)
        fail_at(ps, n, "plan: nested too deeply");
    if (++ps->visits > 200000)
        fail_at(ps, n, "plan: too many nodes (aliases expanding?)");
    if (n->type == YAML_SEQUENCE_NODE) {
        for (int i = 0; i < seq_len(n); i++)
            check_tree(ps, seq_at(ps, n, i), depth + 1);
    } else if (n->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
            yaml_node_t *k = node(ps, a->key);
            scalar(ps, k, "key");
            for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++)
                if (!strcmp((const char *)node(ps, b->key)->data.scalar.value, (const char *)k->data.scalar.value))
                    fail_at(ps, k, "duplicate key '%s'", (const char *)k->data.scalar.value);
            check_tree(ps, node(ps, a->value), depth + 1);
        }
    }
}

static int count_items(parser *ps, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return 0;
    MAP_EACH(ps, map, k, v)
    {
        if (k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
            return v->type == YAML_SEQUENCE_NODE ? seq_len(v)
                   : v->type == YAML_MAPPING_NODE
                       ? (int)(v->data.mapping.pairs.top - v->data.mapping.pairs.start)
                       : 1;
    }
    return 0;
}

static yaml_node_t *map_get(parser *ps, yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    MAP_EACH(ps, map, k, v)
    {
        if (k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, key))
            return v;
    }
    return NULL;
}

static void parse_root(parser *ps, yaml_node_t *root)
{
    load_plan_t *p = ps->p;
    if (!root)
        fail_at(ps, NULL, "the plan is empty");
    expect(ps, root, YAML_MAPPING_NODE, "plan");
    check_tree(ps, root, 0);
    yaml_node_t *config = map_get(ps, root, "config");
    if (config)
        expect(ps, config, YAML_MAPPING_NODE, "config");

    /* sizes first, so every array is allocated once */
    int nphases = count_items(ps, config, "phases") + count_items(ps, config, "stages") +
                  count_items(ps, root, "stages");
    p->phases = arena_alloc(p, (size_t)(nphases + 1) * sizeof *p->phases);
    p->thresholds = arena_alloc(p, 64 * sizeof *p->thresholds);
    int nvars = 0;
    yaml_node_t *payload = map_get(ps, config, "payload");
    if (payload) {
        if (payload->type == YAML_MAPPING_NODE)
            nvars = count_items(ps, payload, "fields");
        else if (payload->type == YAML_SEQUENCE_NODE)
            for (int i = 0; i < seq_len(payload); i++)
                nvars += count_items(ps, seq_at(ps, payload, i), "fields");
    }
    yaml_node_t *variables = map_get(ps, config, "variables");
    int nvariables = variables && variables->type == YAML_MAPPING_NODE
                         ? (int)(variables->data.mapping.pairs.top - variables->data.mapping.pairs.start)
                         : 0;
    ps->varcap = nvars + nvariables + 256;
    p->vars = arena_alloc(p, (size_t)ps->varcap * sizeof *p->vars);
    yaml_node_t *scen = map_get(ps, root, "scenarios");
    int nreq = 0;
    if (scen && scen->type == YAML_SEQUENCE_NODE)
        for (int i = 0; i < seq_len(scen); i++)
            nreq += count_requests(ps, map_get(ps, seq_at(ps, scen, i), "flow") ? map_get(ps, seq_at(ps, scen, i),
                                                                                          "flow")
                                                                                    : seq_at(ps, scen, i));
    p->names = arena_alloc(p, (size_t)(nreq + 1) * sizeof *p->names);

    /* payloads before anything that uses their fields; config.variables
     * (name: [values]) are one-column payloads read in random order */
    int nslots = (payload ? (payload->type == YAML_SEQUENCE_NODE ? seq_len(payload) : 1) : 0) + nvariables;
    p->payloads = arena_alloc(p, (size_t)(nslots + 1) * sizeof *p->payloads);
    if (payload) {
        if (payload->type == YAML_MAPPING_NODE) {
            parse_payload(ps, payload, &p->payloads[p->npayloads++]);
        } else {
            expect(ps, payload, YAML_SEQUENCE_NODE, "payload");
            for (int i = 0; i < seq_len(payload); i++)
                parse_payload(ps, seq_at(ps, payload, i), &p->payloads[p->npayloads++]);
        }
    }
    if (variables) {
        expect(ps, variables, YAML_MAPPING_NODE, "variables");
        MAP_EACH(ps, variables, k, v)
        {
            load_payload *pl = &p->payloads[p->npayloads++];
            pl->nfields = 1;
            pl->random = 1;
            pl->field_var = arena_alloc(p, sizeof *pl->field_var);
            pl->field_var[0] = add_var(ps, k, scalar(ps, k, "variables"));
            pl->path = "config.variables";
            if (v->type == YAML_SEQUENCE_NODE) {
                pl->rows = (size_t)seq_len(v);
                if (!pl->rows)
                    fail_at(ps, v, "variables: '%s' has no values", (const char *)k->data.scalar.value);
                pl->cells = arena_alloc(p, pl->rows * sizeof *pl->cells);
                for (size_t i = 0; i < pl->rows; i++)
                    pl->cells[i] = arena_strdup(p, scalar(ps, seq_at(ps, v, (int)i), "variables"));
            } else {
                pl->rows = 1;
                pl->cells = arena_alloc(p, sizeof *pl->cells);
                pl->cells[0] = arena_strdup(p, scalar(ps, v, "variables"));
            }
        }
    }

    if (config) {
        MAP_EACH(ps, config, k, v)
        {
            const char *key = scalar(ps, k, "config");
            if (!strcmp(key, "target")) {
                const char *t = scalar(ps, v, "target");
                if (strncmp(t, "http://", 7))
                    fail_at(ps, v, "target: expected http://host[:port], got '%s'", t);
                p->target = arena_strdup(p, t);
            } else if (!strcmp(key, "phases")) {
                parse_phases(ps, v);
            } else if (!strcmp(key, "stages")) {
                parse_stages(ps, v);
            } else if (!strcmp(key, "payload") || !strcmp(key, "variables")) {
                /* done above */
            } else if (!strcmp(key, "defaults")) {
                expect(ps, v, YAML_MAPPING_NODE, "defaults");
                MAP_EACH(ps, v, dk, dv)
                {
                    if (key_is(ps, dk, "headers"))
                        parse_headers(ps, dv, &p->nheaders, &p->headers, "defaults.headers");
                    else
                        warn_key(ps, dk, "config.defaults");
                }
            } else if (!strcmp(key, "ensure")) {
                parse_ensure(ps, v);
            } else if (!strcmp(key, "thresholds")) {
                parse_k6_thresholds(ps, v);
            } else if (!strcmp(key, "http")) {
                expect(ps, v, YAML_MAPPING_NODE, "http");
                MAP_EACH(ps, v, hk, hv)
                {
                    if (key_is(ps, hk, "pool"))
                        p->pool = (int)number(ps, hv, "http.pool", 1, 100000);
                    else if (key_is(ps, hk, "timeout")) {
                        p->timeout = duration(ps, hv, "http.timeout");
                        if (p->timeout <= 0)
                            fail_at(ps, hv, "http.timeout: must be more than 0");
                    } else
                        warn_key(ps, hk, "config.http");
                }
            } else {
                warn_key(ps, k, "config");
            }
        }
    }

    MAP_EACH(ps, root, k, v)
    {
        const char *key = scalar(ps, k, "plan");
        if (!strcmp(key, "config") || !strcmp(key, "scenarios")) {
        } else if (!strcmp(key, "stages")) {
            parse_stages(ps, v);
        } else if (!strcmp(key, "thresholds")) {
            parse_k6_thresholds(ps, v);
        } else {
            warn_key(ps, k, "the plan");
        }
    }

    if (!scen)
        fail_at(ps, root, "plan: 'scenarios' is required");
    expect(ps, scen, YAML_SEQUENCE_NODE, "scenarios");
    p->nscenarios = seq_len(scen);
    if (!p->nscenarios)
        fail_at(ps, scen, "scenarios: at least one is required");
    p->scenarios = arena_alloc(p, (size_t)p->nscenarios * sizeof *p->scenarios);
    double total_weight = 0;
    for (int i = 0; i < p->nscenarios; i++) {
        yaml_node_t *s = seq_at(ps, scen, i);
        expect(ps, s, YAML_MAPPING_NODE, "scenario");
        load_scenario *sc = &p->scenarios[i];
        sc->weight = 1;
        yaml_node_t *flow = NULL;
        MAP_EACH(ps, s, k, v)
        {
            if (key_is(ps, k, "name"))
                sc->name = arena_strdup(p, scalar(ps, v, "scenario name"));
            else if (key_is(ps, k, "weight"))
                sc->weight = number(ps, v, "weight", 0, 1e9);
            else if (key_is(ps, k, "flow"))
                flow = v;
            else
                warn_key(ps, k, "scenario");
        }
        if (!flow)
            fail_at(ps, s, "scenario: 'flow' is required");
        parse_flow(ps, flow, &sc->nsteps, &sc->steps, 0);
        if (!sc->name) {
            char b[32];
            snprintf(b, sizeof b, "scenario %d", i + 1);
            sc->name = arena_strdup(p, b);
        }
        total_weight += sc->weight;
    }
    if (total_weight <= 0)
        fail_at(ps, scen, "scenarios: the weights add up to 0");
    if (!p->nphases)
        fail_at(ps, config ? config : root, "plan: config.phases (or stages) is required");
}

/* The only setjmp: no local of the caller changes after it. */
static int guarded_parse(parser *ps)
{
    if (setjmp(ps->fail)) {
        if (ps->scratch)
            free(*ps->scratch);
        return 0;
    }
    parse_root(ps, yaml_document_get_root_node(&ps->doc));
    return 1;
}

load_plan_t *plan_parse(const char *file, const char *dir, const char *text, size_t len, FILE *warn, char *err,
                        size_t errcap)
{
    parser *ps = calloc(1, sizeof *ps);
    load_plan_t *p = calloc(1, sizeof *p);
    if (!ps || !p)
        abort();
    ps->p = p;
    ps->file = file;
    ps->dir = dir;
    ps->warn = warn;
    ps->err = err;
    ps->errcap = errcap;
    p->file = arena_strdup(p, file);
    yaml_parser_t yp;
    yaml_parser_initialize(&yp);
    yaml_parser_set_input_string(&yp, (const unsigned char *)text, len);
    if (!yaml_parser_load(&yp, &ps->doc)) {
        snprintf(err, errcap, "%s:%zu:%zu: YAML syntax: %s%s%s", file, yp.problem_mark.line + 1,
                 yp.problem_mark.column + 1, yp.problem ? yp.problem : "invalid", yp.context ? " " : "",
                 yp.context ? yp.context : "");
        yaml_parser_delete(&yp);
        free(ps);
        plan_free(p);
        return NULL;
    }
    yaml_parser_delete(&yp);
    int ok = guarded_parse(ps);
    yaml_document_delete(&ps->doc);
    free(ps);
    if (!ok) {
        plan_free(p);
        return NULL;
    }
    return p;
}

load_plan_t *plan_load(const char *path, FILE *warn, char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "%s: %s", path, strerror(errno));
        return NULL;
    }
    sbuf b = {0};
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0) {
        sb_add(&b, chunk, k);
        if (b.len > (64u << 20)) {
            fclose(f);
            buf_free(&b);
            snprintf(err, errcap, "%s: larger than 64 MB", path);
            return NULL;
        }
    }
    fclose(f);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    else
        strcpy(dir, ".");
    load_plan_t *p = plan_parse(path, dir, b.data ? b.data : "", b.len, warn, err, errcap);
    buf_free(&b);
    return p;
}
