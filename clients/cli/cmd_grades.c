/* cmd_grades.c — people's grades of graded items: assay grade, and how well the raters agree:
 * assay agreement. */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "response 7 item essay: ana graded 3 (resolved: item score 3, response scored 7.5)" */
static void s_print_grade(const msgpack_object *o, const char *const *ctx)
{
    (void)ctx;
    const msgpack_object *item = assay_map_get(o, "item"), *rater = assay_map_get(o, "rater"),
                         *state = assay_map_get(o, "state");
    printf("response %g item %.*s: %.*s graded %g (%.*s", cli_get_num(o, "response"), CLI_STR(item),
           CLI_STR(rater), cli_get_num(o, "score"), CLI_STR(state));
    if (!isnan(cli_get_num(o, "item_score")))
        printf(": item score %g", cli_get_num(o, "item_score"));
    if (!isnan(cli_get_num(o, "response_score")))
        printf(", response scored %g", cli_get_num(o, "response_score"));
    printf(")\n");
}

int cmd_grade(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"comment", required_argument, 0, 'c'}, {0, 0, 0, 0}};
    const char *comment = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'c')
            comment = optarg;
        else
            return EXIT_USAGE;
    }
    if (argc - optind != 4) {
        fprintf(stderr, "usage: assay grade RESPONSE ITEM RATER SCORE [--comment TEXT]\n");
        return EXIT_USAGE;
    }
    char *end;
    double score = strtod(argv[optind + 3], &end);
    if (*end || end == argv[optind + 3] || !isfinite(score)) {
        fprintf(stderr, "assay grade: SCORE: expected a number, got \"%s\"\n", argv[optind + 3]);
        return EXIT_USAGE;
    }
    int rc = cli_params_id(cli, "response", "response", argv[optind]);
    if (rc) return rc; /* (a valid id: packed again below with the grade's other params) */
    msgpack_sbuffer_clear(&cli->sb);
    unsigned long long rid = strtoull(argv[optind], NULL, 10);
    msgpack_pack_map(&cli->pk, 4 + (comment ? 1 : 0));
    as_pack_cstr(&cli->pk, "response");
    msgpack_pack_uint64(&cli->pk, rid);
    as_pack_cstr(&cli->pk, "item");
    as_pack_cstr(&cli->pk, argv[optind + 1]);
    as_pack_cstr(&cli->pk, "rater");
    as_pack_cstr(&cli->pk, argv[optind + 2]);
    as_pack_cstr(&cli->pk, "score");
    msgpack_pack_double(&cli->pk, score);
    if (comment) {
        as_pack_cstr(&cli->pk, "comment");
        as_pack_cstr(&cli->pk, comment);
    }
    return cli_run(cli, "grade.put", s_print_grade, NULL);
}

/* "  ann|bob  n 18  exact 0.444  kappa 0.281  qwk 0.612" (adjacent too for a judge) */
static void s_print_pairs(const msgpack_object *map, const char *label, bool adjacent)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP) return;
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key, *v = &map->via.map.ptr[i].val;
        printf("  %s%.*s  n %g  exact ", label, CLI_STR(k), cli_get_num(v, "n"));
        cli_print_num(assay_map_get(v, "exact"), 0, 3);
        if (adjacent) {
            printf("  adjacent ");
            cli_print_num(assay_map_get(v, "adjacent"), 0, 3);
        }
        printf("  kappa ");
        cli_print_num(assay_map_get(v, "kappa"), 0, 3);
        printf("  qwk ");
        cli_print_num(assay_map_get(v, "qwk"), 0, 3);
        printf("\n");
    }
}

/* Per graded item: its counts, shares and alphas, then each pair of people and each judge. */
static void s_print_agreement(const msgpack_object *o, const char *const *ctx)
{
    (void)ctx;
    const msgpack_object *items = assay_map_get(o, "items");
    if (!items || items->type != MSGPACK_OBJECT_MAP || !items->via.map.size) {
        printf("no graded items\n");
        return;
    }
    for (uint32_t i = 0; i < items->via.map.size; i++) {
        const msgpack_object *k = &items->via.map.ptr[i].key, *v = &items->via.map.ptr[i].val,
                             *alpha = assay_map_get(v, "alpha");
        printf("item %.*s: %g answers graded, %g grades by %g people; exact ", CLI_STR(k),
               cli_get_num(v, "units"), cli_get_num(v, "grades"), cli_get_num(v, "raters"));
        cli_print_num(assay_map_get(v, "exact"), 0, 3);
        printf(", adjacent ");
        cli_print_num(assay_map_get(v, "adjacent"), 0, 3);
        printf("; alpha nominal ");
        cli_print_num(alpha ? assay_map_get(alpha, "nominal") : NULL, 0, 3);
        printf(", ordinal ");
        cli_print_num(alpha ? assay_map_get(alpha, "ordinal") : NULL, 0, 3);
        printf(", interval ");
        cli_print_num(alpha ? assay_map_get(alpha, "interval") : NULL, 0, 3);
        printf("\n");
        s_print_pairs(assay_map_get(v, "pairs"), "", false);
        s_print_pairs(assay_map_get(v, "judges"), "judge ", true);
    }
}

int cmd_agreement(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"item", required_argument, 0, 'i'}, {0, 0, 0, 0}};
    const char *item = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'i')
            item = optarg;
        else
            return EXIT_USAGE;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: assay agreement ID [--item ITEM]\n");
        return EXIT_USAGE;
    }
    if (item)
        cli_params_str(cli, 2, "assessment", argv[optind], "item", item);
    else
        cli_params_str(cli, 1, "assessment", argv[optind]);
    return cli_run(cli, "assessment.agreement", s_print_agreement, NULL);
}

/* "        17  e            ann                       3        2  clear, one step missing" */
static void s_grade_row(const msgpack_object *x)
{
    const msgpack_object *item = assay_map_get(x, "item"), *rater = assay_map_get(x, "rater"),
                         *comment = assay_map_get(x, "comment");
    printf("%10g  %-12.*s %-20.*s %6g %8g", cli_get_num(x, "response"), CLI_STR(item),
           CLI_STR(rater), cli_get_num(x, "score"), cli_get_num(x, "revision"));
    if (comment && comment->type == MSGPACK_OBJECT_STR)
        printf("  %.*s", (int)comment->via.str.size, comment->via.str.ptr);
    printf("\n");
}

typedef struct {
    const char *assessment, *response, *rater;
} s_grades_args_t;

static void s_pack_grades_params(cli_t *cli, const void *arg)
{
    const s_grades_args_t *a = arg;
    if (a->assessment) {
        as_pack_cstr(&cli->pk, "assessment");
        as_pack_cstr(&cli->pk, a->assessment);
    }
    if (a->response) {
        as_pack_cstr(&cli->pk, "response");
        msgpack_pack_uint64(&cli->pk, strtoull(a->response, NULL, 10));
    }
    if (a->rater) {
        as_pack_cstr(&cli->pk, "rater");
        as_pack_cstr(&cli->pk, a->rater);
    }
}

int cmd_grades(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"assessment", required_argument, 0, 'A'},
                                         {"response", required_argument, 0, 'R'},
                                         {"rater", required_argument, 0, 'r'},
                                         {"limit", required_argument, 0, 'l'},
                                         {"cursor", required_argument, 0, 'c'},
                                         {"all", no_argument, 0, 'a'},
                                         {0, 0, 0, 0}};
    s_grades_args_t args = {0};
    const char *cursor = NULL;
    long limit = 50;
    bool all = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'A')
            args.assessment = optarg;
        else if (c == 'R')
            args.response = optarg;
        else if (c == 'r')
            args.rater = optarg;
        else if (c == 'l')
            limit = strtol(optarg, NULL, 10);
        else if (c == 'c')
            cursor = optarg;
        else if (c == 'a')
            all = true;
        else
            return EXIT_USAGE;
    }
    if (argc - optind != 0 || limit < 1 || limit > 200) {
        fprintf(stderr, "usage: assay grades [--assessment ID] [--response N] [--rater R] "
                        "[--limit 1..200] [--cursor C] [--all]\n");
        return EXIT_USAGE;
    }
    char *end;
    if (args.response && (strtoull(args.response, &end, 10) == 0 || *end)) {
        fprintf(stderr, "assay grades: --response: expected a response id, got \"%s\"\n",
                args.response);
        return EXIT_USAGE;
    }
    cli_pager_t pager = {
        .method = "grade.list",
        .rows_key = "grades",
        .none = "no grades",
        .header = "  RESPONSE  ITEM         RATER                 SCORE REVISION  COMMENT",
        .print_row = s_grade_row,
        .n_params = !!args.assessment + !!args.response + !!args.rater,
        .pack_params = s_pack_grades_params,
        .arg = &args,
    };
    return cli_page(cli, &pager, limit, cursor, all);
}

/* "response 7 item essay for ana (0 to 4 in steps of 1, leased until ...): <answer as JSON>",
 * then the rubric, a line per point; or that nothing is left. */
static void s_print_next(const msgpack_object *o, const char *const *ctx)
{
    (void)ctx;
    if (o->type == MSGPACK_OBJECT_NIL) {
        printf("nothing left to grade for %s\n", ctx[0]);
        return;
    }
    const msgpack_object *item = assay_map_get(o, "item"), *rater = assay_map_get(o, "rater"),
                         *rubric = assay_map_get(o, "rubric");
    printf("response %g item %.*s for %.*s (0 to %g in steps of %g): ", cli_get_num(o, "response"),
           CLI_STR(item), CLI_STR(rater), cli_get_num(o, "max"), cli_get_num(o, "step"));
    cli_print_json(assay_map_get(o, "answer")); /* (ends the line) */
    for (uint32_t i = 0;
         rubric && rubric->type == MSGPACK_OBJECT_ARRAY && i < rubric->via.array.size; i++) {
        const msgpack_object *p = &rubric->via.array.ptr[i], *label = assay_map_get(p, "label"),
                             *desc = assay_map_get(p, "description");
        printf("  %g  %.*s", cli_get_num(p, "score"), CLI_STR(label));
        if (desc && desc->type == MSGPACK_OBJECT_STR) printf(": %.*s", CLI_STR(desc));
        printf("\n");
    }
}

int cmd_grade_next(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"item", required_argument, 0, 'i'}, {"lease", required_argument, 0, 'l'}, {0, 0, 0, 0}};
    const char *item = NULL;
    long lease = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        if (c == 'i') {
            item = optarg;
        } else if (c == 'l') {
            lease = strtol(optarg, &end, 10);
            if (*end || lease < 1 || lease > 3600) {
                fprintf(stderr, "assay grade-next: --lease: expected 1..3600 seconds, got \"%s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
        } else {
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        fprintf(stderr, "usage: assay grade-next ID RATER [--item ITEM] [--lease SECONDS]\n");
        return EXIT_USAGE;
    }
    msgpack_sbuffer_clear(&cli->sb);
    msgpack_pack_map(&cli->pk, 2 + (item ? 1 : 0) + (lease ? 1 : 0));
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, argv[optind]);
    as_pack_cstr(&cli->pk, "rater");
    as_pack_cstr(&cli->pk, argv[optind + 1]);
    if (item) {
        as_pack_cstr(&cli->pk, "item");
        as_pack_cstr(&cli->pk, item);
    }
    if (lease) {
        as_pack_cstr(&cli->pk, "lease");
        msgpack_pack_int64(&cli->pk, lease);
    }
    const char *ctx[1] = {argv[optind + 1]};
    return cli_run(cli, "grade.next", s_print_next, ctx);
}
