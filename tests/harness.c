/* harness.c — integration-test helpers (see harness.h). */
#include "harness.h"
#include "codec.h"

#include "tjson.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define H_MAX_ARGS 16

static char *s_args[H_MAX_ARGS];
static int s_nargs;

/* Every engine started, and every directory made for one, so that a failed test (cmocka jumps
 * out of it, past h_cleanup) leaves no engine running and no directory behind. */
static pid_t s_started[64];
static int s_nstarted;
static char s_made[64][128]; /* (h_engine_t.dir) */
static int s_nmade;

static void s_kill_all(void)
{
    for (int i = 0; i < s_nstarted; i++)
        if (s_started[i] > 0 && kill(s_started[i], 0) == 0) {
            kill(s_started[i], SIGKILL);
            waitpid(s_started[i], NULL, 0);
        }
    for (int i = 0; i < s_nmade; i++) { /* (h_cleanup removed those of the tests that passed) */
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%.127s' '%.127s.log'", s_made[i], s_made[i]);
        if (system(cmd)) fprintf(stderr, "could not remove %s\n", s_made[i]);
    }
}

void h_ledger_init(h_ledger_t *l, int cap)
{
    l->acks = calloc((size_t)cap, sizeof *l->acks);
    assert_non_null(l->acks);
    l->n = 0;
    l->cap = cap;
    pthread_mutex_init(&l->lock, NULL);
}

void h_ledger_free(h_ledger_t *l)
{
    free(l->acks);
    l->acks = NULL;
    pthread_mutex_destroy(&l->lock);
}

void h_ledger_add(h_ledger_t *l, const msgpack_object *result, const char *learner)
{
    pthread_mutex_lock(&l->lock);
    if (l->n < l->cap) {
        h_ack_t *a = &l->acks[l->n++];
        a->rid = (uint64_t)h_num(result, "response_id");
        a->attempt = (uint32_t)h_num(result, "attempt");
        a->score = h_num(result, "score");
        snprintf(a->learner, sizeof a->learner, "%s", learner);
    }
    pthread_mutex_unlock(&l->lock);
}

void h_ledger_check(assay_t *c, const h_ledger_t *l)
{
    for (int i = 0; i < l->n; i++) {
        const h_ack_t *a = &l->acks[i];
        char params[64];
        snprintf(params, sizeof params, "{'id':%llu}", (unsigned long long)a->rid);
        assay_reply_t *r;
        int rc = h_call(c, "response.get", params, &r);
        if (rc)
            fail_msg("acknowledged response %llu lost: %s", (unsigned long long)a->rid,
                     r ? assay_reply_message(r) : assay_strerror(rc));
        const msgpack_object *o = assay_reply_result(r);
        assert_true(h_str_is(o, "learner", a->learner));
        assert_true(h_num(o, "attempt") == a->attempt);
        assert_true(h_num(o, "score") == a->score);
        assay_reply_free(&r);
    }
}

bool h_on_postgres(void)
{
    const char *cmd = getenv("ASSAY_TEST_STORE");
    return cmd && *cmd;
}

bool h_store(const char *dir, char *out, size_t cap)
{
    if (!h_on_postgres()) return false;
    const char *cmd = getenv("ASSAY_TEST_STORE");
    /* the database is named after the data directory: an engine started again on it finds it */
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    char name[64] = "t_", line[1024];
    size_t k = 2;
    for (const char *p = base; *p && k < sizeof name - 1; p++)
        name[k++] =
            (char)((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
                       ? *p
                       : '_');
    name[k] = 0;
    snprintf(line, sizeof line, "%s %s", cmd, name);
    FILE *f = popen(line, "r");
    if (!f) fail_msg("ASSAY_TEST_STORE: cannot run %s", line);
    bool got = fgets(out, (int)cap, f) != NULL;
    if (pclose(f) != 0 || !got) fail_msg("ASSAY_TEST_STORE: %s failed", line);
    out[strcspn(out, "\n")] = 0;
    return true;
}

/* s_kill_all at exit, once. */
static void s_at_exit(void)
{
    static bool registered;
    if (!registered) atexit(s_kill_all);
    registered = true;
}

static void s_spawn(h_engine_t *e)
{
    const char *bin = getenv("ASSAYD");
    if (!bin) fail_msg("ASSAYD is not set (run the tests with meson test)");
    char *argv[H_MAX_ARGS + 16];
    int n = 0;
    /* ASSAY_VALGRIND=1: assayd runs under valgrind memcheck (h_cleanup reads its verdict) */
    const char *vg = getenv("ASSAY_VALGRIND");
    bool valgrind = vg && *vg && strcmp(vg, "0") != 0;
    if (valgrind) {
        argv[n++] = "valgrind";
        argv[n++] = "--quiet";
        argv[n++] = "--leak-check=full";
        argv[n++] = "--show-leak-kinds=definite";
        argv[n++] = "--errors-for-leak-kinds=definite";
        argv[n++] = "--track-origins=yes";
        argv[n++] = "--error-markers=VGERROR-BEGIN,VGERROR-END";
    }
    argv[n++] = (char *)bin;
    argv[n++] = "-d";
    argv[n++] = e->dir;
    argv[n++] = "--log-level";
    argv[n++] = "warn";
    char store[512];
    if (h_store(e->dir, store, sizeof store)) {
        argv[n++] = "--store";
        argv[n++] = store;
    }
    for (int i = 0; i < s_nargs; i++)
        argv[n++] = s_args[i];
    argv[n] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *f = freopen(e->log, "a", stderr);
        f = freopen("/dev/null", "w", stdout); /* never hold the test runner's pipe open */
        (void)f;
        if (valgrind)
            execvp("valgrind", argv);
        else
            execv(bin, argv);
        _exit(127);
    }
    e->pid = pid;
    s_at_exit();
    if (s_nstarted < 64) s_started[s_nstarted++] = pid;
    /* ready when ping answers */
    for (int i = 0; i < (valgrind ? 1200 : 200); i++) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            e->pid = 0;
            char *log = h_slurp(e->log);
            fail_msg("assayd exited during start-up: %s", log);
        }
        assay_t *c = NULL;
        assay_options_t o = {.timeout_ms = 200};
        if (assay_open(&c, e->dir, &o) == ASSAY_OK) {
            assay_reply_t *r = NULL;
            int rc = assay_call(c, "ping", NULL, 0, 200, &r);
            assay_reply_free(&r);
            assay_close(&c);
            if (rc == ASSAY_OK) return;
        }
        usleep(50000);
    }
    fail_msg("assayd did not answer ping within 10 s");
}

static void s_start(h_engine_t *e, va_list ap)
{
    snprintf(e->log, sizeof e->log, "%s.log", e->dir);
    s_nargs = 0;
    for (char *a; (a = va_arg(ap, char *)) && s_nargs < H_MAX_ARGS;)
        s_args[s_nargs++] = a;
    s_spawn(e);
}

void h_start(h_engine_t *e, ...)
{
    snprintf(e->dir, sizeof e->dir, "/tmp/assay-test-XXXXXX");
    assert_non_null(mkdtemp(e->dir));
    s_at_exit();
    if (s_nmade < 64) snprintf(s_made[s_nmade++], sizeof s_made[0], "%s", e->dir);
    va_list ap;
    va_start(ap, e);
    s_start(e, ap);
    va_end(ap);
}

void h_start_in(h_engine_t *e, const char *dir, ...)
{
    snprintf(e->dir, sizeof e->dir, "%s", dir);
    va_list ap;
    va_start(ap, dir);
    s_start(e, ap);
    va_end(ap);
}

int h_run_assayd(const char *const *args, char *err, size_t n)
{
    const char *bin = getenv("ASSAYD");
    if (!bin) fail_msg("ASSAYD is not set (run the tests with meson test)");
    char path[] = "/tmp/assay-run-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char *argv[H_MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = (char *)bin;
    for (; args[argc - 1] && argc < H_MAX_ARGS + 1; argc++)
        argv[argc] = (char *)args[argc - 1];
    argv[argc] = NULL;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd, 2);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execv(bin, argv);
        _exit(127);
    }
    int status = 0;
    for (int i = 0; i < 200 && waitpid(pid, &status, WNOHANG) == 0; i++)
        usleep(50000);
    if (waitpid(pid, &status, WNOHANG) == 0) { /* still running: it did not fail */
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        status = -1;
    }
    close(fd);
    char *text = h_slurp(path);
    snprintf(err, n, "%s", text);
    free(text);
    unlink(path);
    return status < 0 ? -1 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void h_restart(h_engine_t *e)
{
    s_spawn(e);
}

int h_stop(h_engine_t *e)
{
    int status = 0;
    if (!e->pid) return -1;
    kill(e->pid, SIGTERM);
    waitpid(e->pid, &status, 0);
    e->pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void h_kill(h_engine_t *e)
{
    if (!e->pid) return;
    kill(e->pid, SIGKILL);
    waitpid(e->pid, NULL, 0);
    e->pid = 0;
}

int h_cleanup(h_engine_t *e)
{
    if (e->pid) h_stop(e);
    h_local_forget(e->dir);
    /* a sanitizer's report in the engine's log (the -Db_sanitize build) fails the caller */
    int bad = 0;
    char *log = h_slurp(e->log);
    /* and valgrind's (ASSAY_VALGRIND): each error is between its markers */
    if (strstr(log, "Sanitizer") || strstr(log, "runtime error:") || strstr(log, "VGERROR-BEGIN")) {
        fprintf(stderr, "assayd reported a sanitizer error (%s):\n%s\n", e->log, log);
        bad = 1;
    }
    free(log);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", e->dir, e->log);
    if (system(cmd)) fprintf(stderr, "cleanup of %s failed\n", e->dir);
    return bad;
}

long h_rss_kb(const h_engine_t *e)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)e->pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
    if (f) fclose(f);
    return kb;
}

assay_t *h_connect(const h_engine_t *e, bool admin)
{
    assay_t *c = NULL;
    assay_options_t o = {.timeout_ms = 10000, .admin = admin};
    assert_int_equal(assay_open(&c, e->dir, &o), ASSAY_OK);
    return c;
}

static int s_call(assay_t *c, const char *method, const char *params_json, assay_reply_t **reply,
                  bool check)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    if (params_json) tjson_pack(&sb, params_json);
    int rc = assay_call(c, method, sb.data, sb.size, -1, reply);
    if (check && !strcmp(method, "score")) h_local_check(c, sb.data, sb.size, rc, *reply);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

int h_call(assay_t *c, const char *method, const char *params_json, assay_reply_t **reply)
{
    return s_call(c, method, params_json, reply, true);
}

int h_call_unchecked(assay_t *c, const char *method, const char *params_json, assay_reply_t **reply)
{
    return s_call(c, method, params_json, reply, false);
}

double h_submit_one(assay_t *c, const char *params_json)
{
    assay_reply_t *r;
    assert_int_equal(h_call(c, "response.submit", params_json, &r), ASSAY_OK);
    double rid = h_num(assay_reply_result(r), "response_id");
    assay_reply_free(&r);
    return rid;
}

void h_ok(assay_t *c, const char *method, const char *params_json)
{
    assay_reply_t *r;
    int rc = h_call(c, method, params_json, &r);
    if (rc)
        fail_msg("%s %s: %s", method, params_json, r ? assay_reply_message(r) : assay_strerror(rc));
    assay_reply_free(&r);
}

const char *h_error(assay_t *c, const char *method, const char *params_json, char *buf, size_t n)
{
    assay_reply_t *r = NULL;
    int rc = h_call(c, method, params_json, &r);
    if (rc == ASSAY_EREPLY)
        snprintf(buf, n, "%s: %s", assay_reply_code(r), assay_reply_message(r));
    else
        snprintf(buf, n, "(no error reply: %s)", assay_strerror(rc));
    assay_reply_free(&r);
    return buf;
}

char *h_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return strdup("");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

double h_num(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = assay_map_get(map, key);
    if (!o) return -12345;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) return (double)o->via.u64;
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) return (double)o->via.i64;
    if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) return o->via.f64;
    return -12345;
}

bool h_str_is(const msgpack_object *map, const char *key, const char *want)
{
    const msgpack_object *o = assay_map_get(map, key);
    return o && o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(want) &&
           memcmp(o->via.str.ptr, want, o->via.str.size) == 0;
}

void h_put_example(assay_t *admin)
{
    char path[512];
    snprintf(path, sizeof path, "%s/quiz.json", getenv("ASSAY_EXAMPLES"));
    char *quiz = h_slurp(path);
    assay_reply_t *r;
    int rc = h_call(admin, "assessment.put", quiz, &r);
    assay_reply_free(&r);
    free(quiz);
    assert_int_equal(rc, ASSAY_OK);
}

char *h_example_score(bool detail)
{
    char path[512];
    snprintf(path, sizeof path, "%s/answers.json", getenv("ASSAY_EXAMPLES"));
    char *answers = h_slurp(path);
    char *params = malloc(strlen(answers) + 100);
    sprintf(params, "{\"assessment\":\"quiz-demo\",\"detail\":%s,\"answers\":%s}",
            detail ? "true" : "false", answers);
    free(answers);
    return params;
}

void *h_raw_socket(const h_engine_t *e, void *ctx, int type, bool admin, int timeout_ms)
{
    void *s = zmq_socket(ctx, type);
    char ep[200];
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout_ms, sizeof timeout_ms);
    snprintf(ep, sizeof ep, "ipc://%s/%s", e->dir, admin ? "admin.sock" : "engine.sock");
    assert_int_equal(zmq_connect(s, ep), 0);
    return s;
}

int h_recv_message(void *sock, void *buf, size_t cap, int *parts)
{
    int more = 1, len = -1, n = 0;
    while (more) {
        len = zmq_recv(sock, buf, cap, 0);
        if (len < 0) return -1;
        n++;
        size_t sz = sizeof more;
        zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz);
    }
    if (parts) *parts = n;
    return len;
}

int h_submit_many(assay_t *c, const char *assessment, int n, int learners, h_answers_fn fn,
                  void *arg, char *err, size_t errn)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int sent = 0, got = 0, ok = 0;
    if (err) err[0] = '\0';
    while (got < n) {
        while (sent < n && sent - got < 64) {
            char learner[24];
            snprintf(learner, sizeof learner, "L%d", sent % learners);
            msgpack_sbuffer_clear(&sb);
            msgpack_pack_map(&pk, 3);
            as_pack_cstr(&pk, "assessment");
            as_pack_cstr(&pk, assessment);
            as_pack_cstr(&pk, "learner");
            as_pack_cstr(&pk, learner);
            as_pack_cstr(&pk, "answers");
            fn(&pk, sent, arg);
            uint32_t id;
            assert_int_equal(assay_send(c, "response.submit", sb.data, sb.size, &id), ASSAY_OK);
            sent++;
        }
        assay_reply_t *r;
        int rc = assay_recv(c, 30000, &r);
        if (rc != ASSAY_OK && rc != ASSAY_EREPLY) fail_msg("submit: %s", assay_strerror(rc));
        if (rc == ASSAY_OK)
            ok++;
        else if (err)
            snprintf(err, errn, "%s: %s", assay_reply_code(r), assay_reply_message(r));
        assay_reply_free(&r);
        got++;
    }
    msgpack_sbuffer_destroy(&sb);
    return ok;
}

assay_reply_t *h_wait_job(assay_t *c, double job)
{
    char params[64];
    snprintf(params, sizeof params, "{'job':%.0f}", job);
    for (int i = 0; i < 6000; i++) {
        assay_reply_t *r;
        assert_int_equal(h_call(c, "job.get", params, &r), ASSAY_OK);
        const msgpack_object *o = assay_reply_result(r);
        if (h_str_is(o, "state", "done") || h_str_is(o, "state", "failed")) return r;
        assay_reply_free(&r);
        usleep(10000);
    }
    fail_msg("job %.0f did not end within 60 s", job);
    return NULL;
}

const char *h_grade(assay_t *a, double rid, const char *item, const char *rater, double score,
                    double *item_score, double *response_score)
{
    static char state[32];
    char params[300];
    snprintf(params, sizeof params, "{'response':%.0f,'item':'%s','rater':'%s','score':%g}", rid,
             item, rater, score);
    assay_reply_t *r;
    assert_int_equal(h_call(a, "grade.put", params, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    const msgpack_object *st = assay_map_get(o, "state");
    snprintf(state, sizeof state, "%.*s", (int)st->via.str.size, st->via.str.ptr);
    *item_score = assay_map_get(o, "item_score") ? h_num(o, "item_score") : NAN;
    *response_score = assay_map_get(o, "response_score") ? h_num(o, "response_score") : NAN;
    assay_reply_free(&r);
    return state;
}
