/* GET /api/admin/keys: every key (name, tier, state, times; never a key or
 * its hash) and the configured tiers. POST {"name", "tier"}: a new key,
 * answered once in the body (201 {"name","tier","key"}); the tier must be
 * one this server configures. Changes apply at once (keys_refresh). */
#include <stdlib.h>
#include <string.h>

#include "api/admin.h"
#include "keys/keys.h"

void api_admin_keys(const api_call *c, api_response *res)
{
    keys_db *db = admin_keys_open(c, res);
    if (db == NULL)
        return;
    char err[512];
    if (c->req->method_len == 4) { /* POST */
        char *body = admin_body(c, res), *name = NULL, *tier = NULL;
        if (body != NULL && admin_string(body, "name", true, &name, res) &&
            admin_string(body, "tier", true, &tier, res)) {
            char key[KEYS_KEY_LEN + 1];
            if (!keys_valid_name(name)) {
                api_error(res, 400, "invalid_parameter", "name", "name must be 1 to %d characters of A-Z a-z 0-9 . _ -",
                          KEYS_NAME_MAX);
            } else if (keys_tier_find(keys_runtime_tiers(), tier) < 0) {
                api_error(res, 400, "invalid_parameter", "tier", "tier '%.40s' is not configured on this server (see --tiers)",
                          tier);
            } else {
                keys_rc r = keys_add(db, name, tier, key, err, sizeof err);
                if (r == KEYS_OK) {
                    keys_refresh();
                    admin_key_answer(201, name, tier, key, res);
                } else if (r == KEYS_EXISTS) {
                    api_error(res, 409, "key_exists", "name", "%s", err);
                } else if (r == KEYS_BAD_INPUT) {
                    api_error(res, 400, "invalid_parameter", strncmp(err, "tier", 4) ? "name" : "tier", "%s", err);
                } else {
                    api_error(res, 500, "keys_error", NULL, "%s", err);
                }
            }
        }
        free(body);
        free(name);
        free(tier);
        keys_db_close(db);
        return;
    }
    keys_info *k;
    size_t n;
    if (keys_list(db, &k, &n, err, sizeof err) != KEYS_OK) {
        api_error(res, 500, "keys_error", NULL, "%s", err);
        keys_db_close(db);
        return;
    }
    api_ok_json(res);
    buf_t *b = &res->body;
    BUF_LIT(b, "{\"keys\":[");
    for (size_t i = 0; i < n; i++) {
        buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        buf_put_json_str(b, k[i].name, strlen(k[i].name));
        BUF_LIT(b, ",\"tier\":");
        buf_put_json_str(b, k[i].tier, strlen(k[i].tier));
        buf_printf(b, ",\"status\":\"%s\"", k[i].revoked_ms ? "revoked" : "active");
        buf_put_json_ms(b, "createdMs", k[i].created_ms);
        buf_put_json_ms(b, "rotatedMs", k[i].rotated_ms);
        buf_put_json_ms(b, "revokedMs", k[i].revoked_ms);
        buf_putc(b, '}');
    }
    BUF_LIT(b, "],\"tiers\":[");
    const keys_tiers *t = keys_runtime_tiers();
    for (unsigned i = 0; i < t->n; i++) {
        buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        buf_put_json_str(b, t->t[i].name, strlen(t->t[i].name));
        BUF_LIT(b, ",\"rateLimit\":");
        buf_put_json_str(b, t->t[i].rate_text, strlen(t->t[i].rate_text));
        buf_printf(b, ",\"burst\":%.0f}", t->t[i].rate_per_s > 0 ? t->t[i].burst : 0.0);
    }
    BUF_LIT(b, "]}");
    free(k);
    keys_db_close(db);
}
