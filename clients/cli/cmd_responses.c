/* cmd_responses.c — stored responses: submit, response (one) and responses (a list). */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* A stored response's first line, from its own fields (response.submit's and response.get's
 * results share them). */
static void s_print_submit(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *a = assay_map_get(o, "assessment"), *l = assay_map_get(o, "learner");
    printf("response %g: %.*s attempt %g at %.*s v%g: ", cli_get_num(o, "response_id"), CLI_STR(l),
           cli_get_num(o, "attempt"), CLI_STR(a), cli_get_num(o, "version"));
    cli_print_result(o);
    printf("\n");
}

/* response.get: the first line, when it was submitted, each answer, then each item's score. */
static void s_print_response(const msgpack_object *o, const char *const *ctx)
{
    s_print_submit(o, ctx);
    const msgpack_object *at = assay_map_get(o, "submitted_at");
    printf("  submitted %.*s\n", CLI_STR(at));
    const msgpack_object *ans = assay_map_get(o, "answers");
    printf(ans && ans->type == MSGPACK_OBJECT_MAP && ans->via.map.size ? "  answers\n"
                                                                       : "  answers: none\n");
    for (uint32_t k = 0; ans && ans->type == MSGPACK_OBJECT_MAP && k < ans->via.map.size; k++) {
        const msgpack_object_kv *kv = &ans->via.map.ptr[k];
        printf("  %-20.*s ", CLI_STR((&kv->key)));
        cli_print_compact(&kv->val);
        printf("\n");
    }
    const msgpack_object *items = assay_map_get(o, "items");
    if (items && items->type == MSGPACK_OBJECT_ARRAY) {
        printf("  item scores\n");
        cli_print_items(items);
    } else {
        printf("  (no item scores: the assessment is no longer at this response's version)\n");
    }
}

int cmd_response(cli_t *cli, int argc, char **argv)
{
    int rc = cli_params_id(cli, "response", "id", argv[0]);
    return rc ? rc : cli_run(cli, "response.get", s_print_response, NULL);
}

int cmd_submit(cli_t *cli, int argc, char **argv)
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
    int rc = cli_read_json(cli, file, -1, NULL, &answers);
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
    return cli_run(cli, "response.submit", s_print_submit, NULL);
}

static void s_response_row(const msgpack_object *x)
{
    const msgpack_object *l = assay_map_get(x, "learner"), *at = assay_map_get(x, "submitted_at");
    char m[32];
    printf("%10g  %-20.*s %7g %7g %9g %9s  %.*s\n", cli_get_num(x, "response_id"), CLI_STR(l),
           cli_get_num(x, "attempt"), cli_get_num(x, "version"), cli_get_num(x, "score"),
           cli_gnum(x, "max_score", m, sizeof m), CLI_STR(at));
}

typedef struct {
    const char *assessment, *learner;
} s_responses_args_t;

static void s_pack_responses_params(cli_t *cli, const void *arg)
{
    const s_responses_args_t *a = arg;
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, a->assessment);
    if (a->learner) {
        as_pack_cstr(&cli->pk, "learner");
        as_pack_cstr(&cli->pk, a->learner);
    }
}

int cmd_responses(cli_t *cli, int argc, char **argv)
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
    cli_pager_t pager = {
        .method = "response.list",
        .rows_key = "responses",
        .none = "no responses",
        .header = "  RESPONSE  LEARNER              ATTEMPT VERSION     SCORE       MAX  SUBMITTED",
        .print_row = s_response_row,
        .n_params = args.learner ? 2 : 1,
        .pack_params = s_pack_responses_params,
        .arg = &args,
    };
    return cli_page(cli, &pager, limit, cursor, all);
}
