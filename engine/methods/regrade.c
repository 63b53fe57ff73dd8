/* regrade.c — assessment.regrade as a job (job_kind.h): every stored response of an assessment
 * scored again with its current version, the records rewritten and the report's statistics
 * rebuilt (docs/DESIGN.md "Jobs and generations").
 *
 * The job thread reads the assessment's responses in chunks with its own short read
 * transaction, scores each with the job's version (lenient: as_score_stored) and sends per
 * response [rid, [item scores], [answered flags]]. The writer checks that version is still
 * current (else the job fails: the assessment was replaced or deleted), rewrites each record,
 * counts it in the rebuilt statistics when it is still its learner's latest attempt, and
 * announces changed scores. A dry run goes through the same steps and only counts.
 */
#include "job_kind.h"
#include "writes.h"

#include "clock.h"
#include "record.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- the job thread's half: reading a chunk ---- */

typedef struct {
    as_chunk_t *c;
    const as_table_t *t; /* the job's version */
    bool past;           /* reached responses stored after the job started */
} s_read_t;

/* One stored response of the assessment: [rid, score, [x...], [answered...]]. */
static void s_read_one(void *arg, uint64_t rid, const void *rec, size_t len)
{
    s_read_t *rd = arg;
    as_chunk_t *c = rd->c;
    msgpack_packer *pk = c->pk;
    uint32_t k = rd->t->hdr.n_items;
    as_record_t r = {.response_id = rid};
    if (c->rc || rd->past) return;
    if (rid > c->job->last_rid) {
        rd->past = true;
        return;
    }
    c->scanned++;
    c->last = rid;
    double score;
    if (!as_record_score(c->scorer, rd->t, rec, len, &r, c->x, &score)) {
        c->rc = as_err_set(c->err, AS_INTERNAL, "response %llu: the stored record is unreadable",
                           (unsigned long long)rid);
        return;
    }
    const uint8_t *answered = as_scorer_answered(c->scorer);
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint64(pk, rid);
    msgpack_pack_double(pk, score);
    msgpack_pack_array(pk, k);
    for (uint32_t i = 0; i < k; i++)
        msgpack_pack_double(pk, c->x[i]);
    msgpack_pack_array(pk, k);
    for (uint32_t i = 0; i < k; i++)
        msgpack_pack_uint8(pk, answered[i]);
    c->entries++;
}

/* The next chunk of the assessment's responses (0 entries: none left, or the table changed: the
 * finish step then fails the job, saying why). */
static as_code_t s_read(as_chunk_t *c)
{
    const as_job_t *job = c->job;
    as_table_t t;
    if (as_store_table(c->rd, job->assessment, job->assessment_len, &t, c->err) != AS_OK ||
        t.hdr.version != job->version)
        return AS_OK;
    s_read_t rd = {.c = c, .t = &t};
    uint64_t total;
    bool more;
    return as_store_response_list(c->rd, job->assessment, job->assessment_len, NULL, 0, c->after,
                                  AS_JOB_CHUNK, s_read_one, &rd, &total, &more, c->err);
}

/* ---- the writer's half ---- */

static as_code_t s_create(as_wtxn_t *txn, as_job_t *job, as_err_t *err)
{
    as_table_t t;
    as_code_t rc = as_store_wtable(txn, job->assessment, job->assessment_len, &t, err);
    if (!rc) job->total = as_store_response_count(txn, job->assessment, job->assessment_len);
    return rc;
}

static void s_start(as_wtxn_t *txn, as_write_t *w, as_job_t *job)
{
    as_table_t t;
    as_err_t err;
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

/* Reads one chunk entry [rid, score, [x...], [answered...]] into the writer's arrays. */
static bool s_entry(as_writer_t *wr, as_mp_t *r, uint32_t k, uint64_t *rid, double *score)
{
    uint32_t n, nx, na;
    int64_t id;
    if (as_mp_array(r, &n) || n != 4 || as_mp_int(r, &id) || id <= 0 || as_mp_number(r, score))
        return false;
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

/* Adds the scores people resolved (record r's graded map) of the graded items the response
 * answered to x and *score; false when one of them has none (it waits for people). */
static bool s_people_scores(const as_record_t *r, const as_table_t *t, const uint8_t *answered,
                            double *x, double *score)
{
    if (!as_table_pending(t, answered)) return true;
    if (!r->graded) return false;
    for (uint32_t i = 0; i < t->hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        if (!(it.flags & AS_TF_GRADED) || !answered[i]) continue;
        as_mp_t m, at;
        as_mp_init(&m, r->graded, r->graded_len);
        double v;
        if (!as_mp_field(m, as_table_str(t, it.id_off), it.id_len, AS_MAX_DEPTH, &at) ||
            as_mp_number(&at, &v) != AS_MP_OK)
            return false;
        x[i] = v;
        *score += v;
    }
    return true;
}

/* One response of a chunk: rewritten (not in a dry run), counted, announced when it changed. */
static as_code_t s_regrade_one(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job,
                               const as_table_t *t, uint64_t rid, double score)
{
    const void *rec;
    size_t len;
    as_record_t r;
    as_code_t rc = as_store_response_wget(txn, rid, &rec, &len, &w->err);
    if (rc) return rc;
    if (!as_record_read(rec, len, &r) || r.learner_len > AS_MAX_NAME)
        return as_err_set(&w->err, AS_INTERNAL, "response %llu: corrupt record",
                          (unsigned long long)rid);
    /* the graded items' scores people resolved stay (a regrade rescores what machines score) */
    bool pending = !s_people_scores(&r, t, wr->answered, wr->item_scores, &score);
    bool same_max = t->hdr.max_score == r.max_score ||
                    (isnan(t->hdr.max_score) && isnan(r.max_score)); /* both not known */
    bool changed = score != r.score || !same_max;
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
    bool was_pending = r.pending;
    msgpack_sbuffer_clear(&wr->rec);
    r.answered = pending ? wr->answered : NULL; /* (graded items still waiting for people) */
    as_record_pack(&wr->rec_pk, &r, t, score);
    if (changed)
        as_record_pack_note(as_write_note(w, "score", job->assessment, job->assessment_len), &r, t,
                            score, as_store_stamp(txn), job->id);
    char learner[AS_MAX_NAME];
    memcpy(learner, r.learner, r.learner_len);
    as_subject_t s = {.assessment = job->assessment,
                      .assessment_len = job->assessment_len,
                      .learner = learner,
                      .learner_len = r.learner_len};
    if ((rc = as_store_response_replace(txn, job->assessment, job->assessment_len, rid,
                                        wr->rec.data, wr->rec.size, &w->err)))
        return rc;
    /* (a version that adds or drops a graded item it answered makes it pending, or not) */
    if (pending != was_pending &&
        (rc = as_store_pending_add(txn, job->assessment, job->assessment_len, rid, pending,
                                   &w->err)))
        return rc;
    if (pending) return AS_OK; /* (counted once people resolve it) */
    return as_store_stats_regraded(txn, &s, rid, t, job->gen, wr->item_scores, wr->answered, score,
                                   &w->err);
}

/* A chunk: [[rid, score, [x...], [answered...]]...] */
static void s_chunk(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *r,
                    uint32_t n, uint64_t scanned, uint64_t scanned_to)
{
    (void)scanned;
    (void)scanned_to; /* progress is counted per response (s_regrade_one) */
    as_table_t t;
    if (!s_current(txn, job, &t)) return;
    for (uint32_t i = 0; i < n && !w->code; i++) {
        uint64_t rid;
        double score;
        if (!s_entry(wr, r, t.hdr.n_items, &rid, &score))
            w->code = as_err_set(&w->err, AS_INTERNAL, "malformed job chunk entry %u", i);
        else
            w->code = s_regrade_one(wr, txn, w, job, &t, rid, score);
    }
}

static void s_finish(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_job_t *job, as_mp_t *args)
{
    (void)wr;
    (void)args;
    as_table_t t;
    if (!s_current(txn, job, &t)) return;
    job->state = AS_JOB_DONE;
    job->finished_at = as_wall_s();
    if (!job->dry_run) w->code = as_store_stats_rebuilt(txn, &t, job->id, &w->err);
}

const as_job_ops_t as_regrade_ops = {
    .name = "regrade",
    .create = s_create,
    .start = s_start,
    .read = s_read,
    .chunk = s_chunk,
    .finish = s_finish,
    .abandon = NULL,
};
