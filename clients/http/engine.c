/* engine.c — assay-http's synchronous engine calls (health, metrics: rare, so one connection
 * shared under a mutex, opened on first use), the adapter's libzmq context, and the engine's
 * errors as HTTP statuses. The request routes go through the bridge (bridge.c). */
#include "http.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

static assay_t *s_conn_sync[2];
static pthread_mutex_t s_sync_mu = PTHREAD_MUTEX_INITIALIZER;
static void *s_zctx; /* one libzmq context (one I/O thread) for every thread's connections */
static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void s_zctx_init(void)
{
    s_zctx = zmq_ctx_new();
}

void *ah_zctx(void)
{
    pthread_once(&s_once, s_zctx_init);
    return s_zctx;
}

static unsigned s_status(const char *code)
{
    static const struct {
        const char *code;
        unsigned status;
    } map[] = {{"bad_request", 400}, {"forbidden", 403},  {"not_found", 404},   {"conflict", 409},
               {"too_large", 413},   {"overloaded", 503}, {"unavailable", 503}, {"internal", 500}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].code, code) == 0) return map[i].status;
    return 502;
}

static assay_t *s_conn(bool admin, ah_reply_t *r)
{
    assay_t **slot = &s_conn_sync[admin ? 1 : 0];
    if (*slot) return *slot;
    assay_options_t o = {.timeout_ms = ah_cfg.timeout_ms, .admin = admin, .zmq_context = ah_zctx()};
    const char *target = ah_cfg.data_dir;
    if (ah_cfg.endpoint)
        target = admin && ah_cfg.admin_endpoint ? ah_cfg.admin_endpoint : ah_cfg.endpoint;
    int rc = assay_open(slot, target, &o);
    if (rc == ASSAY_ECONNECT)
        ah_error(r, 503, "unavailable", "the engine is not running (no %s socket in %s)",
                 admin ? "admin" : "engine", target);
    else if (rc)
        ah_error(r, 503, "unavailable", "cannot connect to the engine at %s: %s", target,
                 assay_strerror(rc));
    return rc ? NULL : *slot;
}

void ah_engine_error(ah_reply_t *r, const char *code, const char *message)
{
    ah_error(r, s_status(code), code, "%s", message);
}

int ah_engine_call(bool admin, const char *method, const void *params, size_t len,
                   assay_reply_t **reply, ah_reply_t *r)
{
    *reply = NULL;
    pthread_mutex_lock(&s_sync_mu);
    assay_t *c = s_conn(admin, r);
    int rc = c ? assay_call(c, method, params, len, ah_cfg.timeout_ms, reply) : ASSAY_ECONNECT;
    pthread_mutex_unlock(&s_sync_mu);
    if (!c) return -1;
    if (rc == ASSAY_OK) return 0;
    if (rc == ASSAY_EREPLY) {
        ah_engine_error(r, assay_reply_code(*reply), assay_reply_message(*reply));
    } else if (rc == ASSAY_ETIMEOUT) {
        ah_error(r, 504, "timeout", "the engine did not answer within %d ms", ah_cfg.timeout_ms);
    } else {
        ah_error(r, 502, "engine", "%s: %s", method, assay_strerror(rc));
    }
    assay_reply_free(reply);
    return -1;
}

void ah_engine_close(void)
{
    pthread_mutex_lock(&s_sync_mu);
    assay_close(&s_conn_sync[0]);
    assay_close(&s_conn_sync[1]);
    pthread_mutex_unlock(&s_sync_mu);
    if (s_zctx) zmq_ctx_term(s_zctx);
}
