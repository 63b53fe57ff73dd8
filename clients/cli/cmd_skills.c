/* cmd_skills.c — knowledge tracing: skill-put, skill, skills, skill-delete, mastery,
 * mastery-distribution, recompute, and replay (a real answer stream through the engine, replay.c).
 */
#include "cli.h"

#include "replay.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void s_print_skill(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *id = assay_map_get(o, "id"), *rc = assay_map_get(o, "recomputing");
    printf("skill %.*s: prior %g, learn %g, forget %g, guess %g, slip %g; mastered at %g%s\n",
           CLI_STR(id), cli_get_num(o, "prior"), cli_get_num(o, "learn"), cli_get_num(o, "forget"),
           cli_get_num(o, "guess"), cli_get_num(o, "slip"), cli_get_num(o, "mastery_threshold"),
           rc && rc->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? " (being recomputed)" : "");
}

int cmd_skill_put(cli_t *cli, int argc, char **argv)
{
    json_t *j;
    int rc = cli_read_json(cli, argv[0], JSON_OBJECT, "a JSON object (a skill)", &j);
    if (rc) return rc;
    as_json_pack(&cli->pk, j);
    json_decref(j);
    return cli_run(cli, "skill.put", s_print_skill, NULL);
}

int cmd_skill(cli_t *cli, int argc, char **argv)
{
    cli_params_str(cli, 1, "id", argv[0]);
    return cli_run(cli, "skill.get", s_print_skill, NULL);
}

static void s_skill_row(const msgpack_object *x)
{
    const msgpack_object *id = assay_map_get(x, "id");
    printf("%-24.*s %6g %6g %6g %6g %6g %9g\n", CLI_STR(id), cli_get_num(x, "prior"),
           cli_get_num(x, "learn"), cli_get_num(x, "forget"), cli_get_num(x, "guess"),
           cli_get_num(x, "slip"), cli_get_num(x, "mastery_threshold"));
}

int cmd_skills(cli_t *cli, int argc, char **argv)
{
    static const cli_pager_t pager = {
        .method = "skill.list",
        .rows_key = "skills",
        .none = "no skills",
        .header = "SKILL                     PRIOR  LEARN FORGET  GUESS   SLIP THRESHOLD",
        .print_row = s_skill_row,
    };
    return cli_list_command(cli, argc, argv, "skills", &pager);
}

static void s_print_deleted_skill(const msgpack_object *o, const char *const *ctx)
{
    printf("deleted skill %s\n", ctx[0]);
}

int cmd_skill_delete(cli_t *cli, int argc, char **argv)
{
    cli_params_str(cli, 1, "id", argv[0]);
    return cli_run(cli, "skill.delete", s_print_deleted_skill, (const char *const *)argv);
}

static void s_print_mastery(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *l = assay_map_get(o, "learner"), *sk = assay_map_get(o, "skills");
    if (!sk || sk->type != MSGPACK_OBJECT_MAP || sk->via.map.size == 0) {
        printf("%.*s has no mastery states yet\n", CLI_STR(l));
        return;
    }
    printf("SKILL                     P(MASTERY)  P(CORRECT NEXT)  OPPORTUNITIES  MASTERED\n");
    for (uint32_t i = 0; i < sk->via.map.size; i++) {
        const msgpack_object_kv *kv = &sk->via.map.ptr[i];
        const msgpack_object *m = assay_map_get(&kv->val, "mastered"), *name = &kv->key;
        printf("%-24.*s %11.4f %16.4f %14g  %s\n", CLI_STR(name),
               cli_get_num(&kv->val, "p_mastery"), cli_get_num(&kv->val, "p_correct_next"),
               cli_get_num(&kv->val, "opportunities"), m && m->via.boolean ? "yes" : "no");
    }
}

static void s_print_model_view(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *l = assay_map_get(o, "learner"), *m = assay_map_get(o, "model");
    const msgpack_object *cs = assay_map_get(o, "concepts");
    printf("%.*s under model %.*s (version %g) after %g answer(s)\n", CLI_STR(l), CLI_STR(m),
           cli_get_num(o, "version"), cli_get_num(o, "steps"));
    printf("CONCEPT                   P(CORRECT NEXT)\n");
    for (uint32_t i = 0; cs && cs->type == MSGPACK_OBJECT_MAP && i < cs->via.map.size; i++) {
        const msgpack_object *name = &cs->via.map.ptr[i].key;
        printf("%-24.*s %16.4f\n", CLI_STR(name), cli_num(&cs->via.map.ptr[i].val));
    }
}

int cmd_mastery(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'}, {0, 0, 0, 0}};
    const char *model = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'm') return EXIT_USAGE;
        model = optarg;
    }
    int n = argc - optind;
    if (n < 1 || n > 2 || (model && n != 1)) {
        fprintf(stderr, "usage: assay mastery LEARNER [SKILL] | LEARNER --model ID\n");
        return EXIT_USAGE;
    }
    if (model) {
        cli_params_str(cli, 2, "learner", argv[optind], "model", model);
        return cli_run(cli, "mastery.get", s_print_model_view, NULL);
    }
    if (n == 2)
        cli_params_str(cli, 2, "learner", argv[optind], "skill", argv[optind + 1]);
    else
        cli_params_str(cli, 1, "learner", argv[optind]);
    return cli_run(cli, "mastery.get", s_print_mastery, NULL);
}

/* A row per skill: learners with a state, how many are mastered, the mean, and the ten bins of
 * the histogram as counts. */
static void s_print_distribution(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *sk = assay_map_get(o, "skills");
    printf("SKILL                    LEARNERS MASTERED   MEAN  HISTOGRAM (p_mastery 0-0.1 ... "
           "0.9-1)\n");
    for (uint32_t i = 0; sk && sk->type == MSGPACK_OBJECT_MAP && i < sk->via.map.size; i++) {
        const msgpack_object *name = &sk->via.map.ptr[i].key, *d = &sk->via.map.ptr[i].val;
        const msgpack_object *mean = assay_map_get(d, "mean"), *h = assay_map_get(d, "histogram");
        printf("%-24.*s %8g %8g ", CLI_STR(name), cli_get_num(d, "learners"),
               cli_get_num(d, "mastered"));
        if (mean && mean->type != MSGPACK_OBJECT_NIL)
            printf("%6.3f ", cli_num(mean));
        else
            printf("%6s ", "-");
        for (uint32_t b = 0; h && h->type == MSGPACK_OBJECT_ARRAY && b < h->via.array.size; b++)
            printf(" %g", cli_num(&h->via.array.ptr[b]));
        printf("\n");
    }
}

int cmd_mastery_distribution(cli_t *cli, int argc, char **argv)
{
    if (argc == 1) cli_params_str(cli, 1, "skill", argv[0]);
    return cli_run(cli, "mastery.distribution", s_print_distribution, NULL);
}

int cmd_recompute(cli_t *cli, int argc, char **argv)
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
    cli_params_str(cli, 1, "skill", argv[optind]);
    if (!wait) return cli_run(cli, "skill.recompute", cli_print_job, NULL);
    assay_reply_t *r;
    int rc = cli_call(cli, "skill.recompute", &r);
    if (rc) return rc;
    double id = cli_get_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    return cli_job_wait(cli, id);
}

int cmd_fit(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"forgets", no_argument, 0, 'f'},
                                         {"restarts", required_argument, 0, 'r'},
                                         {"seed", required_argument, 0, 's'},
                                         {"no-bounds", no_argument, 0, 'n'},
                                         {"apply", no_argument, 0, 'a'},
                                         {"wait", no_argument, 0, 'w'},
                                         {0, 0, 0, 0}};
    bool forgets = false, no_bounds = false, apply = false, wait = false;
    long restarts = 0;
    unsigned long long seed = 0;
    bool seeded = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'f':
            forgets = true;
            break;
        case 'r':
            restarts = strtol(optarg, &end, 10);
            if (*end || restarts < 1 || restarts > 100) {
                fprintf(stderr, "assay fit: --restarts: expected 1..100\n");
                return EXIT_USAGE;
            }
            break;
        case 's':
            seed = strtoull(optarg, &end, 10);
            if (*end || !*optarg) {
                fprintf(stderr, "assay fit: --seed: expected a whole number\n");
                return EXIT_USAGE;
            }
            seeded = true;
            break;
        case 'n':
            no_bounds = true;
            break;
        case 'a':
            apply = true;
            break;
        case 'w':
            wait = true;
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        fprintf(stderr, "usage: assay fit [SKILL] [--forgets] [--restarts N] [--seed N] "
                        "[--no-bounds] [--apply] [--wait]\n");
        return EXIT_USAGE;
    }
    msgpack_pack_map(&cli->pk, 2 + (argc - optind) + (restarts ? 1 : 0) + (seeded ? 1 : 0) +
                                   (no_bounds ? 1 : 0));
    if (argc - optind == 1) {
        as_pack_cstr(&cli->pk, "skill");
        as_pack_cstr(&cli->pk, argv[optind]);
    }
    as_pack_cstr(&cli->pk, "forgets");
    forgets ? msgpack_pack_true(&cli->pk) : msgpack_pack_false(&cli->pk);
    as_pack_cstr(&cli->pk, "apply");
    apply ? msgpack_pack_true(&cli->pk) : msgpack_pack_false(&cli->pk);
    if (restarts) {
        as_pack_cstr(&cli->pk, "restarts");
        msgpack_pack_uint32(&cli->pk, (uint32_t)restarts);
    }
    if (seeded) {
        as_pack_cstr(&cli->pk, "seed");
        msgpack_pack_uint64(&cli->pk, seed);
    }
    if (no_bounds) {
        as_pack_cstr(&cli->pk, "bounds");
        msgpack_pack_nil(&cli->pk);
    }
    if (!wait) return cli_run(cli, "skill.fit", cli_print_job, NULL);
    assay_reply_t *r;
    int rc = cli_call(cli, "skill.fit", &r);
    if (rc) return rc;
    double id = cli_get_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    return cli_job_wait(cli, id);
}

typedef struct {
    cli_t *cli;
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

int cmd_replay(cli_t *cli, int argc, char **argv)
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
    int rc = cli_connect(cli);
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
        char *t = as_json_dumps(ctx.rows, JSON_INDENT(2));
        printf("%s\n", t);
        free(t);
    }
    json_decref(ctx.rows);
    as_replay_free(&rp);
    return rc;
}
