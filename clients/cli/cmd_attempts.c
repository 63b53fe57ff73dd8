/* cmd_attempts.c — exam attempts: assay attempt start|save|submit|get|list|abandon, and
 * assay override. */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "attempt 3 of ana at quiz (number 1): in_progress, 118 s left, deadline ..., 2 answer(s)" */
static void s_attempt_line(const msgpack_object *a)
{
    const msgpack_object *l = assay_map_get(a, "learner"), *as = assay_map_get(a, "assessment");
    const msgpack_object *st = assay_map_get(a, "state"), *dl = assay_map_get(a, "deadline");
    const msgpack_object *ans = assay_map_get(a, "answers");
    printf("attempt %g of %.*s at %.*s (number %g): %.*s", cli_get_num(a, "id"), CLI_STR(l),
           CLI_STR(as), cli_get_num(a, "number"), CLI_STR(st));
    double left = cli_get_num(a, "time_left_s");
    if (!isnan(left)) printf(", %.0f s left, deadline %.*s", left, CLI_STR(dl));
    printf(", %u answer(s) saved", ans && ans->type == MSGPACK_OBJECT_MAP ? ans->via.map.size : 0);
    double rid = cli_get_num(a, "response_id");
    if (!isnan(rid)) printf(", response %g", rid);
    printf("\n");
}

static void s_print_attempt(const msgpack_object *o, const char *const *ctx)
{
    (void)ctx;
    const msgpack_object *a = assay_map_get(o, "attempt");
    s_attempt_line(a ? a : o);
    const msgpack_object *applied = assay_map_get(o, "applied");
    if (applied && applied->type == MSGPACK_OBJECT_BOOLEAN && !applied->via.boolean)
        printf("not applied: seq %g was applied already (a stale tab)\n", cli_get_num(o, "seq"));
    const msgpack_object *r = assay_map_get(o, "response");
    if (r) {
        char m[32];
        printf("response %g: %g / %s\n", cli_get_num(r, "response_id"), cli_get_num(r, "score"),
               cli_gnum(r, "max_score", m, sizeof m));
    }
}

/* Packs {attempt: id, answers?: file, seq?} and calls method. */
static int s_answers_call(cli_t *cli, const char *method, int argc, char **argv, bool want_seq)
{
    static const struct option opts[] = {{"seq", required_argument, 0, 's'}, {0, 0, 0, 0}};
    long long seq = -1;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (c != 's' || !want_seq) return EXIT_USAGE;
        seq = strtoll(optarg, &end, 10);
        if (*end || seq < 0 || seq > UINT32_MAX) {
            fprintf(stderr, "assay attempt save: --seq: expected 0..4294967295\n");
            return EXIT_USAGE;
        }
    }
    int n = argc - optind;
    if (n < 1 || n > 2 || (want_seq && n < 1)) return EXIT_USAGE;
    char *end;
    unsigned long long id = strtoull(argv[optind], &end, 10);
    if (*end || !id) {
        fprintf(stderr, "assay attempt: expected an attempt id (a positive integer), got \"%s\"\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    json_t *answers = NULL;
    const char *file = n == 2 ? argv[optind + 1] : (want_seq ? "-" : NULL);
    if (!file && !isatty(STDIN_FILENO)) {
        /* submit: answers piped in are merged as save's are; nothing piped, nothing merged */
        int ch;
        while ((ch = getchar()) != EOF && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'))
            ;
        if (ch != EOF) {
            ungetc(ch, stdin);
            file = "-";
        }
    }
    if (file) {
        int rc = cli_read_json(cli, file, JSON_OBJECT, "a JSON object of answers", &answers);
        if (rc) return rc;
    }
    msgpack_pack_map(&cli->pk, 1 + (answers ? 1 : 0) + (seq >= 0 ? 1 : 0));
    as_pack_cstr(&cli->pk, "attempt");
    msgpack_pack_uint64(&cli->pk, id);
    if (answers) {
        as_pack_cstr(&cli->pk, "answers");
        as_json_pack(&cli->pk, answers);
        json_decref(answers);
    }
    if (seq >= 0) {
        as_pack_cstr(&cli->pk, "seq");
        msgpack_pack_uint64(&cli->pk, (uint64_t)seq);
    }
    return cli_run(cli, method, s_print_attempt, NULL);
}

static void s_attempt_row(const msgpack_object *a)
{
    s_attempt_line(a);
}

typedef struct {
    const char *assessment, *learner, *state;
} s_list_args_t;

static void s_pack_list_params(cli_t *cli, const void *arg)
{
    const s_list_args_t *a = arg;
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, a->assessment);
    if (a->learner) {
        as_pack_cstr(&cli->pk, "learner");
        as_pack_cstr(&cli->pk, a->learner);
    }
    if (a->state) {
        as_pack_cstr(&cli->pk, "state");
        as_pack_cstr(&cli->pk, a->state);
    }
}

static int s_list(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"learner", required_argument, 0, 'l'}, {"state", required_argument, 0, 's'},
        {"limit", required_argument, 0, 'n'},   {"cursor", required_argument, 0, 'c'},
        {"all", no_argument, 0, 'a'},           {0, 0, 0, 0}};
    s_list_args_t la = {0};
    long limit = 50;
    const char *cursor = NULL;
    bool all = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'l':
            la.learner = optarg;
            break;
        case 's':
            la.state = optarg;
            break;
        case 'n':
            limit = strtol(optarg, &end, 10);
            if (*end || limit < 1 || limit > 200) {
                fprintf(stderr, "assay attempt list: --limit: expected 1..200\n");
                return EXIT_USAGE;
            }
            break;
        case 'c':
            cursor = optarg;
            break;
        case 'a':
            all = true;
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1) return EXIT_USAGE;
    la.assessment = argv[optind];
    cli_pager_t p = {.method = "attempt.list",
                     .rows_key = "attempts",
                     .none = "no attempts",
                     .header =
                         "ATTEMPTS (id, learner, assessment, number, state, time left, answers)",
                     .print_row = s_attempt_row,
                     .n_params = 1 + (la.learner ? 1 : 0) + (la.state ? 1 : 0),
                     .pack_params = s_pack_list_params,
                     .arg = &la};
    return cli_page(cli, &p, limit, cursor, all);
}

int cmd_attempt(cli_t *cli, int argc, char **argv)
{
    const char *usage = "usage: assay attempt start ASSESSMENT LEARNER | save ID [ANSWERS.json | "
                        "-] [--seq N] | submit ID [ANSWERS.json | -] | get ID | list ASSESSMENT "
                        "[--learner L] [--state S] [--all] | abandon ID\n";
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    int rc = EXIT_USAGE;
    if (strcmp(sub, "start") == 0 && argc == 4) {
        cli_params_str(cli, 2, "assessment", argv[2], "learner", argv[3]);
        return cli_run(cli, "attempt.start", s_print_attempt, NULL);
    } else if (strcmp(sub, "save") == 0) {
        rc = s_answers_call(cli, "attempt.save", argc - 1, argv + 1, true);
    } else if (strcmp(sub, "submit") == 0) {
        rc = s_answers_call(cli, "attempt.submit", argc - 1, argv + 1, false);
    } else if ((strcmp(sub, "get") == 0 || strcmp(sub, "abandon") == 0) && argc == 3) {
        if ((rc = cli_params_id(cli, "attempt", "attempt", argv[2]))) return rc;
        return cli_run(cli, sub[0] == 'g' ? "attempt.get" : "attempt.abandon", s_print_attempt,
                       NULL);
    } else if (strcmp(sub, "list") == 0) {
        rc = s_list(cli, argc - 1, argv + 1);
    }
    if (rc == EXIT_USAGE) fputs(usage, stderr);
    return rc;
}

static void s_print_override(const msgpack_object *o, const char *const *ctx)
{
    (void)ctx;
    const msgpack_object *a = assay_map_get(o, "assessment"), *l = assay_map_get(o, "learner");
    const msgpack_object *close = assay_map_get(o, "close_at");
    printf("override of %.*s at %.*s: %g s extra time, %g extra attempt(s), closes %.*s\n",
           CLI_STR(l), CLI_STR(a), cli_get_num(o, "extra_time_s"), cli_get_num(o, "extra_attempts"),
           close && close->type == MSGPACK_OBJECT_STR ? (int)close->via.str.size : 20,
           close && close->type == MSGPACK_OBJECT_STR ? close->via.str.ptr : "with the assessment");
}

int cmd_override(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"extra-time", required_argument, 0, 't'},
                                         {"extra-attempts", required_argument, 0, 'a'},
                                         {"close-at", required_argument, 0, 'c'},
                                         {0, 0, 0, 0}};
    long extra_time = -1, extra_attempts = -1;
    const char *close = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 't':
            extra_time = strtol(optarg, &end, 10);
            if (*end || extra_time < 0) {
                fprintf(stderr, "assay override: --extra-time: expected seconds >= 0\n");
                return EXIT_USAGE;
            }
            break;
        case 'a':
            extra_attempts = strtol(optarg, &end, 10);
            if (*end || extra_attempts < 0) {
                fprintf(stderr, "assay override: --extra-attempts: expected a count >= 0\n");
                return EXIT_USAGE;
            }
            break;
        case 'c':
            close = optarg;
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: assay override ASSESSMENT LEARNER [--extra-time S] "
                        "[--extra-attempts N] [--close-at RFC3339]\n");
        return EXIT_USAGE;
    }
    msgpack_pack_map(&cli->pk, 2 + (extra_time >= 0) + (extra_attempts >= 0) + (close != NULL));
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, argv[optind]);
    as_pack_cstr(&cli->pk, "learner");
    as_pack_cstr(&cli->pk, argv[optind + 1]);
    if (extra_time >= 0) {
        as_pack_cstr(&cli->pk, "extra_time_s");
        msgpack_pack_int64(&cli->pk, extra_time);
    }
    if (extra_attempts >= 0) {
        as_pack_cstr(&cli->pk, "extra_attempts");
        msgpack_pack_int64(&cli->pk, extra_attempts);
    }
    if (close) {
        as_pack_cstr(&cli->pk, "close_at");
        as_pack_cstr(&cli->pk, close);
    }
    return cli_run(cli, "assessment.override", s_print_override, NULL);
}
