/* store.c — assay-bench store CONNINFO: durable submissions per second at the store, both
 * backends in one run (issue 26).
 *
 * The writer's store work for a batch of 64 submissions (64 learners, 1 KiB records, half of
 * them with an idempotency key): on LMDB, one write transaction that looks up each key and each
 * learner's attempts, takes a response id and stores the response, committed with fsync (assayd's
 * default, --sync full); on PostgreSQL (synchronous_commit as the server has it), one transaction
 * of two round trips (store/postgres/pg_batch.c). Rounds of S seconds alternate between the two,
 * twice; each prints batches/s and submissions/s, and PostgreSQL's ratio to LMDB in the same
 * round pair. Scoring is not measured: it never touches PostgreSQL.
 */
#include "bench_store.h"

#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_BATCH  64
#define S_RECORD 1024

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
    char learner[S_BATCH][32], key[S_BATCH][32];
    uint8_t record[S_RECORD];
    uint64_t round; /* learners and keys differ between batches */
} s_data_t;

static void s_fill(s_data_t *d)
{
    d->round++;
    for (int i = 0; i < S_BATCH; i++) {
        snprintf(d->learner[i], sizeof d->learner[i], "learner-%llu-%d",
                 (unsigned long long)(d->round % 1000), i);
        snprintf(d->key[i], sizeof d->key[i], "key-%llu-%d", (unsigned long long)d->round, i);
    }
}

/* One batch on LMDB: what the writer's steps ask the store for each submission, one commit. */
static int s_lmdb_batch(as_store_t *st, s_data_t *d, as_err_t *err)
{
    as_wtxn_t *txn;
    if (as_wtxn_begin(st, &txn, err)) return -1;
    for (int i = 0; i < S_BATCH; i++) {
        as_subject_t s = {.assessment = "quiz",
                          .assessment_len = 4,
                          .learner = d->learner[i],
                          .learner_len = (uint32_t)strlen(d->learner[i]),
                          .key = i % 2 ? d->key[i] : NULL,
                          .key_len = i % 2 ? (uint32_t)strlen(d->key[i]) : 0};
        uint64_t rid;
        if (s.key && as_store_idem_find(txn, &s, &rid, err) == AS_OK) continue;
        uint32_t attempt = as_store_attempts(txn, &s) + 1;
        rid = as_store_next_rid(txn);
        if (as_store_response_add(txn, &s, rid, attempt, d->record, sizeof d->record, err)) {
            as_wtxn_abort(&txn);
            return -1;
        }
    }
    return as_wtxn_commit(&txn, err) ? -1 : 0;
}

/* One batch on PostgreSQL: the same, in the writer's batch shape. */
static int s_pg_batch(PGconn *c, s_data_t *d, as_err_t *err)
{
    as_pg_subject_t s[S_BATCH];
    for (int i = 0; i < S_BATCH; i++)
        s[i] = (as_pg_subject_t){.assessment = "quiz",
                                 .assessment_len = 4,
                                 .learner = d->learner[i],
                                 .learner_len = (uint32_t)strlen(d->learner[i]),
                                 .key = i % 2 ? d->key[i] : NULL,
                                 .key_len = i % 2 ? (uint32_t)strlen(d->key[i]) : 0};
    uint64_t first;
    if (as_pg_batch_begin(c, s, S_BATCH, &first, err)) return -1;
    as_pg_row_t rows[S_BATCH];
    uint32_t n = 0;
    for (uint32_t i = 0; i < S_BATCH; i++) {
        if (s[i].known_rid) continue;
        rows[n] = (as_pg_row_t){.rid = first + i,
                                .subject = i,
                                .attempt = s[i].attempts + 1,
                                .record = d->record,
                                .len = sizeof d->record};
        n++;
    }
    return as_pg_batch_commit(c, s, rows, n, err) ? -1 : 0;
}

/* Batches per second for `seconds`; -1 on error (printed). */
static double s_round(as_store_t *st, PGconn *c, s_data_t *d, double seconds)
{
    as_err_t err;
    long n = 0;
    double t0 = s_now(), t;
    do {
        s_fill(d);
        int bad = st ? s_lmdb_batch(st, d, &err) : s_pg_batch(c, d, &err);
        if (bad && st && as_store_full(st)) /* the map doubles, as the writer's does */
            bad = as_store_grow(st, &err) || s_lmdb_batch(st, d, &err);
        if (bad) {
            fprintf(stderr, "assay-bench store: %s\n", err.msg);
            return -1;
        }
        n++;
    } while ((t = s_now()) - t0 < seconds);
    return (double)n / (t - t0);
}

int as_bench_store(const char *conninfo, double seconds)
{
    char dir[] = "/tmp/assay-bench-store-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    as_err_t err;
    as_store_t *st = NULL;
    PGconn *c = as_pg_connect(conninfo, &err);
    int rc = 1;
    if (!c || as_pg_migrate(c, NULL, &err) ||
        as_store_open(&st, dir, (size_t)1 << 30, 16, AS_SYNC_FULL, &err)) {
        fprintf(stderr, "assay-bench store: %s\n", err.msg);
        goto done;
    }
    PGresult *r = PQexec(c, "SHOW synchronous_commit");
    printf("store: batches of %d submissions (1 KiB records, half with a key); LMDB with fsync "
           "at each commit; PostgreSQL 15 on a unix socket, synchronous_commit = %s; %.0f s "
           "rounds\n\n",
           S_BATCH, PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "?", seconds);
    PQclear(r);
    printf("| round | LMDB batches/s | LMDB submissions/s | PostgreSQL batches/s | PostgreSQL "
           "submissions/s | PostgreSQL / LMDB |\n|---|---|---|---|---|---|\n");
    s_data_t *d = calloc(1, sizeof *d);
    if (!d) goto done;
    memset(d->record, 0xa5, sizeof d->record);
    for (int round = 1; round <= 2; round++) {
        double l = s_round(st, NULL, d, seconds), p = s_round(NULL, c, d, seconds);
        if (l < 0 || p < 0) {
            free(d);
            goto done;
        }
        printf("| %d | %.0f | %.0f | %.0f | %.0f | %.2f |\n", round, l, l * S_BATCH, p, p * S_BATCH,
               p / l);
        fflush(stdout);
    }
    free(d);
    rc = 0;
done:
    PQfinish(c);
    as_store_destroy(&st);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) rc = 1;
    return rc;
}
