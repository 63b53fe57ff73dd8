/* fuzz_compile.c — libFuzzer: the assessment definition compiler on untrusted definitions (the
 * params of assessment.put, as msgpack). A compiled blob must open, and every item read back. */
#include "table.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_compiled_t c;
    as_err_t err;
    if (as_table_compile(data, size, &c, &err) != AS_OK) return 0;
    as_table_t t;
    if (as_table_open(c.blob, c.size, &t, &err) != AS_OK) abort(); /* its own output */
    for (uint32_t i = 0; i < t.hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(&t, i, &it);
        uint32_t len;
        for (uint32_t j = 0; j < it.n_skills; j++)
            (void)as_table_skill(&t, &it, j, &len);
        if (as_table_find(&t, as_table_str(&t, it.id_off), it.id_len) != (int32_t)i) abort();
        if ((it.flags & AS_TF_GRADED) &&
            (it.graded_points < 2 || it.graded_points > AS_GRADED_MAX_POINTS ||
             (size_t)it.rubric_off + it.rubric_len > t.size))
            abort(); /* a graded item's scale and rubric as compiled */
    }
    free(c.blob);
    return 0;
}
