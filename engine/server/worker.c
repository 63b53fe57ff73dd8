/* worker.c — a worker thread: decodes a request, checks who may call it, runs its handler inside
 * a read transaction, and sends the response back through the broker, or forwards a validated
 * write to the writer. Per-request work allocates nothing of its own: buffers are the worker's. */
#include "log.h"
#include "methods.h"
#include "models_trace.h"

#include <errno.h>
#include <stdlib.h>

static void *s_socket(as_engine_t *e, int type, const char *ep, int hwm)
{
    void *s = zmq_socket(e->zctx, type);
    if (!s) return NULL;
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, type == ZMQ_PULL ? ZMQ_RCVHWM : ZMQ_SNDHWM, &hwm, sizeof hwm);
    if (zmq_connect(s, ep)) {
        zmq_close(s);
        return NULL;
    }
    return s;
}

as_worker_t *as_worker_new(as_engine_t *e, int index, int stats_slot, bool with_sockets)
{
    as_worker_t *w = calloc(1, sizeof *w);
    as_err_t err;
    if (!w) return NULL;
    w->engine = e;
    w->index = index;
    w->stats = as_stats_slot(e->stats, stats_slot);
    w->scorer = as_scorer_new();
    w->item_scores = calloc(AS_MAX_ITEMS, sizeof(double));
    w->kt = malloc(sizeof *w->kt);
    if (w->kt) as_kt_init(w->kt);
    msgpack_sbuffer_init(&w->sb);
    msgpack_sbuffer_init(&w->fwd_sb);
    msgpack_packer_init(&w->fwd_pk, &w->fwd_sb, msgpack_sbuffer_write);
    msgpack_packer_init(&w->pk, &w->sb, msgpack_sbuffer_write);
    if (!w->scorer || !w->item_scores || !w->kt || as_reader_new(e->store, &w->rd, &err)) goto fail;
    as_scorer_limits(w->scorer, &e->stop_at_ns,
                     as_stats_event_counter(e->stats, AS_EV_PATTERN_LIMITED));
    /* the broker runs a request inline only while it is cheap: past 1 ms of scoring it hands the
     * request to the workers instead (broker.c) */
    w->budget_ns = with_sockets ? e->budget_ns : AS_INLINE_BUDGET_NS;
    if (with_sockets) {
        w->from_broker = s_socket(e, ZMQ_PULL, AS_EP_WORK, 1000);
        w->to_broker = s_socket(e, ZMQ_PUSH, AS_EP_REPLIES, 100000);
        w->to_writer = s_socket(e, ZMQ_PUSH, AS_EP_WRITER, 1000);
        if (!w->from_broker || !w->to_broker || !w->to_writer) goto fail;
    }
    /* Size the reply buffer once so ordinary responses never grow it. */
    w->sb.data = malloc(1 << 16);
    if (!w->sb.data) goto fail;
    w->sb.alloc = 1 << 16;
    return w;
fail:
    as_engine_fatal(e, "worker %d: cannot start: %s", index, zmq_strerror(errno));
    if (w->from_broker) zmq_close(w->from_broker);
    if (w->to_broker) zmq_close(w->to_broker);
    if (w->to_writer) zmq_close(w->to_writer);
    as_reader_destroy(&w->rd);
    as_scorer_destroy(&w->scorer);
    free(w->item_scores);
    if (w->kt) as_kt_free(w->kt);
    free(w->kt);
    msgpack_sbuffer_destroy(&w->sb);
    msgpack_sbuffer_destroy(&w->fwd_sb);
    free(w);
    return NULL;
}

void as_worker_destroy(as_worker_t **w_p)
{
    as_worker_t *w = *w_p;
    if (!w) return;
    if (w->from_broker) zmq_close(w->from_broker);
    if (w->to_broker) zmq_close(w->to_broker);
    if (w->to_writer) zmq_close(w->to_writer);
    as_reader_destroy(&w->rd);
    as_scorer_destroy(&w->scorer);
    free(w->item_scores);
    if (w->kt) as_kt_free(w->kt);
    free(w->kt);
    msgpack_sbuffer_destroy(&w->sb);
    msgpack_sbuffer_destroy(&w->fwd_sb);
    free(w);
    *w_p = NULL;
}

int as_worker_handle(as_worker_t *w, as_hdr_t *hdr, const void *body, size_t len, as_code_t *code)
{
    as_request_t req;
    as_err_t err;
    int m = AS_M_INVALID;
    w->fwd_op = AS_OP_NONE;
    w->fwd_n = 0;
    as_scorer_budget(w->scorer, w->budget_ns); /* this request's, whatever the last one spent */
    msgpack_sbuffer_clear(&w->sb);
    as_code_t rc = as_request_decode(body, len, &req, &err);
    hdr->msgid = req.msgid;
    if (!rc) {
        m = as_method_find(req.method, req.method_len);
        if (m < 0) {
            m = AS_M_INVALID;
            rc = as_err_set(&err, AS_BAD_REQUEST, "body[2]: unknown method \"%.*s\"",
                            (int)(req.method_len > 64 ? 64 : req.method_len), req.method);
        } else if ((as_methods[m].flags & AS_M_ADMIN) && hdr->role != AS_ROLE_ADMIN) {
            rc = as_err_set(&err, AS_FORBIDDEN,
                            "method %s is allowed only on the admin socket (admin.sock)",
                            as_methods[m].name);
        }
    }
    if (!rc) {
        rc = as_reader_begin(w->rd, &err);
        if (!rc) {
            as_response_ok(&w->pk, req.msgid);
            rc = as_methods[m].fn(w, &req, &err);
            as_reader_end(w->rd);
        }
    }
    if (rc) {
        for (int i = 0; i < w->fwd_n; i++)
            zmq_msg_close(&w->fwd[i]);
        w->fwd_n = 0;
        w->fwd_op = AS_OP_NONE;
        msgpack_sbuffer_clear(&w->sb);
        as_response_error(&w->pk, req.msgid, rc, err.msg);
        if (rc == AS_INTERNAL) AS_LOG(AS_LOG_ERROR, "worker %d: %s", w->index, err.msg);
    }
    *code = rc;
    return m;
}

/* Hands a validated write to the writer: [hdr][envelope][arguments]. */
static int s_forward(as_worker_t *w, as_frames_t *fr, as_hdr_t *hdr)
{
    hdr->op = (uint8_t)w->fwd_op;
    memcpy(zmq_msg_data(&fr->f[0]), hdr, sizeof *hdr);
    zmq_msg_close(&fr->f[fr->n - 1]); /* the request body is not needed any more */
    fr->n--;
    for (int i = 0; i < w->fwd_n; i++) {
        zmq_msg_init(&fr->f[fr->n]);
        zmq_msg_move(&fr->f[fr->n++], &w->fwd[i]);
    }
    w->fwd_n = 0;
    return as_frames_send(w->to_writer, fr, 0, ZMQ_DONTWAIT);
}

void *as_worker_run(void *arg)
{
    as_worker_arg_t *a = arg;
    as_engine_t *e = a->engine;
    as_worker_t *w = as_worker_new(e, a->index, 2 + a->index, true);
    if (!w) return NULL;
    for (;;) {
        as_frames_t fr;
        bool overflow;
        if (as_frames_recv(w->from_broker, &fr, 0, &overflow)) {
            if (errno == ETERM) break;
            if (errno == EINTR) continue;
            as_engine_fatal(e, "worker %d: receive: %s", w->index, zmq_strerror(errno));
            break;
        }
        if (fr.n < 2 || zmq_msg_size(&fr.f[0]) != sizeof(as_hdr_t)) {
            as_frames_close(&fr);
            continue; /* cannot happen: the broker builds these */
        }
        as_hdr_t hdr;
        memcpy(&hdr, zmq_msg_data(&fr.f[0]), sizeof hdr);
        zmq_msg_t *body = &fr.f[fr.n - 1];
        as_code_t code;
        int m = as_worker_handle(w, &hdr, zmq_msg_data(body), zmq_msg_size(body), &code);
        hdr.method = (uint8_t)m;
        if (code == AS_TOO_LARGE && as_scorer_halted(w->scorer, NULL) == AS_TOO_LARGE)
            as_stats_event(e->stats, AS_EV_OVER_BUDGET);
        if (w->fwd_op != AS_OP_NONE) {
            int nf = w->fwd_n;
            if (s_forward(w, &fr, &hdr) == 0) continue; /* the writer replies after commit */
            if (errno == ETERM) {
                as_frames_close(&fr);
                break;
            }
            /* The writer's queue is full: nothing was sent; answer overloaded instead. */
            as_stats_event(e->stats, AS_EV_OVERLOADED);
            for (int i = fr.n - nf + 1; i < fr.n; i++)
                zmq_msg_close(&fr.f[i]);
            fr.n -= nf - 1;
            msgpack_sbuffer_clear(&w->sb);
            as_response_error(&w->pk, hdr.msgid, AS_OVERLOADED,
                              "the writer's queue is full: retry later");
            code = AS_OVERLOADED;
        }
        memcpy(zmq_msg_data(&fr.f[0]), &hdr, sizeof hdr);
        as_frames_set(&fr, fr.n - 1, w->sb.data, w->sb.size);
        as_stats_record(w->stats, m, code != AS_OK, as_now_ns() - hdr.t_recv);
        if (as_frames_send(w->to_broker, &fr, 0, 0) && errno == ETERM) break;
    }
    as_worker_destroy(&w);
    return NULL;
}
