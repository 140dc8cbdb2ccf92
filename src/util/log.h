/* The operational log: one line per event on stderr ("isla: ..."), for
 * people and log shippers. Each line is one write(2), so lines from several
 * threads never interleave. The access log (util/accesslog.c) is separate:
 * it is JSON, may go to a file, and may be sampled. */
#ifndef ISLA_LOG_H
#define ISLA_LOG_H

void oplog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
