/* ratelimit.c — --rate-limit SCOPE=RATE[/BURST]: a token bucket per caller (a static token, or a
 * learner's sub), refilled at RATE requests a second up to BURST. Buckets live in a hash table;
 * when it holds more than S_MAX_BUCKETS callers, those whose buckets are full again (idle long
 * enough to have forgotten nothing) are dropped. */
#include "access.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_SLOTS       4096
#define S_MAX_BUCKETS 100000

typedef struct {
    bool set;
    double rate, burst;
} s_limit_t;

typedef struct s_bucket {
    struct s_bucket *next;
    double tokens, at; /* tokens left at time `at` (monotonic seconds) */
    ah_scope_t scope;
    char key[];
} s_bucket_t;

static s_limit_t s_limits[AH_NSCOPES];
static pthread_mutex_t s_mu = PTHREAD_MUTEX_INITIALIZER;
static s_bucket_t *s_slots[S_SLOTS];
static size_t s_count;

int ah_rate_parse(const char *spec, char *err, size_t n)
{
    const char *eq = strchr(spec, '=');
    ah_scope_t scope = eq ? ah_scope_parse(spec, (size_t)(eq - spec)) : AH_SCOPE_NONE;
    if (scope == AH_SCOPE_NONE) {
        snprintf(err, n,
                 "--rate-limit %s: expected SCOPE=RATE[/BURST] with SCOPE admin, app, read or "
                 "learner",
                 spec);
        return -1;
    }
    char *end;
    double rate = strtod(eq + 1, &end), burst = rate < 1 ? 1 : rate;
    bool ok = end != eq + 1 && isfinite(rate) && rate > 0;
    if (ok && *end == '/') {
        const char *b = end + 1;
        burst = strtod(b, &end);
        ok = end != b && isfinite(burst) && burst >= 1;
    }
    if (!ok || *end) {
        snprintf(err, n,
                 "--rate-limit %s: expected RATE (requests a second, > 0) and optionally /BURST "
                 "(>= 1), e.g. learner=20/40",
                 spec);
        return -1;
    }
    s_limits[scope] = (s_limit_t){true, rate, burst};
    return 0;
}

/* Drops the buckets that are full again (mutex held). */
static void s_sweep(double now)
{
    for (size_t i = 0; i < S_SLOTS; i++) {
        for (s_bucket_t **p = &s_slots[i]; *p;) {
            s_bucket_t *b = *p;
            const s_limit_t *l = &s_limits[b->scope];
            if (b->tokens + (now - b->at) * l->rate >= l->burst) {
                *p = b->next;
                free(b);
                s_count--;
            } else {
                p = &b->next;
            }
        }
    }
}

bool ah_rate_take(const ah_auth_t *a, ah_reply_t *r)
{
    const s_limit_t *l = &s_limits[a->scope];
    if (!l->set) return true;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    size_t slot = (size_t)(ah_fnv64(a->key, strlen(a->key)) % S_SLOTS);
    pthread_mutex_lock(&s_mu);
    s_bucket_t *b = s_slots[slot];
    while (b && strcmp(b->key, a->key) != 0)
        b = b->next;
    if (!b) {
        if (s_count >= S_MAX_BUCKETS) s_sweep(now);
        size_t kl = strlen(a->key) + 1;
        b = malloc(sizeof *b + kl);
        if (!b) { /* no memory for a bucket: let the request through rather than refuse it */
            pthread_mutex_unlock(&s_mu);
            return true;
        }
        memcpy(b->key, a->key, kl);
        b->tokens = l->burst;
        b->at = now;
        b->scope = a->scope;
        b->next = s_slots[slot];
        s_slots[slot] = b;
        s_count++;
    }
    b->tokens = fmin(l->burst, b->tokens + (now - b->at) * l->rate);
    b->at = now;
    bool ok = b->tokens >= 1;
    if (ok) b->tokens -= 1;
    double wait = ok ? 0 : (1 - b->tokens) / l->rate;
    pthread_mutex_unlock(&s_mu);
    if (!ok) {
        ah_error(r, 429, "rate_limited",
                 "this %s token made more than %g requests a second (burst %g): retry in %.2f s",
                 ah_scope_name(a->scope), l->rate, l->burst, wait);
        r->retry_s = (unsigned)ceil(wait);
    }
    return ok;
}

void ah_rate_free(void)
{
    for (size_t i = 0; i < S_SLOTS; i++) {
        while (s_slots[i]) {
            s_bucket_t *b = s_slots[i];
            s_slots[i] = b->next;
            free(b);
        }
    }
    s_count = 0;
}
