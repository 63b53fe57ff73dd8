/* writes.h — the writer's steps, one per write operation (as_op_t), each beside its domain's
 * handlers: the worker validates a write (assessments.c, responses.c, jobs.c, skills.c) and the
 * writer applies it inside its transaction with the step named here (the *_write.c files).
 * as_write_steps (methods.c) is the table the writer thread looks them up in.
 */
#ifndef AS_WRITES_H
#define AS_WRITES_H

#include "job_kind.h"
#include "resolve.h"
#include "store.h"
#include "write.h"

/* assessments_write.c */
as_write_step_fn as_write_assessment_put;    /* AS_OP_PUT */
as_write_step_fn as_write_assessment_delete; /* AS_OP_DELETE */
/* responses_write.c */
as_write_step_fn as_write_submit; /* AS_OP_SUBMIT */
/* Stores response answers (scored into wr->item_scores, answered[] for table t) of s as its
 * `attempt`-th, submitted at `submitted_at`: mastery, the record (left in wr->rec), its indexes,
 * the report's statistics, and the score.<assessment> and mastery.<learner> notifications.
 * *rid: its id. (response.submit, attempt.submit, the deadline sweep) */
as_code_t as_write_response(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, const as_subject_t *s,
                            const as_table_t *t, const uint8_t *answered, double score,
                            uint32_t attempt, double submitted_at, as_mp_t answers, uint64_t *rid);
/* The assessment.<id> notification of a stored table t at version (assessment.put, import). */
void as_write_put_note(as_write_t *w, as_wtxn_t *txn, const as_table_t *t, uint32_t version);
/* Packs a stored record as a submission's result: every field but "answers". */
void as_write_pack_result(msgpack_packer *pk, const void *record, size_t len);
/* Whether s may start or submit one more attempt at t (max_attempts with the learner's
 * override): AS_OK with the attempts counted so far, else conflict saying so. */
as_code_t as_write_attempt_allowed(as_wtxn_t *txn, const as_subject_t *s, const as_table_t *t,
                                   uint32_t *attempts, as_err_t *err);
/* attempts_write.c */
as_write_step_fn as_write_attempt_start;   /* AS_OP_ATTEMPT_START */
as_write_step_fn as_write_attempt_save;    /* AS_OP_ATTEMPT_SAVE */
as_write_step_fn as_write_attempt_submit;  /* AS_OP_ATTEMPT_SUBMIT */
as_write_step_fn as_write_attempt_abandon; /* AS_OP_ATTEMPT_ABANDON */
as_write_step_fn as_write_override;        /* AS_OP_OVERRIDE */
as_write_step_fn as_write_import;          /* AS_OP_IMPORT */
/* The deadline sweep: acts on at most `max` attempt events due at `now` (an attempt becomes
 * overdue; one past its grace is ended by its policy) inside txn, their notifications into w
 * (its code set on failure). Returns how many it acted on; *next: when the next event is due (0:
 * none; `now` when more are due already). */
int as_write_attempts_sweep(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, double now, int max,
                            double *next);

/* grades_write.c */
as_write_step_fn as_write_grade_put;  /* AS_OP_GRADE_PUT */
as_write_step_fn as_write_grade_next; /* AS_OP_GRADE_NEXT (grades_next.c) */
/* The state of response rid's answer to graded item `it` of t from people's latest grades (*raw:
 * its score when resolved). */
as_code_t as_write_grade_state(as_wtxn_t *txn, uint64_t rid, const as_table_t *t,
                               const as_titem_t *it, as_grade_state_t *state, double *raw,
                               as_err_t *err);

/* models_write.c */
as_write_step_fn as_write_model_put;    /* AS_OP_MODEL_PUT */
as_write_step_fn as_write_model_delete; /* AS_OP_MODEL_DELETE */

/* jobs_write.c */
as_write_step_fn as_write_job_new;  /* AS_OP_JOB_NEW */
as_write_step_fn as_write_job_step; /* AS_OP_JOB_STEP */
/* skills_write.c */
as_write_step_fn as_write_skill_put;    /* AS_OP_SKILL_PUT */
as_write_step_fn as_write_skill_delete; /* AS_OP_SKILL_DELETE */

/* The kinds of background job (job_kind.h): regrade.c, tracing/recompute.c. */
extern const as_job_ops_t as_regrade_ops;
extern const as_job_ops_t as_recompute_ops;
extern const as_job_ops_t as_fit_ops;             /* tracing/fit.c */
extern const as_job_ops_t as_model_recompute_ops; /* tracing/model_recompute.c */

/* The step of each operation, indexed by as_op_t (NULL for AS_OP_NONE). */
extern as_write_step_fn *const as_write_steps[AS_OP_COUNT];

/* Who a write submits for, declared to the store before the batch's steps run
 * (as_wtxn_prepare): false when the write declares none (or its arguments are malformed: its
 * step says so). Indexed by as_op_t; NULL for the writes that declare nothing. */
typedef bool as_write_subject_fn(as_write_t *w, as_subject_t *s);
as_write_subject_fn as_write_submit_subject;        /* AS_OP_SUBMIT */
as_write_subject_fn as_write_attempt_start_subject; /* AS_OP_ATTEMPT_START */
extern as_write_subject_fn *const as_write_subjects[AS_OP_COUNT];

#endif
