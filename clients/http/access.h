/* access.h — who may call what (access.c, ratelimit.c, cors.c).
 *
 * Every route but GET /v1/health and the dashboard's files needs a bearer token. Static tokens
 * come from --tokens FILE (lines "SCOPE TOKEN") and --admin-token-file (an admin token); each has
 * one scope: admin (everything), app (everything but admin routes), read (GET routes). Learner
 * tokens are JWTs (HS256, --jwt-secret-file) whose `sub` is the learner id: they reach only that
 * learner's submissions, attempts, responses, mastery and notifications. A JWT with `"role":
 * "rater"` is a rater's, `sub` the rater id: it reads assessments and responses' answers, puts
 * grades as its own rater and lists its own grades, nothing else.
 */
#ifndef AH_ACCESS_H
#define AH_ACCESS_H

#include "http.h"
#include "route_table.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    AH_SCOPE_NONE,
    AH_SCOPE_READ,
    AH_SCOPE_APP,
    AH_SCOPE_ADMIN,
    AH_SCOPE_LEARNER,
    AH_SCOPE_RATER, /* (not wider than the others: checked by route, as a learner's) */
    AH_NSCOPES
} ah_scope_t;

#define AH_MAX_LEARNER 128

/* A request's caller, once authenticated. */
typedef struct ah_auth {
    ah_scope_t scope;
    char sub[AH_MAX_LEARNER + 1];  /* AH_SCOPE_LEARNER, AH_SCOPE_RATER: the token's sub (the
                                      learner, the rater) */
    char key[AH_MAX_LEARNER + 24]; /* the rate limiter's key for this caller */
} ah_auth_t;

/* Why a request was refused, for /metrics. */
typedef enum {
    AH_REFUSED_NO_TOKEN,
    AH_REFUSED_BAD_TOKEN,
    AH_REFUSED_EXPIRED,
    AH_REFUSED_SCOPE,
    AH_REFUSED_LEARNER,
    AH_REFUSED_RATE,
    AH_NREFUSED
} ah_refused_t;

const char *ah_scope_name(ah_scope_t s);
/* "admin", "app", "read", "learner", "rater" -> the scope; AH_SCOPE_NONE otherwise. */
ah_scope_t ah_scope_parse(const char *name, size_t len);

/* Loads the token sources given on the command line (each may be NULL). -1 with a message in
 * err (the option and what is wrong) when one cannot be used. */
int ah_access_init(const char *tokens_file, const char *admin_token_file, const char *jwt_file,
                   char *err, size_t n);
/* Parses a token file's text: the number of tokens, or -1 with the line and problem in err.
 * (What --tokens reads; a fuzz target's entry point.) */
int ah_access_parse_tokens(const char *text, size_t len, char *err, size_t n);
/* Sets the learner tokens' secret (what --jwt-secret-file gives): -1 when not 32..4096 bytes. */
int ah_access_set_secret(const void *secret, size_t len);
/* A learner's or a rater's token (a JWT): HS256 with the secret, exp in the future, a sub of
 * 1..128 bytes, a role (optional) of "learner" or "rater". true with a filled; false with r set
 * to 401 and *why. */
bool ah_learner_token(const char *tok, ah_auth_t *a, ah_reply_t *r, ah_refused_t *why);

/* Whether any token can be valid (else every protected route answers 401 saying so). */
bool ah_access_configured(void);
void ah_access_free(void);

/* The caller of request c: its bearer token (or, with query_token, ?access_token= for
 * EventSource, which cannot send headers). false with r set to 401 and *why when there is no
 * valid token. Re-reads --tokens FILE when it changed (checked at most once a second). */
bool ah_authenticate(struct MHD_Connection *c, bool query_token, ah_auth_t *a, ah_reply_t *r,
                     ah_refused_t *why);

/* Whether the caller's scope reaches the route (learners: the routes that name their own
 * records; what they may name is checked with the params). false with r set to 403. */
bool ah_access_allows(const ah_auth_t *a, const ah_route_t *rt, ah_reply_t *r);

/* Whether the route is open without a token (health, the dashboard's files). */
bool ah_route_public(const ah_route_t *rt);

/* ---- rate limits (ratelimit.c): a token bucket per caller ---- */
/* Parses --rate-limit SCOPE=RATE[/BURST]; -1 with a message in err. */
int ah_rate_parse(const char *spec, char *err, size_t n);
/* Takes one request from the caller's bucket; false with r set to 429 (Retry-After: whole
 * seconds until one is there) when it is empty. Scopes without a limit always pass. */
bool ah_rate_take(const ah_auth_t *a, ah_reply_t *r);
void ah_rate_free(void);

/* ---- CORS (cors.c) ---- */
/* Adds --cors-origin ORIGIN ("*": any); -1 with a message in err. */
int ah_cors_add(const char *origin, char *err, size_t n);
/* The CORS headers for the request's Origin, when it is allowed. */
void ah_cors_headers(struct MHD_Connection *c, struct MHD_Response *resp);
/* Answers a preflight (OPTIONS with Access-Control-Request-Method). */
enum MHD_Result ah_cors_preflight(struct MHD_Connection *c, const char *allow);

/* ---- metrics ---- */
void ah_metrics_refused(ah_refused_t why, ah_scope_t scope);

#endif
