/* fuzz_decode.c — libFuzzer: the protocol decoder on untrusted bytes. A request body is decoded
 * (as_request_decode), its params walked field by field as the handlers do (as_fields_read),
 * checked whole (as_mp_check) and skipped (as_mp_skip); the peek of a damaged body's msgid too. */
#include "params.h"
#include "protocol.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    as_request_t req;
    as_err_t err;
    (void)as_peek_msgid(data, size);
    (void)as_mp_check(data, size, AS_MAX_DEPTH);
    as_mp_t r;
    as_mp_init(&r, data, size);
    (void)as_mp_skip(&r, AS_MAX_DEPTH);
    if (as_request_decode(data, size, &req, &err) != AS_OK) return 0;
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("learner"), AS_FIELD("answers"),
                      AS_FIELD("key"),        AS_FIELD("limit"),   AS_FIELD("id")};
    as_path_t path;
    as_path_init(&path, NULL);
    as_mp_t params = req.params;
    if (as_fields_read(&params, f, 6, &path, &err) != AS_OK) return 0;
    (void)as_params_end(&params, &err);
    const char *s;
    uint32_t len, u;
    uint64_t id;
    (void)as_field_id(&f[0], &s, &len, &path, &err);
    (void)as_field_name(&f[1], &s, &len, &path, &err);
    (void)as_field_uint(&f[4], 1, 200, &u, &path, &err);
    (void)as_field_u64(&f[5], &id, &path, &err);
    return 0;
}
