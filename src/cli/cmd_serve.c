/* isla serve: read the configuration (flags > ISLA_* environment > config
 * file, see config/config.h), check what can be checked before binding a
 * port, then hand over to the HTTP server. */
#include <limits.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cluster/cluster.h"
#include "config/config.h"
#include "http/server.h"

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
    server_config cfg;
    int rc = config_load(&cfg, argc, argv);
    if (rc != 0) {
        config_free(&cfg);
        return rc == 1 ? 0 : rc;
    }

    struct stat sb;
    if (stat(cfg.data_dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "isla serve: --data: '%s' is not a directory (see isla serve --help)\n", cfg.data_dir);
        config_free(&cfg);
        return 2;
    }
    /* Check the address now, so a typo is a usage error and not a failed
     * start. */
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(cfg.host, NULL, &hints, &ai) != 0) {
        fprintf(stderr, "isla serve: --host: cannot resolve '%s' to a local address (see isla serve --help)\n",
                cfg.host);
        config_free(&cfg);
        return 2;
    }
    freeaddrinfo(ai);

    if (cfg.redis_url != NULL) {
        redis_url u;
        char err[512];
        if (!redis_url_parse(cfg.redis_url, &u, err, sizeof err)) {
            fprintf(stderr, "isla serve: --redis (or ISLA_REDIS): %s (see isla serve --help)\n", err);
            config_free(&cfg);
            return 2;
        }
    }
    if (cfg.follow_url != NULL && strncmp(cfg.follow_url, "http://", 7) != 0 &&
        strncmp(cfg.follow_url, "https://", 8) != 0) {
        fprintf(stderr, "isla serve: --follow: '%s' is not an http:// or https:// URL (see isla serve --help)\n",
                cfg.follow_url);
        config_free(&cfg);
        return 2;
    }
    if (cfg.follow_url != NULL) {
        size_t n = strlen(cfg.follow_url);
        while (n > 0 && cfg.follow_url[n - 1] == '/')
            cfg.follow_url[--n] = '\0';
    }
    if (cfg.web_dir != NULL) {
        if (!is_dir(cfg.web_dir)) {
            fprintf(stderr, "isla serve: --web: '%s' is not a directory (see isla serve --help)\n", cfg.web_dir);
            config_free(&cfg);
            return 2;
        }
    } else {
        cfg.web_dir = default_web_dir();
    }

    rc = server_run(&cfg);
    config_free(&cfg);
    return rc;
}
