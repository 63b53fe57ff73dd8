/* grades_agreement.c — assessment.agreement: how well the people who grade an assessment's graded
 * items agree, and how its automatic judges compare with them, from the counts each grade keeps
 * (grading/agreement_counts.h): O(scale² + raters²) per item to read, whatever the number of
 * grades. */
#include "agreement_counts.h"
#include "handler.h"

#include <string.h>

static void s_row(void *arg, const char *key, uint32_t klen, const int64_t *counts, uint32_t n)
{
    as_agree_sum_row(arg, key, klen, counts, n);
}

static void s_pack_pair(msgpack_packer *pk, const as_agree_named_t *p, bool adjacent)
{
    as_pack_cstr(pk, p->name);
    msgpack_pack_map(pk, adjacent ? 5 : 4);
    as_pack_cstr(pk, "n");
    msgpack_pack_uint64(pk, p->st.n);
    as_pack_cstr(pk, "exact");
    as_pack_num(pk, p->st.exact);
    if (adjacent) {
        as_pack_cstr(pk, "adjacent");
        as_pack_num(pk, p->st.adjacent);
    }
    as_pack_cstr(pk, "kappa");
    as_pack_num(pk, p->st.kappa);
    as_pack_cstr(pk, "qwk");
    as_pack_num(pk, p->st.qwk);
}

/* Packs item `it`'s figures: {units, grades, raters, exact, adjacent, alpha, pairs, judges}. */
static as_code_t s_pack_item(as_worker_t *w, const as_table_t *t, const as_titem_t *it,
                             as_err_t *err)
{
    as_agree_sum_t s;
    as_agree_sum_init(&s, it->graded_points);
    as_code_t rc = as_store_grade_counts(w->rd, as_table_str(t, t->hdr.id_off), t->hdr.id_len,
                                         as_table_str(t, it->id_off), it->id_len, s_row, &s, err);
    if (!rc && s.oom) rc = as_err_set(err, AS_INTERNAL, "out of memory");
    if (rc) {
        as_agree_sum_clear(&s);
        return rc;
    }
    double values[AS_AGREE_MAX_POINTS];
    for (uint32_t i = 0; i < it->graded_points; i++)
        values[i] = i * it->step;
    as_alpha_t alpha;
    as_pairs_t shares;
    as_agree_alpha(&s.coincidences, values, &alpha);
    as_agree_shares(&s.coincidences, &shares);
    msgpack_packer *pk = &w->pk;
    as_h_pack_tstr(pk, t, it->id_off, it->id_len);
    msgpack_pack_map(pk, 8);
    as_pack_cstr(pk, "units");
    msgpack_pack_uint64(pk, s.units);
    as_pack_cstr(pk, "grades");
    msgpack_pack_uint64(pk, s.grades);
    as_pack_cstr(pk, "raters");
    msgpack_pack_uint64(pk, s.raters);
    as_pack_cstr(pk, "exact");
    as_pack_num(pk, shares.exact);
    as_pack_cstr(pk, "adjacent");
    as_pack_num(pk, shares.adjacent);
    as_pack_cstr(pk, "alpha");
    msgpack_pack_map(pk, 3);
    as_pack_cstr(pk, "nominal");
    as_pack_num(pk, alpha.nominal);
    as_pack_cstr(pk, "ordinal");
    as_pack_num(pk, alpha.ordinal);
    as_pack_cstr(pk, "interval");
    as_pack_num(pk, alpha.interval);
    as_pack_cstr(pk, "pairs");
    msgpack_pack_map(pk, s.n_pairs);
    for (uint32_t i = 0; i < s.n_pairs; i++)
        s_pack_pair(pk, &s.pairs[i], false);
    as_pack_cstr(pk, "judges");
    msgpack_pack_map(pk, s.n_judges);
    for (uint32_t i = 0; i < s.n_judges; i++)
        s_pack_pair(pk, &s.judges[i], true);
    as_agree_sum_clear(&s);
    return AS_OK;
}

/* assessment.agreement {assessment, item?} */
as_code_t as_handle_agreement(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("item")};
    as_path_t path;
    as_table_t t;
    as_code_t rc = as_h_params(req, f, 2, 1, &path, err);
    if (rc || (rc = as_h_table(w, &f[0], &path, &t, err))) return rc;
    int32_t only = -1;
    if (f[1].seen && as_mp_peek(&f[1].at) != AS_MP_NIL) {
        const char *item;
        uint32_t len;
        if ((rc = as_field_id(&f[1], &item, &len, &path, err))) return rc;
        only = as_table_find(&t, item, len);
        as_titem_t it;
        if (only >= 0) as_table_item(&t, (uint32_t)only, &it);
        if (only < 0)
            return as_err_set(err, AS_NOT_FOUND, "item: assessment \"%.*s\" has no item \"%.*s\"",
                              (int)t.hdr.id_len, as_table_str(&t, t.hdr.id_off), (int)len, item);
        if (!(it.flags & AS_TF_GRADED))
            return as_err_set(err, AS_BAD_REQUEST,
                              "item: item \"%.*s\" of assessment \"%.*s\" is scored "
                              "automatically, not graded by people",
                              (int)len, item, (int)t.hdr.id_len, as_table_str(&t, t.hdr.id_off));
    }
    uint32_t n = 0;
    for (uint32_t i = 0; i < t.hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(&t, i, &it);
        n += (it.flags & AS_TF_GRADED) && (only < 0 || (uint32_t)only == i);
    }
    msgpack_pack_map(&w->pk, 2);
    as_pack_cstr(&w->pk, "assessment");
    as_h_pack_tstr(&w->pk, &t, t.hdr.id_off, t.hdr.id_len);
    as_pack_cstr(&w->pk, "items");
    msgpack_pack_map(&w->pk, n);
    for (uint32_t i = 0; i < t.hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(&t, i, &it);
        if (!(it.flags & AS_TF_GRADED) || (only >= 0 && (uint32_t)only != i)) continue;
        if ((rc = s_pack_item(w, &t, &it, err))) return rc;
    }
    return AS_OK;
}
