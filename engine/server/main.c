/* main.c — assayd: command line, data directory, sockets, threads, signals.
 *
 * Start-up: create the data directory (0700), take its lock (a second assayd on the same
 * directory refuses to start), open the store (LMDB, or PostgreSQL with --store), bind the
 * sockets (listen.c) (replacing stale socket
 * files of a crashed engine), start writer, workers and broker. SIGINT/SIGTERM: the broker drains
 * in-flight requests, then the context is shut down, threads joined, the environment closed, and
 * assayd exits 0.
 */
#include "auth.h"
#include "cmdline.h"
#include "engine.h"
#include "listen.h"
#include "qti.h"
#include "log.h"
#include "methods.h"
#include "protocol.h"
#include "pg.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static as_engine_t s_engine;

void as_engine_fatal(as_engine_t *e, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    AS_LOG(AS_LOG_ERROR, "%s", msg);
    atomic_store(&e->fatal, 1);
    pthread_kill(e->main_thread, SIGTERM);
}

static void s_usage(FILE *out)
{
    fprintf(
        out,
        "Usage: assayd [OPTION]...\n"
        "Serve assay's scoring engine on a data directory.\n"
        "\n"
        "assayd keeps each assessment's compiled weight table in an LMDB environment under the "
        "data\n"
        "directory and answers msgpack requests (proto/PROTOCOL.md) on ZeroMQ sockets there:\n"
        "  DIR/engine.sock  (mode 0660) scoring and reads; writes to assessments are forbidden\n"
        "  DIR/admin.sock   (mode 0600) every method\n"
        "  DIR/events.sock  PUB socket of notifications (assessment.<id>, ...)\n"
        "\n"
        "Options:\n"
        "  -d, --data DIR         data directory, created 0700 if missing\n"
        "                         (default: $ASSAY_DATA, else ./var/assay)\n"
        "  -w, --workers N        worker threads, 1..64 (default: the number of cores)\n"
        "      --max-message SIZE largest request frame; larger ones are answered too_large\n"
        "                         (default: 1M; suffixes K, M, G)\n"
        "      --max-admin-message SIZE\n"
        "                         the same on the admin sockets, where model.put carries model\n"
        "                         files (default: 80M; never below --max-message)\n"
        "      --max-queued SIZE  the requests in flight (waiting for a worker or the writer, or\n"
        "                         being served) may hold SIZE bytes; beyond, a request is\n"
        "                         answered overloaded at once (default: 128M; one is always "
        "taken)\n"
        "      --map-size SIZE    initial LMDB map size; the map doubles when full (default: "
        "256M).\n"
        "                         Its disk space is reserved (fallocate) as it grows\n"
        "      --store STORE      where records are kept: lmdb (default: the data directory) or\n"
        "                         a PostgreSQL connection string (postgresql://... or\n"
        "                         \"host=... dbname=...\"): PostgreSQL is the system of record,\n"
        "                         the data directory keeps the local map of compiled tables;\n"
        "                         a write is acknowledged after its COMMIT (as durable as the\n"
        "                         server's synchronous_commit), and --sync does not apply\n"
        "      --sync MODE        when commits reach the disk (default: full):\n"
        "                           full          every write is fsynced before it is "
        "acknowledged\n"
        "                           periodic[:MS] flushed every MS ms (default 100): a power loss "
        "or OS\n"
        "                                         crash can lose the last MS ms of acknowledged "
        "writes\n"
        "                           none          flushed only at shutdown: a power loss or OS "
        "crash\n"
        "                                         can lose any write since the last start\n"
        "                         a crash of assayd alone (kill -9) loses nothing in any mode\n"
        "      --drain-time S     on SIGINT/SIGTERM, how long requests in flight may take to\n"
        "                         finish, 0..3600 s (default 10); scoring still running then\n"
        "                         stops and is answered unavailable\n"
        "      --request-budget MS\n"
        "                         the CPU time scoring one request may take, 1..3600000 ms\n"
        "                         (default 2000); past it the request is answered too_large.\n"
        "                         patternMatch also stops a match after 100,000 steps\n"
        "      --log-level LEVEL  error, warn, info or debug (default: info); logs go to stderr\n");
    fprintf(
        out,
        "      --tcp ADDR:PORT    also serve the engine socket's methods on tcp\n"
        "      --admin-tcp ADDR:PORT\n"
        "                         also serve every method on tcp\n"
        "      --curve-secret FILE  the server's certificate with its secret key (assay keygen\n"
        "                         NAME writes NAME and NAME_secret): the tcp sockets use CURVE,\n"
        "                         encrypted and authenticated. Required unless ADDR is loopback\n"
        "      --curve-clients DIR  the public certificates of the clients allowed on --tcp\n"
        "      --curve-admin-clients DIR\n"
        "                         the public certificates of the clients allowed on --admin-tcp\n"
        "                         (an engine client's key is refused there)\n"
        "  -h, --help             show this help and exit\n"
        "      --methods          print the protocol's methods (NAME SOCKET: admin, or engine for\n"
        "                         both sockets) and exit\n"
        "  -V, --version          show the version and exit\n"
        "\n"
        "Only one assayd may serve a data directory: a second one exits with status 1 and names "
        "the\n"
        "pid that holds DIR/assayd.lock. SIGINT or SIGTERM stops accepting requests, answers "
        "those\n"
        "in flight (for up to --drain-time; scoring still running then stops and is answered\n"
        "unavailable), closes the environment and exits 0.\n"
        "\n"
        "Exit status: 0 after a clean shutdown, 1 on a start-up or fatal error, 2 on bad usage.\n"
        "\n"
        "Example:\n"
        "  assayd -d /var/lib/assay --workers 4 &\n"
        "  assay -d /var/lib/assay ping\n"
        "  assay keygen /etc/assay/server; assay keygen /etc/assay/clients/app1\n"
        "  assayd -d /var/lib/assay --tcp 10.0.0.5:7700 --curve-secret /etc/assay/server_secret "
        "\\\n"
        "         --curve-clients /etc/assay/clients\n");
}

/* Parses "123", "64K", "16M", "2G". */
static int s_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s) return -1;
    unsigned long long mul = 1;
    if (*end == 'k' || *end == 'K')
        mul = 1ull << 10;
    else if (*end == 'm' || *end == 'M')
        mul = 1ull << 20;
    else if (*end == 'g' || *end == 'G')
        mul = 1ull << 30;
    else if (*end)
        return -1;
    if (*end && end[1] && !(end[1] == 'B' || end[1] == 'i')) return -1;
    *out = (size_t)(v * mul);
    return 0;
}

static int s_sync(const char *s, as_engine_t *e)
{
    if (strcmp(s, "full") == 0) {
        e->sync = AS_SYNC_FULL;
        return 0;
    }
    if (strcmp(s, "none") == 0) {
        e->sync = AS_SYNC_NONE;
        return 0;
    }
    if (strncmp(s, "periodic", 8) != 0) return -1;
    e->sync = AS_SYNC_PERIODIC;
    if (s[8] == '\0') return 0;
    long ms;
    if (s[8] != ':' || as_arg_range(s + 9, 1, 60000, &ms)) return -1;
    e->sync_ms = (int)ms;
    return 0;
}

static int s_mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0700) && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) && errno != EEXIST) return -1;
    struct stat st;
    if (stat(tmp, &st) || !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

/* Takes DIR/assayd.lock; returns its fd, or -1 after printing why. */
static int s_lock(const char *dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/assayd.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "assayd: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        if (n > 0) pid[strcspn(pid, "\n")] = '\0';
        fprintf(stderr, "assayd: another assayd (pid %s) is serving %s; stop it first\n",
                n > 0 ? pid : "unknown", dir);
        close(fd);
        return -1;
    }
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) || pwrite(fd, buf, (size_t)n, 0) != n) {
        fprintf(stderr, "assayd: cannot write %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    as_engine_t *e = &s_engine;
    const char *data = getenv("ASSAY_DATA");
    as_qti_init(); /* libxml2's global state, before the workers convert */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    e->workers = cores > 0 ? (int)(cores > 64 ? 64 : cores) : 2;
    e->max_message = AS_DEFAULT_MAX_MESSAGE;
    e->max_admin_message = AS_DEFAULT_MAX_ADMIN_MESSAGE;
    e->map_size = 256ull << 20;
    e->draining_s = 10;
    e->budget_ns = 2000u * 1000000u;
    e->max_queued = 128u << 20;
    e->sync = AS_SYNC_FULL;
    e->sync_ms = 100;
    as_tcp_opts_t tcp = {0};
    const char *store = NULL; /* NULL: LMDB in the data directory */
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"workers", required_argument, 0, 'w'},
                                         {"max-message", required_argument, 0, 'm'},
                                         {"max-admin-message", required_argument, 0, 'M'},
                                         {"map-size", required_argument, 0, 's'},
                                         {"log-level", required_argument, 0, 'l'},
                                         {"tcp", required_argument, 0, 't'},
                                         {"admin-tcp", required_argument, 0, 'T'},
                                         {"curve-secret", required_argument, 0, 'c'},
                                         {"curve-clients", required_argument, 0, 'C'},
                                         {"curve-admin-clients", required_argument, 0, 'A'},
                                         {"sync", required_argument, 0, 'S'},
                                         {"store", required_argument, 0, 'P'},
                                         {"help", no_argument, 0, 'h'},
                                         {"version", no_argument, 0, 'V'},
                                         {"methods", no_argument, 0, 'L'},
                                         {"request-budget", required_argument, 0, 'B'},
                                         {"drain-time", required_argument, 0, 'D'},
                                         {"max-queued", required_argument, 0, 'Q'},
                                         {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "d:w:hV", opts, NULL)) != -1) {
        long n;
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'w':
            if (as_arg_range(optarg, 1, 64, &n)) {
                fprintf(stderr, "assayd: --workers: expected 1..64, got \"%s\"\n", optarg);
                return 2;
            }
            e->workers = (int)n;
            break;
        case 'm':
            if (s_size(optarg, &e->max_message) || e->max_message < 64 ||
                e->max_message > (1ull << 31)) {
                fprintf(stderr,
                        "assayd: --max-message: expected a size from 64 bytes to 2G, got \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 'M':
            if (s_size(optarg, &e->max_admin_message) || e->max_admin_message < 64 ||
                e->max_admin_message > (1ull << 31)) {
                fprintf(stderr,
                        "assayd: --max-admin-message: expected a size from 64 bytes to 2G, got "
                        "\"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 's':
            if (s_size(optarg, &e->map_size) || e->map_size < (1u << 20)) {
                fprintf(stderr, "assayd: --map-size: expected a size of at least 1M, got \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 'l':
            if ((as_log_level = as_log_parse(optarg)) < 0) {
                fprintf(stderr,
                        "assayd: --log-level: expected error, warn, info or debug, got \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 'P':
            if (strcmp(optarg, "lmdb") != 0 && strncmp(optarg, "postgresql://", 13) != 0 &&
                strncmp(optarg, "postgres://", 11) != 0 && !strchr(optarg, '=')) {
                fprintf(stderr,
                        "assayd: --store: expected lmdb or a PostgreSQL connection string "
                        "(postgresql://... or key=value ...), got \"%s\"\n",
                        optarg);
                return 2;
            }
            store = strcmp(optarg, "lmdb") == 0 ? NULL : optarg;
            break;
        case 'S':
            if (s_sync(optarg, e)) {
                fprintf(stderr,
                        "assayd: --sync: expected full, periodic, periodic:MS (1..60000) or "
                        "none, got \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 't':
            tcp.tcp = optarg;
            break;
        case 'T':
            tcp.admin_tcp = optarg;
            break;
        case 'c':
            tcp.secret = optarg;
            break;
        case 'C':
            tcp.clients = optarg;
            break;
        case 'A':
            tcp.admin_clients = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return 0;
        case 'V':
            printf("assayd %s (protocol %d)\n", AS_VERSION, AS_PROTOCOL_VERSION);
            return 0;
        case 'B':
            if (as_arg_range(optarg, 1, 3600000, &n)) {
                fprintf(stderr, "assayd: --request-budget: expected 1..3600000 ms, got \"%s\"\n",
                        optarg);
                return 2;
            }
            e->budget_ns = (uint64_t)n * 1000000u;
            break;
        case 'Q':
            if (s_size(optarg, &e->max_queued) || e->max_queued < (1u << 16)) {
                fprintf(stderr,
                        "assayd: --max-queued: expected a size of at least 64K, got \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 'D':
            if (as_arg_range(optarg, 0, 3600, &n)) {
                fprintf(stderr, "assayd: --drain-time: expected 0..3600 s, got \"%s\"\n", optarg);
                return 2;
            }
            e->draining_s = (int)n;
            break;
        case 'L':
            for (int i = 0; i < AS_M_COUNT; i++)
                printf("%s %s\n", as_methods[i].name,
                       as_methods[i].flags & AS_M_ADMIN ? "admin" : "engine");
            return 0;
        default:
            fprintf(stderr, "Try 'assayd --help' for more information.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr,
                "assayd: unexpected argument \"%s\"\nTry 'assayd --help' for more information.\n",
                argv[optind]);
        return 2;
    }
    if (!data || !*data) data = "./var/assay";
    if (strlen(data) > 3900) {
        fprintf(stderr, "assayd: data directory path too long\n");
        return 2;
    }
    if (e->max_admin_message < e->max_message) e->max_admin_message = e->max_message;
    if (s_mkdirs(data)) {
        fprintf(stderr, "assayd: cannot create data directory %s: %s\n", data, strerror(errno));
        return 1;
    }
    snprintf(e->data_dir, sizeof e->data_dir, "%s", data);
    int lock = s_lock(data);
    if (lock < 0) return 1;

    as_err_t err;
    if (store ? as_pg_store_open(&e->store, store, data, e->map_size, 16 + e->workers * 2, &err)
              : as_store_open(&e->store, data, e->map_size, 16 + e->workers * 2, e->sync, &err)) {
        fprintf(stderr, "assayd: %s\n", err.msg);
        return 1;
    }
    char copies[64] = "";
    if (!store && !as_store_cache_identity(e->store, copies, sizeof copies, &err) && copies[0]) {
        fprintf(stderr,
                "assayd: %s is the local map of a PostgreSQL store (database %s): start it with "
                "--store and that database's connection string\n",
                data, copies);
        return 1;
    }
    e->stats = as_stats_new(2 + e->workers);
    e->zctx = zmq_ctx_new();
    e->start_ns = as_now_ns();
    e->main_thread = pthread_self();
    if (!e->stats || !e->zctx) {
        fprintf(stderr, "assayd: out of memory\n");
        return 1;
    }
    e->frontend[0] = as_listen_ipc(e, ZMQ_ROUTER, data, "engine.sock", 0660, e->max_message);
    e->frontend[1] = as_listen_ipc(e, ZMQ_ROUTER, data, "admin.sock", 0600, e->max_admin_message);
    e->frontend_role[0] = AS_ROLE_ENGINE;
    e->frontend_role[1] = AS_ROLE_ADMIN;
    e->n_frontends = 2;
    as_auth_t *auth = NULL;
    if (tcp.secret) {
        char why[512];
        if (!(auth = as_auth_start(e->zctx, tcp.clients, tcp.admin_clients, why, sizeof why))) {
            fprintf(stderr, "assayd: %s\n", why);
            return 1;
        }
    }
    if ((tcp.tcp && as_listen_tcp(e, &tcp, tcp.tcp, AS_ROLE_ENGINE)) ||
        (tcp.admin_tcp && as_listen_tcp(e, &tcp, tcp.admin_tcp, AS_ROLE_ADMIN)))
        return 1;
    e->pub = as_listen_ipc(e, ZMQ_PUB, data, "events.sock", 0660, e->max_message);
    e->work = as_listen_inproc(e, ZMQ_PUSH, AS_EP_WORK, 1000);
    e->replies = as_listen_inproc(e, ZMQ_PULL, AS_EP_REPLIES, 100000);
    e->writer_in = as_listen_inproc(e, ZMQ_PULL, AS_EP_WRITER, 1000);
    e->control = as_listen_inproc(e, ZMQ_PAIR, AS_EP_CONTROL, 10);
    e->jobs_in = as_listen_inproc(e, ZMQ_PULL, AS_EP_JOBS, 1000);
    void *stop = zmq_socket(e->zctx, ZMQ_PAIR);
    if (!e->frontend[0] || !e->frontend[1] || !e->pub || !e->work || !e->replies || !e->writer_in ||
        !e->control || !e->jobs_in || !stop || zmq_connect(stop, AS_EP_CONTROL))
        return 1;

    /* Threads inherit this mask: only main takes SIGINT/SIGTERM, through sigwait. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    pthread_t writer, jobs, broker, *workers = calloc((size_t)e->workers, sizeof *workers);
    as_worker_arg_t *wargs = calloc((size_t)e->workers, sizeof *wargs);
    if (!workers || !wargs) return 1;
    pthread_create(&writer, NULL, as_writer_run, e);
    /* the writer first ends the attempts whose time ran out while the engine was down */
    while (!atomic_load(&e->writer_ready) && !atomic_load(&e->fatal))
        usleep(1000);
    pthread_create(&jobs, NULL, as_jobs_run, e);
    for (int i = 0; i < e->workers; i++) {
        wargs[i] = (as_worker_arg_t){e, i};
        pthread_create(&workers[i], NULL, as_worker_run, &wargs[i]);
    }
    pthread_create(&broker, NULL, as_broker_run, e);
    AS_LOG(AS_LOG_INFO,
           "assayd %s serving %s (engine.sock, admin.sock, events.sock) with %d worker(s)",
           AS_VERSION, data, e->workers);

    int sig = 0;
    sigwait(&sigs, &sig);
    AS_LOG(AS_LOG_INFO, "%s: shutting down",
           atomic_load(&e->fatal) ? "fatal error"
           : sig == SIGINT        ? "SIGINT"
                                  : "SIGTERM");
    zmq_send(stop, "stop", 4, 0);
    pthread_join(broker, NULL);
    zmq_close(stop);
    zmq_ctx_shutdown(e->zctx); /* workers, writer and job thread see ETERM once idle */
    for (int i = 0; i < e->workers; i++)
        pthread_join(workers[i], NULL);
    pthread_join(jobs, NULL);
    pthread_join(writer, NULL);
    as_auth_stop(&auth); /* its thread ends with the context's shutdown; its socket closes here */
    zmq_ctx_term(e->zctx);
    as_store_destroy(&e->store);
    as_stats_destroy(&e->stats);
    free(workers);
    free(wargs);
    static const char *const socks[] = {"engine.sock", "admin.sock", "events.sock"};
    for (int i = 0; i < 3; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", data, socks[i]);
        unlink(path);
    }
    close(lock);
    AS_LOG(AS_LOG_INFO, "stopped");
    return atomic_load(&e->fatal) ? 1 : 0;
}
