/* pg_follower.c — the local map of compiled tables kept current from the catalog (pg.h).
 *
 * One thread, one connection that LISTENs on assay_catalog. It reads the changes after the
 * position the map has applied (at most S_PAGE at a time, in catalog order) and writes each page
 * into the map in one LMDB transaction with the new position, so the map and its position never
 * disagree; then it waits for a notification, at most a second (a notification lost with a
 * connection is made up by the read a second later). A lost connection is retried with backoff
 * (100 ms doubling to 1 s); the map stays as it was meanwhile, and scoring reads it.
 */
#include "pg.h"
#include "pg_array.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_PAGE      500
#define S_PAGE_TEXT "500"
#define S_WAIT_MS   1000

struct as_pg_follower {
    char *conninfo;
    as_store_t *cache;
    pthread_t thread;
    bool started;
    int wake[2]; /* a pipe: stop wakes the thread's poll */
    pthread_mutex_t mu;
    pthread_cond_t applied_cv;
    uint64_t applied;
    bool checked; /* the map is known to copy this database (s_same_catalog) */
    bool stop;
};

static bool s_stopping(as_pg_follower_t *f)
{
    pthread_mutex_lock(&f->mu);
    bool stop = f->stop;
    pthread_mutex_unlock(&f->mu);
    return stop;
}

/* Waits up to ms for the connection's socket (or the stop pipe). */
static void s_wait(as_pg_follower_t *f, int fd, int ms)
{
    struct pollfd p[2] = {{.fd = f->wake[0], .events = POLLIN}, {.fd = fd, .events = POLLIN}};
    poll(p, fd >= 0 ? 2 : 1, ms);
}

/* Writes one page of changes (r: id, version, source, blob, catalog_seq) into the map. */
static as_code_t s_apply(as_pg_follower_t *f, PGresult *r, as_err_t *err)
{
    int n = PQntuples(r);
    for (int attempt = 0;; attempt++) {
        as_wtxn_t *txn;
        as_code_t rc = as_wtxn_begin(f->cache, &txn, err);
        if (rc) return rc;
        uint64_t last = 0;
        for (int i = 0; i < n && !rc; i++) {
            const char *id = PQgetvalue(r, i, 0);
            bool gone = PQgetisnull(r, i, 3);
            rc = as_store_cache_assessment(
                txn, id, (uint32_t)PQgetlength(r, i, 0), gone ? NULL : PQgetvalue(r, i, 2),
                gone ? 0 : (size_t)PQgetlength(r, i, 2), gone ? NULL : PQgetvalue(r, i, 3),
                gone ? 0 : (size_t)PQgetlength(r, i, 3), err);
            last = as_pg_get_int8(PQgetvalue(r, i, 4));
        }
        if (!rc) rc = as_store_cache_position_set(txn, last, err);
        if (rc) {
            as_wtxn_abort(&txn);
            if (as_store_full(f->cache) && attempt < 8 && !as_store_grow(f->cache, err)) continue;
            return rc;
        }
        if ((rc = as_wtxn_commit(&txn, err))) return rc;
        pthread_mutex_lock(&f->mu);
        f->applied = last;
        pthread_cond_broadcast(&f->applied_cv);
        pthread_mutex_unlock(&f->mu);
        return AS_OK;
    }
}

/* Reads and applies every change after the map's position; false when the connection failed. */
static bool s_catch_up(as_pg_follower_t *f, PGconn *c)
{
    for (;;) {
        char after[24];
        snprintf(after, sizeof after, "%llu", (unsigned long long)as_pg_follower_applied(f));
        const char *p[1] = {after};
        /* source and blob in binary (format 1): the bytes as stored */
        PGresult *r = PQexecParams(c,
                                   "SELECT id, version, source, blob, catalog_seq FROM assessments "
                                   "WHERE catalog_seq > $1 ORDER BY catalog_seq LIMIT " S_PAGE_TEXT,
                                   1, NULL, p, NULL, NULL, 1);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            PQclear(r);
            return false;
        }
        /* binary results: id is the text's bytes, catalog_seq an int8 in network order */
        int n = PQntuples(r);
        if (n == 0) {
            PQclear(r);
            return true;
        }
        as_err_t err;
        as_code_t rc = s_apply(f, r, &err);
        PQclear(r);
        if (rc) return false; /* (the map: tried again at the next round) */
        if (n < S_PAGE) return true;
    }
}

/* The map copies this database and is not ahead of it; else it is reset, to be rebuilt from
 * the start (a map of another database, or a database restored from an older backup). False
 * when that cannot be known now (no connection, no schema yet). */
static bool s_same_catalog(as_pg_follower_t *f, PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT (SELECT id FROM instance), "
                            "(SELECT value FROM counters WHERE name = 'catalog')");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        PQclear(r);
        return false;
    }
    char id[64], have[64];
    snprintf(id, sizeof id, "%s", PQgetvalue(r, 0, 0));
    uint64_t top = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
    PQclear(r);
    as_err_t err;
    if (as_store_cache_identity(f->cache, have, sizeof have, &err)) return false;
    if (strcmp(have, id) == 0 && as_pg_follower_applied(f) <= top) {
        pthread_mutex_lock(&f->mu);
        f->checked = true;
        pthread_cond_broadcast(&f->applied_cv); /* (a waiter for what is applied already) */
        pthread_mutex_unlock(&f->mu);
        return true;
    }
    as_wtxn_t *txn;
    if (as_wtxn_begin(f->cache, &txn, &err)) return false;
    if (as_store_cache_reset(txn, id, &err)) {
        as_wtxn_abort(&txn);
        return false;
    }
    if (as_wtxn_commit(&txn, &err)) return false;
    pthread_mutex_lock(&f->mu);
    f->applied = 0;
    f->checked = true;
    pthread_cond_broadcast(&f->applied_cv);
    pthread_mutex_unlock(&f->mu);
    return true;
}

static void *s_run(void *arg)
{
    as_pg_follower_t *f = arg;
    int backoff = AS_PG_BACKOFF_FIRST_MS;
    while (!s_stopping(f)) {
        as_err_t err;
        PGconn *c = as_pg_connect(f->conninfo, &err);
        if (!c || as_pg_exec(c, "LISTEN assay_catalog", PGRES_COMMAND_OK, "listen", &err) ||
            !s_same_catalog(f, c)) {
            PQfinish(c);
            s_wait(f, -1, backoff);
            backoff = backoff * 2 > AS_PG_BACKOFF_MAX_MS ? AS_PG_BACKOFF_MAX_MS : backoff * 2;
            continue;
        }
        backoff = AS_PG_BACKOFF_FIRST_MS;
        while (!s_stopping(f) && s_catch_up(f, c)) {
            s_wait(f, PQsocket(c), S_WAIT_MS);
            if (!PQconsumeInput(c)) break;
            PGnotify *n;
            while ((n = PQnotifies(c)))
                PQfreemem(n);
        }
        PQfinish(c);
    }
    return NULL;
}

as_code_t as_pg_follower_start(const char *conninfo, as_store_t *cache, as_pg_follower_t **out,
                               as_err_t *err)
{
    as_pg_follower_t *f = calloc(1, sizeof *f);
    if (!f || !(f->conninfo = strdup(conninfo))) {
        free(f);
        return as_err_set(err, AS_INTERNAL, "out of memory");
    }
    f->cache = cache;
    as_code_t rc = as_store_cache_position(cache, &f->applied, err);
    if (rc) {
        free(f->conninfo);
        free(f);
        return rc;
    }
    if (pipe(f->wake)) {
        free(f->conninfo);
        free(f);
        return as_err_set(err, AS_INTERNAL, "pipe: %s", strerror(errno));
    }
    pthread_mutex_init(&f->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&f->applied_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&f->thread, NULL, s_run, f)) {
        as_pg_follower_stop(&f);
        return as_err_set(err, AS_INTERNAL, "cannot start the catalog follower's thread");
    }
    f->started = true;
    *out = f;
    return AS_OK;
}

uint64_t as_pg_follower_applied(as_pg_follower_t *f)
{
    pthread_mutex_lock(&f->mu);
    uint64_t a = f->applied;
    pthread_mutex_unlock(&f->mu);
    return a;
}

bool as_pg_follower_wait(as_pg_follower_t *f, uint64_t seq, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&f->mu);
    while (!f->checked || f->applied < seq)
        if (pthread_cond_timedwait(&f->applied_cv, &f->mu, &until) == ETIMEDOUT) break;
    bool ok = f->checked && f->applied >= seq;
    pthread_mutex_unlock(&f->mu);
    return ok;
}

void as_pg_follower_stop(as_pg_follower_t **f_p)
{
    as_pg_follower_t *f = *f_p;
    if (!f) return;
    pthread_mutex_lock(&f->mu);
    f->stop = true;
    pthread_mutex_unlock(&f->mu);
    if (write(f->wake[1], "x", 1) < 0) { /* (the thread also sees stop within a second) */
    }
    if (f->started) pthread_join(f->thread, NULL);
    close(f->wake[0]);
    close(f->wake[1]);
    pthread_mutex_destroy(&f->mu);
    pthread_cond_destroy(&f->applied_cv);
    free(f->conninfo);
    free(f);
    *f_p = NULL;
}
