/* cli.c — what every command of the CLI uses (cli.h): connecting, calling, reading JSON input,
 * printing results, paged lists. */
#include "cli.h"

#include <czmq.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_print_compact(const msgpack_object *o)
{
    json_t *j = as_json_from(o);
    char *text = j ? as_json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    printf("%s", text ? text : "?");
    free(text);
    json_decref(j);
}

void cli_print_json(const msgpack_object *o)
{
    json_t *j = as_json_from(o);
    char *text = j ? as_json_dumps(j, JSON_INDENT(2) | JSON_ENCODE_ANY) : NULL;
    printf("%s\n", text ? text : "null");
    free(text);
    json_decref(j);
}

double cli_num(const msgpack_object *o)
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

double cli_get_num(const msgpack_object *map, const char *key)
{
    return cli_num(assay_map_get(map, key));
}

/* Reads a JSON document from path ("-": stdin), of type `want` (-1: any; else `expected`
 * describes it for the message). Returns 0, or EXIT_USAGE after printing what is wrong and
 * where. */
int cli_read_json(cli_t *cli, const char *path, int want, const char *expected, json_t **out)
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

int cli_connect(cli_t *cli)
{
    if (cli->conn) return 0;
    assay_options_t o = {.timeout_ms = cli->timeout_ms,
                         .curve_cert = cli->curve_cert,
                         .curve_server_key = cli->server_key};
    /* admin.sock when we may use it (the CLI is the admin tool), else engine.sock; of several
     * targets, the first decides for all (data directories: -d, or --engine DIR,DIR) */
    size_t first = strcspn(cli->target, ",");
    if (!memmem(cli->target, first, "://", 3)) {
        char path[4200];
        snprintf(path, sizeof path, "%.*s/admin.sock", (int)first, cli->target);
        o.admin = access(path, R_OK | W_OK) == 0;
    }
    int rc = assay_open(&cli->conn, cli->target, &o);
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
int cli_call(cli_t *cli, const char *method, assay_reply_t **reply)
{
    int rc = cli_connect(cli);
    if (rc) return rc;
    rc = assay_call(cli->conn, method, cli->sb.size ? cli->sb.data : NULL, cli->sb.size, -1, reply);
    msgpack_sbuffer_clear(&cli->sb);
    if (rc == ASSAY_OK) return 0;
    if (rc == ASSAY_EREPLY) {
        if (cli->json) {
            printf("{\"error\": {\"code\": \"%s\", \"message\": ", assay_reply_code(*reply));
            json_t *m = json_string(assay_reply_message(*reply));
            char *t = as_json_dumps(m, JSON_ENCODE_ANY);
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

/* Packs {key: string} pairs: cli_params_str(cli, 2, "id", id, ...). */
int cli_params_id(cli_t *cli, const char *what, const char *key, const char *text)
{
    char *end;
    errno = 0;
    unsigned long long id = strtoull(text, &end, 10);
    if (*end || end == text || !id || errno || *text == '-' || *text == '+') {
        fprintf(stderr, "assay: %s: expected %s %s id (a positive integer), got \"%s\"\n", what,
                strchr("aeiou", what[0]) ? "an" : "a", what, text);
        return EXIT_USAGE;
    }
    msgpack_pack_map(&cli->pk, 1);
    as_pack_cstr(&cli->pk, key);
    msgpack_pack_uint64(&cli->pk, id);
    return 0;
}

void cli_params_str(cli_t *cli, int n, ...)
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

/* Lists page after page (all of them with `all`), printing rows as they come, or collecting them
 * into one JSON array with --json. `cursor` (may be NULL) is where to start. */
int cli_page(cli_t *cli, const cli_pager_t *p, long limit, const char *start, bool all)
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
        if ((rc = cli_call(cli, p->method, &r))) break;
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
        double total = cli_get_num(o, "total");
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
        char *t = as_json_dumps(rows, JSON_INDENT(2));
        printf("%s\n", t);
        free(t);
    }
    json_decref(rows);
    free(cursor);
    return rc;
}

/* Calls method with the params packed in cli->sb and prints the result: as JSON with --json,
 * else with the command's printer. */
int cli_run(cli_t *cli, const char *method, cli_print_fn print, const char *const *ctx)
{
    assay_reply_t *r;
    int rc = cli_call(cli, method, &r);
    if (rc) return rc;
    if (cli->json)
        cli_print_json(assay_reply_result(r));
    else
        print(assay_reply_result(r), ctx);
    assay_reply_free(&r);
    return 0;
}

/* A list command with --limit, --cursor and --all (the pager says what it lists). */
int cli_list_command(cli_t *cli, int argc, char **argv, const char *name, const cli_pager_t *pager)
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
    return cli_page(cli, pager, limit, cursor, all);
}

/* A number in `width` columns with `prec` decimals, or "-" for nil. */
void cli_print_num(const msgpack_object *o, int width, int prec)
{
    if (o && o->type != MSGPACK_OBJECT_NIL)
        printf("%*.*f", width, prec, cli_num(o));
    else
        printf("%*s", width, "-");
}

const char *cli_gnum(const msgpack_object *map, const char *key, char *buf, size_t n)
{
    double x = cli_get_num(map, key);
    if (isnan(x)) return "-";
    snprintf(buf, n, "%g", x);
    return buf;
}

void cli_print_result(const msgpack_object *o)
{
    const msgpack_object *passed = assay_map_get(o, "passed"), *over = assay_map_get(o, "over_max");
    char m[32];
    printf("%g / %s", cli_get_num(o, "score"), cli_gnum(o, "max_score", m, sizeof m));
    if (isnan(cli_get_num(o, "max_score")))
        printf(" (max not known)");
    else
        printf(" (%.1f%%)", 100 * cli_get_num(o, "ratio"));
    if (passed && passed->type == MSGPACK_OBJECT_BOOLEAN)
        printf(passed->via.boolean ? " passed" : " not passed");
    if (over && over->type == MSGPACK_OBJECT_BOOLEAN && over->via.boolean) printf(", over its max");
    const msgpack_object *pending = assay_map_get(o, "pending");
    if (pending && pending->type == MSGPACK_OBJECT_ARRAY && pending->via.array.size) {
        printf(" so far; waiting for people's grades of");
        for (uint32_t i = 0; i < pending->via.array.size; i++) {
            const msgpack_object *id = &pending->via.array.ptr[i];
            if (id->type == MSGPACK_OBJECT_STR)
                printf("%s %.*s", i ? "," : "", (int)id->via.str.size, id->via.str.ptr);
        }
    }
}

int cli_slurp(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "assay: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            uint8_t *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                buf = NULL;
            }
            buf = p;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "assay: %s: out of memory\n", path);
        return EXIT_USAGE;
    }
    *data = buf;
    *len = n;
    return 0;
}
