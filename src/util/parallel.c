#include "util/parallel.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

typedef struct {
    void (*fn)(void *, int);
    void *ctx;
    int i;
} job;

static void *trampoline(void *arg)
{
    job *j = arg;
    j->fn(j->ctx, j->i);
    return NULL;
}

void parallel_run(int n, void (*fn)(void *ctx, int i), void *ctx)
{
    if (n <= 1) {
        fn(ctx, 0);
        return;
    }
    pthread_t *t = malloc((size_t)n * sizeof *t);
    job *jobs = malloc((size_t)n * sizeof *jobs);
    for (int i = 1; i < n; i++) {
        jobs[i] = (job){fn, ctx, i};
        if (pthread_create(&t[i], NULL, trampoline, &jobs[i]) != 0)
            jobs[i].fn = NULL; /* run it inline below instead */
    }
    fn(ctx, 0);
    for (int i = 1; i < n; i++) {
        if (jobs[i].fn)
            pthread_join(t[i], NULL);
        else
            fn(ctx, i);
    }
    free(t);
    free(jobs);
}

