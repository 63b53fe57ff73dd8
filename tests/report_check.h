/* report_check.h — test helper: an engine's assessment.report result compared, figure by figure,
 * with the from-scratch computation of report_ref.h (to 1e-9). Include after cmocka.h and
 * harness.h. */
#ifndef AS_REPORT_CHECK_H
#define AS_REPORT_CHECK_H

#include "harness.h"
#include "report_ref.h"

#include <math.h>

static inline void rc_near(const msgpack_object *o, double want)
{
    if (o->type != MSGPACK_OBJECT_FLOAT64 || fabs(o->via.f64 - want) > 1e-9)
        fail_msg("%.17g != %.17g", o->type == MSGPACK_OBJECT_FLOAT64 ? o->via.f64 : NAN, want);
}

/* Result o against ref over n learners and k items: n, mean, sd, min, max, alpha, every item's
 * mean, p-value, omitted rate and discrimination (nil where undefined), and n in the bins. */
static inline void rc_check_report(const msgpack_object *o, const ref_report_t *ref, size_t n,
                                   size_t k)
{
    assert_int_equal((size_t)h_num(o, "n"), n);
    rc_near(assay_map_get(o, "mean"), ref->mean);
    rc_near(assay_map_get(o, "sd"), ref->sd);
    rc_near(assay_map_get(o, "min"), ref->min);
    rc_near(assay_map_get(o, "max"), ref->max);
    rc_near(assay_map_get(o, "alpha"), ref->alpha);
    const msgpack_object *items = assay_map_get(o, "items");
    assert_int_equal(items->via.array.size, k);
    for (size_t i = 0; i < k; i++) {
        const msgpack_object *it = &items->via.array.ptr[i];
        rc_near(assay_map_get(it, "mean"), ref->item_mean[i]);
        rc_near(assay_map_get(it, "p_value"), ref->p_value[i]);
        rc_near(assay_map_get(it, "omitted_rate"), ref->omitted_rate[i]);
        const msgpack_object *d = assay_map_get(it, "discrimination");
        if (isfinite(ref->discrimination[i]))
            rc_near(d, ref->discrimination[i]);
        else
            assert_int_equal(d->type, MSGPACK_OBJECT_NIL);
    }
    uint64_t in_bins = 0;
    const msgpack_object *h = assay_map_get(o, "histogram");
    for (uint32_t b = 0; b < h->via.array.size; b++)
        in_bins += (uint64_t)h_num(&h->via.array.ptr[b], "count");
    assert_int_equal(in_bins, n);
}

#endif
