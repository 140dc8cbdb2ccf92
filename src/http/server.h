/* The HTTP front end: h2o's event loop, one listener, CORS, and the glue
 * from h2o requests to api_handle. All h2o calls live in this module, since
 * libh2o's API is officially unstable (see docs/ARCHITECTURE.md).
 *
 * Reload: SIGHUP opens DIR/CURRENT again; a generation that fails to open or
 * verify is refused and the old one keeps serving. The swap happens between
 * requests, and the old store is released when its last user finishes. */
#ifndef ISLA_SERVER_H
#define ISLA_SERVER_H

#include <stdbool.h>

typedef struct {
    const char *data_dir;
    const char *host;         /* listen address, default 0.0.0.0 */
    int port;                 /* default 8090 */
    bool verify;              /* check checksums when opening a generation */
    const char *web_dir;      /* static files for the UI, or NULL */
} server_options;

/* Runs until SIGINT/SIGTERM; returns the process exit code. */
int server_run(const server_options *opt);

#endif
