/* Unit tests of util/checksum: CRC-32 against its published check value
 * and a bit-at-a-time reference written here, joining parts of any length,
 * and checksum_spans in each of its ways (write, read, through a mapping)
 * on spans that cross piece boundaries, are empty, or reach past the end of
 * the file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/checksum.h"
#include "testutil.h"

/* The definition: reflected, initial and final value inverted. */
static uint32_t reference(uint32_t crc, const unsigned char *p, size_t n)
{
    uint32_t poly = 0xEDB88320u, r = ~crc;
    for (size_t i = 0; i < n; i++) {
        r ^= p[i];
        for (int b = 0; b < 8; b++)
            r = r & 1 ? r >> 1 ^ poly : r >> 1;
    }
    return ~r;
}

/* Deterministic bytes that are not all alike. */
static unsigned char *noise(size_t n, uint32_t seed)
{
    unsigned char *p = malloc(n ? n : 1);
    assert_non_null(p);
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)x;
    }
    return p;
}

static void test_check_value(void **state)
{
    (void)state;
    assert_int_equal(checksum_update(0, "123456789", 9), 0xCBF43926u);
    assert_int_equal(checksum_update(0, "", 0), 0);
    assert_int_equal(checksum_update(0x1234, NULL, 0), 0x1234);
}

/* Lengths and alignments around the word and vector sizes. */
static void test_against_reference(void **state)
{
    (void)state;
    size_t max = 70000;
    unsigned char *p = noise(max + 8, 1);
    static const size_t lens[] = {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 4096, 12289, 65536, 69999};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++)
        for (size_t a = 0; a < 8; a += 3) {
            uint32_t want = reference(0, p + a, lens[i]);
            uint32_t got = checksum_update(0, p + a, lens[i]);
            if (want != got)
                fail_msg("%zu bytes at +%zu: %08x, want %08x", lens[i], a, got, want);
            /* continuing from a previous value */
            assert_int_equal(checksum_update(0x12345678u, p + a, lens[i]), reference(0x12345678u, p + a, lens[i]));
        }
    free(p);
}

static void test_combine(void **state)
{
    (void)state;
    size_t n = 100000;
    unsigned char *p = noise(n, 2);
    static const size_t cuts[] = {0, 1, 5, 4096, 12289, 50000, 99999, 100000};
    uint32_t whole = checksum_update(0, p, n);
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        size_t c = cuts[i];
        uint32_t a = checksum_update(0, p, c);
        uint32_t b = checksum_update(0, p + c, n - c);
        assert_int_equal(checksum_combine(a, b, n - c), whole);
        assert_int_equal(checksum_update(a, p + c, n - c), whole);
    }
    /* a second part longer than 32 bits of length would say nothing about:
     * 40 MiB of zeros is enough to use the length's high bits */
    size_t big = (40u << 20) + 3;
    unsigned char *z = calloc(big, 1);
    assert_non_null(z);
    uint32_t a = checksum_update(0, "abc", 3);
    assert_int_equal(checksum_combine(a, checksum_update(0, z, big), big), checksum_update(a, z, big));
    free(z);
    free(p);
}

/* A file of three spans: one crossing two piece boundaries, an empty one,
 * a short one at an odd offset. */
static void test_spans(void **state)
{
    (void)state;
    char *dir = tu_mkdtemp("checksum");
    const char *path = tu_path(dir, "f");
    size_t n = 2 * CHECKSUM_PIECE + 5000;
    unsigned char *p = noise(n, 3);
    static const checksum_how hows[] = {CHECKSUM_WRITE, CHECKSUM_READ, CHECKSUM_MAPPED};
    uint64_t offs[3] = {64, 64 + (uint64_t)CHECKSUM_PIECE * 2 - 100, 64 + (uint64_t)CHECKSUM_PIECE * 2 - 100};
    uint64_t lens[3] = {(uint64_t)CHECKSUM_PIECE * 2 - 100, 0, 4000};
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)n), 0);
    const char *map = NULL;
    for (size_t h = 0; h < sizeof hows / sizeof *hows; h++) {
        if (hows[h] == CHECKSUM_MAPPED && !map) {
            map = mmap(NULL, n, PROT_READ, MAP_SHARED, fd, 0);
            assert_true(map != MAP_FAILED);
        }
        checksum_span sp[3];
        for (int i = 0; i < 3; i++) {
            const char *mem = hows[h] == CHECKSUM_WRITE ? (const char *)p + offs[i]
                              : map                    ? map + offs[i]
                                                       : NULL;
            sp[i] = (checksum_span){hows[h], mem, offs[i], lens[i], 0xFFFFFFFFu};
        }
        assert_int_equal(checksum_spans(fd, sp, 3), 0);
        for (int i = 0; i < 3; i++)
            if (sp[i].sum != checksum_update(0, p + offs[i], lens[i]))
                fail_msg("how %zu, span %d: wrong checksum", h, i);
    }
    /* a span reaching past the end of the file */
    checksum_span past = {CHECKSUM_READ, NULL, n - 10, 20, 0};
    assert_int_equal(checksum_spans(fd, &past, 1), EIO);
    /* and a file that cannot be read */
    checksum_span bad = {CHECKSUM_READ, NULL, 0, 10, 0};
    assert_int_equal(checksum_spans(-1, &bad, 1), EBADF);
    munmap((void *)map, n);
    close(fd);
    free(p);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_value),
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_combine),
        cmocka_unit_test(test_spans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
