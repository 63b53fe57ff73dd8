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
