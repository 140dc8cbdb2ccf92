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
    if (!admin_key_name(c, name, res))
        return;
    keys_db *db = admin_keys_open(c, res);
    if (db == NULL)
        return;
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
    if (admin_keys_failed(r, name, err, res))
        return;
    keys_refresh();
    admin_key_answer(200, name, tier, key, res);
}
