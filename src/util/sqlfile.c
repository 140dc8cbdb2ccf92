#include "util/sqlfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

sqlite3 *sqlfile_open(const char *data_dir, const char *file, const char *schema, char *err, size_t errlen)
{
    if (mkdir(data_dir, 0755) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", data_dir, strerror(errno));
        return NULL;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", data_dir, file);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    /* Writers (the CLI, the admin API, the job workers) wait for each
     * other instead of failing. */
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, msg ? msg : "cannot create the table");
        sqlite3_free(msg);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}
