/* job.h — background jobs (assessment.regrade): their stored state and how it is shown.
 *
 * A job is created by the writer (AS_OP_JOB_NEW, from assessment.regrade), run by the job thread
 * (job_thread.c) one at a time in id order, and advanced only by the writer (AS_OP_JOB_STEP):
 * start, one transaction per chunk of responses, finish or fail. The job's state is therefore
 * always the committed state, and a job interrupted by a stop or a crash is run again from the
 * start at the next start-up (a regrade is idempotent: docs/DESIGN.md "Jobs and generations").
 *
 * Stored as this struct, raw, in the "jobs" database (key: the job id, big-endian), and shown as
 * the msgpack map that as_job_pack writes (PROTOCOL.md, job.get).
 */
#ifndef AS_JOB_H
#define AS_JOB_H

#include "protocol.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum { AS_JOB_QUEUED, AS_JOB_RUNNING, AS_JOB_DONE, AS_JOB_FAILED } as_job_state_t;
typedef enum { AS_JOB_REGRADE, AS_JOB_RECOMPUTE, AS_JOB_FIT, AS_JOB_MODEL_RECOMPUTE } as_job_kind_t;

/* What the job thread asks of the writer (the first argument of AS_OP_JOB_STEP). */
typedef enum { AS_STEP_START, AS_STEP_CHUNK, AS_STEP_FINISH, AS_STEP_FAIL } as_job_step_t;

#define AS_JOB_EXAMPLES 10 /* changed responses a dry run lists */

typedef struct {
    uint64_t response_id;
    uint32_t attempt;
    uint32_t learner_len;
    double old_score, new_score;
    char learner[AS_MAX_NAME];
} as_job_change_t;

typedef struct {
    uint64_t id;
    uint8_t kind;  /* as_job_kind_t */
    uint8_t state; /* as_job_state_t */
    uint8_t dry_run;
    uint8_t runs;            /* how many times it was started (more than 1: resumed after a stop) */
    uint32_t assessment_len; /* the target: an assessment (regrade) or a skill (recompute) */
    char assessment[AS_MAX_ID];
    /* fixed at the start */
    uint32_t version;  /* regrade: the version the responses are scored with; fit: its phase
                          (0 fitting, 1 recomputing mastery with the fitted parameters) */
    uint32_t gen;      /* the statistics generation it rebuilds */
    uint64_t last_rid; /* the highest response id of the engine at the start */
    /* progress */
    uint64_t done, total;
    uint64_t changed, unchanged;
    uint64_t last_done;                         /* the last response id done */
    double created_at, started_at, finished_at; /* seconds since the epoch; 0: not yet */
    uint32_t n_examples;
    as_job_change_t examples[AS_JOB_EXAMPLES];
    char error[256];
} as_job_t;

/* The job as job.get shows it; with a stamp, as its job.<id> notification (with "node" and
 * "seq"). `result`
 * (len bytes of msgpack, or NULL): the job's stored result (AS_JOB_RESULT), shown once it is
 * done. */
void as_job_pack(msgpack_packer *pk, const as_job_t *job, const as_stamp_t *stamp,
                 const void *result, size_t len);
/* Ends a job as failed now, with the reason (at most 255 bytes are kept). */
void as_job_fail(as_job_t *job, const char *msg);
/* The finish step of a job that reads every stored response (recomputes, fit), given the last
 * response id stored: false when responses were stored since the job last read (its total is
 * raised and it stays running, to read on); else true, and the job is done. */
bool as_job_caught_up(as_job_t *job, uint64_t last_rid);
/* "regrade", "recompute", "fit" */
const char *as_job_kind_name(unsigned kind);
/* "queued", "running", "done", "failed" */
const char *as_job_state_name(unsigned state);

#endif
