/* DELETE /api/admin/keys/{name}: revokes the key; requests with it get 401
 * from now on (keys_refresh applies it before this answer). */
#include <string.h>

#include "api/admin.h"
#include "keys/keys.h"

void api_admin_key(const api_call *c, api_response *res)
{
    char name[KEYS_NAME_MAX + 2], err[512];
    if (!admin_key_name(c, name, res))
        return;
    keys_db *db = admin_keys_open(c, res);
    if (db == NULL)
        return;
    keys_rc r = keys_revoke(db, name, err, sizeof err);
    keys_db_close(db);
    if (admin_keys_failed(r, name, err, res))
        return;
    keys_refresh();
    api_ok_json(res);
    BUF_LIT(&res->body, "{\"name\":");
    buf_put_json_str(&res->body, name, strlen(name));
    BUF_LIT(&res->body, ",\"status\":\"revoked\"}");
}
