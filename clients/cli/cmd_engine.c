/* cmd_engine.c — the engine itself: ping, stats, watch (notifications), keygen (CURVE). */
#include "cli.h"

#include <czmq.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void s_print_ping(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *v = assay_map_get(o, "version");
    printf("assayd %.*s (protocol %g), up %.1f s, %g workers\n", CLI_STR(v),
           cli_get_num(o, "protocol"), cli_get_num(o, "uptime_s"), cli_get_num(o, "workers"));
}

int cmd_ping(cli_t *cli, int argc, char **argv)
{
    return cli_run(cli, "ping", s_print_ping, NULL);
}

static void s_print_stats(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *map = assay_map_get(o, "map"), *ev = assay_map_get(o, "events");
    printf("up %.1f s, %g workers; data map %.1f of %.0f MiB used\n", cli_get_num(o, "uptime_s"),
           cli_get_num(o, "workers"), cli_get_num(map, "used") / 1048576.0,
           cli_get_num(map, "size") / 1048576.0);
    printf("%-20s %10s %8s %10s %10s %10s %10s\n", "METHOD", "COUNT", "ERRORS", "P50 us", "P99 us",
           "P99.9 us", "MAX us");
    const msgpack_object *m = assay_map_get(o, "methods");
    for (uint32_t i = 0; m && m->type == MSGPACK_OBJECT_MAP && i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key, *v = &m->via.map.ptr[i].val;
        printf("%-20.*s %10g %8g %10.1f %10.1f %10.1f %10.1f\n", CLI_STR(k),
               cli_get_num(v, "count"), cli_get_num(v, "errors"), cli_get_num(v, "p50_us"),
               cli_get_num(v, "p99_us"), cli_get_num(v, "p999_us"), cli_get_num(v, "max_us"));
    }
    printf("overloaded %g, replies dropped %g, too large %g, bad frames %g\n",
           cli_get_num(ev, "overloaded"), cli_get_num(ev, "replies_dropped"),
           cli_get_num(ev, "too_large"), cli_get_num(ev, "bad_frames"));
}

int cmd_stats(cli_t *cli, int argc, char **argv)
{
    return cli_run(cli, "stats", s_print_stats, NULL);
}

int cmd_keygen(cli_t *cli, int argc, char **argv)
{
    char secret[4200];
    snprintf(secret, sizeof secret, "%s_secret", argv[0]);
    if (access(argv[0], F_OK) == 0 || access(secret, F_OK) == 0) {
        fprintf(stderr, "assay keygen: %s or %s exists: not overwritten\n", argv[0], secret);
        return EXIT_USAGE;
    }
    zcert_t *cert = zcert_new();
    if (!cert) return EXIT_UNREACHABLE;
    zcert_set_meta(cert, "created-by", "assay keygen");
    /* the secret file is created 0600 (umask around its write), never readable for a moment */
    mode_t old = umask(0077);
    int rc = zcert_save_secret(cert, secret);
    umask(old);
    if (!rc) rc = chmod(secret, 0600);
    if (!rc) rc = zcert_save_public(cert, argv[0]);
    if (rc) {
        fprintf(stderr, "assay keygen: cannot write %s: %s\n", argv[0], strerror(errno));
        zcert_destroy(&cert);
        return EXIT_USAGE;
    }
    if (cli->json)
        printf("{\"public\": \"%s\", \"secret_file\": \"%s\", \"public_key\": \"%s\"}\n", argv[0],
               secret, zcert_public_txt(cert));
    else
        printf("wrote %s (public key %s: give it to the other side)\n"
               "and %s (the secret key, mode 0600: keep it here)\n",
               argv[0], zcert_public_txt(cert), secret);
    zcert_destroy(&cert);
    return 0;
}

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void s_print_event(void *arg, const assay_event_t *ev)
{
    (void)arg;
    json_t *j = as_json_from(assay_event_body(ev));
    char *body = j ? as_json_dumps(j, JSON_COMPACT) : NULL;
    uint64_t seq = assay_event_seq(ev), missed = assay_event_missed(ev);
    size_t node_len;
    const char *node = assay_event_node(ev, &node_len);
    if (missed)
        fprintf(stderr,
                "assay watch: %llu notification(s) missed from %.*s (seq %llu to %llu): resync "
                "with a read\n",
                (unsigned long long)missed, node ? (int)node_len : 3, node ? node : "the engine",
                (unsigned long long)(seq - missed), (unsigned long long)seq - 1);
    printf("%s %s\n", assay_event_topic(ev), body ? body : "{}");
    fflush(stdout);
    free(body);
    json_decref(j);
}

int cmd_watch(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"seconds", required_argument, 0, 's'}, {0, 0, 0, 0}};
    double seconds = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's')
            seconds = atof(optarg);
        else
            return EXIT_USAGE;
    }
    assay_sub_t *sub;
    int rc = assay_sub_open(&sub, cli->target);
    if (rc == ASSAY_EINVAL) {
        fprintf(stderr,
                "assay: watch: %s: expected 1..%d data directories or events endpoints "
                "separated by commas\n",
                cli->target, ASSAY_MAX_NODES);
        return EXIT_USAGE;
    }
    if (rc) {
        fprintf(stderr, "assay: engine unreachable: no events socket at %s\n", cli->target);
        return EXIT_UNREACHABLE;
    }
    if (optind >= argc) assay_sub_subscribe(sub, "");
    for (int i = optind; i < argc; i++)
        assay_sub_subscribe(sub, argv[i]);
    /* (for a person, and for a script that waits for the watch before it acts) */
    fprintf(stderr, "assay watch: subscribed to %s", optind >= argc ? "every topic" : "");
    for (int i = optind; i < argc; i++)
        fprintf(stderr, "%s%s", i > optind ? " " : "", argv[i]);
    fprintf(stderr, "\n");
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!s_stop) {
        rc = assay_sub_dispatch(sub, 200, s_print_event, NULL);
        if (rc < 0) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (seconds > 0 &&
            (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
            break;
    }
    assay_sub_close(&sub);
    return 0;
}
