/* tracing.c — knowledge tracing's shared pieces (tracing.h). */
#include "tracing.h"

bool as_trace_correct(const as_titem_t *it, double x)
{
    /* a relative tolerance, so 0.1 + 0.2 counts as 0.3 */
    double need = it->kt_threshold * it->max_score;
    return x >= need - 1e-9 * (need > 1 ? need : 1);
}

bool as_trace_each(const as_table_t *t, const double *x, const uint8_t *answered,
                   as_trace_obs_each_fn fn, void *arg)
{
    for (uint32_t i = 0; i < t->hdr.n_items; i++) {
        if (!answered[i]) continue;
        as_titem_t it;
        as_table_item(t, i, &it);
        if (!it.n_skills || !(it.max_score > 0)) continue; /* (a max not known: no evidence) */
        bool correct = as_trace_correct(&it, x[i]);
        for (uint32_t j = 0; j < it.n_skills; j++) {
            uint32_t len;
            const char *id = as_table_skill(t, &it, j, &len);
            if (!fn(arg, i, j, id, len, correct)) return false;
        }
    }
    return true;
}

void as_pack_mastery(msgpack_packer *pk, const as_skill_t *skill, const as_mastery_t *m,
                     const double *predicted)
{
    msgpack_pack_map(pk, predicted ? 5 : 4);
    as_pack_cstr(pk, "p_mastery");
    msgpack_pack_double(pk, m->s.p);
    as_pack_cstr(pk, "p_correct_next");
    msgpack_pack_double(pk, as_bkt_p_correct(&skill->params, m->s));
    as_pack_cstr(pk, "opportunities");
    msgpack_pack_uint32(pk, m->opportunities);
    as_pack_cstr(pk, "mastered");
    if (m->s.p >= skill->params.mastery_threshold)
        msgpack_pack_true(pk);
    else
        msgpack_pack_false(pk);
    if (predicted) {
        as_pack_cstr(pk, "predicted");
        msgpack_pack_double(pk, *predicted);
    }
}

void as_pack_skill(msgpack_packer *pk, const char *id, uint32_t len, const as_skill_t *sk)
{
    const as_bkt_params_t *p = &sk->params;
    msgpack_pack_map(pk, 8);
    as_pack_cstr(pk, "id");
    as_pack_str(pk, id, len);
    const char *names[] = {"prior", "learn", "forget", "guess", "slip", "mastery_threshold"};
    const double vals[] = {p->prior, p->learn, p->forget, p->guess, p->slip, p->mastery_threshold};
    for (int i = 0; i < 6; i++) {
        as_pack_cstr(pk, names[i]);
        msgpack_pack_double(pk, vals[i]);
    }
    as_pack_cstr(pk, "recomputing"); /* the skill.recompute job running, or nil */
    if (sk->shadow_gen)
        msgpack_pack_uint64(pk, sk->job);
    else
        msgpack_pack_nil(pk);
}
