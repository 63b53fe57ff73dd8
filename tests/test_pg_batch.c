/* test_pg_batch.c — the writer's batch of submissions on PostgreSQL against a real server
 * (pg_fixture.h): what it reads and stores, a COMMIT whose outcome is unknown, the server killed
 * mid-load, responses read back, and report statistics (a regrade's too) bit for bit the LMDB
 * store's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pg_fixture.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Kills the server after the delay (ms) in arg: a machine losing power mid-load. */
static void *s_killer(void *arg)
{
    usleep((useconds_t)(*(int *)arg) * 1000);
    pgf_pg("kill", NULL, 0);
    return NULL;
}

/* What a list gives: "rid:record-byte" for each, in order. */
static void s_listed(void *arg, uint64_t rid, const void *record, size_t len)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%llu:%02x", n ? " " : "", (unsigned long long)rid,
             len ? *(const uint8_t *)record : 0);
}

static void s_scanned(void *arg, uint64_t rid, const char *assessment, uint32_t len)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s%llu:%.*s", n ? " " : "", (unsigned long long)rid, (int)len,
             assessment);
}

/* Compares the statistics of table t on PostgreSQL and on the LMDB store st: the same bytes,
 * the same totals. */
static void s_same_stats(as_store_t *st, const as_table_t *t, const char *when)
{
    as_stats_sums_t *ps, *ls;
    as_total_count_t *pt, *lt;
    size_t pn, ln;
    assert_int_equal(as_pg_stats_read(pgf_c, t, &ps, &pt, &pn, &pgf_err), AS_OK);
    as_reader_t *rd;
    assert_int_equal(as_reader_new(st, &rd, &pgf_err), AS_OK);
    assert_int_equal(as_reader_begin(rd, &pgf_err), AS_OK);
    assert_int_equal(as_store_stats_read(rd, t, &ls, &lt, &ln, &pgf_err), AS_OK);
    as_reader_destroy(&rd);
    if (memcmp(ps, ls, as_stats_sums_size(t->hdr.n_items)) != 0)
        fail_msg("%s: the sums differ (n %llu vs %llu, gen %u vs %u, job %llu vs %llu)", when,
                 (unsigned long long)ps->n, (unsigned long long)ls->n, ps->gen, ls->gen,
                 (unsigned long long)ps->job, (unsigned long long)ls->job);
    assert_int_equal(pn, ln);
    for (size_t i = 0; i < pn; i++)
        assert_true(pt[i].total == lt[i].total && pt[i].count == lt[i].count);
    free(ps);
    free(ls);
    free(pt);
    free(lt);
}

/* The writer's batch: what it reads in one round trip, what it stores in another; a retry with
 * a stored key is answered from it; attempts count on across batches. */
static void a_batch_reads_what_it_needs_and_stores_its_responses_in_one_transaction(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    as_pg_subject_t s[3] = {pgf_subject("ana", "k1"), pgf_subject("ben", NULL),
                            pgf_subject("ana", NULL)};
    uint64_t first;
    assert_int_equal(as_pg_batch_begin(pgf_c, s, 3, NULL, &first, &pgf_err), AS_OK);
    assert_true(first == 1);
    for (int i = 0; i < 3; i++)
        assert_true(s[i].known_rid == 0 && s[i].attempts == 0);
    /* the writer's steps: ana's two submissions are her attempts 1 and 2 */
    as_pg_row_t rows[3] = {{1, 0, 1,
                            "\x81\xa1"
                            "a\x01",
                            4},
                           {2, 1, 1,
                            "\x81\xa1"
                            "b\x02",
                            4},
                           {3, 2, 2,
                            "\x81\xa1"
                            "c\x03",
                            4}};
    if (as_pg_batch_commit(pgf_c, s, rows, 3, NULL, &pgf_err)) fail_msg("%s", pgf_err.msg);
    assert_string_equal(
        pgf_one("SELECT string_agg(rid || ':' || learner || ':' || attempt || ':' || "
                "encode(record, 'hex'), ' ' ORDER BY rid) FROM responses"),
        "1:ana:1:81a16101 2:ben:1:81a16202 3:ana:2:81a16303");
    assert_string_equal(pgf_one("SELECT string_agg(learner || '=' || attempts, ' ' ORDER BY "
                                "learner) FROM attempt_counts"),
                        "ana=2 ben=1");
    /* the next batch: a retry of k1 finds response 1; a new learner starts at 0 */
    as_pg_subject_t t[2] = {pgf_subject("ana", "k1"), pgf_subject("cy", "k2")};
    assert_int_equal(as_pg_batch_begin(pgf_c, t, 2, NULL, &first, &pgf_err), AS_OK);
    assert_true(first == 4);
    assert_true(t[0].known_rid == 1 && t[0].attempts == 2);
    assert_true(t[1].known_rid == 0 && t[1].attempts == 0);
    as_pg_row_t one = {4, 1, 1, "\xc0", 1};
    assert_int_equal(as_pg_batch_commit(pgf_c, t, &one, 1, NULL, &pgf_err), AS_OK);
    assert_string_equal(pgf_one("SELECT string_agg(rid::text, ' ' ORDER BY rid) FROM responses"),
                        "1 2 3 4");
    assert_string_equal(pgf_one("SELECT rid FROM idempotency WHERE learner = 'cy' AND key = 'k2'"),
                        "4");
    /* a batch the server refuses (a response id stored already) stores nothing of itself */
    as_pg_subject_t u[1] = {pgf_subject("dee", "k3")};
    assert_int_equal(as_pg_batch_begin(pgf_c, u, 1, NULL, &first, &pgf_err), AS_OK);
    as_pg_row_t dup = {4, 0, 1, "\xc0", 1};
    assert_int_equal(as_pg_batch_commit(pgf_c, u, &dup, 1, NULL, &pgf_err), AS_INTERNAL);
    assert_non_null(strstr(pgf_err.msg, "PostgreSQL: store responses: ERROR:  duplicate key"));
    assert_string_equal(pgf_one("SELECT count(*) FROM responses"), "4");
    assert_string_equal(pgf_one("SELECT count(*) FROM idempotency WHERE learner = 'dee'"), "0");
    assert_string_equal(pgf_one("SELECT value FROM counters WHERE name = 'rid'"), "5");
}

/* The connection lost during COMMIT: the batch is answered `unavailable`, never ok (its outcome
 * is not known to the engine), and a retry with the same idempotency key stores it exactly once.
 * A deferred trigger has the server end this connection at COMMIT. */
static void a_commit_whose_outcome_is_unknown_is_unavailable_and_a_retry_is_safe(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    assert_int_equal(
        as_pg_exec(pgf_c,
                   "CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM "
                   "pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;"
                   "CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON responses DEFERRABLE "
                   "INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.learner = 'doomed') EXECUTE "
                   "FUNCTION die()",
                   PGRES_COMMAND_OK, "trigger", &pgf_err),
        AS_OK);
    as_pg_subject_t s[1] = {pgf_subject("doomed", "k1")};
    uint64_t first;
    assert_int_equal(as_pg_batch_begin(pgf_c, s, 1, NULL, &first, &pgf_err), AS_OK);
    as_pg_row_t row = {first, 0, 1, "\xc0", 1};
    assert_int_equal(as_pg_batch_commit(pgf_c, s, &row, 1, NULL, &pgf_err), AS_UNAVAILABLE);
    assert_non_null(strstr(pgf_err.msg, "PostgreSQL: commit: "));
    /* the client reconnects and retries with the same key: stored once */
    PQfinish(pgf_c);
    pgf_c = as_pg_connect(pgf_conninfo, &pgf_err);
    assert_non_null(pgf_c);
    assert_int_equal(as_pg_exec(pgf_c, "DROP TRIGGER die_at_commit ON responses", PGRES_COMMAND_OK,
                                "drop trigger", &pgf_err),
                     AS_OK);
    for (int retry = 0; retry < 2; retry++) {
        s[0] = pgf_subject("doomed", "k1");
        assert_int_equal(as_pg_batch_begin(pgf_c, s, 1, NULL, &first, &pgf_err), AS_OK);
        /* the first retry stores it (the ids reserved by the lost one went with it); the second
         * finds it */
        uint32_t n = s[0].known_rid ? 0 : 1;
        row = (as_pg_row_t){first, 0, s[0].attempts + 1, "\xc0", 1};
        assert_int_equal(as_pg_batch_commit(pgf_c, s, &row, n, NULL, &pgf_err), AS_OK);
        assert_true(retry == 0 ? s[0].known_rid == 0 : s[0].known_rid == 1);
    }
    assert_string_equal(pgf_one("SELECT string_agg(rid::text, ' ') FROM responses"), "1");
}

/* The server killed while batches of keyed submissions are being committed: every batch answered
 * ok is there after it comes back; the others were answered unavailable, and retried with their
 * keys they are stored exactly once. (Whenever the kill lands, these hold.) */
static void a_server_killed_mid_load_loses_nothing_acknowledged_and_duplicates_nothing(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    enum { BATCHES = 150, N = 8 };
    static char keys[BATCHES][N][16];
    bool acked_first[BATCHES] = {false};
    int delay = 2;
    pthread_t killer;
    bool joined = false;
    int failed = 0;
    for (int b = 0; b < BATCHES; b++) {
        /* the kill lands a few ms into batch 50, whatever the machine's speed */
        if (b == 50) assert_int_equal(pthread_create(&killer, NULL, s_killer, &delay), 0);
        as_pg_subject_t s[N];
        for (int j = 0; j < N; j++) {
            snprintf(keys[b][j], sizeof keys[b][j], "k%d-%d", b, j);
            s[j] = pgf_subject(j % 2 ? "ana" : "ben", keys[b][j]);
        }
        for (int attempt = 0;; attempt++) {
            uint64_t first;
            as_code_t rc = as_pg_batch_begin(pgf_c, s, N, NULL, &first, &pgf_err);
            as_pg_row_t rows[N];
            uint32_t n = 0;
            for (uint32_t j = 0; !rc && j < N; j++)
                if (!s[j].known_rid)
                    rows[n++] = (as_pg_row_t){first + j, j, s[j].attempts + 1 + j / 2, "\xc0", 1};
            if (!rc) rc = as_pg_batch_commit(pgf_c, s, rows, n, NULL, &pgf_err);
            if (rc == AS_OK) {
                acked_first[b] = attempt == 0;
                break;
            }
            assert_int_equal(rc, AS_UNAVAILABLE); /* never ok, never anything else */
            failed++;
            /* the kill done, the server back, a new connection, the same keys */
            if (!joined) {
                pthread_join(killer, NULL);
                joined = true;
            }
            pgf_reconnect();
            assert_true(attempt < 5);
        }
    }
    if (!joined) pthread_join(killer, NULL);
    /* (how many failed depends on where the kill landed: none when it fell between two
     * batches; the server is up again either way) */
    pgf_reconnect();
    /* every batch is there, each response once: ok first time or retried */
    char want[32];
    snprintf(want, sizeof want, "%d", BATCHES * N);
    assert_string_equal(pgf_one("SELECT count(*) FROM responses"), want);
    assert_string_equal(pgf_one("SELECT count(*) FROM idempotency"), want);
    assert_string_equal(pgf_one("SELECT count(DISTINCT rid) FROM idempotency"), want);
    for (int b = 0; b < BATCHES; b++)
        if (acked_first[b]) { /* acknowledged at once: there with every key */
            char sql[160];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM idempotency WHERE key LIKE 'k%d-%%'",
                     b);
            assert_string_equal(pgf_one(sql), "8");
        }
}

/* Responses stored by batches read back as the LMDB store lists them: pages in submission
 * order with the total and whether more follow, one learner's, one by id. */
static void stored_responses_read_back_in_pages_with_their_totals(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    as_pg_subject_t s[5] = {pgf_subject("ana", NULL), pgf_subject("ben", NULL),
                            pgf_subject("ana", NULL), pgf_subject("ben", NULL),
                            pgf_subject("ana", NULL)};
    uint64_t first;
    assert_int_equal(as_pg_batch_begin(pgf_c, s, 5, NULL, &first, &pgf_err), AS_OK);
    static const uint8_t recs[5] = {0xa1, 0xb1, 0xa2, 0xb2, 0xa3};
    as_pg_row_t rows[5];
    for (uint32_t i = 0; i < 5; i++)
        rows[i] = (as_pg_row_t){first + i, i, 1 + i / 2, &recs[i], 1};
    assert_int_equal(as_pg_batch_commit(pgf_c, s, rows, 5, NULL, &pgf_err), AS_OK);
    char out[256] = "";
    uint64_t total;
    bool more;
    assert_int_equal(as_pg_response_list(pgf_c, "quiz", 4, NULL, 0, 0, 2, s_listed, out, &total,
                                         &more, &pgf_err),
                     AS_OK);
    assert_string_equal(out, "1:a1 2:b1");
    assert_true(total == 5 && more);
    out[0] = '\0';
    assert_int_equal(as_pg_response_list(pgf_c, "quiz", 4, NULL, 0, 4, 2, s_listed, out, &total,
                                         &more, &pgf_err),
                     AS_OK);
    assert_string_equal(out, "5:a3");
    assert_false(more);
    out[0] = '\0';
    assert_int_equal(as_pg_response_list(pgf_c, "quiz", 4, "ana", 3, 0, 10, s_listed, out, &total,
                                         &more, &pgf_err),
                     AS_OK);
    assert_string_equal(out, "1:a1 3:a2 5:a3");
    assert_true(total == 3 && !more);
    out[0] = '\0';
    assert_int_equal(as_pg_response_get(pgf_c, 4, s_listed, out, &pgf_err), AS_OK);
    assert_string_equal(out, "4:b2");
    out[0] = '\0';
    assert_int_equal(as_pg_rids_scan(pgf_c, 1, 3, s_scanned, out, &pgf_err), AS_OK);
    assert_string_equal(out, "2:quiz 3:quiz 4:quiz");
    assert_int_equal(as_pg_response_get(pgf_c, 9, s_listed, out, &pgf_err), AS_NOT_FOUND);
    assert_string_equal(pgf_err.msg, "response 9 not found");
    out[0] = '\0';
    assert_int_equal(as_pg_response_list(pgf_c, "none", 4, NULL, 0, 0, 10, s_listed, out, &total,
                                         &more, &pgf_err),
                     AS_OK);
    assert_true(out[0] == '\0' && total == 0 && !more);
}

/* Report statistics kept by the batches on PostgreSQL are the LMDB store's, bit for bit, for
 * the same submissions: learners resubmitting (their previous attempt replaced), several in one
 * batch, and a new version of the assessment half-way (the statistics start afresh). */
static void statistics_on_postgresql_are_the_lmdb_stores_bit_for_bit(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    as_store_t *st = pgf_map("stats");
    as_compiled_t c1, c2;
    as_table_t t1 = pgf_quiz(1, &c1), t2 = pgf_quiz(2, &c2);
    static const char *const learners[] = {"ana", "ben", "cy", "dee", "eli"};
    uint32_t seed = 7;
    uint64_t rid = 0;
    /* none yet: zero statistics of the version's shape, as the LMDB store reads them */
    {
        as_stats_sums_t *none;
        as_total_count_t *tot;
        size_t nt;
        assert_int_equal(as_pg_stats_read(pgf_c, &t1, &none, &tot, &nt, &pgf_err), AS_OK);
        assert_true(none->version == 1 && none->k == 3 && none->n == 0 && nt == 0);
        free(none);
        free(tot);
    }
    for (int batch = 0; batch < 12; batch++) {
        const as_table_t *t = batch < 8 ? &t1 : &t2;
        enum { N = 6 };
        as_pg_subject_t s[N];
        double x[N][3], total[N];
        uint8_t answered[N][3];
        for (int i = 0; i < N; i++) {
            seed = seed * 1103515245u + 12345u; /* a fixed sequence: the same on every run */
            s[i] = pgf_subject(learners[(seed >> 8) % 5], NULL);
            total[i] = 0;
            for (int j = 0; j < 3; j++) {
                seed = seed * 1103515245u + 12345u;
                answered[i][j] = (seed >> 9) % 4 != 0;
                x[i][j] = answered[i][j] ? (double)((seed >> 12) % 3) * 0.5 : 0;
                total[i] += x[i][j];
            }
        }
        /* PostgreSQL: one transaction for the batch */
        uint64_t first;
        as_pg_stats_t *ps = as_pg_stats_new("");
        as_pg_state_t kept = {.stats = ps};
        if (as_pg_batch_begin(pgf_c, s, N, &kept, &first, &pgf_err)) fail_msg("%s", pgf_err.msg);
        for (int i = 0; i < N; i++)
            if (as_pg_stats_add(ps, &s[i], first + (uint64_t)i, t, x[i], answered[i], total[i],
                                &pgf_err))
                fail_msg("%s", pgf_err.msg);
        if (as_pg_batch_commit(pgf_c, s, NULL, 0, &kept, &pgf_err)) fail_msg("%s", pgf_err.msg);
        as_pg_stats_free(&ps);
        /* LMDB: the same submissions, one transaction */
        as_wtxn_t *w;
        assert_int_equal(as_wtxn_begin(st, &w, &pgf_err), AS_OK);
        for (int i = 0; i < N; i++) {
            as_subject_t ls = {.assessment = "quiz",
                               .assessment_len = 4,
                               .learner = s[i].learner,
                               .learner_len = s[i].learner_len};
            assert_int_equal(
                as_store_stats_update(w, &ls, ++rid, t, x[i], answered[i], total[i], &pgf_err),
                AS_OK);
        }
        assert_int_equal(as_wtxn_commit(&w, &pgf_err), AS_OK);
        /* the same sums, the same totals */
        as_stats_sums_t *ps_sums, *ls_sums;
        as_total_count_t *ps_tot, *ls_tot;
        size_t ps_n, ls_n;
        assert_int_equal(as_pg_stats_read(pgf_c, t, &ps_sums, &ps_tot, &ps_n, &pgf_err), AS_OK);
        as_reader_t *rd;
        assert_int_equal(as_reader_new(st, &rd, &pgf_err), AS_OK);
        assert_int_equal(as_reader_begin(rd, &pgf_err), AS_OK);
        assert_int_equal(as_store_stats_read(rd, t, &ls_sums, &ls_tot, &ls_n, &pgf_err), AS_OK);
        as_reader_destroy(&rd);
        assert_true(ps_sums->n > 0);
        if (memcmp(ps_sums, ls_sums, as_stats_sums_size(3)) != 0)
            fail_msg("batch %d: the sums differ (n %llu vs %llu, sum_t %.17g vs %.17g)", batch,
                     (unsigned long long)ps_sums->n, (unsigned long long)ls_sums->n, ps_sums->sum_t,
                     ls_sums->sum_t);
        assert_int_equal(ps_n, ls_n);
        for (size_t i = 0; i < ps_n; i++)
            assert_true(ps_tot[i].total == ls_tot[i].total && ps_tot[i].count == ls_tot[i].count);
        free(ps_sums);
        free(ls_sums);
        free(ps_tot);
        free(ls_tot);
    }
    free(c1.blob);
    free(c2.blob);
    as_store_destroy(&st);
}

/* A regrade's statistics on PostgreSQL are the LMDB store's, bit for bit: submissions stored,
 * then a new version's regrade (a new generation rebuilt by the job; each learner counted once,
 * by their latest response only, however often it comes), a submission during it, and the
 * generation completed. */
static void a_regrades_statistics_on_postgresql_are_the_lmdb_stores_bit_for_bit(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    as_store_t *st = pgf_map("regrade");
    as_compiled_t c1, c2;
    as_table_t t1 = pgf_quiz(1, &c1), t2 = pgf_quiz(2, &c2);
    static const char *const learners[] = {"ana", "ben", "cy", "dee"};
    enum { R = 15 };
    const char *who[R + 1];
    uint32_t seed = 3;
    uint64_t rid = 0;
    /* 15 submissions in three batches, on both stores */
    for (int batch = 0; batch < 3; batch++) {
        as_pg_subject_t s[5];
        double x[5][3], total[5];
        uint8_t answered[5][3];
        for (int i = 0; i < 5; i++) {
            seed = seed * 1103515245u + 12345u;
            s[i] = pgf_subject(learners[(seed >> 8) % 4], NULL);
            total[i] = 0;
            for (int j = 0; j < 3; j++) {
                seed = seed * 1103515245u + 12345u;
                answered[i][j] = (seed >> 9) % 4 != 0;
                x[i][j] = answered[i][j] ? (double)((seed >> 12) % 3) : 0;
                total[i] += x[i][j];
            }
        }
        as_pg_stats_t *ps = as_pg_stats_new("");
        as_pg_state_t kept = {.stats = ps};
        uint64_t first;
        if (as_pg_batch_begin(pgf_c, s, 5, &kept, &first, &pgf_err)) fail_msg("%s", pgf_err.msg);
        as_pg_row_t rows[5];
        as_wtxn_t *w;
        assert_int_equal(as_wtxn_begin(st, &w, &pgf_err), AS_OK);
        for (int i = 0; i < 5; i++) {
            as_subject_t ls = {.assessment = "quiz",
                               .assessment_len = 4,
                               .learner = s[i].learner,
                               .learner_len = s[i].learner_len};
            uint32_t attempt = as_store_attempts(w, &ls) + 1;
            rid++;
            assert_true(first + (uint64_t)i == rid);
            who[rid] = s[i].learner;
            rows[i] = (as_pg_row_t){rid, (uint32_t)i, attempt, "\xc0", 1};
            assert_int_equal(as_store_response_add(w, &ls, rid, attempt, "\xc0", 1, &pgf_err),
                             AS_OK);
            assert_int_equal(
                as_store_stats_update(w, &ls, rid, &t1, x[i], answered[i], total[i], &pgf_err),
                AS_OK);
            assert_int_equal(
                as_pg_stats_add(ps, &s[i], rid, &t1, x[i], answered[i], total[i], &pgf_err), AS_OK);
        }
        assert_int_equal(as_wtxn_commit(&w, &pgf_err), AS_OK);
        if (as_pg_batch_commit(pgf_c, s, rows, 5, &kept, &pgf_err)) fail_msg("%s", pgf_err.msg);
        as_pg_stats_free(&ps);
    }
    s_same_stats(st, &t1, "after the submissions");
    /* the regrade with version 2, job 7, in two batches of steps */
    uint32_t pgen = 0, lgen = 0;
    for (int part = 0; part < 2; part++) {
        as_pg_subject_t s[R];
        uint32_t n = 0;
        uint64_t from = part ? 9 : 1, to = part ? R : 8;
        for (uint64_t r = from; r <= to; r++)
            s[n++] = pgf_subject(who[r], NULL);
        as_pg_stats_t *ps = as_pg_stats_new("");
        as_pg_state_t kept = {.stats = ps};
        uint64_t first;
        if (as_pg_batch_begin(pgf_c, s, n, &kept, &first, &pgf_err)) fail_msg("%s", pgf_err.msg);
        as_wtxn_t *w;
        assert_int_equal(as_wtxn_begin(st, &w, &pgf_err), AS_OK);
        if (part == 0) {
            assert_int_equal(as_pg_stats_reset(ps, "quiz", 4, &t2, 7, &pgen, &pgf_err), AS_OK);
            assert_int_equal(as_store_stats_reset(w, "quiz", 4, &t2, 7, &lgen, &pgf_err), AS_OK);
            assert_int_equal(pgen, lgen);
        }
        for (uint64_t r = from; r <= to; r++) {
            double x[3] = {(double)(r % 2), 1, (double)(r % 3)};
            uint8_t answered[3] = {1, 1, r % 3 != 0};
            double total = x[0] + x[1] + x[2];
            as_pg_subject_t ps1 = pgf_subject(who[r], NULL);
            as_subject_t ls = {.assessment = "quiz",
                               .assessment_len = 4,
                               .learner = who[r],
                               .learner_len = (uint32_t)strlen(who[r])};
            assert_int_equal(
                as_pg_stats_regraded(ps, &ps1, r, &t2, pgen, x, answered, total, &pgf_err), AS_OK);
            assert_int_equal(
                as_store_stats_regraded(w, &ls, r, &t2, lgen, x, answered, total, &pgf_err), AS_OK);
        }
        if (part == 1) {
            assert_int_equal(as_pg_stats_rebuilt(ps, &t2, 7, &pgf_err), AS_OK);
            assert_int_equal(as_store_stats_rebuilt(w, &t2, 7, &pgf_err), AS_OK);
        }
        assert_int_equal(as_wtxn_commit(&w, &pgf_err), AS_OK);
        if (as_pg_batch_commit(pgf_c, s, NULL, 0, &kept, &pgf_err)) fail_msg("%s", pgf_err.msg);
        as_pg_stats_free(&ps);
        s_same_stats(st, &t2, part ? "after the regrade" : "half-way through the regrade");
    }
    free(c1.blob);
    free(c2.blob);
    as_store_destroy(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_batch_reads_what_it_needs_and_stores_its_responses_in_one_transaction),
        cmocka_unit_test(a_commit_whose_outcome_is_unknown_is_unavailable_and_a_retry_is_safe),
        cmocka_unit_test(
            a_server_killed_mid_load_loses_nothing_acknowledged_and_duplicates_nothing),
        cmocka_unit_test(stored_responses_read_back_in_pages_with_their_totals),
        cmocka_unit_test(statistics_on_postgresql_are_the_lmdb_stores_bit_for_bit),
        cmocka_unit_test(a_regrades_statistics_on_postgresql_are_the_lmdb_stores_bit_for_bit),
    };
    return cmocka_run_group_tests(tests, pgf_setup, pgf_teardown);
}
