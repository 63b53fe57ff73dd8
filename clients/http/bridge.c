/* bridge.c — the asynchronous bridge between the HTTP threads and the engine.
 *
 * A request thread does not wait for the engine: it hands the request to the bridge thread (an
 * inproc PUSH socket of its own), suspends the HTTP connection and goes on serving others. The
 * bridge thread owns the engine connections (one DEALER to engine.sock, one to admin.sock), so
 * any number of requests are in flight on them; it matches each response to its request by msgid,
 * stores it in the request and resumes the connection, whose thread then answers it. Requests
 * not answered within --timeout-ms are resumed with a timeout.
 *
 * With several engines (-e A,B), there is one DEALER per engine (and per admin endpoint), each
 * request goes to its learner's engine (bridge_nodes.c: libassay's routing), and a try not
 * answered within --try-timeout-ms or answered `unavailable` goes to the next engine; once every
 * engine has had its try, the last outcome is the request's.
 */
#include "bridge.h"

#include "bridge_nodes.h"

#include "codec.h"
#include "protocol.h"
#include "tsan.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_EP "inproc://assay-http-bridge"

static void *s_ctx;
static pthread_t s_thread;
static atomic_int s_stop;
static __thread void *t_push;
static pthread_mutex_t s_push_mu = PTHREAD_MUTEX_INITIALIZER; /* guards s_pushes */
static void *s_pushes[256]; /* every thread's PUSH socket, closed by ah_bridge_free */
static int s_n_pushes;

/* Pending requests by msgid: an open-addressing table, msgids increase so collisions are rare. */
#define S_SLOTS 65536
typedef struct {
    uint32_t msgid; /* 0: free */
    ah_call_t *call;
    int64_t deadline_ms;
    /* several engines: the request (sent again to the next engine), its engines' order, the
     * try under way (an index into order), whether it is for the admin sockets */
    uint8_t *body;
    size_t len;
    uint8_t order[ASSAY_MAX_NODES], tries;
    bool admin;
} s_slot_t;
static s_slot_t *s_pending;
static size_t s_n_pending;
static uint32_t s_next = 1; /* the next msgid */

/* The engines: their endpoints (as routing names them) and sockets. */
static int s_n;
static char *s_eps[ASSAY_MAX_NODES], *s_adm_eps[ASSAY_MAX_NODES];
static void *s_eng[ASSAY_MAX_NODES], *s_adm[ASSAY_MAX_NODES];

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *s_connect(const char *target, bool admin)
{
    char ep[4300];
    if (strstr(target, "://"))
        snprintf(ep, sizeof ep, "%s", target);
    else
        snprintf(ep, sizeof ep, "ipc://%s/%s", target, admin ? "admin.sock" : "engine.sock");
    void *s = zmq_socket(s_ctx, ZMQ_DEALER);
    int linger = 0, hwm = 100000;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (s_n > 1) { /* (libassay's options for a node of several) */
        int one = 1, ivl = 1000, ttl = 3000;
        zmq_setsockopt(s, ZMQ_IMMEDIATE, &one, sizeof one);
        zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
        zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &ttl, sizeof ttl);
    }
    zmq_connect(s, ep);
    return s;
}

static void s_finish(ah_call_t *call, int outcome, const void *body, size_t len);

/* Writes msgid id into a request body ah_bridge_begin started: a uint32 (0xce) at byte 2, its
 * value in bytes 3..6. */
static void s_set_msgid(uint8_t *b, uint32_t id)
{
    b[3] = (uint8_t)(id >> 24);
    b[4] = (uint8_t)(id >> 16);
    b[5] = (uint8_t)(id >> 8);
    b[6] = (uint8_t)id;
}

/* Frees pending slot p (its copy of the request too); returns its call. */
static ah_call_t *s_release(s_slot_t *p)
{
    p->msgid = 0;
    s_n_pending--;
    free(p->body);
    p->body = NULL;
    return p->call;
}

/* A free msgid (skipping 0 and ids still pending). */
static uint32_t s_take_id(void)
{
    for (;;) {
        uint32_t id = s_next++;
        if (id && !s_pending[id % S_SLOTS].msgid) return id;
    }
}

/* Sends the request of slot t (several engines) to the engines from its try on, the first that
 * takes it; false when none does. */
static bool s_try(s_slot_t t)
{
    int64_t wait =
        ah_cfg.try_timeout_ms < ah_cfg.timeout_ms ? ah_cfg.try_timeout_ms : ah_cfg.timeout_ms;
    for (; t.tries < s_n; t.tries++) {
        uint32_t id = s_take_id();
        zmq_msg_t m;
        if (zmq_msg_init_size(&m, t.len)) return false;
        memcpy(zmq_msg_data(&m), t.body, t.len);
        s_set_msgid(zmq_msg_data(&m), id);
        void *sock = (t.admin ? s_adm : s_eng)[t.order[t.tries]];
        if (zmq_msg_send(&m, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            continue; /* not connected (or its queue full): the next */
        }
        t.msgid = id;
        t.deadline_ms = s_now_ms() + wait;
        s_pending[id % S_SLOTS] = t;
        s_n_pending++;
        return true;
    }
    return false;
}

/* The try of slot p failed (no answer in time, or `unavailable`: reply, len): the next engine,
 * or when every engine had its try, the outcome. */
static void s_next_try(s_slot_t *p, int outcome, const void *reply, size_t len)
{
    s_slot_t t = *p;
    p->body = NULL; /* (the copy goes on with t) */
    s_release(p);
    t.tries++;
    if (t.tries < s_n && s_try(t)) return;
    free(t.body);
    s_finish(t.call, outcome, reply, len);
}

static void s_finish(ah_call_t *call, int outcome, const void *body, size_t len)
{
    call->outcome = outcome;
    if (body && len) {
        call->reply = malloc(len);
        if (call->reply) {
            memcpy(call->reply, body, len);
            call->reply_len = len;
        } else {
            call->outcome = AH_CALL_FAILED;
        }
    }
    AH_RELEASE(call); /* the request thread reads the outcome once resumed */
    MHD_resume_connection(call->conn);
}

static void *s_run(void *arg)
{
    (void)arg;
    void *pull = zmq_socket(s_ctx, ZMQ_PULL);
    int linger = 0, hwm = 100000;
    zmq_setsockopt(pull, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(pull, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_bind(pull, S_EP);
    for (int i = 0; i < s_n; i++) {
        s_eng[i] = s_connect(s_eps[i], false);
        s_adm[i] = s_connect(s_adm_eps[i], !ah_cfg.endpoint);
    }
    uint32_t oldest = 1; /* ids below `oldest` are all answered */
    zmq_pollitem_t items[1 + 2 * ASSAY_MAX_NODES];
    items[0] = (zmq_pollitem_t){pull, 0, ZMQ_POLLIN, 0};
    for (int i = 0; i < s_n; i++) {
        items[1 + i] = (zmq_pollitem_t){s_eng[i], 0, ZMQ_POLLIN, 0};
        items[1 + s_n + i] = (zmq_pollitem_t){s_adm[i], 0, ZMQ_POLLIN, 0};
    }
    while (!s_stop) {
        if (zmq_poll(items, 1 + 2 * s_n, 10) < 0) break;
        /* requests from the HTTP threads: [call pointer][admin byte][body] */
        for (int k = 0; k < 1024 && (items[0].revents & ZMQ_POLLIN); k++) {
            zmq_msg_t ptr, flag, body;
            zmq_msg_init(&ptr);
            zmq_msg_init(&flag);
            zmq_msg_init(&body);
            if (zmq_msg_recv(&ptr, pull, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&ptr);
                zmq_msg_close(&flag);
                zmq_msg_close(&body);
                break;
            }
            zmq_msg_recv(&flag, pull, 0);
            zmq_msg_recv(&body, pull, 0);
            ah_call_t *call;
            memcpy(&call, zmq_msg_data(&ptr), sizeof call);
            AH_ACQUIRE(call);
            bool to_admin = *(const uint8_t *)zmq_msg_data(&flag) != 0;
            if (s_n_pending >= S_SLOTS - 1) {
                s_finish(call, AH_CALL_BUSY, NULL, 0);
            } else if (s_n > 1) {
                s_slot_t t = {.call = call, .admin = to_admin};
                if (ah_nodes_prepare(zmq_msg_data(&body), zmq_msg_size(&body),
                                     (const char *const *)s_eps, s_n, (void **)&t.body, &t.len,
                                     t.order)) {
                    s_finish(call, AH_CALL_FAILED, NULL, 0);
                } else if (!s_try(t)) {
                    free(t.body);
                    s_finish(call, AH_CALL_BUSY, NULL, 0);
                }
            } else {
                uint32_t id = s_take_id();
                size_t slot = id % S_SLOTS;
                s_set_msgid(zmq_msg_data(&body), id);
                s_pending[slot] = (s_slot_t){
                    .msgid = id, .call = call, .deadline_ms = s_now_ms() + ah_cfg.timeout_ms};
                s_n_pending++;
                if (zmq_msg_send(&body, to_admin ? s_adm[0] : s_eng[0], ZMQ_DONTWAIT) < 0) {
                    s_finish(s_release(&s_pending[slot]), AH_CALL_BUSY, NULL, 0);
                }
            }
            zmq_msg_close(&ptr);
            zmq_msg_close(&flag);
            zmq_msg_close(&body);
        }
        /* responses from the engines */
        for (int s = 1; s < 1 + 2 * s_n; s++) {
            void *sock = items[s].socket;
            for (int k = 0; k < 1024 && (items[s].revents & ZMQ_POLLIN); k++) {
                zmq_msg_t m;
                zmq_msg_init(&m);
                if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
                    zmq_msg_close(&m);
                    break;
                }
                int more = 0;
                size_t ms = sizeof more;
                zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ms);
                while (more) { /* the body is the last frame */
                    zmq_msg_close(&m);
                    zmq_msg_init(&m);
                    zmq_msg_recv(&m, sock, 0);
                    zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ms);
                }
                uint32_t id = as_peek_msgid(zmq_msg_data(&m), zmq_msg_size(&m));
                s_slot_t *p = &s_pending[id % S_SLOTS];
                if (id && p->msgid == id) {
                    if (p->body && ah_nodes_unavailable(zmq_msg_data(&m), zmq_msg_size(&m)))
                        s_next_try(p, AH_CALL_OK, zmq_msg_data(&m), zmq_msg_size(&m));
                    else
                        s_finish(s_release(p), AH_CALL_OK, zmq_msg_data(&m), zmq_msg_size(&m));
                }
                zmq_msg_close(&m);
            }
        }
        /* requests the engine has not answered in time: every try has the same timeout, so
         * deadlines grow with the msgid and only the oldest ids need looking at */
        int64_t now = s_now_ms();
        while (oldest != s_next) {
            s_slot_t *p = &s_pending[oldest % S_SLOTS];
            if (oldest && p->msgid == oldest) {
                if (p->deadline_ms > now) break;
                if (p->body)
                    s_next_try(p, AH_CALL_TIMEOUT, NULL, 0);
                else
                    s_finish(s_release(p), AH_CALL_TIMEOUT, NULL, 0);
            }
            oldest++; /* answered, timed out, or an id never given */
        }
    }
    /* stopping: every request still waiting is answered */
    for (size_t i = 0; i < S_SLOTS; i++)
        if (s_pending[i].msgid) s_finish(s_release(&s_pending[i]), AH_CALL_TIMEOUT, NULL, 0);
    zmq_close(pull);
    for (int i = 0; i < s_n; i++) {
        zmq_close(s_eng[i]);
        zmq_close(s_adm[i]);
    }
    return NULL;
}

int ah_bridge_start(void *zctx)
{
    s_ctx = zctx;
    s_pending = calloc(S_SLOTS, sizeof *s_pending);
    if (!s_pending) return -1;
    /* the engines: -e's list (and --admin-endpoint's, the same length), or the data directory */
    const char *target = ah_cfg.endpoint ? ah_cfg.endpoint : ah_cfg.data_dir;
    int n_adm = 0;
    if (ah_nodes_split(target, s_eps, &s_n)) return -1;
    if (ah_cfg.endpoint && ah_cfg.admin_endpoint) {
        if (ah_nodes_split(ah_cfg.admin_endpoint, s_adm_eps, &n_adm) || n_adm != s_n) return -1;
    } else {
        for (int i = 0; i < s_n; i++)
            if (!(s_adm_eps[i] = strdup(s_eps[i]))) return -1;
    }
    return pthread_create(&s_thread, NULL, s_run, NULL) ? -1 : 0;
}

void ah_bridge_stop(void)
{
    s_stop = 1;
    pthread_join(s_thread, NULL);
}

void ah_bridge_free(void)
{
    pthread_mutex_lock(&s_push_mu);
    for (int i = 0; i < s_n_pushes; i++)
        zmq_close(s_pushes[i]);
    s_n_pushes = 0;
    pthread_mutex_unlock(&s_push_mu);
    free(s_pending);
    s_pending = NULL;
    for (int i = 0; i < s_n; i++) {
        free(s_eps[i]);
        free(s_adm_eps[i]);
        s_eps[i] = s_adm_eps[i] = NULL;
    }
}

void ah_bridge_begin(msgpack_packer *pk, const char *method)
{
    /* [0, msgid, method, params]: the msgid a uint32 the bridge fills in */
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, 0);
    static const uint8_t u32[5] = {0xce, 0, 0, 0, 0};
    as_pack_raw(pk, u32, 5);
    as_pack_cstr(pk, method);
}

int ah_bridge_send(ah_call_t *call, bool admin, const void *body, size_t len)
{
    if (s_stop) return -1;
    if (!t_push) {
        pthread_mutex_lock(&s_push_mu);
        if (s_n_pushes < (int)(sizeof s_pushes / sizeof s_pushes[0]) &&
            (t_push = zmq_socket(s_ctx, ZMQ_PUSH)))
            s_pushes[s_n_pushes++] = t_push;
        pthread_mutex_unlock(&s_push_mu);
        if (!t_push) return -1;
        int linger = 0, hwm = 100000;
        zmq_setsockopt(t_push, ZMQ_LINGER, &linger, sizeof linger);
        zmq_setsockopt(t_push, ZMQ_SNDHWM, &hwm, sizeof hwm);
        if (zmq_connect(t_push, S_EP)) return -1;
    }
    uint8_t flag = admin;
    AH_RELEASE(call);
    return zmq_send(t_push, &call, sizeof call, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
                   zmq_send(t_push, &flag, 1, ZMQ_SNDMORE) < 0 || zmq_send(t_push, body, len, 0) < 0
               ? -1
               : 0;
}
