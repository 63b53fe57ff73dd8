/* test_lifecycle.c — assayd's start-up and shutdown: the map grows far past its initial size, a
 * full disk and an unusable data directory are clear errors (the engine keeps serving reads), a
 * corrupted lock state is recovered, stale reader slots are cleared, and SIGTERM under load loses
 * no acknowledged write and leaves no client waiting forever. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "codec.h"
#include "harness.h"

#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char s_err[4096];

/* A long answer, so that the records take some room. */
static void s_answers(msgpack_packer *pk, int i, void *arg)
{
    (void)i;
    (void)arg;
    msgpack_pack_map(pk, 1);
    as_pack_cstr(pk, "capital");
    as_pack_cstr(pk, "a fairly long answer to make the records take some room");
}

/* Submits n responses of n learners; returns how many were stored, the last error in err. */
static int s_fill(const h_engine_t *e, int n, char *err, size_t errn)
{
    assay_t *c = h_connect(e, false);
    int ok = h_submit_many(c, "quiz-demo", n, n, s_answers, NULL, err, errn);
    assay_close(&c);
    return ok;
}

static void s_put_example(const h_engine_t *e)
{
    assay_t *a = h_connect(e, true);
    h_put_example(a);
    assay_close(&a);
}

static double s_map_size(const h_engine_t *e)
{
    assay_t *c = h_connect(e, false);
    assay_reply_t *r;
    assert_int_equal(h_call(c, "stats", "{}", &r), ASSAY_OK);
    double size = h_num(assay_map_get(assay_reply_result(r), "map"), "size");
    assay_reply_free(&r);
    assay_close(&c);
    return size;
}

static void the_map_grows_far_past_its_initial_size(void **state)
{
    if (h_on_postgres()) skip(); /* on PostgreSQL the map holds the compiled tables alone */
    h_engine_t e;
    h_start(&e, "--map-size", "1M", NULL);
    s_put_example(&e);
    char err[512];
    assert_int_equal(s_fill(&e, 20000, err, sizeof err), 20000);
    assert_true(s_map_size(&e) >= 8.0 * (1 << 20)); /* doubled at least three times */
    assert_int_equal(h_cleanup(&e), 0);
}

/* A tmpfs of `size` mounted on a new directory; false when mounting is not allowed here. */
static bool s_mount(char *dir, size_t n, const char *opts)
{
    snprintf(dir, n, "/tmp/assay-fs-XXXXXX");
    assert_non_null(mkdtemp(dir));
    if (mount("tmpfs", dir, "tmpfs", 0, opts) == 0) return true;
    rmdir(dir);
    return false;
}

static void s_umount(const char *dir)
{
    umount2(dir, MNT_DETACH);
    rmdir(dir);
}

static void a_full_disk_is_a_clear_error_and_reads_go_on(void **state)
{
    char fs[64], dir[128];
    if (h_on_postgres()) skip(); /* the records are the database's: its disk, not this one */
    if (!s_mount(fs, sizeof fs, "size=8M")) skip(); /* needs root (CI runs as root) */
    snprintf(dir, sizeof dir, "%s/data", fs);
    /* a map larger than the disk: refused at start-up, saying why */
    const char *args[] = {"-d", dir, "--map-size", "32M", NULL};
    assert_int_equal(h_run_assayd(args, s_err, sizeof s_err), 1);
    assert_non_null(strstr(s_err, "cannot reserve 32 MiB of disk for the data map: No space "
                                  "left on device"));
    /* a map that fits, then fills the disk: writes fail with unavailable, nothing crashes */
    h_engine_t e;
    h_start_in(&e, dir, "--map-size", "2M", NULL);
    s_put_example(&e);
    char err[512];
    int stored = s_fill(&e, 30000, err, sizeof err);
    assert_true(stored > 1000 && stored < 30000);
    assert_string_equal(err, "unavailable: cannot reserve 8 MiB of disk for the data map: No space "
                             "left on device");
    assay_t *c = h_connect(&e, false);
    assay_reply_t *r;
    assert_int_equal(h_call(c, "assessment.get", "{'id':'quiz-demo'}", &r), ASSAY_OK);
    assay_reply_free(&r);
    assert_int_equal(h_call(c, "response.list", "{'assessment':'quiz-demo','limit':1}", &r),
                     ASSAY_OK);
    assert_int_equal((int)h_num(assay_reply_result(r), "total"), stored);
    assay_reply_free(&r);
    assay_close(&c);
    /* and it starts again on the same data, every acknowledged response there */
    assert_int_equal(h_stop(&e), 0);
    h_restart(&e);
    c = h_connect(&e, false);
    assert_int_equal(h_call(c, "response.list", "{'assessment':'quiz-demo','limit':1}", &r),
                     ASSAY_OK);
    assert_int_equal((int)h_num(assay_reply_result(r), "total"), stored);
    assay_reply_free(&r);
    assay_close(&c);
    h_stop(&e);
    char *log = h_slurp(e.log);
    unlink(e.log);
    assert_null(strstr(log, "Sanitizer"));
    free(log);
    s_umount(fs);
}

static void unusable_data_directories_are_clear_errors(void **state)
{
    const char *not_dir[] = {"-d", "/etc/passwd", NULL};
    assert_int_equal(h_run_assayd(not_dir, s_err, sizeof s_err), 1);
    assert_string_equal(s_err,
                        "assayd: cannot create data directory /etc/passwd: Not a directory\n");
    char fs[64], sub[96];
    if (!s_mount(fs, sizeof fs, "size=1M,ro")) skip();
    const char *ro[] = {"-d", fs, NULL};
    assert_int_equal(h_run_assayd(ro, s_err, sizeof s_err), 1);
    char want[256];
    snprintf(want, sizeof want, "assayd: cannot open %s/assayd.lock: Read-only file system\n", fs);
    assert_string_equal(s_err, want);
    snprintf(sub, sizeof sub, "%s/sub", fs);
    const char *ro_sub[] = {"-d", sub, NULL};
    assert_int_equal(h_run_assayd(ro_sub, s_err, sizeof s_err), 1);
    snprintf(want, sizeof want, "assayd: cannot create data directory %s: Read-only file system\n",
             sub);
    assert_string_equal(s_err, want);
    s_umount(fs);
}

static void s_scribble(const char *path, const char *what, size_t n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(what, 1, n, f), n);
    fclose(f);
}

static void corrupted_lock_files_are_recovered_at_start_up(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    s_put_example(&e);
    assert_int_equal(h_stop(&e), 0);
    /* LMDB's reader table full of garbage, and our lock file naming a pid that is not running */
    char path[200], junk[8192];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7919 % 251);
    snprintf(path, sizeof path, "%s/lock.mdb", e.dir);
    s_scribble(path, junk, sizeof junk);
    snprintf(path, sizeof path, "%s/assayd.lock", e.dir);
    s_scribble(path, "999999 garbage", 14);
    h_restart(&e);
    assay_t *c = h_connect(&e, false);
    assay_reply_t *r;
    assert_int_equal(h_call(c, "assessment.get", "{'id':'quiz-demo'}", &r), ASSAY_OK);
    assay_reply_free(&r);
    assay_close(&c);
    assert_int_equal(h_cleanup(&e), 0);
}

typedef struct {
    const h_engine_t *e;
    int id;
    atomic_int acked;
    atomic_bool ended;
    uint64_t rids[20000];
    int errors, timeouts, other;
} s_client_t;

/* Submits in a loop until the engine stops answering; records every acknowledged response. */
static void *s_submitter(void *arg)
{
    s_client_t *cl = arg;
    assay_options_t o = {.timeout_ms = 2000};
    assay_t *c;
    if (assay_open(&c, cl->e->dir, &o)) {
        cl->ended = true;
        return NULL;
    }
    char params[256];
    for (int i = 0; i < 20000; i++) {
        snprintf(params, sizeof params,
                 "{'assessment':'quiz-demo','learner':'c%d','answers':{'capital':'paris'}}",
                 cl->id);
        assay_reply_t *r;
        int rc = h_call(c, "response.submit", params, &r);
        if (rc == ASSAY_OK) {
            cl->rids[cl->acked] = (uint64_t)h_num(assay_reply_result(r), "response_id");
            cl->acked++; /* (after its id: the test reads the count while clients run) */
        } else if (rc == ASSAY_EREPLY) {
            cl->errors++;
            if (strcmp(assay_reply_code(r), "unavailable") != 0) cl->other++;
        } else {
            cl->timeouts++;
        }
        assay_reply_free(&r);
        if (rc != ASSAY_OK) break; /* the engine is stopping */
    }
    assay_close(&c);
    cl->ended = true;
    return NULL;
}

static void sigterm_under_load_loses_no_acknowledged_write(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    s_put_example(&e);
    static s_client_t cl[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        cl[i] = (s_client_t){.e = &e, .id = i};
        pthread_create(&t[i], NULL, s_submitter, &cl[i]);
    }
    /* stopped under load: once every client has had 25 submissions acknowledged (however long
     * that takes on this machine), and while all four still submit */
    for (int i = 0; i < 4; i++)
        while (cl[i].acked < 25 && !cl[i].ended)
            usleep(1000);
    assert_int_equal(h_stop(&e), 0); /* SIGTERM: exit 0 once drained */
    for (int i = 0; i < 4; i++) /* each client ends: a reply, `unavailable` or its own timeout */
        pthread_join(t[i], NULL);
    for (int i = 0; i < 4; i++) {
        assert_true(cl[i].acked >= 25);
        assert_int_equal(cl[i].other, 0); /* a reply or `unavailable`, never another error */
    }
    /* every acknowledged response is there, with its learner and attempt in order */
    h_restart(&e);
    assay_t *c = h_connect(&e, false);
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < cl[i].acked; k++) {
            char params[64];
            snprintf(params, sizeof params, "{'id':%llu}", (unsigned long long)cl[i].rids[k]);
            assay_reply_t *r;
            assert_int_equal(h_call(c, "response.get", params, &r), ASSAY_OK);
            char who[8];
            snprintf(who, sizeof who, "c%d", i);
            assert_true(h_str_is(assay_reply_result(r), "learner", who));
            assert_int_equal((int)h_num(assay_reply_result(r), "attempt"), k + 1);
            assay_reply_free(&r);
        }
    assay_close(&c);
    assert_int_equal(h_cleanup(&e), 0);
}

/* A process that opens the environment read-only and then (stale) begins a read transaction and
 * dies by SIGKILL, or (holder) keeps it open until killed. */
static pid_t s_lmdb_child(const char *dir, bool stale)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid) return pid;
    MDB_env *env;
    MDB_txn *txn;
    if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 16) ||
        mdb_env_open(env, dir, MDB_RDONLY, 0600))
        _exit(3);
    if (stale) {
        if (mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) _exit(4);
        raise(SIGKILL); /* dies holding its reader slot */
    }
    for (;;)
        pause();
}

static void stale_reader_slots_are_cleared_at_start_up(void **state)
{
    h_engine_t e;
    h_start(&e, NULL);
    s_put_example(&e);
    /* a tool keeps the environment open across the restart (so LMDB keeps its reader table),
     * and another one crashed inside a read transaction */
    pid_t holder = s_lmdb_child(e.dir, false);
    pid_t stale = s_lmdb_child(e.dir, true);
    int status;
    waitpid(stale, &status, 0);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(h_stop(&e), 0);
    h_restart(&e);
    char *log = h_slurp(e.log);
    bool cleared = strstr(log, "cleared 1 stale reader slot(s) left by a crashed process") != NULL;
    free(log);
    assay_t *c = h_connect(&e, false);
    assay_reply_t *r;
    assert_int_equal(h_call(c, "assessment.get", "{'id':'quiz-demo'}", &r), ASSAY_OK);
    assay_reply_free(&r);
    assay_close(&c);
    kill(holder, SIGKILL);
    waitpid(holder, &status, 0);
    assert_true(cleared);
    assert_int_equal(h_cleanup(&e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_map_grows_far_past_its_initial_size),
        cmocka_unit_test(a_full_disk_is_a_clear_error_and_reads_go_on),
        cmocka_unit_test(unusable_data_directories_are_clear_errors),
        cmocka_unit_test(corrupted_lock_files_are_recovered_at_start_up),
        cmocka_unit_test(sigterm_under_load_loses_no_acknowledged_write),
        cmocka_unit_test(stale_reader_slots_are_cleared_at_start_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
