/* writer.c — the writer thread: the only LMDB write transaction of assayd.
 *
 * It takes every write already queued (up to S_BATCH, without waiting for more) into one
 * transaction: group commit. Each write prepares its response and its notification inside the
 * transaction; only after the commit are they sent: nothing is acknowledged or announced before
 * it is durable (under --sync full; see as_sync_t for the other modes). When the map is full the
 * batch is aborted, the map grown and the batch replayed.
 *
 * What each write does is its step (as_write_steps, methods/writes.h), which lives beside its
 * domain's handlers; this file knows only batches, commits, replies and notifications.
 */
#include "clock.h"
#include "log.h"
#include "writes.h"

#include "agreement_counts.h"
#include "models_trace.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define S_BATCH 1024

/* Applies one write inside the transaction, preparing its response and notification. */
static void s_apply(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    w->code = AS_OK;
    msgpack_sbuffer_clear(&w->reply);
    msgpack_sbuffer_clear(&w->notes);
    as_write_step_fn *step = w->hdr.op < AS_OP_COUNT ? as_write_steps[w->hdr.op] : NULL;
    if (step)
        step(wr, txn, w);
    else
        w->code = as_err_set(&w->err, AS_INTERNAL, "unknown write operation %d", w->hdr.op);
    if (w->code) msgpack_sbuffer_clear(&w->notes);
}

/* Runs the batch in one transaction; on a full map, grows it and runs the batch again. A write
 * that broke the transaction (a remote store's statement failed: as_wtxn_broken) keeps its error
 * and the batch runs again without it. */
static as_code_t s_commit(as_writer_t *wr, as_err_t *err)
{
    as_store_t *store = wr->e->store;
    for (int attempt = 0; attempt < 32 + wr->n; attempt++) {
        as_wtxn_t *txn;
        as_code_t rc = as_wtxn_begin(store, &txn, err);
        if (rc) return rc;
        /* who the batch submits for, so that a remote store reads ahead in one round trip */
        uint32_t k = 0;
        for (int i = 0; i < wr->n; i++) {
            as_write_t *w = &wr->batch[i];
            as_write_subject_fn *fn = w->hdr.op < AS_OP_COUNT ? as_write_subjects[w->hdr.op] : NULL;
            if (!w->dropped && fn && fn(w, &wr->subjects[k])) k++;
        }
        if ((rc = as_wtxn_prepare(txn, wr->subjects, k, err))) {
            as_wtxn_abort(&txn);
            return rc;
        }
        bool broken = false;
        for (int i = 0; i < wr->n && !as_store_full(store) && !broken; i++) {
            as_write_t *w = &wr->batch[i];
            if (w->dropped) continue;
            s_apply(wr, txn, w);
            if ((broken = as_wtxn_broken(txn))) {
                w->dropped = true;
                if (!w->code)
                    w->code = as_err_set(&w->err, AS_UNAVAILABLE,
                                         "the store failed during this write: try again");
            }
        }
        if (broken) {
            as_wtxn_abort(&txn);
            continue;
        }
        uint64_t id;
        as_due_t kind;
        as_err_t none;
        if (!as_store_full(store)) /* an attempt started may be due before the next known */
            as_store_attempt_due(txn, 0, &id, &kind, &wr->next_due, &none);
        if (!as_store_full(store)) {
            rc = as_wtxn_commit(&txn, err);
            if (!rc || !as_store_full(store)) return rc;
        } else {
            as_wtxn_abort(&txn);
        }
        if ((rc = as_store_grow(store, err))) return rc;
    }
    return as_err_set(err, AS_INTERNAL, "the data map could not be grown enough");
}

/* Publishes the write's notifications. PUB never blocks: at its high-water mark it drops, and
 * subscribers see a gap in seq. */
static void s_publish(as_writer_t *wr, as_write_t *w)
{
    as_mp_t r;
    as_mp_init(&r, w->notes.data, w->notes.size);
    while (as_mp_left(&r)) {
        const char *topic;
        uint32_t tn;
        const uint8_t *body = NULL;
        if (as_mp_str(&r, &topic, &tn) == AS_MP_OK) body = r.p;
        if (!body || as_mp_skip(&r, AS_MAX_DEPTH) != AS_MP_OK) {
            AS_LOG(AS_LOG_ERROR, "writer: malformed notification buffer");
            return;
        }
        if (zmq_send(wr->pub, topic, tn, ZMQ_SNDMORE | ZMQ_DONTWAIT) == (int)tn)
            zmq_send(wr->pub, body, (size_t)(r.p - body), ZMQ_DONTWAIT);
    }
}

/* Sends one write's response (its error when it failed) and publishes its notifications. A
 * job's own writes (AS_ROLE_JOB) are answered to the job thread. */
static void s_finish(as_writer_t *wr, as_write_t *w)
{
    if (w->code) {
        msgpack_sbuffer_clear(&w->reply);
        msgpack_sbuffer_clear(&w->notes);
        as_response_error(&w->reply_pk, w->hdr.msgid, w->code, w->err.msg);
    }
    /* [hdr][envelope][response]: the argument frames make way for the response. */
    as_frames_t *fr = &w->fr;
    for (int i = w->args + 1; i < fr->n; i++)
        zmq_msg_close(&fr->f[i]);
    fr->n = w->args + 1;
    as_frames_set(fr, w->args, w->reply.data, w->reply.size);
    bool internal = w->hdr.role == AS_ROLE_JOB;
    if (!internal)
        as_stats_record(wr->stats, w->hdr.method, w->code != AS_OK, as_now_ns() - w->hdr.t_recv);
    if (as_frames_send(internal ? wr->to_jobs : wr->to_broker, fr, 0, 0)) as_frames_close(fr);
    s_publish(wr, w);
}

/* The deadline sweep: every attempt event due now, in transactions of at most 256 (other writes
 * wait for one of them at most), each committed before its notifications go out. */
static void s_sweep(as_writer_t *wr)
{
    as_store_t *store = wr->e->store;
    double now = as_wall_s();
    while (wr->next_due > 0 && wr->next_due <= now) {
        as_wtxn_t *txn;
        as_err_t err;
        msgpack_sbuffer_clear(&wr->sweep.notes);
        if (as_wtxn_begin(store, &txn, &err)) {
            AS_LOG(AS_LOG_ERROR, "writer: deadline sweep: %s", err.msg);
            wr->next_due = now + 1; /* try again in a second */
            return;
        }
        double next;
        int n = as_write_attempts_sweep(wr, txn, &wr->sweep, now, 256, &next);
        if (as_store_full(store)) {
            as_wtxn_abort(&txn);
            if (as_store_grow(store, &err)) AS_LOG(AS_LOG_ERROR, "writer: %s", err.msg);
            continue;
        }
        if (wr->sweep.code) {
            AS_LOG(AS_LOG_ERROR, "writer: deadline sweep: %s", wr->sweep.err.msg);
            as_wtxn_abort(&txn);
            wr->next_due = now + 1;
            return;
        }
        if (as_wtxn_commit(&txn, &err)) {
            AS_LOG(AS_LOG_ERROR, "writer: deadline sweep: %s", err.msg);
            wr->next_due = now + 1;
            return;
        }
        wr->unsynced = true;
        s_publish(wr, &wr->sweep);
        if (n) AS_LOG(AS_LOG_DEBUG, "writer: deadline sweep: %d attempt event(s)", n);
        wr->next_due = next;
        now = as_wall_s();
    }
}

/* --sync periodic and none: flush when due (or when forced, at shutdown). */
static void s_flush(as_writer_t *wr, bool force)
{
    as_engine_t *e = wr->e;
    if (!wr->unsynced || e->sync == AS_SYNC_FULL) return;
    uint64_t now = as_now_ns();
    if (!force &&
        (e->sync == AS_SYNC_NONE || now - wr->last_sync < (uint64_t)e->sync_ms * 1000000u))
        return;
    as_err_t err;
    if (as_store_sync(e->store, &err)) AS_LOG(AS_LOG_ERROR, "writer: %s", err.msg);
    wr->last_sync = now;
    wr->unsynced = false;
}

/* Waits for the next write; with unsynced periodic data, no longer than the sync is due. */
static int s_wait(as_writer_t *wr)
{
    as_engine_t *e = wr->e;
    long timeout = -1;
    if (wr->unsynced && e->sync == AS_SYNC_PERIODIC) {
        uint64_t due = wr->last_sync + (uint64_t)e->sync_ms * 1000000u, now = as_now_ns();
        timeout = due > now ? (long)((due - now) / 1000000u) + 1 : 0;
    }
    if (wr->next_due > 0) { /* no later than the next attempt deadline event */
        double left = wr->next_due - as_wall_s();
        long ms = left > 0 ? (long)(left * 1000) + 1 : 0;
        if (timeout < 0 || ms < timeout) timeout = ms;
    }
    zmq_pollitem_t item = {wr->in, 0, ZMQ_POLLIN, 0};
    return zmq_poll(&item, 1, timeout);
}

void *as_writer_run(void *arg)
{
    as_engine_t *e = arg;
    as_writer_t wr = {.e = e, .stats = as_stats_slot(e->stats, 1), .last_sync = as_now_ns()};
    wr.in = e->writer_in;
    wr.pub = e->pub;
    wr.to_broker = zmq_socket(e->zctx, ZMQ_PUSH);
    wr.to_jobs = zmq_socket(e->zctx, ZMQ_PUSH);
    wr.batch = calloc(S_BATCH, sizeof *wr.batch);
    wr.subjects = calloc(S_BATCH, sizeof *wr.subjects);
    wr.scorer = as_scorer_new();
    if (wr.scorer) /* no CPU budget: what the writer scores was accepted by a worker */
        as_scorer_limits(wr.scorer, NULL, as_stats_event_counter(e->stats, AS_EV_PATTERN_LIMITED));
    wr.item_scores = calloc(AS_MAX_ITEMS, sizeof(double));
    wr.answered = calloc(AS_MAX_ITEMS, 1);
    wr.observed = calloc(AS_MAX_ITEMS, 1);
    wr.agree = malloc(sizeof *wr.agree);
    msgpack_sbuffer_init(&wr.rec);
    msgpack_packer_init(&wr.rec_pk, &wr.rec, msgpack_sbuffer_write);
    msgpack_sbuffer_init(&wr.mastery);
    msgpack_sbuffer_init(&wr.models);
    as_kt_t kt;
    as_kt_init(&kt);
    wr.kt = &kt;
    msgpack_packer_init(&wr.mastery_pk, &wr.mastery, msgpack_sbuffer_write);
    msgpack_sbuffer_init(&wr.att);
    msgpack_packer_init(&wr.att_pk, &wr.att, msgpack_sbuffer_write);
    msgpack_sbuffer_init(&wr.sweep.reply);
    msgpack_packer_init(&wr.sweep.reply_pk, &wr.sweep.reply, msgpack_sbuffer_write);
    msgpack_sbuffer_init(&wr.sweep.notes);
    msgpack_packer_init(&wr.sweep.notes_pk, &wr.sweep.notes, msgpack_sbuffer_write);
    int hwm = 100000, linger = 0;
    if (!wr.to_broker || !wr.to_jobs || !wr.batch || !wr.subjects || !wr.scorer || !wr.agree ||
        !wr.item_scores || !wr.answered || !wr.observed) {
        as_engine_fatal(e, "writer: cannot start: %s", zmq_strerror(errno));
        goto done;
    }
    for (int i = 0; i < S_BATCH; i++) {
        as_write_t *w = &wr.batch[i];
        msgpack_sbuffer_init(&w->reply);
        msgpack_packer_init(&w->reply_pk, &w->reply, msgpack_sbuffer_write);
        msgpack_sbuffer_init(&w->notes);
        msgpack_packer_init(&w->notes_pk, &w->notes, msgpack_sbuffer_write);
    }
    zmq_setsockopt(wr.to_broker, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(wr.to_broker, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(wr.to_broker, AS_EP_REPLIES);
    zmq_setsockopt(wr.to_jobs, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(wr.to_jobs, AS_EP_JOBS);
    /* attempts whose deadline passed while the engine was down are ended before it serves */
    wr.next_due = as_wall_s();
    s_sweep(&wr);
    atomic_store(&e->writer_ready, 1);
    for (;;) {
        s_sweep(&wr);
        int ready = s_wait(&wr);
        if (ready < 0 && errno == ETERM) break;
        if (ready <= 0) {
            s_flush(&wr, false);
            continue;
        }
        wr.n = 0;
        while (wr.n < S_BATCH) {
            as_write_t *w = &wr.batch[wr.n];
            bool overflow;
            if (as_frames_recv(wr.in, &w->fr, ZMQ_DONTWAIT, &overflow)) break;
            memcpy(&w->hdr, zmq_msg_data(&w->fr.f[0]), sizeof w->hdr);
            w->args = 1 + w->hdr.n_env;
            w->dropped = false;
            wr.n++;
        }
        if (wr.n == 0) {
            if (errno == ETERM) break;
            continue;
        }
        as_err_t err;
        as_code_t rc = s_commit(&wr, &err);
        bool wake_jobs = false;
        for (int i = 0; i < wr.n; i++) {
            as_write_t *w = &wr.batch[i];
            if (rc) {
                w->code = rc;
                w->err = err;
            }
            wake_jobs |= !w->code && w->hdr.op == AS_OP_JOB_NEW;
            s_finish(&wr, w);
        }
        /* a new job: the job thread looks for work (a one-frame message) */
        if (wake_jobs) zmq_send(wr.to_jobs, "wake", 4, ZMQ_DONTWAIT);
        if (rc)
            AS_LOG(AS_LOG_ERROR, "writer: batch of %d failed: %s", wr.n, err.msg);
        else
            wr.unsynced = true;
        s_flush(&wr, false);
    }
    s_flush(&wr, true);
done:
    if (wr.to_broker) zmq_close(wr.to_broker);
    if (wr.to_jobs) zmq_close(wr.to_jobs);
    zmq_close(e->writer_in);
    zmq_close(e->pub);
    if (wr.batch)
        for (int i = 0; i < S_BATCH; i++) {
            msgpack_sbuffer_destroy(&wr.batch[i].reply);
            msgpack_sbuffer_destroy(&wr.batch[i].notes);
        }
    free(wr.batch);
    free(wr.subjects);
    msgpack_sbuffer_destroy(&wr.rec);
    msgpack_sbuffer_destroy(&wr.mastery);
    msgpack_sbuffer_destroy(&wr.models);
    as_kt_free(&kt);
    msgpack_sbuffer_destroy(&wr.att);
    free(wr.att_keys);
    msgpack_sbuffer_destroy(&wr.sweep.reply);
    msgpack_sbuffer_destroy(&wr.sweep.notes);
    free(wr.touched);
    as_scorer_destroy(&wr.scorer);
    free(wr.item_scores);
    free(wr.answered);
    free(wr.observed);
    free(wr.agree);
    return NULL;
}
