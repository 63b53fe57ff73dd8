/* fuzz_program.c — libFuzzer: response processing programs, compiled and run, against the
 * reference walk of the same tree. The input is msgpack [definition, answers] (or a definition
 * alone, scored with no answers). A definition that compiles must score without error or report;
 * each program item, run compiled and walked as written, must give the same score and the same
 * outcome values. */
#include "protocol.h"
#include "table.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static as_scorer_t *s_sc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_sc) s_sc = as_scorer_new();
    as_mp_t r, def, answers;
    static const uint8_t empty_map = 0x80;
    as_mp_init(&r, data, size);
    as_mp_init(&answers, &empty_map, 1);
    uint32_t n;
    if (as_mp_peek(&r) == AS_MP_ARRAY && as_mp_array(&r, &n) == AS_MP_OK && n == 2) {
        def = r;
        if (as_mp_skip(&r, AS_MAX_DEPTH) != AS_MP_OK) return 0;
        answers = r;
        if (as_mp_skip(&r, AS_MAX_DEPTH) != AS_MP_OK) return 0;
    } else {
        def = r;
    }
    as_mp_t end = def;
    if (as_mp_skip(&end, AS_MAX_DEPTH) != AS_MP_OK) return 0;
    as_compiled_t c;
    as_err_t err;
    if (as_table_compile(def.p, (size_t)(end.p - def.p), &c, &err) != AS_OK) return 0;
    as_table_t t;
    if (as_table_open(c.blob, c.size, &t, &err) != AS_OK) abort(); /* its own output */
    double total;
    as_path_t path;
    as_path_init(&path, "answers");
    as_mp_t a = answers;
    as_code_t rc = as_score_answers(s_sc, &t, &a, &path, &total, NULL, &err);
    if (rc != AS_OK && rc != AS_BAD_REQUEST) abort();
    if (rc == AS_OK && !isfinite(total)) abort();
    char why[200];
    if (as_prog_check(s_sc, &t, def, answers, why, sizeof why) > 0) abort(); /* they differ */
    free(c.blob);
    return 0;
}
