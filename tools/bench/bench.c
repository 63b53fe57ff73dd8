/* bench.c — assay-bench: request rates and latencies of a real assayd, against a transport floor
 * measured in the same run.
 *
 * It starts assayd on a temporary data directory (or uses -d DIR), stores a 50-item, 4-option
 * assessment, and measures with libassay's pipelined API:
 *   ping and score (all 50 items answered) with 1, 16 and 64 requests in flight;
 *   score_batch with 1,000 and 100,000 responses x 50 items.
 * --floor also runs a bare ZeroMQ ROUTER echo on one thread with the same payloads, driven by the
 * same client code: the transport floor the engine's figures are divided by.
 */
#include "assay.h"
#include "payload.h"
#include "regrade.h"
#include "bench_fit.h"
#include "bench_cluster.h"
#include "bench_store.h"
#include "bench_exam.h"
#include "bench_grading.h"
#include "bench_local.h"
#include "echo.h"
#include "rawload.h"
#include "bench_programs.h"
#include "bench_models.h"
#include "bench_usage.h"
#include "bench_replay.h"
#include "codec.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static double s_seconds = 3;
static char s_dir[256];
static pid_t s_engine_pid;

/* ---- load ---- */

static uint64_t *s_lat;
static size_t s_lat_cap = 20000000;

/* Keeps `inflight` requests of method/params outstanding for s_seconds. */
int as_bench_load(const char *target, const char *method, const void *params, size_t len,
                  int inflight, as_bench_result_t *out)
{
    assay_t *c;
    assay_options_t o = {.timeout_ms = 10000, .admin = false};
    int rc = assay_open(&c, target, &o);
    if (rc) {
        fprintf(stderr, "assay-bench: connect %s: %s\n", target, assay_strerror(rc));
        return -1;
    }
    enum { SLOTS = 4096 };
    static uint64_t sent_at[SLOTS];
    size_t n = 0;
    /* warm-up */
    for (int i = 0; i < 200; i++) {
        assay_reply_t *r;
        if (assay_call(c, method, params, len, 10000, &r)) {
            fprintf(stderr, "assay-bench: %s failed during warm-up: %s\n", method,
                    r ? assay_reply_message(r) : "timeout");
            assay_reply_free(&r);
            assay_close(&c);
            return -1;
        }
        assay_reply_free(&r);
    }
    uint64_t t0 = as_bench_now_ns(), end = t0 + (uint64_t)(s_seconds * 1e9);
    int outstanding = 0;
    for (int i = 0; i < inflight; i++) {
        uint32_t id;
        assay_send(c, method, params, len, &id);
        sent_at[id % SLOTS] = as_bench_now_ns();
        outstanding++;
    }
    uint64_t now = t0;
    while (outstanding) {
        assay_reply_t *r;
        rc = assay_recv(c, 10000, &r);
        if (rc != ASSAY_OK) {
            fprintf(stderr, "assay-bench: %s: %s %s\n", method, assay_strerror(rc),
                    r ? assay_reply_message(r) : "");
            assay_reply_free(&r);
            assay_close(&c);
            return -1;
        }
        now = as_bench_now_ns();
        if (n < s_lat_cap) s_lat[n++] = now - sent_at[assay_reply_msgid(r) % SLOTS];
        assay_reply_free(&r);
        outstanding--;
        if (now < end) {
            uint32_t id;
            assay_send(c, method, params, len, &id);
            sent_at[id % SLOTS] = as_bench_now_ns();
            outstanding++;
        }
    }
    double secs = (double)(now - t0) / 1e9;
    qsort(s_lat, n, sizeof *s_lat, as_bench_cmp_u64);
    out->n = n;
    out->rps = (double)n / secs;
    out->p50_us = (double)s_lat[n / 2] / 1e3;
    out->p99_us = (double)s_lat[(size_t)((double)n * 0.99)] / 1e3;
    out->p999_us = (double)s_lat[(size_t)((double)n * 0.999)] / 1e3;
    assay_close(&c);
    return 0;
}

/* Round trips of one score_batch of `n` responses, `reps` times. */
static int s_batch(const char *target, int n, int reps, as_bench_result_t *out)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, "bench50");
    as_pack_cstr(&pk, "responses");
    msgpack_pack_array(&pk, (size_t)n);
    for (int i = 0; i < n; i++)
        as_bench_pack_answers(&pk);
    assay_t *c;
    assay_options_t o = {.timeout_ms = 60000};
    if (assay_open(&c, target, &o)) return -1;
    uint64_t lat[64];
    for (int i = 0; i < reps + 1 && i < 64; i++) {
        assay_reply_t *r;
        uint64_t t = as_bench_now_ns();
        int rc = assay_call(c, "score_batch", sb.data, sb.size, 60000, &r);
        uint64_t d = as_bench_now_ns() - t;
        if (rc) {
            fprintf(stderr, "assay-bench: score_batch %d: %s %s\n", n, assay_strerror(rc),
                    r ? assay_reply_message(r) : "");
            assay_reply_free(&r);
            return -1;
        }
        assay_reply_free(&r);
        if (i > 0) lat[i - 1] = d; /* the first round warms up */
    }
    qsort(lat, (size_t)reps, sizeof lat[0], as_bench_cmp_u64);
    out->n = (uint64_t)reps;
    out->p50_us = (double)lat[reps / 2] / 1e3;
    out->p99_us = (double)lat[reps - 1] / 1e3;
    out->rps = (double)n * 1e6 / out->p50_us;
    printf("  (request %zu bytes)\n", sb.size);
    assay_close(&c);
    msgpack_sbuffer_destroy(&sb);
    return 0;
}

/* ---- the disk's floor: what one durable commit costs at least ---- */

/* p50 and p99 of writing 4 KiB and fdatasync()ing it, `n` times, in dir: the floor under one
 * --sync full commit (which syncs at least a page and the meta page). */
static void s_fsync_floor(const char *dir, int n, double *p50_us, double *p99_us)
{
    char path[512];
    snprintf(path, sizeof path, "%s/fsync-floor.tmp", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    static char page[4096];
    uint64_t *lat = calloc((size_t)n, sizeof *lat);
    *p50_us = *p99_us = 0;
    if (fd < 0 || !lat) {
        free(lat);
        if (fd >= 0) close(fd);
        return;
    }
    for (int i = 0; i < n; i++) {
        uint64_t t = as_bench_now_ns();
        if (pwrite(fd, page, sizeof page, (off_t)(i % 64) * 4096) != sizeof page || fdatasync(fd))
            break;
        lat[i] = as_bench_now_ns() - t;
    }
    close(fd);
    unlink(path);
    qsort(lat, (size_t)n, sizeof *lat, as_bench_cmp_u64);
    *p50_us = (double)lat[n / 2] / 1e3;
    *p99_us = (double)lat[(size_t)(n * 0.99)] / 1e3;
    free(lat);
}

/* ---- engine process ---- */

static void s_stop_engine(void)
{
    if (s_engine_pid > 0) {
        kill(s_engine_pid, SIGTERM);
        waitpid(s_engine_pid, NULL, 0);
        s_engine_pid = 0;
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
        if (system(cmd)) fprintf(stderr, "assay-bench: could not remove %s\n", s_dir);
    }
}

static const char *s_sync = "full";
static const char *s_store = NULL; /* --store for the assayd started (NULL: its default) */

static int s_start_engine(const char *assayd, const char *workers)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/assay-bench-XXXXXX");
    if (!mkdtemp(s_dir)) return -1;
    s_engine_pid = fork();
    if (s_engine_pid == 0) {
        const char *argv[16] = {assayd,        "-d",   s_dir,    "--max-message", "64M",
                                "--log-level", "warn", "--sync", s_sync};
        int n = 9;
        if (s_store) {
            argv[n++] = "--store";
            argv[n++] = s_store;
        }
        if (workers) {
            argv[n++] = "--workers";
            argv[n++] = workers;
        }
        argv[n] = NULL;
        execv(assayd, (char *const *)argv);
        _exit(127);
    }
    atexit(s_stop_engine);
    for (int i = 0; i < 100; i++) {
        assay_t *c;
        if (assay_open(&c, s_dir, NULL) == ASSAY_OK) {
            assay_reply_t *r;
            int rc = assay_call(c, "ping", NULL, 0, 200, &r);
            assay_reply_free(&r);
            assay_close(&c);
            if (rc == 0) return 0;
        }
        usleep(50000);
    }
    fprintf(stderr, "assay-bench: %s did not start\n", assayd);
    return -1;
}

double as_bench_seconds(void)
{
    return s_seconds;
}

int main(int argc, char **argv)
{
    /* assay-bench replay FILE [...]: the same options, then the replay instead of the table */
    const char *replay = NULL, *fit = NULL, *store = NULL, *cluster = NULL;
    bool regrade = false, exam = false, programs = false, models = false, grading = false,
         local = false;
    if (argc > 2 && strcmp(argv[1], "replay") == 0) {
        replay = argv[2];
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    } else if (argc > 2 && strcmp(argv[1], "store") == 0) {
        store = argv[2];
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    } else if (argc > 2 && strcmp(argv[1], "cluster") == 0) {
        cluster = argv[2];
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    } else if (argc > 2 && strcmp(argv[1], "fit") == 0) {
        fit = argv[2];
        argv[2] = argv[0];
        argv += 2;
        argc -= 2;
    } else if (argc > 1 && strcmp(argv[1], "exam") == 0) {
        exam = true;
        argv[1] = argv[0];
        argv += 1;
        argc -= 1;
    } else if (argc > 1 && strcmp(argv[1], "grading") == 0) {
        grading = true;
        argv[1] = argv[0];
        argv++;
        argc--;
    } else if (argc > 1 && strcmp(argv[1], "programs") == 0) {
        programs = true;
        argv[1] = argv[0];
        argv++;
        argc--;
    } else if (argc > 1 && strcmp(argv[1], "local") == 0) {
        local = true;
        argv[1] = argv[0];
        argv++;
        argc--;
    } else if (argc > 1 && strcmp(argv[1], "models") == 0) {
        models = true;
        argv[1] = argv[0];
        argv++;
        argc--;
    } else if (argc > 1 && strcmp(argv[1], "regrade") == 0) {
        regrade = true;
        argv[1] = argv[0];
        argv += 1;
        argc -= 1;
    }
    size_t regrade_n = 1000000, regrade_learners = 200000;
    bool regrade_learners_given = false;
    long exam_limit = 0;
    bool floor = false, batch = true;
    size_t replay_limit = 0;
    int replay_inflight = 256;
    const char *data = NULL, *assayd = NULL, *workers = NULL;
    static const struct option opts[] = {{"floor", no_argument, 0, 'f'},
                                         {"seconds", required_argument, 0, 's'},
                                         {"data", required_argument, 0, 'd'},
                                         {"assayd", required_argument, 0, 'a'},
                                         {"workers", required_argument, 0, 'w'},
                                         {"no-batch", no_argument, 0, 'n'},
                                         {"sync", required_argument, 0, 'S'},
                                         {"limit", required_argument, 0, 'L'},
                                         {"inflight", required_argument, 0, 'I'},
                                         {"responses", required_argument, 0, 'R'},
                                         {"learners", required_argument, 0, 'E'},
                                         {"time-limit", required_argument, 0, 'T'},
                                         {"store", required_argument, 0, 'P'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            floor = true;
            break;
        case 's':
            s_seconds = atof(optarg);
            break;
        case 'd':
            data = optarg;
            break;
        case 'a':
            assayd = optarg;
            break;
        case 'w':
            workers = optarg;
            break;
        case 'n':
            batch = false;
            break;
        case 'S':
            s_sync = optarg;
            break;
        case 'P':
            s_store = optarg;
            break;
        case 'L':
            replay_limit = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'I':
            replay_inflight = atoi(optarg);
            break;
        case 'R':
            regrade_n = (size_t)strtoull(optarg, NULL, 10);
            break;
        case 'E':
            regrade_learners = (size_t)strtoull(optarg, NULL, 10);
            regrade_learners_given = true;
            break;
        case 'T':
            exam_limit = atol(optarg);
            break;
        case 'h':
            as_bench_usage(stdout);
            return 0;
        default:
            as_bench_usage(stderr);
            return 2;
        }
    }
    if (s_seconds <= 0) s_seconds = 3;
    if (cluster) return as_bench_cluster(cluster, s_seconds, 64); /* (its own engines) */
    s_lat = malloc(s_lat_cap * sizeof *s_lat);
    char self[PATH_MAX], guess[PATH_MAX + 32];
    if (!data) {
        if (!assayd) {
            ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
            self[n > 0 ? n : 0] = '\0';
            char *slash = strrchr(self, '/');
            if (slash) *slash = '\0';
            snprintf(guess, sizeof guess, "%s/../../engine/assayd", self);
            assayd = guess;
        }
        if (s_start_engine(assayd, workers)) return 1;
        data = s_dir;
    }
    if (replay)
        return as_bench_replay(data, replay, replay_inflight > 0 ? replay_inflight : 256,
                               replay_limit);
    if (exam)
        return as_bench_exam(data, regrade_learners_given ? regrade_learners : 10000,
                             exam_limit > 0 ? (unsigned)exam_limit : 20);
    if (grading) return as_bench_grading(data, regrade_learners_given ? regrade_learners : 20000);
    if (store) return as_bench_store(store, s_seconds);
    if (fit)
        return as_bench_fit(data, fit, replay_inflight > 0 ? replay_inflight : 256, replay_limit);
    if (regrade)
        return as_bench_regrade(data, regrade_n ? regrade_n : 1,
                                regrade_learners ? regrade_learners : 1);
    if (programs) return as_bench_programs(data);
    if (local) return as_bench_local(data);
    if (models) return as_bench_models(data);

    /* store the bench assessment */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    as_bench_pack_definition(&pk, "bench50", 1);
    assay_t *admin;
    assay_options_t ao = {.admin = true};
    assay_reply_t *r;
    if (assay_open(&admin, data, &ao) ||
        assay_call(admin, "assessment.put", sb.data, sb.size, 5000, &r)) {
        fprintf(stderr, "assay-bench: cannot store the bench assessment in %s\n", data);
        return 1;
    }
    assay_reply_free(&r);
    assay_call(admin, "ping", NULL, 0, 5000, &r);
    double nworkers = 0;
    const msgpack_object *w = assay_map_get(assay_reply_result(r), "workers");
    if (w) nworkers = (double)w->via.u64;
    assay_reply_free(&r);
    assay_close(&admin);

    msgpack_sbuffer score;
    msgpack_sbuffer_init(&score);
    msgpack_packer_init(&pk, &score, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 2);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, "bench50");
    as_pack_cstr(&pk, "answers");
    as_bench_pack_answers(&pk);

    as_bench_echo_t echo = {0};
    char engine_ep[300] = "";
    pthread_t echo_thread;
    if (floor) {
        echo.ctx = zmq_ctx_new();
        snprintf(echo.ep, sizeof echo.ep, "ipc://%s/floor.sock", data);
        snprintf(engine_ep, sizeof engine_ep, "ipc://%s/engine.sock", data);
        pthread_create(&echo_thread, NULL, as_bench_echo_run, &echo);
        usleep(100000);
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    printf("assay-bench: %ld cores, assayd with %g workers, --sync %s, store %s, %.0f s per "
           "measurement, ipc transport\nscore request: 50 items answered, %zu bytes\n\n",
           cores, nworkers, data == s_dir ? s_sync : "(as running)",
           data != s_dir ? "(as running)"
           : s_store     ? "PostgreSQL"
                         : "LMDB",
           s_seconds, score.size);
    double fs50, fs99;
    s_fsync_floor(data, 200, &fs50, &fs99);
    printf("disk floor in the data directory (4 KiB write + fdatasync, 200 times): p50 %.0f us, "
           "p99 %.0f us\n\n",
           fs50, fs99);
    if (floor)
        printf(
            "libassay: the engine through libassay's pipelined API (responses decoded); raw: the\n"
            "engine and the floor through the transport's own client (rawload.c: frames sent\n"
            "and received, nothing decoded but the msgid), the ratios raw against raw.\n\n");
    printf("| case | in flight | req/s | p50 us | p99 us | p99.9 us |%s\n",
           floor ? " raw req/s | raw p50 us | floor req/s | floor p50 us | rate / floor | p50 / "
                   "floor |"
                 : "");
    printf("|---|---|---|---|---|---|%s\n", floor ? "---|---|---|---|---|---|" : "");
    fflush(stdout);
    /* submit: the same answers, stored (attempts of one learner) */
    msgpack_sbuffer submit;
    msgpack_sbuffer_init(&submit);
    msgpack_packer_init(&pk, &submit, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    as_pack_cstr(&pk, "assessment");
    as_pack_cstr(&pk, "bench50");
    as_pack_cstr(&pk, "learner");
    as_pack_cstr(&pk, "bench-learner");
    as_pack_cstr(&pk, "answers");
    as_bench_pack_answers(&pk);
    const char *methods[] = {"ping", "score", "response.submit"};
    const msgpack_sbuffer *bodies[] = {NULL, &score, &submit};
    const int inflights[] = {1, 16, 64};
    for (int m = 0; m < 3; m++) {
        const void *params = bodies[m] ? bodies[m]->data : NULL;
        size_t plen = bodies[m] ? bodies[m]->size : 0;
        for (int i = 0; i < 3; i++) {
            as_bench_result_t e, f;
            if (as_bench_load(data, methods[m], params, plen, inflights[i], &e)) return 1;
            printf("| %s | %d | %.0f | %.1f | %.1f | %.1f |", methods[m], inflights[i], e.rps,
                   e.p50_us, e.p99_us, e.p999_us);
            if (floor) {
                as_bench_result_t raw;
                if (as_bench_raw_load(engine_ep, methods[m], params, plen, inflights[i], s_seconds,
                                      s_lat, s_lat_cap, &raw) ||
                    as_bench_raw_load(echo.ep, methods[m], params, plen, inflights[i], s_seconds,
                                      s_lat, s_lat_cap, &f))
                    return 1;
                printf(" %.0f | %.1f | %.0f | %.1f | %.2f | %.2f |", raw.rps, raw.p50_us, f.rps,
                       f.p50_us, raw.rps / f.rps, raw.p50_us / f.p50_us);
            }
            printf("\n");
            fflush(stdout);
        }
    }
    if (batch) {
        printf(
            "\n| score_batch | responses x items | round trip p50 ms | slowest ms | responses/s |\n"
            "|---|---|---|---|---|\n");
        const int sizes[] = {1000, 100000};
        const int reps[] = {20, 5};
        for (int i = 0; i < 2; i++) {
            as_bench_result_t b;
            if (s_batch(data, sizes[i], reps[i], &b)) return 1;
            printf("| %d | %d x 50 | %.2f | %.2f | %.0f |\n", reps[i], sizes[i], b.p50_us / 1e3,
                   b.p99_us / 1e3, b.rps);
            fflush(stdout);
        }
    }
    if (floor) {
        echo.stop = 1;
        pthread_join(echo_thread, NULL);
        zmq_ctx_term(echo.ctx);
    }
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&score);
    msgpack_sbuffer_destroy(&submit);
    free(s_lat);
    return 0;
}
