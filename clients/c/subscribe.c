/* subscribe.c — libassay's subscriber: notifications from events.sock (see assay.h). One SUB
 * socket connects to every engine named; each notification carries its engine (`node`) and that
 * engine's `seq`, and the subscriber keeps the last seq of each node to count what was missed.
 */
#include "assay.h"

#include "codec.h"
#include "nodes.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

/* The last seq seen from one node (an engine publishing: its host and data directory). */
typedef struct {
    char *node;
    uint64_t seq;
} s_last_t;

struct assay_sub {
    void *ctx;
    void *sock;
    s_last_t *last;
    size_t n_last, cap_last;
};

struct assay_event {
    char *topic;
    zmq_msg_t body;
    msgpack_zone zone;
    msgpack_object root;
    uint64_t missed;
};

int assay_sub_open(assay_sub_t **out, const char *target)
{
    *out = NULL;
    if (!target || !*target) return ASSAY_EINVAL;
    bool several = strchr(target, ',') != NULL;
    int n = 0, rc = ASSAY_OK;
    for (const char *p = target;; n++) { /* check every target before connecting any */
        const char *comma = strchr(p, ',');
        char ep[4200];
        if (n == ASSAY_MAX_NODES) return ASSAY_EINVAL;
        rc = as_nodes_endpoint(p, comma ? (size_t)(comma - p) : strlen(p), "events.sock", several,
                               ep, sizeof ep);
        if (rc) return rc;
        if (!comma) break;
        p = comma + 1;
    }
    assay_sub_t *sub = calloc(1, sizeof *sub);
    if (!sub) return ASSAY_ENOMEM;
    sub->ctx = zmq_ctx_new();
    sub->sock = sub->ctx ? zmq_socket(sub->ctx, ZMQ_SUB) : NULL;
    int linger = 0, hwm = 100000;
    if (!sub->sock) goto fail;
    zmq_setsockopt(sub->sock, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sub->sock, ZMQ_RCVHWM, &hwm, sizeof hwm);
    for (const char *p = target;;) {
        const char *comma = strchr(p, ',');
        char ep[4200];
        as_nodes_endpoint(p, comma ? (size_t)(comma - p) : strlen(p), "events.sock", several, ep,
                          sizeof ep);
        if (zmq_connect(sub->sock, ep)) goto fail;
        if (!comma) break;
        p = comma + 1;
    }
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
    for (size_t i = 0; i < (*sub_p)->n_last; i++)
        free((*sub_p)->last[i].node);
    free((*sub_p)->last);
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

/* Counts what ev's node published between the last seq seen from it and ev's (a gap), and
 * keeps ev's seq as that node's last. An event without a node (an engine before notifications
 * named theirs) is counted under "". */
static void s_count_missed(assay_sub_t *sub, assay_event_t *ev)
{
    uint64_t seq = assay_event_seq(ev);
    if (!seq) return;
    const msgpack_object *o = assay_map_get(&ev->root, "node");
    const char *node = o && o->type == MSGPACK_OBJECT_STR ? o->via.str.ptr : "";
    size_t len = o && o->type == MSGPACK_OBJECT_STR ? o->via.str.size : 0;
    s_last_t *l = NULL;
    for (size_t i = 0; i < sub->n_last && !l; i++)
        if (strlen(sub->last[i].node) == len && memcmp(sub->last[i].node, node, len) == 0)
            l = &sub->last[i];
    if (!l) {
        if (sub->n_last == sub->cap_last) {
            size_t cap = sub->cap_last ? 2 * sub->cap_last : 4;
            s_last_t *p = realloc(sub->last, cap * sizeof *p);
            if (!p) return;
            sub->last = p;
            sub->cap_last = cap;
        }
        char *copy = strndup(node, len);
        if (!copy) return;
        l = &sub->last[sub->n_last++];
        *l = (s_last_t){copy, 0};
    }
    ev->missed = l->seq && seq > l->seq + 1 ? seq - l->seq - 1 : 0;
    l->seq = seq;
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
    s_count_missed(sub, ev);
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

const char *assay_event_node(const assay_event_t *ev, size_t *len)
{
    const msgpack_object *o = assay_map_get(&ev->root, "node");
    bool str = o && o->type == MSGPACK_OBJECT_STR;
    if (len) *len = str ? o->via.str.size : 0;
    return str ? o->via.str.ptr : NULL;
}

uint64_t assay_event_missed(const assay_event_t *ev)
{
    return ev->missed;
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
