/* observe.c — the observations a stored response gives, read by the job thread for skill.recompute
 * and skill.fit (tracing.h as_trace_stored). */
#include "tracing.h"

#include "record.h"

#include <string.h>

/* The table of assessment (a, alen), looked up once per read (NULL: deleted since). */
static const as_table_t *s_table(as_reader_t *rd, as_trace_tables_t *tables, const char *a,
                                 uint32_t alen, as_table_t *own)
{
    as_err_t ignored;
    if (!tables) return as_store_table(rd, a, alen, own, &ignored) ? NULL : own;
    uint32_t h = as_table_hash(a, alen) & ((uint32_t)(sizeof tables->e / sizeof tables->e[0]) - 1);
    if (!tables->e[h].id || tables->e[h].len != alen || memcmp(tables->e[h].id, a, alen) != 0) {
        tables->e[h].id = a;
        tables->e[h].len = alen;
        tables->e[h].found = as_store_table(rd, a, alen, &tables->e[h].t, &ignored) == AS_OK;
    }
    return tables->e[h].found ? &tables->e[h].t : NULL;
}

/* The observations of the skills wanted, to obs. */
typedef struct {
    as_trace_want_fn want;
    as_trace_obs_fn obs;
    void *arg;
} s_wanted_t;

static bool s_wanted_obs(void *arg, uint32_t item, uint32_t j, const char *skill, uint32_t len,
                         bool correct)
{
    s_wanted_t *w = arg;
    if (w->want(w->arg, skill, len)) w->obs(w->arg, skill, len, correct);
    return true;
}

as_code_t as_trace_stored(as_reader_t *rd, as_trace_tables_t *tables, as_scorer_t *sc, double *x,
                          uint64_t rid, const char *a, uint32_t alen, as_trace_want_fn want,
                          as_trace_obs_fn obs, void *arg, const char **learner, uint32_t *llen,
                          as_err_t *err)
{
    as_table_t own;
    *learner = NULL;
    *llen = 0;
    /* an assessment deleted since, or none of whose items names a wanted skill: no evidence */
    const as_table_t *tp = s_table(rd, tables, a, alen, &own);
    if (!tp) return AS_OK;
    const as_table_t t = *tp;
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
    as_code_t rc = as_store_response_get_in(rd, a, alen, rid, &rec, &len, err);
    if (rc) return rc;
    if (!as_record_score(sc, &t, rec, len, &r, x, NULL))
        return as_err_set(err, AS_INTERNAL, "response %llu: the stored record is unreadable",
                          (unsigned long long)rid);
    *learner = r.learner;
    *llen = r.learner_len;
    s_wanted_t wanted = {want, obs, arg};
    as_trace_each(&t, x, as_scorer_answered(sc), s_wanted_obs, &wanted);
    return AS_OK;
}
