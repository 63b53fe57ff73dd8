/* jobs.c — the job thread: runs background jobs (job.h) one at a time, in id order.
 *
 * A regrade reads its assessment's stored responses in chunks of S_CHUNK with a short read
 * transaction of its own, scores each with the job's version (as_score_stored), and hands the
 * writer one step per chunk; the writer commits the chunk and the job's progress together
 * (writer_jobs.c). The next chunk is read and scored while the writer commits the previous one.
 * Scoring and submissions are never blocked: the job's chunks wait in the writer's queue like
 * any other write, and clients' reads run against their own snapshots.
 *
 * The job thread only asks; it never writes. It learns a job's state by reading the committed
 * job after each step. At start-up it picks up jobs left queued or running by a stop or a crash.
 */
#include "log.h"
#include "record.h"
#include "tracing.h"
#include "writer_int.h"

#include <errno.h>
#include <stdlib.h>

#define S_CHUNK      1000       /* responses per write transaction */
#define S_PUBLISH_NS 250000000u /* job.<id> progress notifications: at most 4 a second */

typedef struct {
    as_engine_t *e;
    void *in, *to_writer;
    as_reader_t *rd;
    as_scorer_t *scorer;
    double *x;          /* AS_MAX_ITEMS */
    msgpack_sbuffer sb; /* the step being built */
    msgpack_packer pk;
    msgpack_sbuffer eb; /* a chunk's entries */
    msgpack_packer epk;
    uint32_t msgid;
    bool stop; /* the engine is stopping */
} s_jobs_t;

/* Sends the step in j->sb to the writer. */
static as_code_t s_send(s_jobs_t *j, as_err_t *err)
{
    as_hdr_t hdr = {
        .role = AS_ROLE_JOB, .op = AS_OP_JOB_STEP, .msgid = ++j->msgid, .t_recv = as_now_ns()};
    if (zmq_send(j->to_writer, &hdr, sizeof hdr, ZMQ_SNDMORE) == (int)sizeof hdr &&
        zmq_send(j->to_writer, j->sb.data, j->sb.size, 0) == (int)j->sb.size)
        return AS_OK;
    if (errno == ETERM) j->stop = true;
    return as_err_set(err, AS_UNAVAILABLE, "job thread: send: %s", zmq_strerror(errno));
}

/* Waits for the writer's answer to the last step sent: AS_OK, or its error. Wake-ups that
 * arrive meanwhile are dropped: the thread looks for queued jobs after each one anyway. */
static as_code_t s_answer(s_jobs_t *j, as_err_t *err)
{
    for (;;) {
        as_frames_t fr;
        bool overflow;
        if (as_frames_recv(j->in, &fr, 0, &overflow)) {
            if (errno == EINTR) continue;
            if (errno == ETERM) j->stop = true;
            return as_err_set(err, AS_UNAVAILABLE, "job thread: receive: %s", zmq_strerror(errno));
        }
        if (fr.n != 2) { /* a wake-up */
            as_frames_close(&fr);
            continue;
        }
        as_mp_t r;
        uint32_t n;
        as_code_t rc = AS_OK;
        as_mp_init(&r, zmq_msg_data(&fr.f[1]), zmq_msg_size(&fr.f[1]));
        if (as_mp_array(&r, &n) || n != 4 || as_mp_skip(&r, 1) || as_mp_skip(&r, 1)) {
            rc = as_err_set(err, AS_INTERNAL, "job thread: malformed answer from the writer");
        } else if (as_mp_nil(&r) != AS_MP_OK) { /* {code, message} */
            uint32_t pairs;
            rc = as_err_set(err, AS_INTERNAL, "the writer failed the step");
            if (as_mp_map(&r, &pairs) == AS_MP_OK)
                for (uint32_t i = 0; i < pairs; i++) {
                    const char *k, *v;
                    uint32_t kl, vl;
                    if (as_mp_str(&r, &k, &kl) || as_mp_str(&r, &v, &vl)) break;
                    if (as_str_eq(k, kl, "message"))
                        as_err_set(err, AS_INTERNAL, "%.*s", (int)vl, v);
                }
        }
        as_frames_close(&fr);
        return rc;
    }
}

/* Starts a step: [step, job id, ...] (the caller packs the rest; n elements in all). */
static void s_head(s_jobs_t *j, as_job_step_t step, uint64_t id, uint32_t n)
{
    msgpack_sbuffer_clear(&j->sb);
    msgpack_pack_array(&j->pk, n);
    msgpack_pack_uint32(&j->pk, step);
    msgpack_pack_uint64(&j->pk, id);
}

/* The job as committed. */
static as_code_t s_reload(s_jobs_t *j, as_job_t *job, as_err_t *err)
{
    as_code_t rc = as_reader_begin(j->rd, err);
    if (rc) return rc;
    rc = as_store_job_get(j->rd, job->id, job, err);
    as_reader_end(j->rd);
    return rc;
}

/* Sends a step built in j->sb, waits for it and reloads the job. */
static as_code_t s_step(s_jobs_t *j, as_job_t *job, as_err_t *err)
{
    as_code_t rc = s_send(j, err);
    if (!rc) rc = s_answer(j, err);
    if (!rc) rc = s_reload(j, job, err);
    return rc;
}

/* A chunk being built: entries packed into j->eb, the responses scanned to get them. */
typedef struct {
    s_jobs_t *j;
    const as_job_t *job;
    const as_table_t *t; /* regrade: the job's version */
    uint32_t entries;
    uint64_t scanned, last; /* responses read, and the last response id read */
    bool past;              /* regrade: reached responses stored after the job started */
    as_code_t rc;
    as_err_t *err;
} s_chunk_t;

/* Scores a stored record with table t into the job thread's x[] and the scorer's answered
 * flags; false when the record is unreadable. */
static bool s_score_record(s_chunk_t *c, const as_table_t *t, const void *rec, size_t len,
                           as_record_t *r)
{
    double total;
    bool ok = as_record_read(rec, len, r);
    if (ok) {
        as_mp_t answers;
        as_mp_init(&answers, r->answers, r->answers_len);
        ok = as_score_stored(c->j->scorer, t, &answers, &total, c->j->x) == AS_OK;
    }
    if (!ok)
        c->rc = as_err_set(c->err, AS_INTERNAL, "response %llu: the stored record is unreadable",
                           (unsigned long long)r->response_id);
    return ok;
}

/* regrade: one stored response of the assessment, [rid, [x...], [answered...]]. */
static void s_regrade_one(void *arg, uint64_t rid, const void *rec, size_t len)
{
    s_chunk_t *c = arg;
    msgpack_packer *pk = &c->j->epk;
    uint32_t k = c->t->hdr.n_items;
    as_record_t r = {.response_id = rid};
    if (c->rc || c->past) return;
    if (rid > c->job->last_rid) {
        c->past = true;
        return;
    }
    c->scanned++;
    c->last = rid;
    if (!s_score_record(c, c->t, rec, len, &r)) return;
    const uint8_t *answered = as_scorer_answered(c->j->scorer);
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint64(pk, rid);
    msgpack_pack_array(pk, k);
    for (uint32_t i = 0; i < k; i++)
        msgpack_pack_double(pk, c->j->x[i]);
    msgpack_pack_array(pk, k);
    for (uint32_t i = 0; i < k; i++)
        msgpack_pack_uint8(pk, answered[i]);
    c->entries++;
}

/* Reads the next chunk of the assessment's responses after *after (0 entries: none left, or the
 * table changed: the finish step then fails the job, saying why). */
static as_code_t s_regrade_chunk(s_jobs_t *j, const as_job_t *job, uint64_t after, s_chunk_t *c,
                                 as_err_t *err)
{
    as_table_t t;
    if (as_store_table(j->rd, job->assessment, job->assessment_len, &t, err) != AS_OK ||
        t.hdr.version != job->version)
        return AS_OK;
    c->t = &t;
    uint64_t total;
    bool more;
    as_code_t rc = as_store_response_list(j->rd, job->assessment, job->assessment_len, NULL, 0,
                                          after, S_CHUNK, s_regrade_one, c, &total, &more, err);
    c->t = NULL;
    return rc;
}

/* recompute: one stored response of any assessment, in submission order: [rid, learner,
 * [observation...]] when an answered item of its assessment names the skill. */
static void s_recompute_one(void *arg, uint64_t rid, const char *a, uint32_t alen)
{
    s_chunk_t *c = arg;
    s_jobs_t *j = c->j;
    as_table_t t;
    as_err_t ignored;
    const void *rec;
    size_t len;
    as_record_t r = {.response_id = rid};
    if (c->rc) return;
    c->scanned++;
    c->last = rid;
    /* an assessment deleted since, or none of whose items names the skill: no evidence */
    if (as_store_table(j->rd, a, alen, &t, &ignored)) return;
    bool names = false;
    for (uint32_t i = 0; i < t.hdr.n_items && !names; i++) {
        as_titem_t it;
        as_table_item(&t, i, &it);
        for (uint32_t s = 0; s < it.n_skills && !names; s++) {
            uint32_t sl;
            const char *sid = as_table_skill(&t, &it, s, &sl);
            names = sl == c->job->assessment_len && memcmp(sid, c->job->assessment, sl) == 0;
        }
    }
    if (!names) return;
    if ((c->rc = as_store_response_get(j->rd, rid, &rec, &len, c->err))) return;
    if (!s_score_record(c, &t, rec, len, &r)) return;
    const uint8_t *answered = as_scorer_answered(j->scorer);
    uint8_t obs[AS_MAX_ITEMS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < t.hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(&t, i, &it);
        if (!answered[i] || it.max_score <= 0) continue;
        for (uint32_t s = 0; s < it.n_skills; s++) {
            uint32_t sl;
            const char *sid = as_table_skill(&t, &it, s, &sl);
            if (sl == c->job->assessment_len && memcmp(sid, c->job->assessment, sl) == 0)
                obs[n++] = as_trace_correct(&it, j->x[i]);
        }
    }
    if (!n) return;
    msgpack_packer *pk = &j->epk;
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint64(pk, rid);
    as_pack_str(pk, r.learner, r.learner_len);
    msgpack_pack_array(pk, n);
    for (uint32_t i = 0; i < n; i++)
        msgpack_pack_uint8(pk, obs[i]);
    c->entries++;
}

static as_code_t s_recompute_chunk(s_jobs_t *j, const as_job_t *job, uint64_t after, s_chunk_t *c,
                                   as_err_t *err)
{
    return as_store_rids_scan(j->rd, after, S_CHUNK, s_recompute_one, c, err);
}

/* Builds the next chunk after response `after` into j->sb: [AS_STEP_CHUNK, job, publish,
 * scanned_to, scanned, [entry...]]. *scanned 0: nothing left to read. */
static as_code_t s_build_chunk(s_jobs_t *j, const as_job_t *job, uint64_t *after, bool publish,
                               uint64_t *scanned, as_err_t *err)
{
    *scanned = 0;
    msgpack_sbuffer_clear(&j->eb);
    as_code_t rc = as_reader_begin(j->rd, err);
    if (rc) return rc;
    s_chunk_t c = {.j = j, .job = job, .err = err, .last = *after};
    rc = job->kind == AS_JOB_REGRADE ? s_regrade_chunk(j, job, *after, &c, err)
                                     : s_recompute_chunk(j, job, *after, &c, err);
    as_reader_end(j->rd);
    if (!rc) rc = c.rc;
    if (rc) return rc;
    s_head(j, AS_STEP_CHUNK, job->id, 6);
    if (publish)
        msgpack_pack_true(&j->pk);
    else
        msgpack_pack_false(&j->pk);
    msgpack_pack_uint64(&j->pk, c.last);
    msgpack_pack_uint64(&j->pk, c.scanned);
    msgpack_pack_array(&j->pk, c.entries);
    as_pack_raw(&j->pk, j->eb.data, j->eb.size);
    *after = c.last;
    *scanned = c.scanned;
    return AS_OK;
}

/* Ends a job that cannot go on: the writer marks it failed with the reason. */
static void s_fail(s_jobs_t *j, as_job_t *job, const char *why)
{
    as_err_t err;
    if (j->stop) return; /* stopping: the job is run again at the next start */
    s_head(j, AS_STEP_FAIL, job->id, 3);
    as_pack_cstr(&j->pk, why);
    if (s_step(j, job, &err))
        AS_LOG(AS_LOG_ERROR, "job %llu: cannot record its failure (%s): %s",
               (unsigned long long)job->id, why, err.msg);
}

/* Runs a job: start, chunks (the next read and scored while the writer commits the last), and
 * finish. A recompute's finish step leaves the job running while responses stored meanwhile are
 * still to be read: the loop then reads on. */
static void s_run(s_jobs_t *j, as_job_t *job)
{
    as_err_t err;
    s_head(j, AS_STEP_START, job->id, 2);
    if (s_step(j, job, &err)) {
        s_fail(j, job, err.msg);
        return;
    }
    if (job->state != AS_JOB_RUNNING) return; /* failed at the start (no such target) */
    AS_LOG(AS_LOG_INFO, "job %llu: %s of \"%.*s\"%s started", (unsigned long long)job->id,
           job->kind == AS_JOB_REGRADE ? "regrade" : "recompute", (int)job->assessment_len,
           job->assessment, job->dry_run ? " (dry run)" : "");
    uint64_t after = 0, last_pub = as_now_ns();
    bool pending = false;
    for (;;) {
        uint64_t scanned, now = as_now_ns();
        bool publish = now - last_pub >= S_PUBLISH_NS;
        as_code_t built = s_build_chunk(j, job, &after, publish, &scanned, &err);
        if (pending) { /* the previous chunk's answer */
            as_err_t aerr;
            if (s_answer(j, &aerr) || s_reload(j, job, &aerr)) {
                s_fail(j, job, aerr.msg);
                return;
            }
            if (job->state != AS_JOB_RUNNING) return;
            pending = false;
        }
        if (built) {
            s_fail(j, job, err.msg);
            return;
        }
        if (scanned == 0) {
            s_head(j, AS_STEP_FINISH, job->id, 2);
            if (s_step(j, job, &err)) {
                s_fail(j, job, err.msg);
                return;
            }
            if (job->state != AS_JOB_RUNNING) break;
            continue; /* not caught up: more responses were stored meanwhile */
        }
        if (s_send(j, &err)) {
            s_fail(j, job, err.msg);
            return;
        }
        if (publish) last_pub = now;
        pending = true;
    }
    AS_LOG(AS_LOG_INFO, "job %llu: %s, %llu response(s)", (unsigned long long)job->id,
           as_job_state_name(job->state), (unsigned long long)job->done);
}

/* The next job to run: AS_OK, AS_NOT_FOUND, or an error. */
static as_code_t s_next(s_jobs_t *j, as_job_t *job, as_err_t *err)
{
    as_code_t rc = as_reader_begin(j->rd, err);
    if (rc) return rc;
    rc = as_store_job_next(j->rd, job, err);
    as_reader_end(j->rd);
    return rc;
}

void *as_jobs_run(void *arg)
{
    as_engine_t *e = arg;
    s_jobs_t j = {.e = e, .in = e->jobs_in};
    as_err_t err;
    int linger = 0, hwm = 1000;
    j.to_writer = zmq_socket(e->zctx, ZMQ_PUSH);
    j.scorer = as_scorer_new();
    j.x = calloc(AS_MAX_ITEMS, sizeof *j.x);
    msgpack_sbuffer_init(&j.sb);
    msgpack_packer_init(&j.pk, &j.sb, msgpack_sbuffer_write);
    msgpack_sbuffer_init(&j.eb);
    msgpack_packer_init(&j.epk, &j.eb, msgpack_sbuffer_write);
    if (!j.to_writer || !j.scorer || !j.x || as_reader_new(e->store, &j.rd, &err)) {
        as_engine_fatal(e, "job thread: cannot start: %s", zmq_strerror(errno));
        goto done;
    }
    zmq_setsockopt(j.to_writer, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(j.to_writer, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_connect(j.to_writer, AS_EP_WRITER);
    bool idle = false; /* nothing to run until the writer wakes us */
    while (!j.stop) {
        as_job_t job;
        as_code_t rc = idle ? AS_NOT_FOUND : s_next(&j, &job, &err);
        if (rc == AS_OK) {
            uint64_t id = job.id;
            s_run(&j, &job);
            /* a job that is still not ended could not record its failure: wait for a wake-up
             * (a new job) rather than retry it in a loop; it is run again at the next start */
            if (!j.stop && (s_reload(&j, &job, &err) || job.state < AS_JOB_DONE)) {
                AS_LOG(AS_LOG_ERROR, "job %llu: left unfinished", (unsigned long long)id);
                idle = true;
            }
            continue;
        }
        if (rc != AS_NOT_FOUND) AS_LOG(AS_LOG_ERROR, "job thread: %s", err.msg);
        as_frames_t fr;
        bool overflow;
        if (as_frames_recv(j.in, &fr, 0, &overflow)) {
            if (errno == ETERM) break;
            continue;
        }
        as_frames_close(&fr);
        idle = false;
    }
done:
    if (j.to_writer) zmq_close(j.to_writer);
    zmq_close(e->jobs_in);
    as_reader_destroy(&j.rd);
    as_scorer_destroy(&j.scorer);
    free(j.x);
    msgpack_sbuffer_destroy(&j.sb);
    msgpack_sbuffer_destroy(&j.eb);
    return NULL;
}
