/* harness_local.c — every `score` a test makes through h_call is scored again by libassay's local
 * scorer on the engine's data directory, and must give the engine's answer: the result's bytes,
 * or the error's code and message (harness.h, h_local_check). */
#include "harness.h"
#include "codec.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char dir[512];
    as_local_t *local;
} s_locals[64];
static int s_n;

/* The data directory of a connection to one engine's engine.sock or admin.sock. */
static bool s_engine_dir(assay_t *c, char *dir, size_t n)
{
    char ep[512];
    size_t len = sizeof ep;
    if (assay_node_count(c) != 1 ||
        zmq_getsockopt(assay_node_socket(c, 0), ZMQ_LAST_ENDPOINT, ep, &len))
        return false;
    char *slash = strrchr(ep, '/');
    if (strncmp(ep, "ipc://", 6) || !slash ||
        (strcmp(slash, "/engine.sock") && strcmp(slash, "/admin.sock")))
        return false;
    *slash = '\0';
    snprintf(dir, n, "%s", ep + 6);
    return true;
}

static as_local_t *s_local(const char *dir)
{
    for (int i = 0; i < s_n; i++)
        if (!strcmp(s_locals[i].dir, dir)) return s_locals[i].local;
    char why[600];
    as_local_t *l = NULL;
    if (as_local_open(&l, dir, why, sizeof why)) fail_msg("local scorer: %s", why);
    if (s_n == (int)(sizeof s_locals / sizeof s_locals[0])) fail_msg("too many local scorers");
    snprintf(s_locals[s_n].dir, sizeof s_locals[s_n].dir, "%s", dir);
    s_locals[s_n++].local = l;
    return l;
}

/* The engine's answers that are about the engine, not the params: nothing local to compare. */
static bool s_engine_only(const char *code)
{
    return !strcmp(code, "too_large") || !strcmp(code, "unavailable") ||
           !strcmp(code, "overloaded") || !strcmp(code, "forbidden");
}

void h_local_check(assay_t *c, const void *params, size_t len, int rc, const assay_reply_t *reply)
{
    char dir[512];
    if ((rc != ASSAY_OK && rc != ASSAY_EREPLY) || !s_engine_dir(c, dir, sizeof dir)) return;
    if (rc == ASSAY_EREPLY && s_engine_only(assay_reply_code(reply))) return;
    pthread_mutex_lock(&s_lock);
    as_local_t *l = s_local(dir);
    const void *res;
    size_t res_len;
    int lr = as_local_score(l, params, len, &res, &res_len);
    char why[1200] = "";
    if (rc == ASSAY_OK) {
        /* the engine's body: [1, msgid, nil, result] */
        size_t blen;
        const uint8_t *body = assay_reply_body(reply, &blen);
        as_mp_t r = {body, body + blen};
        uint32_t n;
        bool framed = as_mp_array(&r, &n) == AS_MP_OK && n == 4 && as_mp_skip(&r, 2) == AS_MP_OK &&
                      as_mp_skip(&r, 2) == AS_MP_OK && as_mp_skip(&r, 2) == AS_MP_OK;
        if (lr)
            snprintf(why, sizeof why, "the engine scored, the local scorer answered %s: %s",
                     as_local_code(l), as_local_message(l));
        else if (!framed || (size_t)(r.end - r.p) != res_len || memcmp(r.p, res, res_len))
            snprintf(why, sizeof why, "the local result (%zu bytes) is not the engine's (%zu)",
                     res_len, framed ? (size_t)(r.end - r.p) : 0);
    } else if (lr != ASSAY_EREPLY) {
        snprintf(why, sizeof why, "the engine answered %s (%s), the local scorer scored",
                 assay_reply_code(reply), assay_reply_message(reply));
    } else if (strcmp(as_local_code(l), assay_reply_code(reply)) ||
               strcmp(as_local_message(l), assay_reply_message(reply))) {
        snprintf(why, sizeof why, "the engine answered %s: %s; the local scorer %s: %s",
                 assay_reply_code(reply), assay_reply_message(reply), as_local_code(l),
                 as_local_message(l));
    }
    pthread_mutex_unlock(&s_lock);
    if (why[0]) fail_msg("score in %s: %s", dir, why);
}

void h_local_forget(const char *dir)
{
    pthread_mutex_lock(&s_lock);
    for (int i = 0; i < s_n; i++)
        if (!strcmp(s_locals[i].dir, dir)) {
            as_local_close(&s_locals[i].local);
            s_locals[i] = s_locals[--s_n];
            break;
        }
    pthread_mutex_unlock(&s_lock);
}
