/* job_thread.c — the job thread: runs background jobs (job.h) one at a time, in id order.
 *
 * A job reads stored responses in chunks (AS_JOB_CHUNK) with a short read transaction of its
 * own (its kind's `read`, job_kind.h), and hands the writer one step per chunk; the writer
 * commits the chunk and the job's progress together (methods/jobs_write.c). The next chunk is
 * read while the writer commits the previous one.
 * Scoring and submissions are never blocked: the job's chunks wait in the writer's queue like
 * any other write, and clients' reads run against their own snapshots.
 *
 * The job thread only asks; it never writes. It learns a job's state by reading the committed
 * job after each step. At start-up it picks up jobs left queued or running by a stop or a crash.
 */
#include "job_kind.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define S_PUBLISH_NS    250000000u /* job.<id> progress notifications: at most 4 a second */
#define S_LOOK_AGAIN_MS 2000       /* idle: how often to look for a job left by another engine */

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
    bool stop;   /* the engine is stopping */
    void *state; /* the running job's kind's own state (job_kind.h) */
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

/* Builds the next chunk after response `after` into j->sb: [AS_STEP_CHUNK, job, publish,
 * scanned_to, scanned, [entry...]]. *scanned 0: nothing left to read. */
static as_code_t s_build_chunk(s_jobs_t *j, const as_job_t *job, uint64_t *after, bool publish,
                               uint64_t *scanned, as_err_t *err)
{
    *scanned = 0;
    msgpack_sbuffer_clear(&j->eb);
    as_code_t rc = as_reader_begin(j->rd, err);
    if (rc) return rc;
    as_chunk_t c = {.rd = j->rd,
                    .scorer = j->scorer,
                    .x = j->x,
                    .pk = &j->epk,
                    .job = job,
                    .after = *after,
                    .last = *after,
                    .err = err,
                    .state = &j->state};
    rc = as_job_ops(job->kind)->read(&c);
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

/* Builds the finish step into j->sb: [AS_STEP_FINISH, job, the kind's conclusion or nil]. */
static as_code_t s_conclude(s_jobs_t *j, const as_job_ops_t *ops, const as_job_t *job,
                            as_err_t *err)
{
    s_head(j, AS_STEP_FINISH, job->id, 3);
    if (!ops->conclude) {
        msgpack_pack_nil(&j->pk);
        return AS_OK;
    }
    as_code_t rc = as_reader_begin(j->rd, err);
    if (rc) return rc;
    as_chunk_t c = {
        .rd = j->rd, .scorer = j->scorer, .x = j->x, .job = job, .err = err, .state = &j->state};
    rc = ops->conclude(&c, &j->pk);
    as_reader_end(j->rd);
    return rc;
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
    const as_job_ops_t *ops = as_job_ops(job->kind);
    if (!ops) {
        char why[64];
        snprintf(why, sizeof why, "unknown job kind %u", job->kind);
        s_fail(j, job, why);
        return;
    }
    s_head(j, AS_STEP_START, job->id, 2);
    if (s_step(j, job, &err)) {
        s_fail(j, job, err.msg);
        return;
    }
    if (job->state != AS_JOB_RUNNING) return; /* failed at the start (no such target) */
    AS_LOG(AS_LOG_INFO, "job %llu: %s of \"%.*s\"%s started", (unsigned long long)job->id,
           ops->name, (int)job->assessment_len, job->assessment, job->dry_run ? " (dry run)" : "");
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
            if (s_conclude(j, ops, job, &err) || s_step(j, job, &err)) {
                s_fail(j, job, err.msg);
                return;
            }
            if (job->state != AS_JOB_RUNNING) break;
            /* not caught up (more responses were stored meanwhile), or a next phase: read on
             * from where the writer says */
            after = job->last_done;
            continue;
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
    if (j.scorer) /* jobs run in chunks: no budget, but the same pattern limits */
        as_scorer_limits(j.scorer, NULL, as_stats_event_counter(e->stats, AS_EV_PATTERN_LIMITED));
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
            const as_job_ops_t *ops = as_job_ops(job.kind);
            if (j.state && ops && ops->release) ops->release(j.state);
            j.state = NULL;
            /* a job that is still not ended could not record its failure: wait for a wake-up
             * (a new job) rather than retry it in a loop; it is run again at the next start */
            if (!j.stop && (s_reload(&j, &job, &err) || job.state < AS_JOB_DONE)) {
                AS_LOG(AS_LOG_ERROR, "job %llu: left unfinished", (unsigned long long)id);
                idle = true;
            }
            continue;
        }
        if (rc != AS_NOT_FOUND) AS_LOG(AS_LOG_ERROR, "job thread: %s", err.msg);
        /* nothing to run: wait for a wake-up (a new job), and look again every few seconds
         * meanwhile: on a shared store, a job whose engine stopped is taken over when its lease
         * ends */
        zmq_pollitem_t item = {j.in, 0, ZMQ_POLLIN, 0};
        int ready = zmq_poll(&item, 1, idle ? -1 : S_LOOK_AGAIN_MS);
        if (ready < 0 && errno == ETERM) break;
        if (ready <= 0) continue;
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
