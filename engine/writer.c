/* writer.c — the writer thread: the only LMDB write transaction of assayd.
 *
 * It takes every write already queued (up to S_BATCH) into one transaction (group commit), and
 * only after the commit answers each of them and publishes their notifications: nothing is
 * acknowledged or announced before it is durable. When the map is full it aborts, grows the map
 * and replays the batch.
 */
#include "log.h"
#include "methods.h"

#include <errno.h>
#include <stdlib.h>

#define S_BATCH 256

typedef struct {
    as_frames_t fr; /* [hdr][envelope][arguments] */
    as_hdr_t hdr;
    int args; /* index of the first argument frame */
    as_code_t code;
    as_err_t err;
    uint32_t version;
    uint64_t seq;
} s_write_t;

typedef struct {
    as_engine_t *e;
    void *in, *to_broker, *pub;
    as_tstat_t *stats;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    s_write_t *batch;
    int n;
} s_writer_t;

static const char *s_arg(s_write_t *w, int i, size_t *len)
{
    zmq_msg_t *m = &w->fr.f[w->args + i];
    *len = zmq_msg_size(m);
    return zmq_msg_data(m);
}

/* Applies one write inside the transaction. */
static void s_apply(as_wtxn_t *txn, s_write_t *w)
{
    size_t len;
    w->code = AS_OK;
    switch ((as_op_t)w->hdr.op) {
    case AS_OP_PUT: {
        size_t src_len, blob_len;
        const char *src = s_arg(w, 0, &src_len);
        uint8_t *blob = (uint8_t *)s_arg(w, 1, &blob_len);
        as_table_t t;
        if ((w->code = as_table_open(blob, blob_len, &t, &w->err))) return;
        w->code = as_store_put_assessment(txn, as_table_str(&t, t.hdr.id_off), t.hdr.id_len, src,
                                          src_len, blob, blob_len, &w->version, &w->err);
        break;
    }
    case AS_OP_DELETE: {
        const char *id = s_arg(w, 0, &len);
        w->code = as_store_delete_assessment(txn, id, (uint32_t)len, &w->err);
        break;
    }
    default:
        w->code = as_err_set(&w->err, AS_INTERNAL, "unknown write operation %d", w->hdr.op);
    }
    if (!w->code) w->seq = as_store_next_seq(txn);
}

/* Runs the batch in one transaction; on a full map, grows it and runs the batch again. */
static as_code_t s_commit(s_writer_t *wr, as_err_t *err)
{
    for (int attempt = 0; attempt < 32; attempt++) {
        as_wtxn_t *txn;
        as_code_t rc = as_wtxn_begin(wr->e->store, &txn, err);
        if (rc) return rc;
        for (int i = 0; i < wr->n; i++) {
            s_apply(txn, &wr->batch[i]);
            if (as_store_full(wr->e->store)) break;
        }
        if (!as_store_full(wr->e->store)) {
            rc = as_wtxn_commit(&txn, err);
            if (!rc || !as_store_full(wr->e->store)) return rc;
        } else {
            as_wtxn_abort(&txn);
        }
        if ((rc = as_store_grow(wr->e->store, err))) return rc;
    }
    return as_err_set(err, AS_INTERNAL, "the data map could not be grown enough");
}

static void s_publish(s_writer_t *wr, s_write_t *w, const as_table_t *t, const char *id,
                      size_t id_len)
{
    char topic[16 + AS_MAX_ID];
    int n = snprintf(topic, sizeof topic, "assessment.%.*s", (int)id_len, id);
    msgpack_sbuffer_clear(&wr->sb);
    msgpack_pack_map(&wr->pk, t ? 5 : 3);
    as_pack_cstr(&wr->pk, "event");
    as_pack_cstr(&wr->pk, t ? "put" : "delete");
    as_pack_cstr(&wr->pk, "id");
    as_pack_str(&wr->pk, id, id_len);
    as_pack_cstr(&wr->pk, "seq");
    msgpack_pack_uint64(&wr->pk, w->seq);
    if (t) {
        as_pack_cstr(&wr->pk, "version");
        msgpack_pack_uint32(&wr->pk, w->version);
        as_pack_cstr(&wr->pk, "max_score");
        msgpack_pack_double(&wr->pk, t->hdr.max_score);
    }
    /* PUB never blocks: at its high-water mark it drops, and subscribers see a gap in seq. */
    if (zmq_send(wr->pub, topic, (size_t)n, ZMQ_SNDMORE | ZMQ_DONTWAIT) == n)
        zmq_send(wr->pub, wr->sb.data, wr->sb.size, ZMQ_DONTWAIT);
}

/* Answers one write of a committed (or failed) batch and publishes its notification. */
static void s_reply(s_writer_t *wr, s_write_t *w)
{
    msgpack_sbuffer_clear(&wr->sb);
    if (w->code) {
        as_response_error(&wr->pk, w->hdr.msgid, w->code, w->err.msg);
    } else if (w->hdr.op == AS_OP_PUT) {
        size_t blob_len;
        as_table_t t;
        const char *blob = s_arg(w, 1, &blob_len);
        as_table_open(blob, blob_len, &t, NULL);
        as_response_ok(&wr->pk, w->hdr.msgid);
        msgpack_pack_map(&wr->pk, 4);
        as_pack_cstr(&wr->pk, "id");
        as_pack_str(&wr->pk, as_table_str(&t, t.hdr.id_off), t.hdr.id_len);
        as_pack_cstr(&wr->pk, "version");
        msgpack_pack_uint32(&wr->pk, w->version);
        as_pack_cstr(&wr->pk, "items");
        msgpack_pack_uint32(&wr->pk, t.hdr.n_items);
        as_pack_cstr(&wr->pk, "max_score");
        msgpack_pack_double(&wr->pk, t.hdr.max_score);
    } else {
        as_response_ok(&wr->pk, w->hdr.msgid);
        msgpack_pack_map(&wr->pk, 0);
    }
    /* [hdr][envelope][response]: the argument frames make way for the response. */
    as_frames_t *fr = &w->fr;
    for (int i = w->args + 1; i < fr->n; i++)
        zmq_msg_close(&fr->f[i]);
    fr->n = w->args + 1;
    as_frames_set(fr, w->args, wr->sb.data, wr->sb.size);
    as_stats_record(wr->stats, w->hdr.method, w->code != AS_OK, as_now_ns() - w->hdr.t_recv);
    if (as_frames_send(wr->to_broker, fr, 0, 0)) as_frames_close(fr);
}

void *as_writer_run(void *arg)
{
    as_engine_t *e = arg;
    s_writer_t wr = {.e = e, .stats = as_stats_slot(e->stats, 1)};
    wr.in = e->writer_in;
    wr.pub = e->pub;
    wr.to_broker = zmq_socket(e->zctx, ZMQ_PUSH);
    wr.batch = calloc(S_BATCH, sizeof *wr.batch);
    msgpack_sbuffer_init(&wr.sb);
    msgpack_packer_init(&wr.pk, &wr.sb, msgpack_sbuffer_write);
    int hwm = 100000, linger = 0;
    if (!wr.to_broker || !wr.batch) {
        as_engine_fatal(e, "writer: cannot start: %s", zmq_strerror(errno));
        goto done;
    }
    zmq_setsockopt(wr.to_broker, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(wr.to_broker, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(wr.to_broker, AS_EP_REPLIES);
    for (;;) {
        wr.n = 0;
        while (wr.n < S_BATCH) {
            s_write_t *w = &wr.batch[wr.n];
            bool overflow;
            if (as_frames_recv(wr.in, &w->fr, wr.n ? ZMQ_DONTWAIT : 0, &overflow)) break;
            memcpy(&w->hdr, zmq_msg_data(&w->fr.f[0]), sizeof w->hdr);
            w->args = 1 + w->hdr.n_env;
            wr.n++;
        }
        if (wr.n == 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break; /* ETERM: shutting down */
        }
        as_err_t err;
        as_code_t rc = s_commit(&wr, &err);
        for (int i = 0; i < wr.n; i++) {
            s_write_t *w = &wr.batch[i];
            if (rc) {
                w->code = rc;
                w->err = err;
            }
            if (!w->code) {
                size_t len;
                if (w->hdr.op == AS_OP_PUT) {
                    as_table_t t;
                    const char *blob = s_arg(w, 1, &len);
                    as_table_open(blob, len, &t, NULL);
                    s_publish(&wr, w, &t, as_table_str(&t, t.hdr.id_off), t.hdr.id_len);
                } else {
                    const char *id = s_arg(w, 0, &len);
                    s_publish(&wr, w, NULL, id, len);
                }
            }
            s_reply(&wr, w);
        }
        if (rc) AS_LOG(AS_LOG_ERROR, "writer: batch of %d failed: %s", wr.n, err.msg);
    }
done:
    if (wr.to_broker) zmq_close(wr.to_broker);
    zmq_close(e->writer_in);
    zmq_close(e->pub);
    free(wr.batch);
    msgpack_sbuffer_destroy(&wr.sb);
    return NULL;
}
