/* The web UI's static files, read into memory once.
 *
 * The UI is a handful of small files, so the server loads the whole web
 * directory at start (and again on SIGHUP) and serves requests from memory:
 * no file system access, and so no path traversal, happens per request. Only
 * names that were found by the scan can ever be served.
 *
 * A site is immutable once loaded and reference counted, so a reload can
 * replace it while responses still point into the old one.
 *
 * Caching: every file has an ETag (a hash of its bytes) for cheap 304s.
 * A file whose name carries a hash (app.3f9a2c1d.js, app-3f9a2c1d.css),
 * or that is requested with a version (?v=...), is served as immutable
 * for a year: its URL changes when its bytes do. */
#ifndef ISLA_HTTP_STATIC_H
#define ISLA_HTTP_STATIC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/compress.h"

typedef struct {
    char *path;              /* URL path, "/index.html", "/js/app.js" */
    size_t path_len;
    char *data;
    size_t len;
    const char *content_type;
    char etag[24];           /* "\"<16 hex digits>\"" */
    /* Compressed once at load, at the best levels (the files are small and
     * served many times); NULL when not worth it. */
    cache_blob *gz, *br;
    bool fingerprinted;      /* name carries a content hash: app.3f9a2c1d.js */
} static_file;

typedef struct {
    static_file *files;      /* sorted by path */
    size_t n_files;
    size_t bytes;
    atomic_uint refs;
} static_site;

/* Loads every regular file under dir (no dot files; bounded depth, count and
 * size). Returns one reference, or NULL and fills err. */
static_site *static_site_load(const char *dir, char *err, size_t errlen);
void static_site_retain(static_site *site);
void static_site_release(static_site *site);

/* The file a URL path (without the query) names, or NULL: the exact name,
 * else name + ".html" (so "/dashboard" is dashboard.html), else
 * name + "/index.html"; "/" is "/index.html". */
const static_file *static_site_find(const static_site *site, const char *path, size_t len);

#endif
