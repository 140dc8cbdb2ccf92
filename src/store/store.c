/* Writing, publishing, opening and verifying store generations.
 *
 * Crash safety: a generation is written under DIR/.tmp-PID-N, fsynced, then
 * renamed to DIR/gen-N and only then named by DIR/CURRENT (itself replaced
 * by rename). A crash at any point leaves either the old CURRENT or the new
 * one, and at worst a stray .tmp directory or a gen-N newer than CURRENT.
 * A failed import removes what it wrote; what a killed one left is removed
 * by the next import, which holds DIR/.import.lock (store_import_lock) and
 * so knows that no other import is alive to own it.
 *
 * Opening validates the structure (section bounds, run and group ranges,
 * dictionary sizes) always, and the CRC of every section when asked, so a
 * truncated or corrupted file is refused instead of served.
 *
 * Size (~850 lines, over the project's ~800): the writer, the validator and
 * the reader of one file format are kept in one file on purpose, because
 * they must agree byte for byte; the section list itself is one table in
 * store.h. */
#include "store/store.h"

#include "util/checksum.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STORE_MAGIC "ISLAGEN1"
#define STORE_VERSION 10
#define HEADER_SIZE 4096
#define SECTION_ALIGN 64

#define SEC_COUNT STORE_SEC_COUNT

typedef struct {
    uint64_t offset, length;
    uint32_t crc, pad;
} section_entry;

typedef struct {
    char magic[8];
    uint32_t version, header_size;
    STORE_COUNTS(STORE_COUNT_FIELD_)
    store_import_stats stats;
    uint8_t dict_len[STORE_DICT_COUNT];
    uint32_t n_sections;
    section_entry sec[SEC_COUNT];
    uint32_t header_crc;      /* CRC-32 of all bytes before this field */
} file_header;

_Static_assert(sizeof(file_header) <= HEADER_SIZE, "header fits its page");
_Static_assert(sizeof(store_detail) == 16, "detail record is 16 bytes");

_Static_assert(sizeof(store_dict_table) == STORE_DICT_COUNT * 256 * STORE_DICT_STRLEN, "256 values a dictionary");

/* Sections store_warm leaves out (LAZY and COLD), and those
 * store_drop_cold_pages lets go (COLD): store.h. */
#define IS_COLD_HOT 0
#define IS_COLD_LAZY 1
#define IS_COLD_COLD 1
#define COLD_(NAME, field, type, count, temp) [STORE_SEC_##NAME] = IS_COLD_##temp,
static const bool SECTION_COLD[SEC_COUNT] = {STORE_SECTIONS(COLD_)};
#define IS_DROP_HOT 0
#define IS_DROP_LAZY 0
#define IS_DROP_COLD 1
#define DROP_(NAME, field, type, count, temp) [STORE_SEC_##NAME] = IS_DROP_##temp,
static const bool SECTION_DROP[SEC_COUNT] = {STORE_SECTIONS(DROP_)};
#define NAME_(NAME, field, type, count, temp) [STORE_SEC_##NAME] = #field,
static const char *const SECTION_NAME[SEC_COUNT] = {STORE_SECTIONS(NAME_)};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int r = fsync(fd);
    close(fd);
    return r;
}

/* Writing and verifying a generation run on all cores (util/checksum.h):
 * every section is one span with its own checksum. Verifying (write NULL)
 * reads the hot sections through the mapping, which maps them as
 * store_warm would (a verified store needs no store_warm), and the cold ones with
 * pread, which leaves them out of the process's resident memory. */
static int checksum_sections(int fd, const section_entry *sec, const void *const *write, const char *map,
                             uint32_t sum[SEC_COUNT])
{
    checksum_span span[SEC_COUNT];
    for (int i = 0; i < SEC_COUNT; i++) {
        checksum_how how = write ? CHECKSUM_WRITE : SECTION_COLD[i] ? CHECKSUM_READ : CHECKSUM_MAPPED;
        span[i] = (checksum_span){how, write ? write[i] : map + sec[i].offset, sec[i].offset, sec[i].length, 0};
    }
    int err = checksum_spans(fd, span, SEC_COUNT);
    for (int i = 0; i < SEC_COUNT; i++)
        sum[i] = span[i].sum;
    return err;
}

/* Byte length of every section of c. The writer and the validator both
 * use it. */
static void section_lengths(uint64_t len[SEC_COUNT], const store_columns *c)
{
#define LEN_(NAME, field, type, count, temp) len[STORE_SEC_##NAME] = (uint64_t)(count) * sizeof(type);
    STORE_SECTIONS(LEN_)
#undef LEN_
}

static int remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return unlink(path);
    struct dirent *e;
    char sub[4200];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        if (e->d_type == DT_DIR)
            remove_tree(sub);
        else
            unlink(sub);
    }
    closedir(d);
    return rmdir(path);
}

void store_discard_tmp(const char *tmpdir)
{
    if (tmpdir && tmpdir[0])
        remove_tree(tmpdir);
}

int store_write_tmp(const char *dir, const store_image *img, char *tmpdir, size_t tmplen,
                    char *err, size_t errlen)
{
    static atomic_uint seq;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        set_err(err, errlen, "cannot create data directory %s: %s", dir, strerror(errno));
        return -1;
    }
    snprintf(tmpdir, tmplen, "%s/.tmp-%ld-%u", dir, (long)getpid(), atomic_fetch_add(&seq, 1));
    if (mkdir(tmpdir, 0755) < 0) {
        set_err(err, errlen, "cannot create %s: %s", tmpdir, strerror(errno));
        return -1;
    }
    uint64_t len[SEC_COUNT];
    section_lengths(len, img);
    file_header *h = calloc(1, HEADER_SIZE);
    if (!h) {
        set_err(err, errlen, "out of memory");
        rmdir(tmpdir);
        return -1;
    }
    memcpy(h->magic, STORE_MAGIC, 8);
    h->version = STORE_VERSION;
    h->header_size = HEADER_SIZE;
#define COPY_COUNT_(f) h->f = img->f;
    STORE_COUNTS(COPY_COUNT_)
#undef COPY_COUNT_
    h->stats = img->stats;
    memcpy(h->dict_len, img->dict_len, sizeof h->dict_len);
    h->n_sections = SEC_COUNT;
    uint64_t off = HEADER_SIZE;
    for (int i = 0; i < SEC_COUNT; i++) {
        h->sec[i].offset = off;
        h->sec[i].length = len[i];
        off += (len[i] + SECTION_ALIGN - 1) / SECTION_ALIGN * SECTION_ALIGN;
    }

    char path[4200];
    snprintf(path, sizeof path, "%s/offers.isla", tmpdir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = -1;
    if (fd < 0) {
        set_err(err, errlen, "cannot create %s: %s", path, strerror(errno));
        goto out;
    }
    /* the gaps between sections stay holes, which read as zeros */
    if (ftruncate(fd, (off_t)off) < 0)
        goto werr;
    uint32_t crc[SEC_COUNT];
    int e = checksum_sections(fd, h->sec, img->section, NULL, crc);
    if (e) {
        errno = e;
        goto werr;
    }
    for (int i = 0; i < SEC_COUNT; i++)
        h->sec[i].crc = crc[i];
    h->header_crc = (uint32_t)libdeflate_crc32(0, h, offsetof(file_header, header_crc));
    if (pwrite(fd, h, HEADER_SIZE, 0) != HEADER_SIZE || fsync(fd) < 0)
        goto werr;
    rc = 0;
    goto out;
werr:
    set_err(err, errlen, "cannot write %s: %s", path, strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    free(h);
    if (rc < 0) /* a full disk must not stay full because of us */
        store_discard_tmp(tmpdir);
    return rc;
}

/* Generation number of a directory entry named gen-N, or 0. */
static uint64_t gen_number(const char *name)
{
    if (strncmp(name, "gen-", 4) != 0 || !name[4])
        return 0;
    char *end;
    unsigned long long v = strtoull(name + 4, &end, 10);
    return *end ? 0 : v;
}

static uint64_t read_current(const char *dir)
{
    char path[4200], buf[64] = {0};
    snprintf(path, sizeof path, "%s/CURRENT", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    if (!fgets(buf, sizeof buf, f))
        buf[0] = 0;
    fclose(f);
    buf[strcspn(buf, "\r\n")] = 0;
    return gen_number(buf);
}

/* Removes generations older than `keep_from`. A server still mapping a
 * removed file keeps its mapping (unlink does not invalidate mmap), so this
 * never breaks one. */
static void cleanup(const char *dir, uint64_t keep_from)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d))) {
        uint64_t g = gen_number(e->d_name);
        if (g && g < keep_from) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove_tree(path);
        }
    }
    closedir(d);
}

int store_import_lock(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        set_err(err, errlen, "cannot create data directory %s: %s", dir, strerror(errno));
        return -1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/.import.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        char who[32] = "";
        ssize_t n = pread(fd, who, sizeof who - 1, 0);
        who[n > 0 ? n : 0] = 0;
        who[strcspn(who, "\r\n")] = 0;
        close(fd);
        if (e == EWOULDBLOCK)
            set_err(err, errlen,
                    "another import into %s is running (pid %s): imports into one data directory run one "
                    "at a time; nothing was done, run this one again when that one has finished",
                    dir, who[0] ? who : "unknown");
        else
            set_err(err, errlen, "cannot lock %s: %s", path, strerror(e));
        return -1;
    }
    /* Who holds it, for the message above; the lock itself is the flock. */
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)n, 0) != n) {
        /* only the message loses its pid */
    }
    return fd;
}

void store_import_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

int store_remove_leftovers(const char *dir, char *removed, size_t removed_len)
{
    uint64_t cur = read_current(dir);
    DIR *d = opendir(dir);
    int count = 0;
    size_t o = 0;
    if (removed_len)
        removed[0] = 0;
    if (!d)
        return 0;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d))) {
        uint64_t g = gen_number(e->d_name);
        /* a .tmp directory of an import that died, a generation renamed into
         * place whose import died before switching CURRENT (never served),
         * and a CURRENT.tmp that was never renamed. Without a readable
         * CURRENT no generation is called an orphan: that is a directory
         * for an operator to repair, not to empty. */
        bool dead = !strncmp(e->d_name, ".tmp-", 5) || (cur && g > cur) || !strcmp(e->d_name, "CURRENT.tmp");
        if (!dead)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (remove_tree(path) == 0 || errno == ENOENT) {
            count++;
            if (o < removed_len)
                o += (size_t)snprintf(removed + o, removed_len - o, "%s%s", o ? ", " : "", e->d_name);
        }
    }
    closedir(d);
    return count;
}

static uint64_t publish(const char *dir, const char *tmpdir, uint64_t as, char *err, size_t errlen);

uint64_t store_publish(const char *dir, const char *tmpdir, char *err, size_t errlen)
{
    return publish(dir, tmpdir, 0, err, errlen);
}

uint64_t store_publish_as(const char *dir, const char *tmpdir, uint64_t generation, char *err, size_t errlen)
{
    if (generation == 0) {
        set_err(err, errlen, "generation 0 cannot be published");
        return 0;
    }
    return publish(dir, tmpdir, generation, err, errlen);
}

uint64_t store_current_generation(const char *dir)
{
    return read_current(dir);
}

static uint64_t publish(const char *dir, const char *tmpdir, uint64_t as, char *err, size_t errlen)
{
    char path[4200], target[4200];
    snprintf(path, sizeof path, "%s/.lock", dir);
    int lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock < 0 || flock(lock, LOCK_EX) < 0) {
        set_err(err, errlen, "cannot lock %s: %s", path, strerror(errno));
        if (lock >= 0)
            close(lock);
        return 0;
    }
    uint64_t newest = 0, gen = 0, previous = read_current(dir);
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            uint64_t g = gen_number(e->d_name);
            if (g > newest)
                newest = g;
        }
        closedir(d);
    }
    gen = as ? as : newest + 1;
    snprintf(target, sizeof target, "%s/gen-%012llu", dir, (unsigned long long)gen);
    if (as != 0) {
        /* A replica publishes under the builder's number. A directory of
         * that name can only be a leftover (CURRENT never names a
         * generation older than what is being published). */
        if (as == previous) {
            set_err(err, errlen, "generation %llu is already the current one", (unsigned long long)as);
            gen = 0;
            goto out;
        }
        remove_tree(target);
    }
    if (rename(tmpdir, target) < 0) {
        set_err(err, errlen, "cannot rename %s to %s: %s", tmpdir, target, strerror(errno));
        gen = 0;
        goto out;
    }
    fsync_dir(dir);
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/CURRENT.tmp", dir);
    FILE *f = fopen(tmp, "w");
    bool bad = !f || fprintf(f, "gen-%012llu\n", (unsigned long long)gen) < 0 || fflush(f) != 0 ||
               fsync(fileno(f)) < 0;
    if (f && fclose(f) != 0)
        bad = true;
    if (bad) {
        set_err(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto unpublish;
    }
    snprintf(path, sizeof path, "%s/CURRENT", dir);
    if (rename(tmp, path) < 0) {
        set_err(err, errlen, "cannot replace %s: %s", path, strerror(errno));
        goto unpublish;
    }
    fsync_dir(dir);
    /* Keep the new generation and the one served until now (a server that
     * has not reloaded yet may still open it again after a restart). */
    cleanup(dir, previous ? previous : gen);
out:
    close(lock);
    return gen;
unpublish:
    /* CURRENT still names the previous generation: the new one was never
     * served, so it goes, and so does the half-written CURRENT.tmp. */
    unlink(tmp);
    remove_tree(target);
    gen = 0;
    goto out;
}

static int validate(store_t *s, const file_header *h, char *err, size_t errlen)
{
    if (h->n_sections != SEC_COUNT) {
        set_err(err, errlen, "unexpected section count %u", h->n_sections);
        return -1;
    }
#define COPY_COUNT_(f) s->f = h->f;
    STORE_COUNTS(COPY_COUNT_)
#undef COPY_COUNT_
    s->names_len = h->sec[STORE_SEC_NAMES].length; /* free-form: its section says */
    uint64_t want[SEC_COUNT];
    section_lengths(want, &s->cols);
    for (int i = 0; i < SEC_COUNT; i++) {
        const section_entry *e = &h->sec[i];
        if (e->offset % SECTION_ALIGN || e->offset > s->map_len || e->length > s->map_len - e->offset ||
            e->length != want[i]) {
            set_err(err, errlen, "section %d out of bounds or of the wrong size (file truncated?)", i);
            return -1;
        }
    }
    /* the writer ends the file at the last section rounded up to the
     * alignment: a cut inside that padding is still a cut file */
    const section_entry *last = &h->sec[SEC_COUNT - 1];
    if (s->map_len != last->offset + (last->length + SECTION_ALIGN - 1) / SECTION_ALIGN * SECTION_ALIGN) {
        set_err(err, errlen, "file is %zu bytes, its sections end at %llu (file truncated?)", s->map_len,
                (unsigned long long)(last->offset + (last->length + SECTION_ALIGN - 1) / SECTION_ALIGN * SECTION_ALIGN));
        return -1;
    }
    /* Room and zone ids share their byte with other bits. (Ids read from a
     * corrupt column still index inside the 256-entry tables.) */
    if (h->dict_len[STORE_DICT_ROOM] > 128 || h->dict_len[STORE_DICT_ZONE] > STORE_ZONE_MAX + 1) {
        set_err(err, errlen, "dictionary too large");
        return -1;
    }
    const char *base = s->map;
    for (int i = 0; i < SEC_COUNT; i++)
        s->section[i] = base + h->sec[i].offset;
    memcpy(s->dict_len, h->dict_len, sizeof s->dict_len);
    s->stats = h->stats;
    /* The ranges every search trusts without checking. */
    for (uint32_t i = 0; i < s->n_hotels; i++) {
        const store_hotel *ht = &s->hotels[i];
        if ((uint64_t)ht->name_off + ht->name_len > s->names_len || (i && ht->id <= s->hotels[i - 1].id) ||
            (ht->dest != STORE_NO_DEST && ht->dest >= s->dict_len[STORE_DICT_AIRPORT])) {
            set_err(err, errlen, "hotel table corrupt at entry %u", i);
            return -1;
        }
    }
    uint64_t next_run = 0;
    for (uint32_t g = 0; g < s->n_groups; g++) {
        const store_group *gr = &s->groups[g];
        /* strictly ascending (adults, children, nights, dest): the binary
         * searches of query.c rely on it */
        uint64_t key = (uint64_t)gr->adults << 32 | (uint64_t)gr->children << 24 | (uint64_t)gr->nights << 8 | gr->dest;
        const store_group *pg = g ? &s->groups[g - 1] : NULL;
        uint64_t prev = pg ? (uint64_t)pg->adults << 32 | (uint64_t)pg->children << 24 | (uint64_t)pg->nights << 8 | pg->dest
                           : 0;
        if (gr->first_run != next_run || (uint64_t)gr->first_run + gr->run_count > s->n_runs ||
            (pg && key <= prev) || gr->dest >= s->dict_len[STORE_DICT_AIRPORT] || gr->run_count == 0) {
            set_err(err, errlen, "group table corrupt at entry %u", g);
            return -1;
        }
        for (uint32_t r = gr->first_run + 1; r < gr->first_run + gr->run_count; r++)
            if (s->runs[r].hotel <= s->runs[r - 1].hotel) {
                set_err(err, errlen, "runs of group %u are not in hotel order", g);
                return -1;
            }
        next_run += gr->run_count;
    }
    /* runs: their lanes tile their run-order positions, which tile [0, n_offers) */
    uint64_t next_pos = 0, next_lane = 0;
    for (uint32_t r = 0; r < s->n_runs; r++) {
        const store_run *run = &s->runs[r];
        if (run->start != next_pos || run->hotel >= s->n_hotels || run->count == 0 ||
            run->first_lane != next_lane || run->n_lanes == 0 || run->n_lanes > s->n_lanes - next_lane ||
            run->best >= s->n_offers || run->min_day > run->max_day) {
            set_err(err, errlen, "run table corrupt at entry %u", r);
            return -1;
        }
        uint64_t at = run->start;
        for (uint32_t l = run->first_lane; l < run->first_lane + run->n_lanes; l++) {
            if (s->lanes[l].start != at || s->lanes[l].count == 0) {
                set_err(err, errlen, "lane table corrupt at entry %u", l);
                return -1;
            }
            at += s->lanes[l].count;
        }
        if (at != (uint64_t)run->start + run->count) {
            set_err(err, errlen, "lanes of run %u do not cover it", r);
            return -1;
        }
        next_pos += run->count;
        next_lane += run->n_lanes;
    }
    /* groups: their segments tile their offers, which tile [0, n_offers);
     * a segment's cells tile it (slots and run_offers: see store_run_offer) */
    uint64_t next_offer = 0, next_seg = 0, next_cell = 0;
    for (uint32_t g = 0; g < s->n_groups; g++) {
        const store_group *gr = &s->groups[g];
        if (gr->start != next_offer || gr->first_seg != next_seg || gr->n_segs == 0 ||
            gr->n_segs > s->n_segs - next_seg) {
            set_err(err, errlen, "group table corrupt at entry %u", g);
            return -1;
        }
        uint64_t at = gr->start;
        for (uint32_t k = gr->first_seg; k < gr->first_seg + gr->n_segs; k++) {
            const store_seg *sg = &s->segs[k];
            if (sg->start != at || sg->count == 0 || sg->first_cell != next_cell || sg->n_cells == 0 ||
                sg->n_cells > s->n_cells - next_cell || (k > gr->first_seg && sg->airport <= sg[-1].airport)) {
                set_err(err, errlen, "segment table corrupt at entry %u", k);
                return -1;
            }
            for (uint32_t c = sg->first_cell; c < sg->first_cell + sg->n_cells; c++)
                if (s->cell_start[c] < (c == sg->first_cell ? sg->start : s->cell_start[c - 1] + 1) ||
                    s->cell_start[c] >= (uint64_t)sg->start + sg->count ||
                    (c > sg->first_cell && s->cell_day[c] <= s->cell_day[c - 1]) ||
                    (c == sg->first_cell && s->cell_start[c] != sg->start)) {
                    set_err(err, errlen, "cell index corrupt at entry %u", c);
                    return -1;
                }
            at += sg->count;
            next_cell += sg->n_cells;
        }
        if (at != (uint64_t)gr->start + gr->count || at > s->n_offers) {
            set_err(err, errlen, "segments of group %u do not cover it", g);
            return -1;
        }
        next_offer = at;
        next_seg += gr->n_segs;
    }
    /* week indexes: each group's week starts tile WEEK_START, their entries
     * tile WEEKS, and every entry names an offer */
    uint64_t next_ws = 0, next_we = 0;
    for (uint32_t g = 0; g < s->n_groups; g++) {
        const store_group *gr = &s->groups[g];
        if (!gr->n_weeks)
            continue;
        if (gr->week_start != next_ws || (uint64_t)gr->n_weeks + 1 > s->n_week_starts - next_ws) {
            set_err(err, errlen, "week index of group %u corrupt", g);
            return -1;
        }
        for (uint32_t w = 0; w <= gr->n_weeks; w++) {
            uint32_t at = s->week_start[gr->week_start + w];
            if ((w == 0 && at != next_we) || (w > 0 && at < s->week_start[gr->week_start + w - 1]) ||
                at > s->n_weeks) {
                set_err(err, errlen, "week index of group %u corrupt", g);
                return -1;
            }
        }
        next_we = s->week_start[gr->week_start + gr->n_weeks];
        next_ws += (uint64_t)gr->n_weeks + 1;
    }
    if (next_ws != s->n_week_starts || next_we != s->n_weeks) {
        set_err(err, errlen, "week index does not match the groups");
        return -1;
    }
    for (uint32_t k = 0; k < s->n_weeks; k++)
        if (s->weeks[k].best >= s->n_offers) {
            set_err(err, errlen, "week index entry %u corrupt", k);
            return -1;
        }
    if (next_seg != s->n_segs || next_cell != s->n_cells || next_pos != s->n_offers) {
        set_err(err, errlen, "segment, cell or run index does not match the offers");
        return -1;
    }
    for (uint32_t k = 0; k < s->n_dest_names; k++)
        if (s->dest_names[k].dest >= s->dict_len[STORE_DICT_AIRPORT] ||
            !memchr(s->dest_names[k].name, 0, sizeof s->dest_names[k].name)) {
            set_err(err, errlen, "destination name %u corrupt", k);
            return -1;
        }
    /* the hotel -> runs index: every run once, under its own hotel */
    if (s->hotel_run_first[0] != 0 || s->hotel_run_first[s->n_hotels] != s->n_runs) {
        set_err(err, errlen, "hotel run index does not cover the runs");
        return -1;
    }
    for (uint32_t h = 0; h < s->n_hotels; h++) {
        uint32_t a = s->hotel_run_first[h], b = s->hotel_run_first[h + 1];
        if (b < a || b > s->n_runs) {
            set_err(err, errlen, "hotel run index corrupt at hotel %u", h);
            return -1;
        }
        for (uint32_t k = a; k < b; k++)
            if (s->hotel_runs[k] >= s->n_runs || s->runs[s->hotel_runs[k]].hotel != h ||
                (k > a && s->hotel_runs[k] <= s->hotel_runs[k - 1])) {
                set_err(err, errlen, "hotel run index corrupt at entry %u", k);
                return -1;
            }
    }
    if (next_lane != s->n_lanes) {
        set_err(err, errlen, "lane index does not match the runs");
        return -1;
    }
    if (next_run != s->n_runs || next_offer != s->n_offers) {
        set_err(err, errlen, "directory does not cover all offers");
        return -1;
    }
    return 0;
}

/* Checks every section's CRC on all cores (see checksum_sections): the hot
 * sections are read through the mapping, so the pass is also the warm-up
 * (~1.4 GB at 100M offers: reading and mapping them once instead of twice
 * is most of what it saves, docs/BENCHMARKS.md, issue 13); the cold ones
 * with pread, as searches never read them. The file must be as long as
 * its sections (store_open_generation's validation checks that first). */
int store_verify(const store_t *s, char *err, size_t errlen)
{
    const file_header *h = s->map;
    char path[4200];
    snprintf(path, sizeof path, "%s/offers.isla", s->path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    uint32_t crc[SEC_COUNT];
    int e = checksum_sections(fd, h->sec, NULL, s->map, crc);
    close(fd);
    if (e) {
        set_err(err, errlen, "cannot read %s: %s", path, e == EIO ? "file truncated" : strerror(e));
        return -1;
    }
    for (int i = 0; i < SEC_COUNT; i++)
        if (crc[i] != h->sec[i].crc) {
            set_err(err, errlen, "checksum mismatch in section %d (%s) of %s: the file is damaged", i,
                    SECTION_NAME[i], path);
            return -1;
        }
    return 0;
}

store_t *store_open_generation(const char *gen_dir, bool verify, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/offers.isla", gen_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_err(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        set_err(err, errlen, "cannot stat %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    if ((size_t)st.st_size < HEADER_SIZE) {
        set_err(err, errlen, "%s is truncated (%lld bytes)", path, (long long)st.st_size);
        close(fd);
        return NULL;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        set_err(err, errlen, "cannot map %s: %s", path, strerror(errno));
        return NULL;
    }
    store_t *s = calloc(1, sizeof *s);
    s->map = map;
    s->map_len = (size_t)st.st_size;
    atomic_init(&s->refs, 1);
    snprintf(s->path, sizeof s->path, "%s", gen_dir);
    const char *slash = strrchr(gen_dir, '/');
    s->generation = gen_number(slash ? slash + 1 : gen_dir);
    const file_header *h = map;
    if (memcmp(h->magic, STORE_MAGIC, 8) != 0 || h->version != STORE_VERSION) {
        set_err(err, errlen, "%s is not an isla store of version %d", path, STORE_VERSION);
        goto fail;
    }
    if (libdeflate_crc32(0, h, offsetof(file_header, header_crc)) != h->header_crc) {
        set_err(err, errlen, "%s: header checksum mismatch", path);
        goto fail;
    }
    if (validate(s, h, err, errlen) < 0) {
        /* A damaged byte usually fails a structure check before the
         * checksums are read. Once the sections are placed (the bounds
         * checks passed), the checksums say more: which section is
         * damaged, and that the file is, not its writer. */
        char why[1024];
        snprintf(why, sizeof why, "%s", errlen ? err : "");
        if (!verify || !s->section[0] || store_verify(s, err, errlen) == 0)
            snprintf(err, errlen, "%s", why);
        goto fail;
    }
    if (verify && store_verify(s, err, errlen) < 0)
        goto fail;
    madvise(map, s->map_len, MADV_RANDOM);
    return s;
fail:
    munmap(map, s->map_len);
    free(s);
    return NULL;
}

int store_current_offers(const char *dir, uint64_t *generation, uint64_t *offers)
{
    uint64_t gen = read_current(dir);
    if (!gen)
        return -1;
    char path[4200];
    snprintf(path, sizeof path, "%s/gen-%012llu/offers.isla", dir, (unsigned long long)gen);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    file_header *h = malloc(HEADER_SIZE);
    bool ok = h && pread(fd, h, HEADER_SIZE, 0) == HEADER_SIZE && !memcmp(h->magic, STORE_MAGIC, 8) &&
              h->version == STORE_VERSION &&
              libdeflate_crc32(0, h, offsetof(file_header, header_crc)) == h->header_crc;
    close(fd);
    if (ok) {
        *generation = gen;
        *offers = h->n_offers;
    }
    free(h);
    return ok ? 0 : -1;
}

store_t *store_open(const char *dir, bool verify, char *err, size_t errlen)
{
    uint64_t gen = read_current(dir);
    if (!gen) {
        set_err(err, errlen, "no generation in %s yet (run isla import)", dir);
        return NULL;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/gen-%012llu", dir, (unsigned long long)gen);
    return store_open_generation(path, verify, err, errlen);
}

void store_retain(store_t *s)
{
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void store_release(store_t *s)
{
    if (s && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
        void *a = atomic_load_explicit(&s->attachment, memory_order_acquire);
        if (a && s->attachment_free)
            s->attachment_free(a);
        munmap(s->map, s->map_len);
        free(s);
    }
}

void *store_attachment(const store_t *s)
{
    return atomic_load_explicit(&((store_t *)s)->attachment, memory_order_acquire);
}

bool store_attach(store_t *s, void *p, void (*free_fn)(void *))
{
    void *expected = NULL;
    /* free_fn is the same for every attacher; set it before publishing */
    s->attachment_free = free_fn;
    return atomic_compare_exchange_strong_explicit(&s->attachment, &expected, p, memory_order_acq_rel,
                                                   memory_order_acquire);
}

void store_warm(const store_t *s)
{
    const file_header *h = s->map;
    long page = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < SEC_COUNT; i++) {
        if (SECTION_COLD[i])
            continue;
        const section_entry *e = &h->sec[i];
        uintptr_t from = ((uintptr_t)s->map + e->offset) & ~((uintptr_t)page - 1);
        uintptr_t to = (uintptr_t)s->map + e->offset + e->length;
        if (to <= from)
            continue;
        if (madvise((void *)from, to - from, MADV_POPULATE_READ) == 0)
            continue;
        /* kernels before 5.14: touch one byte per page instead (at 100M
         * offers 80 ms where the madvise takes 67) */
        volatile const char *p = (const char *)from;
        for (uintptr_t a = from; a < to; a += (uintptr_t)page)
            (void)p[a - from];
    }
}

void store_drop_cold_pages(const store_t *s)
{
    const file_header *h = s->map;
    long page = sysconf(_SC_PAGESIZE);
    for (int i = 0; i < SEC_COUNT; i++) {
        if (!SECTION_DROP[i])
            continue;
        const section_entry *e = &h->sec[i];
        uintptr_t from = ((uintptr_t)s->map + e->offset + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
        uintptr_t to = ((uintptr_t)s->map + e->offset + e->length) & ~((uintptr_t)page - 1);
        /* a read-only file mapping: dropping pages loses nothing */
        if (to > from)
            madvise((void *)from, to - from, MADV_DONTNEED);
    }
}

void store_arrival_deltas(const store_t *s, uint32_t offer, int32_t *out_delta, int32_t *in_delta)
{
    const store_detail *d = &s->detail[offer];
    if (d->out_arr_min != DETAIL_FAR && d->in_arr_min != DETAIL_FAR) {
        *out_delta = d->out_arr_min * 60;
        *in_delta = d->in_arr_min * 60;
        return;
    }
    size_t lo = 0, hi = s->n_far;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->far[mid].offer < offer)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n_far && s->far[lo].offer == offer) {
        *out_delta = s->far[lo].out_arr_delta;
        *in_delta = s->far[lo].in_arr_delta;
    } else { /* unreachable in a verified store; a corrupt one prints 0 */
        *out_delta = *in_delta = 0;
    }
}

int64_t store_find_hotel(const store_t *s, uint64_t hotel_id)
{
    size_t lo = 0, hi = s->n_hotels;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->hotels[mid].id < hotel_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n_hotels && s->hotels[lo].id == hotel_id ? (int64_t)lo : -1;
}

int store_dict_find(const store_t *s, int dict, const char *v, size_t n)
{
    if (n >= STORE_DICT_STRLEN)
        return -1;
    for (unsigned i = 0; i < s->dict_len[dict]; i++)
        if (!strncmp((*s->dicts)[dict][i], v, n) && (*s->dicts)[dict][i][n] == 0)
            return (int)i;
    return -1;
}
