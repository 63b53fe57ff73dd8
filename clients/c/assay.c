/* assay.c — libassay (see assay.h). */
#include "assay.h"

#include <czmq.h>

#include "nodes.h"
#include "protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

#define S_DEFAULT_TIMEOUT 5000
#define S_DEFAULT_TRY     2000
#define S_CONNECT_MS      250  /* a new connection's nodes may still be connecting so long */
#define S_PAUSE_MS        100  /* after a round in which every node failed; doubling... */
#define S_MAX_PAUSE_MS    1000 /* ...up to this */
#define S_MAX_REPLY_DEPTH 64

struct assay {
    void *ctx;
    bool own_ctx; /* ctx was made by assay_open (else the caller's, shared) */
    int n;        /* nodes (engines) */
    void *socks[ASSAY_MAX_NODES];
    char *eps[ASSAY_MAX_NODES]; /* their endpoints, as rendezvous hashing names them */
    uint32_t next_msgid;
    int timeout_ms, try_ms;
    int64_t opened_ms; /* when the nodes' sockets were connected */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer keyed; /* a submission's params with the key added (nodes.c) */
};

struct assay_reply {
    zmq_msg_t body;
    msgpack_zone zone;
    msgpack_object root;
    uint32_t msgid;
    char *code;
    char *message;
    msgpack_object result;
};

const char *assay_strerror(int rc)
{
    switch (rc) {
    case ASSAY_OK:
        return "ok";
    case ASSAY_EREPLY:
        return "the engine answered with an error";
    case ASSAY_ETIMEOUT:
        return "no response from the engine within the timeout";
    case ASSAY_ECONNECT:
        return "no engine socket there (is assayd running on that data directory?)";
    case ASSAY_EPROTO:
        return "malformed response (not assay protocol v1)";
    case ASSAY_ENOMEM:
        return "out of memory";
    case ASSAY_EINVAL:
        return "invalid argument";
    case ASSAY_ESYS:
        return "system error";
    default:
        return "unknown error";
    }
}

/* CURVE client keys on sock: -1 when a certificate cannot be read or a key is missing. */
static int s_curve(void *sock, const assay_options_t *o)
{
    if (!o->curve_cert || !o->curve_server_key) return -1;
    zcert_t *mine = zcert_load(o->curve_cert);
    if (!mine) return -1;
    static const byte zero[32];
    int rc = memcmp(zcert_secret_key(mine), zero, 32) == 0 ? -1 : 0; /* a public cert only */
    uint8_t server[32];
    if (!rc && strlen(o->curve_server_key) == 40) {
        rc = zmq_z85_decode(server, o->curve_server_key) ? 0 : -1;
    } else if (!rc) {
        zcert_t *theirs = zcert_load(o->curve_server_key);
        rc = theirs ? 0 : -1;
        if (theirs) memcpy(server, zcert_public_key(theirs), 32);
        zcert_destroy(&theirs);
    }
    if (!rc)
        rc = zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server, 32) ||
                     zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, zcert_public_key(mine), 32) ||
                     zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, zcert_secret_key(mine), 32)
                 ? -1
                 : 0;
    zcert_destroy(&mine);
    return rc;
}

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A DEALER connected to ep; with several nodes a send to one not connected fails at once
 * (ZMQ_IMMEDIATE) and a silent peer is dropped by heartbeats, so a try moves on. */
static int s_socket(assay_t *self, const char *ep, const assay_options_t *opts, void **out)
{
    void *sock = zmq_socket(self->ctx, ZMQ_DEALER);
    if (!sock) return ASSAY_ESYS;
    int linger = 0, hwm = 10000, one = 1, ivl = 1000, ttl = 3000;
    zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (self->n > 1) {
        zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof one);
        zmq_setsockopt(sock, ZMQ_SNDTIMEO, &self->try_ms, sizeof self->try_ms);
        zmq_setsockopt(sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
        zmq_setsockopt(sock, ZMQ_HEARTBEAT_TIMEOUT, &ttl, sizeof ttl);
    }
    int rc = ASSAY_OK;
    if (opts && (opts->curve_cert || opts->curve_server_key) && s_curve(sock, opts))
        rc = ASSAY_EINVAL;
    else if (zmq_connect(sock, ep))
        rc = errno == EINVAL || errno == EPROTONOSUPPORT ? ASSAY_EINVAL : ASSAY_ESYS;
    if (rc) {
        zmq_close(sock);
        return rc;
    }
    *out = sock;
    return ASSAY_OK;
}

int assay_open(assay_t **out, const char *target, const assay_options_t *opts)
{
    *out = NULL;
    if (!target || !*target) return ASSAY_EINVAL;
    assay_t *self = calloc(1, sizeof *self);
    if (!self) return ASSAY_ENOMEM;
    self->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : S_DEFAULT_TIMEOUT;
    self->try_ms = opts && opts->try_timeout_ms > 0 ? opts->try_timeout_ms : S_DEFAULT_TRY;
    self->next_msgid = 1;
    msgpack_sbuffer_init(&self->sb);
    msgpack_sbuffer_init(&self->keyed);
    msgpack_packer_init(&self->pk, &self->sb, msgpack_sbuffer_write);
    int rc = ASSAY_OK;
    for (const char *p = target;; p++) { /* the nodes: comma-separated targets */
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char ep[4200];
        if (self->n == ASSAY_MAX_NODES) rc = ASSAY_EINVAL;
        if (!rc)
            rc = as_nodes_endpoint(p, len, opts && opts->admin ? "admin.sock" : "engine.sock",
                                   strchr(target, ',') != NULL, ep, sizeof ep);
        if (!rc && !(self->eps[self->n] = strdup(ep))) rc = ASSAY_ENOMEM;
        if (rc) goto fail;
        self->n++;
        if (!comma) break;
        p = comma;
    }
    self->own_ctx = !(opts && opts->zmq_context);
    self->ctx = self->own_ctx ? zmq_ctx_new() : opts->zmq_context;
    if (!self->ctx) rc = ASSAY_ESYS;
    for (int i = 0; !rc && i < self->n; i++)
        rc = s_socket(self, self->eps[i], opts, &self->socks[i]);
    if (rc) goto fail;
    self->opened_ms = s_now_ms();
    *out = self;
    return ASSAY_OK;
fail:
    self->own_ctx = self->own_ctx && self->ctx;
    assay_close(&self);
    if (rc == ASSAY_EINVAL) errno = EINVAL;
    return rc;
}

void assay_close(assay_t **self_p)
{
    if (!self_p || !*self_p) return;
    assay_t *self = *self_p;
    for (int i = 0; i < self->n; i++) {
        if (self->socks[i]) zmq_close(self->socks[i]);
        free(self->eps[i]);
    }
    if (self->own_ctx) zmq_ctx_term(self->ctx);
    msgpack_sbuffer_destroy(&self->sb);
    msgpack_sbuffer_destroy(&self->keyed);
    free(self);
    *self_p = NULL;
}

int assay_node_count(const assay_t *self)
{
    return self->n;
}

void *assay_node_socket(assay_t *self, int i)
{
    return i >= 0 && i < self->n ? self->socks[i] : NULL;
}

void *assay_socket(assay_t *self)
{
    return self->socks[0];
}

/* Checks and encodes a request into self->sb; *id is its msgid. */
static int s_encode(assay_t *self, const char *method, const void *params, size_t len, uint32_t *id)
{
    if (!self || !method || !*method) return ASSAY_EINVAL;
    if (params && len) {
        as_mp_t r;
        as_mp_init(&r, params, len);
        if (as_mp_peek(&r) != AS_MP_MAP) return ASSAY_EINVAL;
    }
    *id = self->next_msgid++;
    if (self->next_msgid == 0) self->next_msgid = 1;
    msgpack_sbuffer_clear(&self->sb);
    as_request_encode(&self->pk, *id, method, params, len);
    return ASSAY_OK;
}

/* The nodes in the order of the request's routing key. */
static void s_order(const assay_t *self, const void *params, size_t len, int *order)
{
    const char *key;
    size_t key_len;
    as_nodes_route_key(params, len, &key, &key_len);
    assay_node_order((const char *const *)self->eps, self->n, key, key_len, order);
}

/* Sends the encoded request to node i of several, if it is connected: false when it is not (a
 * new connection's node is waited for until S_CONNECT_MS after opening, so that the first
 * requests go to their own nodes). */
static bool s_send_node(assay_t *self, int i)
{
    void *sock = self->socks[i];
    if (zmq_send(sock, self->sb.data, self->sb.size, ZMQ_DONTWAIT) >= 0) return true;
    int grace = (int)(self->opened_ms + S_CONNECT_MS - s_now_ms());
    if (errno != EAGAIN || grace <= 0) return false;
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &grace, sizeof grace);
    bool sent = zmq_send(sock, self->sb.data, self->sb.size, 0) >= 0;
    zmq_setsockopt(sock, ZMQ_SNDTIMEO, &self->try_ms, sizeof self->try_ms);
    return sent;
}

int assay_send(assay_t *self, const char *method, const void *params, size_t len, uint32_t *msgid)
{
    uint32_t id;
    int rc = s_encode(self, method, params, len, &id);
    if (rc) return rc;
    if (self->n == 1) {
        if (zmq_send(self->socks[0], self->sb.data, self->sb.size, 0) < 0) return ASSAY_ESYS;
    } else {
        /* the key's node, else the first connected one in its order; none within the try
         * timeout (ZMQ_SNDTIMEO on the first): a timeout */
        int order[ASSAY_MAX_NODES], k = 0;
        s_order(self, params, len, order);
        while (k < self->n && !s_send_node(self, order[k]))
            k++;
        if (k == self->n && zmq_send(self->socks[order[0]], self->sb.data, self->sb.size, 0) < 0)
            return errno == EAGAIN ? ASSAY_ETIMEOUT : ASSAY_ESYS;
    }
    if (msgid) *msgid = id;
    return ASSAY_OK;
}

static int s_decode(assay_reply_t *r)
{
    const char *data = zmq_msg_data(&r->body);
    size_t len = zmq_msg_size(&r->body);
    /* Check the whole body first: msgpack_unpack trusts declared counts and would allocate for
     * them; after as_mp_check every count is bounded by the bytes present. */
    if (as_mp_check(data, len, S_MAX_REPLY_DEPTH) != AS_MP_OK) return ASSAY_EPROTO;
    size_t off = 0;
    if (msgpack_unpack(data, len, &off, &r->zone, &r->root) != MSGPACK_UNPACK_SUCCESS)
        return ASSAY_EPROTO;
    msgpack_object *a = r->root.via.array.ptr;
    if (r->root.type != MSGPACK_OBJECT_ARRAY || r->root.via.array.size != 4 ||
        a[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[0].via.u64 != 1 ||
        a[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER || a[1].via.u64 > UINT32_MAX)
        return ASSAY_EPROTO;
    r->msgid = (uint32_t)a[1].via.u64;
    r->result = a[3];
    if (a[2].type == MSGPACK_OBJECT_NIL) return ASSAY_OK;
    const msgpack_object *code = assay_map_get(&a[2], "code");
    const msgpack_object *msg = assay_map_get(&a[2], "message");
    if (!code || code->type != MSGPACK_OBJECT_STR || !msg || msg->type != MSGPACK_OBJECT_STR)
        return ASSAY_EPROTO;
    r->code = strndup(code->via.str.ptr, code->via.str.size);
    r->message = strndup(msg->via.str.ptr, msg->via.str.size);
    if (!r->code || !r->message) return ASSAY_ENOMEM;
    return ASSAY_EREPLY;
}

/* Receives the next response on sock. */
static int s_recv_on(void *sock, assay_reply_t **reply)
{
    assay_reply_t *r = calloc(1, sizeof *r);
    if (!r) return ASSAY_ENOMEM;
    msgpack_zone_init(&r->zone, 2048);
    zmq_msg_init(&r->body);
    if (zmq_msg_recv(&r->body, sock, 0) < 0) {
        assay_reply_free(&r);
        return ASSAY_ESYS;
    }
    int more = zmq_msg_more(&r->body);
    while (more) { /* a v1 response is one frame: drop anything else */
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        zmq_msg_recv(&extra, sock, 0);
        more = zmq_msg_more(&extra);
        zmq_msg_close(&extra);
    }
    int rc = s_decode(r);
    if (rc != ASSAY_OK && rc != ASSAY_EREPLY) {
        assay_reply_free(&r);
        return rc;
    }
    *reply = r;
    return rc;
}

/* Waits up to timeout_ms for a response on any of the n sockets from `first`. */
static int s_recv_any(assay_t *self, int first, int n, int timeout_ms, assay_reply_t **reply)
{
    *reply = NULL;
    zmq_pollitem_t items[ASSAY_MAX_NODES];
    for (int i = 0; i < n; i++)
        items[i] = (zmq_pollitem_t){self->socks[first + i], 0, ZMQ_POLLIN, 0};
    int got = zmq_poll(items, n, timeout_ms);
    if (got < 0) return ASSAY_ESYS;
    if (got == 0) return ASSAY_ETIMEOUT;
    for (int i = 0; i < n; i++)
        if (items[i].revents & ZMQ_POLLIN) return s_recv_on(self->socks[first + i], reply);
    return ASSAY_ETIMEOUT;
}

int assay_recv(assay_t *self, int timeout_ms, assay_reply_t **reply)
{
    return s_recv_any(self, 0, self->n, timeout_ms, reply);
}

/* Waits until `deadline` for the response to msgid id on node i, discarding the late answers to
 * earlier calls. */
static int s_wait(assay_t *self, int i, uint32_t id, int64_t deadline, assay_reply_t **reply)
{
    for (;;) {
        int64_t left = deadline - s_now_ms();
        if (left < 0) left = 0;
        int rc = s_recv_any(self, i, 1, (int)left, reply);
        if (rc == ASSAY_ETIMEOUT) return rc;
        if (rc == ASSAY_EPROTO) {
            if (left == 0) return ASSAY_ETIMEOUT;
            continue; /* a stray response we cannot read: keep waiting for ours */
        }
        if (rc != ASSAY_OK && rc != ASSAY_EREPLY) return rc;
        if ((*reply)->msgid == id) return rc;
        assay_reply_free(reply);
    }
}

/* assay_call on several engines: each try on the next node of the key's order (assay.h). */
static int s_call_nodes(assay_t *self, const char *method, const void *params, size_t len,
                        int timeout_ms, assay_reply_t **reply)
{
    msgpack_sbuffer_clear(&self->keyed);
    int keyed = as_nodes_with_key(method, params, len, &self->keyed);
    if (keyed < 0) return ASSAY_ESYS;
    if (keyed) {
        params = self->keyed.data;
        len = self->keyed.size;
    }
    int order[ASSAY_MAX_NODES];
    s_order(self, params, len, order);
    int64_t deadline = s_now_ms() + timeout_ms;
    int last = ASSAY_ETIMEOUT, backoff = S_PAUSE_MS;
    assay_reply_t *unavailable = NULL; /* the last `unavailable` answer */
    for (;;) {
        bool sent = false;
        for (int k = 0; k < self->n; k++) {
            int64_t now = s_now_ms();
            if (now >= deadline) goto out;
            uint32_t id;
            int rc = s_encode(self, method, params, len, &id);
            if (rc) return rc;
            if (!s_send_node(self, order[k])) continue; /* not connected */
            sent = true;
            int64_t until = now + self->try_ms < deadline ? now + self->try_ms : deadline;
            rc = s_wait(self, order[k], id, until, reply);
            if (rc == ASSAY_EREPLY && strcmp(assay_reply_code(*reply), "unavailable") == 0) {
                assay_reply_free(&unavailable);
                unavailable = *reply;
                *reply = NULL;
                last = ASSAY_EREPLY;
            } else if (rc == ASSAY_ETIMEOUT) {
                last = ASSAY_ETIMEOUT;
            } else {
                assay_reply_free(&unavailable);
                return rc;
            }
        }
        /* every node failed this round: wait (briefly when none was even connected) */
        int64_t left = deadline - s_now_ms();
        int pause = sent ? backoff : 10;
        if (left <= 0) break;
        zmq_poll(NULL, 0, (long)(pause < left ? pause : left));
        if (sent && backoff < S_MAX_PAUSE_MS) backoff *= 2;
    }
out:
    if (last == ASSAY_EREPLY) {
        *reply = unavailable;
        return last;
    }
    assay_reply_free(&unavailable);
    return ASSAY_ETIMEOUT;
}

int assay_call(assay_t *self, const char *method, const void *params, size_t len, int timeout_ms,
               assay_reply_t **reply)
{
    uint32_t id;
    *reply = NULL;
    if (timeout_ms < 0) timeout_ms = self->timeout_ms;
    if (self->n > 1) return s_call_nodes(self, method, params, len, timeout_ms, reply);
    int rc = assay_send(self, method, params, len, &id);
    if (rc) return rc;
    return s_wait(self, 0, id, s_now_ms() + timeout_ms, reply);
}

uint32_t assay_reply_msgid(const assay_reply_t *r)
{
    return r->msgid;
}

const char *assay_reply_code(const assay_reply_t *r)
{
    return r->code;
}

const char *assay_reply_message(const assay_reply_t *r)
{
    return r->message;
}

const msgpack_object *assay_reply_result(const assay_reply_t *r)
{
    return &r->result;
}

const void *assay_reply_body(const assay_reply_t *r, size_t *len)
{
    *len = zmq_msg_size((zmq_msg_t *)&r->body);
    return zmq_msg_data((zmq_msg_t *)&r->body);
}

void assay_reply_free(assay_reply_t **reply_p)
{
    if (!reply_p || !*reply_p) return;
    assay_reply_t *r = *reply_p;
    zmq_msg_close(&r->body);
    msgpack_zone_destroy(&r->zone);
    free(r->code);
    free(r->message);
    free(r);
    *reply_p = NULL;
}

const msgpack_object *assay_map_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) return NULL;
    size_t n = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
            memcmp(k->via.str.ptr, key, n) == 0)
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}
