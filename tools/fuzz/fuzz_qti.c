/* fuzz_qti.c — libFuzzer: the QTI converter (engine/qti) on untrusted uploads: XML files and
 * zips (the first byte picks which: a zip is fuzzed as a package of the remaining bytes' files).
 * It must convert or refuse with a message, never crash or leak; what converts must be a msgpack
 * array of entries, each with a definition the compiler either takes or refuses, and each file
 * refused in a package is listed with a message. */
#include "codec.h"
#include "protocol.h"
#include "qti.h"
#include "table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libxml2 seeds the hashes of its dictionaries from time() (dict.c, hash.c): the same input
 * would take other paths from one second to the next. Defined here, in the executable, time()
 * is the one libxml2 calls, and a fixed clock makes a run from a fixed seed repeatable (the
 * gate, tools/fuzz/run). Nothing this target runs needs the real time. */
time_t time(time_t *t)
{
    if (t) *t = 1764547200; /* 2025-12-01T00:00:00Z */
    return 1764547200;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        as_qti_init();
        init = true;
    }
    msgpack_sbuffer out, refused;
    msgpack_sbuffer_init(&out);
    msgpack_sbuffer_init(&refused);
    as_err_t err;
    as_qti_opts_t o = {.name = "fuzz.xml"};
    if (as_qti_import(data, size, &o, &out, &refused, &err) == AS_OK) {
        as_mp_t r, rr;
        uint32_t n, nr;
        /* the refused files: each {file, message}, a message saying why */
        as_mp_init(&rr, refused.data, refused.size);
        if (as_mp_array(&rr, &nr) != AS_MP_OK) abort();
        for (uint32_t i = 0; i < nr; i++) {
            as_mp_t m;
            const char *s;
            uint32_t sl;
            if (!as_mp_field(rr, "message", 7, AS_MAX_DEPTH, &m) ||
                as_mp_str(&m, &s, &sl) != AS_MP_OK || sl == 0 ||
                as_mp_skip(&rr, AS_MAX_DEPTH) != AS_MP_OK)
                abort();
        }
        as_mp_init(&r, out.data, out.size);
        /* entries: at least one, unless every file was refused */
        if (as_mp_array(&r, &n) != AS_MP_OK || (n == 0 && nr == 0)) abort();
        for (uint32_t i = 0; i < n; i++) {
            as_mp_t def;
            if (!as_mp_field(r, "definition", 10, AS_MAX_DEPTH, &def)) abort();
            as_mp_t end = def;
            if (as_mp_skip(&end, AS_MAX_DEPTH) != AS_MP_OK) abort();
            as_compiled_t c;
            if (as_table_compile(def.p, (size_t)(end.p - def.p), &c, &err) == AS_OK) free(c.blob);
            if (as_mp_skip(&r, AS_MAX_DEPTH) != AS_MP_OK) abort();
        }
    }
    msgpack_sbuffer_destroy(&out);
    msgpack_sbuffer_destroy(&refused);
    return 0;
}
