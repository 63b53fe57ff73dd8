/* fuzz_score.c — libFuzzer: scoring untrusted answers maps against compiled tables: the example
 * assessment (every rule: match_correct, map_response, map_response_point, match_numeric, all
 * cardinalities), strictly (as submissions are) and leniently (as a regrade scores stored answers). */
#include "jsonmp.h"
#include "protocol.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static as_table_t s_t;
static as_scorer_t *s_scorer;
static double *s_items;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *path = getenv("ASSAY_FUZZ_DEFINITION");
    json_error_t e;
    json_t *j = json_load_file(path ? path : "examples/quiz.json", 0, &e);
    if (!j) {
        fprintf(stderr, "fuzz_score: cannot read the definition (ASSAY_FUZZ_DEFINITION): %s\n",
                e.text);
        exit(2);
    }
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    as_json_pack(&pk, j);
    json_decref(j);
    as_compiled_t c;
    as_err_t err;
    if (as_table_compile((const uint8_t *)sb.data, sb.size, &c, &err) ||
        as_table_open(c.blob, c.size, &s_t, &err)) {
        fprintf(stderr, "fuzz_score: %s\n", err.msg);
        exit(2);
    }
    msgpack_sbuffer_destroy(&sb);
    s_scorer = as_scorer_new();
    s_items = calloc(AS_MAX_ITEMS, sizeof *s_items);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_mp_t r;
    as_path_t path;
    as_err_t err;
    double total, again;
    as_mp_init(&r, data, size);
    as_path_init(&path, "answers");
    as_code_t strict = as_score_answers(s_scorer, &s_t, &r, &path, &total, s_items, &err);
    if (strict == AS_OK) {
        double sum = 0;
        for (uint32_t i = 0; i < s_t.hdr.n_items; i++)
            sum += s_items[i];
        if (sum != total) abort(); /* the items add up to the total */
    }
    as_mp_init(&r, data, size);
    if (as_score_stored(s_scorer, &s_t, &r, &again, s_items) == AS_OK && strict == AS_OK &&
        again != total)
        abort(); /* lenient scoring agrees wherever strict scoring accepts */
    return 0;
}
