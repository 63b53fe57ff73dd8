/* record.c — the stored response record (record.h). */
#include "record.h"

#include "protocol.h"

#include <math.h>

/* The pairs "state": "pending" and "pending": [item ids]. */
static void s_pack_pending(msgpack_packer *pk, const as_record_t *r, const as_table_t *t)
{
    as_pack_cstr(pk, "state");
    as_pack_cstr(pk, "pending");
    as_table_pack_pending(pk, t, r->answered);
}

void as_record_pack(msgpack_packer *pk, const as_record_t *r, const as_table_t *t, double score)
{
    bool pending = r->answered && as_table_pending(t, r->answered);
    msgpack_pack_map(pk, 7 + (uint32_t)as_table_outcome_pairs(t, score) + (r->mastery ? 1 : 0) +
                             (r->models ? 1 : 0) + (pending ? 2 : 0) + (r->graded ? 1 : 0));
    as_pack_cstr(pk, "response_id");
    msgpack_pack_uint64(pk, r->response_id);
    as_pack_cstr(pk, "assessment");
    as_pack_str(pk, r->assessment, r->assessment_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, t->hdr.version);
    as_pack_cstr(pk, "learner");
    as_pack_str(pk, r->learner, r->learner_len);
    as_pack_cstr(pk, "attempt");
    msgpack_pack_uint32(pk, r->attempt);
    as_table_pack_outcome(pk, t, score, pending);
    if (pending) s_pack_pending(pk, r, t);
    if (r->graded) {
        as_pack_cstr(pk, "graded");
        as_pack_raw(pk, r->graded, r->graded_len);
    }
    as_pack_cstr(pk, "submitted_at");
    as_pack_str(pk, r->submitted_at, r->submitted_at_len);
    if (r->mastery) {
        as_pack_cstr(pk, "mastery");
        as_pack_raw(pk, r->mastery, r->mastery_len);
    }
    if (r->models) {
        as_pack_cstr(pk, "models");
        as_pack_raw(pk, r->models, r->models_len);
    }
    as_pack_cstr(pk, "answers");
    as_pack_raw(pk, r->answers, r->answers_len);
}

void as_record_pack_note(msgpack_packer *pk, const as_record_t *r, const as_table_t *t,
                         double score, as_stamp_t stamp, uint64_t job)
{
    bool pending = r->answered && as_table_pending(t, r->answered);
    msgpack_pack_map(pk, 9 + (job ? 1 : 0) + (pending ? 2 : 0));
    as_pack_cstr(pk, "response_id");
    msgpack_pack_uint64(pk, r->response_id);
    as_pack_cstr(pk, "learner");
    as_pack_str(pk, r->learner, r->learner_len);
    as_pack_cstr(pk, "attempt");
    msgpack_pack_uint32(pk, r->attempt);
    as_pack_cstr(pk, "score");
    msgpack_pack_double(pk, score);
    as_pack_cstr(pk, "max_score");
    as_pack_num(pk, t->hdr.max_score);
    as_pack_cstr(pk, "ratio");
    as_pack_num(pk, as_table_ratio(t, score));
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, t->hdr.version);
    if (job) {
        as_pack_cstr(pk, "regrade");
        msgpack_pack_uint64(pk, job);
    }
    if (pending) s_pack_pending(pk, r, t);
    as_pack_stamp(pk, stamp);
}

bool as_record_read(const void *rec, size_t len, as_record_t *r)
{
    as_mp_t m;
    uint32_t n;
    unsigned seen = 0;
    r->mastery = NULL;
    r->mastery_len = 0;
    r->models = NULL;
    r->models_len = 0;
    r->answered = NULL;
    r->pending = false;
    r->graded = NULL;
    r->graded_len = 0;
    as_mp_init(&m, rec, len);
    if (as_mp_map(&m, &n)) return false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (as_mp_str(&m, &k, &kl)) return false;
        const uint8_t *at = m.p;
        int rc = AS_MP_OK;
        if (as_str_eq(k, kl, "response_id")) {
            int64_t id = 0;
            rc = as_mp_int(&m, &id);
            r->response_id = (uint64_t)id;
            seen |= 1;
        } else if (as_str_eq(k, kl, "assessment")) {
            rc = as_mp_str(&m, &r->assessment, &r->assessment_len);
            seen |= 2;
        } else if (as_str_eq(k, kl, "version")) {
            rc = as_mp_u32(&m, &r->version);
        } else if (as_str_eq(k, kl, "learner")) {
            rc = as_mp_str(&m, &r->learner, &r->learner_len);
            seen |= 4;
        } else if (as_str_eq(k, kl, "attempt")) {
            rc = as_mp_u32(&m, &r->attempt);
            seen |= 8;
        } else if (as_str_eq(k, kl, "score")) {
            rc = as_mp_number(&m, &r->score);
        } else if (as_str_eq(k, kl, "max_score")) { /* nil: not known */
            r->max_score = NAN;
            if (as_mp_peek(&m) == AS_MP_NIL)
                as_mp_nil(&m);
            else
                rc = as_mp_number(&m, &r->max_score);
        } else if (as_str_eq(k, kl, "state")) {
            const char *v;
            uint32_t vl;
            rc = as_mp_str(&m, &v, &vl);
            r->pending = !rc && as_str_eq(v, vl, "pending");
        } else if (as_str_eq(k, kl, "submitted_at")) {
            rc = as_mp_str(&m, &r->submitted_at, &r->submitted_at_len);
            seen |= 16;
        } else {
            rc = as_mp_skip(&m, AS_MAX_DEPTH);
            if (!rc && as_str_eq(k, kl, "answers")) {
                r->answers = at;
                r->answers_len = (size_t)(m.p - at);
                seen |= 32;
            } else if (!rc && as_str_eq(k, kl, "mastery")) {
                r->mastery = at;
                r->mastery_len = (size_t)(m.p - at);
            } else if (!rc && as_str_eq(k, kl, "models")) {
                r->models = at;
                r->models_len = (size_t)(m.p - at);
            } else if (!rc && as_str_eq(k, kl, "graded")) {
                r->graded = at;
                r->graded_len = (size_t)(m.p - at);
            }
        }
        if (rc) return false;
    }
    return seen == 63;
}

bool as_record_score(as_scorer_t *sc, const as_table_t *t, const void *rec, size_t len,
                     as_record_t *r, double *x, double *total)
{
    if (!as_record_read(rec, len, r)) return false;
    as_mp_t answers;
    double ignored;
    as_mp_init(&answers, r->answers, r->answers_len);
    return as_score_stored(sc, t, &answers, total ? total : &ignored, x) == AS_OK;
}
