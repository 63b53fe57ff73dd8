/* score_call.c — the `score` method whole: its params read, the named table found, the answers
 * scored and the result packed. The engine's worker (methods/assessments.c) and libassay's local
 * scorer (clients/c/local.c) both answer `score` with this one function, so a result scored in the
 * caller's process is the engine's, byte for byte. */
#include "table.h"

#include "params.h"
#include "protocol.h"

as_code_t as_score_call(as_scorer_t *sc, as_mp_t params, as_table_fn table, void *arg,
                        msgpack_packer *pk, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("answers"), AS_FIELD("detail")};
    as_path_t path;
    as_table_t t;
    bool detail = false;
    const char *id;
    uint32_t id_len;
    as_path_init(&path, NULL);
    as_code_t rc = as_fields_read(&params, f, 3, &path, err);
    if (!rc) rc = as_params_end(&params, err);
    for (size_t i = 0; !rc && i < 2; i++)
        if (!f[i].seen) rc = as_field_missing(&f[i], &path, err);
    if (rc) return rc;
    if (f[2].seen && (rc = as_field_bool(&f[2], &detail, &path, err))) return rc;
    if ((rc = as_field_id(&f[0], &id, &id_len, &path, err))) return rc;
    if ((rc = table(arg, id, id_len, &t, err))) return rc;
    double total;
    as_path_init(&path, "answers");
    as_mp_t answers = f[1].at;
    if ((rc = as_score_answers(sc, &t, &f[1].at, &path, &total, NULL, err))) return rc;
    bool test_outcomes = detail && t.hdr.prog_len > 0;
    const uint8_t *answered = as_scorer_answered(sc);
    bool pending = as_table_pending(&t, answered) > 0;
    msgpack_pack_map(pk, 2 + (uint32_t)as_table_outcome_pairs(&t, total) + (detail ? 1 : 0) +
                             (test_outcomes ? 1 : 0) + (pending ? 1 : 0));
    as_pack_cstr(pk, "assessment");
    as_pack_str(pk, as_table_str(&t, t.hdr.id_off), t.hdr.id_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, t.hdr.version);
    as_table_pack_outcome(pk, &t, total, pending);
    if (pending) as_table_pack_pending(pk, &t, answered);
    if (test_outcomes) {
        as_pack_cstr(pk, "outcomes");
        as_score_pack_outcomes(sc, &t, pk);
    }
    if (detail) {
        as_pack_cstr(pk, "items");
        as_score_pack_items(sc, &t, answers, NULL, 0, pk);
    }
    return AS_OK;
}
