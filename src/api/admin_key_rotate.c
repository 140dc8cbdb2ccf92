/* POST /api/admin/keys/{name}/rotate: a new key for the same name and tier
 * (answered once: {"name","tier","key"}); the old key stops working at
 * once, and the rate-limit bucket carries over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "keys/keys.h"

void api_admin_key_rotate(const api_call *c, api_response *res)
{
    char name[KEYS_NAME_MAX + 2], err[512], key[KEYS_KEY_LEN + 1];
    snprintf(name, sizeof name, "%.*s", (int)(c->id_len <= KEYS_NAME_MAX ? c->id_len : KEYS_NAME_MAX + 1), c->id);
    if (!keys_valid_name(name)) {
        api_error(res, 400, "invalid_parameter", "name", "a key name is 1 to %d characters of A-Z a-z 0-9 . _ -",
                  KEYS_NAME_MAX);
        return;
    }
    if (c->env == NULL || c->env->data_dir == NULL || !keys_runtime_on()) {
        api_error(res, 503, "keys_disabled", NULL, "this server has no key store (see the log)");
        return;
    }
    keys_db *db = keys_db_open(c->env->data_dir, err, sizeof err);
    if (db == NULL) {
        api_error(res, 500, "keys_error", NULL, "%s", err);
        return;
    }
    keys_rc r = keys_rotate(db, name, key, err, sizeof err);
    char tier[KEYS_TIER_MAX + 1] = "";
    if (r == KEYS_OK) {
        keys_info *k;
        size_t n;
        if (keys_list(db, &k, &n, err, sizeof err) == KEYS_OK) {
            for (size_t i = 0; i < n; i++)
                if (!strcmp(k[i].name, name))
                    snprintf(tier, sizeof tier, "%s", k[i].tier);
            free(k);
        }
    }
    keys_db_close(db);
    if (r == KEYS_NOT_FOUND) {
        api_error(res, 404, "key_not_found", "name", "no active key named '%s'", name);
        return;
    }
    if (r != KEYS_OK) {
        api_error(res, 500, "keys_error", NULL, "%s", err);
        return;
    }
    keys_refresh();
    api_ok_json(res);
    BUF_LIT(&res->body, "{\"name\":");
    buf_put_json_str(&res->body, name, strlen(name));
    BUF_LIT(&res->body, ",\"tier\":");
    buf_put_json_str(&res->body, tier, strlen(tier));
    BUF_LIT(&res->body, ",\"key\":");
    buf_put_json_str(&res->body, key, strlen(key));
    buf_putc(&res->body, '}');
}
