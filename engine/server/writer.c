/* writer.c — the writer thread: the only LMDB write transaction of assayd.
 *
 * It takes every write already queued (up to S_BATCH, without waiting for more) into one
 * transaction: group commit. Each write prepares its response and its notification inside the
 * transaction; only after the commit are they sent: nothing is acknowledged or announced before
 * it is durable (under --sync full; see as_sync_t for the other modes). When the map is full the
 * batch is aborted, the map grown and the batch replayed.
 */
#include "clock.h"
#include "log.h"
#include "record.h"
#include "writer_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define S_BATCH 1024

const char *as_write_arg(as_write_t *w, int i, size_t *len)
{
    zmq_msg_t *m = &w->fr.f[w->args + i];
    *len = zmq_msg_size(m);
    return zmq_msg_data(m);
}

msgpack_packer *as_write_note(as_write_t *w, const char *prefix, const char *id, size_t len)
{
    char topic[16 + AS_MAX_NAME];
    int n = snprintf(topic, sizeof topic, "%s.%.*s", prefix, (int)len, id);
    as_pack_str(&w->notes_pk, topic, (size_t)n < sizeof topic ? (size_t)n : sizeof topic - 1);
    return &w->notes_pk;
}

void as_write_note_event(as_write_t *w, as_wtxn_t *txn, const char *prefix, const char *event,
                         const char *id, size_t len)
{
    msgpack_packer *pk = as_write_note(w, prefix, id, len);
    msgpack_pack_map(pk, 3);
    as_pack_cstr(pk, "event");
    as_pack_cstr(pk, event);
    as_pack_cstr(pk, "id");
    as_pack_str(pk, id, len);
    as_pack_cstr(pk, "seq");
    msgpack_pack_uint64(pk, as_store_next_seq(txn));
}

static void s_put(as_wtxn_t *txn, as_write_t *w)
{
    size_t src_len, blob_len;
    const char *src = as_write_arg(w, 0, &src_len);
    uint8_t *blob = (uint8_t *)as_write_arg(w, 1, &blob_len);
    as_table_t t;
    uint32_t version;
    if ((w->code = as_table_open(blob, blob_len, &t, &w->err))) return;
    if ((w->code = as_store_skills_wcheck(txn, &t, &w->err))) return;
    const char *id = as_table_str(&t, t.hdr.id_off);
    w->code = as_store_put_assessment(txn, id, t.hdr.id_len, src, src_len, blob, blob_len, &version,
                                      &w->err);
    if (w->code) return;
    msgpack_packer *pk = &w->reply_pk;
    as_response_ok(pk, w->hdr.msgid);
    msgpack_pack_map(pk, 4);
    as_pack_cstr(pk, "id");
    as_pack_str(pk, id, t.hdr.id_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, version);
    as_pack_cstr(pk, "items");
    msgpack_pack_uint32(pk, t.hdr.n_items);
    as_pack_cstr(pk, "max_score");
    msgpack_pack_double(pk, t.hdr.max_score);
    pk = as_write_note(w, "assessment", id, t.hdr.id_len);
    msgpack_pack_map(pk, 5);
    as_pack_cstr(pk, "event");
    as_pack_cstr(pk, "put");
    as_pack_cstr(pk, "id");
    as_pack_str(pk, id, t.hdr.id_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, version);
    as_pack_cstr(pk, "max_score");
    msgpack_pack_double(pk, t.hdr.max_score);
    as_pack_cstr(pk, "seq");
    msgpack_pack_uint64(pk, as_store_next_seq(txn));
}

static void s_delete(as_wtxn_t *txn, as_write_t *w)
{
    size_t len, flen;
    const char *id = as_write_arg(w, 0, &len);
    const char *force = as_write_arg(w, 1, &flen);
    w->code = as_store_delete_assessment(txn, id, (uint32_t)len, flen && force[0], &w->err);
    if (w->code) return;
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    msgpack_pack_map(&w->reply_pk, 0);
    as_write_note_event(w, txn, "assessment", "delete", id, len);
}

/* Copies a stored response record as a submit result: every field but "answers". */
static void s_pack_result(msgpack_packer *pk, const void *record, size_t len)
{
    as_mp_t r;
    uint32_t n;
    as_mp_init(&r, record, len);
    as_mp_map(&r, &n);
    msgpack_pack_map(pk, n - 1);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *start = r.p;
        const char *k;
        uint32_t kl;
        as_mp_str(&r, &k, &kl);
        as_mp_skip(&r, AS_MAX_DEPTH);
        if (!as_str_eq(k, kl, "answers")) as_pack_raw(pk, start, (size_t)(r.p - start));
    }
}

/* Reads the worker's item scores and answered flags (k of each) into the writer's arrays. */
static bool s_read_items(as_writer_t *wr, as_mp_t *r, uint32_t *k)
{
    uint32_t n, m;
    if (as_mp_array(r, &n) || n > AS_MAX_ITEMS) return false;
    for (uint32_t i = 0; i < n; i++)
        if (as_mp_number(r, &wr->item_scores[i])) return false;
    if (as_mp_array(r, &m) || m != n) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a;
        if (as_mp_u32(r, &a)) return false;
        wr->answered[i] = (uint8_t)a;
    }
    *k = n;
    return true;
}

/* args[0]: [assessment, learner, key | nil, version, [item scores], [answered], answers]
 * (see methods.c s_submit) */
static void s_submit(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    size_t len;
    const char *args = as_write_arg(w, 0, &len);
    as_mp_t r;
    uint32_t n, version, k;
    as_subject_t s = {0};
    as_mp_init(&r, args, len);
    if (as_mp_array(&r, &n) || n != 7 || as_mp_str(&r, &s.assessment, &s.assessment_len) ||
        as_mp_str(&r, &s.learner, &s.learner_len) ||
        (as_mp_nil(&r) && as_mp_str(&r, &s.key, &s.key_len)) || as_mp_u32(&r, &version) ||
        !s_read_items(wr, &r, &k)) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed submit from a worker");
        return;
    }
    as_mp_t answers = r;
    const void *rec;
    size_t rec_len;
    uint64_t rid;
    /* A retry with the same key: the original result, nothing stored. */
    if (s.key && as_store_idem_find(txn, &s, &rid, &w->err) == AS_OK) {
        if ((w->code = as_store_response_wget(txn, rid, &rec, &rec_len, &w->err))) return;
        as_response_ok(&w->reply_pk, w->hdr.msgid);
        s_pack_result(&w->reply_pk, rec, rec_len);
        return;
    }
    /* The worker's scores stand while its version is current in this transaction; when the
     * assessment was replaced since, the answers are scored again against the new table. */
    as_table_t t;
    if ((w->code = as_store_wtable(txn, s.assessment, s.assessment_len, &t, &w->err))) return;
    const uint8_t *answered = wr->answered;
    if (t.hdr.version != version || t.hdr.n_items != k) {
        as_path_t path;
        as_path_init(&path, "answers");
        as_mp_t scan = answers;
        double ignored;
        if ((w->code = as_score_answers(wr->scorer, &t, &scan, &path, &ignored, wr->item_scores,
                                        &w->err)))
            return;
        answered = as_scorer_answered(wr->scorer);
    }
    double score = 0;
    for (uint32_t i = 0; i < t.hdr.n_items; i++)
        score += wr->item_scores[i];
    uint32_t attempts = as_store_attempts(txn, &s);
    if (t.hdr.max_attempts && attempts >= t.hdr.max_attempts) {
        w->code = as_err_set(&w->err, AS_CONFLICT,
                             "learner \"%.*s\" has used all %u attempt(s) at assessment \"%.*s\"",
                             (int)s.learner_len, s.learner, t.hdr.max_attempts,
                             (int)s.assessment_len, s.assessment);
        return;
    }
    rid = as_store_next_rid(txn);
    uint32_t attempt = attempts + 1;
    /* knowledge tracing: the learner's mastery of the answered items' skills */
    if ((w->code = as_write_trace(wr, txn, &t, s.learner, s.learner_len, wr->item_scores, answered,
                                  &w->err)))
        return;
    char when[40];
    as_rfc3339(as_wall_s(), when, sizeof when);
    as_record_t record = {.response_id = rid,
                          .assessment = s.assessment,
                          .assessment_len = s.assessment_len,
                          .learner = s.learner,
                          .learner_len = s.learner_len,
                          .attempt = attempt,
                          .submitted_at = when,
                          .submitted_at_len = (uint32_t)strlen(when),
                          .mastery = wr->mastery.size ? (const uint8_t *)wr->mastery.data : NULL,
                          .mastery_len = wr->mastery.size,
                          .answers = answers.p,
                          .answers_len = as_mp_left(&answers)};
    msgpack_sbuffer_clear(&wr->rec);
    as_record_pack(&wr->rec_pk, &record, &t, score);
    if ((w->code =
             as_store_response_add(txn, &s, rid, attempt, wr->rec.data, wr->rec.size, &w->err)))
        return;
    if ((w->code = as_store_stats_update(txn, &s, rid, &t, wr->item_scores, answered, &w->err)))
        return;
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    s_pack_result(&w->reply_pk, wr->rec.data, wr->rec.size);
    as_record_pack_note(as_write_note(w, "score", s.assessment, s.assessment_len), &record, &t,
                        score, as_store_next_seq(txn), 0);
    if (record.mastery) {
        msgpack_packer *pk = as_write_note(w, "mastery", s.learner, s.learner_len);
        msgpack_pack_map(pk, 5);
        as_pack_cstr(pk, "learner");
        as_pack_str(pk, s.learner, s.learner_len);
        as_pack_cstr(pk, "assessment");
        as_pack_str(pk, s.assessment, s.assessment_len);
        as_pack_cstr(pk, "response_id");
        msgpack_pack_uint64(pk, rid);
        as_pack_cstr(pk, "skills");
        as_pack_raw(pk, record.mastery, record.mastery_len);
        as_pack_cstr(pk, "seq");
        msgpack_pack_uint64(pk, as_store_next_seq(txn));
    }
}

/* Applies one write inside the transaction, preparing its response and notification. */
static void s_apply(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    w->code = AS_OK;
    msgpack_sbuffer_clear(&w->reply);
    msgpack_sbuffer_clear(&w->notes);
    switch ((as_op_t)w->hdr.op) {
    case AS_OP_PUT:
        s_put(txn, w);
        break;
    case AS_OP_DELETE:
        s_delete(txn, w);
        break;
    case AS_OP_SUBMIT:
        s_submit(wr, txn, w);
        break;
    case AS_OP_JOB_NEW:
        as_write_job_new(wr, txn, w);
        break;
    case AS_OP_JOB_STEP:
        as_write_job_step(wr, txn, w);
        break;
    case AS_OP_SKILL_PUT:
        as_write_skill_put(wr, txn, w);
        break;
    case AS_OP_SKILL_DELETE:
        as_write_skill_delete(wr, txn, w);
        break;
    default:
        w->code = as_err_set(&w->err, AS_INTERNAL, "unknown write operation %d", w->hdr.op);
    }
    if (w->code) msgpack_sbuffer_clear(&w->notes);
}

/* Runs the batch in one transaction; on a full map, grows it and runs the batch again. */
static as_code_t s_commit(as_writer_t *wr, as_err_t *err)
{
    as_store_t *store = wr->e->store;
    for (int attempt = 0; attempt < 32; attempt++) {
        as_wtxn_t *txn;
        as_code_t rc = as_wtxn_begin(store, &txn, err);
        if (rc) return rc;
        for (int i = 0; i < wr->n && !as_store_full(store); i++)
            s_apply(wr, txn, &wr->batch[i]);
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
    wr.scorer = as_scorer_new();
    wr.item_scores = calloc(AS_MAX_ITEMS, sizeof(double));
    wr.answered = calloc(AS_MAX_ITEMS, 1);
    msgpack_sbuffer_init(&wr.rec);
    msgpack_packer_init(&wr.rec_pk, &wr.rec, msgpack_sbuffer_write);
    msgpack_sbuffer_init(&wr.mastery);
    msgpack_packer_init(&wr.mastery_pk, &wr.mastery, msgpack_sbuffer_write);
    int hwm = 100000, linger = 0;
    if (!wr.to_broker || !wr.to_jobs || !wr.batch || !wr.scorer || !wr.item_scores ||
        !wr.answered) {
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
    for (;;) {
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
    msgpack_sbuffer_destroy(&wr.rec);
    msgpack_sbuffer_destroy(&wr.mastery);
    free(wr.touched);
    as_scorer_destroy(&wr.scorer);
    free(wr.item_scores);
    free(wr.answered);
    return NULL;
}
