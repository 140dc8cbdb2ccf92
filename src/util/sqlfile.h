/* A SQLite database file of isla's own in the data directory (jobs.db,
 * keys.db): the directory is created if missing, the file opened read-write
 * (created if missing) without SQLite's own mutex (each connection is used
 * under its owner's lock), writers wait up to five seconds for each other
 * instead of failing, and the schema (idempotent SQL) is applied. */
#ifndef ISLA_UTIL_SQLFILE_H
#define ISLA_UTIL_SQLFILE_H

#include <sqlite3.h>
#include <stddef.h>

/* The open connection, or NULL and err ("cannot create DIR: ...", "cannot
 * open PATH: ...", "PATH: what the schema said"). */
sqlite3 *sqlfile_open(const char *data_dir, const char *file, const char *schema, char *err, size_t errlen);

#endif
