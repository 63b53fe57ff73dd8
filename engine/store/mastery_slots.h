/* mastery_slots.h — a learner's mastery entry as every backend stores it (store.h, lmdb/,
 * postgres/): one 16-byte slot, or two while a skill.recompute builds a new generation beside
 * the live one; a slot counts when its generation is the one asked for.
 *
 * A slot keeps the smaller of P(mastered) and P(not mastered), the other being 1 minus it: the
 * mastery itself when it is at most 1/2, else minus P(not mastered) (a negative number, or -0:
 * its sign bit). So a state near 1 keeps its distance from 1 exactly (bkt.h); slots written
 * before (a plain mastery) read as they were.
 */
#ifndef AS_MASTERY_SLOTS_H
#define AS_MASTERY_SLOTS_H

#include "store.h"

#include <math.h>
#include <string.h>

typedef struct {
    double p;
    uint32_t opportunities;
    uint32_t gen;
} as_mslot_t;

/* The slot of generation gen in an entry of len bytes at v (unaligned: copied), or NULL. */
static inline const as_mslot_t *as_mslot_find(const void *v, size_t len, uint32_t gen,
                                              as_mslot_t *out)
{
    size_t n = len / sizeof(as_mslot_t);
    for (size_t i = 0; i < n && i < 2; i++) {
        memcpy(out, (const uint8_t *)v + i * sizeof *out, sizeof *out);
        if (out->gen == gen) return out;
    }
    return NULL;
}

/* The state a slot holds; with no slot, the skill's prior and no opportunities. */
static inline void as_mslot_state(const as_mslot_t *slot, const as_skill_t *sk, as_mastery_t *m)
{
    if (!slot) {
        *m = (as_mastery_t){.s = as_bkt_state(sk->params.prior), .opportunities = 0};
        return;
    }
    as_bkt_state_t s = {slot->p, 1 - slot->p};
    if (signbit(slot->p)) s = (as_bkt_state_t){1 + slot->p, -slot->p};
    *m = (as_mastery_t){.s = s, .opportunities = slot->opportunities};
}

/* The entry that replaces the one at (v, len) (len 0: none) when generation gen's state becomes
 * m: the other slot kept only while it is the skill's live or shadow generation. Returns the
 * number of slots written to out. */
static inline size_t as_mslot_put(const void *v, size_t len, const as_skill_t *sk, uint32_t gen,
                                  const as_mastery_t *m, as_mslot_t out[2])
{
    size_t n = 0;
    for (size_t i = 0; i < len / sizeof(as_mslot_t) && i < 2; i++) {
        as_mslot_t old;
        memcpy(&old, (const uint8_t *)v + i * sizeof old, sizeof old);
        if (old.gen != gen && (old.gen == sk->live_gen || old.gen == sk->shadow_gen))
            out[n++] = old;
    }
    double p = m->s.p <= m->s.q ? m->s.p : -m->s.q;
    out[n++] = (as_mslot_t){.p = p, .opportunities = m->opportunities, .gen = gen};
    return n;
}

#endif
