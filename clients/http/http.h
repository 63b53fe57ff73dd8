/* http.h — assay-http: the HTTP/JSON adapter's shared pieces.
 *
 * libmicrohttpd serves the requests from a small pool of epoll threads. A request that needs the
 * engine is handed to the bridge thread (bridge.c), which owns the engine connections and keeps
 * any number of requests in flight on them; the HTTP connection is suspended meanwhile and
 * resumed with the answer, so no thread waits for the engine. Server-Sent Events hold no thread
 * either: their connections are suspended while they have nothing to send, and one hub thread
 * (sse.c) fills and resumes them (events.sock, one SUB socket for all). The rare synchronous
 * calls (health, metrics) share one libassay connection under a mutex (engine.c).
 */
#ifndef AH_HTTP_H
#define AH_HTTP_H

#include "assay.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *data_dir;       /* -d: the engine's data directory */
    const char *endpoint;       /* -e: the engine's endpoint (instead of -d), or several */
    const char *admin_endpoint; /* --admin-endpoint (with -e): as many as -e names */
    const char *events;         /* the engine's events endpoint */
    size_t max_body;            /* --max-body */
    size_t max_admin_body;      /* --max-admin-body: admin routes (model files, QTI packages) */
    int timeout_ms;             /* --timeout-ms */
    int try_timeout_ms;         /* --try-timeout-ms: one engine's try, with several */
    int threads;                /* --threads */
    unsigned idle_timeout_s;    /* --idle-timeout: a connection silent this long is closed */
    unsigned max_per_ip;        /* --max-connections-per-ip */
    size_t sse_buffer;          /* --sse-buffer: a stream's unsent bytes before it is dropped */
    unsigned max_streams;       /* --max-streams-per-token */
} ah_config_t;

extern ah_config_t ah_cfg;

/* The reply a handler prepares; sent by the dispatcher (routes.c). */
typedef struct {
    unsigned status;
    json_t *json; /* the body (a new reference), or NULL */
    char *raw;    /* or a body already made (malloc'ed), with raw_type */
    size_t raw_len;
    const char *raw_type;
    char location[300];   /* Location header, when set */
    unsigned retry_s;     /* Retry-After: seconds (503, 429); 0: none */
    const char *www_auth; /* WWW-Authenticate (401) */
    bool etag;            /* GET: add an ETag and honour If-None-Match */
} ah_reply_t;

/* Sets an error reply {"error": {"code", "message"}}. */
void ah_error(ah_reply_t *r, unsigned status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Calls method on the engine (the admin socket when admin) with msgpack params; on success
 * *reply is the engine's reply (free it with assay_reply_free) and 0 is returned; otherwise r is
 * set to the error (the engine's code as an HTTP status, 504 on timeout) and -1 returned. */
int ah_engine_call(bool admin, const char *method, const void *params, size_t len,
                   assay_reply_t **reply, ah_reply_t *r);

/* The engine's error (code, message) as the HTTP reply: its status and body. */
void ah_engine_error(ah_reply_t *r, const char *code, const char *message);
/* FNV-1a, 64 bits: ETags, token and rate-limit keys, slots. */
static inline uint64_t ah_fnv64(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* The adapter's one libzmq context (engine.c). */
void *ah_zctx(void);
/* At exit: closes the synchronous connections and the context (after the bridge stopped). */
void ah_engine_close(void);

/* ---- metrics (metrics.c) ---- */
void ah_metrics_record(int route, unsigned status, double seconds);
/* The Prometheus text of the adapter's counters, plus the engine's stats. */
char *ah_metrics_render(size_t *len);

/* ---- routes (routes.c) ---- */
int ah_route_count(void);
const char *ah_route_method(int i);
const char *ah_route_pattern(int i);
const char *ah_route_engine(int i); /* the engine method route i calls, or NULL */
enum MHD_Result ah_dispatch(void *cls, struct MHD_Connection *c, const char *url,
                            const char *method, const char *version, const char *upload,
                            size_t *upload_size, void **con_cls);
void ah_request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                     enum MHD_RequestTerminationCode toe);

/* ---- server-sent events (sse.c) ---- */
int ah_sse_start(void);
/* Ends every stream (at shutdown, before the daemon stops), then stops the hub. */
void ah_sse_close_all(void);
void ah_sse_stop(void);
/* Answers GET /v1/events?topic=...: a streaming response, or an error in r. */
/* auth: the caller; a learner token's own topics (mastery.<sub>, matched exactly) are all it
 * may name, and a caller (auth->key) may hold --max-streams-per-token streams (beyond: 429). */
struct ah_auth; /* access.h */
enum MHD_Result ah_sse_open(struct MHD_Connection *c, const struct ah_auth *auth, ah_reply_t *r,
                            bool *queued);
/* Streams dropped for falling more than --sse-buffer behind, since the start. */
unsigned long long ah_sse_dropped(void);
/* The dashboard's files (dashboard.c): GET / and /dashboard/{file}. */
void ah_page(const char *url, ah_reply_t *r);
size_t ah_sse_clients(void);

/* The OpenAPI document (openapi.json, embedded at build time). */
extern const char ah_openapi[];
extern const size_t ah_openapi_len;

#endif
