/* Client-library check for `isla load` (docs/BENCHMARKS.md): libcurl's multi
 * interface in a closed loop, C connections each re-sending one GET as soon
 * as the previous answer is in, for S seconds. Prints requests/s and the
 * client's CPU time per request (user+sys), the figure that decides how
 * many requests one generator core can drive.
 *   cc -O2 curl_multi.c -lcurl -o curl_multi && ./curl_multi URL C S */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static size_t sink(char *p, size_t s, size_t n, void *u)
{
    (void)p, (void)u;
    return s * n;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    int c = atoi(argv[2]);
    double secs = atof(argv[3]);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)c);
    for (int i = 0; i < c; i++) {
        CURL *e = curl_easy_init();
        curl_easy_setopt(e, CURLOPT_URL, argv[1]);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_multi_add_handle(m, e);
    }
    long done = 0, errors = 0;
    double t0 = now(), end = t0 + secs;
    int running = 1;
    while (now() < end) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *e = msg->easy_handle;
            if (msg->data.result == CURLE_OK)
                done++;
            else
                errors++;
            curl_multi_remove_handle(m, e);
            curl_multi_add_handle(m, e); /* same handle: keeps its connection */
        }
        curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    double t = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
    printf("curl-multi: %ld requests in %.2f s = %.0f/s, %ld errors, client CPU %.2f s = %.1f us/request\n", done, t,
           done / t, errors, cpu, cpu * 1e6 / (double)(done ? done : 1));
    return 0;
}
