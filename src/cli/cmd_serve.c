/* isla serve: parse the options, then hand over to the HTTP server. */
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "http/server.h"

#define DEFAULT_PORT 8090
#define DEFAULT_HOST "0.0.0.0"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: isla serve --data DIR [options]\n"
            "\n"
            "Serves the generation DIR/CURRENT names over HTTP: the API at / and /api/,\n"
            "and the web UI. Starts even before the first import (health answers 503\n"
            "until a generation is there). SIGHUP loads the newest generation without\n"
            "dropping a request (a broken one is refused and the old one keeps\n"
            "serving); SIGTERM or SIGINT stop gracefully.\n"
            "\n"
            "options:\n"
            "  --data DIR     data directory written by `isla import` (required)\n"
            "  --port N       TCP port, 0..65535 (default %d, or $ISLA_PORT if set;\n"
            "                 0 picks a free port and logs it)\n"
            "  --host ADDR    address to listen on (default %s; e.g. 127.0.0.1, ::)\n"
            "  --no-verify    skip checksum verification when loading a generation\n"
            "                 (faster start on big data; default: verify)\n"
            "  --web DIR      static files of the web UI (default: the `web` directory\n"
            "                 of the isla checkout the binary was built in, if it exists;\n"
            "                 without one only the API is served)\n"
            "  --help         show this help\n",
            DEFAULT_PORT, DEFAULT_HOST);
}

/* A usage error naming the option; returns the exit code 2. */
static int bad(const char *opt, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const char *opt, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "isla serve: %s: ", opt);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see isla serve --help)\n", stderr);
    return 2;
}

static bool is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The `web` directory of the checkout the binary lives in: build/isla and
 * build/asan/isla both find <repo>/web. */
static char *default_web_dir(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash == NULL)
        return NULL;
    *slash = '\0';
    static const char *const rel[] = {"/../web", "/../../web"};
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        char cand[PATH_MAX + 16];
        snprintf(cand, sizeof(cand), "%s%s", exe, rel[i]);
        if (is_dir(cand))
            return realpath(cand, NULL);
    }
    return NULL;
}

int cmd_serve(int argc, char **argv)
{
    server_options opt = {.host = DEFAULT_HOST, .port = DEFAULT_PORT, .verify = true};
    const char *web = NULL;

    const char *env_port = getenv("ISLA_PORT");
    if (env_port != NULL && *env_port != '\0')
        opt.port = (int)arg_int("ISLA_PORT", env_port, 0, 65535);

    const char *v;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--no-verify")) {
            opt.verify = false;
        } else if (arg_value(argc, argv, &i, "--data", &v)) {
            if (*v == '\0')
                return bad("--data", "empty directory name");
            opt.data_dir = v;
        } else if (arg_value(argc, argv, &i, "--port", &v)) {
            opt.port = (int)arg_int("--port", v, 0, 65535);
        } else if (arg_value(argc, argv, &i, "--host", &v)) {
            opt.host = v;
        } else if (arg_value(argc, argv, &i, "--web", &v)) {
            web = v;
        } else {
            fprintf(stderr, "isla serve: unknown option '%s' (see isla serve --help)\n", argv[i]);
            return 2;
        }
    }

    if (opt.data_dir == NULL) {
        fputs("isla serve: --data DIR is required (see isla serve --help)\n", stderr);
        return 2;
    }
    struct stat sb;
    if (stat(opt.data_dir, &sb) == 0 && !S_ISDIR(sb.st_mode))
        return bad("--data", "'%s' is not a directory", opt.data_dir);

    /* Check the address now, so a typo is a usage error and not a failed
     * start. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    if (*opt.host == '\0' || getaddrinfo(opt.host, NULL, &hints, &ai) != 0)
        return bad("--host", "cannot resolve '%s' to a local address", opt.host);
    freeaddrinfo(ai);

    char *web_owned = NULL;
    if (web != NULL) {
        if (!is_dir(web))
            return bad("--web", "'%s' is not a directory", web);
        opt.web_dir = web;
    } else {
        web_owned = default_web_dir();
        opt.web_dir = web_owned;
    }

    int rc = server_run(&opt);
    free(web_owned);
    return rc;
}
