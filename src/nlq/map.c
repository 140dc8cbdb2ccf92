/* The string hash tables of a compiled parser (open addressing, duplicate
 * keys allowed) and the arena that holds their keys. Built once by
 * compile.c, read only while parsing. */
#include <stdlib.h>
#include <string.h>

#include "nlq/internal.h"

uint32_t nlq_hash_bytes(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h | 1;
}

size_t nlq_arena_add(nlq_t *p, const char *s, size_t n)
{
    if (p->arena_len + n + 1 > p->arena_cap) {
        size_t cap = p->arena_cap ? p->arena_cap * 2 : 65536;
        while (cap < p->arena_len + n + 1)
            cap *= 2;
        char *a = realloc(p->arena, cap);
        if (!a)
            abort();
        p->arena = a;
        p->arena_cap = cap;
    }
    size_t off = p->arena_len;
    memcpy(p->arena + off, s, n);
    p->arena[off + n] = 0;
    p->arena_len += n + 1;
    return off;
}

void nlq_map_init(map_t *m, uint32_t expect)
{
    uint32_t cap = 64;
    while (cap < expect * 2)
        cap *= 2;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots)
        abort();
    m->mask = cap - 1;
    m->used = 0;
}

static void map_grow(map_t *m)
{
    map_t old = *m;
    nlq_map_init(m, (old.mask + 1));
    for (uint32_t i = 0; i <= old.mask; i++)
        if (old.slots[i].key_len) {
            slot_t *s = &old.slots[i];
            uint32_t j = s->hash & m->mask;
            while (m->slots[j].key_len)
                j = (j + 1) & m->mask;
            m->slots[j] = *s;
            m->used++;
        }
    free(old.slots);
}

/* Adds a row. A key already there keeps its first row, except in the
 * deletion indexes (concept 0xff), where one key leads to several words;
 * map_each reads them all. */
void nlq_map_put(nlq_t *p, map_t *m, const char *k, size_t n, uint8_t concept, uint32_t value)
{
    if (n == 0 || n > 0xffff)
        return;
    if ((m->used + 1) * 2 > m->mask + 1)
        map_grow(m);
    uint32_t h = nlq_hash_bytes(k, n);
    uint32_t j = h & m->mask;
    while (m->slots[j].key_len) {
        slot_t *s = &m->slots[j];
        if (s->hash == h && s->key_len == n && !memcmp(p->arena + s->key_off, k, n)) {
            if (concept != MULTI)
                return;           /* first row wins */
            if (s->value == value)
                return;           /* the same word twice */
        }
        j = (j + 1) & m->mask;
    }
    slot_t *s = &m->slots[j];
    s->hash = h;
    s->key_off = (uint32_t)nlq_arena_add(p, k, n);
    s->key_len = (uint16_t)n;
    s->concept = concept;
    s->value = value;
    m->used++;
}

void nlq_map_each(const nlq_t *p, const map_t *m, const char *k, size_t n, map_fn fn, void *ctx)
{
    if (n == 0 || !m->slots)
        return;
    uint32_t h = nlq_hash_bytes(k, n);
    for (uint32_t j = h & m->mask; m->slots[j].key_len; j = (j + 1) & m->mask) {
        const slot_t *s = &m->slots[j];
        if (s->hash == h && s->key_len == n && !memcmp(p->arena + s->key_off, k, n) && !fn(ctx, s))
            return;
    }
}

const slot_t *nlq_map_get(const nlq_t *p, const map_t *m, const char *k, size_t n)
{
    if (n == 0 || !m->slots)
        return NULL;
    uint32_t h = nlq_hash_bytes(k, n);
    for (uint32_t j = h & m->mask; m->slots[j].key_len; j = (j + 1) & m->mask) {
        const slot_t *s = &m->slots[j];
        if (s->hash == h && s->key_len == n && !memcmp(p->arena + s->key_off, k, n))
            return s;
    }
    return NULL;
}
