/* Outgoing HTTP for background work: JSON POSTs (alert webhooks) and
 * downloads of dumps (import jobs), through libcurl.
 *
 * Why libcurl: receivers and dump servers speak HTTPS, sit behind proxies
 * (HTTPS_PROXY), redirect, and need strict timeouts; a hand-written client
 * would grow into a worse libcurl. Only http and https are allowed, also
 * after a redirect. Every call is bounded: a POST by its timeouts, a
 * download by a low-speed limit (less than 1 KB/s for 30 s ends it) and a
 * stop flag checked as data arrives. A status outside 2xx is a failure
 * whose message names the status. Callers must have called
 * curl_global_init (webclient_init) before starting threads. */
#ifndef ISLA_WEBCLIENT_H
#define ISLA_WEBCLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

void webclient_init(void);
void webclient_cleanup(void);

/* Is s an http:// or https:// URL? */
bool webclient_is_url(const char *s);

bool webclient_post_json(const char *url, const char *body, long connect_timeout_ms, long timeout_ms, char *err,
                         size_t errlen);

/* Writes the body of url to path (created or truncated). progress, if not
 * NULL, is called as data arrives with the bytes so far and the total
 * (-1 when the server did not say). */
bool webclient_download(const char *url, const char *path, void (*progress)(void *ud, uint64_t got, int64_t total),
                        void *ud, const _Atomic bool *stop, char *err, size_t errlen);

/* The outcome of a transfer on c that curl_easy_perform answered with rc
 * (ebuf: its CURLOPT_ERRORBUFFER): true for a 2xx status; else false and
 * err says why (curl's message, or "HTTP status N"). For callers that
 * drive a handle of their own (the alert sender). */
bool webclient_status(CURL *c, CURLcode rc, const char *ebuf, char *err, size_t errlen);

#endif
