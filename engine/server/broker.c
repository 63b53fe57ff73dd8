/* broker.c — the broker thread: the only owner of the client-facing ROUTER sockets.
 *
 * It reads a client message, checks its framing and size, tags it with the socket's role and the
 * time, and pushes it to the workers; it routes responses from workers and the writer back to
 * the client. Everything it cannot pass on it answers itself (bad framing, too_large, overloaded,
 * unavailable), so every request gets exactly one response. On stop it answers new requests
 * `unavailable` and returns once every request in flight has been answered.
 */
#include "log.h"
#include "methods.h"

#include <errno.h>
#include <stdlib.h>

typedef struct {
    as_engine_t *e;
    as_tstat_t *stats;
    as_worker_t *w; /* runs cheap reads inline when no request is in flight */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    uint64_t in_flight;
    size_t in_flight_bytes; /* the bodies of the requests in flight (as_hdr_t.bytes) */
    bool draining;
} s_broker_t;

/* Answers the client of `fr` itself: frames [0, env) are its envelope. */
static void s_answer(s_broker_t *b, int front, as_frames_t *fr, int env, uint32_t msgid,
                     as_code_t code, const char *msg)
{
    msgpack_sbuffer_clear(&b->sb);
    as_response_error(&b->pk, msgid, code, msg);
    for (int i = env + 1; i < fr->n; i++)
        zmq_msg_close(&fr->f[i]);
    if (env >= fr->n) zmq_msg_init(&fr->f[env]); /* no body frame: append one */
    fr->n = env + 1;
    as_frames_set(fr, env, b->sb.data, b->sb.size);
    as_stats_record(b->stats, AS_M_INVALID, true, 0);
    if (as_frames_send(b->e->frontend[front], fr, 0, ZMQ_DONTWAIT)) {
        as_frames_close(fr);
        as_stats_event(b->e->stats, AS_EV_REPLY_DROPPED);
    }
}

/* True when another message is waiting on sock. */
static bool s_pending(void *sock)
{
    uint32_t ev = 0;
    size_t sz = sizeof ev;
    zmq_getsockopt(sock, ZMQ_EVENTS, &ev, &sz);
    return ev & ZMQ_POLLIN;
}

/* With no request in flight and none waiting, a cheap read-only request is answered here: handing
 * it to a worker and back would cost two thread wake-ups (10-30 us each on a small machine) for
 * microseconds of work. Under load (anything in flight, or more requests queued) every request goes
 * to the workers, so the broker keeps routing and the work spreads over the cores. Returns false
 * when the request is not one to run inline. */
static bool s_inline(s_broker_t *b, int front, as_frames_t *fr, int env, as_hdr_t *hdr)
{
    zmq_msg_t *body = &fr->f[env];
    as_request_t req;
    if (as_request_decode(zmq_msg_data(body), zmq_msg_size(body), &req, NULL) != AS_OK)
        return false;
    int m = as_method_find(req.method, req.method_len);
    if (m < 0 || !(as_methods[m].flags & AS_M_INLINE)) return false;
    as_code_t code;
    m = as_worker_handle(b->w, hdr, zmq_msg_data(body), zmq_msg_size(body), &code);
    if (code == AS_TOO_LARGE && as_scorer_halted(b->w->scorer, NULL) == AS_TOO_LARGE)
        return false; /* more than the inline budget: a worker runs it again, on its own budget */
    as_frames_set(fr, env, b->w->sb.data, b->w->sb.size);
    as_stats_record(b->stats, m, code != AS_OK, as_now_ns() - hdr->t_recv);
    if (as_frames_send(b->e->frontend[front], fr, 0, ZMQ_DONTWAIT)) {
        as_frames_close(fr);
        as_stats_event(b->e->stats, AS_EV_REPLY_DROPPED);
    }
    return true;
}

/* Takes the next request of frontend `front` and answers or passes it on; false when none was
 * waiting. */
static bool s_request(s_broker_t *b, int front)
{
    as_frames_t fr;
    bool overflow;
    uint64_t now = as_now_ns();
    int role = b->e->frontend_role[front];
    if (as_frames_recv(b->e->frontend[front], &fr, ZMQ_DONTWAIT, &overflow)) return false;
    /* The envelope: every frame up to and including the first empty one; a DEALER that sends
     * no delimiter has just its identity frame. */
    int env = 1;
    for (int i = 1; i < fr.n; i++)
        if (zmq_msg_size(&fr.f[i]) == 0) {
            env = i + 1;
            break;
        }
    char msg[160];
    const char *problem = NULL;
    if (overflow) {
        snprintf(msg, sizeof msg, "message has more than %d frames", AS_MAX_FRAMES);
        problem = msg;
    } else if (env >= fr.n) {
        problem = "message has no body frame";
    } else if (env != fr.n - 1) {
        snprintf(msg, sizeof msg, "expected one body frame after the envelope, got %d", fr.n - env);
        problem = msg;
    }
    if (problem) {
        as_stats_event(b->e->stats, AS_EV_BAD_FRAMES);
        s_answer(b, front, &fr, env, 0, AS_BAD_REQUEST, problem);
        return true;
    }
    zmq_msg_t *body = &fr.f[env];
    size_t size = zmq_msg_size(body);
    uint32_t msgid = as_peek_msgid(zmq_msg_data(body), size);
    size_t limit = role == AS_ROLE_ADMIN ? b->e->max_admin_message : b->e->max_message;
    if (size > limit) {
        as_stats_event(b->e->stats, AS_EV_TOO_LARGE);
        snprintf(msg, sizeof msg, "request of %zu bytes is over the limit of %zu bytes (%s)", size,
                 limit, role == AS_ROLE_ADMIN ? "--max-admin-message" : "--max-message");
        s_answer(b, front, &fr, env, msgid, AS_TOO_LARGE, msg);
        return true;
    }
    if (b->draining) {
        s_answer(b, front, &fr, env, msgid, AS_UNAVAILABLE, "assayd is shutting down");
        return true;
    }
    as_hdr_t hdr = {.role = (uint8_t)role,
                    .front = (uint8_t)front,
                    .n_env = (uint8_t)env,
                    .msgid = msgid,
                    .bytes = (uint32_t)size,
                    .t_recv = now};
    if (b->in_flight == 0 && b->w && !s_pending(b->e->frontend[front]) &&
        s_inline(b, front, &fr, env, &hdr))
        return true;
    /* Queues are bounded in bytes as well as in count: what waits for the workers and the
     * writer, or is being served, may hold --max-queued (one request is always taken). */
    if (b->in_flight_bytes && b->in_flight_bytes + size > b->e->max_queued) {
        as_stats_event(b->e->stats, AS_EV_OVERLOADED);
        snprintf(msg, sizeof msg,
                 "requests in flight hold %zu bytes; %zu more would pass --max-queued (%zu): "
                 "retry later",
                 b->in_flight_bytes, size, b->e->max_queued);
        s_answer(b, front, &fr, env, msgid, AS_OVERLOADED, msg);
        return true;
    }
    zmq_msg_t h;
    zmq_msg_init_size(&h, sizeof hdr);
    memcpy(zmq_msg_data(&h), &hdr, sizeof hdr);
    if (zmq_msg_send(&h, b->e->work, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&h);
        as_stats_event(b->e->stats, AS_EV_OVERLOADED);
        s_answer(b, front, &fr, env, msgid, AS_OVERLOADED,
                 "every worker's queue is full: retry later");
        return true;
    }
    as_frames_send(b->e->work, &fr, 0, 0); /* the rest of a multipart message always follows */
    b->in_flight++;
    b->in_flight_bytes += size;
    return true;
}

/* Passes the next response of a worker or the writer on; false when none was waiting. */
static bool s_response(s_broker_t *b)
{
    as_frames_t fr;
    bool overflow;
    if (as_frames_recv(b->e->replies, &fr, ZMQ_DONTWAIT, &overflow)) return false;
    b->in_flight--;
    as_hdr_t hdr;
    memcpy(&hdr, zmq_msg_data(&fr.f[0]), sizeof hdr);
    b->in_flight_bytes -= hdr.bytes;
    if (as_frames_send(b->e->frontend[hdr.front], &fr, 1, ZMQ_DONTWAIT)) {
        /* The client is gone (EHOSTUNREACH) or not reading (EAGAIN at its high-water mark). */
        as_frames_close(&fr);
        as_stats_event(b->e->stats, AS_EV_REPLY_DROPPED);
    }
    return true;
}

void *as_broker_run(void *arg)
{
    as_engine_t *e = arg;
    s_broker_t b = {.e = e, .stats = as_stats_slot(e->stats, 0)};
    msgpack_sbuffer_init(&b.sb);
    msgpack_packer_init(&b.pk, &b.sb, msgpack_sbuffer_write);
    b.w = as_worker_new(e, -1, 0, false); /* NULL: every request goes to the workers */
    uint64_t deadline = 0;
    zmq_pollitem_t items[2 + AS_MAX_FRONTENDS] = {
        {e->control, 0, ZMQ_POLLIN, 0},
        {e->replies, 0, ZMQ_POLLIN, 0},
    };
    for (int f = 0; f < e->n_frontends; f++)
        items[2 + f] = (zmq_pollitem_t){e->frontend[f], 0, ZMQ_POLLIN, 0};
    for (;;) {
        if (b.draining && (b.in_flight == 0 || as_now_ns() > deadline)) break;
        int rc = zmq_poll(items, 2 + e->n_frontends, b.draining ? 50 : -1);
        if (rc < 0) {
            if (errno == EINTR) continue;
            as_engine_fatal(e, "broker: poll: %s", zmq_strerror(errno));
            break;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            char cmd[8];
            if (zmq_recv(e->control, cmd, sizeof cmd, ZMQ_DONTWAIT) >= 0 && !b.draining) {
                b.draining = true;
                /* scoring still running at the end of the drain time stops (unavailable), and
                 * the broker waits a second more to pass those answers on */
                uint64_t stop = as_now_ns() + (uint64_t)e->draining_s * 1000000000u;
                atomic_store(&e->stop_at_ns, stop);
                deadline = stop + 1000000000u;
                AS_LOG(AS_LOG_INFO, "draining: %llu request(s) in flight",
                       (unsigned long long)b.in_flight);
            }
        }
        /* Responses first, a bounded number per turn, so a flood of requests cannot starve them.
         * Each socket is read until it has nothing (a non-blocking receive that finds none), not
         * asked first: asking (ZMQ_EVENTS) costs a system call per message. */
        for (int i = 0; i < 256 && (items[1].revents & ZMQ_POLLIN); i++)
            if (!s_response(&b)) break;
        for (int f = 0; f < e->n_frontends; f++)
            for (int i = 0; i < 64 && (items[2 + f].revents & ZMQ_POLLIN); i++)
                if (!s_request(&b, f)) break;
    }
    if (b.in_flight)
        AS_LOG(AS_LOG_WARN, "stopped with %llu request(s) unanswered after %d s",
               (unsigned long long)b.in_flight, e->draining_s);
    for (int f = 0; f < e->n_frontends; f++)
        zmq_close(e->frontend[f]);
    zmq_close(e->work);
    zmq_close(e->replies);
    zmq_close(e->control);
    msgpack_sbuffer_destroy(&b.sb);
    as_worker_destroy(&b.w);
    return NULL;
}
