/* Client-library check for `isla load` (docs/BENCHMARKS.md): h2o 2.2.5's
 * HTTP/1 client (h2o_http1client_connect_with_pool over its evloop, a
 * socket pool for keep-alive) in a closed loop of C concurrent requests for
 * S seconds. Prints requests/s and client CPU time per request.
 *   cc -O2 -DH2O_USE_LIBUV=0 h2o_http1client.c -lh2o-evloop -lssl -lcrypto -lpthread -o h2o_http1client
 *   ./h2o_http1client HOST PORT PATH C S */
#include <arpa/inet.h>
#include <h2o.h>
#include <h2o/http1client.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static h2o_http1client_ctx_t ctx;
static h2o_socketpool_t pool;
static h2o_iovec_t req;
static long done, errors;
static int stop;

static void start(void);

static int on_body(h2o_http1client_t *c, const char *err)
{
    if (err && err != h2o_http1client_error_is_eos) {
        errors++;
        if (!stop)
            start();
        return -1;
    }
    h2o_buffer_consume(&c->sock->input, c->sock->input->size);
    if (err == h2o_http1client_error_is_eos) {
        done++;
        if (!stop)
            start();
    }
    return 0;
}

static h2o_http1client_body_cb on_head(h2o_http1client_t *c, const char *err, int minor, int status, h2o_iovec_t msg,
                                       h2o_header_t *h, size_t nh, int rlen)
{
    (void)c, (void)minor, (void)status, (void)msg, (void)h, (void)nh, (void)rlen;
    if (err) {
        errors++;
        if (!stop)
            start();
        return NULL;
    }
    return on_body;
}

static h2o_http1client_head_cb on_connect(h2o_http1client_t *c, const char *err, h2o_iovec_t **reqbufs,
                                          size_t *reqbufcnt, int *method_is_head)
{
    (void)c;
    if (err) {
        errors++;
        return NULL;
    }
    *reqbufs = &req;
    *reqbufcnt = 1;
    *method_is_head = 0;
    return on_head;
}

static void start(void)
{
    h2o_http1client_connect_with_pool(NULL, NULL, &ctx, &pool, on_connect);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 6)
        return 2;
    int c = atoi(argv[4]);
    double secs = atof(argv[5]);
    char buf[2048];
    snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: %s:%s\r\n\r\n", argv[3], argv[1], argv[2]);
    req = h2o_iovec_init(buf, strlen(buf));
    h2o_evloop_t *loop = h2o_evloop_create();
    h2o_timeout_t io;
    h2o_timeout_init(loop, &io, 10000);
    ctx.loop = loop;
    ctx.io_timeout = &io;
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    inet_pton(AF_INET, argv[1], &sin.sin_addr);
    h2o_socketpool_init_by_address(&pool, (struct sockaddr *)&sin, sizeof sin, 0, (size_t)c);
    h2o_socketpool_set_timeout(&pool, loop, 10000);
    for (int i = 0; i < c; i++)
        start();
    double t0 = now(), end = t0 + secs;
    while (now() < end)
        h2o_evloop_run(loop, 100);
    stop = 1;
    double t = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("h2o-http1client: %ld requests in %.2f s = %.0f/s, %ld errors, client CPU %.2f s = %.1f us/request\n", done,
           t, done / t, errors, cpu, cpu * 1e6 / (double)(done ? done : 1));
    return 0;
}
