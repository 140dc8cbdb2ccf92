/* The intent parser (see nlq.h for the contract). Four passes over one
 * sentence, all on the stack:
 *
 * 1. tokenize: words (lower-case ASCII, umlauts folded to ae/oe/ue, ß to
 *    ss, accents dropped), numbers (with German and English thousands and
 *    decimal marks, ordinals "3." and "3rd"), date literals ("15.07.",
 *    "3.7.2023", "2023-07-03") and the few symbols that mean something
 *    (- / * +). Every token keeps its byte span for "unrecognized".
 * 2. spell: a word that is not in the lexicon and not a hotel word is
 *    replaced by the lexicon word one edit away (insert, delete, substitute,
 *    swap), found through a deletion index (every word and each of its
 *    one-letter deletions point at the word), so the cost does not grow
 *    with the lexicon.
 * 3. phrases: at each token the longest run of words that is a lexicon row
 *    becomes one item with the row's concept ("half board" -> C_MEAL).
 * 4. rules: at each item the longest matching rule (party, length, dates
 *    and ranges, stars, price, negation, places) consumes its items and
 *    writes the result; runs of items no rule took are offered to the hotel
 *    matcher (hotel-name words, one typo allowed, rarest words first); what
 *    is still left and means something is reported as unrecognized.
 *
 * Compilation (once per data generation) builds the hash tables in one
 * arena; parsing reads them only, so one compiled parser serves every
 * thread. */
#include "nlq/nlq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dest/dest.h"
#include "nlq/lexicon.h"
#include "util/days.h"
#include "vocab/vocab.h"

/* ---- a string hash table (open addressing, duplicates allowed) ---------- */

typedef struct {
    uint32_t hash;
    uint32_t key_off;     /* into the arena */
    uint16_t key_len;     /* 0: empty slot */
    uint8_t concept;
    uint32_t value;
} slot_t;

typedef struct {
    slot_t *slots;
    uint32_t mask, used;
} map_t;


struct nlq {
    char *arena;
    size_t arena_len, arena_cap;
    map_t phrases;        /* phrase text -> concept, value */
    map_t vocab;          /* every lexicon word -> its id (value) */
    map_t vocab_del;      /* lexicon word and its deletions -> word id */
    uint32_t *vocab_off;  /* word id -> arena offset; length in vocab_len */
    uint16_t *vocab_len;
    uint32_t n_vocab, cap_vocab;
    unsigned max_phrase_words;
    /* hotels */
    map_t hword;          /* hotel-name word -> word id */
    map_t hword_del;
    uint32_t *hw_post;    /* word id -> first posting */
    uint32_t *hw_df;      /* word id -> number of hotels */
    uint16_t *hw_len;
    uint32_t *hw_off;     /* word id -> its text in the arena */
    uint32_t *postings;   /* hotel indexes */
    uint32_t n_hwords;
    uint32_t *hotel_id;   /* hotel index -> dump id; ascending by index */
    uint32_t *hotel_name_off;
    uint16_t *hotel_name_len;
    uint16_t *hotel_words;/* distinct indexed words in the name */
    uint32_t *first_word; /* hotel index -> word id of its first word (the brand) */
    uint32_t n_hotels;
    char (*dest_codes)[4];/* C_DEST value -> IATA code */
    unsigned n_dests;
    int32_t first_day, last_day;
    void *scratch;        /* a token buffer while compiling */
};

static uint32_t hash_bytes(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h | 1;
}

static size_t arena_add(nlq_t *p, const char *s, size_t n)
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

static void map_init(map_t *m, uint32_t expect)
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
    map_init(m, (old.mask + 1));
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
#define MULTI 0xff
static void map_put(nlq_t *p, map_t *m, const char *k, size_t n, uint8_t concept, uint32_t value)
{
    if (n == 0 || n > 0xffff)
        return;
    if ((m->used + 1) * 2 > m->mask + 1)
        map_grow(m);
    uint32_t h = hash_bytes(k, n);
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
    s->key_off = (uint32_t)arena_add(p, k, n);
    s->key_len = (uint16_t)n;
    s->concept = concept;
    s->value = value;
    m->used++;
}

/* Calls back for every row with key k; stops when fn returns false. */
typedef bool (*map_fn)(void *ctx, const slot_t *s);
static void map_each(const nlq_t *p, const map_t *m, const char *k, size_t n, map_fn fn, void *ctx)
{
    if (n == 0 || !m->slots)
        return;
    uint32_t h = hash_bytes(k, n);
    for (uint32_t j = h & m->mask; m->slots[j].key_len; j = (j + 1) & m->mask) {
        const slot_t *s = &m->slots[j];
        if (s->hash == h && s->key_len == n && !memcmp(p->arena + s->key_off, k, n) && !fn(ctx, s))
            return;
    }
}

static const slot_t *map_get(const nlq_t *p, const map_t *m, const char *k, size_t n)
{
    if (n == 0 || !m->slots)
        return NULL;
    uint32_t h = hash_bytes(k, n);
    for (uint32_t j = h & m->mask; m->slots[j].key_len; j = (j + 1) & m->mask) {
        const slot_t *s = &m->slots[j];
        if (s->hash == h && s->key_len == n && !memcmp(p->arena + s->key_off, k, n))
            return s;
    }
    return NULL;
}

/* ---- tokenizer ------------------------------------------------------------ */

enum { T_WORD, T_NUM, T_DATE, T_SYM };
enum { TF_ORDINAL = 1, TF_UPPER = 2, TF_DECIMAL = 4, TF_ASCII = 8, TF_FIXED = 16 };

typedef struct {
    uint8_t kind;
    uint8_t flags;
    char sym;             /* T_SYM: '-', '/', '*', '+' */
    uint8_t stars;        /* T_SYM '*': how many in a row */
    uint16_t off, len;    /* bytes of the input */
    uint16_t w, wl;       /* T_WORD: folded text in the scratch buffer */
    int64_t num;          /* T_NUM: value; TF_DECIMAL: value x10 in num10 */
    int32_t num10;
    uint8_t day, month;   /* T_DATE */
    int16_t year;         /* T_DATE: 0 if not written */
} tok_t;

#define MAX_TOKENS 400

typedef struct {
    tok_t t[MAX_TOKENS];
    unsigned n;
    const char *src;      /* the text tokenized */
    char text[NLQ_MAX_TEXT * 3 + 64]; /* folded words (a fold at most doubles a UTF-8 letter) */
    size_t text_len;
} toks_t;

static bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Folds the letter at s[*i] (ASCII or a Latin-1 letter in UTF-8) into out
 * (up to 2 bytes); returns the bytes written, 0 if s[*i] is not a letter
 * (then *i is unchanged), or -1 for a non-Latin letter or stray byte,
 * which is copied through raw. `plain` folds ä to a instead of ae. */
static int fold_letter(const unsigned char *s, size_t n, size_t *i, char *out, bool plain, bool *upper)
{
    unsigned char c = s[*i];
    if (is_alpha(c)) {
        *upper = c <= 'Z';
        out[0] = (char)(c | 0x20);
        (*i)++;
        return 1;
    }
    *upper = false;
    if (c < 0x80)
        return 0;
    if (c == 0xC3 && *i + 1 < n) {
        unsigned char d = s[*i + 1];
        const char *m = NULL;
        switch (d) {
        case 0x84: case 0xA4: m = plain ? "a" : "ae"; break;
        case 0x96: case 0xB6: m = plain ? "o" : "oe"; break;
        case 0x9C: case 0xBC: m = plain ? "u" : "ue"; break;
        case 0x9F: m = "ss"; break;
        case 0x86: case 0xA6: m = "ae"; break;
        case 0x87: case 0xA7: m = "c"; break;
        case 0x91: case 0xB1: m = "n"; break;
        case 0x9D: case 0xBD: case 0xBF: m = "y"; break;
        default:
            if ((d >= 0x80 && d <= 0x85) || (d >= 0xA0 && d <= 0xA5))
                m = "a";
            else if ((d >= 0x88 && d <= 0x8B) || (d >= 0xA8 && d <= 0xAB))
                m = "e";
            else if ((d >= 0x8C && d <= 0x8F) || (d >= 0xAC && d <= 0xAF))
                m = "i";
            else if ((d >= 0x92 && d <= 0x95) || d == 0x98 || (d >= 0xB2 && d <= 0xB5) || d == 0xB8)
                m = "o";
            else if ((d >= 0x99 && d <= 0x9B) || (d >= 0xB9 && d <= 0xBB))
                m = "u";
        }
        if (m) {
            *upper = d < 0xA0;
            size_t l = strlen(m);
            memcpy(out, m, l);
            *i += 2;
            return (int)l;
        }
    }
    /* anything else non-ASCII: a letter of another script, or junk */
    out[0] = (char)c;
    (*i)++;
    return -1;
}

/* Symbols and separators spelled in UTF-8 that matter: returns the ASCII
 * stand-in ('-' for dashes, '\'' for typographic apostrophes, 'E' for the
 * euro sign, ' ' for no-break space and quotes) and its length, or 0. */
static char utf8_symbol(const unsigned char *s, size_t n, size_t i, size_t *len)
{
    if (i + 2 < n && s[i] == 0xE2 && s[i + 1] == 0x80) {
        *len = 3;
        switch (s[i + 2]) {
        case 0x90: case 0x91: case 0x92: case 0x93: case 0x94: return '-';
        case 0x98: case 0x99: return '\'';
        case 0x9A: case 0x9C: case 0x9D: case 0x9E: return ' ';
        }
    }
    if (i + 2 < n && s[i] == 0xE2 && s[i + 1] == 0x82 && s[i + 2] == 0xAC)
        return *len = 3, 'E';
    if (i + 1 < n && s[i] == 0xC2 && (s[i + 1] == 0xA0 || s[i + 1] == 0xAB || s[i + 1] == 0xBB))
        return *len = 2, ' ';
    return 0;
}

static tok_t *tok_new(toks_t *T, uint8_t kind, size_t off)
{
    if (T->n == MAX_TOKENS)
        return NULL;
    tok_t *t = &T->t[T->n++];
    memset(t, 0, sizeof *t);
    t->kind = kind;
    t->off = (uint16_t)off;
    return t;
}

static void push_word(toks_t *T, size_t off, size_t len, const char *w, size_t wl, uint8_t flags)
{
    tok_t *t = tok_new(T, T_WORD, off);
    if (!t)
        return;
    t->len = (uint16_t)len;
    t->w = (uint16_t)T->text_len;
    t->wl = (uint16_t)wl;
    t->flags = flags;
    memcpy(T->text + T->text_len, w, wl);
    T->text_len += wl;
}

/* Reads up to `max` digits at s[*i]; returns how many. */
static unsigned digits(const unsigned char *s, size_t n, size_t i, unsigned max, int64_t *v)
{
    unsigned k = 0;
    int64_t x = 0;
    while (i + k < n && is_digit(s[i + k]) && k < max)
        x = x * 10 + (s[i + k] - '0'), k++;
    *v = x;
    return k;
}

/* A number, or a date literal, at s[i] (a digit). Returns bytes used. */
static size_t lex_number(toks_t *T, const unsigned char *s, size_t n, size_t i)
{
    size_t start = i;
    int64_t a, b, c;
    unsigned la = digits(s, n, i, 18, &a);
    size_t j = i + la;
    /* ISO date 2023-07-03 */
    if (la == 4 && j + 5 < n + 0 && s[j] == '-' && digits(s, n, j + 1, 2, &b) == 2 && j + 3 < n && s[j + 3] == '-' &&
        digits(s, n, j + 4, 2, &c) == 2 && !(j + 6 < n && is_digit(s[j + 6]))) {
        if (b >= 1 && b <= 12 && c >= 1 && c <= 31) {
            tok_t *t = tok_new(T, T_DATE, start);
            if (t) {
                t->year = (int16_t)a, t->month = (uint8_t)b, t->day = (uint8_t)c;
                t->len = (uint16_t)(j + 6 - start);
            }
            return j + 6 - start;
        }
    }
    /* German date 3.7. / 03.07.2023 / 15.07 */
    if (la <= 2 && j < n && s[j] == '.' && a >= 1 && a <= 31) {
        unsigned lb = digits(s, n, j + 1, 3, &b);
        size_t k = j + 1 + lb;
        if ((lb == 1 || lb == 2) && b >= 1 && b <= 12 && !(k < n && is_digit(s[k]))) {
            bool dot = k < n && s[k] == '.';
            int64_t y = 0;
            size_t end = k;
            if (dot) {
                end = k + 1;
                unsigned ly = digits(s, n, k + 1, 5, &y);
                if (ly == 4 || ly == 2) {
                    end = k + 1 + ly;
                    if (ly == 2)
                        y += 2000;
                } else {
                    y = 0;
                }
            }
            if (dot || lb == 2) {
                tok_t *t = tok_new(T, T_DATE, start);
                if (t) {
                    t->day = (uint8_t)a, t->month = (uint8_t)b, t->year = (int16_t)y;
                    t->len = (uint16_t)(end - start);
                }
                return end - start;
            }
        }
    }
    tok_t *t = tok_new(T, T_NUM, start);
    if (!t)
        return la;
    /* thousands: 1.500 / 1,500 / 12.345.678 */
    while (j + 3 < n + 0 && (s[j] == '.' || s[j] == ',') && digits(s, n, j + 1, 4, &b) == 3 &&
           !(j + 4 < n && is_digit(s[j + 4])) && a < 1000000000) {
        a = a * 1000 + b;
        j += 4;
    }
    if (j + 4 <= n && (s[j] == '.' || s[j] == ',') && j + 4 == n && digits(s, n, j + 1, 4, &b) == 3 &&
        a < 1000000000) {
        a = a * 1000 + b;
        j += 4;
    }
    t->num = a;
    /* decimals: 4,5 / 3.5 */
    if (j + 1 < n && (s[j] == ',' || s[j] == '.') && is_digit(s[j + 1])) {
        unsigned lb = digits(s, n, j + 1, 3, &b);
        if (lb <= 2 && a < 100000000) { /* x10 fits num10 */
            t->flags |= TF_DECIMAL;
            t->num10 = (int32_t)(a * 10 + (lb == 1 ? b : b / 10));
            j += 1 + lb;
        }
    }
    /* "1.500,-" and "1500,--" */
    if (j + 1 < n && s[j] == ',' && s[j + 1] == '-') {
        j += 2;
        while (j < n && s[j] == '-')
            j++;
    } else if (j < n && s[j] == '.' && !(j + 1 < n && is_digit(s[j + 1]))) {
        t->flags |= TF_ORDINAL; /* "3." */
        j++;
    } else if (j + 1 < n && is_alpha(s[j]) && is_alpha(s[j + 1]) && !(j + 2 < n && is_alpha(s[j + 2]))) {
        char x = (char)(s[j] | 0x20), y = (char)(s[j + 1] | 0x20);
        if ((x == 's' && y == 't') || (x == 'n' && y == 'd') || (x == 'r' && y == 'd') || (x == 't' && y == 'h') ||
            (x == 't' && y == 'e')) {
            t->flags |= TF_ORDINAL;
            j += 2;
        }
    }
    t->len = (uint16_t)(j - start);
    return j - start;
}

/* Splits s into tokens. `plain` folds umlauts to a/o/u (lexicon variants). */
static void tokenize(const char *text, size_t n, bool plain, toks_t *T)
{
    const unsigned char *s = (const unsigned char *)text;
    T->src = text;
    T->n = 0;
    T->text_len = 0;
    size_t i = 0;
    while (i < n && T->n < MAX_TOKENS) {
        unsigned char c = s[i];
        size_t sl = 0;
        char sym = utf8_symbol(s, n, i, &sl);
        if (is_digit(c)) {
            i += lex_number(T, s, n, i);
            continue;
        }
        if (sym == 'E' || c == '&') {
            push_word(T, i, sym == 'E' ? 3 : 1, sym == 'E' ? "eur" : "&", sym == 'E' ? 3 : 1, TF_ASCII);
            i += sym == 'E' ? 3 : 1;
            continue;
        }
        if (sym == '-' || c == '-' || c == '/' || c == '*' || c == '+') {
            char k = sym == '-' ? '-' : (char)c;
            size_t len = sym == '-' ? sl : 1;
            /* a hyphen joining two words ("all-inclusive") only separates them */
            bool joins = k == '-' && T->n && T->t[T->n - 1].kind == T_WORD &&
                         T->t[T->n - 1].off + T->t[T->n - 1].len == i && i + len < n &&
                         (is_alpha(s[i + len]) || s[i + len] >= 0xC0);
            if (!joins) {
                if (k == '*' && T->n && T->t[T->n - 1].kind == T_SYM && T->t[T->n - 1].sym == '*' &&
                    T->t[T->n - 1].off + T->t[T->n - 1].len == i) {
                    T->t[T->n - 1].stars++;
                    T->t[T->n - 1].len++;
                } else {
                    tok_t *t = tok_new(T, T_SYM, i);
                    if (t) {
                        t->sym = k;
                        t->len = (uint16_t)len;
                        t->stars = 1;
                    }
                }
            }
            i += len;
            continue;
        }
        if (sym || c < 0x80) {
            if (!is_alpha(c)) { /* separator */
                i += sym ? sl : 1;
                continue;
            }
        }
        /* a word: letters, inner apostrophes */
        char w[NLQ_MAX_TEXT * 2 + 8];
        size_t wl = 0, start = i;
        bool all_upper = true, ascii = true;
        while (i < n && wl < sizeof w - 4) {
            bool up;
            size_t asl = 0;
            char as = utf8_symbol(s, n, i, &asl);
            if ((s[i] == '\'' || as == '\'') && wl && i + (as ? asl : 1) < n && is_alpha(s[i + (as ? asl : 1)])) {
                w[wl++] = '\'';
                i += as ? asl : 1;
                continue;
            }
            if (as)
                break;
            int k = fold_letter(s, n, &i, w + wl, plain, &up);
            if (k == 0)
                break;
            if (k < 0) {
                ascii = false;
                wl += 1;
                continue;
            }
            all_upper &= up;
            wl += (size_t)k;
        }
        if (i == start) { /* cannot happen: the first byte was a letter */
            i++;
            continue;
        }
        push_word(T, start, i - start, w, wl, (uint8_t)((all_upper && wl >= 2 ? TF_UPPER : 0) | (ascii ? TF_ASCII : 0)));
    }
}

/* ---- edit distance 1 -------------------------------------------------------- */

/* True if a and b differ by one insertion, deletion, substitution or swap
 * of neighbours (optimal string alignment distance <= 1, and != 0). */
static bool within1(const char *a, size_t la, const char *b, size_t lb)
{
    if (la == lb) {
        size_t i = 0;
        while (i < la && a[i] == b[i])
            i++;
        if (i == la)
            return false;
        if (!memcmp(a + i + 1, b + i + 1, la - i - 1))
            return true;
        return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && !memcmp(a + i + 2, b + i + 2, la - i - 2);
    }
    if (la + 1 == lb)
        return within1(b, lb, a, la);
    if (lb + 1 != la)
        return false;
    size_t i = 0;
    while (i < lb && a[i] == b[i])
        i++;
    return !memcmp(a + i + 1, b + i, lb - i);
}

/* ---- compile ---------------------------------------------------------------- */

static uint32_t vocab_add(nlq_t *p, const char *w, size_t n)
{
    const slot_t *s = map_get(p, &p->vocab, w, n);
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
    map_put(p, &p->vocab, w, n, C_NONE, id);
    p->vocab_off[id] = map_get(p, &p->vocab, w, n)->key_off;
    p->vocab_len[id] = (uint16_t)n;
    return id;
}

/* Every word of >= 4 letters and its one-letter deletions -> id. */
static void add_deletions(nlq_t *p, map_t *m, const char *w, size_t n, uint32_t id)
{
    if (n < 4 || n > 40)
        return;
    map_put(p, m, w, n, MULTI, id);
    char d[48];
    for (size_t k = 0; k < n; k++) {
        memcpy(d, w, k);
        memcpy(d + k, w + k + 1, n - k - 1);
        map_put(p, m, d, n - 1, MULTI, id);
    }
}

/* Adds a lexicon row in both umlaut spellings. */
static void add_row(nlq_t *p, const char *text, uint8_t concept, uint32_t value)
{
    toks_t *T = p->scratch;
    for (int plain = 0; plain < 2; plain++) {
        tokenize(text, strlen(text), plain, T);
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
        map_put(p, &p->phrases, key, kl, concept, value);
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
            map_put(p, &p->phrases, key, n + 1, concept, value);
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
    map_init(&words, 4096);
    uint32_t n_words = 0;
    if (!p->hotel_id || !p->hotel_name_off || !p->hotel_name_len || !p->hotel_words || !p->first_word || !pairs)
        abort();
    toks_t *T = p->scratch;
    for (size_t h = 0; h < src->n_hotels; h++) {
        const nlq_hotel *ho = &src->hotels[h];
        size_t nl = ho->name_len > 300 ? 300 : ho->name_len;
        p->hotel_id[h] = ho->id;
        p->hotel_name_off[h] = (uint32_t)arena_add(p, ho->name, nl);
        p->hotel_name_len[h] = (uint16_t)nl;
        tokenize(ho->name, nl, false, T);
        p->first_word[h] = UINT32_MAX;
        for (unsigned k = 0; k < T->n; k++) {
            if (T->t[k].kind != T_WORD || T->t[k].wl < 2)
                continue;
            const char *w = T->text + T->t[k].w;
            const slot_t *s = map_get(p, &words, w, T->t[k].wl);
            uint32_t id;
            if (s) {
                id = s->value;
            } else {
                id = n_words++;
                map_put(p, &words, w, T->t[k].wl, C_NONE, id);
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
    map_init(&p->hword, n_words + 1);
    map_init(&p->hword_del, n_words * 8 + 1);
    for (uint32_t j = 0; j <= words.mask; j++)
        if (words.slots[j].key_len) {
            const slot_t *s = &words.slots[j];
            char w[300];
            size_t wl = s->key_len < sizeof w ? s->key_len : sizeof w - 1;
            memcpy(w, p->arena + s->key_off, wl);
            map_put(p, &p->hword, w, wl, C_NONE, s->value);
            p->hw_len[s->value] = (uint16_t)wl;
            p->hw_off[s->value] = map_get(p, &p->hword, w, wl)->key_off;
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
    map_init(&p->phrases, 4096);
    map_init(&p->vocab, 2048);
    map_init(&p->vocab_del, 16384);
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
    if (cl < 4 || !within1(c->w, c->wl, cand, cl))
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
static int64_t spell_vocab(const nlq_t *p, const char *w, size_t wl)
{
    if (wl < 4 || wl > 40)
        return -1;
    spell_ctx c = {.p = p, .w = w, .wl = wl};
    map_each(p, &p->vocab_del, w, wl, spell_cb, &c);
    char d[48];
    for (size_t k = 0; k < wl; k++) {
        if (k && w[k] == w[k - 1])
            continue; /* same deletion as the previous position */
        memcpy(d, w, k);
        memcpy(d + k, w + k + 1, wl - k - 1);
        map_each(p, &p->vocab_del, d, wl - 1, spell_cb, &c);
    }
    return c.found ? (int64_t)c.best : -1;
}

/* ---- parse state ------------------------------------------------------------ */

typedef struct {
    uint8_t concept;      /* C_* for words and phrases; C_NONE for raw tokens */
    uint8_t flags;
    uint32_t value;
    uint16_t t0, t1;      /* tokens [t0, t1) */
} item_t;

/* What the rules found so far: the search fields, and facts resolved at
 * the end because they depend on the whole sentence. Small, because the
 * rule loop saves and restores it for every rule it tries. */
typedef struct {
    uint32_t have;
    uint16_t nights;
    int32_t earliest, latest;
    uint64_t airports;
    uint16_t dests[NLQ_MAX_DEST];
    uint8_t n_dests;
    uint32_t meals, rooms;
    bool ocean_view;
    uint8_t min_stars_x10;
    int persons;          /* -1 none */
    int adults_explicit;  /* -1 none */
    int children;
    bool family, children_set, depart_exact, range_exact, per_person;
    bool failed;          /* the rule matched words it cannot use (a holiday without dates) */
    int64_t price;
} facts_t;

typedef struct {
    const nlq_t *p;
    const toks_t *T;
    item_t it[MAX_TOKENS];
    bool used[MAX_TOKENS];
    bool bad[MAX_TOKENS];
    unsigned n;
    facts_t f;
} ctx_t;

static const tok_t *tok_of(const ctx_t *c, unsigned i) { return &c->T->t[c->it[i].t0]; }

static bool is_c(const ctx_t *c, unsigned i, uint8_t concept) { return i < c->n && c->it[i].concept == concept; }

static bool is_sym(const ctx_t *c, unsigned i, char sym)
{
    return i < c->n && c->it[i].concept == C_NONE && tok_of(c, i)->kind == T_SYM && tok_of(c, i)->sym == sym;
}

/* A whole number: digits, a number word, or "ein"/"a". */
static bool num_at(const ctx_t *c, unsigned i, int64_t *v)
{
    if (i >= c->n)
        return false;
    const item_t *it = &c->it[i];
    if (it->concept == C_NUMBER || it->concept == C_ARTICLE) {
        *v = it->value;
        return true;
    }
    const tok_t *t = tok_of(c, i);
    if (it->concept == C_NONE && t->kind == T_NUM && !(t->flags & TF_DECIMAL)) {
        *v = t->num;
        return true;
    }
    return false;
}

static bool is_unit(const ctx_t *c, unsigned i)
{
    if (i >= c->n)
        return false;
    switch (c->it[i].concept) {
    case C_ADULT: case C_CHILD: case C_BABY: case C_PERSON: case C_NIGHT: case C_DAY: case C_WEEK:
    case C_STAR: case C_EURO: case C_PER_PERSON: case C_MONTH:
        return true;
    }
    return is_sym(c, i, '*');
}

/* ---- dates ------------------------------------------------------------------- */

static unsigned month_days(int y, unsigned m)
{
    static const unsigned d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0) ? 29 : d[m - 1];
}

static int32_t overlap(int32_t a, int32_t b, int32_t lo, int32_t hi)
{
    int32_t x = a > lo ? a : lo, y = b < hi ? b : hi;
    return y >= x ? y - x + 1 : 0;
}

/* The year for a window given as (month, day) pairs without a year: the one
 * where it overlaps the data most (ties: the earlier). */
static int pick_year(const nlq_t *p, unsigned m1, unsigned d1, unsigned m2, unsigned d2)
{
    int y0, y1;
    unsigned mm, dd;
    civil_from_days(p->first_day, &y0, &mm, &dd);
    civil_from_days(p->last_day, &y1, &mm, &dd);
    int best = y0, best_ov = -1;
    for (int y = y0 - 1; y <= y1; y++) {
        int ye = y + (m2 < m1 || (m2 == m1 && d2 < d1));
        if (d1 > month_days(y, m1) || d2 > month_days(ye, m2))
            continue;
        int32_t a = days_from_civil(y, m1, d1), b = days_from_civil(ye, m2, d2);
        int32_t ov = overlap(a, b, p->first_day, p->last_day);
        if (ov > best_ov) {
            best_ov = ov;
            best = y;
        }
    }
    return best;
}

typedef struct {
    unsigned day, month; /* day 0: a month only */
    int year;            /* 0: not written */
} date_t;

static bool year_at(const ctx_t *c, unsigned i, int *y)
{
    int64_t v;
    if (i < c->n && c->it[i].concept == C_NONE && tok_of(c, i)->kind == T_NUM && num_at(c, i, &v) && v >= 2000 &&
        v <= 2100) {
        *y = (int)v;
        return true;
    }
    return false;
}

/* A day of a month: "3." "3" "3rd" (1..31, not followed by a unit). */
static bool mday_at(const ctx_t *c, unsigned i, unsigned *d)
{
    int64_t v;
    if (i >= c->n || c->it[i].concept != C_NONE || tok_of(c, i)->kind != T_NUM || !num_at(c, i, &v) || v < 1 ||
        v > 31)
        return false;
    *d = (unsigned)v;
    return true;
}

/* A full date at i: a literal, "3. Juli [2023]", "July 3[rd] [2023]".
 * Returns items used. */
static unsigned date_at(const ctx_t *c, unsigned i, date_t *d)
{
    unsigned day;
    int y;
    if (i < c->n && c->it[i].concept == C_NONE && tok_of(c, i)->kind == T_DATE) {
        const tok_t *t = tok_of(c, i);
        *d = (date_t){t->day, t->month, t->year};
        return 1;
    }
    if (mday_at(c, i, &day) && is_c(c, i + 1, C_MONTH)) {
        *d = (date_t){day, c->it[i + 1].value, 0};
        if (year_at(c, i + 2, &y))
            return d->year = y, 3;
        return 2;
    }
    if (is_c(c, i, C_MONTH) && mday_at(c, i + 1, &day) && !is_unit(c, i + 2)) {
        *d = (date_t){day, c->it[i].value, 0};
        if (year_at(c, i + 2, &y))
            return d->year = y, 3;
        return 2;
    }
    return 0;
}

static int32_t date_day(const nlq_t *p, date_t d, bool *ok)
{
    int y = d.year ? d.year : pick_year(p, d.month, d.day, d.month, d.day);
    *ok = d.day >= 1 && d.day <= month_days(y, d.month);
    return *ok ? days_from_civil(y, d.month, d.day) : 0;
}

static void set_window(ctx_t *c, bool has_e, int32_t e, bool has_l, int32_t l)
{
    facts_t *r = &c->f;
    if (has_e) {
        r->earliest = (r->have & NLQ_EARLIEST) && r->earliest < e ? r->earliest : e;
        r->have |= NLQ_EARLIEST;
    }
    if (has_l) {
        r->latest = (r->have & NLQ_LATEST) && r->latest > l ? r->latest : l;
        r->have |= NLQ_LATEST;
    }
}

/* The days of a month, or of its first/middle/last part. */
static void month_part(unsigned m, int part, unsigned *d1, unsigned *d2, int y)
{
    unsigned len = month_days(y, m);
    *d1 = part == 1 ? 11 : part == 2 ? 21 : 1;
    *d2 = part == 0 ? 10 : part == 1 ? 20 : len;
    if (part < 0)
        *d1 = 1, *d2 = len;
}

/* [part] month: returns items used, the month and part (-1 whole). */
static unsigned month_at(const ctx_t *c, unsigned i, unsigned *m, int *part)
{
    *part = -1;
    if (is_c(c, i, C_PART) && is_c(c, i + 1, C_MONTH)) {
        *part = (int)c->it[i].value;
        *m = c->it[i + 1].value;
        return 2;
    }
    if (is_c(c, i, C_MONTH)) {
        *m = c->it[i].value;
        return 1;
    }
    return 0;
}

static bool range_sep(const ctx_t *c, unsigned i, bool between)
{
    return is_c(c, i, C_TO) || is_sym(c, i, '-') || (between && is_c(c, i, C_AND));
}

/* Month windows: "Juli", "Anfang September", "Juli/August", "Juli bis
 * August", "zwischen Juni und August", "ab Juli", "bis August". */
static unsigned r_months(ctx_t *c, unsigned i)
{
    unsigned k = i, m1, m2;
    int p1, p2, y = 0;
    bool from = false, to = false, between = false;
    if (is_c(c, k, C_FROM))
        from = true, k++;
    else if (is_c(c, k, C_TO))
        to = true, k++;
    else if (is_c(c, k, C_BETWEEN))
        between = true, k++;
    unsigned u = month_at(c, k, &m1, &p1);
    bool parts = false;
    if (!u && is_c(c, k, C_PART) && range_sep(c, k + 1, true) && month_at(c, k + 2, &m2, &p2) == 2) {
        /* "Anfang bis Mitte Juli" */
        p1 = (int)c->it[k].value, m1 = m2;
        k += 4;
        parts = true;
        from = false;
    } else if (!u) {
        return 0;
    } else {
        k += u;
        m2 = m1, p2 = p1;
    }
    if (!to && !parts) {
        unsigned s = k;
        if (range_sep(c, s, true) || is_sym(c, s, '/') || is_c(c, s, C_OR)) {
            unsigned u2 = month_at(c, s + 1, &m2, &p2);
            if (u2) {
                k = s + 1 + u2;
                from = false;
            } else {
                m2 = m1, p2 = p1;
            }
        }
    }
    if (year_at(c, k, &y))
        k++;
    if (between && m2 == m1 && p2 == p1)
        return 0; /* "zwischen Juli" means nothing */
    unsigned d1, d2, x;
    month_part(m1, p1, &d1, &x, 2001);
    month_part(m2, p2, &x, &d2, 2001);
    int y1 = y ? y : pick_year(c->p, m1, d1, m2, d2 > 28 ? 28 : d2);
    int y2 = y1 + (m2 < m1);
    month_part(m2, p2, &x, &d2, y2);
    int32_t a = days_from_civil(y1, m1, d1), b = days_from_civil(y2, m2, d2);
    set_window(c, !to, a, !from, b);
    return k - i;
}

/* Dates: "am 3. Juli", "ab 3.7.", "bis 17. Juli", "vom 3. bis 17. Juli",
 * "3.-17.7.", "15.07.–29.07.", "July 3-17", "between 1 July and 31 August". */
static unsigned r_dates(ctx_t *c, unsigned i)
{
    unsigned k = i;
    bool from = false, to = false, between = false;
    if (is_c(c, k, C_FROM))
        from = true, k++;
    else if (is_c(c, k, C_TO))
        to = true, k++;
    else if (is_c(c, k, C_BETWEEN))
        between = true, k++;
    date_t a = {0}, b = {0};
    unsigned u = date_at(c, k, &a);
    bool partial = false;
    if (!u && !to) { /* "vom 3. bis 17. Juli": a bare day before the separator */
        unsigned day;
        if (mday_at(c, k, &day) && range_sep(c, k + 1, between)) {
            a = (date_t){day, 0, 0};
            u = 1;
            partial = true;
        }
    }
    if (!u)
        return 0;
    k += u;
    bool ok;
    if (!to && range_sep(c, k, between)) {
        unsigned u2 = date_at(c, k + 1, &b);
        unsigned day;
        if (!u2 && !partial && mday_at(c, k + 1, &day) && !is_unit(c, k + 2)) { /* "July 3-17" */
            b = (date_t){day, a.month, a.year};
            u2 = 1;
        }
        date_t ra = a;
        if (u2 && partial) {
            if (a.day > b.day) /* "vom 17. bis 3. Juli" is no range */
                return 0;
            ra.month = b.month, ra.year = b.year;
        }
        if (u2 && !ra.year && b.year)
            ra.year = b.year;
        int32_t da = u2 ? date_day(c->p, ra, &ok) : 0, db = 0;
        if (u2 && ok) {
            if (b.year) {
                db = date_day(c->p, b, &ok);
            } else { /* "20. Dezember bis 6. Januar" runs into the next year */
                int y;
                unsigned mm, dd;
                civil_from_days(da, &y, &mm, &dd);
                y += b.month < ra.month;
                ok = b.day <= month_days(y, b.month);
                db = ok ? days_from_civil(y, b.month, b.day) : 0;
            }
        }
        if (u2 && ok && db >= da) {
            set_window(c, true, da, true, db);
            c->f.range_exact = true;
            return k + 1 + u2 - i;
        }
        /* no range ("20. Juli bis 3. Juli"): the first date alone */
    }
    if (partial)
        return 0;
    int32_t d = date_day(c->p, a, &ok);
    if (!ok)
        return 0;
    if (from)
        set_window(c, true, d, false, 0);
    else if (to)
        set_window(c, false, 0, true, d);
    else {
        set_window(c, true, d, false, 0);
        c->f.depart_exact = true;
    }
    return k - i;
}

/* The state key an item names: a region, or a city-state airport. */
static const char *state_of(const ctx_t *c, unsigned i)
{
    if (is_c(c, i, C_REGION))
        return nlq_regions[c->it[i].value].state;
    if (is_c(c, i, C_AIRPORT)) {
        const char *code = nlq_airports[c->it[i].value].code;
        if (!strcmp(code, "BER"))
            return "be";
        if (!strcmp(code, "HAM"))
            return "hh";
        if (!strcmp(code, "BRE"))
            return "hb";
    }
    return NULL;
}

/* Holidays from the table: "Ostern", "Pfingsten 2024", "Sommerferien NRW".
 * A holiday whose dates isla does not have is consumed and reported. */
static unsigned r_holiday(ctx_t *c, unsigned i)
{
    if (!is_c(c, i, C_HOLIDAY))
        return 0;
    unsigned kind = c->it[i].value, k = i + 1;
    const char *state = NULL;
    if (kind >= H_SUMMER) { /* school holidays: per state */
        state = state_of(c, k);
        if (state)
            k++;
    }
    int y = 0;
    if (year_at(c, k, &y))
        k++;
    int best = -1;
    int32_t best_ov = -1, a = 0, b = 0;
    for (unsigned h = 0; h < nlq_n_holidays; h++) {
        const nlq_holiday *H = &nlq_holidays[h];
        if (H->kind != kind || (H->state == NULL) != (state == NULL) || (state && strcmp(state, H->state)) ||
            (y && H->year != y))
            continue;
        int32_t x = days_from_civil(H->year, H->m1, H->d1);
        int32_t z = days_from_civil(H->year + (H->m2 < H->m1), H->m2, H->d2);
        int32_t ov = overlap(x, z, c->p->first_day, c->p->last_day);
        if (y || ov > best_ov) {
            best_ov = ov, best = (int)h, a = x, b = z;
            if (y)
                break;
        }
    }
    if (best < 0 || (!y && best_ov == 0)) {
        c->f.failed = true;
        return k - i;
    }
    set_window(c, true, a, true, b);
    return k - i;
}

/* ---- party, length, stars, price, board ------------------------------------- */

static unsigned r_count(ctx_t *c, unsigned i)
{
    int64_t v;
    unsigned k = i;
    bool with = false;
    if (is_c(c, k, C_WITH) || is_c(c, k, C_FOR) || is_c(c, k, C_AND))
        with = is_c(c, k, C_WITH), k++;
    if (!num_at(c, k, &v)) {
        /* "mit Kind", "mit Baby", "family", "ohne Kinder" */
        if (with && is_c(c, k, C_CHILD) && c->it[k].value == 1) {
            c->f.children += 1, c->f.children_set = true;
            return k + 1 - i;
        }
        if (with && is_c(c, k, C_BABY)) {
            c->f.children += 1, c->f.children_set = true;
            return k + 1 - i;
        }
        return 0;
    }
    k++;
    if (is_sym(c, k, '-') && is_unit(c, k + 1))
        k++; /* "14-tägig" */
    if (!is_unit(c, k) && c->it[i].concept == C_FOR && !is_c(c, i + 1, C_ARTICLE) && v >= 1 && v <= 12) {
        /* "für zwei", "for 3" */
        c->f.adults_explicit = (int)v;
        return k - i;
    }
    if (k >= c->n)
        return 0;
    switch (c->it[k].concept) {
    case C_ADULT:
        if (v < 1 || v > 30)
            return 0;
        c->f.adults_explicit = (int)v;
        break;
    case C_CHILD:
    case C_BABY:
        if (v > 12)
            return 0;
        c->f.children += (int)v, c->f.children_set = true;
        break;
    case C_PERSON:
        if (v < 1 || v > 30)
            return 0;
        c->f.persons = (int)v;
        break;
    case C_NIGHT:
        if (v < 1 || v > 60)
            return 0;
        c->f.nights = (uint16_t)v, c->f.have |= NLQ_NIGHTS;
        break;
    case C_DAY:
        if (v < 2 || v > 61)
            return 0;
        c->f.nights = (uint16_t)(v - 1), c->f.have |= NLQ_NIGHTS;
        break;
    case C_WEEK:
        if (v < 1 || v > 8)
            return 0;
        c->f.nights = (uint16_t)(7 * v), c->f.have |= NLQ_NIGHTS;
        break;
    default:
        return 0;
    }
    return k + 1 - i;
}

static unsigned r_party(ctx_t *c, unsigned i)
{
    if (is_c(c, i, C_PARTY)) {
        c->f.adults_explicit = (int)c->it[i].value;
        return 1;
    }
    if (is_c(c, i, C_FAMILY)) {
        c->f.family = true;
        return 1;
    }
    if (is_c(c, i, C_STAY)) {
        c->f.nights = (uint16_t)c->it[i].value, c->f.have |= NLQ_NIGHTS;
        return 1;
    }
    if (is_c(c, i, C_NEG) && is_c(c, i + 1, C_CHILD)) {
        c->f.children = 0, c->f.children_set = true;
        return 2;
    }
    /* "2+1", "2 + 2 Kinder" */
    int64_t a, b;
    if (num_at(c, i, &a) && is_sym(c, i + 1, '+') && num_at(c, i + 2, &b) && a >= 1 && a <= 9 && b <= 9) {
        c->f.adults_explicit = (int)a;
        c->f.children = (int)b, c->f.children_set = true;
        return is_c(c, i + 3, C_CHILD) ? 4 : 3;
    }
    return 0;
}

/* "4 Sterne", "4*", "****", "mindestens 4 Sterne", "ab 3,5 Sternen", "four star". */
static unsigned r_stars(ctx_t *c, unsigned i)
{
    unsigned k = i;
    bool at_most = is_c(c, k, C_MAX); /* "höchstens 3 Sterne": no such filter */
    if (is_c(c, k, C_MIN) || is_c(c, k, C_FROM) || at_most)
        k++;
    int64_t v;
    unsigned x10;
    if (is_sym(c, k, '*') && tok_of(c, k)->stars >= 2) {
        x10 = tok_of(c, k)->stars * 10u;
        k++;
    } else {
        const tok_t *t = k < c->n ? tok_of(c, k) : NULL;
        if (t && c->it[k].concept == C_NONE && t->kind == T_NUM && (t->flags & TF_DECIMAL))
            x10 = (unsigned)t->num10;
        else if (num_at(c, k, &v) && v <= 5)
            x10 = (unsigned)v * 10;
        else
            return 0;
        k++;
        if (is_sym(c, k, '-'))
            k++;
        if (!(is_c(c, k, C_STAR) || is_sym(c, k, '*')))
            return 0;
        k++;
    }
    if (x10 > 50 || x10 < 10)
        return 0;
    if (is_c(c, k, C_MIN) || is_sym(c, k, '+'))
        k++;
    if (at_most) {
        c->f.failed = true;
        return k - i;
    }
    c->f.min_stars_x10 = (uint8_t)x10;
    c->f.have |= NLQ_STARS;
    return k - i;
}

/* "unter 1500 €", "bis 2000 Euro", "max 800 pro Person", "€900 pp",
 * "1.500 Euro insgesamt". */
static unsigned r_price(ctx_t *c, unsigned i)
{
    unsigned k = i;
    bool kw = false, weak = false;
    if (is_c(c, k, C_MAX))
        kw = true, k++;
    else if (is_c(c, k, C_TO) || is_c(c, k, C_FOR))
        weak = true, k++;
    bool euro = false;
    if (is_c(c, k, C_EURO))
        euro = true, k++;
    int64_t v;
    const tok_t *t = k < c->n ? tok_of(c, k) : NULL;
    if (!t || c->it[k].concept != C_NONE || t->kind != T_NUM || !num_at(c, k, &v))
        return 0;
    k++;
    if (is_c(c, k, C_EURO))
        euro = true, k++;
    bool pp = false;
    if (is_c(c, k, C_PER_PERSON))
        pp = true, k++;
    if (!euro && !pp && !kw && !(weak && is_c(c, i, C_TO) && v >= 100 && !is_unit(c, k)))
        return 0;
    if (!euro && kw && (v < 20 || is_unit(c, k)))
        return 0;
    if (v < 1 || v > 10000000)
        return 0;
    c->f.price = v;
    c->f.per_person = pp;
    return k - i;
}

static unsigned r_board(ctx_t *c, unsigned i)
{
    facts_t *r = &c->f;
    bool neg = is_c(c, i, C_NEG);
    unsigned k = i + neg;
    if (is_c(c, k, C_MEAL)) {
        uint32_t v = c->it[k].value;
        if (neg)
            v = ~v & 0xffu; /* the eight board types, not the catch-alls */
        r->meals |= v, r->have |= NLQ_MEALS;
        return k + 1 - i;
    }
    if (is_c(c, k, C_ROOM)) {
        uint32_t v = c->it[k].value;
        if (neg)
            v = ~v & ((1u << VOCAB_ROOM_COUNT) - 1);
        r->rooms |= v, r->have |= NLQ_ROOMS;
        return k + 1 - i;
    }
    if (is_c(c, k, C_OCEAN)) {
        r->ocean_view = !neg, r->have |= NLQ_OCEAN;
        return k + 1 - i;
    }
    return 0;
}

static unsigned r_places(ctx_t *c, unsigned i)
{
    facts_t *r = &c->f;
    unsigned k = i;
    if (is_c(c, k, C_FROM))
        k++;
    if (is_c(c, k, C_AIRPORT)) {
        r->airports |= 1ull << c->it[k].value, r->have |= NLQ_AIRPORTS;
        return k + 1 - i;
    }
    if (is_c(c, k, C_REGION)) {
        const char *codes = nlq_regions[c->it[k].value].airports;
        for (const char *s = codes; *s; s += s[3] ? 4 : 3)
            for (unsigned a = 0; a < nlq_n_airports; a++)
                if (!memcmp(nlq_airports[a].code, s, 3))
                    r->airports |= 1ull << a;
        r->have |= NLQ_AIRPORTS;
        return k + 1 - i;
    }
    if (k == i && is_c(c, k, C_DEST)) {
        bool dup = false;
        for (unsigned d = 0; d < r->n_dests; d++)
            dup |= r->dests[d] == c->it[k].value;
        if (!dup && r->n_dests < NLQ_MAX_DEST)
            r->dests[r->n_dests++] = (uint16_t)c->it[k].value;
        r->have |= NLQ_DEST;
        return 1;
    }
    return 0;
}

typedef unsigned (*rule_fn)(ctx_t *c, unsigned i);
/* At each item the longest match wins; on a tie the earlier rule. */
static const rule_fn rules[] = {r_holiday, r_dates, r_months, r_count, r_party, r_stars, r_price, r_board, r_places};

/* ---- hotels ------------------------------------------------------------------ */

static int64_t hotel_word(const nlq_t *p, const char *w, size_t wl, bool fuzzy)
{
    const slot_t *s = map_get(p, &p->hword, w, wl);
    if (s)
        return s->value;
    if (!fuzzy || wl < 5 || wl > 40 || !p->hword_del.slots)
        return -1;
    /* candidates from the deletion index, verified against the word text */
    int64_t best = -1;
    char d[48];
    for (size_t k = 0; k <= wl; k++) {
        const char *key = w;
        size_t kl = wl;
        if (k < wl) {
            memcpy(d, w, k);
            memcpy(d + k, w + k + 1, wl - k - 1);
            key = d, kl = wl - 1;
        }
        uint32_t h = hash_bytes(key, kl);
        const map_t *m = &p->hword_del;
        for (uint32_t j = h & m->mask; m->slots[j].key_len; j = (j + 1) & m->mask) {
            const slot_t *x = &m->slots[j];
            if (x->hash != h || x->key_len != kl || memcmp(p->arena + x->key_off, key, kl))
                continue;
            uint32_t id = x->value;
            if (!within1(w, wl, p->arena + p->hw_off[id], p->hw_len[id]))
                continue;
            if (best < 0 || p->hw_df[id] < p->hw_df[best])
                best = id;
        }
    }
    return best;
}

/* Offers the words no rule took to the hotel matcher. Each word that is a
 * hotel-name word (one typo allowed) votes for the hotels holding it; the
 * hotels with the most votes win if the vote is specific enough: at least
 * one voting word that is not a filler and is in few names, and for a
 * single word either the brand (first word of every such name, "Iberostar")
 * or a name word found in at most two hotels. Among equal votes, the names
 * said most completely ("Iberostar Alcudia" -> "Iberostar Alcudia Park"). */
/* Words in more hotel names than this only add to a candidate's score. */
#define COMMON_DF 60

static void match_hotels(const nlq_t *p, const toks_t *T, bool *tok_done, const bool *strong, const bool *feature,
                         nlq_result *r)
{
    int64_t wid[MAX_TOKENS];
    for (unsigned t = 0; t < T->n; t++) {
        wid[t] = -1;
        if (!tok_done[t] && T->t[t].kind == T_WORD && T->t[t].wl >= 2)
            wid[t] = hotel_word(p, T->text + T->t[t].w, T->t[t].wl, strong[t] && (T->t[t].flags & TF_ASCII));
        for (unsigned u = 0; wid[t] >= 0 && u < t; u++)
            if (wid[u] == wid[t])
                wid[t] = -1; /* a word said twice votes once */
    }
    /* candidates: hotels of the matched words; score = matched words */
    uint32_t cand[512], score[512];
    bool specific[512];
    unsigned nc = 0;
    unsigned n_strong = 0;
    for (unsigned t = 0; t < T->n; t++) {
        /* words in many names ("hotel", "playa") and feature words ("Spa")
         * do not make candidates */
        if (wid[t] < 0 || p->hw_df[wid[t]] > COMMON_DF || feature[t])
            continue;
        n_strong += strong[t];
        const uint32_t *post = p->postings + p->hw_post[wid[t]];
        bool spec = strong[t] && p->hw_df[wid[t]] <= NLQ_MAX_HOTELS;
        for (uint32_t k = 0; k < p->hw_df[wid[t]]; k++) {
            unsigned j = 0;
            while (j < nc && cand[j] != post[k])
                j++;
            if (j == nc) {
                if (nc == 512)
                    continue;
                cand[nc] = post[k], score[nc] = 0, specific[nc] = false, nc++;
            }
            score[j]++;
            specific[j] |= spec;
        }
    }
    /* ... but they add to the score of the candidates holding them */
    for (unsigned t = 0; t < T->n; t++) {
        if (wid[t] < 0 || (p->hw_df[wid[t]] <= COMMON_DF && !feature[t]))
            continue;
        const uint32_t *post = p->postings + p->hw_post[wid[t]];
        for (unsigned j = 0; j < nc; j++) {
            size_t lo = 0, hi = p->hw_df[wid[t]];
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (post[mid] < cand[j])
                    lo = mid + 1;
                else
                    hi = mid;
            }
            score[j] += lo < p->hw_df[wid[t]] && post[lo] == cand[j];
        }
    }
    uint32_t best = 0;
    for (unsigned j = 0; j < nc; j++)
        if (specific[j] && score[j] > best)
            best = score[j];
    if (best == 0)
        return;
    unsigned n_best = 0;
    uint32_t picked[512];
    for (unsigned j = 0; j < nc; j++)
        if (specific[j] && score[j] == best)
            picked[n_best++] = cand[j];
    if (n_strong == 1) {
        /* one word of substance: a brand, or a capitalised name word of at
         * most two hotels ("Carabela"), not any word that happens to be in
         * a name ("vacances") */
        unsigned t = 0;
        while (t < T->n && !(wid[t] >= 0 && strong[t] && p->hw_df[wid[t]] <= NLQ_MAX_HOTELS))
            t++;
        if (t == T->n || T->t[t].wl < 5)
            return;
        bool brand = true;
        for (unsigned j = 0; j < n_best; j++)
            brand &= p->first_word[picked[j]] == (uint32_t)wid[t];
        unsigned char first = (unsigned char)T->src[T->t[t].off];
        if (!brand && !(T->t[t].wl >= 6 && p->hw_df[wid[t]] <= 2 && first >= 'A' && first <= 'Z'))
            return;
    }
    if (n_best > 1 && best >= 2) {
        /* "Iberostar Alcudia": the hotels whose names those words say most completely */
        uint16_t fewest = UINT16_MAX;
        for (unsigned j = 0; j < n_best; j++)
            fewest = p->hotel_words[picked[j]] < fewest ? p->hotel_words[picked[j]] : fewest;
        unsigned kept = 0;
        for (unsigned j = 0; j < n_best; j++)
            if (p->hotel_words[picked[j]] == fewest)
                picked[kept++] = picked[j];
        n_best = kept;
    }
    if (n_best > NLQ_MAX_HOTELS)
        return; /* too vague: leave the words unrecognized */
    /* consume the words the picked hotels contain */
    for (unsigned t = 0; t < T->n; t++) {
        if (wid[t] < 0)
            continue;
        const uint32_t *post = p->postings + p->hw_post[wid[t]];
        for (uint32_t k = 0; k < p->hw_df[wid[t]]; k++)
            for (unsigned j = 0; j < n_best; j++)
                if (post[k] == picked[j])
                    tok_done[t] = true;
    }
    for (unsigned j = 0; j < n_best; j++)
        r->hotels[j] = p->hotel_id[picked[j]];
    r->n_hotels = (uint8_t)n_best;
    for (unsigned a = 1; a < n_best; a++) /* ascending ids */
        for (unsigned b = a; b > 0 && r->hotels[b - 1] > r->hotels[b]; b--) {
            uint32_t x = r->hotels[b];
            r->hotels[b] = r->hotels[b - 1];
            r->hotels[b - 1] = x;
        }
    r->have |= NLQ_HOTELS;
}

/* ---- parse ----------------------------------------------------------------------- */

/* Concepts that are fine to leave unused (connectives, articles, fillers). */
static bool silent(uint8_t concept)
{
    switch (concept) {
    case C_FILLER: case C_ARTICLE: case C_AND: case C_OR: case C_WITH: case C_FOR: case C_FROM: case C_TO:
    case C_BETWEEN:
        return true;
    }
    return false;
}

int nlq_parse(const nlq_t *p, const char *text, size_t n, nlq_result *out)
{
    memset(out, 0, sizeof *out);
    if (n > NLQ_MAX_TEXT)
        return -1;
    toks_t T;
    tokenize(text, n, false, &T);

    /* spelling: unknown ASCII words one edit from a lexicon word */
    for (unsigned t = 0; t < T.n; t++) {
        tok_t *k = &T.t[t];
        if (k->kind != T_WORD || !(k->flags & TF_ASCII) || k->wl < 4)
            continue;
        const char *w = T.text + k->w;
        if (map_get(p, &p->vocab, w, k->wl) || map_get(p, &p->hword, w, k->wl))
            continue;
        int64_t id = spell_vocab(p, w, k->wl);
        if (id >= 0 && T.text_len + p->vocab_len[id] < sizeof T.text) {
            k->w = (uint16_t)T.text_len;
            k->wl = p->vocab_len[id];
            memcpy(T.text + T.text_len, p->arena + p->vocab_off[id], k->wl);
            T.text_len += k->wl;
            k->flags |= TF_FIXED;
        }
    }

    /* phrases: the longest lexicon row starting at each token */
    ctx_t *c = &(ctx_t){0};
    c->p = p, c->T = &T, c->f.persons = -1, c->f.adults_explicit = -1;
    item_t all[MAX_TOKENS];
    unsigned n_all = 0;
    for (unsigned t = 0; t < T.n;) {
        item_t *it = &all[n_all++];
        *it = (item_t){.concept = C_NONE, .t0 = (uint16_t)t, .t1 = (uint16_t)(t + 1)};
        if (T.t[t].kind == T_WORD) {
            char key[512];
            size_t kl = 0;
            for (unsigned w = 0; w < p->max_phrase_words && t + w < T.n && T.t[t + w].kind == T_WORD; w++) {
                const tok_t *k = &T.t[t + w];
                if (kl + k->wl + 1 >= sizeof key)
                    break;
                if (w)
                    key[kl++] = ' ';
                memcpy(key + kl, T.text + k->w, k->wl);
                kl += k->wl;
                const slot_t *s = NULL;
                if (!w && k->wl == 3 && (k->flags & TF_UPPER)) { /* "EIN" the airport, "ein" the article */
                    char code[4] = {'#', key[0], key[1], key[2]};
                    s = map_get(p, &p->phrases, code, 4);
                }
                if (!s)
                    s = map_get(p, &p->phrases, key, kl);
                if (s) {
                    it->concept = s->concept;
                    it->value = s->value;
                    it->t1 = (uint16_t)(t + w + 1);
                }
            }
        }
        /* a typo "corrected" into a lone filler ("near" -> "year") would vanish
         * silently: it stays an unknown word */
        if (it->concept == C_FILLER && it->t1 == it->t0 + 1 && (T.t[t].flags & TF_FIXED))
            it->concept = C_NONE;
        t = it->t1;
    }
    /* the rules see the items without fillers ("ich", "im", "hotel") */
    unsigned idx[MAX_TOKENS];
    for (unsigned i = 0; i < n_all; i++)
        if (all[i].concept != C_FILLER)
            idx[c->n] = i, c->it[c->n++] = all[i];
    for (unsigned i = 0; i < c->n;) {
        unsigned best = 0;
        size_t best_rule = 0;
        facts_t saved = c->f;
        for (size_t r = 0; r < sizeof rules / sizeof *rules; r++) {
            /* rules write as they match: try each, then undo */
            unsigned u = rules[r](c, i);
            c->f = saved;
            if (u > best)
                best = u, best_rule = r;
        }
        if (!best) {
            i++;
            continue;
        }
        rules[best_rule](c, i);
        bool failed = c->f.failed;
        c->f.failed = false;
        for (unsigned j = i; j < i + best; j++)
            c->used[j] = true, c->bad[j] = failed;
        i += best;
    }

    /* back to all items: what did the rules leave? */
    bool tok_done[MAX_TOKENS] = {0};
    bool tok_bad[MAX_TOKENS] = {0};
    bool strong[MAX_TOKENS] = {0};  /* words that may name a hotel on their own */
    bool feature[MAX_TOKENS] = {0}; /* "pool", "spa": known, not searchable, never a hotel */
    for (unsigned i = 0; i < n_all; i++)
        for (unsigned t = all[i].t0; t < all[i].t1; t++) {
            strong[t] = !silent(all[i].concept) && all[i].concept != C_FEATURE;
            feature[t] = all[i].concept == C_FEATURE;
        }
    for (unsigned j = 0; j < c->n; j++) {
        const item_t *it = &all[idx[j]];
        for (unsigned t = it->t0; t < it->t1; t++) {
            tok_done[t] = c->used[j] && !c->bad[j];
            tok_bad[t] = c->bad[j];
        }
    }
    /* leftover words may name a hotel */
    match_hotels(p, &T, tok_done, strong, feature, out);
    for (unsigned i = 0; i < n_all; i++) {
        const item_t *it = &all[i];
        if (tok_done[it->t0])
            continue;
        bool report = !silent(it->concept) || tok_bad[it->t0];
        if (it->concept == C_NONE && T.t[it->t0].kind == T_SYM)
            report = false;
        if (!report)
            continue;
        for (unsigned t = it->t0; t < it->t1; t++) {
            if (tok_done[t])
                continue;
            if (out->n_unrecognized == NLQ_MAX_UNRECOGNIZED) {
                out->more_unrecognized = true;
                break;
            }
            out->unrecognized[out->n_unrecognized++] = (nlq_span){T.t[t].off, T.t[t].len};
        }
    }

    /* resolve what depends on the whole sentence */
    nlq_result *r = out;
    const facts_t *f = &c->f;
    r->have |= f->have & ~(uint32_t)(NLQ_ADULTS | NLQ_CHILDREN | NLQ_PRICE | NLQ_HOTELS);
    r->nights = f->nights, r->earliest = f->earliest, r->latest = f->latest;
    r->airports = f->airports;
    for (unsigned d = 0; d < f->n_dests; d++)
        memcpy(r->destinations[d], p->dest_codes[f->dests[d]], 4);
    r->n_destinations = f->n_dests;
    r->meals = f->meals, r->rooms = f->rooms, r->ocean_view = f->ocean_view, r->min_stars_x10 = f->min_stars_x10;
    if (c->f.children_set) {
        r->children = (uint8_t)(c->f.children > 255 ? 255 : c->f.children);
        r->have |= NLQ_CHILDREN;
    }
    if (c->f.adults_explicit >= 0) {
        r->adults = (uint8_t)c->f.adults_explicit;
        r->have |= NLQ_ADULTS;
    } else if (c->f.persons > 0) {
        int a = c->f.persons - (c->f.children_set && c->f.persons > c->f.children ? c->f.children : 0);
        r->adults = (uint8_t)a;
        r->have |= NLQ_ADULTS;
    } else if (c->f.family) {
        r->adults = 2;
        r->have |= NLQ_ADULTS;
    }
    if (!(r->have & NLQ_NIGHTS) && c->f.range_exact && (r->have & NLQ_EARLIEST) && (r->have & NLQ_LATEST) &&
        r->latest - r->earliest >= 1 && r->latest - r->earliest <= 28) {
        r->nights = (uint16_t)(r->latest - r->earliest);
        r->have |= NLQ_NIGHTS;
    }
    if (c->f.depart_exact && !(r->have & NLQ_LATEST) && (r->have & NLQ_NIGHTS)) {
        r->latest = r->earliest + r->nights;
        r->have |= NLQ_LATEST;
    }
    if (c->f.price > 0) {
        int64_t total = c->f.price;
        if (c->f.per_person) {
            int party = ((r->have & NLQ_ADULTS) ? r->adults : NLQ_DEFAULT_ADULTS) + r->children;
            total *= party > 0 ? party : 1;
        }
        r->max_price = (uint32_t)(total > 0xfffffffe ? 0xfffffffe : total);
        r->have |= NLQ_PRICE;
    }
    return 0;
}

uint32_t nlq_defaults(const nlq_t *p, nlq_result *r)
{
    uint32_t filled = 0;
    if (!(r->have & NLQ_ADULTS))
        r->adults = NLQ_DEFAULT_ADULTS, filled |= NLQ_ADULTS;
    if (!(r->have & NLQ_CHILDREN))
        r->children = 0, filled |= NLQ_CHILDREN;
    if (!(r->have & NLQ_EARLIEST)) {
        /* "bis 3. Januar" with data from 6 January: the window still opens */
        r->earliest = (r->have & NLQ_LATEST) && r->latest < p->first_day ? r->latest : p->first_day;
        filled |= NLQ_EARLIEST;
    }
    if (!(r->have & NLQ_LATEST)) {
        int32_t last = r->earliest > p->last_day ? r->earliest : p->last_day;
        r->latest = last + ((r->have & NLQ_NIGHTS) ? r->nights : NLQ_DEFAULT_MAX_NIGHTS);
        filled |= NLQ_LATEST;
    }
    r->have |= filled;
    return filled;
}

const char *nlq_airport_code(unsigned i) { return i < nlq_n_airports ? nlq_airports[i].code : NULL; }
const char *nlq_meal_code(unsigned i) { return i < VOCAB_MEAL_COUNT ? vocab_meal_types[i] : NULL; }
const char *nlq_room_code(unsigned i) { return i < VOCAB_ROOM_COUNT ? vocab_room_types[i] : NULL; }

const char *nlq_hotel_name(const nlq_t *p, uint32_t hotel_id, size_t *len)
{
    for (size_t k = 0; k < p->n_hotels; k++)
        if (p->hotel_id[k] == hotel_id) {
            *len = p->hotel_name_len[k];
            return p->arena + p->hotel_name_off[k];
        }
    return NULL;
}

/* ---- description ---------------------------------------------------------------- */

typedef struct {
    char *out;
    size_t cap, len;
} fmt_t;

static void fmt_put(fmt_t *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (f->len + 1 < f->cap)
            f->out[f->len] = s[i];
        f->len++;
    }
}

static void fmt_s(fmt_t *f, const char *s) { fmt_put(f, s, strlen(s)); }

static void fmt_key(fmt_t *f, const char *k)
{
    if (f->len)
        fmt_s(f, " ");
    fmt_s(f, k);
    fmt_s(f, "=");
}

static void fmt_num(fmt_t *f, const char *k, long long v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", v);
    fmt_key(f, k);
    fmt_s(f, b);
}

static void fmt_date(fmt_t *f, const char *k, int32_t day)
{
    char b[16];
    size_t n = format_date(day, b);
    fmt_key(f, k);
    fmt_put(f, b, n);
}

static void fmt_set(fmt_t *f, const char *k, uint64_t bits, const char *(*name)(unsigned))
{
    fmt_key(f, k);
    bool first = true;
    for (unsigned i = 0; i < 64; i++)
        if (bits >> i & 1 && name(i)) {
            if (!first)
                fmt_s(f, ",");
            fmt_s(f, name(i));
            first = false;
        }
}

size_t nlq_format(const nlq_result *r, const char *text, char *out, size_t cap)
{
    fmt_t f = {out, cap, 0};
    if (r->have & NLQ_ADULTS)
        fmt_num(&f, "adults", r->adults);
    if (r->have & NLQ_CHILDREN)
        fmt_num(&f, "children", r->children);
    if (r->have & NLQ_NIGHTS)
        fmt_num(&f, "nights", r->nights);
    if (r->have & NLQ_EARLIEST)
        fmt_date(&f, "earliest", r->earliest);
    if (r->have & NLQ_LATEST)
        fmt_date(&f, "latest", r->latest);
    if (r->have & NLQ_AIRPORTS)
        fmt_set(&f, "airports", r->airports, nlq_airport_code);
    if (r->have & NLQ_MEALS)
        fmt_set(&f, "meals", r->meals, nlq_meal_code);
    if (r->have & NLQ_ROOMS)
        fmt_set(&f, "rooms", r->rooms, nlq_room_code);
    if (r->have & NLQ_OCEAN) {
        fmt_key(&f, "oceanView");
        fmt_s(&f, r->ocean_view ? "true" : "false");
    }
    if (r->have & NLQ_STARS) {
        char b[16];
        snprintf(b, sizeof b, r->min_stars_x10 % 10 ? "%u.%u" : "%u", r->min_stars_x10 / 10u, r->min_stars_x10 % 10u);
        fmt_key(&f, "minStars");
        fmt_s(&f, b);
    }
    if (r->have & NLQ_PRICE)
        fmt_num(&f, "maxPrice", r->max_price);
    if (r->have & NLQ_DEST)
    {
        fmt_key(&f, "destination");
        for (unsigned i = 0; i < r->n_destinations; i++) {
            if (i)
                fmt_s(&f, ",");
            fmt_s(&f, r->destinations[i]);
        }
    }
    if (r->have & NLQ_HOTELS) {
        fmt_key(&f, "hotels");
        for (unsigned i = 0; i < r->n_hotels; i++) {
            char b[16];
            snprintf(b, sizeof b, i ? ",%u" : "%u", r->hotels[i]);
            fmt_s(&f, b);
        }
    }
    if (r->n_unrecognized) {
        fmt_key(&f, "unrecognized");
        for (unsigned i = 0; i < r->n_unrecognized; i++) {
            if (i)
                fmt_s(&f, "|");
            fmt_put(&f, text + r->unrecognized[i].off, r->unrecognized[i].len);
        }
        if (r->more_unrecognized)
            fmt_s(&f, "|...");
    }
    if (cap)
        out[f.len < cap ? f.len : cap - 1] = 0;
    return f.len < cap ? f.len : (cap ? cap - 1 : 0);
}
