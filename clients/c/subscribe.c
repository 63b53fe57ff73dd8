/* subscribe.c — libassay's subscriber: notifications from events.sock (see assay.h). */
#include "assay.h"

#include "codec.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

struct assay_sub {
    void *ctx;
    void *sock;
};

struct assay_event {
    char *topic;
    zmq_msg_t body;
    msgpack_zone zone;
    msgpack_object root;
};

int assay_sub_open(assay_sub_t **out, const char *target)
{
    char ep[4200];
    *out = NULL;
    if (!target || !*target) return ASSAY_EINVAL;
    if (strstr(target, "://")) {
        snprintf(ep, sizeof ep, "%s", target);
    } else {
        char path[4150];
        struct stat st;
        snprintf(path, sizeof path, "%s/events.sock", target);
        if (stat(path, &st) || !S_ISSOCK(st.st_mode)) return ASSAY_ECONNECT;
        snprintf(ep, sizeof ep, "ipc://%s", path);
    }
    assay_sub_t *sub = calloc(1, sizeof *sub);
    if (!sub) return ASSAY_ENOMEM;
    sub->ctx = zmq_ctx_new();
    sub->sock = sub->ctx ? zmq_socket(sub->ctx, ZMQ_SUB) : NULL;
    int linger = 0, hwm = 100000;
    if (!sub->sock) goto fail;
    zmq_setsockopt(sub->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sub->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (zmq_connect(sub->sock, ep)) goto fail;
    *out = sub;
    return ASSAY_OK;
fail:
    if (sub->sock) zmq_close(sub->sock);
    if (sub->ctx) zmq_ctx_term(sub->ctx);
    free(sub);
    return ASSAY_ESYS;
}

void assay_sub_close(assay_sub_t **sub_p)
{
    if (!sub_p || !*sub_p) return;
    zmq_close((*sub_p)->sock);
    zmq_ctx_term((*sub_p)->ctx);
    free(*sub_p);
    *sub_p = NULL;
}

int assay_sub_subscribe(assay_sub_t *sub, const char *prefix)
{
    return zmq_setsockopt(sub->sock, ZMQ_SUBSCRIBE, prefix, strlen(prefix)) ? ASSAY_ESYS : ASSAY_OK;
}

int assay_sub_unsubscribe(assay_sub_t *sub, const char *prefix)
{
    return zmq_setsockopt(sub->sock, ZMQ_UNSUBSCRIBE, prefix, strlen(prefix)) ? ASSAY_ESYS
                                                                              : ASSAY_OK;
}

void *assay_sub_socket(assay_sub_t *sub)
{
    return sub->sock;
}

/* Receives the rest of a multipart message and drops it. */
static void s_drain(void *sock, int more)
{
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        zmq_msg_recv(&m, sock, 0);
        more = zmq_msg_more(&m);
        zmq_msg_close(&m);
    }
}

int assay_sub_recv(assay_sub_t *sub, int timeout_ms, assay_event_t **event)
{
    *event = NULL;
    zmq_pollitem_t item = {sub->sock, 0, ZMQ_POLLIN, 0};
    int n = zmq_poll(&item, 1, timeout_ms);
    if (n < 0) return ASSAY_ESYS;
    if (n == 0) return ASSAY_ETIMEOUT;
    assay_event_t *ev = calloc(1, sizeof *ev);
    if (!ev) return ASSAY_ENOMEM;
    msgpack_zone_init(&ev->zone, 1024);
    zmq_msg_init(&ev->body);
    zmq_msg_t topic;
    zmq_msg_init(&topic);
    int rc = ASSAY_EPROTO;
    bool body_read = false;
    if (zmq_msg_recv(&topic, sub->sock, 0) < 0) {
        rc = ASSAY_ESYS;
        goto fail;
    }
    if (!zmq_msg_more(&topic)) goto fail; /* a notification is [topic][body] */
    ev->topic = strndup(zmq_msg_data(&topic), zmq_msg_size(&topic));
    zmq_msg_recv(&ev->body, sub->sock, 0);
    body_read = true;
    s_drain(sub->sock, zmq_msg_more(&ev->body));
    const char *data = zmq_msg_data(&ev->body);
    size_t len = zmq_msg_size(&ev->body), off = 0;
    if (!ev->topic || as_mp_check(data, len, 64) != AS_MP_OK ||
        msgpack_unpack(data, len, &off, &ev->zone, &ev->root) != MSGPACK_UNPACK_SUCCESS ||
        ev->root.type != MSGPACK_OBJECT_MAP)
        goto fail;
    zmq_msg_close(&topic);
    *event = ev;
    return ASSAY_OK;
fail:
    if (!body_read && zmq_msg_more(&topic)) s_drain(sub->sock, 1);
    zmq_msg_close(&topic);
    assay_event_free(&ev);
    return rc;
}

int assay_sub_dispatch(assay_sub_t *sub, int timeout_ms, assay_event_fn fn, void *arg)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t end = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + timeout_ms;
    int count = 0;
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        int64_t left = end - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
        assay_event_t *ev;
        int rc = assay_sub_recv(sub, left > 0 ? (int)left : 0, &ev);
        if (rc == ASSAY_ETIMEOUT) return count;
        if (rc == ASSAY_EPROTO) continue;
        if (rc) return rc;
        fn(arg, ev);
        assay_event_free(&ev);
        count++;
    }
}

const char *assay_event_topic(const assay_event_t *ev)
{
    return ev->topic;
}

const msgpack_object *assay_event_body(const assay_event_t *ev)
{
    return &ev->root;
}

uint64_t assay_event_seq(const assay_event_t *ev)
{
    const msgpack_object *seq = assay_map_get(&ev->root, "seq");
    return seq && seq->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? seq->via.u64 : 0;
}

void assay_event_free(assay_event_t **event_p)
{
    if (!event_p || !*event_p) return;
    assay_event_t *ev = *event_p;
    zmq_msg_close(&ev->body);
    msgpack_zone_destroy(&ev->zone);
    free(ev->topic);
    free(ev);
    *event_p = NULL;
}
