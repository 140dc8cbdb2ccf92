/* `isla keys add|list|revoke|rotate`: the API keys of a data directory
 * (keys/keys.h). add and rotate print the new key alone on their last line:
 * it is shown this once and never stored. A running server picks changes
 * up within a second. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "keys/keys.h"

static void usage(FILE *f)
{
    fputs("usage: isla keys add    --data DIR --name NAME --tier TIER\n"
          "       isla keys list   --data DIR\n"
          "       isla keys revoke --data DIR --name NAME\n"
          "       isla keys rotate --data DIR --name NAME\n"
          "\n"
          "API keys of the server on DIR (stored as SHA-256 hashes in DIR/keys.db).\n"
          "add and rotate print the new key on the last line; it cannot be shown\n"
          "again. A running server applies every change within a second.\n"
          "Tiers are configured on the server (isla serve --tiers; default\n" KEYS_DEFAULT_TIERS ").\n",
          f);
}

static void fmt_time(int64_t ms, char out[32])
{
    if (ms <= 0) {
        snprintf(out, 32, "-");
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cmd_keys(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1], *data = NULL, *name = NULL, *tier = NULL, *v;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else if (arg_value(argc, argv, &i, "--data", &v)) {
            data = v;
        } else if (arg_value(argc, argv, &i, "--name", &v)) {
            name = v;
        } else if (arg_value(argc, argv, &i, "--tier", &v)) {
            tier = v;
        } else {
            fprintf(stderr, "isla keys: unknown option '%s' (see isla keys --help)\n", argv[i]);
            return 2;
        }
    }
    bool add = !strcmp(sub, "add"), list = !strcmp(sub, "list"), revoke = !strcmp(sub, "revoke"),
         rotate = !strcmp(sub, "rotate");
    if (!add && !list && !revoke && !rotate) {
        fprintf(stderr, "isla keys: unknown command '%s' (add, list, revoke or rotate)\n", sub);
        return 2;
    }
    if (data == NULL) {
        fprintf(stderr, "isla keys %s: --data is required\n", sub);
        return 2;
    }
    if (!list && name == NULL) {
        fprintf(stderr, "isla keys %s: --name is required\n", sub);
        return 2;
    }
    if (add && tier == NULL) {
        fprintf(stderr, "isla keys add: --tier is required\n");
        return 2;
    }
    if (name != NULL && !keys_valid_name(name)) {
        fprintf(stderr, "isla keys %s: --name '%s': 1 to %d characters of A-Z a-z 0-9 . _ -\n", sub, name,
                KEYS_NAME_MAX);
        return 2;
    }
    if (tier != NULL && !keys_valid_tier(tier)) {
        fprintf(stderr, "isla keys %s: --tier '%s': 1 to %d characters of a-z 0-9 _ -\n", sub, tier, KEYS_TIER_MAX);
        return 2;
    }
    char err[1024], key[KEYS_KEY_LEN + 1];
    keys_db *db = keys_db_open(data, err, sizeof err);
    if (db == NULL) {
        fprintf(stderr, "isla keys: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (list) {
        keys_info *k;
        size_t n;
        if (keys_list(db, &k, &n, err, sizeof err) != KEYS_OK) {
            fprintf(stderr, "isla keys list: %s\n", err);
            rc = 1;
        } else {
            printf("%-24s %-12s %-8s %-20s %-20s %s\n", "NAME", "TIER", "STATUS", "CREATED", "ROTATED", "REVOKED");
            for (size_t i = 0; i < n; i++) {
                char c[32], r[32], x[32];
                fmt_time(k[i].created_ms, c);
                fmt_time(k[i].rotated_ms, r);
                fmt_time(k[i].revoked_ms, x);
                printf("%-24s %-12s %-8s %-20s %-20s %s\n", k[i].name, k[i].tier,
                       k[i].revoked_ms ? "revoked" : "active", c, r, x);
            }
            free(k);
        }
    } else {
        keys_rc r = add      ? keys_add(db, name, tier, key, err, sizeof err)
                    : rotate ? keys_rotate(db, name, key, err, sizeof err)
                             : keys_revoke(db, name, err, sizeof err);
        if (r != KEYS_OK) {
            fprintf(stderr, "isla keys %s: %s\n", sub, err);
            rc = r == KEYS_ERR ? 1 : 2;
        } else if (revoke) {
            fprintf(stderr, "isla keys: revoked '%s'\n", name);
        } else {
            fprintf(stderr, "isla keys: %s '%s'%s%s; the key (shown only now):\n", add ? "added" : "rotated", name,
                    add ? " in tier " : "", add ? tier : "");
            printf("%s\n", key);
        }
    }
    keys_db_close(db);
    return rc;
}
