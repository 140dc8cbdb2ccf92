/* Compiling a parser: the lexicon rows, hotel names and destinations as
 * hash tables with deletion indexes (once per data generation), and pass 2
 * of the parser, spelling, which looks words up in them. */
#include <stdlib.h>
#include <string.h>

#include "dest/dest.h"
#include "nlq/internal.h"
#include "vocab/vocab.h"

/* ---- compile ---------------------------------------------------------------- */

static uint32_t vocab_add(nlq_t *p, const char *w, size_t n)
{
    const slot_t *s = nlq_map_get(p, &p->vocab, w, n);
    if (s)
        return s->value;
    if (p->n_vocab == p->cap_vocab) {
        p->cap_vocab = p->cap_vocab ? p->cap_vocab * 2 : 1024;
        p->vocab_off = realloc(p->vocab_off, p->cap_vocab * sizeof *p->vocab_off);
        p->vocab_len = realloc(p->vocab_len, p->cap_vocab * sizeof *p->vocab_len);
        if (!p->vocab_off || !p->vocab_len)
            abort();
    }
    uint32_t id = p->n_vocab++;
    nlq_map_put(p, &p->vocab, w, n, C_NONE, id);
    p->vocab_off[id] = nlq_map_get(p, &p->vocab, w, n)->key_off;
    p->vocab_len[id] = (uint16_t)n;
    return id;
}

/* Every word of >= 4 letters and its one-letter deletions -> id. */
static void add_deletions(nlq_t *p, map_t *m, const char *w, size_t n, uint32_t id)
{
    if (n < 4 || n > 40)
        return;
    nlq_map_put(p, m, w, n, MULTI, id);
    char d[48];
    for (size_t k = 0; k < n; k++) {
        memcpy(d, w, k);
        memcpy(d + k, w + k + 1, n - k - 1);
        nlq_map_put(p, m, d, n - 1, MULTI, id);
    }
}

/* Adds a lexicon row in both umlaut spellings. */
static void add_row(nlq_t *p, const char *text, uint8_t concept, uint32_t value)
{
    toks_t *T = p->scratch;
    for (int plain = 0; plain < 2; plain++) {
        nlq_tokenize(text, strlen(text), plain, T);
        char key[256];
        size_t kl = 0;
        bool ok = T->n > 0;
        for (unsigned k = 0; k < T->n && ok; k++) {
            if (T->t[k].kind != T_WORD || kl + T->t[k].wl + 1 >= sizeof key) {
                ok = false;
                break;
            }
            if (kl)
                key[kl++] = ' ';
            memcpy(key + kl, T->text + T->t[k].w, T->t[k].wl);
            kl += T->t[k].wl;
            uint32_t id = vocab_add(p, T->text + T->t[k].w, T->t[k].wl);
            /* a typo is corrected towards words that mean something, never
             * into a filler, which would silently swallow it ("near" -> "year") */
            if (concept != C_FILLER)
                add_deletions(p, &p->vocab_del, T->text + T->t[k].w, T->t[k].wl, id);
        }
        if (!ok)
            continue;
        nlq_map_put(p, &p->phrases, key, kl, concept, value);
        if (T->n > p->max_phrase_words)
            p->max_phrase_words = T->n;
    }
}

static void add_names(nlq_t *p, const char *names, uint8_t concept, uint32_t value)
{
    const char *s = names;
    while (*s) {
        const char *e = strchr(s, '|');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char one[128];
        if (n < sizeof one) {
            memcpy(one, s, n);
            one[n] = 0;
            add_row(p, one, concept, value);
        }
        s += n + (e != NULL);
    }
}

/* Codes that are also everyday words are only codes in capitals ("EIN"). */
static const char *const ambiguous_codes[] = {"ein", "inn", "ham", "fra", "pad", "vie", "str", "ber",
                                              "bru", "kos", "ace", "her", "fue", "mah", "erf", NULL};

static void add_code(nlq_t *p, const char *code, uint8_t concept, uint32_t value)
{
    char lc[8];
    size_t n = strlen(code);
    for (size_t k = 0; k < n && k < 7; k++)
        lc[k] = (char)(code[k] | 0x20);
    lc[n] = 0;
    for (int k = 0; ambiguous_codes[k]; k++)
        if (!strcmp(ambiguous_codes[k], lc)) {
            /* its own key, looked up only for a word written in capitals */
            char key[8] = "#";
            memcpy(key + 1, lc, n + 1);
            nlq_map_put(p, &p->phrases, key, n + 1, concept, value);
            return;
        }
    add_row(p, lc, concept, value);
}

typedef struct {
    uint32_t word, hotel;
} hpair;

static int cmp_hpair(const void *a, const void *b)
{
    const hpair *x = a, *y = b;
    if (x->word != y->word)
        return x->word < y->word ? -1 : 1;
    return x->hotel < y->hotel ? -1 : x->hotel > y->hotel;
}

static void compile_hotels(nlq_t *p, const nlq_source *src)
{
    p->n_hotels = (uint32_t)src->n_hotels;
    size_t nh = src->n_hotels ? src->n_hotels : 1;
    p->hotel_id = calloc(nh, sizeof *p->hotel_id);
    p->hotel_name_off = calloc(nh, sizeof *p->hotel_name_off);
    p->hotel_name_len = calloc(nh, sizeof *p->hotel_name_len);
    p->hotel_words = calloc(nh, sizeof *p->hotel_words);
    p->first_word = calloc(nh, sizeof *p->first_word);
    size_t cap = 1024, n_pairs = 0;
    hpair *pairs = malloc(cap * sizeof *pairs);
    map_t words;
    nlq_map_init(&words, 4096);
    uint32_t n_words = 0;
    if (!p->hotel_id || !p->hotel_name_off || !p->hotel_name_len || !p->hotel_words || !p->first_word || !pairs)
        abort();
    toks_t *T = p->scratch;
    for (size_t h = 0; h < src->n_hotels; h++) {
        const nlq_hotel *ho = &src->hotels[h];
        size_t nl = ho->name_len > 300 ? 300 : ho->name_len;
        p->hotel_id[h] = ho->id;
        p->hotel_name_off[h] = (uint32_t)nlq_arena_add(p, ho->name, nl);
        p->hotel_name_len[h] = (uint16_t)nl;
        nlq_tokenize(ho->name, nl, false, T);
        p->first_word[h] = UINT32_MAX;
        for (unsigned k = 0; k < T->n; k++) {
            if (T->t[k].kind != T_WORD || T->t[k].wl < 2)
                continue;
            const char *w = T->text + T->t[k].w;
            const slot_t *s = nlq_map_get(p, &words, w, T->t[k].wl);
            uint32_t id;
            if (s) {
                id = s->value;
            } else {
                id = n_words++;
                nlq_map_put(p, &words, w, T->t[k].wl, C_NONE, id);
            }
            if (n_pairs == cap) {
                cap *= 2;
                pairs = realloc(pairs, cap * sizeof *pairs);
                if (!pairs)
                    abort();
            }
            pairs[n_pairs++] = (hpair){id, (uint32_t)h};
            if (p->first_word[h] == UINT32_MAX)
                p->first_word[h] = id;
        }
    }
    qsort(pairs, n_pairs, sizeof *pairs, cmp_hpair);
    p->n_hwords = n_words;
    p->hw_post = calloc((size_t)n_words + 1, sizeof *p->hw_post);
    p->hw_df = calloc((size_t)n_words + 1, sizeof *p->hw_df);
    p->hw_len = calloc((size_t)n_words + 1, sizeof *p->hw_len);
    p->hw_off = calloc((size_t)n_words + 1, sizeof *p->hw_off);
    p->postings = malloc((n_pairs + 1) * sizeof *p->postings);
    if (!p->hw_post || !p->hw_df || !p->hw_len || !p->hw_off || !p->postings)
        abort();
    size_t np = 0;
    for (size_t k = 0; k < n_pairs; k++) {
        if (k && pairs[k].word == pairs[k - 1].word && pairs[k].hotel == pairs[k - 1].hotel)
            continue;
        if (!k || pairs[k].word != pairs[k - 1].word)
            p->hw_post[pairs[k].word] = (uint32_t)np;
        p->hw_df[pairs[k].word]++;
        p->hotel_words[pairs[k].hotel]++;
        p->postings[np++] = pairs[k].hotel;
    }
    free(pairs);
    /* the word table keyed by text, plus its deletion index */
    nlq_map_init(&p->hword, n_words + 1);
    nlq_map_init(&p->hword_del, n_words * 8 + 1);
    for (uint32_t j = 0; j <= words.mask; j++)
        if (words.slots[j].key_len) {
            const slot_t *s = &words.slots[j];
            char w[300];
            size_t wl = s->key_len < sizeof w ? s->key_len : sizeof w - 1;
            memcpy(w, p->arena + s->key_off, wl);
            nlq_map_put(p, &p->hword, w, wl, C_NONE, s->value);
            p->hw_len[s->value] = (uint16_t)wl;
            p->hw_off[s->value] = nlq_map_get(p, &p->hword, w, wl)->key_off;
            if (wl >= 5)
                add_deletions(p, &p->hword_del, w, wl, s->value);
        }
    free(words.slots);
}

/* The parser's index of a destination code, added if new. */
static unsigned dest_index(nlq_t *p, const char *code)
{
    for (unsigned k = 0; k < p->n_dests; k++)
        if (!strcmp(p->dest_codes[k], code))
            return k;
    memcpy(p->dest_codes[p->n_dests], code, 3);
    p->dest_codes[p->n_dests][3] = 0;
    return p->n_dests++;
}

nlq_t *nlq_compile(const nlq_source *src)
{
    nlq_t *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->first_day = src->first_day;
    p->last_day = src->last_day >= src->first_day ? src->last_day : src->first_day;
    p->scratch = malloc(sizeof(toks_t));
    if (!p->scratch) {
        free(p);
        return NULL;
    }
    nlq_map_init(&p->phrases, 4096);
    nlq_map_init(&p->vocab, 2048);
    nlq_map_init(&p->vocab_del, 16384);
    /* Codes first: "MUC" is an airport even if a name row says otherwise. */
    for (unsigned k = 0; k < nlq_n_airports; k++)
        add_code(p, nlq_airports[k].code, C_AIRPORT, k);
    /* destinations: src/dest's table (as the operator extended it), then our extras */
    size_t n_table;
    const dest_info *table = dest_table(&n_table);
    p->dest_codes = calloc(n_table + nlq_n_destinations + 1, sizeof *p->dest_codes);
    if (!p->dest_codes)
        abort();
    for (size_t k = 0; k < n_table; k++)
        dest_index(p, table[k].code);
    for (unsigned k = 0; k < nlq_n_destinations; k++)
        dest_index(p, nlq_destinations[k].code);
    for (unsigned k = 0; k < p->n_dests; k++)
        add_code(p, p->dest_codes[k], C_DEST, k);
    for (unsigned k = 0; k < nlq_n_words; k++)
        add_row(p, nlq_words[k].text, nlq_words[k].concept, nlq_words[k].value);
    for (unsigned k = 0; k < nlq_n_airports; k++)
        add_names(p, nlq_airports[k].names, C_AIRPORT, k);
    for (unsigned k = 0; k < nlq_n_regions; k++)
        add_names(p, nlq_regions[k].names, C_REGION, k);
    for (size_t k = 0; k < n_table; k++)
        for (int j = 0; j < DEST_MAX_NAMES; j++)
            if (table[k].names[j])
                add_row(p, table[k].names[j], C_DEST, dest_index(p, table[k].code));
    for (unsigned k = 0; k < nlq_n_destinations; k++)
        add_names(p, nlq_destinations[k].names, C_DEST, dest_index(p, nlq_destinations[k].code));
    compile_hotels(p, src);
    free(p->scratch);
    p->scratch = NULL;
    return p;
}

void nlq_free(nlq_t *p)
{
    if (!p)
        return;
    free(p->arena);
    free(p->phrases.slots);
    free(p->vocab.slots);
    free(p->vocab_del.slots);
    free(p->vocab_off);
    free(p->vocab_len);
    free(p->hword.slots);
    free(p->hword_del.slots);
    free(p->hw_post);
    free(p->hw_df);
    free(p->hw_len);
    free(p->hw_off);
    free(p->postings);
    free(p->hotel_id);
    free(p->hotel_name_off);
    free(p->hotel_name_len);
    free(p->hotel_words);
    free(p->first_word);
    free(p->dest_codes);
    free(p);
}

/* ---- spelling ------------------------------------------------------------- */

typedef struct {
    const nlq_t *p;
    const char *w;
    size_t wl;
    uint32_t best;
    bool found, best_first;
} spell_ctx;

static bool spell_cb(void *vctx, const slot_t *s)
{
    spell_ctx *c = vctx;
    const char *cand = c->p->arena + c->p->vocab_off[s->value];
    size_t cl = c->p->vocab_len[s->value];
    if (cl < 4 || !nlq_within1(c->w, c->wl, cand, cl))
        return true;
    bool first = cand[0] == c->w[0];
    if (!c->found || (first && !c->best_first) || (first == c->best_first && s->value < c->best)) {
        c->best = s->value;
        c->best_first = first;
        c->found = true;
    }
    return true;
}

/* The lexicon word one edit from w, or -1. */
int64_t nlq_spell_vocab(const nlq_t *p, const char *w, size_t wl)
{
    if (wl < 4 || wl > 40)
        return -1;
    spell_ctx c = {.p = p, .w = w, .wl = wl};
    nlq_map_each(p, &p->vocab_del, w, wl, spell_cb, &c);
    char d[48];
    for (size_t k = 0; k < wl; k++) {
        if (k && w[k] == w[k - 1])
            continue; /* same deletion as the previous position */
        memcpy(d, w, k);
        memcpy(d + k, w + k + 1, wl - k - 1);
        nlq_map_each(p, &p->vocab_del, d, wl - 1, spell_cb, &c);
    }
    return c.found ? (int64_t)c.best : -1;
}
