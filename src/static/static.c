/* Static files of the web UI, served from memory; see static.h.
 *
 * Why load everything up front: the UI is small (tens of KB), a per-request
 * open/read would cost more than the search itself, and a lookup among names
 * found by a directory scan cannot be tricked into leaving the directory by
 * "..", "%2e%2e", symlink games or odd encodings. The scan is bounded in
 * depth, file count and bytes so a wrong --web cannot eat the machine. */
#include "static/static.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/compress.h"

#define MAX_DEPTH 8
#define MAX_FILES 4096
#define MAX_FILE_BYTES (32u << 20)
#define MAX_TOTAL_BYTES (256u << 20)
#define MAX_URL_PATH 1024

typedef struct {
    static_file *files;
    size_t n, cap, bytes;
    char *err;
    size_t errlen;
} scan_state;

static void set_err(scan_state *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_err(scan_state *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, st->errlen, fmt, ap);
    va_end(ap);
}

static const struct {
    const char *ext;
    const char *type;
} MIME[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"txt", "text/plain; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"wasm", "application/wasm"},
    {"webmanifest", "application/manifest+json"},
};

static const char *content_type_for(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot != NULL)
        for (size_t i = 0; i < sizeof(MIME) / sizeof(MIME[0]); i++)
            if (strcasecmp(dot + 1, MIME[i].ext) == 0)
                return MIME[i].type;
    return "application/octet-stream";
}

/* FNV-1a: good enough to tell two versions of a UI file apart. */
static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* "name.<8+ hex>.ext" or "name-<8+ hex>.ext": a build tool's content hash. */
static bool has_fingerprint(const char *url)
{
    const char *base = strrchr(url, '/');
    base = base != NULL ? base + 1 : url;
    const char *ext = strrchr(base, '.');
    if (ext == NULL)
        return false;
    const char *p = ext;
    size_t hex = 0;
    while (p > base && ((p[-1] >= '0' && p[-1] <= '9') || (p[-1] >= 'a' && p[-1] <= 'f') ||
                        (p[-1] >= 'A' && p[-1] <= 'F'))) {
        p--;
        hex++;
    }
    return hex >= 8 && p > base && (p[-1] == '.' || p[-1] == '-');
}

static int read_file(const char *fs_path, size_t size, char **out, scan_state *st)
{
    int fd = open(fs_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(st, "%s: %s", fs_path, strerror(errno));
        return -1;
    }
    char *data = malloc(size ? size : 1);
    if (data == NULL) {
        close(fd);
        set_err(st, "%s: out of memory", fs_path);
        return -1;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, data + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            set_err(st, "%s: %s", fs_path, r < 0 ? strerror(errno) : "file shrank while reading");
            free(data);
            close(fd);
            return -1;
        }
        got += (size_t)r;
    }
    close(fd);
    *out = data;
    return 0;
}

static int add_file(scan_state *st, const char *fs_path, const char *url, size_t size)
{
    if (st->n == MAX_FILES) {
        set_err(st, "more than %d files", MAX_FILES);
        return -1;
    }
    if (st->bytes + size > MAX_TOTAL_BYTES) {
        set_err(st, "more than %u MiB of files", MAX_TOTAL_BYTES >> 20);
        return -1;
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 32;
        static_file *f = realloc(st->files, cap * sizeof(*f));
        if (f == NULL) {
            set_err(st, "out of memory");
            return -1;
        }
        st->files = f;
        st->cap = cap;
    }
    static_file *f = &st->files[st->n];
    memset(f, 0, sizeof(*f));
    if (read_file(fs_path, size, &f->data, st) != 0)
        return -1;
    f->path = strdup(url);
    if (f->path == NULL) {
        free(f->data);
        set_err(st, "out of memory");
        return -1;
    }
    f->path_len = strlen(url);
    f->len = size;
    f->content_type = content_type_for(url);
    snprintf(f->etag, sizeof(f->etag), "\"%016llx\"", (unsigned long long)fnv1a(f->data, size));
    f->fingerprinted = has_fingerprint(url);
    if (compress_applies(f->content_type, size)) {
        f->gz = compress_body_level(CACHE_GZIP, f->data, size, 9);
        f->br = compress_body_level(CACHE_BR, f->data, size, 9);
    }
    st->n++;
    st->bytes += size;
    return 0;
}

static int scan_dir(scan_state *st, const char *fs_dir, const char *url_dir, int depth)
{
    DIR *d = opendir(fs_dir);
    if (d == NULL) {
        set_err(st, "%s: %s", fs_dir, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue; /* ".", "..", and hidden files such as .git */
        char fs_path[4096], url[MAX_URL_PATH];
        if ((size_t)snprintf(fs_path, sizeof(fs_path), "%s/%s", fs_dir, e->d_name) >= sizeof(fs_path) ||
            (size_t)snprintf(url, sizeof(url), "%s/%s", url_dir, e->d_name) >= sizeof(url))
            continue; /* a name this long cannot be requested anyway */
        struct stat sb;
        if (stat(fs_path, &sb) != 0)
            continue; /* dangling symlink */
        if (S_ISDIR(sb.st_mode)) {
            if (depth < MAX_DEPTH)
                rc = scan_dir(st, fs_path, url, depth + 1);
        } else if (S_ISREG(sb.st_mode)) {
            if (sb.st_size > (off_t)MAX_FILE_BYTES) {
                fprintf(stderr, "isla: web: skipping %s (larger than %u MiB)\n", fs_path, MAX_FILE_BYTES >> 20);
                continue;
            }
            rc = add_file(st, fs_path, url, (size_t)sb.st_size);
        }
    }
    closedir(d);
    return rc;
}

static int cmp_file(const void *a, const void *b)
{
    const static_file *x = a, *y = b;
    return strcmp(x->path, y->path);
}

static void free_files(static_file *files, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(files[i].path);
        free(files[i].data);
        free(files[i].gz);
        free(files[i].br);
    }
    free(files);
}

static_site *static_site_load(const char *dir, char *err, size_t errlen)
{
    scan_state st = {.err = err, .errlen = errlen};
    /* URL paths are built from "" + "/name", so strip trailing slashes. */
    char root[4096];
    size_t n = strlen(dir);
    if (n >= sizeof(root)) {
        snprintf(err, errlen, "web directory path too long");
        return NULL;
    }
    memcpy(root, dir, n + 1);
    while (n > 1 && root[n - 1] == '/')
        root[--n] = '\0';
    if (scan_dir(&st, root, "", 0) != 0) {
        free_files(st.files, st.n);
        return NULL;
    }
    static_site *site = calloc(1, sizeof(*site));
    if (site == NULL) {
        free_files(st.files, st.n);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (st.n > 1)
        qsort(st.files, st.n, sizeof(st.files[0]), cmp_file);
    site->files = st.files;
    site->n_files = st.n;
    site->bytes = st.bytes;
    atomic_init(&site->refs, 1);
    return site;
}

void static_site_retain(static_site *site)
{
    atomic_fetch_add_explicit(&site->refs, 1, memory_order_relaxed);
}

void static_site_release(static_site *site)
{
    if (site == NULL || atomic_fetch_sub_explicit(&site->refs, 1, memory_order_acq_rel) != 1)
        return;
    free_files(site->files, site->n_files);
    free(site);
}

static const static_file *find_exact(const static_site *site, const char *path, size_t len)
{
    size_t lo = 0, hi = site->n_files;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const static_file *f = &site->files[mid];
        size_t m = f->path_len < len ? f->path_len : len;
        int c = memcmp(f->path, path, m);
        if (c == 0)
            c = f->path_len < len ? -1 : f->path_len > len ? 1 : 0;
        if (c == 0)
            return f;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

const static_file *static_site_find(const static_site *site, const char *path, size_t len)
{
    /* Room for the longest suffix tried below. */
    char buf[MAX_URL_PATH + sizeof("/index.html")];
    if (site == NULL || len == 0 || path[0] != '/' || len >= MAX_URL_PATH)
        return NULL;
    /* Percent-decode, so "/my%20file.css" finds "my file.css". Decoding is
     * safe here because only names found by the scan can match. */
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        char c = path[i];
        if (c == '%' && i + 2 < len && hexval(path[i + 1]) >= 0 && hexval(path[i + 2]) >= 0) {
            c = (char)(hexval(path[i + 1]) * 16 + hexval(path[i + 2]));
            i += 2;
        }
        if (c == '\0')
            return NULL;
        buf[n++] = c;
    }
    /* Never needed for a real UI file; refuse outright rather than rely on
     * the scan never producing such a name. */
    for (size_t i = 0; i + 1 < n; i++)
        if (buf[i] == '.' && buf[i + 1] == '.')
            return NULL;

    const static_file *f;
    if (buf[n - 1] == '/') {
        memcpy(buf + n, "index.html", sizeof("index.html") - 1);
        return find_exact(site, buf, n + sizeof("index.html") - 1);
    }
    if ((f = find_exact(site, buf, n)) != NULL)
        return f;
    memcpy(buf + n, ".html", sizeof(".html") - 1);
    if ((f = find_exact(site, buf, n + sizeof(".html") - 1)) != NULL)
        return f;
    memcpy(buf + n, "/index.html", sizeof("/index.html") - 1);
    return find_exact(site, buf, n + sizeof("/index.html") - 1);
}
