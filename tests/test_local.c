/* test_local.c — libassay's local scorer against a real assayd: the tables it publishes in
 * DATA/tables/ scored in this process, a new version seen by the next call, an old version held by
 * another process's reader while the engine replaces it, the files' modes and who may read them,
 * and the published copy made again at open. (Every `score` of the other C tests is also scored
 * locally by h_call: harness_local.c.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"
#include "tjson.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static h_engine_t s_e;

static int s_up(void **state)
{
    h_start(&s_e, NULL);
    return 0;
}

static int s_down(void **state)
{
    return h_cleanup(&s_e);
}

/* A one-item assessment id whose correct answer is `correct`. */
static void s_put(assay_t *a, const char *id, const char *correct)
{
    char def[512];
    snprintf(def, sizeof def,
             "{'id':'%s','title':'T','items':[{'id':'q','cardinality':'single',"
             "'base_type':'identifier','rule':'match_correct','correct':['%s']}]}",
             id, correct);
    h_ok(a, "assessment.put", def);
}

/* The local result of params (JSON) as an object, into *o (its buffer freed by the caller). */
static int s_local_score(as_local_t *l, const char *params, msgpack_unpacked *o)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    tjson_pack(&sb, params);
    const void *res;
    size_t len;
    int rc = as_local_score(l, sb.data, sb.size, &res, &len);
    msgpack_sbuffer_destroy(&sb);
    msgpack_unpacked_init(o);
    if (!rc) assert_int_equal(msgpack_unpack_next(o, res, len, NULL), MSGPACK_UNPACK_SUCCESS);
    return rc;
}

static void the_local_result_is_the_engines_bytes_for_the_example_quiz(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    h_put_example(a);
    char *params = NULL;
    assay_reply_t *r;
    for (int detail = 0; detail < 2; detail++) {
        free(params);
        params = h_example_score(detail);
        /* h_call compares the local result with the engine's, byte for byte */
        assert_int_equal(h_call(a, "score", params, &r), ASSAY_OK);
        assert_true(h_num(assay_reply_result(r), "score") == 11);
        assay_reply_free(&r);
    }
    as_local_t *l;
    assert_int_equal(as_local_open(&l, s_e.dir, NULL, 0), ASSAY_OK);
    msgpack_unpacked o;
    assert_int_equal(s_local_score(l, params, &o), ASSAY_OK);
    assert_true(h_num(&o.data, "score") == 11 && h_num(&o.data, "max_score") == 19);
    assert_int_equal(assay_map_get(&o.data, "items")->via.array.size, 11);
    msgpack_unpacked_destroy(&o);
    as_local_close(&l);
    as_local_close(&l); /* NULL-safe */
    free(params);
    assay_close(&a);
}

static void a_new_version_is_scored_locally_by_the_next_call(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    as_local_t *l;
    s_put(a, "flip", "A");
    assert_int_equal(as_local_open(&l, s_e.dir, NULL, 0), ASSAY_OK);
    msgpack_unpacked o;
    assert_int_equal(s_local_score(l, "{'assessment':'flip','answers':{'q':'A'}}", &o), ASSAY_OK);
    assert_true(h_num(&o.data, "version") == 1 && h_num(&o.data, "score") == 1);
    msgpack_unpacked_destroy(&o);
    s_put(a, "flip", "B"); /* answered after the engine published it */
    assert_int_equal(s_local_score(l, "{'assessment':'flip','answers':{'q':'A'}}", &o), ASSAY_OK);
    assert_true(h_num(&o.data, "version") == 2 && h_num(&o.data, "score") == 0);
    msgpack_unpacked_destroy(&o);
    h_ok(a, "assessment.delete", "{'id':'flip'}");
    assert_int_equal(s_local_score(l, "{'assessment':'flip','answers':{'q':'A'}}", &o),
                     ASSAY_EREPLY);
    msgpack_unpacked_destroy(&o);
    assert_string_equal(as_local_code(l), "not_found");
    assert_string_equal(as_local_message(l), "assessment \"flip\" not found");
    as_local_close(&l);
    assay_close(&a);
}

static void bad_params_get_the_engines_errors_locally(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_put(a, "errs", "A");
    as_local_t *l;
    assert_int_equal(as_local_open(&l, s_e.dir, NULL, 0), ASSAY_OK);
    msgpack_unpacked o;
    assert_int_equal(s_local_score(l, "{'assessment':'errs','answers':{'q':7}}", &o), ASSAY_EREPLY);
    assert_string_equal(as_local_code(l), "bad_request");
    char buf[512];
    snprintf(buf, sizeof buf, "bad_request: %s", as_local_message(l));
    assert_string_equal(
        buf, h_error(a, "score", "{'assessment':'errs','answers':{'q':7}}", buf + 256, 256));
    assert_int_equal(s_local_score(l, "{'answers':{}}", &o), ASSAY_EREPLY);
    assert_string_equal(as_local_message(l), "params: missing field \"assessment\"");
    /* not a map: the bytes of an array */
    const void *res;
    size_t len;
    assert_int_equal(as_local_score(l, "\x91\x01", 2, &res, &len), ASSAY_EREPLY);
    assert_string_equal(as_local_code(l), "bad_request");
    assert_int_equal(as_local_score(l, NULL, 3, &res, &len), ASSAY_EINVAL);
    /* the handle still scores */
    assert_int_equal(s_local_score(l, "{'assessment':'errs','answers':{'q':'A'}}", &o), ASSAY_OK);
    assert_true(h_num(&o.data, "score") == 1);
    msgpack_unpacked_destroy(&o);
    as_local_close(&l);
    assay_close(&a);
}

/* In a child process (a reader that is not the engine): reads the table of `id` and holds its
 * read transaction; writes its version to wfd, waits for a byte on rfd, then exits 0 when the
 * bytes it holds are still those it first read (the old version, whole). */
static int s_hold_child(const char *dir, const char *id, int rfd, int wfd)
{
    char path[600];
    snprintf(path, sizeof path, "%s/tables", dir);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_val k = {strlen(id), (void *)id}, v;
    if (mdb_env_create(&env) || mdb_env_open(env, path, MDB_RDONLY, 0) ||
        mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) || mdb_dbi_open(txn, NULL, 0, &dbi) ||
        mdb_get(txn, dbi, &k, &v) || v.mv_size < 12)
        return 2;
    void *copy = malloc(v.mv_size);
    memcpy(copy, v.mv_data, v.mv_size);
    uint32_t version;
    memcpy(&version, (const uint8_t *)v.mv_data + 8, sizeof version);
    char c;
    if (write(wfd, &version, sizeof version) != sizeof version || read(rfd, &c, 1) != 1) return 3;
    int same = memcmp(copy, v.mv_data, v.mv_size) == 0;
    memcpy(&version, (const uint8_t *)v.mv_data + 8, sizeof version);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return same && version == 1 ? 0 : 4;
}

static void
a_table_replaced_while_another_process_reads_it_stays_whole_for_that_reader(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_put(a, "held", "A");
    int down[2], up[2];
    assert_int_equal(pipe(down), 0);
    assert_int_equal(pipe(up), 0);
    pid_t pid = fork();
    if (pid == 0) _exit(s_hold_child(s_e.dir, "held", down[0], up[1]));
    uint32_t seen = 0;
    assert_int_equal(read(up[0], &seen, sizeof seen), (ssize_t)sizeof seen);
    assert_int_equal(seen, 1);
    /* 30 new versions, each larger: without the reader's hold their pages would be reused */
    char correct[300] = "B";
    for (int i = 0; i < 30; i++) {
        s_put(a, "held", correct);
        strcat(correct, "x");
    }
    as_local_t *l;
    assert_int_equal(as_local_open(&l, s_e.dir, NULL, 0), ASSAY_OK);
    msgpack_unpacked o;
    assert_int_equal(s_local_score(l, "{'assessment':'held','answers':{'q':'A'}}", &o), ASSAY_OK);
    assert_true(h_num(&o.data, "version") == 31 && h_num(&o.data, "score") == 0);
    msgpack_unpacked_destroy(&o);
    as_local_close(&l);
    assert_int_equal(write(down[1], "x", 1), 1);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0); /* still version 1, byte for byte */
    close(down[0]), close(down[1]), close(up[0]), close(up[1]);
    assay_close(&a);
}

static int s_mode(const char *dir, const char *name)
{
    char path[600];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) ? -1 : (int)(st.st_mode & 07777);
}

static void the_published_tables_are_group_readable_and_the_learner_data_is_not(void **state)
{
    assert_int_equal(s_mode(s_e.dir, "tables") & 0777, 0750);
    assert_int_equal(s_mode(s_e.dir, "tables/data.mdb"), 0640);
    assert_int_equal(s_mode(s_e.dir, "tables/lock.mdb"), 0660);
    assert_int_equal(s_mode(s_e.dir, "data.mdb"), 0600);
    assert_int_equal(s_mode(s_e.dir, "lock.mdb"), 0600);
}

/* As user nobody in group gid (no other groups): 0 when the local scorer opens dir and scores
 * what the engine scored (score 1) and the engine's own data file cannot be opened; 10 + step
 * otherwise. */
static int s_as_other_user(const char *dir, gid_t gid, bool may_read_tables)
{
    if (setgroups(0, NULL) || setgid(gid) || setuid(65534)) return 10;
    as_local_t *l = NULL;
    char why[600];
    int rc = as_local_open(&l, dir, why, sizeof why);
    if (!may_read_tables)
        return rc == ASSAY_ESYS && errno == EACCES && strstr(why, "Permission denied") ? 0 : 11;
    if (rc) {
        fprintf(stderr, "as nobody in group %u: %s\n", (unsigned)gid, why);
        return 12;
    }
    msgpack_unpacked o;
    if (s_local_score(l, "{'assessment':'perm','answers':{'q':'A'}}", &o) ||
        h_num(&o.data, "score") != 1)
        return 13;
    msgpack_unpacked_destroy(&o);
    as_local_close(&l);
    char path[600];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    int fd = open(path, O_RDONLY);
    if (fd >= 0 || errno != EACCES) return 14;
    return 0;
}

static h_engine_t s_perm; /* the engine of the test below, stopped and removed by its teardown */

static int s_perm_down(void **state)
{
    return s_perm.dir[0] ? h_cleanup(&s_perm) : 0;
}

static void
a_member_of_the_data_directorys_group_scores_locally_but_cannot_open_learner_data(void **state)
{
    if (geteuid() != 0) skip(); /* needs root to act as another user (CI runs as root) */
    char dir[] = "/tmp/assay-local-perm-XXXXXX";
    assert_non_null(mkdtemp(dir));
    h_engine_t *e = &s_perm;
    snprintf(e->dir, sizeof e->dir, "%s", dir);
    /* the operator's setup (docs/OPERATIONS.md): the data directory in the scorers' group, setgid
     * so what the engine creates there is too, searchable by that group */
    const gid_t group = 65534;
    assert_int_equal(chown(dir, 0, group), 0);
    assert_int_equal(chmod(dir, 02710), 0);
    h_start_in(e, dir, NULL);
    assay_t *a = h_connect(e, true);
    s_put(a, "perm", "A");
    assay_close(&a);
    for (int member = 1; member >= 0; member--) {
        pid_t pid = fork();
        if (pid == 0) _exit(s_as_other_user(dir, member ? group : group - 1, member));
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    char path[600];
    snprintf(path, sizeof path, "%s/tables/data.mdb", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_gid, group); /* the group's, through the setgid directories */
}

static void the_engine_makes_the_published_tables_again_at_open(void **state)
{
    assay_t *a = h_connect(&s_e, true);
    s_put(a, "again", "A");
    s_put(a, "again", "B");
    assay_close(&a);
    h_local_forget(s_e.dir);
    assert_int_equal(h_stop(&s_e), 0);
    char cmd[600];
    /* gone entirely, then a damaged data file */
    for (int round = 0; round < 2; round++) {
        if (round == 0)
            snprintf(cmd, sizeof cmd, "rm -rf '%s/tables'", s_e.dir);
        else
            snprintf(cmd, sizeof cmd,
                     "dd if=/dev/urandom of='%s/tables/data.mdb' bs=4096 count=2 conv=notrunc "
                     "status=none",
                     s_e.dir);
        assert_int_equal(system(cmd), 0);
        h_restart(&s_e);
        as_local_t *l;
        char why[600];
        assert_int_equal(as_local_open(&l, s_e.dir, why, sizeof why), ASSAY_OK);
        msgpack_unpacked o;
        assert_int_equal(s_local_score(l, "{'assessment':'again','answers':{'q':'B'}}", &o),
                         ASSAY_OK);
        assert_true(h_num(&o.data, "version") == 2 && h_num(&o.data, "score") == 1);
        msgpack_unpacked_destroy(&o);
        as_local_close(&l);
        assert_int_equal(h_stop(&s_e), 0);
    }
    h_restart(&s_e);
}

static void opening_a_directory_without_published_tables_says_where_it_looked(void **state)
{
    char dir[] = "/tmp/assay-local-none-XXXXXX";
    assert_non_null(mkdtemp(dir));
    as_local_t *l = (as_local_t *)1;
    char why[600];
    assert_int_equal(as_local_open(&l, dir, why, sizeof why), ASSAY_ESYS);
    assert_null(l);
    char want[700];
    snprintf(want, sizeof want,
             "no published tables at %s/tables: No such file or directory (is it an assay data "
             "directory, and may this user read it?)",
             dir);
    assert_string_equal(why, want);
    assert_int_equal(as_local_open(&l, "", why, sizeof why), ASSAY_EINVAL);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_local_result_is_the_engines_bytes_for_the_example_quiz),
        cmocka_unit_test(a_new_version_is_scored_locally_by_the_next_call),
        cmocka_unit_test(bad_params_get_the_engines_errors_locally),
        cmocka_unit_test(
            a_table_replaced_while_another_process_reads_it_stays_whole_for_that_reader),
        cmocka_unit_test(the_published_tables_are_group_readable_and_the_learner_data_is_not),
        cmocka_unit_test_teardown(
            a_member_of_the_data_directorys_group_scores_locally_but_cannot_open_learner_data,
            s_perm_down),
        cmocka_unit_test(the_engine_makes_the_published_tables_again_at_open),
        cmocka_unit_test(opening_a_directory_without_published_tables_says_where_it_looked),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
