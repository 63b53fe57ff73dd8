/* store.c — assay-bench store CONNINFO: durable submissions per second at the store, both
 * backends in one run (issue 26).
 *
 * The writer's store work for a batch of 64 submissions (64 learners, 1 KiB records, half of
 * them with an idempotency key, a 10-item assessment): on LMDB, one write transaction that looks
 * up each key and each learner's attempts, takes a response id, stores the response and updates
 * the report statistics, committed with fsync (assayd's default, --sync full); on PostgreSQL
 * (synchronous_commit as the server has it), one transaction: the batch's two pipelined round
 * trips (store/postgres/pg_batch.c) and the statistics' reads and writes (pg_stats.c). Rounds of S
 * seconds alternate between the two, twice; each prints batches/s and submissions/s, and
 * PostgreSQL's ratio to LMDB in the same round pair. Scoring is not measured: it never touches
 * PostgreSQL.
 */
#include "bench_store.h"

#include "jsonmp.h"
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

#define S_ITEMS 10

typedef struct {
    char learner[S_BATCH][32], key[S_BATCH][32];
    uint8_t record[S_RECORD];
    uint64_t round; /* learners and keys differ between batches */
    as_table_t t;   /* the assessment the statistics are of */
    double x[S_ITEMS];
    uint8_t answered[S_ITEMS];
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
        if (as_store_response_add(txn, &s, rid, attempt, d->record, sizeof d->record, err) ||
            as_store_stats_update(txn, &s, rid, &d->t, d->x, d->answered, (double)(i % 11), err)) {
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
    as_pg_stats_t *st = as_pg_stats_new();
    int bad = !st || as_pg_stats_load(c, st, s, S_BATCH, err);
    as_pg_row_t rows[S_BATCH];
    uint32_t n = 0;
    for (uint32_t i = 0; i < S_BATCH && !bad; i++) {
        if (s[i].known_rid) continue;
        rows[n] = (as_pg_row_t){.rid = first + i,
                                .subject = i,
                                .attempt = s[i].attempts + 1,
                                .record = d->record,
                                .len = sizeof d->record};
        n++;
        bad = as_pg_stats_add(st, &s[i], first + i, &d->t, d->x, d->answered, (double)(i % 11),
                              err) != AS_OK;
    }
    if (!bad) bad = as_pg_stats_flush(c, st, err) != AS_OK;
    as_pg_stats_free(&st);
    if (bad) {
        as_pg_batch_abort(c);
        return -1;
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
    as_compiled_t comp = {0};
    {
        char def[2048];
        size_t used = (size_t)snprintf(def, sizeof def, "{\"id\":\"quiz\",\"items\":[");
        for (int i = 0; i < S_ITEMS; i++)
            used += (size_t)snprintf(def + used, sizeof def - used,
                                     "%s{\"id\":\"q%d\",\"cardinality\":\"single\",\"base_type\":"
                                     "\"integer\",\"rule\":\"match_correct\",\"correct\":[1]}",
                                     i ? "," : "", i);
        snprintf(def + used, sizeof def - used, "]}");
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        json_t *j = json_loads(def, 0, NULL);
        as_err_set(&err, AS_INTERNAL, "not JSON");
        int bad = !j || as_json_pack(&pk, j) ||
                  as_table_compile((const uint8_t *)sb.data, sb.size, &comp, &err) ||
                  as_table_open(comp.blob, comp.size, &d->t, &err);
        json_decref(j);
        msgpack_sbuffer_destroy(&sb);
        if (bad) {
            fprintf(stderr, "assay-bench store: the assessment: %s\n", err.msg);
            free(d);
            goto done;
        }
        for (int i = 0; i < S_ITEMS; i++) {
            d->x[i] = i % 2;
            d->answered[i] = i % 3 != 0;
        }
    }
    for (int round = 1; round <= 2; round++) {
        double l = s_round(st, NULL, d, seconds), p = s_round(NULL, c, d, seconds);
        if (l < 0 || p < 0) {
            free(d);
            free(comp.blob);
            goto done;
        }
        printf("| %d | %.0f | %.0f | %.0f | %.0f | %.2f |\n", round, l, l * S_BATCH, p, p * S_BATCH,
               p / l);
        fflush(stdout);
    }
    free(d);
    free(comp.blob);
    rc = 0;
done:
    PQfinish(c);
    as_store_destroy(&st);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) rc = 1;
    return rc;
}
