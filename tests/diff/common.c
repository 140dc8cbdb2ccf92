#include "diff.h"

/* ------------------------------------------------------------------ */
/* small helpers                                                        */

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What to remove when giving up (see main). */
char cleanup_dir[4200];

void die(const char *fmt, ...)
{
    if (cleanup_dir[0])
        rm_rf(cleanup_dir);
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL setup: ");
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n0 passed, 1 failed\n");
    fflush(stdout);
    exit(1);
}

void *must_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

void *must_realloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

int fmt_s(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    return n;
}


void sputn(str_t *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2 + 64;
        b->s = must_realloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = 0;
}

void sputs(str_t *b, const char *p) { sputn(b, p, strlen(p)); }

void sprintf_(str_t *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        sputn(b, tmp, (size_t)n);
        return;
    }
    char *big = must_malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sputn(b, big, (size_t)n);
    free(big);
}

void sclear(str_t *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = 0;
}


static uint64_t rnd(rng_t *r)
{
    uint64_t z = (r->x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
uint32_t rnd_below(rng_t *r, uint32_t n) { return n ? (uint32_t)(rnd(r) % n) : 0; }
/* Uniform in [lo, hi]. */
int rnd_range(rng_t *r, int lo, int hi) { return lo + (int)rnd_below(r, (uint32_t)(hi - lo + 1)); }
bool chance(rng_t *r, double p) { return (double)(rnd(r) >> 11) / 9007199254740992.0 < p; }

/* ------------------------------------------------------------------ */
/* the oracle's own calendar: day number k <-> "YYYY-MM-DD"              */

char (*cal)[11];

void cal_init(void)
{
    cal = must_malloc(sizeof *cal * CAL_DAYS);
    int y = 1970, m = 1, d = 1;
    for (int k = 0; k < CAL_DAYS; k++) {
        fmt_s(cal[k], 11, "%04d-%02d-%02d", y, m, d);
        bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int ml = len[m - 1] + (m == 2 && leap);
        if (++d > ml) {
            d = 1;
            if (++m > 12)
                m = 1, y++;
        }
    }
}

int cal_day(const char *ymd)
{
    int lo = 0, hi = CAL_DAYS - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strncmp(cal[mid], ymd, 10);
        if (!c)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    die("date '%.10s' outside the test calendar", ymd);
}

/* ------------------------------------------------------------------ */
/* files and processes                                                  */

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void rm_rf(const char *path) { nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS); }

bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Runs argv with stdout/stderr as given (NULL: inherit); returns the exit
 * status, or -1. */
int run_cmd(char *const argv[], const char *stdout_path)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (stdout_path)
        posix_spawn_file_actions_addopen(&fa, 1, stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* The repository a binary belongs to: the parent of the nearest ancestor
 * directory named "build". */
bool repo_of(const char *bin, char *out, size_t cap)
{
    char real[PATH_MAX];
    if (!realpath(bin, real))
        return false;
    for (;;) {
        char *slash = strrchr(real, '/');
        if (!slash || slash == real)
            return false;
        *slash = 0;
        const char *base = strrchr(real, '/');
        base = base ? base + 1 : real;
        if (!strcmp(base, "build")) {
            char *p = strrchr(real, '/');
            if (!p)
                return false;
            if (p == real)
                p[1] = 0;
            else
                *p = 0;
            fmt_s(out, cap, "%s", real);
            return true;
        }
    }
}
