/* test_pg_catalog.c — PostgreSQL's schema, its assessment catalog, and the follower that keeps
 * a real LMDB map of the compiled tables current, also across the server being killed, against a
 * real server (pg_fixture.h: a throwaway cluster of its own). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pg_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The schema's tables and columns, one line each, in order: what two ways to a schema compare. */
static char *s_shape(void)
{
    PGresult *r = PQexec(
        pgf_c, "SELECT string_agg(table_name || '.' || column_name || ' ' || data_type || ' ' "
               "|| is_nullable, E'\\n' ORDER BY table_name, ordinal_position) FROM "
               "information_schema.columns WHERE table_schema = 'public' AND table_name <> "
               "'schema_version'");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    char *s = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return s;
}

static uint32_t s_put(const char *id, uint64_t *seq)
{
    msgpack_sbuffer src;
    as_compiled_t c = pgf_compile(id, &src);
    uint32_t version = 0;
    if (as_pg_catalog_put(pgf_c, id, (uint32_t)strlen(id), src.data, src.size, c.blob, c.size,
                          &version, seq, &pgf_err))
        fail_msg("%s", pgf_err.msg);
    free(c.blob);
    msgpack_sbuffer_destroy(&src);
    return version;
}

/* The version of assessment id in the map, 0 when it has none. */
static uint32_t s_cached(as_store_t *st, const char *id)
{
    as_reader_t *rd;
    assert_int_equal(as_reader_new(st, &rd, &pgf_err), AS_OK);
    assert_int_equal(as_reader_begin(rd, &pgf_err), AS_OK);
    as_table_t t;
    as_err_t e;
    uint32_t v = as_store_table(rd, id, (uint32_t)strlen(id), &t, &e) ? 0 : t.hdr.version;
    as_reader_destroy(&rd);
    return v;
}

static void migrations_build_the_schema_from_empty_and_from_every_older_one(void **state)
{
    pgf_reset();
    uint32_t applied;
    assert_int_equal(as_pg_migrate(pgf_c, &applied, &pgf_err), AS_OK);
    assert_int_equal(applied, as_pg_schema_version());
    char *want = s_shape();
    assert_non_null(strstr(want, "assessments.blob bytea YES"));
    char v[16];
    snprintf(v, sizeof v, "%u", as_pg_schema_version());
    assert_string_equal(pgf_one("SELECT max(version) FROM schema_version"), v);
    /* again: nothing to do */
    assert_int_equal(as_pg_migrate(pgf_c, &applied, &pgf_err), AS_OK);
    assert_int_equal(applied, 0);
    /* from the schema each older build left, to this one: the same schema */
    for (uint32_t k = 0; k < as_pg_schema_version(); k++) {
        pgf_reset();
        assert_int_equal(as_pg_migrate_to(pgf_c, k, &applied, &pgf_err), AS_OK);
        assert_int_equal(applied, k);
        assert_int_equal(as_pg_migrate(pgf_c, &applied, &pgf_err), AS_OK);
        assert_int_equal(applied, as_pg_schema_version() - k);
        char *got = s_shape();
        assert_string_equal(got, want);
        free(got);
    }
    free(want);
}

static void statistics_kept_in_one_row_become_the_part_of_node_empty(void **state)
{
    /* a database of schema 10: one statistics row (version 3, generation 2), its totals, a
     * response count */
    pgf_reset();
    assert_int_equal(as_pg_migrate_to(pgf_c, 10, NULL, &pgf_err), AS_OK);
    as_stats_sums_t h = {.version = 3, .k = 0, .n = 5, .sum_t = 7, .gen = 2};
    char hex[2 * sizeof h + 1], sql[300];
    for (size_t i = 0; i < sizeof h; i++)
        snprintf(hex + 2 * i, 3, "%02x", ((const unsigned char *)&h)[i]);
    snprintf(sql, sizeof sql, "INSERT INTO stats VALUES ('quiz', '\\x%s')", hex);
    assert_int_equal(as_pg_exec(pgf_c, sql, PGRES_COMMAND_OK, "stats", &pgf_err), AS_OK);
    assert_int_equal(as_pg_exec(pgf_c,
                                "INSERT INTO stats_totals VALUES ('quiz', 1, 3), ('quiz', 2, 2);"
                                "INSERT INTO response_counts VALUES ('quiz', 9)",
                                PGRES_COMMAND_OK, "totals", &pgf_err),
                     AS_OK);
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    assert_string_equal(pgf_one("SELECT string_agg(assessment || '/' || node || '/' || "
                                "length(sums), ',') FROM stats"),
                        (snprintf(sql, sizeof sql, "quiz//%zu", sizeof h), sql));
    assert_string_equal(pgf_one("SELECT string_agg(format('%s/%s/%s/%s/%s/%s', assessment, "
                                "node, version, gen, total, count), ',' ORDER BY total) FROM "
                                "stats_totals"),
                        "quiz//3/2/1/3,quiz//3/2/2/2");
    assert_string_equal(pgf_one("SELECT assessment || '/' || node || '/' || n FROM "
                                "response_counts"),
                        "quiz//9");
}

static void a_database_newer_than_the_build_is_refused(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    char sql[96];
    snprintf(sql, sizeof sql, "INSERT INTO schema_version (version) VALUES (%u)",
             as_pg_schema_version() + 1);
    assert_int_equal(as_pg_exec(pgf_c, sql, PGRES_COMMAND_OK, "newer", &pgf_err), AS_OK);
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_INTERNAL);
    char want[200];
    snprintf(want, sizeof want,
             "PostgreSQL: the database's schema is version %u, newer than this build's %u: run "
             "a newer assayd",
             as_pg_schema_version() + 1, as_pg_schema_version());
    assert_string_equal(pgf_err.msg, want);
}

static void versions_never_repeat_across_deletes(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    uint64_t s1, s2, s3, s4;
    assert_int_equal(s_put("quiz", &s1), 1);
    assert_int_equal(s_put("quiz", &s2), 2);
    assert_int_equal(as_pg_catalog_delete(pgf_c, "quiz", 4, &s3, &pgf_err), AS_OK);
    assert_int_equal(s_put("quiz", &s4), 3);
    assert_true(s1 == 1 && s2 == 2 && s3 == 3 && s4 == 4);
    /* the blob stored says its version */
    assert_string_equal(pgf_one("SELECT version FROM assessments WHERE id = 'quiz'"), "3");
    assert_int_equal(as_pg_catalog_delete(pgf_c, "nope", 4, &s3, &pgf_err), AS_NOT_FOUND);
    assert_string_equal(pgf_err.msg, "assessment \"nope\" not found");
    /* a refused change takes no position */
    assert_string_equal(pgf_one("SELECT value FROM counters WHERE name = 'catalog'"), "4");
}

static void the_follower_keeps_the_local_map_current_and_goes_on_after_a_restart(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    uint64_t seq;
    s_put("a", &seq); /* before the follower: caught up at its start */
    as_store_t *st = pgf_map("follow");
    as_pg_follower_t *f;
    assert_int_equal(as_pg_follower_start(pgf_conninfo, st, &f, &pgf_err), AS_OK);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "a"), 1);
    s_put("b", &seq);
    s_put("a", &seq);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "a"), 2);
    assert_int_equal(s_cached(st, "b"), 1);
    assert_int_equal(as_pg_catalog_delete(pgf_c, "b", 1, &seq, &pgf_err), AS_OK);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "b"), 0);
    as_pg_follower_stop(&f);
    /* changes while it is stopped: a new follower goes on from the position the map kept */
    s_put("c", &seq);
    assert_int_equal(as_pg_follower_start(pgf_conninfo, st, &f, &pgf_err), AS_OK);
    assert_int_equal(as_pg_follower_applied(f), seq - 1);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "c"), 1);
    assert_int_equal(s_cached(st, "a"), 2);
    as_pg_follower_stop(&f);
    as_store_destroy(&st);
}

/* A map left by another database (or one restored from an older backup) is rebuilt: what the
 * old catalog had and this one has not is gone. */
static void a_map_of_another_database_is_rebuilt_from_the_start(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    uint64_t seq;
    s_put("old", &seq);
    s_put("old", &seq);
    s_put("old", &seq);
    as_store_t *st = pgf_map("other");
    as_pg_follower_t *f;
    assert_int_equal(as_pg_follower_start(pgf_conninfo, st, &f, &pgf_err), AS_OK);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "old"), 3);
    as_pg_follower_stop(&f);
    pgf_reset(); /* another database: positions start again at 1 */
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    s_put("new", &seq);
    assert_int_equal(as_pg_follower_start(pgf_conninfo, st, &f, &pgf_err), AS_OK);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(as_pg_follower_applied(f), 1);
    assert_int_equal(s_cached(st, "new"), 1);
    assert_int_equal(s_cached(st, "old"), 0);
    as_pg_follower_stop(&f);
    as_store_destroy(&st);
}

/* A table an earlier assayd compiled (another table format) is compiled again from its source as
 * the follower copies it, keeping its version. */
static void a_table_of_an_earlier_format_is_compiled_again_as_it_is_copied(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    uint64_t seq;
    s_put("old", &seq);
    msgpack_sbuffer src;
    as_compiled_t c = pgf_compile("old", &src);
    uint32_t earlier = AS_TABLE_FORMAT - 1, version;
    memcpy(c.blob + offsetof(as_thdr_t, format), &earlier, sizeof earlier);
    assert_int_equal(as_pg_catalog_put(pgf_c, "old", 3, src.data, src.size, c.blob, c.size,
                                       &version, &seq, &pgf_err),
                     AS_OK);
    assert_int_equal(version, 2);
    free(c.blob);
    msgpack_sbuffer_destroy(&src);
    as_store_t *st = pgf_map("formats");
    as_pg_follower_t *f;
    assert_int_equal(as_pg_follower_start(pgf_conninfo, st, &f, &pgf_err), AS_OK);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    assert_int_equal(s_cached(st, "old"), 2); /* (it opens: this format, version 2) */
    as_pg_follower_stop(&f);
    as_store_destroy(&st);
}

static void the_follower_reconnects_when_the_server_comes_back(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    as_store_t *st = pgf_map("reconnect");
    as_pg_follower_t *f;
    assert_int_equal(as_pg_follower_start(pgf_conninfo, st, &f, &pgf_err), AS_OK);
    uint64_t seq;
    s_put("k", &seq);
    assert_true(as_pg_follower_wait(f, seq, 10000));
    /* the server dies: a write fails `unavailable`, the map keeps what it had */
    assert_int_equal(pgf_pg("kill", NULL, 0), 0);
    msgpack_sbuffer src;
    as_compiled_t c = pgf_compile("k", &src);
    uint32_t version;
    assert_int_equal(as_pg_catalog_put(pgf_c, "k", 1, src.data, src.size, c.blob, c.size, &version,
                                       &seq, &pgf_err),
                     AS_UNAVAILABLE);
    assert_non_null(strstr(pgf_err.msg, "PostgreSQL: "));
    free(c.blob);
    msgpack_sbuffer_destroy(&src);
    assert_int_equal(s_cached(st, "k"), 1);
    /* back: the follower finds it again, and what is put then reaches the map */
    char again[512];
    assert_int_equal(pgf_pg("up", again, sizeof again), 0);
    assert_string_equal(again, pgf_conninfo);
    PQfinish(pgf_c);
    pgf_c = as_pg_connect(pgf_conninfo, &pgf_err);
    assert_non_null(pgf_c);
    assert_int_equal(s_put("k", &seq), 2);
    assert_true(as_pg_follower_wait(f, seq, 20000));
    assert_int_equal(s_cached(st, "k"), 2);
    as_pg_follower_stop(&f);
    as_store_destroy(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(migrations_build_the_schema_from_empty_and_from_every_older_one),
        cmocka_unit_test(statistics_kept_in_one_row_become_the_part_of_node_empty),
        cmocka_unit_test(a_database_newer_than_the_build_is_refused),
        cmocka_unit_test(versions_never_repeat_across_deletes),
        cmocka_unit_test(the_follower_keeps_the_local_map_current_and_goes_on_after_a_restart),
        cmocka_unit_test(a_table_of_an_earlier_format_is_compiled_again_as_it_is_copied),
        cmocka_unit_test(a_map_of_another_database_is_rebuilt_from_the_start),
        cmocka_unit_test(the_follower_reconnects_when_the_server_comes_back),
    };
    return cmocka_run_group_tests(tests, pgf_setup, pgf_teardown);
}
