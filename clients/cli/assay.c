/* assay.c — the admin CLI: one command per protocol method, JSON in, readable text or JSON out.
 *
 * Exit status: 0 ok, 1 the engine answered with an error (printed with its code), 2 bad usage or
 * unreadable input, 3 engine unreachable (no socket, or no response within --timeout).
 */
#include "assay.h"

#include <czmq.h>
#include "jsonmp.h"
#include "progress.h"
#include "replay.h"
#include "codec.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXIT_REPLY       1
#define EXIT_USAGE       2
#define EXIT_UNREACHABLE 3

typedef struct {
    const char *target; /* data directory or endpoint */
    bool is_endpoint;
    bool json;
    int timeout_ms;
    const char *curve_cert, *server_key; /* CURVE over tcp (--curve-cert, --server-key) */
    assay_t *conn;
    msgpack_sbuffer sb;
    msgpack_packer pk;
} s_cli_t;

typedef struct {
    const char *name;
    const char *args;
    const char *summary;
    const char *help;
    int min_args, max_args;
    int (*fn)(s_cli_t *cli, int argc, char **argv);
    bool own_options; /* fn parses its own options: it gets argv with the command name first */
} s_cmd_t;

static void s_global_usage(FILE *out);

/* ---- output helpers ---- */

static void s_print_json(const msgpack_object *o)
{
    json_t *j = as_json_from(o);
    char *text =
        j ? json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17)) : NULL;
    printf("%s\n", text ? text : "null");
    free(text);
    json_decref(j);
}

static double s_num(const msgpack_object *o)
{
    if (!o) return NAN;
    switch (o->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return (double)o->via.u64;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return (double)o->via.i64;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return o->via.f64;
    default:
        return NAN;
    }
}

static double s_get_num(const msgpack_object *map, const char *key)
{
    return s_num(assay_map_get(map, key));
}

/* A string field as printf arguments: "%.*s". */
#define S_STR(o)                                                                                   \
    (o && o->type == MSGPACK_OBJECT_STR ? (int)o->via.str.size : 1),                               \
        (o && o->type == MSGPACK_OBJECT_STR ? o->via.str.ptr : "-")

/* ---- input helpers ---- */

/* Reads a JSON document from path ("-": stdin), of type `want` (-1: any; else `expected`
 * describes it for the message). Returns 0, or EXIT_USAGE after printing what is wrong and
 * where. */
static int s_read_json(s_cli_t *cli, const char *path, int want, const char *expected, json_t **out)
{
    json_error_t e;
    json_t *j = strcmp(path, "-") == 0 ? json_loadf(stdin, 0, &e) : json_load_file(path, 0, &e);
    if (!j) {
        if (e.line < 0 || strstr(e.text, "unable to open"))
            fprintf(stderr, "assay: %s: %s\n", path, e.text);
        else
            fprintf(stderr, "assay: %s:%d:%d: invalid JSON: %s\n",
                    strcmp(path, "-") ? path : "stdin", e.line, e.column, e.text);
        return EXIT_USAGE;
    }
    if (want >= 0 && (int)json_typeof(j) != want) {
        fprintf(stderr, "assay: %s: expected %s\n", path, expected);
        json_decref(j);
        return EXIT_USAGE;
    }
    *out = j;
    (void)cli;
    return 0;
}

/* ---- calling ---- */

static int s_connect(s_cli_t *cli)
{
    if (cli->conn) return 0;
    assay_options_t o = {.timeout_ms = cli->timeout_ms,
                         .curve_cert = cli->curve_cert,
                         .curve_server_key = cli->server_key};
    int rc;
    if (cli->is_endpoint) {
        rc = assay_open(&cli->conn, cli->target, &o);
    } else {
        /* admin.sock when we may use it (the CLI is the admin tool), else engine.sock */
        char path[4200];
        snprintf(path, sizeof path, "%s/admin.sock", cli->target);
        o.admin = access(path, R_OK | W_OK) == 0;
        rc = assay_open(&cli->conn, cli->target, &o);
    }
    if (rc == ASSAY_ECONNECT) {
        fprintf(stderr,
                "assay: engine unreachable: no assayd socket in %s (start it with: assayd -d %s)\n",
                cli->target, cli->target);
        return EXIT_UNREACHABLE;
    }
    if (rc == ASSAY_EINVAL && (cli->curve_cert || cli->server_key)) {
        fprintf(stderr,
                "assay: --curve-cert and --server-key go together: the client's NAME_secret "
                "certificate, and the server's public key (40 characters) or certificate\n");
        return EXIT_USAGE;
    }
    if (rc) {
        fprintf(stderr, "assay: cannot connect to %s: %s\n", cli->target, assay_strerror(rc));
        return EXIT_UNREACHABLE;
    }
    return 0;
}

/* Calls method with the params packed in cli->sb (empty: {}). On success *reply is set and 0
 * returned; otherwise the error is printed and the exit status returned. */
static int s_call(s_cli_t *cli, const char *method, assay_reply_t **reply)
{
    int rc = s_connect(cli);
    if (rc) return rc;
    rc = assay_call(cli->conn, method, cli->sb.size ? cli->sb.data : NULL, cli->sb.size, -1, reply);
    msgpack_sbuffer_clear(&cli->sb);
    if (rc == ASSAY_OK) return 0;
    if (rc == ASSAY_EREPLY) {
        if (cli->json) {
            printf("{\"error\": {\"code\": \"%s\", \"message\": ", assay_reply_code(*reply));
            json_t *m = json_string(assay_reply_message(*reply));
            char *t = json_dumps(m, JSON_ENCODE_ANY);
            printf("%s}}\n", t ? t : "\"\"");
            free(t);
            json_decref(m);
        }
        fprintf(stderr, "assay: %s: %s\n", assay_reply_code(*reply), assay_reply_message(*reply));
        assay_reply_free(reply);
        return EXIT_REPLY;
    }
    if (rc == ASSAY_ETIMEOUT) {
        fprintf(stderr, "assay: engine unreachable: no response from %s within %d ms\n",
                cli->target, cli->timeout_ms);
        return EXIT_UNREACHABLE;
    }
    fprintf(stderr, "assay: %s: %s\n", method, assay_strerror(rc));
    return EXIT_UNREACHABLE;
}

/* Packs {key: string} pairs: s_params(cli, 2, "id", id, ...). */
static void s_params_str(s_cli_t *cli, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    msgpack_pack_map(&cli->pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        as_pack_cstr(&cli->pk, va_arg(ap, const char *));
        as_pack_cstr(&cli->pk, va_arg(ap, const char *));
    }
    va_end(ap);
}

/* ---- paged lists (assessment.list, response.list) ---- */

typedef struct {
    const char *method;
    const char *rows_key; /* the result's array of rows */
    const char *none;     /* printed when there are no rows */
    const char *header;   /* printed before the first row */
    void (*print_row)(const msgpack_object *row);
    /* packs the method's own params (map pairs besides limit and cursor) */
    int n_params;
    void (*pack_params)(s_cli_t *cli, const void *arg);
    const void *arg;
} s_pager_t;

/* Lists page after page (all of them with `all`), printing rows as they come, or collecting them
 * into one JSON array with --json. `cursor` (may be NULL) is where to start. */
static int s_page(s_cli_t *cli, const s_pager_t *p, long limit, const char *start, bool all)
{
    char *cursor = start ? strdup(start) : NULL;
    json_t *rows = json_array();
    bool header = false;
    int rc = 0;
    for (;;) {
        msgpack_pack_map(&cli->pk, (size_t)(p->n_params + 1 + (cursor ? 1 : 0)));
        if (p->pack_params) p->pack_params(cli, p->arg);
        as_pack_cstr(&cli->pk, "limit");
        msgpack_pack_long(&cli->pk, limit);
        if (cursor) {
            as_pack_cstr(&cli->pk, "cursor");
            as_pack_cstr(&cli->pk, cursor);
        }
        assay_reply_t *r;
        if ((rc = s_call(cli, p->method, &r))) break;
        const msgpack_object *o = assay_reply_result(r);
        const msgpack_object *list = assay_map_get(o, p->rows_key);
        const msgpack_object *next = assay_map_get(o, "next_cursor");
        free(cursor);
        cursor = next && next->type == MSGPACK_OBJECT_STR
                     ? strndup(next->via.str.ptr, next->via.str.size)
                     : NULL;
        for (uint32_t i = 0; list && list->type == MSGPACK_OBJECT_ARRAY && i < list->via.array.size;
             i++) {
            const msgpack_object *row = &list->via.array.ptr[i];
            if (cli->json) {
                json_array_append_new(rows, as_json_from(row));
                continue;
            }
            if (!header) printf("%s\n", p->header);
            header = true;
            p->print_row(row);
        }
        double total = s_get_num(o, "total");
        assay_reply_free(&r);
        if (!all || !cursor) {
            if (!cli->json) {
                if (!header) printf("%s\n", p->none);
                if (cursor) printf("(%g in all; more with --cursor %s, or --all)\n", total, cursor);
            }
            break;
        }
    }
    if (!rc && cli->json) {
        char *t = json_dumps(rows, JSON_INDENT(2));
        printf("%s\n", t);
        free(t);
    }
    json_decref(rows);
    free(cursor);
    return rc;
}

/* A command's readable output; ctx are strings the command passes (ids from its arguments). */
typedef void (*s_print_fn)(const msgpack_object *result, const char *const *ctx);

/* Calls method with the params packed in cli->sb and prints the result: as JSON with --json,
 * else with the command's printer. */
static int s_run(s_cli_t *cli, const char *method, s_print_fn print, const char *const *ctx)
{
    assay_reply_t *r;
    int rc = s_call(cli, method, &r);
    if (rc) return rc;
    if (cli->json)
        s_print_json(assay_reply_result(r));
    else
        print(assay_reply_result(r), ctx);
    assay_reply_free(&r);
    return 0;
}

/* ---- commands ---- */

static void s_print_ping(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *v = assay_map_get(o, "version");
    printf("assayd %.*s (protocol %g), up %.1f s, %g workers\n", S_STR(v), s_get_num(o, "protocol"),
           s_get_num(o, "uptime_s"), s_get_num(o, "workers"));
}

static int c_ping(s_cli_t *cli, int argc, char **argv)
{
    return s_run(cli, "ping", s_print_ping, NULL);
}

static void s_print_put(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *id = assay_map_get(o, "id");
    printf("stored %.*s version %g: %g items, max score %g\n", S_STR(id), s_get_num(o, "version"),
           s_get_num(o, "items"), s_get_num(o, "max_score"));
}

static int c_put(s_cli_t *cli, int argc, char **argv)
{
    json_t *j;
    int rc = s_read_json(cli, argv[0], JSON_OBJECT, "a JSON object (an assessment definition)", &j);
    if (rc) return rc;
    as_json_pack(&cli->pk, j);
    json_decref(j);
    return s_run(cli, "assessment.put", s_print_put, NULL);
}

static void s_print_definition(const msgpack_object *o, const char *const *ctx)
{
    s_print_json(o); /* the definition is JSON-shaped either way */
}

static int c_get(s_cli_t *cli, int argc, char **argv)
{
    s_params_str(cli, 1, "id", argv[0]);
    return s_run(cli, "assessment.get", s_print_definition, NULL);
}

static void s_assessment_row(const msgpack_object *a)
{
    const msgpack_object *id = assay_map_get(a, "id"), *title = assay_map_get(a, "title");
    printf("%-24.*s %7g %6g %10g  %.*s\n", S_STR(id), s_get_num(a, "version"),
           s_get_num(a, "items"), s_get_num(a, "max_score"), S_STR(title));
}

/* A list command with --limit, --cursor and --all (the pager says what it lists). */
static int s_list_command(s_cli_t *cli, int argc, char **argv, const char *name,
                          const s_pager_t *pager)
{
    static const struct option opts[] = {{"limit", required_argument, 0, 'l'},
                                         {"cursor", required_argument, 0, 'c'},
                                         {"all", no_argument, 0, 'a'},
                                         {0, 0, 0, 0}};
    long limit = 50;
    const char *cursor = NULL;
    bool all = false;
    int c;
    optind = 0; /* glibc: 0 re-initialises getopt after the global options were parsed */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'l')
            limit = strtol(optarg, NULL, 10);
        else if (c == 'c')
            cursor = optarg;
        else if (c == 'a')
            all = true;
        else
            return EXIT_USAGE;
    }
    if (limit < 1 || limit > 200) {
        fprintf(stderr, "assay %s: --limit: expected 1..200\n", name);
        return EXIT_USAGE;
    }
    return s_page(cli, pager, limit, cursor, all);
}

static int c_list(s_cli_t *cli, int argc, char **argv)
{
    static const s_pager_t pager = {
        .method = "assessment.list",
        .rows_key = "assessments",
        .none = "no assessments",
        .header = "ID                       VERSION  ITEMS  MAX SCORE  TITLE",
        .print_row = s_assessment_row,
    };
    return s_list_command(cli, argc, argv, "list", &pager);
}

static void s_print_deleted(const msgpack_object *o, const char *const *ctx)
{
    printf("deleted %s\n", ctx[0]);
}

static int c_delete(s_cli_t *cli, int argc, char **argv)
{
    s_params_str(cli, 1, "id", argv[0]);
    return s_run(cli, "assessment.delete", s_print_deleted, (const char *const *)argv);
}

static void s_print_score(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *passed = assay_map_get(o, "passed");
    printf("%s v%g: %g / %g (%.1f%%)%s\n", ctx[0], s_get_num(o, "version"), s_get_num(o, "score"),
           s_get_num(o, "max_score"), 100 * s_get_num(o, "ratio"),
           !passed               ? ""
           : passed->via.boolean ? " passed"
                                 : " not passed");
    const msgpack_object *items = assay_map_get(o, "items");
    for (uint32_t i = 0; items && items->type == MSGPACK_OBJECT_ARRAY && i < items->via.array.size;
         i++) {
        const msgpack_object *it = &items->via.array.ptr[i], *iid = assay_map_get(it, "id");
        printf("  %-20.*s %g / %g\n", S_STR(iid), s_get_num(it, "score"),
               s_get_num(it, "max_score"));
    }
}

static int c_score(s_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"detail", no_argument, 0, 'D'}, {0, 0, 0, 0}};
    bool detail = false;
    int c;
    optind = 0; /* glibc: 0 re-initialises getopt after the global options were parsed */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'D')
            detail = true;
        else
            return EXIT_USAGE;
    }
    if (argc - optind < 1 || argc - optind > 2) {
        fprintf(stderr, "usage: assay score ID [ANSWERS.json | -] [--detail]\n");
        return EXIT_USAGE;
    }
    const char *id = argv[optind], *file = argc - optind == 2 ? argv[optind + 1] : "-";
    json_t *answers;
    int rc = s_read_json(cli, file, -1, NULL, &answers);
    if (rc) return rc;
    msgpack_pack_map(&cli->pk, 3);
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, id);
    as_pack_cstr(&cli->pk, "answers");
    as_json_pack(&cli->pk, answers);
    as_pack_cstr(&cli->pk, "detail");
    if (detail)
        msgpack_pack_true(&cli->pk);
    else
        msgpack_pack_false(&cli->pk);
    json_decref(answers);
    const char *ctx[] = {id};
    return s_run(cli, "score", s_print_score, ctx);
}

static void s_print_batch(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *st = assay_map_get(o, "stats");
    printf("%s v%g: %g responses, max score %g: mean %g, min %g, max %g\n", ctx[0],
           s_get_num(o, "version"), s_get_num(st, "n"), s_get_num(o, "max_score"),
           s_get_num(st, "mean"), s_get_num(st, "min"), s_get_num(st, "max"));
}

static int c_batch(s_cli_t *cli, int argc, char **argv)
{
    json_t *responses;
    int rc = s_read_json(cli, argv[1], JSON_ARRAY, "a JSON array of answer objects", &responses);
    if (rc) return rc;
    msgpack_pack_map(&cli->pk, 2);
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, argv[0]);
    as_pack_cstr(&cli->pk, "responses");
    as_json_pack(&cli->pk, responses);
    json_decref(responses);
    return s_run(cli, "score_batch", s_print_batch, (const char *const *)argv);
}

static void s_print_stats(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *map = assay_map_get(o, "map"), *ev = assay_map_get(o, "events");
    printf("up %.1f s, %g workers; data map %.1f of %.0f MiB used\n", s_get_num(o, "uptime_s"),
           s_get_num(o, "workers"), s_get_num(map, "used") / 1048576.0,
           s_get_num(map, "size") / 1048576.0);
    printf("%-20s %10s %8s %10s %10s %10s %10s\n", "METHOD", "COUNT", "ERRORS", "P50 us", "P99 us",
           "P99.9 us", "MAX us");
    const msgpack_object *m = assay_map_get(o, "methods");
    for (uint32_t i = 0; m && m->type == MSGPACK_OBJECT_MAP && i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key, *v = &m->via.map.ptr[i].val;
        printf("%-20.*s %10g %8g %10.1f %10.1f %10.1f %10.1f\n", S_STR(k), s_get_num(v, "count"),
               s_get_num(v, "errors"), s_get_num(v, "p50_us"), s_get_num(v, "p99_us"),
               s_get_num(v, "p999_us"), s_get_num(v, "max_us"));
    }
    printf("overloaded %g, replies dropped %g, too large %g, bad frames %g\n",
           s_get_num(ev, "overloaded"), s_get_num(ev, "replies_dropped"),
           s_get_num(ev, "too_large"), s_get_num(ev, "bad_frames"));
}

static int c_stats(s_cli_t *cli, int argc, char **argv)
{
    return s_run(cli, "stats", s_print_stats, NULL);
}

static void s_print_submit(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *passed = assay_map_get(o, "passed");
    printf("response %g: %s attempt %g at %s v%g: %g / %g (%.1f%%)%s\n",
           s_get_num(o, "response_id"), ctx[1], s_get_num(o, "attempt"), ctx[0],
           s_get_num(o, "version"), s_get_num(o, "score"), s_get_num(o, "max_score"),
           100 * s_get_num(o, "ratio"),
           !passed               ? ""
           : passed->via.boolean ? " passed"
                                 : " not passed");
}

static int c_submit(s_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, 0, 'k'}, {0, 0, 0, 0}};
    const char *key = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'k')
            key = optarg;
        else
            return EXIT_USAGE;
    }
    if (argc - optind < 2 || argc - optind > 3) {
        fprintf(stderr, "usage: assay submit ID LEARNER [ANSWERS.json | -] [--key KEY]\n");
        return EXIT_USAGE;
    }
    const char *id = argv[optind], *learner = argv[optind + 1];
    const char *file = argc - optind == 3 ? argv[optind + 2] : "-";
    json_t *answers;
    int rc = s_read_json(cli, file, -1, NULL, &answers);
    if (rc) return rc;
    msgpack_pack_map(&cli->pk, key ? 4 : 3);
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, id);
    as_pack_cstr(&cli->pk, "learner");
    as_pack_cstr(&cli->pk, learner);
    as_pack_cstr(&cli->pk, "answers");
    as_json_pack(&cli->pk, answers);
    json_decref(answers);
    if (key) {
        as_pack_cstr(&cli->pk, "key");
        as_pack_cstr(&cli->pk, key);
    }
    const char *ctx[] = {id, learner};
    return s_run(cli, "response.submit", s_print_submit, ctx);
}

static void s_response_row(const msgpack_object *x)
{
    const msgpack_object *l = assay_map_get(x, "learner"), *at = assay_map_get(x, "submitted_at");
    printf("%10g  %-20.*s %7g %7g %9g %9g  %.*s\n", s_get_num(x, "response_id"), S_STR(l),
           s_get_num(x, "attempt"), s_get_num(x, "version"), s_get_num(x, "score"),
           s_get_num(x, "max_score"), S_STR(at));
}

typedef struct {
    const char *assessment, *learner;
} s_responses_args_t;

static void s_pack_responses_params(s_cli_t *cli, const void *arg)
{
    const s_responses_args_t *a = arg;
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, a->assessment);
    if (a->learner) {
        as_pack_cstr(&cli->pk, "learner");
        as_pack_cstr(&cli->pk, a->learner);
    }
}

static int c_responses(s_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"learner", required_argument, 0, 'L'},
                                         {"limit", required_argument, 0, 'l'},
                                         {"cursor", required_argument, 0, 'c'},
                                         {"all", no_argument, 0, 'a'},
                                         {0, 0, 0, 0}};
    s_responses_args_t args = {0};
    const char *cursor = NULL;
    long limit = 50;
    bool all = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'L')
            args.learner = optarg;
        else if (c == 'l')
            limit = strtol(optarg, NULL, 10);
        else if (c == 'c')
            cursor = optarg;
        else if (c == 'a')
            all = true;
        else
            return EXIT_USAGE;
    }
    if (argc - optind != 1 || limit < 1 || limit > 200) {
        fprintf(stderr,
                "usage: assay responses ID [--learner L] [--limit 1..200] [--cursor C] [--all]\n");
        return EXIT_USAGE;
    }
    args.assessment = argv[optind];
    s_pager_t pager = {
        .method = "response.list",
        .rows_key = "responses",
        .none = "no responses",
        .header = "  RESPONSE  LEARNER              ATTEMPT VERSION     SCORE       MAX  SUBMITTED",
        .print_row = s_response_row,
        .n_params = args.learner ? 2 : 1,
        .pack_params = s_pack_responses_params,
        .arg = &args,
    };
    return s_page(cli, &pager, limit, cursor, all);
}

/* A number in `width` columns with `prec` decimals, or "-" for nil. */
static void s_print_num(const msgpack_object *o, int width, int prec)
{
    if (o && o->type != MSGPACK_OBJECT_NIL)
        printf("%*.*f", width, prec, s_num(o));
    else
        printf("%*s", width, "-");
}

static void s_print_report(const msgpack_object *o, const char *const *ctx)
{
    printf("%s v%g: %g learner(s) (latest attempts), max score %g\n", ctx[0],
           s_get_num(o, "version"), s_get_num(o, "n"), s_get_num(o, "max_score"));
    const msgpack_object *rb = assay_map_get(o, "rebuilding");
    if (rb && rb->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        printf("  (partial: regrade job %llu is rebuilding these figures; see assay job %llu)\n",
               (unsigned long long)rb->via.u64, (unsigned long long)rb->via.u64);
    static const char *const keys[] = {"mean", "sd", "min", "max", "alpha"};
    for (int i = 0; i < 5; i++) {
        printf("  %-6s ", keys[i]);
        s_print_num(assay_map_get(o, keys[i]), 10, 4);
        printf("\n");
    }
    const msgpack_object *h = assay_map_get(o, "histogram");
    uint64_t top = 1;
    for (uint32_t b = 0; h && b < h->via.array.size; b++)
        if (s_get_num(&h->via.array.ptr[b], "count") > (double)top)
            top = (uint64_t)s_get_num(&h->via.array.ptr[b], "count");
    printf("\n  score distribution\n");
    for (uint32_t b = 0; h && b < h->via.array.size; b++) {
        const msgpack_object *bin = &h->via.array.ptr[b];
        double count = s_get_num(bin, "count");
        int bar = (int)(40.0 * count / (double)top + 0.5);
        printf("  %7.2f - %-7.2f %8g ", s_get_num(bin, "from"), s_get_num(bin, "to"), count);
        for (int i = 0; i < bar; i++)
            printf("#");
        printf("\n");
    }
    printf("\n  %-20s %10s %10s %15s %10s\n", "ITEM", "MEAN", "P-VALUE", "DISCRIMINATION",
           "OMITTED");
    const msgpack_object *items = assay_map_get(o, "items");
    for (uint32_t i = 0; items && i < items->via.array.size; i++) {
        const msgpack_object *it = &items->via.array.ptr[i], *id = assay_map_get(it, "id");
        printf("  %-20.*s ", S_STR(id));
        s_print_num(assay_map_get(it, "mean"), 10, 3);
        printf(" ");
        s_print_num(assay_map_get(it, "p_value"), 10, 3);
        printf(" ");
        s_print_num(assay_map_get(it, "discrimination"), 15, 3);
        printf(" ");
        s_print_num(assay_map_get(it, "omitted_rate"), 10, 3);
        printf("\n");
    }
}

static int c_report(s_cli_t *cli, int argc, char **argv)
{
    s_params_str(cli, 1, "assessment", argv[0]);
    return s_run(cli, "assessment.report", s_print_report, (const char *const *)argv);
}

static void s_print_job(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *a = assay_map_get(o, "assessment"), *st = assay_map_get(o, "state");
    if (!a) { /* a recompute */
        const msgpack_object *sk = assay_map_get(o, "skill"), *p = assay_map_get(o, "progress");
        const msgpack_object *res = assay_map_get(o, "result"), *err = assay_map_get(o, "error");
        printf("job %g: recompute of skill %.*s: %.*s, %g of %g response(s)\n", s_get_num(o, "job"),
               S_STR(sk), S_STR(st), s_get_num(p, "done"), s_get_num(p, "total"));
        if (res) printf("%g observation(s) replayed\n", s_get_num(res, "observations"));
        if (err) printf("error: %.*s\n", S_STR(err));
        return;
    }
    const msgpack_object *dry = assay_map_get(o, "dry_run"), *p = assay_map_get(o, "progress");
    const msgpack_object *res = assay_map_get(o, "result"), *err = assay_map_get(o, "error");
    bool is_dry = dry && dry->type == MSGPACK_OBJECT_BOOLEAN && dry->via.boolean;
    printf("job %g: regrade of %.*s%s: %.*s, %g of %g response(s)\n", s_get_num(o, "job"), S_STR(a),
           is_dry ? " (dry run)" : "", S_STR(st), s_get_num(p, "done"), s_get_num(p, "total"));
    if (res) {
        printf("%s version %g: %g changed, %g unchanged\n",
               is_dry ? "would score with" : "scored with", s_get_num(res, "version"),
               s_get_num(res, "changed"), s_get_num(res, "unchanged"));
        const msgpack_object *ch = assay_map_get(res, "changes");
        for (uint32_t i = 0; ch && ch->type == MSGPACK_OBJECT_ARRAY && i < ch->via.array.size;
             i++) {
            const msgpack_object *c = &ch->via.array.ptr[i], *l = assay_map_get(c, "learner");
            printf("  response %g (%.*s, attempt %g): %g -> %g\n", s_get_num(c, "response_id"),
                   S_STR(l), s_get_num(c, "attempt"), s_get_num(c, "old_score"),
                   s_get_num(c, "new_score"));
        }
    }
    if (err) printf("error: %.*s\n", S_STR(err));
}

/* The job's state; exit status 1 when it failed. */
static int s_job_status(const msgpack_object *o)
{
    const msgpack_object *st = assay_map_get(o, "state");
    return st && st->type == MSGPACK_OBJECT_STR && st->via.str.size == 6 &&
                   memcmp(st->via.str.ptr, "failed", 6) == 0
               ? EXIT_REPLY
               : 0;
}

/* Polls job.get until the job ends, drawing its progress; prints the ended job. */
static int s_job_wait(s_cli_t *cli, double id)
{
    char prefix[48];
    snprintf(prefix, sizeof prefix, "job %g", id);
    as_progress_t bar;
    as_progress_init(&bar, prefix, "responses");
    for (;;) {
        msgpack_pack_map(&cli->pk, 1);
        as_pack_cstr(&cli->pk, "job");
        msgpack_pack_uint64(&cli->pk, (uint64_t)id);
        assay_reply_t *r;
        int rc = s_call(cli, "job.get", &r);
        if (rc) return rc;
        const msgpack_object *o = assay_reply_result(r), *st = assay_map_get(o, "state");
        const msgpack_object *p = assay_map_get(o, "progress");
        bool ended = st && st->type == MSGPACK_OBJECT_STR &&
                     ((st->via.str.size == 4 && memcmp(st->via.str.ptr, "done", 4) == 0) ||
                      (st->via.str.size == 6 && memcmp(st->via.str.ptr, "failed", 6) == 0));
        if (!cli->json)
            as_progress_show(&bar, (uint64_t)s_get_num(p, "done"), (uint64_t)s_get_num(p, "total"),
                             ended);
        if (ended) {
            if (cli->json)
                s_print_json(o);
            else
                s_print_job(o, NULL);
            rc = s_job_status(o);
            assay_reply_free(&r);
            return rc;
        }
        assay_reply_free(&r);
        struct timespec ts = {0, 200 * 1000000};
        nanosleep(&ts, NULL);
    }
}

static int c_regrade(s_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"wait", no_argument, 0, 'w'}, {"dry-run", no_argument, 0, 'n'}, {0, 0, 0, 0}};
    bool wait = false, dry = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'w')
            wait = true;
        else if (c == 'n')
            dry = true;
        else
            return EXIT_USAGE;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: assay regrade ID [--dry-run] [--wait]\n");
        return EXIT_USAGE;
    }
    msgpack_pack_map(&cli->pk, 2);
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, argv[optind]);
    as_pack_cstr(&cli->pk, "dry_run");
    if (dry)
        msgpack_pack_true(&cli->pk);
    else
        msgpack_pack_false(&cli->pk);
    if (!wait) return s_run(cli, "assessment.regrade", s_print_job, NULL);
    assay_reply_t *r;
    int rc = s_call(cli, "assessment.regrade", &r);
    if (rc) return rc;
    double id = s_get_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    return s_job_wait(cli, id);
}

/* ---- knowledge tracing ---- */

static void s_print_skill(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *id = assay_map_get(o, "id"), *rc = assay_map_get(o, "recomputing");
    printf("skill %.*s: prior %g, learn %g, forget %g, guess %g, slip %g; mastered at %g%s\n",
           S_STR(id), s_get_num(o, "prior"), s_get_num(o, "learn"), s_get_num(o, "forget"),
           s_get_num(o, "guess"), s_get_num(o, "slip"), s_get_num(o, "mastery_threshold"),
           rc && rc->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? " (being recomputed)" : "");
}

static int c_skill_put(s_cli_t *cli, int argc, char **argv)
{
    json_t *j;
    int rc = s_read_json(cli, argv[0], JSON_OBJECT, "a JSON object (a skill)", &j);
    if (rc) return rc;
    as_json_pack(&cli->pk, j);
    json_decref(j);
    return s_run(cli, "skill.put", s_print_skill, NULL);
}

static int c_skill(s_cli_t *cli, int argc, char **argv)
{
    s_params_str(cli, 1, "id", argv[0]);
    return s_run(cli, "skill.get", s_print_skill, NULL);
}

static void s_skill_row(const msgpack_object *x)
{
    const msgpack_object *id = assay_map_get(x, "id");
    printf("%-24.*s %6g %6g %6g %6g %6g %9g\n", S_STR(id), s_get_num(x, "prior"),
           s_get_num(x, "learn"), s_get_num(x, "forget"), s_get_num(x, "guess"),
           s_get_num(x, "slip"), s_get_num(x, "mastery_threshold"));
}

static int c_skills(s_cli_t *cli, int argc, char **argv)
{
    static const s_pager_t pager = {
        .method = "skill.list",
        .rows_key = "skills",
        .none = "no skills",
        .header = "SKILL                     PRIOR  LEARN FORGET  GUESS   SLIP THRESHOLD",
        .print_row = s_skill_row,
    };
    return s_list_command(cli, argc, argv, "skills", &pager);
}

static void s_print_deleted_skill(const msgpack_object *o, const char *const *ctx)
{
    printf("deleted skill %s\n", ctx[0]);
}

static int c_skill_delete(s_cli_t *cli, int argc, char **argv)
{
    s_params_str(cli, 1, "id", argv[0]);
    return s_run(cli, "skill.delete", s_print_deleted_skill, (const char *const *)argv);
}

static void s_print_mastery(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *l = assay_map_get(o, "learner"), *sk = assay_map_get(o, "skills");
    if (!sk || sk->type != MSGPACK_OBJECT_MAP || sk->via.map.size == 0) {
        printf("%.*s has no mastery states yet\n", S_STR(l));
        return;
    }
    printf("SKILL                     P(MASTERY)  P(CORRECT NEXT)  OPPORTUNITIES  MASTERED\n");
    for (uint32_t i = 0; i < sk->via.map.size; i++) {
        const msgpack_object_kv *kv = &sk->via.map.ptr[i];
        const msgpack_object *m = assay_map_get(&kv->val, "mastered"), *name = &kv->key;
        printf("%-24.*s %11.4f %16.4f %14g  %s\n", S_STR(name), s_get_num(&kv->val, "p_mastery"),
               s_get_num(&kv->val, "p_correct_next"), s_get_num(&kv->val, "opportunities"),
               m && m->via.boolean ? "yes" : "no");
    }
}

static int c_mastery(s_cli_t *cli, int argc, char **argv)
{
    if (argc == 2)
        s_params_str(cli, 2, "learner", argv[0], "skill", argv[1]);
    else
        s_params_str(cli, 1, "learner", argv[0]);
    return s_run(cli, "mastery.get", s_print_mastery, NULL);
}

static int c_recompute(s_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"wait", no_argument, 0, 'w'}, {0, 0, 0, 0}};
    bool wait = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'w')
            wait = true;
        else
            return EXIT_USAGE;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: assay recompute SKILL [--wait]\n");
        return EXIT_USAGE;
    }
    s_params_str(cli, 1, "skill", argv[optind]);
    if (!wait) return s_run(cli, "skill.recompute", s_print_job, NULL);
    assay_reply_t *r;
    int rc = s_call(cli, "skill.recompute", &r);
    if (rc) return rc;
    double id = s_get_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    return s_job_wait(cli, id);
}

typedef struct {
    s_cli_t *cli;
    json_t *rows;
} s_sum_ctx_t;

static void s_summary_row(void *arg, const char *skill, size_t learners, double mean,
                          double mastered)
{
    s_sum_ctx_t *ctx = arg;
    if (ctx->cli->json) {
        json_array_append_new(ctx->rows, json_pack("{s:s, s:I, s:f, s:f}", "skill", skill,
                                                   "learners", (json_int_t)learners, "mean_mastery",
                                                   mean, "mastered", mastered));
        return;
    }
    printf("%-14s %9zu %13.4f %11.1f%%\n", skill, learners, mean, 100 * mastered);
}

static int c_replay(s_cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"inflight", required_argument, 0, 'i'}, {"limit", required_argument, 0, 'n'},
        {"prior", required_argument, 0, 'P'},    {"learn", required_argument, 0, 'L'},
        {"forget", required_argument, 0, 'F'},   {"guess", required_argument, 0, 'G'},
        {"slip", required_argument, 0, 'S'},     {0, 0, 0, 0}};
    as_replay_params_t p = as_replay_default_params();
    long inflight = 256, limit = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        double v = 0;
        if (c != 'i' && c != 'n' && c != '?') {
            v = strtod(optarg, &end);
            if (*end || !(v >= 0 && v <= 1)) {
                fprintf(stderr, "assay replay: --%s: expected a probability in [0, 1], got %s\n",
                        c == 'P'   ? "prior"
                        : c == 'L' ? "learn"
                        : c == 'F' ? "forget"
                        : c == 'G' ? "guess"
                                   : "slip",
                        optarg);
                return EXIT_USAGE;
            }
        }
        switch (c) {
        case 'i':
            inflight = strtol(optarg, &end, 10);
            if (*end || inflight < 1 || inflight > 4096) {
                fprintf(stderr, "assay replay: --inflight: expected 1..4096\n");
                return EXIT_USAGE;
            }
            break;
        case 'n':
            limit = strtol(optarg, &end, 10);
            if (*end || limit < 1) {
                fprintf(stderr, "assay replay: --limit: expected a positive count\n");
                return EXIT_USAGE;
            }
            break;
        case 'P':
            p.prior = v;
            break;
        case 'L':
            p.learn = v;
            break;
        case 'F':
            p.forget = v;
            break;
        case 'G':
            p.guess = v;
            break;
        case 'S':
            p.slip = v;
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: assay replay FILE [--inflight N] [--limit N] [--prior P] ...\n");
        return EXIT_USAGE;
    }
    if (p.guess >= 1 || p.slip >= 1) {
        fprintf(stderr, "assay replay: --guess and --slip must be below 1\n");
        return EXIT_USAGE;
    }
    int rc = s_connect(cli);
    if (rc) return rc;
    as_replay_t *rp;
    if (as_replay_load(&rp, argv[optind], (size_t)limit)) return EXIT_USAGE;
    as_replay_result_t res;
    if (as_replay_setup(rp, cli->conn, &p) ||
        as_replay_submit(rp, cli->conn, (int)inflight, false, &res)) {
        as_replay_free(&rp);
        return EXIT_REPLY;
    }
    fprintf(stderr, "replay: %zu answers of %zu learners on %u skills in %.1f s (%.0f answers/s)\n",
            res.answers, res.learners, res.skills, res.seconds, (double)res.answers / res.seconds);
    s_sum_ctx_t ctx = {.cli = cli, .rows = json_array()};
    if (!cli->json) printf("SKILL           LEARNERS  MEAN MASTERY    MASTERED\n");
    rc = as_replay_summary(rp, cli->conn, s_summary_row, &ctx) ? EXIT_REPLY : 0;
    if (!rc && cli->json) {
        char *t = json_dumps(ctx.rows, JSON_INDENT(2));
        printf("%s\n", t);
        free(t);
    }
    json_decref(ctx.rows);
    as_replay_free(&rp);
    return rc;
}

static int c_job(s_cli_t *cli, int argc, char **argv)
{
    char *end;
    double id = strtod(argv[0], &end);
    if (*end || id < 1 || id != floor(id)) {
        fprintf(stderr, "assay: job: expected a job id (a positive integer), got \"%s\"\n",
                argv[0]);
        return EXIT_USAGE;
    }
    msgpack_pack_map(&cli->pk, 1);
    as_pack_cstr(&cli->pk, "job");
    msgpack_pack_uint64(&cli->pk, (uint64_t)id);
    assay_reply_t *r;
    int rc = s_call(cli, "job.get", &r);
    if (rc) return rc;
    if (cli->json)
        s_print_json(assay_reply_result(r));
    else
        s_print_job(assay_reply_result(r), NULL);
    rc = s_job_status(assay_reply_result(r));
    assay_reply_free(&r);
    return rc;
}

static int c_keygen(s_cli_t *cli, int argc, char **argv)
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
    int rc = zcert_save(cert, argv[0]);
    if (!rc) rc = chmod(secret, 0600);
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
    bool *gaps = arg;
    static uint64_t last_seq;
    json_t *j = as_json_from(assay_event_body(ev));
    char *body = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
    uint64_t seq = assay_event_seq(ev);
    if (*gaps && last_seq && seq > last_seq + 1)
        fprintf(stderr,
                "assay watch: %llu notification(s) missed (seq %llu to %llu): resync with a read\n",
                (unsigned long long)(seq - last_seq - 1), (unsigned long long)last_seq + 1,
                (unsigned long long)seq - 1);
    if (seq) last_seq = seq;
    printf("%s %s\n", assay_event_topic(ev), body ? body : "{}");
    fflush(stdout);
    free(body);
    json_decref(j);
}

static int c_watch(s_cli_t *cli, int argc, char **argv)
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
    if (rc) {
        fprintf(stderr, "assay: engine unreachable: no events socket at %s\n", cli->target);
        return EXIT_UNREACHABLE;
    }
    if (optind >= argc) assay_sub_subscribe(sub, "");
    for (int i = optind; i < argc; i++)
        assay_sub_subscribe(sub, argv[i]);
    signal(SIGINT, s_on_signal);
    signal(SIGTERM, s_on_signal);
    bool gaps = true;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!s_stop) {
        rc = assay_sub_dispatch(sub, 200, s_print_event, &gaps);
        if (rc < 0) break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (seconds > 0 &&
            (double)(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
            break;
    }
    assay_sub_close(&sub);
    return 0;
}

static const s_cmd_t s_cmds[] = {
    {"ping", "", "check that the engine answers",
     "Prints the engine's version, uptime and worker count.\n", 0, 0, c_ping, false},
    {"put", "FILE", "store an assessment definition (JSON) from FILE ('-': stdin)",
     "Reads an assessment definition in JSON (proto/PROTOCOL.md, \"Assessment definition\"),\n"
     "validates and compiles it in the engine, and stores it. Putting an existing id replaces it\n"
     "and increments its version. Needs the admin socket.\n"
     "Example: assay put examples/quiz.json\n",
     1, 1, c_put, false},
    {"get", "ID", "print an assessment's definition with its version and max score",
     "Prints the definition as it was put, plus version and max_score, as JSON.\n", 1, 1, c_get,
     false},
    {"list", "[--limit N] [--cursor C] [--all]", "list assessments",
     "Lists assessments in id order, a page of --limit (default 50, at most 200) at a time.\n"
     "--cursor continues after a page; --all follows the cursors to the end.\n",
     0, 5, c_list, true},
    {"delete", "ID", "delete an assessment",
     "Deletes an assessment and its compiled table. Needs the admin socket.\n", 1, 1, c_delete,
     false},
    {"score", "ID [ANSWERS.json | -] [--detail]", "score one response (nothing is stored)",
     "Scores a JSON object of answers {\"item_id\": value | [values]} read from the file or "
     "stdin.\n"
     "Unanswered items score as missing responses. --detail adds each item's score.\n"
     "Example: echo '{\"q1\": \"B\"}' | assay score quiz1\n",
     1, 3, c_score, true},
    {"batch", "ID FILE", "score a JSON array of responses in one request",
     "Scores up to 100,000 responses (a JSON array of answer objects) and prints the summary;\n"
     "with --json, every score.\n",
     2, 2, c_batch, false},
    {"submit", "ID LEARNER [ANSWERS.json | -] [--key KEY]", "score and store a learner's response",
     "Scores the answers (a JSON object, from the file or stdin) and stores them for the learner;\n"
     "prints the response id, the attempt number and the score once the engine has committed it.\n"
     "--key makes the submission idempotent: resending with the same key returns the original\n"
     "result and stores nothing new.\n"
     "Example: echo '{\"capital\": \"paris\"}' | assay submit quiz-demo ana --key try-1\n",
     2, 5, c_submit, true},
    {"responses", "ID [--learner L] [--limit N] [--all]",
     "list stored responses in submission order",
     "Lists an assessment's stored responses (one learner's with --learner), a page of --limit\n"
     "(default 50) at a time; --all follows the cursors to the end. --json prints each response\n"
     "with its answers.\n",
     1, 8, c_responses, true},
    {"report", "ID", "item analysis of an assessment (latest attempt per learner)",
     "Prints n, mean, sd, min, max and Cronbach's alpha of the learners' latest attempts, a text\n"
     "histogram of their totals, and per item the mean score, p-value, corrected item-total\n"
     "discrimination and omitted rate (proto/PROTOCOL.md gives the formulas). Instant: the\n"
     "engine keeps the statistics current at every submission.\n",
     1, 1, c_report, false},
    {"regrade", "ID [--dry-run] [--wait]",
     "re-score every stored response with the current version",
     "Starts a background job that re-scores the assessment's stored responses with its current\n"
     "version, in chunks (scoring and submissions go on meanwhile), updates their stored scores,\n"
     "rebuilds the report's statistics and announces each changed score. Prints the job id;\n"
     "--wait follows it with a progress bar and prints the result (exit 1 if it failed).\n"
     "--dry-run changes nothing: the job counts what would change and lists the first changes.\n"
     "Needs the admin socket.\n"
     "Example: assay regrade quiz-demo --dry-run --wait\n",
     1, 3, c_regrade, true},
    {"job", "JOB", "show a background job's state, progress and result",
     "Prints a job (assay regrade): queued, running, done or failed, its progress, and its\n"
     "result or error. Exit status 1 when the job failed.\n",
     1, 1, c_job, false},
    {"skill-put", "FILE",
     "store a skill's knowledge-tracing parameters (JSON) from FILE ('-': stdin)",
     "Reads {\"id\", \"prior\", \"learn\", \"forget\", \"guess\", \"slip\", "
     "\"mastery_threshold\"?}\n"
     "(probabilities; guess and slip below 1; mastery_threshold default 0.95). New parameters\n"
     "apply to future updates; assay recompute SKILL replays the stored responses with them.\n"
     "Items name skills with \"skills\": [ids] in an assessment definition. Needs the admin "
     "socket.\n"
     "Example: echo '{\"id\":\"add\",\"prior\":0.3,\"learn\":0.1,\"forget\":0,\"guess\":0.2,"
     "\"slip\":0.1}' | assay skill-put -\n",
     1, 1, c_skill_put, false},
    {"skill", "ID", "show a skill's parameters", "Prints a skill's BKT parameters.\n", 1, 1,
     c_skill, false},
    {"skills", "[--limit N] [--cursor C] [--all]", "list skills",
     "Lists skills in id order with their parameters, a page at a time; --all follows the\n"
     "cursors to the end.\n",
     0, 5, c_skills, true},
    {"skill-delete", "ID", "delete a skill no assessment uses",
     "Deletes a skill. Refused (conflict) while an assessment's item names it. Needs the admin\n"
     "socket.\n",
     1, 1, c_skill_delete, false},
    {"mastery", "LEARNER [SKILL]", "a learner's mastery of every skill practised, or of one",
     "Prints, per skill, the probability of mastery after the learner's last answer, the\n"
     "probability of a right next answer, the number of observations and whether it is at or\n"
     "above the skill's mastery threshold. Updated by every submission, in its transaction.\n",
     1, 2, c_mastery, false},
    {"recompute", "SKILL [--wait]", "recompute every learner's mastery of a skill (a job)",
     "Starts a background job that replays every stored response in submission order with the\n"
     "skill's current parameters; the new states replace the old ones when it is done (mastery\n"
     "reads and submissions go on meanwhile). --wait follows it with a progress bar.\n",
     1, 2, c_recompute, true},
    {"replay",
     "FILE [--inflight N] [--limit N] [--prior P --learn L --forget F --guess G --slip S]",
     "replay a real answer stream, then summarise mastery per skill",
     "Replays an ASSISTments file (data/ of the repository: the assist2009 long CSV, or the assist2015\n"
     "lists; gzip or plain) through the engine: one skill and one single-item assessment per\n"
     "skill (skill-<id>, with the parameters given, default prior 0.3, learn 0.1, forget 0, guess\n"
     "0.2, slip 0.1), each learner's answers submitted in order, --inflight learners at a time\n"
     "(default 256), with a progress bar (rate and ETA). Then prints per skill the learners, "
     "their\n"
     "mean mastery and the share who mastered it. Needs the admin socket.\n"
     "Example: assay replay data/assist2009/builder_train_long.csv.gz\n",
     1, 16, c_replay, true},
    {"watch", "[TOPIC...] [--seconds S]", "print notifications as they arrive, one per line",
     "Subscribes to the engine's notifications (all of them, or the topics given: prefixes such\n"
     "as score.quiz-demo, assessment., mastery.) and prints each as TOPIC JSON on one line, until\n"
     "Ctrl-C or --seconds. A gap in the notifications' seq (a subscriber that fell behind) is\n"
     "reported on stderr: resync with a read. Subscriptions take a moment to reach the engine.\n"
     "Example: assay watch score. assessment.\n",
     0, 64, c_watch, true},
    {"keygen", "NAME", "write a CURVE certificate pair: NAME (public) and NAME_secret",
     "Writes a new CURVE key pair as czmq certificates: NAME holds the public key (give it to\n"
     "the other side: a client's goes into the server's --curve-clients or --curve-admin-clients\n"
     "directory, the server's is the clients' --server-key), NAME_secret the secret key (mode\n"
     "0600: assayd --curve-secret, or a client's --curve-cert). Existing files are not\n"
     "overwritten. Needs no engine.\n"
     "Example: assay keygen /etc/assay/server && assay keygen ./app1\n",
     1, 1, c_keygen, false},
    {"stats", "", "print request counts, latency percentiles and data map use",
     "Per method: requests, errors and latency percentiles measured inside the engine.\n", 0, 0,
     c_stats, false},
};
#define S_NCMDS (sizeof s_cmds / sizeof s_cmds[0])

static void s_global_usage(FILE *out)
{
    fprintf(out,
            "Usage: assay [-d DIR | -e ENDPOINT] [--json] [--timeout MS] COMMAND [ARGS]\n"
            "Administer and query an assay scoring engine (assayd).\n"
            "\n"
            "Options:\n"
            "  -d, --data DIR       the engine's data directory (default: $ASSAY_DATA, else "
            "./var/assay);\n"
            "                       the CLI uses DIR/admin.sock when it may, else DIR/engine.sock\n"
            "  -e, --endpoint EP    a ZeroMQ endpoint instead (ipc://PATH or tcp://HOST:PORT)\n"
            "      --json           print results as JSON, for scripts\n"
            "      --timeout MS     how long to wait for the engine (default 5000)\n"
            "      --curve-cert F   CURVE over tcp: this client's certificate (NAME_secret)\n"
            "      --server-key K   CURVE: the server's public key (40 characters) or certificate\n"
            "  -h, --help           show this help; 'assay COMMAND --help' shows a command's help\n"
            "  -V, --version        show the version\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < S_NCMDS; i++)
        fprintf(out, "  %-8s %s\n", s_cmds[i].name, s_cmds[i].summary);
    fprintf(out,
            "\n"
            "Exit status: 0 ok; 1 the engine answered with an error (printed as CODE: message);\n"
            "2 bad usage or unreadable input; 3 engine unreachable.\n"
            "\n"
            "Examples:\n"
            "  assay put examples/quiz.json\n"
            "  assay score quiz-demo examples/answers.json --detail\n"
            "  assay --json list --all\n"
            "  echo '{\"capital\": \"paris\"}' | assay submit quiz-demo ana\n"
            "  assay responses quiz-demo --learner ana\n");
}

static void s_cmd_usage(FILE *out, const s_cmd_t *c)
{
    fprintf(out, "Usage: assay [OPTIONS] %s %s\n%s.\n\n%s", c->name, c->args, c->summary, c->help);
    fprintf(out, "\nSee 'assay --help' for the global options and exit statuses.\n");
}

int main(int argc, char **argv)
{
    s_cli_t cli = {.timeout_ms = 5000};
    const char *data = getenv("ASSAY_DATA");
    static const struct option opts[] = {{"data", required_argument, 0, 'd'},
                                         {"endpoint", required_argument, 0, 'e'},
                                         {"json", no_argument, 0, 'j'},
                                         {"timeout", required_argument, 0, 't'},
                                         {"curve-cert", required_argument, 0, 'c'},
                                         {"server-key", required_argument, 0, 'k'},
                                         {"help", no_argument, 0, 'h'},
                                         {"version", no_argument, 0, 'V'},
                                         {0, 0, 0, 0}};
    int c;
    /* '+': stop at the command name, its options are its own */
    while ((c = getopt_long(argc, argv, "+d:e:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'e':
            cli.target = optarg;
            cli.is_endpoint = true;
            break;
        case 'j':
            cli.json = true;
            break;
        case 't': {
            char *end;
            long t = strtol(optarg, &end, 10);
            if (*end || t < 1 || t > 3600000) {
                fprintf(stderr, "assay: --timeout: expected milliseconds, 1..3600000\n");
                return EXIT_USAGE;
            }
            cli.timeout_ms = (int)t;
            break;
        }
        case 'c':
            cli.curve_cert = optarg;
            break;
        case 'k':
            cli.server_key = optarg;
            break;
        case 'h':
            s_global_usage(stdout);
            return 0;
        case 'V':
            printf("assay 0.1.0 (protocol 1)\n");
            return 0;
        default:
            fprintf(stderr, "Try 'assay --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        s_global_usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        if (optind + 1 >= argc) {
            s_global_usage(stdout);
            return 0;
        }
        name = argv[optind + 1];
        for (size_t i = 0; i < S_NCMDS; i++)
            if (strcmp(s_cmds[i].name, name) == 0) {
                s_cmd_usage(stdout, &s_cmds[i]);
                return 0;
            }
        fprintf(stderr, "assay: no command \"%s\"; try 'assay --help'\n", name);
        return EXIT_USAGE;
    }
    const s_cmd_t *cmd = NULL;
    for (size_t i = 0; i < S_NCMDS; i++)
        if (strcmp(s_cmds[i].name, name) == 0) cmd = &s_cmds[i];
    if (!cmd) {
        fprintf(stderr, "assay: no command \"%s\"; try 'assay --help'\n", name);
        return EXIT_USAGE;
    }
    int cargc = argc - optind;
    char **cargv = argv + optind;
    for (int i = 1; i < cargc; i++)
        if (strcmp(cargv[i], "--help") == 0 || strcmp(cargv[i], "-h") == 0) {
            s_cmd_usage(stdout, cmd);
            return 0;
        }
    /* Commands with options parse their own argv (cargv[0] is the command); the others take
     * positional arguments only. */
    bool own_opts = cmd->own_options;
    if (!own_opts && (cargc - 1 < cmd->min_args || cargc - 1 > cmd->max_args)) {
        fprintf(stderr, "usage: assay %s %s\n", cmd->name, cmd->args);
        return EXIT_USAGE;
    }
    if (!cli.target) cli.target = data && *data ? data : "./var/assay";
    msgpack_sbuffer_init(&cli.sb);
    msgpack_packer_init(&cli.pk, &cli.sb, msgpack_sbuffer_write);
    int rc = own_opts ? cmd->fn(&cli, cargc, cargv) : cmd->fn(&cli, cargc - 1, cargv + 1);
    msgpack_sbuffer_destroy(&cli.sb);
    assay_close(&cli.conn);
    return rc;
}
