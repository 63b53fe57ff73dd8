/* assay.c — libassay (see assay.h). */
#include "assay.h"

#include <czmq.h>

#include "protocol.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

#define S_DEFAULT_TIMEOUT 5000
#define S_MAX_REPLY_DEPTH 64

struct assay {
    void *ctx;
    bool own_ctx; /* ctx was made by assay_open (else the caller's, shared) */
    void *sock;
    uint32_t next_msgid;
    int timeout_ms;
    msgpack_sbuffer sb;
    msgpack_packer pk;
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

int assay_open(assay_t **out, const char *target, const assay_options_t *opts)
{
    char ep[4200];
    *out = NULL;
    if (!target || !*target) return ASSAY_EINVAL;
    if (strstr(target, "://")) {
        snprintf(ep, sizeof ep, "%s", target);
    } else {
        char path[4150];
        snprintf(path, sizeof path, "%s/%s", target,
                 opts && opts->admin ? "admin.sock" : "engine.sock");
        struct stat st;
        if (stat(path, &st) || !S_ISSOCK(st.st_mode)) return ASSAY_ECONNECT;
        snprintf(ep, sizeof ep, "ipc://%s", path);
    }
    assay_t *self = calloc(1, sizeof *self);
    if (!self) return ASSAY_ENOMEM;
    self->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : S_DEFAULT_TIMEOUT;
    self->next_msgid = 1;
    msgpack_sbuffer_init(&self->sb);
    msgpack_packer_init(&self->pk, &self->sb, msgpack_sbuffer_write);
    self->own_ctx = !(opts && opts->zmq_context);
    self->ctx = self->own_ctx ? zmq_ctx_new() : opts->zmq_context;
    self->sock = self->ctx ? zmq_socket(self->ctx, ZMQ_DEALER) : NULL;
    if (!self->sock) goto fail;
    int linger = 0, hwm = 10000;
    zmq_setsockopt(self->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(self->sock, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(self->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (opts && (opts->curve_cert || opts->curve_server_key) && s_curve(self->sock, opts))
        goto fail_inval;
    if (zmq_connect(self->sock, ep)) goto fail;
    *out = self;
    return ASSAY_OK;
fail_inval:
    errno = EINVAL;
fail:
    if (self->sock) zmq_close(self->sock);
    if (self->ctx && self->own_ctx) zmq_ctx_term(self->ctx);
    msgpack_sbuffer_destroy(&self->sb);
    free(self);
    return errno == EINVAL || errno == EPROTONOSUPPORT ? ASSAY_EINVAL : ASSAY_ESYS;
}

void assay_close(assay_t **self_p)
{
    if (!self_p || !*self_p) return;
    assay_t *self = *self_p;
    zmq_close(self->sock);
    if (self->own_ctx) zmq_ctx_term(self->ctx);
    msgpack_sbuffer_destroy(&self->sb);
    free(self);
    *self_p = NULL;
}

void *assay_socket(assay_t *self)
{
    return self->sock;
}

int assay_send(assay_t *self, const char *method, const void *params, size_t len, uint32_t *msgid)
{
    if (!self || !method || !*method) return ASSAY_EINVAL;
    if (params && len) {
        as_mp_t r;
        as_mp_init(&r, params, len);
        if (as_mp_peek(&r) != AS_MP_MAP) return ASSAY_EINVAL;
    }
    uint32_t id = self->next_msgid++;
    if (self->next_msgid == 0) self->next_msgid = 1;
    msgpack_sbuffer_clear(&self->sb);
    as_request_encode(&self->pk, id, method, params, len);
    if (zmq_send(self->sock, self->sb.data, self->sb.size, 0) < 0) return ASSAY_ESYS;
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

int assay_recv(assay_t *self, int timeout_ms, assay_reply_t **reply)
{
    *reply = NULL;
    zmq_pollitem_t item = {self->sock, 0, ZMQ_POLLIN, 0};
    int n = zmq_poll(&item, 1, timeout_ms);
    if (n < 0) return ASSAY_ESYS;
    if (n == 0) return ASSAY_ETIMEOUT;
    assay_reply_t *r = calloc(1, sizeof *r);
    if (!r) return ASSAY_ENOMEM;
    msgpack_zone_init(&r->zone, 2048);
    zmq_msg_init(&r->body);
    if (zmq_msg_recv(&r->body, self->sock, 0) < 0) {
        assay_reply_free(&r);
        return ASSAY_ESYS;
    }
    int more = zmq_msg_more(&r->body);
    while (more) { /* a v1 response is one frame: drop anything else */
        zmq_msg_t extra;
        zmq_msg_init(&extra);
        zmq_msg_recv(&extra, self->sock, 0);
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

static int64_t s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int assay_call(assay_t *self, const char *method, const void *params, size_t len, int timeout_ms,
               assay_reply_t **reply)
{
    uint32_t id;
    *reply = NULL;
    if (timeout_ms < 0) timeout_ms = self->timeout_ms;
    int rc = assay_send(self, method, params, len, &id);
    if (rc) return rc;
    int64_t deadline = s_now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - s_now_ms();
        if (left < 0) left = 0;
        rc = assay_recv(self, (int)left, reply);
        if (rc == ASSAY_ETIMEOUT) return rc;
        if (rc == ASSAY_EPROTO) {
            if (left == 0) return ASSAY_ETIMEOUT;
            continue; /* a stray response we cannot read: keep waiting for ours */
        }
        if (rc != ASSAY_OK && rc != ASSAY_EREPLY) return rc;
        if ((*reply)->msgid == id) return rc;
        assay_reply_free(reply); /* the late answer to an earlier call */
    }
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
