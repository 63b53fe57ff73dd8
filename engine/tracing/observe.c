/* observe.c — the observations a stored response gives, read by the job thread for skill.recompute
 * and skill.fit (tracing.h as_trace_stored). */
#include "tracing.h"

#include "record.h"

as_code_t as_trace_stored(as_reader_t *rd, as_scorer_t *sc, double *x, uint64_t rid, const char *a,
                          uint32_t alen, as_trace_want_fn want, as_trace_obs_fn obs, void *arg,
                          const char **learner, uint32_t *llen, as_err_t *err)
{
    as_table_t t;
    as_err_t ignored;
    *learner = NULL;
    *llen = 0;
    /* an assessment deleted since, or none of whose items names a wanted skill: no evidence */
    if (as_store_table(rd, a, alen, &t, &ignored)) return AS_OK;
    bool names = false;
    for (uint32_t i = 0; i < t.hdr.n_items && !names; i++) {
        as_titem_t it;
        as_table_item(&t, i, &it);
        for (uint32_t s = 0; s < it.n_skills && !names; s++) {
            uint32_t sl;
            const char *sid = as_table_skill(&t, &it, s, &sl);
            names = want(arg, sid, sl);
        }
    }
    if (!names) return AS_OK;
    const void *rec;
    size_t len;
    as_record_t r = {.response_id = rid};
    as_code_t rc = as_store_response_get(rd, rid, &rec, &len, err);
    if (rc) return rc;
    if (!as_record_score(sc, &t, rec, len, &r, x))
        return as_err_set(err, AS_INTERNAL, "response %llu: the stored record is unreadable",
                          (unsigned long long)rid);
    *learner = r.learner;
    *llen = r.learner_len;
    const uint8_t *answered = as_scorer_answered(sc);
    for (uint32_t i = 0; i < t.hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(&t, i, &it);
        if (!answered[i] || it.max_score <= 0) continue;
        bool correct = as_trace_correct(&it, x[i]);
        for (uint32_t s = 0; s < it.n_skills; s++) {
            uint32_t sl;
            const char *sid = as_table_skill(&t, &it, s, &sl);
            if (want(arg, sid, sl)) obs(arg, sid, sl, correct);
        }
    }
    return AS_OK;
}
