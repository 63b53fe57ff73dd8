/* tracing.h — knowledge tracing's shared pieces: what counts as a correct observation, and how
 * a learner's state of a skill is shown (submit results, mastery.get, notifications). */
#ifndef AS_TRACING_H
#define AS_TRACING_H

#include "store.h"
#include "write.h"

#include <msgpack.h>

/* Whether item score x of item it is a correct observation: x >= kt_threshold * max score. */
bool as_trace_correct(const as_titem_t *it, double x);
/* The observations a scored response (item scores x, answered flags) of table t gives, in order:
 * every answered item with a max score above 0, each of its skills in the item's order:
 * fn(arg, item, its j-th skill (skill, len), correct). fn returns false to stop (then so does
 * this). */
typedef bool (*as_trace_obs_each_fn)(void *arg, uint32_t item, uint32_t j, const char *skill,
                                     uint32_t len, bool correct);
bool as_trace_each(const as_table_t *t, const double *x, const uint8_t *answered,
                   as_trace_obs_each_fn fn, void *arg);

/* {p_mastery, p_correct_next, opportunities, mastered}, and `predicted` when given: the
 * probability of a correct answer before the observations that led to m (a submission's). */
void as_pack_mastery(msgpack_packer *pk, const as_skill_t *skill, const as_mastery_t *m,
                     const double *predicted);

/* A skill as skill.get shows it: {id, prior, learn, forget, guess, slip, mastery_threshold,
 * recomputing} */
void as_pack_skill(msgpack_packer *pk, const char *id, uint32_t len, const as_skill_t *sk);

/* Knowledge tracing of a submission being stored (mastery_update.c): the learner's mastery of
 * each skill of each answered item is updated, item after item, and stored; wr->mastery gets the
 * states of the skills touched as a map, empty (size 0) when there are none. */
as_code_t as_write_trace(as_writer_t *wr, as_wtxn_t *txn, const as_table_t *t, const char *learner,
                         uint32_t learner_len, const double *x, const uint8_t *answered,
                         as_err_t *err);

/* The writer's half of a recompute (recompute.c; also a fit's, fit.c): replays n observations
 * (bools at r) of the learner into generation gen of their state of skill sk, counting them in
 * *replayed. */
as_code_t as_recompute_replay(as_wtxn_t *txn, const char *skill, uint32_t len, const as_skill_t *sk,
                              uint32_t gen, const char *learner, uint32_t llen, as_mp_t *r,
                              uint32_t n, uint64_t *replayed, as_err_t *err);

/* A failed recompute (or fit): the generation job began for skill is dropped, if the skill is
 * still there and still the job's. */
as_code_t as_recompute_drop(as_wtxn_t *txn, const char *skill, uint32_t len, uint64_t job,
                            as_err_t *err);

/* The job thread's half (observe.c): the observations stored response rid of assessment
 * (a, alen) gives of the skills for which want(arg, skill, len) holds, scored with the current
 * table as a regrade does: per answered item with a max score above 0, in item order, each of
 * its wanted skills in the item's order: obs(arg, skill, len, correct). The record is read only
 * when some item names a wanted skill; *learner (valid until the read ends) is then its learner,
 * else NULL. An assessment deleted since gives nothing. Errors: an unreadable record. */
typedef bool (*as_trace_want_fn)(void *arg, const char *skill, uint32_t len);
/* The tables one read looked up, kept for its other responses (valid while the read lasts:
 * zero it at the start of each). */
typedef struct {
    struct {
        const char *id; /* into the map */
        uint32_t len;
        bool found;
        as_table_t t;
    } e[64];
} as_trace_tables_t;
typedef void (*as_trace_obs_fn)(void *arg, const char *skill, uint32_t len, bool correct);
as_code_t as_trace_stored(as_reader_t *rd, as_trace_tables_t *tables, as_scorer_t *sc, double *x,
                          uint64_t rid, const char *a, uint32_t alen, as_trace_want_fn want,
                          as_trace_obs_fn obs, void *arg, const char **learner, uint32_t *llen,
                          as_err_t *err);

#endif
