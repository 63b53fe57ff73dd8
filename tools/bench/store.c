/* store.c — assay-bench store CONNINFO: durable submissions per second at the store, both
 * backends in one run (issue 26).
 *
 * The writer's store work for a batch of 64 submissions (64 learners, 1 KiB records, half of
 * them with an idempotency key, a 10-item assessment): on LMDB, one write transaction that looks
 * up each key and each learner's attempts, takes a response id, stores the response and updates
 * the report statistics and the learner's mastery of the assessment's two skills, committed with
 * fsync (assayd's default, --sync full); on PostgreSQL (synchronous_commit as the server has it),
 * one transaction: the batch's two pipelined round trips (store/postgres/pg_batch.c), the
 * statistics' and the mastery's reads and writes (pg_stats.c, pg_mastery.c). Rounds of S
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

#define S_ITEMS  10
#define S_SKILLS 2

static const char *const s_skills[S_SKILLS] = {"add", "sub"};
static const as_skill_t s_skill = {
    .params = {.prior = 0.3, .learn = 0.2, .guess = 0.2, .slip = 0.1},
    .live_gen = 1,
    .last_gen = 1};

/* The mastery step of one submission: each skill's state read, stepped, written. */
typedef struct {
    as_code_t (*get)(void *ctx, const char *l, uint32_t ll, const char *s, uint32_t sl,
                     as_mastery_t *m, as_err_t *err);
    as_code_t (*put)(void *ctx, const char *l, uint32_t ll, const char *s, uint32_t sl,
                     const as_mastery_t *m, as_err_t *err);
} s_mastery_io_t;

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

static as_code_t s_lmdb_get(void *ctx, const char *l, uint32_t ll, const char *s, uint32_t sl,
                            as_mastery_t *m, as_err_t *err)
{
    bool found;
    return as_store_mastery_wget(ctx, l, ll, s, sl, &s_skill, 1, m, &found, err);
}

static as_code_t s_lmdb_put(void *ctx, const char *l, uint32_t ll, const char *s, uint32_t sl,
                            const as_mastery_t *m, as_err_t *err)
{
    return as_store_mastery_wput(ctx, l, ll, s, sl, &s_skill, 1, m, err);
}

static as_code_t s_pg_get(void *ctx, const char *l, uint32_t ll, const char *s, uint32_t sl,
                          as_mastery_t *m, as_err_t *err)
{
    bool found;
    return as_pg_mastery_get(ctx, l, ll, s, sl, &s_skill, 1, m, &found, err);
}

static as_code_t s_pg_put(void *ctx, const char *l, uint32_t ll, const char *s, uint32_t sl,
                          const as_mastery_t *m, as_err_t *err)
{
    return as_pg_mastery_put(ctx, l, ll, s, sl, &s_skill, 1, m, err);
}

static const s_mastery_io_t s_lmdb_io = {s_lmdb_get, s_lmdb_put}, s_pg_io = {s_pg_get, s_pg_put};

static as_code_t s_trace(const s_mastery_io_t *io, void *ctx, const char *learner, bool correct,
                         as_err_t *err)
{
    uint32_t ll = (uint32_t)strlen(learner);
    for (int k = 0; k < S_SKILLS; k++) {
        as_mastery_t m;
        as_code_t rc = io->get(ctx, learner, ll, s_skills[k], 3, &m, err);
        if (rc) return rc;
        as_bkt_step(&s_skill.params, &m.s, correct);
        m.opportunities++;
        if ((rc = io->put(ctx, learner, ll, s_skills[k], 3, &m, err))) return rc;
    }
    return AS_OK;
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
            as_store_stats_update(txn, &s, rid, &d->t, d->x, d->answered, (double)(i % 11), err) ||
            s_trace(&s_lmdb_io, txn, d->learner[i], i % 3 != 0, err)) {
            as_wtxn_abort(&txn);
            return -1;
        }
    }
    return as_wtxn_commit(&txn, err) ? -1 : 0;
}

/* Where PostgreSQL's batches spend their time: seconds in each phase, summed. */
#define S_PHASES 3
static const char *const s_phase_names[S_PHASES] = {
    "round trip 1: BEGIN, keys, attempts, ids, statistics and mastery read (6 statements)",
    "the steps, in memory",
    ("round trip 2: statistics, mastery, responses, keys, counts written; COMMIT (9 to 11 "
     "statements)")};
static double s_phase[S_PHASES];

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
    as_pg_stats_t *st = as_pg_stats_new("");
    as_pg_mastery_t *ms = as_pg_mastery_new();
    as_pg_pair_t pairs[S_BATCH * S_SKILLS];
    for (int i = 0; i < S_BATCH; i++)
        for (int k = 0; k < S_SKILLS; k++)
            pairs[i * S_SKILLS + k] =
                (as_pg_pair_t){d->learner[i], s_skills[k], (uint32_t)strlen(d->learner[i]), 3};
    as_pg_state_t state = {
        .stats = st, .mastery = ms, .pairs = pairs, .n_pairs = S_BATCH * S_SKILLS};
    double t0 = s_now();
    int bad = !st || !ms || as_pg_batch_begin(c, s, S_BATCH, &state, &first, err);
    double t1 = s_now();
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
                              err) ||
              s_trace(&s_pg_io, ms, d->learner[i], i % 3 != 0, err);
    }
    double t2 = s_now();
    if (bad)
        as_pg_batch_abort(c); /* (a step failed: the transaction goes) */
    else
        bad = as_pg_batch_commit(c, s, rows, n, &state, err) != AS_OK;
    double t3 = s_now();
    as_pg_stats_free(&st);
    as_pg_mastery_free(&ms);
    double at[S_PHASES] = {t1 - t0, t2 - t1, t3 - t2};
    for (int i = 0; i < S_PHASES; i++)
        s_phase[i] += at[i];
    return bad ? -1 : 0;
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

/* The server's side (pg_stat_statements, when the server has it: tools/pg turns it on): the
 * statements that took the most time, over the rounds. */
static void s_statements(PGconn *c)
{
    PGresult *r = PQexec(c, "SELECT calls, total_exec_time, mean_exec_time, "
                            "left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM "
                            "pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' "
                            "ORDER BY total_exec_time DESC LIMIT 8");
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
        printf("\nThe server's side (pg_stat_statements), the 8 statements that took the most "
               "time:\n\n| calls | total ms | mean ms | statement |\n|---|---|---|---|\n");
        for (int i = 0; i < PQntuples(r); i++)
            printf("| %s | %.0f | %.3f | `%s` |\n", PQgetvalue(r, i, 0),
                   strtod(PQgetvalue(r, i, 1), NULL), strtod(PQgetvalue(r, i, 2), NULL),
                   PQgetvalue(r, i, 3));
    }
    PQclear(r);
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
    PQclear(PQexec(c, "SELECT pg_stat_statements_reset()")); /* (when it is there) */
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
    s_statements(c);
    double sum = 0;
    for (int i = 0; i < S_PHASES; i++)
        sum += s_phase[i];
    printf("\nPostgreSQL's batches, where the time goes (both rounds):\n\n| phase | share |\n"
           "|---|---|\n");
    for (int i = 0; i < S_PHASES; i++)
        printf("| %s | %.0f%% |\n", s_phase_names[i], sum > 0 ? 100 * s_phase[i] / sum : 0);
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
