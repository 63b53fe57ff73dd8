/* sse.c — GET /v1/events: Server-Sent Events from the engine's notifications.
 *
 * One hub thread holds the only SUB socket (events.sock, every topic; connected to every engine's
 * events socket when there are several, each event naming its engine). Each SSE client is a
 * streaming response whose reader callback hands out the bytes queued for it; when there are
 * none it suspends its connection (no thread waits for it) and the hub resumes it when it queues
 * an event, or a keep-alive comment every 15 s. A client's mutex orders the two, so no wake-up is
 * lost. What a client has not been sent is bounded (--sse-buffer): its buffer is compacted as it
 * is sent, and a client further behind than that is dropped: its stream ends, its buffer is
 * freed, and its reconnection (EventSource reconnects by itself) sees the gap in seq and reads
 * again. A token may hold --max-streams-per-token streams. A learner token's stream has its own
 * topic only, matched exactly (a prefix would also match learners whose ids extend its own).
 */
#include "access.h"
#include "bridge_nodes.h"
#include "http.h"

#include "jsonmp.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <zmq.h>

#define S_MAX_TOPICS  32
#define S_SNDBUF      (64 * 1024) /* an event stream socket's send buffer (the kernel doubles it) */
#define S_KEEPALIVE_S 15

typedef struct s_client {
    struct s_client *next, *prev;
    struct MHD_Connection *conn;
    pthread_mutex_t mu;
    char *buf;
    size_t len, off, cap;
    bool suspended;
    bool closing; /* end the stream: the server is stopping, or the client fell too far behind */
    char key[AH_MAX_LEARNER + 24]; /* the caller's token (access.h: ah_auth_t.key) */
    int n_topics;
    bool exact;                 /* topics are whole topics, not prefixes (a learner's) */
    char *topics[S_MAX_TOPICS]; /* prefixes; none: every topic */
} s_client_t;

static pthread_mutex_t s_list_mu = PTHREAD_MUTEX_INITIALIZER;
static s_client_t *s_head;
static size_t s_n;
static pthread_t s_hub;
static atomic_int s_stop;
static void *s_zctx;
static atomic_ullong s_dropped; /* clients dropped for falling behind */

unsigned long long ah_sse_dropped(void)
{
    return atomic_load_explicit(&s_dropped, memory_order_relaxed);
}

size_t ah_sse_clients(void)
{
    pthread_mutex_lock(&s_list_mu);
    size_t n = s_n;
    pthread_mutex_unlock(&s_list_mu);
    return n;
}

/* Wakes a client's connection if it is parked (client mutex held). */
static void s_wake(s_client_t *cl)
{
    if (cl->suspended) {
        cl->suspended = false;
        MHD_resume_connection(cl->conn);
    }
}

/* Queues bytes for a client and wakes its connection (client mutex held by the caller). */
static void s_queue(s_client_t *cl, const char *data, size_t n)
{
    if (cl->closing) return;
    size_t pending = cl->len - cl->off;
    if (pending + n > ah_cfg.sse_buffer) { /* too far behind: dropped, its memory freed now */
        cl->closing = true;
        free(cl->buf);
        cl->buf = NULL;
        cl->len = cl->off = cl->cap = 0;
        atomic_fetch_add_explicit(&s_dropped, 1, memory_order_relaxed);
        s_wake(cl);
        return;
    }
    if (cl->off && (cl->len + n > cl->cap || cl->off >= cl->cap / 2)) { /* compact */
        memmove(cl->buf, cl->buf + cl->off, pending);
        cl->len = pending;
        cl->off = 0;
    }
    if (cl->len + n > cl->cap) {
        size_t cap = cl->cap ? cl->cap : 4096;
        while (cap < cl->len + n)
            cap *= 2;
        char *grown = realloc(cl->buf, cap);
        if (!grown) return;
        cl->buf = grown;
        cl->cap = cap;
    }
    memcpy(cl->buf + cl->len, data, n);
    cl->len += n;
    s_wake(cl);
}

static bool s_wants(const s_client_t *cl, const char *topic, size_t tn)
{
    if (!cl->n_topics) return true;
    for (int i = 0; i < cl->n_topics; i++) {
        size_t pn = strlen(cl->topics[i]);
        if ((cl->exact ? pn == tn : pn <= tn) && memcmp(cl->topics[i], topic, pn) == 0) return true;
    }
    return false;
}

static void s_broadcast(const char *topic, size_t tn, const char *text, size_t n)
{
    pthread_mutex_lock(&s_list_mu);
    for (s_client_t *cl = s_head; cl; cl = cl->next) {
        if (topic && !s_wants(cl, topic, tn)) continue;
        pthread_mutex_lock(&cl->mu);
        s_queue(cl, text, n);
        pthread_mutex_unlock(&cl->mu);
    }
    pthread_mutex_unlock(&s_list_mu);
}

/* An event as SSE: "id: <seq>\nevent: <topic>\ndata: <json>\n\n". */
static void s_event(const char *topic, size_t tn, const void *body, size_t len)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    if (msgpack_unpack_next(&u, body, len, NULL) != MSGPACK_UNPACK_SUCCESS) {
        msgpack_unpacked_destroy(&u);
        return;
    }
    json_t *j = as_json_from(&u.data);
    const msgpack_object *seq = assay_map_get(&u.data, "seq");
    char *data = j ? as_json_dumps(j, JSON_COMPACT) : NULL;
    if (data) {
        size_t dn = strlen(data), cap = dn + tn + 64;
        char *text = malloc(cap);
        if (text) {
            int n = snprintf(text, cap, "id: %llu\nevent: %.*s\ndata: %s\n\n",
                             seq && seq->type == MSGPACK_OBJECT_POSITIVE_INTEGER
                                 ? (unsigned long long)seq->via.u64
                                 : 0ull,
                             (int)tn, topic, data);
            if (n > 0) s_broadcast(topic, tn, text, (size_t)n);
            free(text);
        }
        free(data);
    }
    json_decref(j);
    msgpack_unpacked_destroy(&u);
}

static void *s_hub_run(void *arg)
{
    (void)arg;
    void *sub = zmq_socket(s_zctx, ZMQ_SUB);
    int linger = 0, hwm = 100000;
    zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "", 0);
    char *eps[ASSAY_MAX_NODES];
    int n = 0;
    if (!ah_nodes_split(ah_cfg.events, eps, &n)) /* (main.c checked the list) */
        for (int i = 0; i < n; i++) {
            zmq_connect(sub, eps[i]);
            free(eps[i]);
        }
    time_t last = time(NULL);
    while (!s_stop) {
        zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&it, 1, 1000) > 0) {
            zmq_msg_t topic, body;
            zmq_msg_init(&topic);
            zmq_msg_init(&body);
            int more = 0;
            size_t ms = sizeof more;
            if (zmq_msg_recv(&topic, sub, 0) >= 0) {
                zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &ms);
                if (more && zmq_msg_recv(&body, sub, 0) >= 0)
                    s_event(zmq_msg_data(&topic), zmq_msg_size(&topic), zmq_msg_data(&body),
                            zmq_msg_size(&body));
            }
            zmq_msg_close(&topic);
            zmq_msg_close(&body);
        }
        time_t now = time(NULL);
        if (now - last >= S_KEEPALIVE_S) {
            static const char ka[] = ": keep-alive\n\n";
            s_broadcast(NULL, 0, ka, sizeof ka - 1);
            last = now;
        }
    }
    zmq_close(sub);
    return NULL;
}

int ah_sse_start(void)
{
    s_zctx = zmq_ctx_new();
    if (!s_zctx) return -1;
    return pthread_create(&s_hub, NULL, s_hub_run, NULL) ? -1 : 0;
}

void ah_sse_close_all(void)
{
    pthread_mutex_lock(&s_list_mu);
    for (s_client_t *cl = s_head; cl; cl = cl->next) {
        pthread_mutex_lock(&cl->mu);
        cl->closing = true;
        s_wake(cl);
        pthread_mutex_unlock(&cl->mu);
    }
    pthread_mutex_unlock(&s_list_mu);
}

void ah_sse_stop(void)
{
    s_stop = 1;
    pthread_join(s_hub, NULL);
    zmq_ctx_term(s_zctx);
}

static ssize_t s_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    s_client_t *cl = cls;
    pthread_mutex_lock(&cl->mu);
    if (cl->closing) {
        pthread_mutex_unlock(&cl->mu);
        return MHD_CONTENT_READER_END_OF_STREAM;
    }
    size_t n = cl->len - cl->off;
    if (n > max) n = max;
    if (n) {
        memcpy(buf, cl->buf + cl->off, n);
        cl->off += n;
    } else {
        cl->suspended = true; /* nothing to send: park the connection until the hub queues */
        MHD_suspend_connection(cl->conn);
    }
    pthread_mutex_unlock(&cl->mu);
    return (ssize_t)n;
}

/* Frees a client that is not (or no longer) on the list. Topics not given are NULL. */
static void s_discard(s_client_t *cl)
{
    pthread_mutex_destroy(&cl->mu);
    for (int i = 0; i < S_MAX_TOPICS; i++)
        free(cl->topics[i]);
    free(cl->buf);
    free(cl);
}

/* The stream ended: off the list, then freed. */
static void s_free(void *cls)
{
    s_client_t *cl = cls;
    pthread_mutex_lock(&s_list_mu);
    if (cl->prev)
        cl->prev->next = cl->next;
    else
        s_head = cl->next;
    if (cl->next) cl->next->prev = cl->prev;
    s_n--;
    pthread_mutex_unlock(&s_list_mu);
    s_discard(cl);
}

static enum MHD_Result s_topic(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    s_client_t *cl = cls;
    if (strcmp(key, "topic") != 0 || !value) return MHD_YES;
    if (cl->n_topics == S_MAX_TOPICS) {
        cl->n_topics = -1; /* too many */
        return MHD_NO;
    }
    cl->topics[cl->n_topics++] = strdup(value);
    return MHD_YES;
}

/* A learner's stream: one or more topics, each its own mastery.<learner>; NULL when so. */
static const char *s_learner_problem(const s_client_t *cl, const char *learner, char *buf, size_t n)
{
    if (!cl->n_topics) {
        snprintf(buf, n,
                 "a learner token subscribes to its own topic only: ?topic=mastery.%s is "
                 "required",
                 learner);
        return buf;
    }
    for (int i = 0; i < cl->n_topics; i++) {
        const char *t = cl->topics[i];
        if (strncmp(t, "mastery.", 8) != 0 || strcmp(t + 8, learner) != 0) {
            snprintf(buf, n,
                     "topic \"%s\": a learner token subscribes to its own topic only "
                     "(mastery.%s)",
                     t, learner);
            return buf;
        }
    }
    return NULL;
}

/* How many streams the caller with this key holds (list mutex held). */
static unsigned s_streams_of(const char *key)
{
    unsigned n = 0;
    for (s_client_t *cl = s_head; cl; cl = cl->next)
        n += strcmp(cl->key, key) == 0;
    return n;
}

enum MHD_Result ah_sse_open(struct MHD_Connection *c, const ah_auth_t *auth, ah_reply_t *r,
                            bool *queued)
{
    const char *learner = auth->scope == AH_SCOPE_LEARNER ? auth->sub : NULL;
    *queued = false;
    s_client_t *cl = calloc(1, sizeof *cl);
    if (!cl) {
        ah_error(r, 500, "internal", "out of memory");
        return MHD_YES;
    }
    cl->conn = c;
    pthread_mutex_init(&cl->mu, NULL);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, s_topic, cl);
    if (cl->n_topics < 0) {
        s_discard(cl);
        ah_error(r, 400, "bad_request", "more than %d topics", S_MAX_TOPICS);
        return MHD_YES;
    }
    char why[400];
    if (learner && s_learner_problem(cl, learner, why, sizeof why)) {
        s_discard(cl);
        ah_error(r, 403, "forbidden", "%s", why);
        ah_metrics_refused(AH_REFUSED_LEARNER, AH_SCOPE_LEARNER);
        return MHD_YES;
    }
    cl->exact = learner != NULL;
    snprintf(cl->key, sizeof cl->key, "%s", auth->key);
    /* the kernel's share of a stream's backlog is bounded too: a fixed send buffer (no
     * autotuning up to tcp_wmem's megabytes) beside the --sse-buffer of our own */
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    int sndbuf = S_SNDBUF;
    if (ci) setsockopt(ci->connect_fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    static const char hello[] = ": subscribed\n\n"; /* sent at once: the stream is live */
    s_queue(cl, hello, sizeof hello - 1);
    /* counted and listed in one step, so that two opening at once cannot both pass the limit */
    pthread_mutex_lock(&s_list_mu);
    unsigned held = s_streams_of(cl->key);
    if (held >= ah_cfg.max_streams) {
        pthread_mutex_unlock(&s_list_mu);
        s_discard(cl);
        ah_error(r, 429, "rate_limited",
                 "this token holds %u event streams, as many as --max-streams-per-token "
                 "allows: close one first",
                 held);
        r->retry_s = 5;
        ah_metrics_refused(AH_REFUSED_RATE, auth->scope);
        return MHD_YES;
    }
    cl->next = s_head;
    if (s_head) s_head->prev = cl;
    s_head = cl;
    s_n++;
    pthread_mutex_unlock(&s_list_mu);
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, s_read, cl, s_free);
    if (!resp) {
        s_free(cl); /* off the list, then freed */
        ah_error(r, 500, "internal", "out of memory");
        return MHD_YES;
    }
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    ah_cors_headers(c, resp);
    enum MHD_Result ok = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    *queued = true;
    return ok;
}
