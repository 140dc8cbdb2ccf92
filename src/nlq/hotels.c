/* Hotel-name matching: runs of words no rule took, looked up in the
 * hotel-name index (one typo allowed, rarest words first). */
#include <string.h>

#include "nlq/internal.h"

/* ---- hotels ------------------------------------------------------------------ */

static int64_t hotel_word(const nlq_t *p, const char *w, size_t wl, bool fuzzy)
{
    const slot_t *s = nlq_map_get(p, &p->hword, w, wl);
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
        uint32_t h = nlq_hash_bytes(key, kl);
        const map_t *m = &p->hword_del;
        for (uint32_t j = h & m->mask; m->slots[j].key_len; j = (j + 1) & m->mask) {
            const slot_t *x = &m->slots[j];
            if (x->hash != h || x->key_len != kl || memcmp(p->arena + x->key_off, key, kl))
                continue;
            uint32_t id = x->value;
            if (!nlq_within1(w, wl, p->arena + p->hw_off[id], p->hw_len[id]))
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

void nlq_match_hotels(const nlq_t *p, const toks_t *T, bool *tok_done, const bool *strong, const bool *feature,
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
