/* writer_jobs.c — the writes of background jobs (job.h): creating one (assessment.regrade) and
 * each step the job thread asks for. A job's state changes only here, in the same transaction
 * as what the step wrote, so job.get always shows what is committed.
 *
 * A regrade's chunk step carries, per response, the item scores and answered flags the job
 * thread computed with the job's version; the writer checks that version is still current (else
 * the job fails: the assessment was replaced or deleted), rewrites each record, counts it in the
 * rebuilt statistics when it is still its learner's latest attempt, and announces changed scores.
 */
#include "clock.h"
#include "log.h"
#include "record.h"
#include "writer_int.h"

#include <stdio.h>

static void s_reply_job(as_write_t *w, const as_job_t *job)
{
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    as_job_pack(&w->reply_pk, job, 0);
}

static void s_note_job(as_wtxn_t *txn, as_write_t *w, const as_job_t *job)
{
    char id[24];
    int n = snprintf(id, sizeof id, "%llu", (unsigned long long)job->id);
    as_job_pack(as_write_note(w, "job", id, (size_t)n), job, as_store_next_seq(txn));
}

/* args: [kind byte, target id, dry_run byte]: a regrade of an assessment, a recompute of a
 * skill */
void as_write_job_new(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t klen, len, dlen;
    const char *kind = as_write_arg(w, 0, &klen);
    const char *id = as_write_arg(w, 1, &len);
    const char *dry = as_write_arg(w, 2, &dlen);
    as_job_t job = {.kind = klen ? (uint8_t)kind[0] : 0,
                    .state = AS_JOB_QUEUED,
                    .dry_run = dlen && dry[0],
                    .assessment_len = (uint32_t)len,
                    .created_at = as_wall_s()};
    if (job.kind == AS_JOB_REGRADE) {
        as_table_t t;
        if ((w->code = as_store_wtable(txn, id, (uint32_t)len, &t, &w->err))) return;
        job.total = as_store_response_count(txn, id, (uint32_t)len);
    } else {
        as_skill_t sk;
        if ((w->code = as_store_skill_wget(txn, id, (uint32_t)len, &sk, &w->err))) return;
        job.total = as_store_last_rid(txn);
    }
    memcpy(job.assessment, id, len);
    if ((w->code = as_store_job_new(txn, &job, &w->err))) return;
    s_reply_job(w, &job);
    s_note_job(txn, w, &job);
}

void as_job_fail(as_job_t *job, const char *msg)
{
    job->state = AS_JOB_FAILED;
    job->finished_at = as_wall_s();
    snprintf(job->error, sizeof job->error, "%.255s", msg);
}

static void s_start(as_wtxn_t *txn, as_write_t *w, as_job_t *job)
{
    as_table_t t;
    as_err_t err;
    job->runs++;
    job->started_at = as_wall_s();
    job->done = job->changed = job->unchanged = job->last_done = 0;
    job->n_examples = 0;
    job->error[0] = '\0';
    job->last_rid = as_store_last_rid(txn);
    if (job->kind == AS_JOB_RECOMPUTE) {
        as_recompute_start(txn, w, job);
        return;
    }
    job->total = as_store_response_count(txn, job->assessment, job->assessment_len);
    if (as_store_wtable(txn, job->assessment, job->assessment_len, &t, &err)) {
        as_job_fail(job, err.msg);
        return;
    }
    job->state = AS_JOB_RUNNING;
    job->version = t.hdr.version;
    if (!job->dry_run)
        w->code = as_store_stats_reset(txn, job->assessment, job->assessment_len, &t, job->id,
                                       &job->gen, &w->err);
}

/* The table the job scores with, still current: else the job fails, saying why. */
static bool s_current(as_wtxn_t *txn, as_job_t *job, as_table_t *t)
{
    as_err_t err;
    char msg[256];
    if (as_store_wtable(txn, job->assessment, job->assessment_len, t, &err)) {
        snprintf(msg, sizeof msg, "assessment \"%.*s\" was deleted during the regrade",
                 (int)job->assessment_len, job->assessment);
    } else if (t->hdr.version != job->version) {
        snprintf(msg, sizeof msg,
                 "assessment \"%.*s\" was replaced during the regrade (version %u, now %u): "
                 "regrade it again",
                 (int)job->assessment_len, job->assessment, job->version, t->hdr.version);
    } else {
        return true;
    }
    as_job_fail(job, msg);
    return false;
}

/* Reads one chunk entry [rid, [x...], [answered...]] into the writer's arrays. */
static bool s_entry(as_writer_t *wr, as_mp_t *r, uint32_t k, uint64_t *rid)
{
    uint32_t n, nx, na;
    int64_t id;
    if (as_mp_array(r, &n) || n != 3 || as_mp_int(r, &id) || id <= 0) return false;
    if (as_mp_array(r, &nx) || nx != k) return false;
    for (uint32_t i = 0; i < k; i++)
        if (as_mp_number(r, &wr->item_scores[i])) return false;
    if (as_mp_array(r, &na) || na != k) return false;
    for (uint32_t i = 0; i < k; i++) {
        uint32_t a;
        if (as_mp_u32(r, &a)) return false;
        wr->answered[i] = (uint8_t)a;
    }
    *rid = (uint64_t)id;
    return true;
}

/* One response of a chunk: rewritten (not in a dry run), counted, announced when it changed. */
static as_code_t s_regrade_one(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job,
                               const as_table_t *t, uint64_t rid)
{
    const void *rec;
    size_t len;
    as_record_t r;
    as_code_t rc = as_store_response_wget(txn, rid, &rec, &len, &w->err);
    if (rc) return rc;
    if (!as_record_read(rec, len, &r) || r.learner_len > AS_MAX_NAME)
        return as_err_set(&w->err, AS_INTERNAL, "response %llu: corrupt record",
                          (unsigned long long)rid);
    double score = 0;
    for (uint32_t i = 0; i < t->hdr.n_items; i++)
        score += wr->item_scores[i];
    bool changed = score != r.score || t->hdr.max_score != r.max_score;
    job->done++;
    job->last_done = rid;
    if (changed)
        job->changed++;
    else
        job->unchanged++;
    if (job->dry_run) {
        if (changed && job->n_examples < AS_JOB_EXAMPLES && r.learner_len <= AS_MAX_NAME) {
            as_job_change_t *c = &job->examples[job->n_examples++];
            *c = (as_job_change_t){.response_id = rid,
                                   .attempt = r.attempt,
                                   .learner_len = r.learner_len,
                                   .old_score = r.score,
                                   .new_score = score};
            memcpy(c->learner, r.learner, r.learner_len);
        }
        return AS_OK;
    }
    /* r points into the map, valid only until the next put: copy what is needed first */
    msgpack_sbuffer_clear(&wr->rec);
    as_record_pack(&wr->rec_pk, &r, t, score);
    if (changed)
        as_record_pack_note(as_write_note(w, "score", job->assessment, job->assessment_len), &r, t,
                            score, as_store_next_seq(txn), job->id);
    char learner[AS_MAX_NAME];
    memcpy(learner, r.learner, r.learner_len);
    as_subject_t s = {.assessment = job->assessment,
                      .assessment_len = job->assessment_len,
                      .learner = learner,
                      .learner_len = r.learner_len};
    if ((rc = as_store_response_replace(txn, job->assessment, job->assessment_len, rid,
                                        wr->rec.data, wr->rec.size, &w->err)))
        return rc;
    return as_store_stats_regraded(txn, &s, rid, t, job->gen, wr->item_scores, wr->answered,
                                   &w->err);
}

/* args: [AS_STEP_CHUNK, job, publish, [entry...]] (the head already read from r) */
/* args: [AS_STEP_CHUNK, job, publish, scanned_to, scanned, [entry...]] (the head already read) */
static void s_chunk(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *r)
{
    as_table_t t;
    bool publish;
    int64_t scanned_to, scanned;
    uint32_t n;
    if (as_mp_bool(r, &publish) || as_mp_int(r, &scanned_to) || as_mp_int(r, &scanned) ||
        as_mp_array(r, &n)) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed job chunk");
        return;
    }
    if (job->kind == AS_JOB_RECOMPUTE) {
        as_recompute_chunk(txn, w, job, r, n);
        job->done += (uint64_t)scanned;
        job->last_done = (uint64_t)scanned_to;
    } else if (s_current(txn, job, &t)) {
        for (uint32_t i = 0; i < n && !w->code; i++) {
            uint64_t rid;
            if (!s_entry(wr, r, t.hdr.n_items, &rid))
                w->code = as_err_set(&w->err, AS_INTERNAL, "malformed job chunk entry %u", i);
            else
                w->code = s_regrade_one(wr, txn, w, job, &t, rid);
        }
    }
    if (!w->code && publish && job->state == AS_JOB_RUNNING) s_note_job(txn, w, job);
}

static void s_finish_job(as_wtxn_t *txn, as_write_t *w, as_job_t *job)
{
    as_table_t t;
    if (job->kind == AS_JOB_RECOMPUTE) {
        as_recompute_finish(txn, w, job);
        return;
    }
    if (!s_current(txn, job, &t)) return;
    job->state = AS_JOB_DONE;
    job->finished_at = as_wall_s();
    if (!job->dry_run) w->code = as_store_stats_rebuilt(txn, &t, job->id, &w->err);
}

/* args: [step, job id, ...] (job.h as_job_step_t; the job thread, jobs.c) */
void as_write_job_step(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    size_t len;
    const char *args = as_write_arg(w, 0, &len);
    as_mp_t r;
    uint32_t n, step;
    int64_t id;
    as_job_t job;
    as_mp_init(&r, args, len);
    if (as_mp_array(&r, &n) || n < 2 || as_mp_u32(&r, &step) || as_mp_int(&r, &id) || id <= 0) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed job step");
        return;
    }
    if ((w->code = as_store_job_wget(txn, (uint64_t)id, &job, &w->err))) return;
    if (job.state == AS_JOB_DONE || job.state == AS_JOB_FAILED) {
        w->code = as_err_set(&w->err, AS_CONFLICT, "job %lld has ended (%s)", (long long)id,
                             as_job_state_name(job.state));
        return;
    }
    uint8_t before = job.state;
    switch ((as_job_step_t)step) {
    case AS_STEP_START:
        s_start(txn, w, &job);
        break;
    case AS_STEP_CHUNK:
        s_chunk(wr, txn, w, &job, &r);
        break;
    case AS_STEP_FINISH:
        s_finish_job(txn, w, &job);
        break;
    case AS_STEP_FAIL: {
        const char *msg;
        uint32_t ml;
        char buf[256];
        if (as_mp_str(&r, &msg, &ml)) ml = 0;
        snprintf(buf, sizeof buf, "%.*s", (int)ml, ml ? msg : "failed");
        as_job_fail(&job, buf);
        if (job.kind == AS_JOB_RECOMPUTE) w->code = as_recompute_abandon(txn, &job, &w->err);
        break;
    }
    default:
        w->code = as_err_set(&w->err, AS_INTERNAL, "unknown job step %u", step);
    }
    if (w->code) return;
    if ((w->code = as_store_job_put(txn, &job, &w->err))) return;
    /* every change of state is announced; progress comes with chunks, a few a second */
    if (job.state != before || step == AS_STEP_START) s_note_job(txn, w, &job);
    s_reply_job(w, &job);
}
