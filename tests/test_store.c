/* test_store.c — the LMDB store on a temporary directory: put, versions, get, list pages,
 * delete, reopen, and map growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "store.h"
#include "tjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char s_dir[64];
static msgpack_sbuffer s_sb;

static int s_setup(void **state)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/assay-store-XXXXXX");
    assert_non_null(mkdtemp(s_dir));
    msgpack_sbuffer_init(&s_sb);
    return 0;
}

static int s_teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    assert_int_equal(system(cmd), 0);
    msgpack_sbuffer_destroy(&s_sb);
    return 0;
}

/* Compiles and stores a one-item assessment `id` with `title`; returns its version. */
static uint32_t s_put(as_store_t *st, const char *id, const char *title)
{
    char def[512];
    snprintf(def, sizeof def,
             "{'id':'%s','title':'%s','items':[{'id':'q','cardinality':'single',"
             "'base_type':'integer','rule':'match_correct','correct':[1]}]}",
             id, title);
    tjson_pack(&s_sb, def);
    as_compiled_t c;
    as_err_t err;
    assert_int_equal(as_table_compile((const uint8_t *)s_sb.data, s_sb.size, &c, &err), AS_OK);
    as_wtxn_t *txn;
    uint32_t version = 0;
    assert_int_equal(as_wtxn_begin(st, &txn, &err), AS_OK);
    assert_int_equal(as_store_put_assessment(txn, id, (uint32_t)strlen(id), s_sb.data, s_sb.size,
                                             c.blob, c.size, &version, &err),
                     AS_OK);
    assert_int_equal(as_wtxn_commit(&txn, &err), AS_OK);
    free(c.blob);
    return version;
}

static void versions_increase_and_never_repeat_after_delete(void **state)
{
    as_store_t *st;
    as_err_t err;
    assert_int_equal(as_store_open(&st, s_dir, 1 << 20, 8, AS_SYNC_FULL, &err), AS_OK);
    assert_int_equal(s_put(st, "a", "one"), 1);
    assert_int_equal(s_put(st, "a", "two"), 2);
    as_wtxn_t *txn;
    assert_int_equal(as_wtxn_begin(st, &txn, &err), AS_OK);
    assert_int_equal(as_store_delete_assessment(txn, "a", 1, false, &err), AS_OK);
    assert_int_equal(as_store_delete_assessment(txn, "a", 1, false, &err), AS_NOT_FOUND);
    assert_string_equal(err.msg, "assessment \"a\" not found");
    assert_int_equal(as_wtxn_commit(&txn, &err), AS_OK);
    assert_int_equal(s_put(st, "a", "three"), 3);
    as_store_destroy(&st);
    assert_null(st);
}

static void tables_are_read_in_place_and_survive_reopen(void **state)
{
    as_store_t *st;
    as_err_t err;
    assert_int_equal(as_store_open(&st, s_dir, 1 << 20, 8, AS_SYNC_FULL, &err), AS_OK);
    s_put(st, "quiz", "Quiz");
    as_store_destroy(&st);
    assert_int_equal(as_store_open(&st, s_dir, 1 << 20, 8, AS_SYNC_FULL, &err), AS_OK);
    as_reader_t *rd;
    as_table_t t;
    assert_int_equal(as_reader_new(st, &rd, &err), AS_OK);
    assert_int_equal(as_reader_begin(rd, &err), AS_OK);
    assert_int_equal(as_store_table(rd, "quiz", 4, &t, &err), AS_OK);
    assert_int_equal(t.hdr.version, 1);
    assert_int_equal(t.hdr.n_items, 1);
    assert_memory_equal(as_table_str(&t, t.hdr.title_off), "Quiz", 4);
    assert_int_equal(as_store_table(rd, "nope", 4, &t, &err), AS_NOT_FOUND);
    as_reader_end(rd);
    as_reader_destroy(&rd);
    as_store_destroy(&st);
}

/* A table of an earlier format (4, before programs) is compiled again from its definition when
 * the store opens, keeping its version. */
static void tables_of_an_earlier_format_are_compiled_again_at_open(void **state)
{
    as_store_t *st;
    as_err_t err;
    assert_int_equal(as_store_open(&st, s_dir, 1 << 20, 8, AS_SYNC_FULL, &err), AS_OK);
    s_put(st, "old", "v1");
    tjson_pack(&s_sb, "{'id':'old','title':'v2','items':[{'id':'q','cardinality':'single',"
                      "'base_type':'integer','rule':'match_correct','correct':[1]}]}");
    as_compiled_t c;
    assert_int_equal(as_table_compile((const uint8_t *)s_sb.data, s_sb.size, &c, &err), AS_OK);
    uint32_t format4 = 4; /* what an earlier assayd wrote: as_table_open refuses it */
    memcpy(c.blob + sizeof(uint32_t), &format4, sizeof format4);
    as_wtxn_t *txn;
    uint32_t version;
    assert_int_equal(as_wtxn_begin(st, &txn, &err), AS_OK);
    assert_int_equal(as_store_put_assessment(txn, "old", 3, s_sb.data, s_sb.size, c.blob, c.size,
                                             &version, &err),
                     AS_OK);
    assert_int_equal(as_wtxn_commit(&txn, &err), AS_OK);
    free(c.blob);
    assert_int_equal(version, 2);
    as_store_destroy(&st);
    assert_int_equal(as_store_open(&st, s_dir, 1 << 20, 8, AS_SYNC_FULL, &err), AS_OK);
    as_reader_t *rd;
    as_table_t t;
    assert_int_equal(as_reader_new(st, &rd, &err), AS_OK);
    assert_int_equal(as_reader_begin(rd, &err), AS_OK);
    assert_int_equal(as_store_table(rd, "old", 3, &t, &err), AS_OK);
    assert_int_equal(t.hdr.format, AS_TABLE_FORMAT);
    assert_int_equal(t.hdr.version, 2);
    assert_memory_equal(as_table_str(&t, t.hdr.title_off), "v2", 2);
    as_reader_end(rd);
    as_reader_destroy(&rd);
    as_store_destroy(&st);
}

typedef struct {
    char ids[16][8];
    int n;
} s_rows_t;

static void s_row(void *arg, const as_table_t *t)
{
    s_rows_t *rows = arg;
    snprintf(rows->ids[rows->n++], 8, "%.*s", (int)t->hdr.id_len, as_table_str(t, t->hdr.id_off));
}

static void list_pages_follow_id_order_from_a_cursor(void **state)
{
    as_store_t *st;
    as_err_t err;
    assert_int_equal(as_store_open(&st, s_dir, 1 << 20, 8, AS_SYNC_FULL, &err), AS_OK);
    const char *ids[] = {"c", "a", "e", "b", "d"};
    for (int i = 0; i < 5; i++)
        s_put(st, ids[i], "x");
    as_reader_t *rd;
    as_reader_new(st, &rd, &err);
    as_reader_begin(rd, &err);
    s_rows_t rows = {0};
    size_t total;
    bool more;
    assert_int_equal(as_store_list(rd, NULL, 0, 2, s_row, &rows, &total, &more, &err), AS_OK);
    assert_int_equal(total, 5);
    assert_true(more);
    assert_int_equal(rows.n, 2);
    assert_string_equal(rows.ids[0], "a");
    assert_string_equal(rows.ids[1], "b");
    rows.n = 0;
    assert_int_equal(as_store_list(rd, "d", 1, 2, s_row, &rows, &total, &more, &err), AS_OK);
    assert_false(more);
    assert_int_equal(rows.n, 1);
    assert_string_equal(rows.ids[0], "e");
    as_reader_destroy(&rd);
    as_store_destroy(&st);
}

static void a_full_map_grows_and_the_write_succeeds(void **state)
{
    as_store_t *st;
    as_err_t err;
    assert_int_equal(as_store_open(&st, s_dir, 1 << 20, 8, AS_SYNC_FULL, &err), AS_OK);
    size_t before, used;
    as_store_usage(st, &before, &used);
    /* ~3 MiB of puts into a 1 MiB map: each full map is grown and the put retried */
    char id[16];
    for (int i = 0; i < 300; i++) {
        as_wtxn_t *txn;
        uint32_t v;
        snprintf(id, sizeof id, "big%d", i);
        static uint8_t blob[10000];
        for (;;) {
            assert_int_equal(as_wtxn_begin(st, &txn, &err), AS_OK);
            as_code_t rc = as_store_put_assessment(txn, id, (uint32_t)strlen(id), blob, sizeof blob,
                                                   blob, sizeof blob, &v, &err);
            if (!rc)
                rc = as_wtxn_commit(&txn, &err);
            else
                as_wtxn_abort(&txn);
            if (!rc) break;
            assert_true(as_store_full(st));
            assert_int_equal(as_store_grow(st, &err), AS_OK);
        }
    }
    size_t after;
    as_store_usage(st, &after, &used);
    assert_true(after >= 4 * before);
    assert_true(used > 6000000);
    as_store_destroy(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(versions_increase_and_never_repeat_after_delete, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(tables_of_an_earlier_format_are_compiled_again_at_open,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(tables_are_read_in_place_and_survive_reopen, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(list_pages_follow_id_order_from_a_cursor, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(a_full_map_grows_and_the_write_succeeds, s_setup,
                                        s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
