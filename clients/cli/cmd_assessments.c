/* cmd_assessments.c — the assessment commands: put, get, list, delete, score, batch, report. */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void s_print_put(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *id = assay_map_get(o, "id");
    char m[32];
    printf("stored %.*s version %g: %g items, max score %s\n", CLI_STR(id),
           cli_get_num(o, "version"), cli_get_num(o, "items"),
           cli_gnum(o, "max_score", m, sizeof m));
}

int cmd_put(cli_t *cli, int argc, char **argv)
{
    json_t *j;
    int rc =
        cli_read_json(cli, argv[0], JSON_OBJECT, "a JSON object (an assessment definition)", &j);
    if (rc) return rc;
    as_json_pack(&cli->pk, j);
    json_decref(j);
    return cli_run(cli, "assessment.put", s_print_put, NULL);
}

static void s_print_definition(const msgpack_object *o, const char *const *ctx)
{
    cli_print_json(o); /* the definition is JSON-shaped either way */
}

int cmd_get(cli_t *cli, int argc, char **argv)
{
    cli_params_str(cli, 1, "id", argv[0]);
    return cli_run(cli, "assessment.get", s_print_definition, NULL);
}

static void s_assessment_row(const msgpack_object *a)
{
    const msgpack_object *id = assay_map_get(a, "id"), *title = assay_map_get(a, "title");
    char m[32];
    printf("%-24.*s %7g %6g %10s  %.*s\n", CLI_STR(id), cli_get_num(a, "version"),
           cli_get_num(a, "items"), cli_gnum(a, "max_score", m, sizeof m), CLI_STR(title));
}

int cmd_list(cli_t *cli, int argc, char **argv)
{
    static const cli_pager_t pager = {
        .method = "assessment.list",
        .rows_key = "assessments",
        .none = "no assessments",
        .header = "ID                       VERSION  ITEMS  MAX SCORE  TITLE",
        .print_row = s_assessment_row,
    };
    return cli_list_command(cli, argc, argv, "list", &pager);
}

static void s_print_deleted(const msgpack_object *o, const char *const *ctx)
{
    printf("deleted %s\n", ctx[0]);
}

int cmd_delete(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"force", no_argument, 0, 'f'}, {0, 0, 0, 0}};
    bool force = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'f')
            force = true;
        else
            return EXIT_USAGE;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: assay delete ID [--force]\n");
        return EXIT_USAGE;
    }
    msgpack_pack_map(&cli->pk, force ? 2 : 1);
    as_pack_cstr(&cli->pk, "id");
    as_pack_cstr(&cli->pk, argv[optind]);
    if (force) {
        as_pack_cstr(&cli->pk, "force");
        msgpack_pack_true(&cli->pk);
    }
    const char *ctx[] = {argv[optind]};
    return cli_run(cli, "assessment.delete", s_print_deleted, ctx);
}

/* Outcomes as ID=value (values in JSON), unless SCORE alone (the score says it). */
static void s_print_outcomes(const msgpack_object *out)
{
    if (!out || out->type != MSGPACK_OBJECT_MAP) return;
    const msgpack_object_kv *kv = out->via.map.ptr;
    if (out->via.map.size == 1 && kv[0].key.type == MSGPACK_OBJECT_STR &&
        kv[0].key.via.str.size == 5 && memcmp(kv[0].key.via.str.ptr, "SCORE", 5) == 0)
        return;
    for (uint32_t k = 0; k < out->via.map.size; k++) {
        printf("%s%.*s=", k ? " " : "   ",
               kv[k].key.type == MSGPACK_OBJECT_STR ? (int)kv[k].key.via.str.size : 0,
               kv[k].key.via.str.ptr);
        cli_print_compact(&kv[k].val);
    }
}

/* Each item's score, max score and outcomes, one line each (score's detail, response.get). */
void cli_print_items(const msgpack_object *items)
{
    char m[32];
    for (uint32_t i = 0; items && items->type == MSGPACK_OBJECT_ARRAY && i < items->via.array.size;
         i++) {
        const msgpack_object *it = &items->via.array.ptr[i], *iid = assay_map_get(it, "id");
        const msgpack_object *sc = assay_map_get(it, "score");
        if (!sc || sc->type == MSGPACK_OBJECT_NIL) /* not scorable: scored by no rule */
            printf("  %-20.*s - (not scorable)", CLI_STR(iid));
        else
            printf("  %-20.*s %g / %s", CLI_STR(iid), cli_get_num(it, "score"),
                   cli_gnum(it, "max_score", m, sizeof m));
        s_print_outcomes(assay_map_get(it, "outcomes"));
        printf("\n");
    }
}

static void s_print_score(const msgpack_object *o, const char *const *ctx)
{
    printf("%s v%g: ", ctx[0], cli_get_num(o, "version"));
    cli_print_result(o);
    printf("\n");
    const msgpack_object *outcomes = assay_map_get(o, "outcomes");
    if (outcomes) {
        printf("  %-20s", "(assessment)");
        s_print_outcomes(outcomes);
        printf("\n");
    }
    cli_print_items(assay_map_get(o, "items"));
}

int cmd_score(cli_t *cli, int argc, char **argv)
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
    int rc = cli_read_json(cli, file, -1, NULL, &answers);
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
    return cli_run(cli, "score", s_print_score, ctx);
}

static void s_print_batch(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *st = assay_map_get(o, "stats");
    char m[32];
    printf("%s v%g: %g responses, max score %s: mean %g, min %g, max %g\n", ctx[0],
           cli_get_num(o, "version"), cli_get_num(st, "n"), cli_gnum(o, "max_score", m, sizeof m),
           cli_get_num(st, "mean"), cli_get_num(st, "min"), cli_get_num(st, "max"));
}

int cmd_batch(cli_t *cli, int argc, char **argv)
{
    json_t *responses;
    int rc = cli_read_json(cli, argv[1], JSON_ARRAY, "a JSON array of answer objects", &responses);
    if (rc) return rc;
    msgpack_pack_map(&cli->pk, 2);
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, argv[0]);
    as_pack_cstr(&cli->pk, "responses");
    as_json_pack(&cli->pk, responses);
    json_decref(responses);
    return cli_run(cli, "score_batch", s_print_batch, (const char *const *)argv);
}

static void s_print_report(const msgpack_object *o, const char *const *ctx)
{
    char m[32];
    printf("%s v%g: %g learner(s) (latest attempts), max score %s\n", ctx[0],
           cli_get_num(o, "version"), cli_get_num(o, "n"), cli_gnum(o, "max_score", m, sizeof m));
    const msgpack_object *rb = assay_map_get(o, "rebuilding");
    if (rb && rb->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        printf("  (partial: regrade job %llu is rebuilding these figures; see assay job %llu)\n",
               (unsigned long long)rb->via.u64, (unsigned long long)rb->via.u64);
    static const char *const keys[] = {"mean", "sd", "min", "max", "alpha"};
    for (int i = 0; i < 5; i++) {
        printf("  %-6s ", keys[i]);
        cli_print_num(assay_map_get(o, keys[i]), 10, 4);
        printf("\n");
    }
    const msgpack_object *h = assay_map_get(o, "histogram");
    uint64_t top = 1;
    for (uint32_t b = 0; h && b < h->via.array.size; b++)
        if (cli_get_num(&h->via.array.ptr[b], "count") > (double)top)
            top = (uint64_t)cli_get_num(&h->via.array.ptr[b], "count");
    printf("\n  score distribution\n");
    for (uint32_t b = 0; h && b < h->via.array.size; b++) {
        const msgpack_object *bin = &h->via.array.ptr[b];
        double count = cli_get_num(bin, "count");
        int bar = (int)(40.0 * count / (double)top + 0.5);
        printf("  %7.2f - %-7.2f %8g ", cli_get_num(bin, "from"), cli_get_num(bin, "to"), count);
        for (int i = 0; i < bar; i++)
            printf("#");
        printf("\n");
    }
    printf("\n  %-20s %10s %10s %15s %10s\n", "ITEM", "MEAN", "P-VALUE", "DISCRIMINATION",
           "OMITTED");
    const msgpack_object *items = assay_map_get(o, "items");
    for (uint32_t i = 0; items && i < items->via.array.size; i++) {
        const msgpack_object *it = &items->via.array.ptr[i], *id = assay_map_get(it, "id");
        printf("  %-20.*s ", CLI_STR(id));
        cli_print_num(assay_map_get(it, "mean"), 10, 3);
        printf(" ");
        cli_print_num(assay_map_get(it, "p_value"), 10, 3);
        printf(" ");
        cli_print_num(assay_map_get(it, "discrimination"), 15, 3);
        printf(" ");
        cli_print_num(assay_map_get(it, "omitted_rate"), 10, 3);
        printf("\n");
    }
}

int cmd_report(cli_t *cli, int argc, char **argv)
{
    cli_params_str(cli, 1, "assessment", argv[0]);
    return cli_run(cli, "assessment.report", s_print_report, (const char *const *)argv);
}
