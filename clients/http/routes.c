/* routes.c — assay-http's dispatcher: HTTP request -> engine method -> HTTP reply.
 *
 * The routes are declared in route_table.c; most are one engine method each: the path's ids, the
 * query's arguments and the JSON body's fields become the method's params. A few are handled here
 * (health, metrics, the OpenAPI document), in sse.c (events) or dashboard.c (the page). Who may
 * call what is access.c's: a request is authenticated, its scope checked and its rate limited
 * when it begins; a learner's own learner is checked with the params.
 */
#include "access.h"
#include "bridge.h"
#include "http.h"
#include "route_table.h"

#include "codec.h"
#include "jsonmp.h"
#include "tsan.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- matching ---- */

/* Matches url against pattern; the {ids} go to ids[] (views into url, with lengths). */
static bool s_match(const char *pattern, const char *url, const char **ids, size_t *lens)
{
    int n = 0;
    const char *p = pattern, *u = url;
    while (*p && *u) {
        if (*p == '{') {
            const char *end = strchr(u, '/');
            size_t len = end ? (size_t)(end - u) : strlen(u);
            if (!len || n == 2) return false;
            ids[n] = u;
            lens[n++] = len;
            u += len;
            p = strchr(p, '}') + 1;
        } else if (*p++ != *u++) {
            return false;
        }
    }
    return !*p && !*u;
}

/* ---- requests ---- */

typedef struct {
    int route; /* index, or -1: no route; -2: a route with another method */
    const char *ids[2];
    size_t id_lens[2];
    char *body;
    size_t len, cap;
    bool too_large;
    size_t limit; /* of the body: --max-body, or --max-admin-body on an admin route */
    struct timespec t0;
    char allow[64];
    ah_call_t call;  /* the engine call, through the bridge */
    bool sent;       /* the call is queued: the connection was suspended for it */
    ah_auth_t auth;  /* the caller (scope AH_SCOPE_NONE on a public route) */
    ah_reply_t deny; /* status set: refused (401, 403, 429) when it began */
} s_req_t;

static double s_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Who calls, whether their scope reaches the route and whether their rate allows it; the
 * refusal in q->deny otherwise. */
static void s_access(struct MHD_Connection *c, const ah_route_t *rt, s_req_t *q)
{
    ah_refused_t why;
    if (!ah_authenticate(c, rt->special == AH_EVENTS, &q->auth, &q->deny, &why)) {
        ah_metrics_refused(why, AH_SCOPE_NONE);
    } else if (!ah_access_allows(&q->auth, rt, &q->deny)) {
        ah_metrics_refused(q->auth.scope == AH_SCOPE_LEARNER || q->auth.scope == AH_SCOPE_RATER
                               ? AH_REFUSED_LEARNER
                               : AH_REFUSED_SCOPE,
                           q->auth.scope);
    } else if (!ah_rate_take(&q->auth, &q->deny)) {
        ah_metrics_refused(AH_REFUSED_RATE, q->auth.scope);
    }
}

/* 403 for a learner's or a rater's token naming another: what it named (`where`) and its own. */
static void s_not_own(const s_req_t *q, ah_reply_t *r, const char *where, const char *named,
                      size_t len)
{
    const char *role = ah_scope_name(q->auth.scope);
    ah_error(r, 403, "forbidden", "%s: a %s token acts only as its own %s \"%s\", not \"%.*s\"",
             where, role, role, q->auth.sub, (int)len, named);
    ah_metrics_refused(AH_REFUSED_LEARNER, q->auth.scope);
}

static s_req_t *s_begin(struct MHD_Connection *c, const char *url, const char *method)
{
    s_req_t *q = calloc(1, sizeof *q);
    if (!q) return NULL;
    clock_gettime(CLOCK_MONOTONIC, &q->t0);
    q->route = -1;
    for (int i = 0; i < ah_nroutes; i++) {
        const char *ids[2];
        size_t lens[2];
        if (!s_match(ah_routes[i].pattern, url, ids, lens)) continue;
        if (strcmp(ah_routes[i].method, method) == 0) {
            q->route = i;
            memcpy(q->ids, ids, sizeof ids);
            memcpy(q->id_lens, lens, sizeof lens);
            break;
        }
        size_t used = strlen(q->allow);
        snprintf(q->allow + used, sizeof q->allow - used, "%s%s", used ? ", " : "",
                 ah_routes[i].method);
        q->route = -2;
    }
    if (q->route >= 0 && !ah_route_public(&ah_routes[q->route]))
        s_access(c, &ah_routes[q->route], q);
    /* model files and QTI packages are larger than requests: an admin route, once its token
     * is checked, may send up to --max-admin-body */
    q->limit = q->route >= 0 && ah_routes[q->route].admin && !q->deny.status ? ah_cfg.max_admin_body
                                                                             : ah_cfg.max_body;
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > q->limit) q->too_large = true;
    return q;
}

/* Keeps a piece of the body. A request refused by its headers (no route, a refused token) was
 * decided before its body: the body is read, so that the client gets the answer, but never kept
 * (a stranger's bodies cost no memory). */
static void s_append(s_req_t *q, const char *data, size_t n)
{
    if (q->too_large || q->route < 0 || q->deny.status) return;
    if (q->len + n > q->limit) {
        q->too_large = true;
        return;
    }
    if (q->len + n > q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 4096;
        while (cap < q->len + n)
            cap *= 2;
        char *grown = realloc(q->body, cap);
        if (!grown) {
            q->too_large = true;
            return;
        }
        q->body = grown;
        q->cap = cap;
    }
    memcpy(q->body + q->len, data, n);
    q->len += n;
}

/* ---- params ---- */

/* Packs the route's params; false with r set on a bad request. */
static bool s_params(struct MHD_Connection *c, const ah_route_t *rt, const s_req_t *q,
                     msgpack_packer *pk, ah_reply_t *r)
{
    /* a learner token's requests carry its learner as the engine's `learner` param, a rater
     * token's its rater as `rater` */
    const char *own_key = q->auth.scope == AH_SCOPE_LEARNER && rt->learner == AH_L_PARAM ? "learner"
                          : q->auth.scope == AH_SCOPE_RATER && rt->rater == AH_R_PARAM   ? "rater"
                                                                                         : NULL;
    const char *own = own_key ? q->auth.sub : NULL;
    json_t *body = NULL;
    if (rt->body && q->len) {
        json_error_t e;
        body = json_loadb(q->body, q->len, JSON_REJECT_DUPLICATES, &e);
        if (!body) {
            ah_error(r, 400, "bad_request", "invalid JSON at line %d, column %d (byte %d): %s",
                     e.line, e.column, e.position, e.text);
            return false;
        }
        if (!json_is_object(body)) {
            json_decref(body);
            ah_error(r, 400, "bad_request", "the body must be a JSON object");
            return false;
        }
    }
    int n_path = rt->path[1] ? 2 : rt->path[0] ? 1 : 0;
    const char *qv[AH_NQUERY] = {0};
    size_t n = (size_t)n_path;
    for (int i = 0; i < AH_NQUERY && rt->query[i].name; i++) {
        qv[i] = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, rt->query[i].name);
        if (qv[i] && own && strcmp(rt->query[i].name, own_key) == 0) {
            if (strcmp(qv[i], own) != 0) {
                char where[32];
                snprintf(where, sizeof where, "query %s", own_key);
                s_not_own(q, r, where, qv[i], strlen(qv[i]));
                json_decref(body);
                return false;
            }
            qv[i] = NULL; /* packed below, as the token's */
        }
        n += qv[i] != NULL;
    }
    json_t *given = own && body ? json_object_get(body, own_key) : NULL;
    if (given) {
        if (!json_is_string(given) || strcmp(json_string_value(given), own) != 0) {
            char *text = json_is_string(given)
                             ? strdup(json_string_value(given))
                             : as_json_dumps(given, JSON_COMPACT | JSON_ENCODE_ANY);
            char where[32];
            snprintf(where, sizeof where, "body.%s", own_key);
            s_not_own(q, r, where, text ? text : "?", text ? strlen(text) : 1);
            free(text);
            json_decref(body);
            return false;
        }
        json_object_del(body, own_key);
    }
    n += own != NULL;
    /* the path's ids: a body field of the same name must agree */
    char idv[2][200];
    for (int i = 0; i < n_path; i++) {
        snprintf(idv[i], sizeof idv[i], "%.*s", (int)q->id_lens[i], q->ids[i]);
        json_t *same = body ? json_object_get(body, rt->path[i]) : NULL;
        if (same && !(json_is_string(same) && strcmp(json_string_value(same), idv[i]) == 0)) {
            ah_error(r, 400, "bad_request", "body.%s: differs from the path's \"%s\"", rt->path[i],
                     idv[i]);
            json_decref(body);
            return false;
        }
        if (same) json_object_del(body, rt->path[i]);
    }
    n += body ? json_object_size(body) : 0;
    n += rt->raw_body ? 1 : 0;
    msgpack_pack_map(pk, n);
    if (own) {
        as_pack_cstr(pk, own_key);
        as_pack_cstr(pk, own);
    }
    if (rt->raw_body) {
        as_pack_cstr(pk, rt->raw_body);
        msgpack_pack_bin(pk, q->len);
        msgpack_pack_bin_body(pk, q->body, q->len);
    }
    for (int i = 0; i < n_path; i++) {
        as_pack_cstr(pk, rt->path[i]);
        if (rt->path_int[i]) {
            char *end;
            unsigned long long v = strtoull(idv[i], &end, 10);
            if (*end || idv[i][0] < '0' || idv[i][0] > '9') {
                ah_error(r, 400, "bad_request", "path: \"%s\" is not an id (a positive integer)",
                         idv[i]);
                json_decref(body);
                return false;
            }
            msgpack_pack_uint64(pk, v);
        } else {
            as_pack_cstr(pk, idv[i]);
        }
    }
    for (int i = 0; i < AH_NQUERY && rt->query[i].name; i++) {
        if (!qv[i]) continue;
        as_pack_cstr(pk, rt->query[i].name);
        char *end;
        switch (rt->query[i].type) {
        case AH_Q_STR:
            as_pack_cstr(pk, qv[i]);
            break;
        case AH_Q_INT: {
            long long v = strtoll(qv[i], &end, 10);
            if (*end || !*qv[i]) {
                ah_error(r, 400, "bad_request", "query %s: expected an integer, got \"%s\"",
                         rt->query[i].name, qv[i]);
                json_decref(body);
                return false;
            }
            msgpack_pack_int64(pk, v);
            break;
        }
        case AH_Q_LIST: {
            uint32_t items = 1;
            for (const char *p = qv[i]; *p; p++)
                items += *p == ',';
            msgpack_pack_array(pk, *qv[i] ? items : 0);
            for (const char *p = qv[i]; *p;) {
                size_t len = strcspn(p, ",");
                as_pack_str(pk, p, len);
                p += len + (p[len] == ',');
            }
            break;
        }
        case AH_Q_BOOL:
            if (strcmp(qv[i], "true") && strcmp(qv[i], "false")) {
                ah_error(r, 400, "bad_request", "query %s: expected true or false, got \"%s\"",
                         rt->query[i].name, qv[i]);
                json_decref(body);
                return false;
            }
            if (qv[i][0] == 't')
                msgpack_pack_true(pk);
            else
                msgpack_pack_false(pk);
            break;
        }
    }
    const char *key;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        as_pack_cstr(pk, key);
        if (as_json_pack(pk, v)) {
            ah_error(r, 400, "bad_request", "body.%s: nested deeper than 64 levels", key);
            json_decref(body);
            return false;
        }
    }
    json_decref(body);
    return true;
}

/* ---- handlers ---- */

/* Queues the route's engine call and suspends the connection; false with r set when it could
 * not be queued (a bad request, or the bridge refused it). */
/* This thread's buffer for request bodies, kept between requests (freed when the thread ends). */
static pthread_key_t s_buf_key;
static pthread_once_t s_buf_once = PTHREAD_ONCE_INIT;

static void s_buf_free(void *sb)
{
    msgpack_sbuffer_free(sb);
}

static void s_buf_init(void)
{
    pthread_key_create(&s_buf_key, s_buf_free);
}

static msgpack_sbuffer *s_thread_buffer(void)
{
    pthread_once(&s_buf_once, s_buf_init);
    msgpack_sbuffer *sb = pthread_getspecific(s_buf_key);
    if (!sb && (sb = msgpack_sbuffer_new())) pthread_setspecific(s_buf_key, sb);
    return sb;
}

static bool s_call(struct MHD_Connection *c, const ah_route_t *rt, s_req_t *q, ah_reply_t *r)
{
    /* the request body, packed once into this thread's buffer */
    msgpack_sbuffer *sb = s_thread_buffer();
    if (!sb) {
        ah_error(r, 500, "internal", "out of memory");
        return false;
    }
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    ah_bridge_begin(&pk, rt->engine);
    if (!s_params(c, rt, q, &pk, r)) return false;
    q->call.conn = c;
    if (ah_bridge_send(&q->call, rt->admin, sb->data, sb->size)) {
        ah_error(r, 503, "unavailable", "the adapter could not queue the request");
        return false;
    }
    q->sent = true;
    MHD_suspend_connection(c);
    return true;
}

/* The reply to a call the bridge completed. */
static void s_answer(const ah_route_t *rt, s_req_t *q, ah_reply_t *r)
{
    AH_ACQUIRE(&q->call);
    switch (q->call.outcome) {
    case AH_CALL_OK:
        break;
    case AH_CALL_TIMEOUT:
        ah_error(r, 504, "timeout", "the engine did not answer within %d ms", ah_cfg.timeout_ms);
        return;
    case AH_CALL_BUSY:
        ah_error(r, 503, "overloaded", "too many requests waiting for the engine: retry later");
        return;
    default:
        ah_error(r, 500, "internal", "the engine's answer was lost (out of memory)");
        return;
    }
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    const msgpack_object *o = &u.data;
    if (msgpack_unpack_next(&u, q->call.reply, q->call.reply_len, NULL) != MSGPACK_UNPACK_SUCCESS ||
        o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4) {
        ah_error(r, 502, "engine", "a malformed response from the engine");
    } else if (o->via.array.ptr[2].type != MSGPACK_OBJECT_NIL) {
        const msgpack_object *code = assay_map_get(&o->via.array.ptr[2], "code");
        const msgpack_object *msg = assay_map_get(&o->via.array.ptr[2], "message");
        char cb[64], mb[1024];
        snprintf(cb, sizeof cb, "%.*s", code ? (int)code->via.str.size : 8,
                 code ? code->via.str.ptr : "internal");
        snprintf(mb, sizeof mb, "%.*s", msg ? (int)msg->via.str.size : 0,
                 msg ? msg->via.str.ptr : "");
        ah_engine_error(r, cb, mb);
    } else {
        const msgpack_object *res = &o->via.array.ptr[3];
        r->status = rt->ok;
        r->json = as_json_from(res);
        r->etag = strcmp(rt->method, "GET") == 0;
        if (rt->loc) {
            const msgpack_object *id = assay_map_get(res, rt->loc_key);
            if (id && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                snprintf(r->location, sizeof r->location, "%s%llu", rt->loc,
                         (unsigned long long)id->via.u64);
        }
    }
    msgpack_unpacked_destroy(&u);
}

static void s_health(ah_reply_t *r)
{
    assay_reply_t *reply;
    if (ah_engine_call(false, "ping", NULL, 0, &reply, r)) return;
    json_t *engine = as_json_from(assay_reply_result(reply));
    assay_reply_free(&reply);
    r->status = 200;
    r->json = json_pack("{s:s, s:o, s:I}", "status", "ok", "engine", engine, "sse_clients",
                        (json_int_t)ah_sse_clients());
}

/* ---- sending ---- */

static enum MHD_Result s_send(struct MHD_Connection *c, ah_reply_t *r)
{
    char *body = r->raw;
    size_t len = r->raw_len;
    const char *type = r->raw_type;
    if (r->json) {
        body = as_json_dumps(r->json, JSON_COMPACT | JSON_ENCODE_ANY);
        len = body ? strlen(body) : 0;
        type = "application/json";
    }
    char etag[40] = "";
    unsigned status = r->status;
    if (r->etag && status == 200 && body) {
        snprintf(etag, sizeof etag, "\"%016llx\"", (unsigned long long)ah_fnv64(body, len));
        const char *inm = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match");
        if (inm && (strstr(inm, etag) || strcmp(inm, "*") == 0)) {
            status = 304;
            free(body);
            body = NULL;
            len = 0;
        }
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        len, body ? body : (char *)"", body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    r->raw = NULL;
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    if (type && status != 304) MHD_add_response_header(resp, "Content-Type", type);
    if (etag[0]) MHD_add_response_header(resp, "ETag", etag);
    if (r->location[0]) MHD_add_response_header(resp, "Location", r->location);
    if (r->retry_s) {
        char secs[16];
        snprintf(secs, sizeof secs, "%u", r->retry_s);
        MHD_add_response_header(resp, "Retry-After", secs);
    }
    if (r->www_auth) MHD_add_response_header(resp, "WWW-Authenticate", r->www_auth);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (type && strncmp(type, "text/html", 9) == 0) {
        /* the page loads only its own files and talks only to this server */
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; frame-ancestors "
                                "'none'; base-uri 'none'; form-action 'none'");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    }
    ah_cors_headers(c, resp);
    enum MHD_Result ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    r->status = status;
    return ok;
}

enum MHD_Result ah_dispatch(void *cls, struct MHD_Connection *c, const char *url,
                            const char *method, const char *version, const char *upload,
                            size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    s_req_t *q = *con_cls;
    if (!q) {
        if (!(q = *con_cls = s_begin(c, url, method))) return MHD_NO;
        return MHD_YES;
    }
    if (*upload_size) {
        s_append(q, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    ah_reply_t r = {0};
    const ah_route_t *rt = q->route >= 0 ? &ah_routes[q->route] : NULL;
    if (strcmp(method, "OPTIONS") == 0 && q->route == -2 &&
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Access-Control-Request-Method")) {
        enum MHD_Result ok = ah_cors_preflight(c, q->allow);
        ah_metrics_record(q->route, 204, s_since(&q->t0));
        return ok;
    }
    if (q->route == -1) {
        ah_error(&r, 404, "not_found", "no route %s %s", method, url);
    } else if (q->route == -2) {
        ah_error(&r, 405, "method_not_allowed", "%s %s: allowed: %s", method, url, q->allow);
    } else if (q->deny.status) {
        r = q->deny;
        q->deny.json = NULL;
    } else if (q->too_large) {
        ah_error(&r, 413, "too_large", "the body is larger than the limit of %zu bytes (%s)",
                 q->limit, q->limit == ah_cfg.max_body ? "--max-body" : "--max-admin-body");
    } else if (q->auth.scope == AH_SCOPE_LEARNER && rt->learner == AH_L_PATH &&
               (q->id_lens[0] != strlen(q->auth.sub) ||
                memcmp(q->ids[0], q->auth.sub, q->id_lens[0]) != 0)) {
        s_not_own(q, &r, "path", q->ids[0], q->id_lens[0]);
    } else if (rt->special == AH_PAGE) {
        ah_page(url, &r);
    } else if (rt->special == AH_EVENTS) {
        bool queued = false;
        enum MHD_Result ok = ah_sse_open(c, &q->auth, &r, &queued);
        if (queued) {
            ah_metrics_record(q->route, 200, s_since(&q->t0));
            return ok;
        }
    } else if (rt->special == AH_HEALTH) {
        s_health(&r);
    } else if (rt->special == AH_METRICS) {
        r.status = 200;
        r.raw = ah_metrics_render(&r.raw_len);
        r.raw_type = "text/plain; version=0.0.4";
    } else if (rt->special == AH_OPENAPI) {
        r.status = 200;
        r.raw = malloc(ah_openapi_len);
        if (r.raw) memcpy(r.raw, ah_openapi, ah_openapi_len);
        r.raw_len = r.raw ? ah_openapi_len : 0;
        r.raw_type = "application/json";
        r.etag = true;
    } else if (q->sent) {
        s_answer(rt, q, &r); /* resumed by the bridge */
    } else if (s_call(c, rt, q, &r)) {
        return MHD_YES; /* suspended until the engine answers */
    }
    if (!r.status) ah_error(&r, 500, "internal", "no reply");
    enum MHD_Result ok = s_send(c, &r);
    ah_metrics_record(q->route, r.status, s_since(&q->t0));
    if (r.json) json_decref(r.json);
    free(r.raw);
    return ok;
}

void ah_request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                     enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    s_req_t *q = *con_cls;
    if (!q) return;
    free(q->body);
    free(q->call.reply);
    if (q->deny.json) json_decref(q->deny.json);
    free(q);
    *con_cls = NULL;
}
