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

/* A cursor at field `name` of the map at r, or false. */
static bool s_field(as_mp_t r, const char *name, as_mp_t *at)
{
    uint32_t n;
    if (as_mp_map(&r, &n) != AS_MP_OK) return false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (as_mp_str(&r, &k, &kl) != AS_MP_OK) return false;
        if (as_str_eq(k, kl, name)) {
            *at = r;
            return true;
        }
        if (as_mp_skip(&r, AS_MAX_DEPTH) != AS_MP_OK) return false;
    }
    return false;
}

static void s_check(const as_table_t *t, as_mp_t def, as_mp_t answers)
{
    as_mp_t items;
    uint32_t n;
    if (!s_field(def, "items", &items) || as_mp_array(&items, &n) != AS_MP_OK) abort();
    for (uint32_t i = 0; i < n && i < t->hdr.n_items; i++) {
        as_mp_t item = items, prog;
        as_mp_skip(&items, AS_MAX_DEPTH);
        as_titem_t it;
        as_table_item(t, i, &it);
        if (it.rule != AS_RULE_PROGRAM || !s_field(item, "response_processing", &prog)) continue;
        msgpack_sbuffer x, y;
        msgpack_sbuffer_init(&x);
        msgpack_sbuffer_init(&y);
        msgpack_packer px, py;
        msgpack_packer_init(&px, &x, msgpack_sbuffer_write);
        msgpack_packer_init(&py, &y, msgpack_sbuffer_write);
        double walked = 0;
        as_score_load_item(s_sc, t, i, answers);
        int rc = as_prog_walk(s_sc, t, i, prog, &walked, &py);
        as_score_load_item(s_sc, t, i, answers);
        double compiled = as_score_run_item(s_sc, t, i, &px);
        if (rc == 0) {
            bool same = compiled == walked || (isnan(compiled) && isnan(walked));
            if (!same || x.size != y.size || memcmp(x.data, y.data, x.size) != 0) abort();
        }
        msgpack_sbuffer_destroy(&x);
        msgpack_sbuffer_destroy(&y);
    }
}

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
    s_check(&t, def, answers);
    free(c.blob);
    return 0;
}
