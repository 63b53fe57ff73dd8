/* model_slots.h — what every backend (store.h, lmdb/, postgres/) does alike with deep models: a
 * new version's record, and a learner's state of a model: one slot {gen u32, steps u32, n_state
 * floats}, or two while a model.recompute builds a new generation beside the live one. An entry
 * of another size is of another version of the model (its sizes may differ): it holds no slot. */
#ifndef AS_MODEL_SLOTS_H
#define AS_MODEL_SLOTS_H

#include "store.h"

#include <string.h>

/* The record of a model's new version (rec: the current one, or a deleted model's version and
 * last generation): the next version, a fresh generation live, no recompute, no learners. */
static inline void as_model_rec_new_version(as_model_rec_t *rec, uint32_t kind)
{
    rec->version++;
    rec->kind = kind;
    rec->live_gen = ++rec->last_gen;
    rec->shadow_gen = 0;
    rec->job = 0;
    rec->learners = 0;
    rec->refused = 0;
}

typedef struct {
    uint32_t gen, steps;
} as_state_slot_t;

static inline size_t as_state_slot_size(uint32_t n_state)
{
    return sizeof(as_state_slot_t) + (size_t)n_state * 4;
}

/* The slot of generation gen in an entry of len bytes at v: *state (n_state floats, unaligned)
 * and *steps; false when it has none. */
static inline bool as_state_slot_find(const void *v, size_t len, uint32_t gen, uint32_t n_state,
                                      const void **state, uint32_t *steps)
{
    size_t slot = as_state_slot_size(n_state);
    if (len != slot && len != 2 * slot) return false;
    for (size_t at = 0; at < len; at += slot) {
        as_state_slot_t h;
        memcpy(&h, (const uint8_t *)v + at, sizeof h);
        if (h.gen == gen) {
            *steps = h.steps;
            *state = (const uint8_t *)v + at + sizeof h;
            return true;
        }
    }
    return false;
}

/* The entry that replaces the one at (v, len) (len 0: none) when generation gen's state becomes
 * (steps, state), into out (room for two slots): the slot of the model's other generation (its
 * live or its shadow one) kept. Returns the entry's length. */
static inline size_t as_state_entry(const void *v, size_t len, const as_model_rec_t *rec,
                                    uint32_t gen, uint32_t steps, const float *state, uint8_t *out)
{
    size_t slot = as_state_slot_size(rec->n_state);
    as_state_slot_t h = {gen, steps};
    memcpy(out, &h, sizeof h);
    memcpy(out + sizeof h, state, slot - sizeof h);
    uint32_t other = gen == rec->live_gen ? rec->shadow_gen : rec->live_gen;
    const void *keep;
    uint32_t keep_steps;
    if (!other || !as_state_slot_find(v, len, other, rec->n_state, &keep, &keep_steps)) return slot;
    as_state_slot_t kh = {other, keep_steps};
    memcpy(out + slot, &kh, sizeof kh);
    memcpy(out + slot + sizeof kh, keep, slot - sizeof kh);
    return 2 * slot;
}

#endif
