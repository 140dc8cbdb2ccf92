/* Pass 1 of the parser: the sentence as tokens (see nlq.c), and the
 * one-edit distance the spelling and hotel matching use. */
#include <string.h>

#include "nlq/internal.h"

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
void nlq_tokenize(const char *text, size_t n, bool plain, toks_t *T)
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
bool nlq_within1(const char *a, size_t la, const char *b, size_t lb)
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
        return nlq_within1(b, lb, a, la);
    if (lb + 1 != la)
        return false;
    size_t i = 0;
    while (i < lb && a[i] == b[i])
        i++;
    return !memcmp(a + i + 1, b + i, lb - i);
}
