/* access.c — bearer tokens: the token file and the admin token (static tokens with a scope), JWT
 * learner tokens (libjwt, HS256), and which scope reaches which route (access.h).
 *
 * Static tokens are compared in constant time: every stored token is compared in full, whatever
 * the given one, so the time does not tell how much of a token matched. The token file is read
 * again when it changes (its inode, size or mtime; checked at most once a second, by the first
 * request after that second): a file that cannot be used then leaves the previous tokens in
 * force and says why on stderr.
 */
#include "access.h"

#include <errno.h>
#include <jansson.h>
#include <jwt.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define S_MAX_TOKEN  255
#define S_MIN_TOKEN  16
#define S_MAX_TOKENS 4096
#define S_MIN_SECRET 32
#define S_MAX_SECRET 4096
#define S_MAX_FILE   (4 << 20) /* the token file: 4096 tokens of 255 characters fit */

typedef struct {
    ah_scope_t scope;
    size_t len;
    char token[S_MAX_TOKEN + 1];
} s_token_t;

typedef struct {
    s_token_t *t;
    size_t n;
} s_set_t;

static pthread_rwlock_t s_lock = PTHREAD_RWLOCK_INITIALIZER;
static s_set_t s_file;      /* --tokens FILE */
static s_token_t s_admin;   /* --admin-token-file (len 0: none) */
static char *s_tokens_path; /* NULL: no --tokens */
static struct stat s_seen;  /* the token file as last read (or refused); under s_reload_mu */
static pthread_mutex_t s_reload_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_llong s_checked; /* when it was last checked (monotonic seconds) */
static unsigned char *s_secret;
static size_t s_secret_len;

static const char *const s_names[AH_NSCOPES] = {"none", "read", "app", "admin", "learner", "rater"};

const char *ah_scope_name(ah_scope_t s)
{
    return s < AH_NSCOPES ? s_names[s] : "none";
}

ah_scope_t ah_scope_parse(const char *name, size_t len)
{
    for (int i = AH_SCOPE_READ; i < AH_NSCOPES; i++)
        if (strlen(s_names[i]) == len && memcmp(s_names[i], name, len) == 0) return (ah_scope_t)i;
    return AH_SCOPE_NONE;
}

/* Opens a file holding a secret: refused when others than its owner may read or write it. */
static FILE *s_open_secret(const char *opt, const char *path, struct stat *st, char *err, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, n, "%s %s: %s", opt, path, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), st) || !S_ISREG(st->st_mode)) {
        snprintf(err, n, "%s %s: not a regular file", opt, path);
        fclose(f);
        return NULL;
    }
    if (st->st_mode & (S_IRWXG | S_IRWXO)) {
        snprintf(err, n,
                 "%s %s: group or others may read or write it (mode %04o): it holds secrets, "
                 "chmod 600 it",
                 opt, path, (unsigned)(st->st_mode & 07777));
        fclose(f);
        return NULL;
    }
    return f;
}

/* A token's characters: printable ASCII without spaces; S_MIN_TOKEN..S_MAX_TOKEN of them. */
static const char *s_token_problem(const char *t, size_t len)
{
    if (len < S_MIN_TOKEN) return "a token must be at least 16 characters";
    if (len > S_MAX_TOKEN) return "a token must be at most 255 characters";
    for (size_t i = 0; i < len; i++)
        if (t[i] <= ' ' || t[i] > '~') return "a token is printable ASCII without spaces";
    return NULL;
}

/* Parses "SCOPE TOKEN" lines ('#' comments, blank lines) of text into *set; errors name `name`
 * and the line. */
static int s_parse_tokens(const char *text, size_t len, const char *name, s_set_t *set, char *err,
                          size_t n)
{
    s_set_t out = {calloc(S_MAX_TOKENS, sizeof(s_token_t)), 0};
    if (!out.t) {
        snprintf(err, n, "--tokens %s: out of memory", name);
        return -1;
    }
    char line[1024];
    int no = 0;
    for (size_t at = 0; at < len;) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t ll = nl ? (size_t)(nl - (text + at)) : len - at;
        no++;
        const char *problem = NULL;
        if (ll >= sizeof line) {
            snprintf(err, n, "--tokens %s:%d: the line is longer than %zu bytes", name, no,
                     sizeof line - 1);
            free(out.t);
            return -1;
        }
        memcpy(line, text + at, ll);
        line[ll] = '\0';
        at += ll + 1;
        if (ll && line[ll - 1] == '\r') line[ll - 1] = '\0';
        if (memchr(line, 0, ll)) problem = "a NUL byte in the line";
        char *p = line + strspn(line, " \t");
        if (!problem && (!*p || *p == '#')) continue;
        size_t sl = strcspn(p, " \t");
        char *tok = p + sl + strspn(p + sl, " \t");
        size_t tl = strcspn(tok, " \t");
        ah_scope_t scope = ah_scope_parse(p, sl);
        if (problem)
            ;
        else if (!*tok || tok[tl + strspn(tok + tl, " \t")])
            problem = "expected SCOPE TOKEN (two fields)";
        else if (scope == AH_SCOPE_NONE || scope == AH_SCOPE_LEARNER || scope == AH_SCOPE_RATER)
            problem = "the scope is admin, app or read (learner and rater tokens are JWTs)";
        else
            problem = s_token_problem(tok, tl);
        for (size_t i = 0; !problem && i < out.n; i++)
            if (out.t[i].len == tl && memcmp(out.t[i].token, tok, tl) == 0)
                problem = "the same token is on an earlier line";
        if (!problem && out.n == S_MAX_TOKENS) problem = "more than 4096 tokens";
        if (problem) {
            snprintf(err, n, "--tokens %s:%d: %s", name, no, problem);
            free(out.t);
            return -1;
        }
        s_token_t *t = &out.t[out.n++];
        t->scope = scope;
        t->len = tl;
        memcpy(t->token, tok, tl);
    }
    *set = out;
    return 0;
}

int ah_access_parse_tokens(const char *text, size_t len, char *err, size_t n)
{
    s_set_t set;
    if (s_parse_tokens(text, len, "(text)", &set, err, n)) return -1;
    free(set.t);
    return (int)set.n;
}

/* Reads the token file into *set (at most S_MAX_FILE bytes). */
static int s_read_tokens(const char *path, s_set_t *set, struct stat *st, char *err, size_t n)
{
    FILE *f = s_open_secret("--tokens", path, st, err, n);
    if (!f) return -1;
    char *text = malloc(S_MAX_FILE + 1);
    size_t len = text ? fread(text, 1, S_MAX_FILE + 1, f) : 0;
    fclose(f);
    int rc = -1;
    if (!text)
        snprintf(err, n, "--tokens %s: out of memory", path);
    else if (len > S_MAX_FILE)
        snprintf(err, n, "--tokens %s: larger than %d bytes", path, S_MAX_FILE);
    else
        rc = s_parse_tokens(text, len, path, set, err, n);
    free(text);
    return rc;
}

int ah_access_init(const char *tokens_file, const char *admin_token_file, const char *jwt_file,
                   char *err, size_t n)
{
    struct stat st;
    if (admin_token_file) {
        FILE *f = s_open_secret("--admin-token-file", admin_token_file, &st, err, n);
        if (!f) return -1;
        char line[S_MAX_TOKEN + 3] = "";
        if (!fgets(line, sizeof line, f)) line[0] = '\0';
        fclose(f);
        size_t len = strcspn(line, "\r\n");
        const char *problem = s_token_problem(line, len);
        if (problem) {
            snprintf(err, n, "--admin-token-file %s: %s, on the first line", admin_token_file,
                     problem);
            return -1;
        }
        s_admin = (s_token_t){.scope = AH_SCOPE_ADMIN, .len = len};
        memcpy(s_admin.token, line, len);
    }
    if (tokens_file) {
        if (s_read_tokens(tokens_file, &s_file, &s_seen, err, n)) return -1;
        s_tokens_path = strdup(tokens_file);
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        s_checked = (long long)now.tv_sec;
    }
    if (jwt_file) {
        FILE *f = s_open_secret("--jwt-secret-file", jwt_file, &st, err, n);
        if (!f) return -1;
        static char secret[S_MAX_SECRET + 1];
        size_t len = fread(secret, 1, sizeof secret, f);
        fclose(f);
        while (len && (secret[len - 1] == '\n' || secret[len - 1] == '\r'))
            len--;
        int rc = ah_access_set_secret(secret, len);
        memset(secret, 0, sizeof secret);
        if (rc) {
            snprintf(err, n,
                     "--jwt-secret-file %s: the secret must be 32 to 4096 bytes (HS256 needs at "
                     "least 256 bits), found %zu",
                     jwt_file, len);
            return -1;
        }
    }
    return 0;
}

static void s_verified_free(void);

int ah_access_set_secret(const void *secret, size_t len)
{
    if (len < S_MIN_SECRET || len > S_MAX_SECRET) return -1;
    unsigned char *copy = malloc(len);
    if (!copy) return -1;
    memcpy(copy, secret, len);
    free(s_secret);
    s_secret = copy;
    s_secret_len = len;
    s_verified_free(); /* verified with the previous secret */
    return 0;
}

bool ah_access_configured(void)
{
    pthread_rwlock_rdlock(&s_lock);
    bool any = s_admin.len || s_file.n || s_secret_len;
    pthread_rwlock_unlock(&s_lock);
    return any;
}

void ah_access_free(void)
{
    free(s_file.t);
    s_file = (s_set_t){0};
    free(s_tokens_path);
    s_tokens_path = NULL;
    free(s_secret);
    s_secret = NULL;
    s_verified_free();
}

/* Reads the token file again when it changed since it was last read. */
static void s_maybe_reload(void)
{
    if (!s_tokens_path) return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long last = atomic_load(&s_checked);
    if ((long long)now.tv_sec - last < 1 ||
        !atomic_compare_exchange_strong(&s_checked, &last, (long long)now.tv_sec))
        return; /* checked within the second, or another thread is checking */
    if (pthread_mutex_trylock(&s_reload_mu)) return; /* a slow read of the last second's */
    struct stat st;
    if (stat(s_tokens_path, &st) == 0 && /* gone: the tokens read last stay */
        !(st.st_ino == s_seen.st_ino && st.st_size == s_seen.st_size &&
          st.st_mtim.tv_sec == s_seen.st_mtim.tv_sec &&
          st.st_mtim.tv_nsec == s_seen.st_mtim.tv_nsec)) {
        s_set_t fresh;
        char err[512];
        if (s_read_tokens(s_tokens_path, &fresh, &st, err, sizeof err)) {
            fprintf(stderr, "assay-http: %s (the previous tokens stay in force)\n", err);
        } else {
            pthread_rwlock_wrlock(&s_lock);
            s_set_t old = s_file;
            s_file = fresh;
            pthread_rwlock_unlock(&s_lock);
            free(old.t);
            fprintf(stderr, "assay-http: --tokens %s read again: %zu token(s)\n", s_tokens_path,
                    fresh.n);
        }
        s_seen = st;
    }
    pthread_mutex_unlock(&s_reload_mu);
}

/* Constant time in the secret: all of the stored secret is compared whatever the given bytes
 * are; true when they are equal. */
static bool s_equal_ct(const char *secret, size_t sl, const char *g, size_t gl)
{
    unsigned char diff = sl != gl;
    for (size_t i = 0; i < sl; i++)
        diff |= (unsigned char)(secret[i] ^ (i < gl ? g[i] : 0));
    return diff == 0;
}

static bool s_same(const s_token_t *t, const char *g, size_t gl)
{
    return s_equal_ct(t->token, t->len, g, gl);
}

/* base64url without padding into out (at most cap bytes); -1 when it is not. */
static long s_b64url(const char *in, size_t len, unsigned char *out, size_t cap)
{
    unsigned v = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = in[i];
        int d = ch >= 'A' && ch <= 'Z'   ? ch - 'A'
                : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
                : ch >= '0' && ch <= '9' ? ch - '0' + 52
                : ch == '-'              ? 62
                : ch == '_'              ? 63
                                         : -1;
        if (d < 0) return -1;
        v = (v << 6) | (unsigned)d;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap) return -1;
            out[o++] = (unsigned char)(v >> bits);
        }
    }
    return (long)o;
}

static bool s_unauthorized(ah_reply_t *r, ah_refused_t *why, ah_refused_t reason, const char *msg,
                           const char *detail)
{
    ah_error(r, 401, "unauthorized", "%s%s", msg, detail ? detail : "");
    r->www_auth = reason == AH_REFUSED_NO_TOKEN ? "Bearer realm=\"assay\""
                                                : "Bearer realm=\"assay\", error=\"invalid_token\"";
    *why = reason;
    return false;
}

/* ---- learner tokens verified already ----
 * Verifying a JWT (libjwt: base64, two JSON parses, an HMAC through OpenSSL) costs about 5 us and
 * a dozen allocations; a browser sends the same token with every request until it expires. So a
 * token that verified is kept (by its hash, in one of S_JWT_CACHE slots, with its learner and
 * exp): the next request with the same token, compared in full and in constant time, skips the
 * verification while exp is ahead. Only tokens that verified are kept, and exp is checked at
 * every use. */
#define S_JWT_CACHE   1024
#define S_JWT_MAX_LEN 2048

typedef struct {
    char *tok; /* NULL: empty */
    size_t len;
    long exp;
    ah_scope_t scope; /* AH_SCOPE_LEARNER or AH_SCOPE_RATER */
    char sub[AH_MAX_LEARNER + 1];
} s_verified_t;

static s_verified_t s_verified[S_JWT_CACHE];
static pthread_mutex_t s_verified_mu = PTHREAD_MUTEX_INITIALIZER;

/* The caller is learner or rater `sub` (its rate limiter's key too). */
static void s_as_sub(ah_auth_t *a, ah_scope_t scope, const char *sub)
{
    a->scope = scope;
    snprintf(a->sub, sizeof a->sub, "%s", sub);
    snprintf(a->key, sizeof a->key, "%s:%s", s_names[scope], sub);
}

static bool s_verified_get(const char *tok, size_t len, ah_auth_t *a)
{
    size_t slot = (size_t)(ah_fnv64(tok, len) % S_JWT_CACHE);
    bool hit = false;
    pthread_mutex_lock(&s_verified_mu);
    const s_verified_t *v = &s_verified[slot];
    if (v->tok && v->exp > time(NULL)) {
        if (s_equal_ct(v->tok, v->len, tok, len)) {
            s_as_sub(a, v->scope, v->sub);
            hit = true;
        }
    }
    pthread_mutex_unlock(&s_verified_mu);
    return hit;
}

static void s_verified_put(const char *tok, size_t len, long exp, ah_scope_t scope, const char *sub)
{
    if (len > S_JWT_MAX_LEN) return;
    char *copy = malloc(len);
    if (!copy) return;
    memcpy(copy, tok, len);
    size_t slot = (size_t)(ah_fnv64(tok, len) % S_JWT_CACHE);
    pthread_mutex_lock(&s_verified_mu);
    s_verified_t *v = &s_verified[slot];
    char *old = v->tok;
    v->tok = copy;
    v->len = len;
    v->exp = exp;
    v->scope = scope;
    snprintf(v->sub, sizeof v->sub, "%s", sub);
    pthread_mutex_unlock(&s_verified_mu);
    free(old);
}

static void s_verified_free(void)
{
    for (size_t i = 0; i < S_JWT_CACHE; i++) {
        free(s_verified[i].tok);
        s_verified[i].tok = NULL;
    }
}

/* A NumericDate claim: 1 with *at set when it is a finite number, 0 when absent, -1 when it is
 * any other type. */
static int s_numeric_date(const json_t *claims, const char *name, double *at)
{
    const json_t *v = json_object_get(claims, name);
    if (!v) return 0;
    if (!json_is_number(v)) return -1;
    *at = json_number_value(v);
    return isfinite(*at) && *at > -1e15 && *at < 1e15 ? 1 : -1;
}

bool ah_learner_token(const char *tok, ah_auth_t *a, ah_reply_t *r, ah_refused_t *why)
{
    size_t tok_len = strlen(tok);
    if (s_verified_get(tok, tok_len, a)) return true;
    /* the header's alg first, to say precisely why a token is refused */
    size_t hl = strcspn(tok, ".");
    unsigned char hdr[512];
    long n = s_b64url(tok, hl, hdr, sizeof hdr - 1);
    json_t *h = n > 0 ? json_loadb((const char *)hdr, (size_t)n, 0, NULL) : NULL;
    const char *alg = json_string_value(json_object_get(h, "alg"));
    char algbuf[32];
    snprintf(algbuf, sizeof algbuf, "%s", alg ? alg : "");
    bool crit = json_object_get(h, "crit") != NULL;
    json_decref(h);
    if (!alg)
        return s_unauthorized(r, why, AH_REFUSED_BAD_TOKEN,
                              "the bearer token is not a known token nor a JWT", NULL);
    if (crit) /* RFC 7515 4.1.11: extensions it names must be understood; none is here */
        return s_unauthorized(r, why, AH_REFUSED_BAD_TOKEN,
                              "the learner token's header has crit: no JWT extension is "
                              "understood here",
                              NULL);
    if (strcmp(algbuf, "HS256") != 0) {
        char msg[96];
        snprintf(msg, sizeof msg, "the learner token's alg is \"%s\": only HS256 is accepted",
                 algbuf);
        return s_unauthorized(r, why, AH_REFUSED_BAD_TOKEN, msg, NULL);
    }
    jwt_t *j = NULL;
    if (jwt_decode(&j, tok, s_secret, (int)s_secret_len) || !j || jwt_get_alg(j) != JWT_ALG_HS256) {
        jwt_free(j);
        return s_unauthorized(r, why, AH_REFUSED_BAD_TOKEN,
                              "the learner token's signature does not verify with "
                              "--jwt-secret-file's secret (or it is malformed)",
                              NULL);
    }
    bool ok = false;
    /* exp and nbf are NumericDates (RFC 7519 2): a number, integer or not; any other type is
     * refused, never taken for an absent claim */
    char *claims_text = jwt_get_grants_json(j, NULL);
    json_t *claims = claims_text ? json_loads(claims_text, 0, NULL) : NULL;
    free(claims_text);
    double exp_at = 0, nbf_at = 0;
    int has_exp = s_numeric_date(claims, "exp", &exp_at);
    int has_nbf = s_numeric_date(claims, "nbf", &nbf_at);
    json_decref(claims);
    long exp = (long)exp_at; /* |exp_at| < 1e15: in range */
    const char *sub = jwt_get_grant(j, "sub"), *role = jwt_get_grant(j, "role");
    ah_scope_t scope = !role || strcmp(role, "learner") == 0 ? AH_SCOPE_LEARNER
                       : strcmp(role, "rater") == 0          ? AH_SCOPE_RATER
                                                             : AH_SCOPE_NONE;
    double now = (double)time(NULL);
    size_t sl = sub ? strlen(sub) : 0;
    bool sub_ok = sl >= 1 && sl <= AH_MAX_LEARNER;
    for (size_t i = 0; sub_ok && i < sl; i++)
        sub_ok = (unsigned char)sub[i] >= 0x20 && sub[i] != 0x7f;
    if (has_exp < 0 || has_nbf < 0) {
        s_unauthorized(r, why, AH_REFUSED_BAD_TOKEN,
                       has_exp < 0 ? "the learner token's exp is not a number (a NumericDate)"
                                   : "the learner token's nbf is not a number (a NumericDate)",
                       NULL);
    } else if (!has_exp) {
        s_unauthorized(r, why, AH_REFUSED_BAD_TOKEN,
                       "the learner token has no exp (an expiry is required)", NULL);
    } else if (exp_at <= now) {
        char when[40];
        time_t t = (time_t)exp;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        s_unauthorized(r, why, AH_REFUSED_EXPIRED, "the learner token expired at ", when);
    } else if (has_nbf && nbf_at > now) {
        s_unauthorized(r, why, AH_REFUSED_BAD_TOKEN, "the learner token is not valid yet (nbf)",
                       NULL);
    } else if (scope == AH_SCOPE_NONE) {
        s_unauthorized(r, why, AH_REFUSED_BAD_TOKEN,
                       "the token's role must be \"learner\" (the default) or \"rater\"", NULL);
    } else if (!sub_ok) {
        s_unauthorized(r, why, AH_REFUSED_BAD_TOKEN,
                       "the learner token's sub (the learner id) must be 1 to 128 bytes without "
                       "control characters",
                       NULL);
    } else {
        s_as_sub(a, scope, sub);
        ok = true;
        if (!has_nbf) /* nbf tokens: verified each time */
            s_verified_put(tok, tok_len, exp, scope, sub);
    }
    jwt_free(j);
    return ok;
}

bool ah_authenticate(struct MHD_Connection *c, bool query_token, ah_auth_t *a, ah_reply_t *r,
                     ah_refused_t *why)
{
    *a = (ah_auth_t){0};
    s_maybe_reload();
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *tok = NULL;
    if (h && strncmp(h, "Bearer ", 7) == 0) tok = h + 7;
    if (!tok && query_token)
        tok = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "access_token");
    if (!tok || !*tok) {
        if (!ah_access_configured())
            return s_unauthorized(r, why, AH_REFUSED_NO_TOKEN,
                                  "no tokens are configured: start assay-http with --tokens FILE "
                                  "(or --admin-token-file, --jwt-secret-file)",
                                  NULL);
        return s_unauthorized(r, why, AH_REFUSED_NO_TOKEN,
                              h ? "the Authorization header is not 'Bearer <token>'"
                                : "this route needs a token: Authorization: Bearer <token>",
                              query_token && !h ? " (or ?access_token=<token>)" : NULL);
    }
    size_t tl = strlen(tok);
    ah_scope_t found = AH_SCOPE_NONE;
    pthread_rwlock_rdlock(&s_lock);
    for (size_t i = 0; i < s_file.n; i++)
        if (s_same(&s_file.t[i], tok, tl)) found = s_file.t[i].scope;
    pthread_rwlock_unlock(&s_lock);
    if (s_admin.len && s_same(&s_admin, tok, tl)) found = AH_SCOPE_ADMIN;
    if (found != AH_SCOPE_NONE) {
        a->scope = found;
        snprintf(a->key, sizeof a->key, "%s:%016llx", s_names[found],
                 (unsigned long long)ah_fnv64(tok, tl));
        return true;
    }
    if (s_secret_len && strchr(tok, '.')) return ah_learner_token(tok, a, r, why);
    return s_unauthorized(r, why, AH_REFUSED_BAD_TOKEN, "the bearer token is not a valid token",
                          NULL);
}

bool ah_route_public(const ah_route_t *rt)
{
    return rt->special == AH_HEALTH || rt->special == AH_PAGE;
}

bool ah_access_allows(const ah_auth_t *a, const ah_route_t *rt, ah_reply_t *r)
{
    if (a->scope == AH_SCOPE_LEARNER) {
        if (rt->learner != AH_L_NONE) return true;
        ah_error(r, 403, "forbidden",
                 "a learner token may not call %s %s: learners submit and run their own attempts, "
                 "and read their own responses, attempts, mastery and notifications",
                 rt->method, rt->pattern);
        return false;
    }
    if (a->scope == AH_SCOPE_RATER) {
        if (rt->rater != AH_R_NONE) return true;
        ah_error(r, 403, "forbidden",
                 "a rater token may not call %s %s: raters read assessments and responses, take "
                 "answers to grade, put their own grades and list them",
                 rt->method, rt->pattern);
        return false;
    }
    ah_scope_t needs = rt->admin                        ? AH_SCOPE_ADMIN
                       : strcmp(rt->method, "GET") == 0 ? AH_SCOPE_READ
                                                        : AH_SCOPE_APP;
    if (a->scope >= needs) return true;
    ah_error(r, 403, "forbidden", "%s %s needs %s %s token%s; this one's scope is %s", rt->method,
             rt->pattern, needs == AH_SCOPE_READ ? "a" : "an", s_names[needs],
             needs == AH_SCOPE_ADMIN ? "" : " (or a wider one)", s_names[a->scope]);
    return false;
}
