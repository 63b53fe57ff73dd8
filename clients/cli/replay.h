/* replay.h — replaying a real answer stream through the engine (`assay replay`,
 * `assay-bench replay`).
 *
 * Formats (data/ of the repository, gzip or plain, recognised by their header):
 *   assist2009 long CSV   student,seq,skill_id,correct        one answer per row, any order
 *   assist2015 lists      fold,uid,concepts,responses[,...]    one learner per row, in order
 * Each skill k becomes a skill "skill-<k>" (BKT parameters: given or default) and a single-item
 * assessment "skill-<k>" whose item "q" (correct answer "1") names that skill; the learner is
 * "<prefix><student>" (prefix "s" unless set), the answer "1" or "0". Each learner's answers are
 * submitted in order: many learners in flight at once, at most one request per learner.
 */
#ifndef AS_REPLAY_H
#define AS_REPLAY_H

#include "assay.h"

#include <msgpack.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct as_replay as_replay_t;

typedef struct {
    double prior, learn, forget, guess, slip;
} as_replay_params_t;

typedef struct {
    size_t answers, learners;
    uint32_t skills;
    uint32_t top_skill; /* the skill with the most answers */
    size_t top_answers;
    double seconds; /* submitting: from the first request to the last response */
} as_replay_result_t;

/* The defaults: prior 0.3, learn 0.1, forget 0, guess 0.2, slip 0.1. */
as_replay_params_t as_replay_default_params(void);

/* Reads the file (the first `limit` answers; 0: all). Returns 0, or -1 with the reason on
 * stderr. */
int as_replay_load(as_replay_t **out, const char *path, size_t limit);
void as_replay_free(as_replay_t **self_p);
/* What a replay may do besides the defaults. */
typedef struct {
    const char *learner_prefix; /* NULL: "s" (a test file's students are not a train file's) */
    bool keep_skills;           /* setup: a skill already stored keeps its parameters */
    /* submit: called with each answer and the engine's result for it (valid during the call) */
    void (*on_answer)(void *arg, uint32_t skill, unsigned correct, const msgpack_object *result);
    void *arg;
} as_replay_opts_t;
void as_replay_configure(as_replay_t *self, const as_replay_opts_t *opts);

/* Stores the skills and their assessments through an admin connection. */
int as_replay_setup(as_replay_t *self, assay_t *admin, const as_replay_params_t *params);
/* Submits every answer through c (no other requests in flight on it), `inflight` learners at a
 * time, with a progress line on stderr unless quiet. */
int as_replay_submit(as_replay_t *self, assay_t *c, int inflight, bool quiet,
                     as_replay_result_t *out);
/* Per skill, in skill order: the learners with a state of it, their mean mastery and the share
 * at or above the skill's threshold (mastery.get for each learner of the stream). */
typedef void (*as_replay_skill_fn)(void *arg, const char *skill, size_t learners, double mean,
                                   double mastered);
int as_replay_summary(as_replay_t *self, assay_t *c, as_replay_skill_fn fn, void *arg);

#endif
