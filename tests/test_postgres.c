/* test_postgres.c — PostgreSQL as the system of record, its first part (store/postgres/pg.h),
 * against a real server: a throwaway cluster this test owns (tools/pg: initdb in a temporary
 * directory as an unprivileged user, a unix socket, stopped and removed at the end, also when a
 * test fails). The schema and its migrations, the catalog, and the follower that keeps a real
 * LMDB map of the compiled tables current, also across the server being killed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pg.h"
#include "tjson.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_dir[256], s_conninfo[512], s_tools[512];
static PGconn *s_c;
static as_err_t s_err;

/* Runs tools/pg CMD DIR/pg; its first line of output in out (may be NULL). */
static int s_pg(const char *cmd, char *out, size_t cap)
{
    char line[1024];
    snprintf(line, sizeof line, "'%s/pg' %s '%s/pg' 2>&1", s_tools, cmd, s_dir);
    FILE *p = popen(line, "r");
    if (!p) return -1;
    char buf[1024] = "";
    if (!fgets(buf, sizeof buf, p)) buf[0] = '\0';
    int rc = pclose(p);
    buf[strcspn(buf, "\n")] = '\0';
    if (rc) fprintf(stderr, "tools/pg %s: %s\n", cmd, buf);
    if (out) snprintf(out, cap, "%s", buf);
    return rc;
}

static int s_setup(void **state)
{
    snprintf(s_tools, sizeof s_tools, "%s",
             getenv("ASSAY_TOOLS") ? getenv("ASSAY_TOOLS") : "tools");
    snprintf(s_dir, sizeof s_dir, "/tmp/assay-pg-test-XXXXXX");
    if (!mkdtemp(s_dir)) return -1;
    chmod(s_dir, 0711); /* the cluster's own user (tools/pg) reaches its directory inside */
    if (s_pg("up", s_conninfo, sizeof s_conninfo)) {
        s_pg("down", NULL, 0);
        rmdir(s_dir);
        return -1;
    }
    s_c = as_pg_connect(s_conninfo, &s_err);
    if (!s_c) fprintf(stderr, "%s\n", s_err.msg);
    return s_c ? 0 : -1;
}

static int s_teardown(void **state)
{
    PQfinish(s_c);
    s_pg("down", NULL, 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The first value of a query's first row, as text ("" when none). */
static const char *s_one(const char *sql)
{
    static char out[256];
    PGresult *r = PQexec(s_c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    snprintf(out, sizeof out, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return out;
}

/* The schema's tables and columns, one line each, in order: what two ways to a schema compare. */
static char *s_shape(void)
{
    PGresult *r =
        PQexec(s_c, "SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' "
                    "|| is_nullable, E'\\n' ORDER BY table_name, ordinal_position) FROM "
                    "information_schema.columns WHERE table_schema = 'public' AND table_name <> "
                    "'schema_version'");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    char *s = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return s;
}

static void s_reconnect(void);

/* An empty schema (the server up and connected first: a test that failed may have left it down). */
static void s_reset(void)
{
    if (PQstatus(s_c) != CONNECTION_OK ||
        as_pg_exec(s_c, "SELECT 1", PGRES_TUPLES_OK, "ping", &s_err))
        s_reconnect();
    as_err_t e;
    assert_int_equal(as_pg_exec(s_c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public",
                                PGRES_COMMAND_OK, "reset", &e),
                     AS_OK);
}

static void migrations_build_the_schema_from_empty_and_from_every_older_one(void **state)
{
    s_reset();
    uint32_t applied;
    assert_int_equal(as_pg_migrate(s_c, &applied, &s_err), AS_OK);
    assert_int_equal(applied, as_pg_schema_version());
    char *want = s_shape();
    assert_non_null(strstr(want, "assessments.blob bytea YES"));
    char v[16];
    snprintf(v, sizeof v, "%u", as_pg_schema_version());
    assert_string_equal(s_one("SELECT max(version) FROM schema_version"), v);
    /* again: nothing to do */
    assert_int_equal(as_pg_migrate(s_c, &applied, &s_err), AS_OK);
    assert_int_equal(applied, 0);
    /* from the schema each older build left, to this one: the same schema */
    for (uint32_t k = 0; k < as_pg_schema_version(); k++) {
        s_reset();
        assert_int_equal(as_pg_migrate_to(s_c, k, &applied, &s_err), AS_OK);
        assert_int_equal(applied, k);
        assert_int_equal(as_pg_migrate(s_c, &applied, &s_err), AS_OK);
        assert_int_equal(applied, as_pg_schema_version() - k);
        char *got = s_shape();
        assert_string_equal(got, want);
        free(got);
    }
    free(want);
}

static void a_database_newer_than_the_build_is_refused(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    char sql[96];
    snprintf(sql, sizeof sql, "INSERT INTO schema_version (version) VALUES (%u)",
             as_pg_schema_version() + 1);
    assert_int_equal(as_pg_exec(s_c, sql, PGRES_COMMAND_OK, "newer", &s_err), AS_OK);
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_INTERNAL);
    char want[200];
    snprintf(want, sizeof want,
             "PostgreSQL: the database's schema is version %u, newer than this build's %u: run "
             "a newer assayd",
             as_pg_schema_version() + 1, as_pg_schema_version());
    assert_string_equal(s_err.msg, want);
}

/* A compiled one-item assessment `id` (the blob malloc'ed), its source in *src. */
static as_compiled_t s_compile(const char *id, msgpack_sbuffer *src)
{
    char def[256];
    snprintf(def, sizeof def,
             "{'id':'%s','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
             "'rule':'match_correct','correct':['A']}]}",
             id);
    msgpack_sbuffer_init(src);
    tjson_pack(src, def);
    as_compiled_t c;
    if (as_table_compile((const uint8_t *)src->data, src->size, &c, &s_err))
        fail_msg("%s", s_err.msg);
    return c;
}

static uint32_t s_put(const char *id, uint64_t *seq)
{
    msgpack_sbuffer src;
    as_compiled_t c = s_compile(id, &src);
    uint32_t version = 0;
    if (as_pg_catalog_put(s_c, id, (uint32_t)strlen(id), src.data, src.size, c.blob, c.size,
                          &version, seq, &s_err))
        fail_msg("%s", s_err.msg);
    free(c.blob);
    msgpack_sbuffer_destroy(&src);
    return version;
}

static void versions_never_repeat_across_deletes(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    uint64_t s1, s2, s3, s4;
    assert_int_equal(s_put("quiz", &s1), 1);
    assert_int_equal(s_put("quiz", &s2), 2);
    assert_int_equal(as_pg_catalog_delete(s_c, "quiz", 4, &s3, &s_err), AS_OK);
    assert_int_equal(s_put("quiz", &s4), 3);
    assert_true(s1 == 1 && s2 == 2 && s3 == 3 && s4 == 4);
    /* the blob stored says its version */
    assert_string_equal(s_one("SELECT version FROM assessments WHERE id = 'quiz'"), "3");
    assert_int_equal(as_pg_catalog_delete(s_c, "nope", 4, &s3, &s_err), AS_NOT_FOUND);
    assert_string_equal(s_err.msg, "assessment \"nope\" not found");
    /* a refused change takes no position */
    assert_string_equal(s_one("SELECT value FROM counters WHERE name = 'catalog'"), "4");
}

/* A real LMDB map in DIR/map-NAME. */
static as_store_t *s_map(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "%s/map-%s", s_dir, name);
    mkdir(path, 0700);
    as_store_t *st;
    assert_int_equal(as_store_open(&st, path, 1 << 20, 16, AS_SYNC_NONE, &s_err), AS_OK);
    return st;
}

/* The version of assessment id in the map, 0 when it has none. */
static uint32_t s_cached(as_store_t *st, const char *id)
{
    as_reader_t *rd;
    assert_int_equal(as_reader_new(st, &rd, &s_err), AS_OK);
    assert_int_equal(as_reader_begin(rd, &s_err), AS_OK);
    as_table_t t;
    as_err_t e;
    uint32_t v = as_store_table(rd, id, (uint32_t)strlen(id), &t, &e) ? 0 : t.hdr.version;
    as_reader_destroy(&rd);
    return v;
}

static void the_follower_keeps_the_local_map_current_and_goes_on_after_a_restart(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    uint64_t seq;
    s_put("a", &seq); /* before the follower: caught up at its start */
    as_store_t *st = s_map("follow");
    as_pg_follower_t *f;
    assert_int_equal(as_pg_follower_start(s_conninfo, st, &f, &s_err), AS_OK);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "a"), 1);
    s_put("b", &seq);
    s_put("a", &seq);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "a"), 2);
    assert_int_equal(s_cached(st, "b"), 1);
    assert_int_equal(as_pg_catalog_delete(s_c, "b", 1, &seq, &s_err), AS_OK);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "b"), 0);
    as_pg_follower_stop(&f);
    /* changes while it is stopped: a new follower goes on from the position the map kept */
    s_put("c", &seq);
    assert_int_equal(as_pg_follower_start(s_conninfo, st, &f, &s_err), AS_OK);
    assert_int_equal(as_pg_follower_applied(f), seq - 1);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "c"), 1);
    assert_int_equal(s_cached(st, "a"), 2);
    as_pg_follower_stop(&f);
    as_store_destroy(&st);
}

static void the_follower_reconnects_when_the_server_comes_back(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    as_store_t *st = s_map("reconnect");
    as_pg_follower_t *f;
    assert_int_equal(as_pg_follower_start(s_conninfo, st, &f, &s_err), AS_OK);
    uint64_t seq;
    s_put("k", &seq);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    /* the server dies: a write fails `unavailable`, the map keeps what it had */
    assert_int_equal(s_pg("kill", NULL, 0), 0);
    msgpack_sbuffer src;
    as_compiled_t c = s_compile("k", &src);
    uint32_t version;
    assert_int_equal(
        as_pg_catalog_put(s_c, "k", 1, src.data, src.size, c.blob, c.size, &version, &seq, &s_err),
        AS_UNAVAILABLE);
    assert_non_null(strstr(s_err.msg, "PostgreSQL: "));
    free(c.blob);
    msgpack_sbuffer_destroy(&src);
    assert_int_equal(s_cached(st, "k"), 1);
    /* back: the follower finds it again, and what is put then reaches the map */
    char again[512];
    assert_int_equal(s_pg("up", again, sizeof again), 0);
    assert_string_equal(again, s_conninfo);
    PQfinish(s_c);
    s_c = as_pg_connect(s_conninfo, &s_err);
    assert_non_null(s_c);
    assert_int_equal(s_put("k", &seq), 2);
    assert_true(as_pg_follower_wait(f, seq, 20000));
    assert_int_equal(s_cached(st, "k"), 2);
    as_pg_follower_stop(&f);
    as_store_destroy(&st);
}

/* A map left by another database (or one restored from an older backup) is rebuilt: what the
 * old catalog had and this one has not is gone. */
static void a_map_of_another_database_is_rebuilt_from_the_start(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    uint64_t seq;
    s_put("old", &seq);
    s_put("old", &seq);
    s_put("old", &seq);
    as_store_t *st = s_map("other");
    as_pg_follower_t *f;
    assert_int_equal(as_pg_follower_start(s_conninfo, st, &f, &s_err), AS_OK);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "old"), 3);
    as_pg_follower_stop(&f);
    s_reset(); /* another database: positions start again at 1 */
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    s_put("new", &seq);
    assert_int_equal(as_pg_follower_start(s_conninfo, st, &f, &s_err), AS_OK);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(as_pg_follower_applied(f), 1);
    assert_int_equal(s_cached(st, "new"), 1);
    assert_int_equal(s_cached(st, "old"), 0);
    as_pg_follower_stop(&f);
    as_store_destroy(&st);
}

static as_pg_subject_t s_subject(const char *learner, const char *key)
{
    return (as_pg_subject_t){.assessment = "quiz",
                             .assessment_len = 4,
                             .learner = learner,
                             .learner_len = (uint32_t)strlen(learner),
                             .key = key,
                             .key_len = key ? (uint32_t)strlen(key) : 0};
}

/* The writer's batch: what it reads in one round trip, what it stores in another; a retry with
 * a stored key is answered from it; attempts count on across batches. */
static void a_batch_reads_what_it_needs_and_stores_its_responses_in_one_transaction(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    as_pg_subject_t s[3] = {s_subject("ana", "k1"), s_subject("ben", NULL), s_subject("ana", NULL)};
    uint64_t first;
    assert_int_equal(as_pg_batch_begin(s_c, s, 3, NULL, &first, &s_err), AS_OK);
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
    if (as_pg_batch_commit(s_c, s, rows, 3, NULL, &s_err)) fail_msg("%s", s_err.msg);
    assert_string_equal(s_one("SELECT string_agg(rid || ':' || learner || ':' || attempt || ':' || "
                              "encode(record, 'hex'), ' ' ORDER BY rid) FROM responses"),
                        "1:ana:1:81a16101 2:ben:1:81a16202 3:ana:2:81a16303");
    assert_string_equal(s_one("SELECT string_agg(learner || '=' || attempts, ' ' ORDER BY "
                              "learner) FROM attempt_counts"),
                        "ana=2 ben=1");
    /* the next batch: a retry of k1 finds response 1; a new learner starts at 0 */
    as_pg_subject_t t[2] = {s_subject("ana", "k1"), s_subject("cy", "k2")};
    assert_int_equal(as_pg_batch_begin(s_c, t, 2, NULL, &first, &s_err), AS_OK);
    assert_true(first == 4);
    assert_true(t[0].known_rid == 1 && t[0].attempts == 2);
    assert_true(t[1].known_rid == 0 && t[1].attempts == 0);
    as_pg_row_t one = {4, 1, 1, "\xc0", 1};
    assert_int_equal(as_pg_batch_commit(s_c, t, &one, 1, NULL, &s_err), AS_OK);
    assert_string_equal(s_one("SELECT string_agg(rid::text, ' ' ORDER BY rid) FROM responses"),
                        "1 2 3 4");
    assert_string_equal(s_one("SELECT rid FROM idempotency WHERE learner = 'cy' AND key = 'k2'"),
                        "4");
    /* a batch the server refuses (a response id stored already) stores nothing of itself */
    as_pg_subject_t u[1] = {s_subject("dee", "k3")};
    assert_int_equal(as_pg_batch_begin(s_c, u, 1, NULL, &first, &s_err), AS_OK);
    as_pg_row_t dup = {4, 0, 1, "\xc0", 1};
    assert_int_equal(as_pg_batch_commit(s_c, u, &dup, 1, NULL, &s_err), AS_INTERNAL);
    assert_non_null(strstr(s_err.msg, "PostgreSQL: store responses: ERROR:  duplicate key"));
    assert_string_equal(s_one("SELECT count(*) FROM responses"), "4");
    assert_string_equal(s_one("SELECT count(*) FROM idempotency WHERE learner = 'dee'"), "0");
    assert_string_equal(s_one("SELECT value FROM counters WHERE name = 'rid'"), "5");
}

/* The connection lost during COMMIT: the batch is answered `unavailable`, never ok (its outcome
 * is not known to the engine), and a retry with the same idempotency key stores it exactly once.
 * A deferred trigger has the server end this connection at COMMIT. */
static void a_commit_whose_outcome_is_unknown_is_unavailable_and_a_retry_is_safe(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    assert_int_equal(
        as_pg_exec(s_c,
                   "CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM "
                   "pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;"
                   "CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON responses DEFERRABLE "
                   "INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.learner = 'doomed') EXECUTE "
                   "FUNCTION die()",
                   PGRES_COMMAND_OK, "trigger", &s_err),
        AS_OK);
    as_pg_subject_t s[1] = {s_subject("doomed", "k1")};
    uint64_t first;
    assert_int_equal(as_pg_batch_begin(s_c, s, 1, NULL, &first, &s_err), AS_OK);
    as_pg_row_t row = {first, 0, 1, "\xc0", 1};
    assert_int_equal(as_pg_batch_commit(s_c, s, &row, 1, NULL, &s_err), AS_UNAVAILABLE);
    assert_non_null(strstr(s_err.msg, "PostgreSQL: commit: "));
    /* the client reconnects and retries with the same key: stored once */
    PQfinish(s_c);
    s_c = as_pg_connect(s_conninfo, &s_err);
    assert_non_null(s_c);
    assert_int_equal(as_pg_exec(s_c, "DROP TRIGGER die_at_commit ON responses", PGRES_COMMAND_OK,
                                "drop trigger", &s_err),
                     AS_OK);
    for (int retry = 0; retry < 2; retry++) {
        s[0] = s_subject("doomed", "k1");
        assert_int_equal(as_pg_batch_begin(s_c, s, 1, NULL, &first, &s_err), AS_OK);
        /* the first retry stores it (the ids reserved by the lost one went with it); the second
         * finds it */
        uint32_t n = s[0].known_rid ? 0 : 1;
        row = (as_pg_row_t){first, 0, s[0].attempts + 1, "\xc0", 1};
        assert_int_equal(as_pg_batch_commit(s_c, s, &row, n, NULL, &s_err), AS_OK);
        assert_true(retry == 0 ? s[0].known_rid == 0 : s[0].known_rid == 1);
    }
    assert_string_equal(s_one("SELECT string_agg(rid::text, ' ') FROM responses"), "1");
}

static void s_listed_job(void *arg, const as_job_t *job)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 128 - n, "%s%llu", n ? " " : "", (unsigned long long)job->id);
}

static void s_bytes(void *arg, const void *data, size_t len)
{
    snprintf(arg, 64, "%.*s", (int)len, (const char *)data);
}

/* Jobs: stored, listed, their data; one engine at a time runs one (a lease), and an engine
 * whose lease was taken over cannot write the job any more. */
static void a_job_runs_on_one_engine_at_a_time_and_a_lost_lease_cannot_write(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    as_job_t j1 = {.kind = AS_JOB_REGRADE, .state = AS_JOB_QUEUED},
             j2 = {.kind = AS_JOB_FIT, .state = AS_JOB_QUEUED};
    assert_int_equal(as_pg_job_new(s_c, &j1, &s_err), AS_OK);
    assert_int_equal(as_pg_job_new(s_c, &j2, &s_err), AS_OK);
    assert_true(j1.id == 1 && j2.id == 2);
    assert_int_equal(as_pg_job_data_put(s_c, 2, AS_JOB_ARGS, "args", 4, &s_err), AS_OK);
    char out[128] = "";
    assert_int_equal(as_pg_job_data_get(s_c, 2, AS_JOB_ARGS, s_bytes, out, &s_err), AS_OK);
    assert_string_equal(out, "args");
    assert_int_equal(as_pg_job_data_get(s_c, 2, AS_JOB_RESULT, s_bytes, out, &s_err), AS_NOT_FOUND);
    assert_string_equal(s_err.msg, "job 2 has no result");
    uint64_t total;
    bool more;
    out[0] = '\0';
    assert_int_equal(as_pg_job_list(s_c, 0, 1, s_listed_job, out, &total, &more, &s_err), AS_OK);
    assert_string_equal(out, "1");
    assert_true(total == 2 && more);
    as_job_t next;
    assert_int_equal(as_pg_job_next(s_c, &next, &s_err), AS_OK);
    assert_true(next.id == 1);
    /* engine a takes job 1; engine b, asking while a holds it, gets job 2 */
    as_job_t ja, jb;
    uint64_t ea, eb;
    assert_int_equal(as_pg_job_lease(s_c, "a", 60, &ja, &ea, &s_err), AS_OK);
    assert_true(ja.id == 1 && ea == 1);
    assert_int_equal(as_pg_job_lease(s_c, "b", 60, &jb, &eb, &s_err), AS_OK);
    assert_true(jb.id == 2 && eb == 1);
    /* a renews its own: the same job, the same epoch */
    assert_int_equal(as_pg_job_lease(s_c, "a", 60, &ja, &ea, &s_err), AS_OK);
    assert_true(ja.id == 1 && ea == 1);
    /* b finishes job 2; a's lease of job 1 runs out (a stopped): b takes it over */
    jb.state = AS_JOB_DONE;
    assert_int_equal(as_pg_job_put(s_c, &jb, eb, &s_err), AS_OK);
    assert_int_equal(as_pg_exec(s_c,
                                "UPDATE jobs SET lease_until = now() - interval '1 s' WHERE "
                                "id = 1",
                                PGRES_COMMAND_OK, "expire", &s_err),
                     AS_OK);
    assert_int_equal(as_pg_job_lease(s_c, "b", 60, &jb, &eb, &s_err), AS_OK);
    assert_true(jb.id == 1 && eb == 2);
    /* a comes back with its old epoch: refused; b writes */
    ja.done = 10;
    assert_int_equal(as_pg_job_put(s_c, &ja, ea, &s_err), AS_CONFLICT);
    assert_string_equal(s_err.msg, "job 1: this engine's lease (epoch 1) was taken over: it runs "
                                   "elsewhere now");
    jb.done = 20;
    jb.state = AS_JOB_DONE;
    assert_int_equal(as_pg_job_put(s_c, &jb, eb, &s_err), AS_OK);
    as_job_t got;
    assert_int_equal(as_pg_job_get(s_c, 1, &got, &s_err), AS_OK);
    assert_true(got.done == 20);
    /* nothing left to run */
    assert_int_equal(as_pg_job_lease(s_c, "a", 60, &ja, &ea, &s_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_job_next(s_c, &next, &s_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_job_get(s_c, 9, &got, &s_err), AS_NOT_FOUND);
}

static void s_listed_skill(void *arg, const char *id, uint32_t len, const as_skill_t *sk)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 128 - n, "%s%.*s@%u", n ? " " : "", (int)len, id, sk->live_gen);
}

/* Skills: put, listed in id order with the total, not deleted while an assessment names one, and
 * put again after a delete with generations that go on (its old states never count). */
static void skills_are_kept_and_one_in_use_is_not_deleted(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    as_bkt_params_t bp = {.prior = 0.3, .learn = 0.2, .guess = 0.2, .slip = 0.1};
    bool created;
    assert_int_equal(as_pg_skill_put(s_c, "b", 1, &bp, &created, &s_err), AS_OK);
    assert_true(created);
    assert_int_equal(as_pg_skill_put(s_c, "a", 1, &bp, &created, &s_err), AS_OK);
    bp.prior = 0.5;
    assert_int_equal(as_pg_skill_put(s_c, "a", 1, &bp, &created, &s_err), AS_OK);
    assert_false(created);
    as_skill_t sk;
    assert_int_equal(as_pg_skill_get(s_c, "a", 1, &sk, &s_err), AS_OK);
    assert_true(sk.params.prior == 0.5 && sk.live_gen == 1);
    char out[128] = "";
    uint64_t total;
    bool more;
    assert_int_equal(as_pg_skill_list(s_c, NULL, 0, 1, s_listed_skill, out, &total, &more, &s_err),
                     AS_OK);
    assert_string_equal(out, "a@1");
    assert_true(total == 2 && more);
    /* an assessment names skill a: not deleted */
    msgpack_sbuffer src;
    msgpack_sbuffer_init(&src);
    tjson_pack(&src, "{'id':'quiz','items':[{'id':'q','cardinality':'single','base_type':"
                     "'integer','rule':'match_correct','correct':[1],'skills':['a']}]}");
    as_compiled_t c;
    assert_int_equal(as_table_compile((const uint8_t *)src.data, src.size, &c, &s_err), AS_OK);
    uint32_t version;
    uint64_t seq;
    assert_int_equal(as_pg_catalog_put(s_c, "quiz", 4, src.data, src.size, c.blob, c.size, &version,
                                       &seq, &s_err),
                     AS_OK);
    msgpack_sbuffer_destroy(&src);
    as_table_t qt;
    assert_int_equal(as_table_open(c.blob, c.size, &qt, &s_err), AS_OK);
    assert_int_equal(as_pg_skills_check(s_c, &qt, &s_err), AS_OK);
    assert_int_equal(as_pg_skill_delete(s_c, "a", 1, &s_err), AS_CONFLICT);
    assert_string_equal(s_err.msg, "skill \"a\" is used by assessment \"quiz\": remove it from "
                                   "that assessment's items first");
    /* the assessment gone, the skill goes; put again, its generations go on */
    assert_int_equal(as_pg_catalog_delete(s_c, "quiz", 4, &seq, &s_err), AS_OK);
    assert_int_equal(as_pg_skill_delete(s_c, "a", 1, &s_err), AS_OK);
    assert_int_equal(as_pg_skill_get(s_c, "a", 1, &sk, &s_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_skills_check(s_c, &qt, &s_err), AS_BAD_REQUEST);
    assert_string_equal(s_err.msg, "items[0].skills[0]: unknown skill \"a\"");
    free(c.blob);
    assert_int_equal(as_pg_skill_put(s_c, "a", 1, &bp, &created, &s_err), AS_OK);
    assert_true(created);
    assert_int_equal(as_pg_skill_get(s_c, "a", 1, &sk, &s_err), AS_OK);
    assert_true(sk.live_gen == 2 && sk.last_gen == 2);
    out[0] = '\0';
    assert_int_equal(as_pg_skill_list(s_c, "a", 1, 10, s_listed_skill, out, &total, &more, &s_err),
                     AS_OK);
    assert_string_equal(out, "b@1");
    assert_true(total == 2 && !more);
}

static bool s_listed_attempt(void *arg, const as_attempt_t *a, const void *answers, size_t len)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 64 - n, "%s%llu:%.*s", n ? " " : "", (unsigned long long)a->id,
             (int)a->learner_len, a->learner);
    return true;
}

static as_attempt_t s_attempt(const char *learner, double deadline)
{
    as_attempt_t a = {.state = AS_ATT_IN_PROGRESS,
                      .deadline = deadline,
                      .grace_s = 60,
                      .assessment_len = 4,
                      .learner_len = (uint32_t)strlen(learner)};
    memcpy(a.assessment, "exam", 4);
    memcpy(a.learner, learner, a.learner_len);
    return a;
}

/* Attempts: one unfinished per learner (the database refuses a second, as it would from another
 * engine), their deadline events swept in order, two sweeps at once taking different events and
 * neither waiting, and a finished attempt's events gone. */
static void attempts_are_one_open_per_learner_and_sweeps_take_different_events(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    as_attempt_t a = s_attempt("ana", 1000), b = s_attempt("ben", 1000.5);
    assert_int_equal(as_pg_attempt_new(s_c, &a, "\x80", 1, &s_err), AS_OK);
    assert_int_equal(as_pg_attempt_new(s_c, &b, NULL, 0, &s_err), AS_OK);
    assert_true(a.id == 1 && b.id == 2);
    as_attempt_t again = s_attempt("ana", 0);
    assert_int_equal(as_pg_attempt_new(s_c, &again, NULL, 0, &s_err), AS_CONFLICT);
    assert_string_equal(s_err.msg, "learner \"ana\" has an unfinished attempt at \"exam\" already");
    as_subject_t sa = {
        .assessment = "exam", .assessment_len = 4, .learner = "ana", .learner_len = 3};
    uint64_t id;
    assert_int_equal(as_pg_attempt_open(s_c, &sa, &id, &s_err), AS_OK);
    assert_true(id == 1);
    /* nothing due before the first deadline; then ana's, then ben's */
    as_due_t kind;
    double next;
    assert_int_equal(as_pg_attempt_due(s_c, 999, &id, &kind, &next, &s_err), AS_NOT_FOUND);
    assert_true(next == 1000);
    /* two engines sweep at once: each in its transaction, each takes a different event */
    PGconn *other = as_pg_connect(s_conninfo, &s_err);
    assert_non_null(other);
    assert_int_equal(as_pg_exec(s_c, "BEGIN", PGRES_COMMAND_OK, "begin", &s_err), AS_OK);
    assert_int_equal(as_pg_exec(other, "BEGIN", PGRES_COMMAND_OK, "begin", &s_err), AS_OK);
    uint64_t id2;
    as_due_t kind2;
    assert_int_equal(as_pg_attempt_due(s_c, 1001, &id, &kind, NULL, &s_err), AS_OK);
    assert_int_equal(as_pg_attempt_due(other, 1001, &id2, &kind2, NULL, &s_err), AS_OK);
    assert_true(id == 1 && kind == AS_DUE_OVERDUE && id2 == 2 && kind2 == AS_DUE_OVERDUE);
    assert_int_equal(as_pg_exec(s_c, "COMMIT", PGRES_COMMAND_OK, "commit", &s_err), AS_OK);
    assert_int_equal(as_pg_exec(other, "COMMIT", PGRES_COMMAND_OK, "commit", &s_err), AS_OK);
    PQfinish(other);
    /* ana submits: her attempt is closed, her end event gone; ben's remains */
    a.state = AS_ATT_SUBMITTED;
    assert_int_equal(as_pg_attempt_put(s_c, &a, "\x81\xa1q\x01", 4, &s_err), AS_OK);
    assert_int_equal(as_pg_attempt_open(s_c, &sa, &id, &s_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_attempt_due(s_c, 2000, &id, &kind, &next, &s_err), AS_OK);
    assert_true(id == 2 && kind == AS_DUE_END && next == 0);
    as_attempt_t got;
    char answers[64] = "";
    assert_int_equal(as_pg_attempt_get(s_c, 1, &got, s_bytes, answers, &s_err), AS_OK);
    assert_true(got.state == AS_ATT_SUBMITTED && strcmp(answers, "\x81\xa1q\x01") == 0);
    /* now ana may start another */
    again = s_attempt("ana", 0);
    assert_int_equal(as_pg_attempt_new(s_c, &again, NULL, 0, &s_err), AS_OK);
    /* counted attempts, and the assessment's attempts in order */
    uint32_t counted;
    assert_int_equal(as_pg_attempt_count(s_c, &sa, &counted, &s_err), AS_OK);
    assert_int_equal(counted, 0);
    assert_int_equal(as_pg_attempt_count_set(s_c, &sa, 2, &s_err), AS_OK);
    assert_int_equal(as_pg_attempt_count(s_c, &sa, &counted, &s_err), AS_OK);
    assert_int_equal(counted, 2);
    char order[64] = "";
    assert_int_equal(as_pg_attempt_list(s_c, "exam", 4, 1, s_listed_attempt, order, &s_err), AS_OK);
    /* (id 3 went to the refused start: outside a transaction its id is not given back) */
    assert_string_equal(order, "2:ben 4:ana");
    /* overrides */
    as_override_t o = {.extra_time_s = 600, .extra_attempts = 1}, back;
    bool found;
    assert_int_equal(as_pg_override_get(s_c, &sa, &back, &found, &s_err), AS_OK);
    assert_false(found);
    assert_int_equal(as_pg_override_put(s_c, &sa, &o, &s_err), AS_OK);
    assert_int_equal(as_pg_override_get(s_c, &sa, &back, &found, &s_err), AS_OK);
    assert_true(found && back.extra_time_s == 600 && back.extra_attempts == 1);
}

static bool s_listed_model(void *arg, const char *id, uint32_t len, const as_model_rec_t *rec,
                           const void *blob, size_t blob_len)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 64 - n, "%s%.*s v%u %zu bytes", n ? " " : "", (int)len, id, rec->version,
             blob_len);
    return true;
}

/* Models: versions and generations as the LMDB store keeps them, learners' states slot for slot
 * the same, through a recompute's shadow generation, a new version and a delete. */
static void models_and_their_states_are_the_lmdb_stores_slot_for_slot(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    as_store_t *st = s_map("models");
    as_model_rec_t pr, lr;
    bool pc, lc;
    static const uint8_t blob[4] = {1, 2, 3, 4}, src[2] = {0x80, 0};
    as_wtxn_t *w;
    assert_int_equal(as_pg_model_put(s_c, "dkt", 3, 1, blob, 4, src, 1, &pr, &pc, &s_err), AS_OK);
    assert_int_equal(as_wtxn_begin(st, &w, &s_err), AS_OK);
    assert_int_equal(as_store_model_put(w, "dkt", 3, 1, blob, 4, src, 1, &lr, &lc, &s_err), AS_OK);
    assert_true(pc && lc && pr.version == lr.version && pr.live_gen == lr.live_gen);
    pr.n_state = lr.n_state = 3;
    uint32_t seed = 5;
    for (int step = 0; step < 12; step++) {
        if (step == 4) { /* a recompute builds a new generation beside the live one */
            pr.shadow_gen = lr.shadow_gen = ++pr.last_gen;
            lr.last_gen = pr.last_gen;
        }
        if (step == 8) { /* and makes it live */
            pr.live_gen = lr.live_gen = pr.shadow_gen;
            pr.shadow_gen = lr.shadow_gen = 0;
        }
        seed = seed * 1103515245u + 12345u;
        const char *learner = (seed >> 8) % 2 ? "ana" : "ben";
        uint32_t gen = pr.shadow_gen && (seed >> 10) % 2 ? pr.shadow_gen : pr.live_gen;
        float s3[3] = {(float)step, (float)(seed % 7), 0.5f};
        bool pn, ln;
        assert_int_equal(as_pg_model_state_put(s_c, "dkt", 3, learner, 3, &pr, gen, (uint32_t)step,
                                               s3, &pn, &s_err),
                         AS_OK);
        assert_int_equal(as_store_model_state_put(w, "dkt", 3, learner, 3, &lr, gen, (uint32_t)step,
                                                  s3, &ln, &s_err),
                         AS_OK);
        assert_true(pn == ln && pr.learners == lr.learners);
        for (int l = 0; l < 2; l++)
            for (uint32_t g = 1; g <= 3; g++) {
                const char *who = l ? "ana" : "ben";
                float got[3];
                const void *lv;
                uint32_t psteps, lsteps;
                bool pf, lf;
                assert_int_equal(
                    as_pg_model_state_get(s_c, "dkt", 3, who, 3, g, 3, got, &psteps, &pf, &s_err),
                    AS_OK);
                assert_int_equal(
                    as_store_model_state_wget(w, "dkt", 3, who, 3, g, 3, &lv, &lsteps, &lf, &s_err),
                    AS_OK);
                assert_true(pf == lf);
                if (pf) assert_true(psteps == lsteps && memcmp(got, lv, sizeof got) == 0);
            }
    }
    /* a new version drops the states; a delete remembers the version and generation */
    assert_int_equal(as_pg_model_put(s_c, "dkt", 3, 1, blob, 4, src, 1, &pr, &pc, &s_err), AS_OK);
    assert_int_equal(as_store_model_put(w, "dkt", 3, 1, blob, 4, src, 1, &lr, &lc, &s_err), AS_OK);
    assert_true(!pc && pr.version == 2 && pr.version == lr.version && pr.live_gen == lr.live_gen);
    assert_string_equal(s_one("SELECT count(*) FROM model_states"), "0");
    assert_int_equal(as_pg_model_delete(s_c, "dkt", 3, &s_err), AS_OK);
    assert_int_equal(as_store_model_delete(w, "dkt", 3, &s_err), AS_OK);
    assert_int_equal(as_pg_model_get(s_c, "dkt", 3, &pr, NULL, NULL, &s_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_model_source(s_c, "dkt", 3, s_bytes, NULL, &s_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_model_put(s_c, "dkt", 3, 1, blob, 4, src, 1, &pr, &pc, &s_err), AS_OK);
    assert_int_equal(as_store_model_put(w, "dkt", 3, 1, blob, 4, src, 1, &lr, &lc, &s_err), AS_OK);
    assert_true(pc && pr.version == 3 && pr.version == lr.version && pr.live_gen == lr.live_gen);
    /* listed with its blob, its source read back */
    char listed[64] = "";
    uint64_t total;
    bool more;
    assert_int_equal(
        as_pg_model_list(s_c, NULL, 0, 10, s_listed_model, listed, &total, &more, &s_err), AS_OK);
    assert_string_equal(listed, "dkt v3 4 bytes");
    assert_true(total == 1 && !more);
    char source[64] = "";
    assert_int_equal(as_pg_model_source(s_c, "dkt", 3, s_bytes, source, &s_err), AS_OK);
    assert_string_equal(source, "\x80");
    as_wtxn_abort(&w);
    as_store_destroy(&st);
}

/* The server up again (tools/pg up: a no-op when it runs) and a new connection. */
static void s_reconnect(void)
{
    assert_int_equal(s_pg("up", NULL, 0), 0);
    PQfinish(s_c);
    for (int i = 0; i < 100 && !(s_c = as_pg_connect(s_conninfo, &s_err)); i++)
        usleep(50000);
    if (!s_c) fail_msg("%s", s_err.msg);
}

/* Kills the server after the delay (ms) in arg: a machine losing power mid-load. */
static void *s_killer(void *arg)
{
    usleep((useconds_t)(*(int *)arg) * 1000);
    s_pg("kill", NULL, 0);
    return NULL;
}

/* The server killed while batches of keyed submissions are being committed: every batch answered
 * ok is there after it comes back; the others were answered unavailable, and retried with their
 * keys they are stored exactly once. (Whenever the kill lands, these hold.) */
static void a_server_killed_mid_load_loses_nothing_acknowledged_and_duplicates_nothing(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
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
            s[j] = s_subject(j % 2 ? "ana" : "ben", keys[b][j]);
        }
        for (int attempt = 0;; attempt++) {
            uint64_t first;
            as_code_t rc = as_pg_batch_begin(s_c, s, N, NULL, &first, &s_err);
            as_pg_row_t rows[N];
            uint32_t n = 0;
            for (uint32_t j = 0; !rc && j < N; j++)
                if (!s[j].known_rid)
                    rows[n++] = (as_pg_row_t){first + j, j, s[j].attempts + 1 + j / 2, "\xc0", 1};
            if (!rc) rc = as_pg_batch_commit(s_c, s, rows, n, NULL, &s_err);
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
            s_reconnect();
            assert_true(attempt < 5);
        }
    }
    if (!joined) pthread_join(killer, NULL);
    /* (how many failed depends on where the kill landed: none when it fell between two
     * batches; the server is up again either way) */
    s_reconnect();
    /* every batch is there, each response once: ok first time or retried */
    char want[32];
    snprintf(want, sizeof want, "%d", BATCHES * N);
    assert_string_equal(s_one("SELECT count(*) FROM responses"), want);
    assert_string_equal(s_one("SELECT count(*) FROM idempotency"), want);
    assert_string_equal(s_one("SELECT count(DISTINCT rid) FROM idempotency"), want);
    for (int b = 0; b < BATCHES; b++)
        if (acked_first[b]) { /* acknowledged at once: there with every key */
            char sql[160];
            snprintf(sql, sizeof sql, "SELECT count(*) FROM idempotency WHERE key LIKE 'k%d-%%'",
                     b);
            assert_string_equal(s_one(sql), "8");
        }
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

/* Responses stored by batches read back as the LMDB store lists them: pages in submission
 * order with the total and whether more follow, one learner's, one by id. */
static void stored_responses_read_back_in_pages_with_their_totals(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    as_pg_subject_t s[5] = {s_subject("ana", NULL), s_subject("ben", NULL), s_subject("ana", NULL),
                            s_subject("ben", NULL), s_subject("ana", NULL)};
    uint64_t first;
    assert_int_equal(as_pg_batch_begin(s_c, s, 5, NULL, &first, &s_err), AS_OK);
    static const uint8_t recs[5] = {0xa1, 0xb1, 0xa2, 0xb2, 0xa3};
    as_pg_row_t rows[5];
    for (uint32_t i = 0; i < 5; i++)
        rows[i] = (as_pg_row_t){first + i, i, 1 + i / 2, &recs[i], 1};
    assert_int_equal(as_pg_batch_commit(s_c, s, rows, 5, NULL, &s_err), AS_OK);
    char out[256] = "";
    uint64_t total;
    bool more;
    assert_int_equal(
        as_pg_response_list(s_c, "quiz", 4, NULL, 0, 0, 2, s_listed, out, &total, &more, &s_err),
        AS_OK);
    assert_string_equal(out, "1:a1 2:b1");
    assert_true(total == 5 && more);
    out[0] = '\0';
    assert_int_equal(
        as_pg_response_list(s_c, "quiz", 4, NULL, 0, 4, 2, s_listed, out, &total, &more, &s_err),
        AS_OK);
    assert_string_equal(out, "5:a3");
    assert_false(more);
    out[0] = '\0';
    assert_int_equal(
        as_pg_response_list(s_c, "quiz", 4, "ana", 3, 0, 10, s_listed, out, &total, &more, &s_err),
        AS_OK);
    assert_string_equal(out, "1:a1 3:a2 5:a3");
    assert_true(total == 3 && !more);
    out[0] = '\0';
    assert_int_equal(as_pg_response_get(s_c, 4, s_listed, out, &s_err), AS_OK);
    assert_string_equal(out, "4:b2");
    out[0] = '\0';
    assert_int_equal(as_pg_rids_scan(s_c, 1, 3, s_scanned, out, &s_err), AS_OK);
    assert_string_equal(out, "2:quiz 3:quiz 4:quiz");
    assert_int_equal(as_pg_response_get(s_c, 9, s_listed, out, &s_err), AS_NOT_FOUND);
    assert_string_equal(s_err.msg, "response 9 not found");
    out[0] = '\0';
    assert_int_equal(
        as_pg_response_list(s_c, "none", 4, NULL, 0, 0, 10, s_listed, out, &total, &more, &s_err),
        AS_OK);
    assert_true(out[0] == '\0' && total == 0 && !more);
}

static void s_listed_state(void *arg, const char *skill, uint32_t len, const as_skill_t *sk,
                           const as_mastery_t *m)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s%.*s:%.17g:%u", n ? " " : "", (int)len, skill, m->s.p,
             m->opportunities);
}

static void s_counted_state(void *arg, const char *skill, uint32_t len, const as_skill_t *sk,
                            const as_mastery_t *m)
{
    (*(int *)arg)++;
}

/* Mastery states kept by batches on PostgreSQL are the LMDB store's, state for state and slot
 * for slot: BKT steps over several batches, a pair touched twice in one batch, and a recompute's
 * shadow generation written beside the live one, then made live. */
static void mastery_on_postgresql_is_the_lmdb_stores_slot_for_slot(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    as_store_t *st = s_map("mastery");
    as_skill_t sk = {.params = {.prior = 0.3, .learn = 0.2, .forget = 0, .guess = 0.2, .slip = 0.1},
                     .live_gen = 1,
                     .last_gen = 1};
    static const char *const learners[] = {"ana", "ben", "cy"}, *const skills[] = {"add", "sub"};
    uint32_t seed = 11;
    for (int batch = 0; batch < 10; batch++) {
        if (batch == 5) sk.shadow_gen = 2; /* a recompute builds generation 2 beside 1 */
        if (batch == 8) sk = (as_skill_t){.params = sk.params, .live_gen = 2, .last_gen = 2};
        enum { N = 5 };
        as_pg_pair_t pairs[N];
        bool correct[N];
        uint32_t gen[N];
        for (int i = 0; i < N; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *l = learners[(seed >> 8) % 3], *s = skills[(seed >> 10) % 2];
            pairs[i] = (as_pg_pair_t){l, s, (uint32_t)strlen(l), (uint32_t)strlen(s)};
            correct[i] = (seed >> 12) % 3 != 0;
            gen[i] = sk.shadow_gen && (seed >> 14) % 2 ? sk.shadow_gen : sk.live_gen;
        }
        as_pg_mastery_t *pm = as_pg_mastery_new();
        as_pg_state_t kept = {.mastery = pm, .pairs = pairs, .n_pairs = N};
        as_pg_subject_t none[1] = {s_subject("x", NULL)};
        uint64_t first;
        assert_int_equal(as_pg_batch_begin(s_c, none, 1, &kept, &first, &s_err), AS_OK);
        as_wtxn_t *w;
        assert_int_equal(as_wtxn_begin(st, &w, &s_err), AS_OK);
        for (int i = 0; i < N; i++) {
            const as_pg_pair_t *q = &pairs[i];
            as_mastery_t pgm, lm;
            bool pf, lf;
            assert_int_equal(as_pg_mastery_get(pm, q->learner, q->learner_len, q->skill,
                                               q->skill_len, &sk, gen[i], &pgm, &pf, &s_err),
                             AS_OK);
            assert_int_equal(as_store_mastery_wget(w, q->learner, q->learner_len, q->skill,
                                                   q->skill_len, &sk, gen[i], &lm, &lf, &s_err),
                             AS_OK);
            assert_true(pf == lf && pgm.s.p == lm.s.p && pgm.s.q == lm.s.q &&
                        pgm.opportunities == lm.opportunities);
            as_bkt_step(&sk.params, &pgm.s, correct[i]);
            pgm.opportunities++;
            assert_int_equal(as_pg_mastery_put(pm, q->learner, q->learner_len, q->skill,
                                               q->skill_len, &sk, gen[i], &pgm, &s_err),
                             AS_OK);
            assert_int_equal(as_store_mastery_wput(w, q->learner, q->learner_len, q->skill,
                                                   q->skill_len, &sk, gen[i], &pgm, &s_err),
                             AS_OK);
        }
        assert_int_equal(as_wtxn_commit(&w, &s_err), AS_OK);
        assert_int_equal(as_pg_batch_commit(s_c, none, NULL, 0, &kept, &s_err), AS_OK);
        as_pg_mastery_free(&pm);
    }
    /* every entry, read afresh from both, in both generations */
    as_pg_pair_t all[6];
    for (int i = 0; i < 6; i++)
        all[i] = (as_pg_pair_t){learners[i / 2], skills[i % 2], (uint32_t)strlen(learners[i / 2]),
                                (uint32_t)strlen(skills[i % 2])};
    as_pg_mastery_t *pm = as_pg_mastery_new();
    as_pg_state_t kept = {.mastery = pm, .pairs = all, .n_pairs = 6};
    as_pg_subject_t none[1] = {s_subject("x", NULL)};
    uint64_t first;
    assert_int_equal(as_pg_batch_begin(s_c, none, 1, &kept, &first, &s_err), AS_OK);
    as_pg_batch_abort(s_c);
    as_wtxn_t *w;
    assert_int_equal(as_wtxn_begin(st, &w, &s_err), AS_OK);
    int compared = 0;
    for (int i = 0; i < 6; i++)
        for (uint32_t g = 1; g <= 2; g++) {
            as_mastery_t pgm, lm;
            bool pf, lf;
            assert_int_equal(as_pg_mastery_get(pm, all[i].learner, all[i].learner_len, all[i].skill,
                                               all[i].skill_len, &sk, g, &pgm, &pf, &s_err),
                             AS_OK);
            assert_int_equal(as_store_mastery_wget(w, all[i].learner, all[i].learner_len,
                                                   all[i].skill, all[i].skill_len, &sk, g, &lm, &lf,
                                                   &s_err),
                             AS_OK);
            assert_true(pf == lf && pgm.s.p == lm.s.p && pgm.s.q == lm.s.q &&
                        pgm.opportunities == lm.opportunities);
            compared += pf;
        }
    as_wtxn_abort(&w);
    assert_true(compared >= 6); /* states of both generations were there to compare */
    as_pg_mastery_free(&pm);
    /* the reads that list: a learner's live states, and every learner's of a skill (the skill
     * records stored on both sides; states of the live generation only) */
    char pg_out[512] = "", lmdb_out[512] = "";
    assert_int_equal(as_wtxn_begin(st, &w, &s_err), AS_OK);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(as_pg_skill_set(s_c, skills[k], 3, &sk, &s_err), AS_OK);
        assert_int_equal(as_store_skill_set(w, skills[k], 3, &sk, &s_err), AS_OK);
    }
    assert_int_equal(as_wtxn_commit(&w, &s_err), AS_OK);
    as_reader_t *rd;
    assert_int_equal(as_reader_new(st, &rd, &s_err), AS_OK);
    assert_int_equal(as_reader_begin(rd, &s_err), AS_OK);
    assert_int_equal(as_pg_mastery_list(s_c, "ana", 3, s_listed_state, pg_out, &s_err), AS_OK);
    assert_int_equal(as_store_mastery_list(rd, "ana", 3, s_listed_state, lmdb_out, &s_err), AS_OK);
    assert_string_equal(pg_out, lmdb_out);
    assert_true(pg_out[0] != '\0');
    int n_pg = 0, n_lmdb = 0;
    assert_int_equal(as_pg_mastery_scan(s_c, "add", 3, s_counted_state, &n_pg, &s_err), AS_OK);
    assert_int_equal(as_store_mastery_scan(rd, "add", 3, s_counted_state, &n_lmdb, &s_err), AS_OK);
    assert_int_equal(n_pg, n_lmdb);
    as_reader_destroy(&rd);
    as_store_destroy(&st);
}

/* A 3-item assessment "quiz" compiled as version `version` (blob malloc'ed in *c). */
static as_table_t s_quiz(uint32_t version, as_compiled_t *c)
{
    msgpack_sbuffer src;
    msgpack_sbuffer_init(&src);
    tjson_pack(&src, "{'id':'quiz','items':[{'id':'a','cardinality':'single','base_type':"
                     "'integer','rule':'match_correct','correct':[1]},{'id':'b','cardinality':"
                     "'single','base_type':'integer','rule':'match_correct','correct':[2]},"
                     "{'id':'c','cardinality':'single','base_type':'integer','rule':"
                     "'match_correct','correct':[3]}]}");
    if (as_table_compile((const uint8_t *)src.data, src.size, c, &s_err)) fail_msg("%s", s_err.msg);
    msgpack_sbuffer_destroy(&src);
    memcpy(c->blob + offsetof(as_thdr_t, version), &version, sizeof version);
    as_table_t t;
    assert_int_equal(as_table_open(c->blob, c->size, &t, &s_err), AS_OK);
    return t;
}

/* Report statistics kept by the batches on PostgreSQL are the LMDB store's, bit for bit, for
 * the same submissions: learners resubmitting (their previous attempt replaced), several in one
 * batch, and a new version of the assessment half-way (the statistics start afresh). */
static void statistics_on_postgresql_are_the_lmdb_stores_bit_for_bit(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    as_store_t *st = s_map("stats");
    as_compiled_t c1, c2;
    as_table_t t1 = s_quiz(1, &c1), t2 = s_quiz(2, &c2);
    static const char *const learners[] = {"ana", "ben", "cy", "dee", "eli"};
    uint32_t seed = 7;
    uint64_t rid = 0;
    /* none yet: zero statistics of the version's shape, as the LMDB store reads them */
    {
        as_stats_sums_t *none;
        as_total_count_t *tot;
        size_t nt;
        assert_int_equal(as_pg_stats_read(s_c, &t1, &none, &tot, &nt, &s_err), AS_OK);
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
            s[i] = s_subject(learners[(seed >> 8) % 5], NULL);
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
        as_pg_stats_t *ps = as_pg_stats_new();
        as_pg_state_t kept = {.stats = ps};
        if (as_pg_batch_begin(s_c, s, N, &kept, &first, &s_err)) fail_msg("%s", s_err.msg);
        for (int i = 0; i < N; i++)
            if (as_pg_stats_add(ps, &s[i], first + (uint64_t)i, t, x[i], answered[i], total[i],
                                &s_err))
                fail_msg("%s", s_err.msg);
        if (as_pg_batch_commit(s_c, s, NULL, 0, &kept, &s_err)) fail_msg("%s", s_err.msg);
        as_pg_stats_free(&ps);
        /* LMDB: the same submissions, one transaction */
        as_wtxn_t *w;
        assert_int_equal(as_wtxn_begin(st, &w, &s_err), AS_OK);
        for (int i = 0; i < N; i++) {
            as_subject_t ls = {.assessment = "quiz",
                               .assessment_len = 4,
                               .learner = s[i].learner,
                               .learner_len = s[i].learner_len};
            assert_int_equal(
                as_store_stats_update(w, &ls, ++rid, t, x[i], answered[i], total[i], &s_err),
                AS_OK);
        }
        assert_int_equal(as_wtxn_commit(&w, &s_err), AS_OK);
        /* the same sums, the same totals */
        as_stats_sums_t *ps_sums, *ls_sums;
        as_total_count_t *ps_tot, *ls_tot;
        size_t ps_n, ls_n;
        assert_int_equal(as_pg_stats_read(s_c, t, &ps_sums, &ps_tot, &ps_n, &s_err), AS_OK);
        as_reader_t *rd;
        assert_int_equal(as_reader_new(st, &rd, &s_err), AS_OK);
        assert_int_equal(as_reader_begin(rd, &s_err), AS_OK);
        assert_int_equal(as_store_stats_read(rd, t, &ls_sums, &ls_tot, &ls_n, &s_err), AS_OK);
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

/* Compares the statistics of table t on PostgreSQL and on the LMDB store st: the same bytes,
 * the same totals. */
static void s_same_stats(as_store_t *st, const as_table_t *t, const char *when)
{
    as_stats_sums_t *ps, *ls;
    as_total_count_t *pt, *lt;
    size_t pn, ln;
    assert_int_equal(as_pg_stats_read(s_c, t, &ps, &pt, &pn, &s_err), AS_OK);
    as_reader_t *rd;
    assert_int_equal(as_reader_new(st, &rd, &s_err), AS_OK);
    assert_int_equal(as_reader_begin(rd, &s_err), AS_OK);
    assert_int_equal(as_store_stats_read(rd, t, &ls, &lt, &ln, &s_err), AS_OK);
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

/* A regrade's statistics on PostgreSQL are the LMDB store's, bit for bit: submissions stored,
 * then a new version's regrade (a new generation rebuilt by the job; each learner counted once,
 * by their latest response only, however often it comes), a submission during it, and the
 * generation completed. */
static void a_regrades_statistics_on_postgresql_are_the_lmdb_stores_bit_for_bit(void **state)
{
    s_reset();
    assert_int_equal(as_pg_migrate(s_c, NULL, &s_err), AS_OK);
    as_store_t *st = s_map("regrade");
    as_compiled_t c1, c2;
    as_table_t t1 = s_quiz(1, &c1), t2 = s_quiz(2, &c2);
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
            s[i] = s_subject(learners[(seed >> 8) % 4], NULL);
            total[i] = 0;
            for (int j = 0; j < 3; j++) {
                seed = seed * 1103515245u + 12345u;
                answered[i][j] = (seed >> 9) % 4 != 0;
                x[i][j] = answered[i][j] ? (double)((seed >> 12) % 3) : 0;
                total[i] += x[i][j];
            }
        }
        as_pg_stats_t *ps = as_pg_stats_new();
        as_pg_state_t kept = {.stats = ps};
        uint64_t first;
        if (as_pg_batch_begin(s_c, s, 5, &kept, &first, &s_err)) fail_msg("%s", s_err.msg);
        as_pg_row_t rows[5];
        as_wtxn_t *w;
        assert_int_equal(as_wtxn_begin(st, &w, &s_err), AS_OK);
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
            assert_int_equal(as_store_response_add(w, &ls, rid, attempt, "\xc0", 1, &s_err), AS_OK);
            assert_int_equal(
                as_store_stats_update(w, &ls, rid, &t1, x[i], answered[i], total[i], &s_err),
                AS_OK);
            assert_int_equal(
                as_pg_stats_add(ps, &s[i], rid, &t1, x[i], answered[i], total[i], &s_err), AS_OK);
        }
        assert_int_equal(as_wtxn_commit(&w, &s_err), AS_OK);
        if (as_pg_batch_commit(s_c, s, rows, 5, &kept, &s_err)) fail_msg("%s", s_err.msg);
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
            s[n++] = s_subject(who[r], NULL);
        as_pg_stats_t *ps = as_pg_stats_new();
        as_pg_state_t kept = {.stats = ps};
        uint64_t first;
        if (as_pg_batch_begin(s_c, s, n, &kept, &first, &s_err)) fail_msg("%s", s_err.msg);
        as_wtxn_t *w;
        assert_int_equal(as_wtxn_begin(st, &w, &s_err), AS_OK);
        if (part == 0) {
            assert_int_equal(as_pg_stats_reset(ps, "quiz", 4, &t2, 7, &pgen, &s_err), AS_OK);
            assert_int_equal(as_store_stats_reset(w, "quiz", 4, &t2, 7, &lgen, &s_err), AS_OK);
            assert_int_equal(pgen, lgen);
        }
        for (uint64_t r = from; r <= to; r++) {
            double x[3] = {(double)(r % 2), 1, (double)(r % 3)};
            uint8_t answered[3] = {1, 1, r % 3 != 0};
            double total = x[0] + x[1] + x[2];
            as_pg_subject_t ps1 = s_subject(who[r], NULL);
            as_subject_t ls = {.assessment = "quiz",
                               .assessment_len = 4,
                               .learner = who[r],
                               .learner_len = (uint32_t)strlen(who[r])};
            assert_int_equal(
                as_pg_stats_regraded(ps, &ps1, r, &t2, pgen, x, answered, total, &s_err), AS_OK);
            assert_int_equal(
                as_store_stats_regraded(w, &ls, r, &t2, lgen, x, answered, total, &s_err), AS_OK);
        }
        if (part == 1) {
            assert_int_equal(as_pg_stats_rebuilt(ps, &t2, 7, &s_err), AS_OK);
            assert_int_equal(as_store_stats_rebuilt(w, &t2, 7, &s_err), AS_OK);
        }
        assert_int_equal(as_wtxn_commit(&w, &s_err), AS_OK);
        if (as_pg_batch_commit(s_c, s, NULL, 0, &kept, &s_err)) fail_msg("%s", s_err.msg);
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
        cmocka_unit_test(migrations_build_the_schema_from_empty_and_from_every_older_one),
        cmocka_unit_test(a_database_newer_than_the_build_is_refused),
        cmocka_unit_test(versions_never_repeat_across_deletes),
        cmocka_unit_test(the_follower_keeps_the_local_map_current_and_goes_on_after_a_restart),
        cmocka_unit_test(a_map_of_another_database_is_rebuilt_from_the_start),
        cmocka_unit_test(a_batch_reads_what_it_needs_and_stores_its_responses_in_one_transaction),
        cmocka_unit_test(a_commit_whose_outcome_is_unknown_is_unavailable_and_a_retry_is_safe),
        cmocka_unit_test(
            a_server_killed_mid_load_loses_nothing_acknowledged_and_duplicates_nothing),
        cmocka_unit_test(stored_responses_read_back_in_pages_with_their_totals),
        cmocka_unit_test(a_job_runs_on_one_engine_at_a_time_and_a_lost_lease_cannot_write),
        cmocka_unit_test(skills_are_kept_and_one_in_use_is_not_deleted),
        cmocka_unit_test(attempts_are_one_open_per_learner_and_sweeps_take_different_events),
        cmocka_unit_test(models_and_their_states_are_the_lmdb_stores_slot_for_slot),
        cmocka_unit_test(statistics_on_postgresql_are_the_lmdb_stores_bit_for_bit),
        cmocka_unit_test(a_regrades_statistics_on_postgresql_are_the_lmdb_stores_bit_for_bit),
        cmocka_unit_test(mastery_on_postgresql_is_the_lmdb_stores_slot_for_slot),
        cmocka_unit_test(the_follower_reconnects_when_the_server_comes_back),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
