/* cmd_models.c — deep knowledge tracing models: model-put, model, models, model-delete,
 * model-recompute; and cli_model_put, which kt-eval shares. */
#include "cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The number of concepts of a safetensors file of the kind: from the header, the length of
 * out_layer.bias (DKT) or the rows of k_emb_layer.weight (DKVMN); 0 when it cannot tell (the
 * engine then says what is wrong with the file). */
static uint32_t s_concepts_of(const uint8_t *w, size_t len, const char *kind)
{
    if (len < 8) return 0;
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = hl << 8 | w[i];
    if (hl > len - 8) return 0;
    json_t *h = json_loadb((const char *)w + 8, (size_t)hl, 0, NULL);
    const char *name = strcmp(kind, "dkt") ? "k_emb_layer.weight" : "out_layer.bias";
    json_t *shape = json_object_get(json_object_get(h, name), "shape");
    json_int_t c = json_integer_value(json_array_get(shape, 0));
    json_decref(h);
    return c > 0 && c <= 1000000 ? (uint32_t)c : 0;
}

/* Packs the concepts: from a JSON array file, else PREFIX0 .. PREFIX(C-1). */
static int s_pack_concepts(cli_t *cli, const char *file, const char *prefix, uint32_t c)
{
    as_pack_cstr(&cli->pk, "concepts");
    if (file) {
        json_t *j;
        int rc = cli_read_json(cli, file, JSON_ARRAY, "a JSON array of skill ids", &j);
        if (rc) return rc;
        as_json_pack(&cli->pk, j);
        json_decref(j);
        return 0;
    }
    msgpack_pack_array(&cli->pk, c);
    for (uint32_t i = 0; i < c; i++) {
        char name[160];
        snprintf(name, sizeof name, "%s%u", prefix, i);
        as_pack_cstr(&cli->pk, name);
    }
    return 0;
}

int cli_model_put(cli_t *cli, const cli_model_t *m, assay_reply_t **reply)
{
    uint8_t *w;
    size_t len;
    int rc = cli_slurp(m->path, &w, &len);
    if (rc) return rc;
    if (strcmp(m->kind, "dkt") && strcmp(m->kind, "dkvmn")) {
        fprintf(stderr, "assay: --kind: expected dkt or dkvmn, got \"%s\"\n", m->kind);
        free(w);
        return EXIT_USAGE;
    }
    uint32_t c = m->concepts ? 0 : s_concepts_of(w, len, m->kind);
    if (!m->concepts && !c) {
        fprintf(stderr,
                "assay: %s: cannot read the number of concepts from its header (a %s "
                "safetensors file?): give --concepts FILE\n",
                m->path, m->kind);
        free(w);
        return EXIT_USAGE;
    }
    msgpack_sbuffer_clear(&cli->sb);
    msgpack_pack_map(&cli->pk, 4 + (m->title ? 1 : 0) + (m->max_learners ? 1 : 0));
    as_pack_cstr(&cli->pk, "id");
    as_pack_cstr(&cli->pk, m->id);
    as_pack_cstr(&cli->pk, "kind");
    as_pack_cstr(&cli->pk, m->kind);
    as_pack_cstr(&cli->pk, "weights");
    msgpack_pack_bin(&cli->pk, len);
    msgpack_pack_bin_body(&cli->pk, w, len);
    free(w);
    if ((rc = s_pack_concepts(cli, m->concepts, m->prefix ? m->prefix : "skill-", c))) return rc;
    if (m->title) {
        as_pack_cstr(&cli->pk, "title");
        as_pack_cstr(&cli->pk, m->title);
    }
    if (m->max_learners) {
        as_pack_cstr(&cli->pk, "max_learners");
        msgpack_pack_uint64(&cli->pk, m->max_learners);
    }
    return cli_call(cli, "model.put", reply);
}

static void s_print_put(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *id = assay_map_get(o, "id"), *kind = assay_map_get(o, "kind");
    printf("stored model %.*s version %g (%.*s, %g concepts)\n", CLI_STR(id),
           cli_get_num(o, "version"), CLI_STR(kind), cli_get_num(o, "concepts"));
}

int cmd_model_put(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"kind", required_argument, 0, 'k'},
                                         {"concepts", required_argument, 0, 'c'},
                                         {"concepts-prefix", required_argument, 0, 'p'},
                                         {"title", required_argument, 0, 't'},
                                         {"max-learners", required_argument, 0, 'm'},
                                         {0, 0, 0, 0}};
    cli_model_t m = {0};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'k':
            m.kind = optarg;
            break;
        case 'c':
            m.concepts = optarg;
            break;
        case 'p':
            m.prefix = optarg;
            break;
        case 't':
            m.title = optarg;
            break;
        case 'm':
            m.max_learners = strtoull(optarg, &end, 10);
            if (*end || !m.max_learners) {
                fprintf(stderr, "assay model-put: --max-learners: expected a positive count\n");
                return EXIT_USAGE;
            }
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2 || !m.kind) {
        fprintf(stderr, "usage: assay model-put ID FILE --kind dkt|dkvmn [--concepts FILE | "
                        "--concepts-prefix PREFIX] [--title T] [--max-learners N]\n");
        return EXIT_USAGE;
    }
    m.id = argv[optind];
    m.path = argv[optind + 1];
    assay_reply_t *r;
    int rc = cli_model_put(cli, &m, &r);
    if (rc) return rc;
    if (cli->json)
        cli_print_json(assay_reply_result(r));
    else
        s_print_put(assay_reply_result(r), NULL);
    assay_reply_free(&r);
    return 0;
}

static void s_print_model(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *id = assay_map_get(o, "id"), *kind = assay_map_get(o, "kind");
    const msgpack_object *title = assay_map_get(o, "title"), *sz = assay_map_get(o, "sizes");
    const msgpack_object *rc = assay_map_get(o, "recomputing");
    bool dkt = kind && kind->via.str.size == 3;
    printf("model %.*s version %g: %.*s", CLI_STR(id), cli_get_num(o, "version"), CLI_STR(kind));
    if (title) printf(", %.*s", CLI_STR(title));
    printf("\n");
    printf("sizes: C %g, %s %g, %s %g; a learner's state %g bytes\n", cli_get_num(sz, "C"),
           dkt ? "H" : "D", cli_get_num(sz, dkt ? "H" : "D"), dkt ? "E" : "M",
           cli_get_num(sz, dkt ? "E" : "M"), cli_get_num(o, "state_bytes"));
    double max = cli_get_num(o, "max_learners");
    printf("learners: %g", cli_get_num(o, "learners"));
    if (!isnan(max)) printf(" of at most %g (%g refused)", max, cli_get_num(o, "refused"));
    printf("\n");
    if (rc && rc->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        printf("being recomputed by job %llu\n", (unsigned long long)rc->via.u64);
}

int cmd_model(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"weights", required_argument, 0, 'w'}, {0, 0, 0, 0}};
    const char *out = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'w') return EXIT_USAGE;
        out = optarg;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: assay model ID [--weights FILE]\n");
        return EXIT_USAGE;
    }
    if (!out) {
        cli_params_str(cli, 1, "id", argv[optind]);
        return cli_run(cli, "model.get", s_print_model, NULL);
    }
    msgpack_pack_map(&cli->pk, 2);
    as_pack_cstr(&cli->pk, "id");
    as_pack_cstr(&cli->pk, argv[optind]);
    as_pack_cstr(&cli->pk, "weights");
    msgpack_pack_true(&cli->pk);
    assay_reply_t *r;
    int rc = cli_call(cli, "model.get", &r);
    if (rc) return rc;
    const msgpack_object *w = assay_map_get(assay_reply_result(r), "weights");
    FILE *f = fopen(out, "wb");
    if (!f || !w || w->type != MSGPACK_OBJECT_BIN ||
        fwrite(w->via.bin.ptr, 1, w->via.bin.size, f) != w->via.bin.size) {
        fprintf(stderr, "assay model: cannot write %s\n", out);
        rc = EXIT_USAGE;
    } else {
        printf("wrote %s (%u bytes, safetensors)\n", out, w->via.bin.size);
    }
    if (f) fclose(f);
    assay_reply_free(&r);
    return rc;
}

static void s_model_row(const msgpack_object *x)
{
    const msgpack_object *id = assay_map_get(x, "id"), *kind = assay_map_get(x, "kind");
    printf("%-24.*s %8g %-6.*s %9g %12g\n", CLI_STR(id), cli_get_num(x, "version"), CLI_STR(kind),
           cli_get_num(x, "concepts"), cli_get_num(x, "learners"));
}

int cmd_models(cli_t *cli, int argc, char **argv)
{
    static const cli_pager_t pager = {
        .method = "model.list",
        .rows_key = "models",
        .none = "no models",
        .header = "MODEL                     VERSION KIND    CONCEPTS     LEARNERS",
        .print_row = s_model_row,
    };
    return cli_list_command(cli, argc, argv, "models", &pager);
}

static void s_print_deleted(const msgpack_object *o, const char *const *ctx)
{
    printf("deleted model %s and every learner's state of it\n", ctx[0]);
}

int cmd_model_delete(cli_t *cli, int argc, char **argv)
{
    cli_params_str(cli, 1, "id", argv[0]);
    return cli_run(cli, "model.delete", s_print_deleted, (const char *const *)argv);
}

int cmd_model_recompute(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"wait", no_argument, 0, 'w'}, {0, 0, 0, 0}};
    bool wait = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c != 'w') return EXIT_USAGE;
        wait = true;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: assay model-recompute ID [--wait]\n");
        return EXIT_USAGE;
    }
    cli_params_str(cli, 1, "id", argv[optind]);
    if (!wait) return cli_run(cli, "model.recompute", cli_print_job, NULL);
    assay_reply_t *r;
    int rc = cli_call(cli, "model.recompute", &r);
    if (rc) return rc;
    double id = cli_get_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    return cli_job_wait(cli, id);
}
