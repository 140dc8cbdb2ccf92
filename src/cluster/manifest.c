/* Generation manifests (see ship.h): a generation directory's files with
 * their sizes and SHA-256, written as JSON by the builder and parsed and
 * checked by a replica before it downloads a byte. No network here. */
#include "cluster/ship.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- manifests ---------------------------------------------------------- */

bool ship_sha256_file(const char *path, char out[65], char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return false;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t cap = 4u << 20;
    unsigned char *buf = malloc(cap);
    bool ok = ctx != NULL && buf != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    while (ok) {
        ssize_t r = read(fd, buf, cap);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
            ok = false;
            break;
        }
        if (r == 0)
            break;
        ok = EVP_DigestUpdate(ctx, buf, (size_t)r) == 1;
    }
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 32) {
        for (int i = 0; i < 32; i++)
            snprintf(out + 2 * i, 3, "%02x", md[i]);
    } else if (ok) {
        snprintf(err, errlen, "SHA-256 of %s failed", path);
        ok = false;
    }
    free(buf);
    EVP_MD_CTX_free(ctx);
    close(fd);
    return ok;
}

static int cmp_files(const void *a, const void *b)
{
    return strcmp(((const ship_file *)a)->name, ((const ship_file *)b)->name);
}

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= sizeof(((ship_file *)0)->name) || s[0] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

bool ship_manifest_build(const char *gen_dir, uint64_t generation, ship_manifest *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->generation = generation;
    DIR *d = opendir(gen_dir);
    if (d == NULL) {
        snprintf(err, errlen, "cannot open %s: %s", gen_dir, strerror(errno));
        return false;
    }
    struct dirent *e;
    char path[4400];
    bool ok = true;
    while (ok && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (!name_ok(e->d_name, n))
            continue;
        snprintf(path, sizeof path, "%s/%s", gen_dir, e->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        if (m->n_files == SHIP_MAX_FILES) {
            snprintf(err, errlen, "more than %d files in %s", SHIP_MAX_FILES, gen_dir);
            ok = false;
            break;
        }
        ship_file *f = &m->files[m->n_files++];
        memcpy(f->name, e->d_name, n + 1);
        f->size = (uint64_t)sb.st_size;
        ok = ship_sha256_file(path, f->sha256, err, errlen);
    }
    closedir(d);
    if (ok && ship_manifest_find(m, "offers.isla", 11) == NULL) {
        snprintf(err, errlen, "%s has no offers.isla", gen_dir);
        ok = false;
    }
    qsort(m->files, m->n_files, sizeof m->files[0], cmp_files);
    return ok;
}

void ship_manifest_json(const ship_manifest *m, buf_t *out)
{
    buf_printf(out, "{\"generation\":%" PRIu64 ",\"files\":[", m->generation);
    for (unsigned i = 0; i < m->n_files; i++)
        buf_printf(out, "%s{\"name\":\"%s\",\"size\":%" PRIu64 ",\"sha256\":\"%s\"}", i ? "," : "",
                   m->files[i].name, m->files[i].size, m->files[i].sha256);
    BUF_LIT(out, "]}");
}

const ship_file *ship_manifest_find(const ship_manifest *m, const char *name, size_t n)
{
    for (unsigned i = 0; i < m->n_files; i++)
        if (strlen(m->files[i].name) == n && !memcmp(m->files[i].name, name, n))
            return &m->files[i];
    return NULL;
}

/* A small reader for exactly the shape ship_manifest_json writes (keys in
 * that order, no escapes needed): a manifest is made by isla, and
 * anything else is refused, not guessed at. */
typedef struct {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && isspace((unsigned char)*c->p))
        c->p++;
}

static bool lit(cursor *c, const char *s)
{
    skip_ws(c);
    size_t n = strlen(s);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
        return false;
    c->p += n;
    return true;
}

static bool num(cursor *c, uint64_t *v)
{
    skip_ws(c);
    if (c->p >= c->end || !isdigit((unsigned char)*c->p))
        return false;
    uint64_t x = 0;
    while (c->p < c->end && isdigit((unsigned char)*c->p)) {
        if (x > (UINT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (uint64_t)(*c->p++ - '0');
    }
    *v = x;
    return true;
}

static bool str(cursor *c, char *out, size_t cap)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != '"')
        return false;
    const char *s = ++c->p;
    while (c->p < c->end && *c->p != '"' && *c->p != '\\')
        c->p++;
    if (c->p >= c->end || *c->p != '"' || (size_t)(c->p - s) >= cap)
        return false;
    memcpy(out, s, (size_t)(c->p - s));
    out[c->p - s] = '\0';
    c->p++;
    return true;
}

bool ship_manifest_parse(const char *json, size_t n, ship_manifest *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    cursor c = {json, json + n};
    if (!lit(&c, "{") || !lit(&c, "\"generation\"") || !lit(&c, ":") || !num(&c, &m->generation) ||
        m->generation == 0) {
        snprintf(err, errlen, "manifest: expected {\"generation\":N (N > 0) at byte %zu", (size_t)(c.p - json));
        return false;
    }
    if (!lit(&c, ",") || !lit(&c, "\"files\"") || !lit(&c, ":") || !lit(&c, "[")) {
        snprintf(err, errlen, "manifest: expected ,\"files\":[ at byte %zu", (size_t)(c.p - json));
        return false;
    }
    bool first = true;
    while (!lit(&c, "]")) {
        if (!first && !lit(&c, ",")) {
            snprintf(err, errlen, "manifest: expected , or ] at byte %zu", (size_t)(c.p - json));
            return false;
        }
        first = false;
        if (m->n_files == SHIP_MAX_FILES) {
            snprintf(err, errlen, "manifest: more than %d files", SHIP_MAX_FILES);
            return false;
        }
        ship_file *f = &m->files[m->n_files];
        if (!lit(&c, "{") || !lit(&c, "\"name\"") || !lit(&c, ":") || !str(&c, f->name, sizeof f->name) ||
            !lit(&c, ",") || !lit(&c, "\"size\"") || !lit(&c, ":") || !num(&c, &f->size) || !lit(&c, ",") ||
            !lit(&c, "\"sha256\"") || !lit(&c, ":") || !str(&c, f->sha256, sizeof f->sha256) || !lit(&c, "}")) {
            snprintf(err, errlen, "manifest: file %u: expected {\"name\":...,\"size\":N,\"sha256\":...} at byte %zu",
                     m->n_files + 1, (size_t)(c.p - json));
            return false;
        }
        if (!name_ok(f->name, strlen(f->name))) {
            snprintf(err, errlen, "manifest: file name '%s' refused (letters, digits, . _ - only; no leading .)",
                     f->name);
            return false;
        }
        bool hex = strlen(f->sha256) == 64;
        for (int i = 0; hex && i < 64; i++)
            hex = isxdigit((unsigned char)f->sha256[i]) && !isupper((unsigned char)f->sha256[i]);
        if (!hex) {
            snprintf(err, errlen, "manifest: file '%s': sha256 is not 64 lowercase hex digits", f->name);
            return false;
        }
        m->n_files++;
    }
    if (!lit(&c, "}")) {
        snprintf(err, errlen, "manifest: expected } at byte %zu", (size_t)(c.p - json));
        return false;
    }
    if (ship_manifest_find(m, "offers.isla", 11) == NULL) {
        snprintf(err, errlen, "manifest: no offers.isla");
        return false;
    }
    return true;
}
