/* local.c — the local scorer (assay.h): the method `score` answered in the caller's thread from
 * the tables assayd publishes in DATA/tables/ (engine/store/lmdb/published.h), with the engine's
 * own code (as_score_call, engine/scoring/score_call.c), so the result is the engine's bytes.
 *
 * LMDB forbids opening one environment twice in a process, so the handles of one directory share
 * one read-only environment (a list under a mutex, counted); each handle has its own read
 * transaction (MDB_NOTLS: any thread), renewed for each call, so a call sees the tables as last
 * committed, and reset after it. The engine may grow the map: a reader that finds it grown
 * (MDB_MAP_RESIZED) takes the new size while no handle of the process is inside a call. */
#include "assay.h"

#include "published.h"
#include "table.h"

#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct s_env {
    struct s_env *next;
    char path[PATH_MAX];
    MDB_env *env;
    MDB_dbi dbi;
    int refs;
    pthread_rwlock_t calls; /* calls share it; a change of the map size takes it alone */
} s_env_t;

static pthread_mutex_t s_envs_lock = PTHREAD_MUTEX_INITIALIZER;
static s_env_t *s_envs;

struct as_local {
    s_env_t *env;
    MDB_txn *txn; /* reset between calls */
    as_scorer_t *scorer;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    as_code_t code;
    as_err_t err;
};

__attribute__((format(printf, 3, 4))) static void s_why(char *why, size_t n, const char *fmt, ...)
{
    if (!why || !n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, n, fmt, ap);
    va_end(ap);
}

/* The shared environment of path (a canonical DATA/tables), opened on first use. */
static s_env_t *s_env_get(const char *path, char *why, size_t why_n)
{
    s_env_t *e;
    for (e = s_envs; e; e = e->next)
        if (!strcmp(e->path, path)) {
            e->refs++;
            return e;
        }
    if (!(e = calloc(1, sizeof *e))) {
        s_why(why, why_n, "out of memory");
        return NULL;
    }
    snprintf(e->path, sizeof e->path, "%s", path);
    MDB_txn *txn = NULL;
    int rc = mdb_env_create(&e->env);
    if (!rc) rc = mdb_env_open(e->env, path, MDB_RDONLY | MDB_NOTLS | MDB_NORDAHEAD, 0);
    if (!rc) rc = mdb_txn_begin(e->env, NULL, MDB_RDONLY, &txn);
    if (!rc) rc = mdb_dbi_open(txn, NULL, 0, &e->dbi);
    if (!rc)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    if (rc) {
        s_why(why, why_n, "cannot read the published tables in %s: %s", path,
              rc > 0 ? strerror(rc) : mdb_strerror(rc));
        if (e->env) mdb_env_close(e->env);
        free(e);
        errno = rc > 0 ? rc : EIO;
        return NULL;
    }
    pthread_rwlock_init(&e->calls, NULL);
    e->refs = 1;
    e->next = s_envs;
    s_envs = e;
    return e;
}

static void s_env_put(s_env_t *e)
{
    if (--e->refs) return;
    for (s_env_t **p = &s_envs; *p; p = &(*p)->next)
        if (*p == e) {
            *p = e->next;
            break;
        }
    mdb_env_close(e->env);
    pthread_rwlock_destroy(&e->calls);
    free(e);
}

int as_local_open(as_local_t **out, const char *dir, char *why, size_t why_n)
{
    if (why && why_n) why[0] = '\0';
    if (!out || !dir || !dir[0]) return ASSAY_EINVAL;
    *out = NULL;
    char given[PATH_MAX + 16], path[PATH_MAX];
    snprintf(given, sizeof given, "%s/%s", dir, AS_PUBLISHED_DIR);
    if (!realpath(given, path)) {
        s_why(why, why_n,
              "no published tables at %s: %s (is it an assay data directory, and may "
              "this user read it?)",
              given, strerror(errno));
        return ASSAY_ESYS;
    }
    as_local_t *self = calloc(1, sizeof *self);
    if (!self || !(self->scorer = as_scorer_new())) {
        free(self);
        return ASSAY_ENOMEM;
    }
    msgpack_sbuffer_init(&self->sb);
    msgpack_packer_init(&self->pk, &self->sb, msgpack_sbuffer_write);
    pthread_mutex_lock(&s_envs_lock);
    self->env = s_env_get(path, why, why_n);
    int rc = self->env ? mdb_txn_begin(self->env->env, NULL, MDB_RDONLY, &self->txn) : -1;
    if (rc > 0 || rc < -1) {
        s_why(why, why_n, "cannot read the published tables in %s: %s", path, mdb_strerror(rc));
        errno = rc > 0 ? rc : EIO;
    }
    if (!rc)
        mdb_txn_reset(self->txn);
    else if (self->env)
        s_env_put(self->env);
    pthread_mutex_unlock(&s_envs_lock);
    if (rc) {
        as_scorer_destroy(&self->scorer);
        msgpack_sbuffer_destroy(&self->sb);
        free(self);
        return ASSAY_ESYS;
    }
    *out = self;
    return ASSAY_OK;
}

void as_local_close(as_local_t **self_p)
{
    if (!self_p || !*self_p) return;
    as_local_t *self = *self_p;
    mdb_txn_abort(self->txn);
    pthread_mutex_lock(&s_envs_lock);
    s_env_put(self->env);
    pthread_mutex_unlock(&s_envs_lock);
    as_scorer_destroy(&self->scorer);
    msgpack_sbuffer_destroy(&self->sb);
    free(self);
    *self_p = NULL;
}

/* The table of (id, len) in the call's read transaction, as the engine finds it. */
static as_code_t s_table(void *arg, const char *id, uint32_t len, as_table_t *t, as_err_t *err)
{
    as_local_t *self = arg;
    MDB_val k = {len, (void *)id}, v;
    int rc = mdb_get(self->txn, self->env->dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "assessment \"%.*s\" not found", (int)len, id);
    if (rc) return as_err_set(err, AS_INTERNAL, "read: %s", mdb_strerror(rc));
    return as_table_open(v.mv_data, v.mv_size, t, err);
}

/* Renews the call's read transaction and takes the calls lock for reading (released by the
 * caller after the call; on failure not held). After the engine grew the map, takes its new size
 * first, while no handle of the process is inside a call. */
static int s_begin(as_local_t *self)
{
    s_env_t *e = self->env;
    pthread_rwlock_rdlock(&e->calls);
    int rc = mdb_txn_renew(self->txn);
    if (!rc) return 0;
    pthread_rwlock_unlock(&e->calls);
    if (rc != MDB_MAP_RESIZED) return rc;
    pthread_rwlock_wrlock(&e->calls);
    mdb_txn_abort(self->txn);
    self->txn = NULL;
    rc = mdb_env_set_mapsize(e->env, 0);
    if (!rc) rc = mdb_txn_begin(e->env, NULL, MDB_RDONLY, &self->txn);
    if (!rc) mdb_txn_reset(self->txn);
    pthread_rwlock_unlock(&e->calls);
    if (rc) return rc;
    pthread_rwlock_rdlock(&e->calls);
    if (!(rc = mdb_txn_renew(self->txn))) return 0;
    pthread_rwlock_unlock(&e->calls);
    return rc;
}

int as_local_score(as_local_t *self, const void *params, size_t len, const void **result,
                   size_t *result_len)
{
    if (!self || !result || !result_len || (!params && len)) return ASSAY_EINVAL;
    if (!self->txn) return ASSAY_ESYS; /* a failed resize left no transaction */
    static const uint8_t empty_map = 0x80;
    if (!len) params = &empty_map, len = 1;
    *result = NULL;
    *result_len = 0;
    msgpack_sbuffer_clear(&self->sb);
    int rc = s_begin(self);
    if (rc) {
        self->code = as_err_set(&self->err, AS_INTERNAL, "read transaction: %s", mdb_strerror(rc));
        return ASSAY_EREPLY;
    }
    as_mp_t p = {params, (const uint8_t *)params + len};
    self->code = as_score_call(self->scorer, p, s_table, self, &self->pk, &self->err);
    mdb_txn_reset(self->txn);
    pthread_rwlock_unlock(&self->env->calls);
    if (self->code) {
        msgpack_sbuffer_clear(&self->sb);
        return ASSAY_EREPLY;
    }
    *result = self->sb.data;
    *result_len = self->sb.size;
    return ASSAY_OK;
}

const char *as_local_code(const as_local_t *self)
{
    return self && self->code ? as_code_name(self->code) : NULL;
}

const char *as_local_message(const as_local_t *self)
{
    return self && self->code ? self->err.msg : NULL;
}
