/* The insides of the intent parser, shared by its files (nlq.h is the
 * contract; nothing outside src/nlq includes this):
 *
 *   map.c       the string hash tables and the arena of a compiled parser
 *   tokenize.c  text -> tokens (words folded, numbers, dates, symbols)
 *   compile.c   the lexicon, hotel and destination tables; spelling
 *   dates.c     the date grammar (days, months, ranges, holidays)
 *   rules.c     the other grammars (party, length, stars, price, board,
 *               places)
 *   hotels.c    hotel-name matching
 *   parse.c     the parse loop, defaults and the description
 */
#ifndef ISLA_NLQ_INTERNAL_H
#define ISLA_NLQ_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlq/lexicon.h"
#include "nlq/nlq.h"

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

/* Adds a row: see map_put in map.c. */
#define MULTI 0xff
/* Calls back for every row with key k; stops when fn returns false. */
typedef bool (*map_fn)(void *ctx, const slot_t *s);

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

static inline const tok_t *tok_of(const ctx_t *c, unsigned i) { return &c->T->t[c->it[i].t0]; }

static inline bool is_c(const ctx_t *c, unsigned i, uint8_t concept) { return i < c->n && c->it[i].concept == concept; }

static inline bool is_sym(const ctx_t *c, unsigned i, char sym)
{
    return i < c->n && c->it[i].concept == C_NONE && tok_of(c, i)->kind == T_SYM && tok_of(c, i)->sym == sym;
}

/* A whole number: digits, a number word, or "ein"/"a". */
static inline bool num_at(const ctx_t *c, unsigned i, int64_t *v)
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

static inline bool is_unit(const ctx_t *c, unsigned i)
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

/* ---- shared functions ------------------------------------------------------ */

uint32_t nlq_hash_bytes(const char *p, size_t n);
size_t nlq_arena_add(nlq_t *p, const char *s, size_t n);
void nlq_map_init(map_t *m, uint32_t expect);
void nlq_map_put(nlq_t *p, map_t *m, const char *k, size_t n, uint8_t concept, uint32_t value);
void nlq_map_each(const nlq_t *p, const map_t *m, const char *k, size_t n, map_fn fn, void *ctx);
const slot_t *nlq_map_get(const nlq_t *p, const map_t *m, const char *k, size_t n);
void nlq_tokenize(const char *text, size_t n, bool plain, toks_t *T);
bool nlq_within1(const char *a, size_t la, const char *b, size_t lb);
int64_t nlq_spell_vocab(const nlq_t *p, const char *w, size_t wl);
void nlq_match_hotels(const nlq_t *p, const toks_t *T, bool *tok_done, const bool *strong, const bool *feature,
                      nlq_result *r);
/* The rules (dates.c, rules.c): each returns how many items it consumed
 * at item i (0: no match) and writes what it found into c->f. */
unsigned nlq_rule_months(ctx_t *c, unsigned i);
unsigned nlq_rule_dates(ctx_t *c, unsigned i);
unsigned nlq_rule_holiday(ctx_t *c, unsigned i);
unsigned nlq_rule_count(ctx_t *c, unsigned i);
unsigned nlq_rule_party(ctx_t *c, unsigned i);
unsigned nlq_rule_stars(ctx_t *c, unsigned i);
unsigned nlq_rule_price(ctx_t *c, unsigned i);
unsigned nlq_rule_board(ctx_t *c, unsigned i);
unsigned nlq_rule_places(ctx_t *c, unsigned i);

#endif
