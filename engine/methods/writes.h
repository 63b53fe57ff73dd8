/* writes.h — the writer's steps, one per write operation (as_op_t), each beside its domain's
 * handlers: the worker validates a write (assessments.c, responses.c, jobs.c, skills.c) and the
 * writer applies it inside its transaction with the step named here (the *_write.c files).
 * as_write_steps (methods.c) is the table the writer thread looks them up in.
 */
#ifndef AS_WRITES_H
#define AS_WRITES_H

#include "job_kind.h"
#include "store.h"
#include "write.h"

/* assessments_write.c */
as_write_step_fn as_write_assessment_put;    /* AS_OP_PUT */
as_write_step_fn as_write_assessment_delete; /* AS_OP_DELETE */
/* responses_write.c */
as_write_step_fn as_write_submit; /* AS_OP_SUBMIT */
/* jobs_write.c */
as_write_step_fn as_write_job_new;  /* AS_OP_JOB_NEW */
as_write_step_fn as_write_job_step; /* AS_OP_JOB_STEP */
/* skills_write.c */
as_write_step_fn as_write_skill_put;    /* AS_OP_SKILL_PUT */
as_write_step_fn as_write_skill_delete; /* AS_OP_SKILL_DELETE */

/* The kinds of background job (job_kind.h): regrade.c, tracing/recompute.c. */
extern const as_job_ops_t as_regrade_ops;
extern const as_job_ops_t as_recompute_ops;
extern const as_job_ops_t as_fit_ops; /* tracing/fit.c */

/* The step of each operation, indexed by as_op_t (NULL for AS_OP_NONE). */
extern as_write_step_fn *const as_write_steps[AS_OP_COUNT];

#endif
