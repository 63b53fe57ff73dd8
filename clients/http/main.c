/* main.c — assay-http: options, the libmicrohttpd daemon, the SSE hub, signals. */
#include "access.h"
#include "bridge.h"
#include "bridge_nodes.h"
#include "cmdline.h"
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

ah_config_t ah_cfg;

static void s_usage(FILE *out)
{
    fprintf(
        out,
        "Usage: assay-http [OPTIONS]\n"
        "The HTTP/JSON adapter of the assay scoring engine: translates HTTP requests into\n"
        "engine requests (all state stays in assayd), streams notifications as Server-Sent\n"
        "Events, and serves Prometheus metrics and an OpenAPI 3.1 document.\n"
        "\n"
        "Options:\n"
        "      --listen ADDR:PORT     where to listen (default 127.0.0.1:8080; IPv4)\n"
        "  -d, --data DIR             the engine's data directory (default: $ASSAY_DATA, else\n"
        "                             ./var/assay): engine.sock, admin.sock, events.sock\n"
        "  -e, --endpoint EP          the engine's endpoint instead (ipc:// or tcp://)\n"
        "      --engine EP,EP         several engines on one database (-e takes them too):\n"
        "                             each request goes to its learner's engine (rendezvous\n"
        "                             hashing, as every assay client), and a try unanswered\n"
        "                             within --try-timeout-ms or answered unavailable to the\n"
        "                             next, each engine once\n"
        "      --admin-endpoint EP    with -e: the admin endpoint (default: the same as -e);\n"
        "                             with several engines, one per engine in the same order\n"
        "      --events-endpoint EP   with -e: the events endpoint; with several engines, each\n"
        "                             one's (EP,EP...): /v1/events streams them all, each event\n"
        "                             naming its engine (node)\n"
        "      --tokens FILE          bearer tokens, one 'SCOPE TOKEN' a line ('#' comments);\n"
        "                             SCOPE admin (every route), app (all but admin routes),\n"
        "                             read (GET routes); read again when the file changes.\n"
        "                             Mode 600: a file others may read is refused\n"
        "      --admin-token-file F   an admin token: the file's first line\n"
        "      --jwt-secret-file F    learner tokens: JWTs (HS256) signed with the file's\n"
        "                             secret (32+ bytes), sub = the learner id, exp required;\n"
        "                             they reach only their learner's records and topic\n"
        "      --rate-limit S=R[/B]   a token bucket per token of scope S (admin, app, read,\n"
        "                             learner): R requests a second, bursts of B (default R);\n"
        "                             over it: 429 with Retry-After. Repeat for each scope\n"
        "      --cors-origin ORIGIN   let a browser app at ORIGIN (https://host[:port], or *)\n"
        "                             call the API; repeatable\n"
        "      --max-body BYTES       largest request body (default 1M; larger: 413)\n"
        "      --max-admin-body BYTES largest body of an admin route with its token: model\n"
        "                             files, QTI packages (default 80M)\n"
        "      --timeout-ms MS        how long to wait for the engine (default 5000; then 504)\n"
        "      --try-timeout-ms MS    with several engines: how long one engine's try waits\n"
        "                             before the next is tried (default 2000, at most\n"
        "                             --timeout-ms)\n"
        "      --threads N            HTTP threads (default 2); a request waiting for the\n"
        "                             engine holds no thread (its connection is suspended)\n"
        "      --idle-timeout S       close a connection silent for S s: unfinished headers or\n"
        "                             bodies, idle keep-alives (default 10; event streams\n"
        "                             waiting for events are not idle)\n"
        "      --max-connections-per-ip N\n"
        "                             connections one address may hold (default 1024; behind a\n"
        "                             proxy every client has the proxy's address)\n"
        "      --sse-buffer SIZE      an event stream's events not yet sent; a client that falls\n"
        "                             further behind is dropped and reconnects (default 256K)\n"
        "      --max-streams-per-token N\n"
        "                             event streams one token (a learner: one sub) may hold open\n"
        "                             (default 64; beyond, 429)\n"
        "      --routes               print the routes (METHOD PATH [ENGINE-METHOD]) and exit\n"
        "  -h, --help                 this help\n"
        "\n"
        "Routes (JSON in and out; errors are {\"error\": {\"code\", \"message\"}}):\n");
    for (int i = 0; i < ah_route_count(); i++)
        fprintf(out, "  %-6s %s\n", ah_route_method(i), ah_route_pattern(i));
    fprintf(out,
            "\n"
            "Every route but GET /v1/health and the dashboard (GET /, /dashboard/...) needs\n"
            "'Authorization: Bearer <token>' (GET /v1/events also takes ?access_token=).\n"
            "\n"
            "Statuses: 400 bad_request (invalid JSON names its position), 401 unauthorized (no\n"
            "valid token), 403 forbidden (the token's scope does not reach the route: the message\n"
            "says why), 404, 405, 409 conflict, 413 too_large, 429 rate_limited (with\n"
            "Retry-After), 503 overloaded/unavailable (with Retry-After), 504\n"
            "the engine did not answer in time, 500 internal. GET responses carry an ETag and\n"
            "honour If-None-Match (304). GET /v1/events?topic=PREFIX[&topic=...] streams\n"
            "notifications (event: topic, data: JSON, id: the engine's seq; a keep-alive comment\n"
            "every 15 s). The full contract: GET /v1/openapi.json.\n"
            "\n"
            "Example: assay-http -d ./var/assay --tokens /etc/assay/tokens\n"
            "         curl -s localhost:8080/v1/assessments/quiz-demo/score -H \"Authorization:\n"
            "              Bearer $APP_TOKEN\" -d '{\"answers\": {\"capital\": \"paris\"}}'\n"
            "         open http://localhost:8080/#token=$READ_TOKEN   (the dashboard)\n");
}

static int s_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s) return -1;
    if (*end == 'K' || *end == 'k')
        v <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        v <<= 20, end++;
    if (*end) return -1;
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    const char *listen_at = "127.0.0.1:8080";
    const char *data = getenv("ASSAY_DATA");
    ah_cfg.max_body = 1u << 20;
    ah_cfg.max_admin_body = 80u << 20;
    ah_cfg.timeout_ms = 5000;
    ah_cfg.try_timeout_ms = 2000;
    ah_cfg.threads = 2;
    ah_cfg.idle_timeout_s = 10;
    ah_cfg.max_per_ip = 1024;
    ah_cfg.sse_buffer = 256u << 10;
    ah_cfg.max_streams = 64;
    static const struct option opts[] = {{"listen", required_argument, 0, 'l'},
                                         {"data", required_argument, 0, 'd'},
                                         {"endpoint", required_argument, 0, 'e'},
                                         {"engine", required_argument, 0, 'e'},
                                         {"admin-endpoint", required_argument, 0, 'A'},
                                         {"events-endpoint", required_argument, 0, 'E'},
                                         {"admin-token-file", required_argument, 0, 't'},
                                         {"tokens", required_argument, 0, 'k'},
                                         {"jwt-secret-file", required_argument, 0, 'j'},
                                         {"rate-limit", required_argument, 0, 'R'},
                                         {"cors-origin", required_argument, 0, 'O'},
                                         {"max-body", required_argument, 0, 'b'},
                                         {"max-admin-body", required_argument, 0, 'B'},
                                         {"timeout-ms", required_argument, 0, 'T'},
                                         {"try-timeout-ms", required_argument, 0, 'Y'},
                                         {"threads", required_argument, 0, 'n'},
                                         {"idle-timeout", required_argument, 0, 'I'},
                                         {"max-connections-per-ip", required_argument, 0, 'P'},
                                         {"sse-buffer", required_argument, 0, 'S'},
                                         {"max-streams-per-token", required_argument, 0, 'M'},
                                         {"routes", no_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    char *end, err[600];
    const char *tokens = NULL, *admin_token = NULL, *jwt = NULL;
    while ((c = getopt_long(argc, argv, "d:e:h", opts, NULL)) != -1) {
        long n;
        switch (c) {
        case 'l':
            listen_at = optarg;
            break;
        case 'd':
            data = optarg;
            break;
        case 'e':
            ah_cfg.endpoint = optarg;
            break;
        case 'A':
            ah_cfg.admin_endpoint = optarg;
            break;
        case 'E':
            ah_cfg.events = optarg;
            break;
        case 't':
            admin_token = optarg;
            break;
        case 'k':
            tokens = optarg;
            break;
        case 'j':
            jwt = optarg;
            break;
        case 'R':
            if (ah_rate_parse(optarg, err, sizeof err)) {
                fprintf(stderr, "assay-http: %s\n", err);
                return 2;
            }
            break;
        case 'O':
            if (ah_cors_add(optarg, err, sizeof err)) {
                fprintf(stderr, "assay-http: %s\n", err);
                return 2;
            }
            break;
        case 'B':
            if (s_size(optarg, &ah_cfg.max_admin_body) || ah_cfg.max_admin_body < 1) {
                fprintf(stderr,
                        "assay-http: --max-admin-body: expected a size (e.g. 80M), got \"%s\"\n",
                        optarg);
                return 2;
            }
            break;

        case 'b':
            if (s_size(optarg, &ah_cfg.max_body) || ah_cfg.max_body < 1) {
                fprintf(stderr, "assay-http: --max-body: expected a size (e.g. 1M), got \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 'T':
        case 'Y':
            if (as_arg_range(optarg, 1, 3600000, &n)) {
                fprintf(stderr, "assay-http: --%s: expected milliseconds, 1..3600000, got \"%s\"\n",
                        c == 'T' ? "timeout-ms" : "try-timeout-ms", optarg);
                return 2;
            }
            *(c == 'T' ? &ah_cfg.timeout_ms : &ah_cfg.try_timeout_ms) = (int)n;
            break;
        case 'n':
            if (as_arg_range(optarg, 1, 256, &n)) {
                fprintf(stderr, "assay-http: --threads: expected 1..256, got \"%s\"\n", optarg);
                return 2;
            }
            ah_cfg.threads = (int)n;
            break;
        case 'I':
            if (as_arg_range(optarg, 1, 3600, &n)) {
                fprintf(stderr, "assay-http: --idle-timeout: expected 1..3600, got \"%s\"\n",
                        optarg);
                return 2;
            }
            ah_cfg.idle_timeout_s = (unsigned)n;
            break;
        case 'P':
            if (as_arg_range(optarg, 1, 1000000, &n)) {
                fprintf(stderr,
                        "assay-http: --max-connections-per-ip: expected 1..1000000, got \"%s\"\n",
                        optarg);
                return 2;
            }
            ah_cfg.max_per_ip = (unsigned)n;
            break;
        case 'M':
            if (as_arg_range(optarg, 1, 1000000, &n)) {
                fprintf(stderr,
                        "assay-http: --max-streams-per-token: expected 1..1000000, got \"%s\"\n",
                        optarg);
                return 2;
            }
            ah_cfg.max_streams = (unsigned)n;
            break;
        case 'S':
            if (s_size(optarg, &ah_cfg.sse_buffer) || ah_cfg.sse_buffer < 4096) {
                fprintf(stderr,
                        "assay-http: --sse-buffer: expected a size of at least 4K, got \"%s\"\n",
                        optarg);
                return 2;
            }
            break;
        case 'r':
            for (int i = 0; i < ah_route_count(); i++)
                printf("%s %s%s%s\n", ah_route_method(i), ah_route_pattern(i),
                       ah_route_engine(i) ? " " : "", ah_route_engine(i) ? ah_route_engine(i) : "");
            return 0;
        case 'h':
            s_usage(stdout);
            return 0;
        default:
            fprintf(stderr, "Try 'assay-http --help' for more information.\n");
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "assay-http: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }
    if (ah_access_init(tokens, admin_token, jwt, err, sizeof err)) {
        fprintf(stderr, "assay-http: %s\n", err);
        return 2;
    }
    static char events[4200];
    if (data && !ah_cfg.endpoint && strchr(data, ',')) {
        fprintf(stderr, "assay-http: -d takes one data directory: give several engines with -e "
                        "ipc://DIR/engine.sock,... (and --admin-endpoint, --events-endpoint)\n");
        return 2;
    }
    if (ah_cfg.endpoint) {
        int n_eng = ah_nodes_count(ah_cfg.endpoint);
        int n_adm = ah_cfg.admin_endpoint ? ah_nodes_count(ah_cfg.admin_endpoint) : n_eng;
        if (n_eng < 0 || n_adm < 0) {
            fprintf(stderr, "assay-http: %s: expected 1..%d endpoints separated by commas\n",
                    n_eng < 0 ? ah_cfg.endpoint : ah_cfg.admin_endpoint, ASSAY_MAX_NODES);
            return 2;
        }
        if (n_eng != n_adm) {
            fprintf(stderr,
                    "assay-http: --admin-endpoint names %d endpoint(s) and -e %d: give one admin "
                    "endpoint per engine, in the same order\n",
                    n_adm, n_eng);
            return 2;
        }
    }
    if (!ah_cfg.endpoint) {
        ah_cfg.data_dir = data && *data ? data : "./var/assay";
        char abs[4096];
        if (!realpath(ah_cfg.data_dir, abs)) snprintf(abs, sizeof abs, "%s", ah_cfg.data_dir);
        snprintf(events, sizeof events, "ipc://%s/events.sock", abs);
        ah_cfg.events = events;
    } else if (!ah_cfg.events) {
        fprintf(stderr, "assay-http: with -e, give --events-endpoint too\n");
        return 2;
    } else if (ah_nodes_count(ah_cfg.events) < 0) {
        fprintf(stderr, "assay-http: %s: expected 1..%d endpoints separated by commas\n",
                ah_cfg.events, ASSAY_MAX_NODES);
        return 2;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET};
    char host[64];
    const char *colon = strrchr(listen_at, ':');
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || *end || port < 0 || port > 65535 || (size_t)(colon - listen_at) >= sizeof host) {
        fprintf(stderr, "assay-http: --listen: expected ADDR:PORT, got \"%s\"\n", listen_at);
        return 2;
    }
    memcpy(host, listen_at, (size_t)(colon - listen_at));
    host[colon - listen_at] = '\0';
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "assay-http: --listen: \"%s\" is not an IPv4 address\n", host);
        return 2;
    }
    addr.sin_port = htons((uint16_t)port);
    /* one descriptor per connection: SSE clients are many */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (ah_bridge_start(ah_zctx())) {
        fprintf(stderr, "assay-http: cannot start the engine bridge\n");
        return 1;
    }
    if (ah_sse_start()) {
        fprintf(stderr, "assay-http: cannot start the events thread\n");
        return 1;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
        (uint16_t)port, NULL, NULL, ah_dispatch, NULL, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)ah_cfg.threads, MHD_OPTION_NOTIFY_COMPLETED,
        ah_request_done, NULL, MHD_OPTION_CONNECTION_LIMIT, (unsigned)20000,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, ah_cfg.max_per_ip, MHD_OPTION_CONNECTION_TIMEOUT,
        ah_cfg.idle_timeout_s, MHD_OPTION_END);
    /* MHD's default address reuse is SO_REUSEADDR alone, never SO_REUSEPORT: a second adapter
     * on a port already served fails here instead of splitting the traffic with the first */
    if (!d) {
        fprintf(stderr, "assay-http: cannot listen on %s: %s\n", listen_at, strerror(errno));
        return 1;
    }
    fprintf(stderr, "assay-http: listening on %s, engine %s, %d thread(s)%s\n", listen_at,
            ah_cfg.endpoint ? ah_cfg.endpoint : ah_cfg.data_dir, ah_cfg.threads,
            ah_access_configured() ? ""
                                   : "; no tokens configured: every route but /v1/health and "
                                     "the dashboard answers 401 (see --tokens)");
    int sig;
    sigwait(&sigs, &sig);
    fprintf(stderr, "assay-http: %s: stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    MHD_quiesce_daemon(d);
    ah_sse_close_all();
    usleep(100000);   /* let the resumed streams end */
    ah_bridge_stop(); /* resumes the requests still waiting for the engine (504) */
    usleep(100000);
    MHD_stop_daemon(d);
    ah_bridge_free();
    ah_sse_stop();
    ah_engine_close();
    ah_rate_free();
    ah_access_free();
    return 0;
}
