/* mastery_update.c — how a submission updates mastery: knowledge tracing inside the
 * submission's transaction (docs/DESIGN.md "Knowledge tracing", bkt.h).
 *
 * Each answered item that names skills is one observation per skill: correct when its score is
 * at least kt_threshold times its max score. Observations are applied in item order (an item with
 * several skills updates each independently; a skill named by several answered items takes their
 * observations one after the other). Unanswered items are not evidence, nor are items whose max
 * score is 0. The states are read once, updated in memory and stored once per skill.
 */
#include "tracing.h"

#include <stdlib.h>

/* The entry of skill (id, len) among those touched, loaded on first use. */
static as_touched_t *s_touch(as_writer_t *wr, as_wtxn_t *txn, size_t *n, const char *learner,
                             uint32_t llen, const char *id, uint32_t len, as_code_t *rc,
                             as_err_t *err)
{
    for (size_t i = 0; i < *n; i++)
        if (wr->touched[i].len == len && memcmp(wr->touched[i].id, id, len) == 0)
            return &wr->touched[i];
    if (*n == wr->touched_cap) {
        size_t cap = wr->touched_cap ? wr->touched_cap * 2 : 64;
        as_touched_t *grown = realloc(wr->touched, cap * sizeof *grown);
        if (!grown) {
            *rc = as_err_set(err, AS_INTERNAL, "out of memory");
            return NULL;
        }
        wr->touched = grown;
        wr->touched_cap = cap;
    }
    as_touched_t *e = &wr->touched[*n];
    memcpy(e->id, id, len);
    e->len = len;
    bool found;
    if ((*rc = as_store_skill_wget(txn, id, len, &e->skill, err)) ||
        (*rc = as_store_mastery_wget(txn, learner, llen, id, len, &e->skill, e->skill.live_gen,
                                     &e->m, &found, err)))
        return NULL;
    e->predicted = as_bkt_p_correct(&e->skill.params, e->m.s);
    (*n)++;
    return e;
}

typedef struct {
    as_writer_t *wr;
    as_wtxn_t *txn;
    const char *learner;
    uint32_t llen;
    size_t n;
    as_code_t rc;
    as_err_t *err;
} s_trace_t;

static bool s_observe(void *arg, uint32_t item, uint32_t j, const char *id, uint32_t len,
                      bool correct)
{
    s_trace_t *c = arg;
    as_touched_t *e = s_touch(c->wr, c->txn, &c->n, c->learner, c->llen, id, len, &c->rc, c->err);
    if (!e) return false;
    as_bkt_step(&e->skill.params, &e->m.s, correct);
    e->m.opportunities++;
    return true;
}

as_code_t as_write_trace(as_writer_t *wr, as_wtxn_t *txn, const as_table_t *t, const char *learner,
                         uint32_t llen, const double *x, const uint8_t *answered, as_err_t *err)
{
    s_trace_t c = {.wr = wr, .txn = txn, .learner = learner, .llen = llen, .err = err};
    msgpack_sbuffer_clear(&wr->mastery);
    if (!as_trace_each(t, x, answered, s_observe, &c)) return c.rc;
    size_t n = c.n;
    as_code_t rc = AS_OK;
    if (!n) return AS_OK;
    msgpack_pack_map(&wr->mastery_pk, n);
    for (size_t i = 0; i < n; i++) {
        as_touched_t *e = &wr->touched[i];
        if ((rc = as_store_mastery_wput(txn, learner, llen, e->id, e->len, &e->skill,
                                        e->skill.live_gen, &e->m, err)))
            return rc;
        as_pack_str(&wr->mastery_pk, e->id, e->len);
        as_pack_mastery(&wr->mastery_pk, &e->skill, &e->m, &e->predicted);
    }
    return AS_OK;
}
