/* compile_outcomes.c — the compiler's half for outcome declarations (an item's and an
 * assessment's): types, defaults, normal bounds, lookup tables, and which outcome is the score. */
#include "compiler.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* A lookup table: {entries: [{source_value, target_value, include_boundary?}], default_value?}. */
static as_code_t s_lookup(as_tc_t *c, as_field_t *f, as_tout_t *o, as_lookup_t kind)
{
    size_t mark = as_tc_enter(c, f);
    if (o->card != AS_CARD_SINGLE)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "a lookup table sets a single outcome");
    as_field_t tf[] = {{.name = "entries"}, {.name = "default_value"}};
    as_code_t rc = as_tc_fields(c, &f->at, tf, 2);
    if (rc) return rc;
    if (!tf[0].seen)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"entries\"");
    as_value_t v;
    if (tf[1].seen) {
        size_t m = as_tc_enter(c, &tf[1]);
        if ((rc = as_value_read(&tf[1].at, (as_base_t)o->base, &v, &c->path, c->err))) return rc;
        as_path_pop(&c->path, m);
        uint32_t off = as_tc_alloc(&c->b, sizeof(as_tval_t));
        as_tc_tval_put(c, off, (as_base_t)o->base, &v);
        if (off) memcpy(&o->lookup_dflt, c->b.data + off, sizeof o->lookup_dflt);
        o->flags |= AS_TO_LDFLT;
    }
    uint32_t n;
    if ((rc = as_tc_array_at(c, &tf[0], AS_MAX_LOOKUP, &n))) return rc;
    size_t em = as_tc_enter(c, &tf[0]);
    o->lookup = (uint8_t)kind;
    o->n_lookup = n;
    o->lookup_off = as_tc_alloc(&c->b, (n ? n : 1) * sizeof(as_tlookup_t));
    for (uint32_t i = 0; i < n && !c->b.oom; i++) {
        size_t im = as_path_index(&c->path, i);
        as_field_t ef[] = {
            {.name = "source_value"}, {.name = "target_value"}, {.name = "include_boundary"}};
        if ((rc = as_tc_fields(c, &tf[0].at, ef, kind == AS_LOOKUP_MATCH ? 2 : 3))) return rc;
        if (!ef[0].seen || !ef[1].seen)
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                             ef[0].seen ? "target_value" : "source_value");
        as_tlookup_t e = {.include_boundary = 1};
        if (kind == AS_LOOKUP_MATCH) {
            int64_t src;
            size_t m = as_tc_enter(c, &ef[0]);
            if (as_mp_int(&ef[0].at, &src) != AS_MP_OK)
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                                 "a match_table's source values are integers");
            as_path_pop(&c->path, m);
            e.source = (double)src;
        } else if ((rc = as_tc_number(c, &ef[0], -INFINITY, INFINITY, &e.source))) {
            return rc;
        }
        if (ef[2].seen) {
            bool b;
            size_t m = as_tc_enter(c, &ef[2]);
            if (as_mp_bool(&ef[2].at, &b) != AS_MP_OK)
                return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "expected true or false");
            as_path_pop(&c->path, m);
            e.include_boundary = b;
        }
        size_t m = as_tc_enter(c, &ef[1]);
        if ((rc = as_value_read(&ef[1].at, (as_base_t)o->base, &v, &c->path, c->err))) return rc;
        as_path_pop(&c->path, m);
        uint32_t eoff = o->lookup_off + i * (uint32_t)sizeof e;
        memcpy(c->b.data + eoff, &e, sizeof e);
        as_tc_tval_put(c, eoff + (uint32_t)offsetof(as_tlookup_t, target), (as_base_t)o->base, &v);
        as_path_pop(&c->path, im);
    }
    as_path_pop(&c->path, em);
    as_path_pop(&c->path, mark);
    return AS_OK;
}

/* One outcome declaration. */
static as_code_t s_outcome(as_tc_t *c, as_mp_t *r, as_tout_t *o, uint32_t off, uint32_t k)
{
    as_field_t f[] = {
        {.name = "id"},          {.name = "cardinality"},        {.name = "base_type"},
        {.name = "default"},     {.name = "normal_maximum"},     {.name = "normal_minimum"},
        {.name = "match_table"}, {.name = "interpolation_table"}};
    as_code_t rc = as_tc_fields(c, r, f, 8);
    if (rc) return rc;
    if (!f[0].seen || !f[2].seen)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path, "missing field \"%s\"",
                         f[0].seen ? "base_type" : "id");
    const char *id;
    uint32_t len;
    int card = AS_CARD_SINGLE, base;
    if ((rc = as_tc_id(c, &f[0], &id, &len))) return rc;
    if ((rc = as_tc_unique(c, &f[0], id, len, off, k, sizeof(as_tout_t), "outcome"))) return rc;
    if (f[1].seen && (rc = as_tc_enum(c, &f[1], as_card_names, AS_CARD_COUNT, &card))) return rc;
    if ((rc = as_tc_enum(c, &f[2], as_base_names, AS_BT_COUNT, &base))) return rc;
    memset(o, 0, sizeof *o);
    o->card = (uint8_t)card;
    o->base = (uint8_t)base;
    o->id_off = as_tc_str(&c->b, id, len);
    o->id_len = len;
    if (f[3].seen) {
        size_t m = as_tc_enter(c, &f[3]);
        uint32_t n;
        if ((rc = as_values_read(&f[3].at, (as_card_t)card, (as_base_t)base, c->vals, AS_MAX_VALUES,
                                 &n, &c->path, c->err)))
            return rc;
        as_path_pop(&c->path, m);
        o->n_dflt = n;
        o->dflt_off = as_tc_alloc(&c->b, (n ? n : 1) * sizeof(as_tval_t));
        for (uint32_t i = 0; i < n && !c->b.oom; i++)
            as_tc_tval_put(c, o->dflt_off + i * (uint32_t)sizeof(as_tval_t), (as_base_t)base,
                           &c->vals[i]);
    }
    bool numeric = base == AS_BT_INTEGER || base == AS_BT_FLOAT;
    for (int i = 4; i <= 5; i++) {
        if (!f[i].seen) continue;
        if (!numeric || card != AS_CARD_SINGLE) {
            as_tc_enter(c, &f[i]);
            return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                             "only a single integer or float outcome has a %s", f[i].name);
        }
        if ((rc = as_tc_number(c, &f[i], -INFINITY, INFINITY, i == 4 ? &o->nmax : &o->nmin)))
            return rc;
        o->flags |= i == 4 ? AS_TO_NMAX : AS_TO_NMIN;
    }
    if (f[6].seen && f[7].seen)
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                         "an outcome has a match_table or an interpolation_table, not both");
    if (f[6].seen && (rc = s_lookup(c, &f[6], o, AS_LOOKUP_MATCH))) return rc;
    if (f[7].seen && (rc = s_lookup(c, &f[7], o, AS_LOOKUP_INTERPOLATION))) return rc;
    return AS_OK;
}

as_code_t as_tc_outcomes(as_tc_t *c, as_field_t *f, uint32_t *off, uint32_t *n)
{
    as_code_t rc = as_tc_array_at(c, f, AS_MAX_OUTCOMES, n);
    if (rc) return rc;
    size_t mark = as_tc_enter(c, f);
    *off = as_tc_alloc(&c->b, (*n ? *n : 1) * sizeof(as_tout_t));
    for (uint32_t i = 0; i < *n && !c->b.oom; i++) {
        size_t m = as_path_index(&c->path, i);
        as_tout_t o;
        if ((rc = s_outcome(c, &f->at, &o, *off, i))) return rc;
        if (c->b.oom) break;
        memcpy(c->b.data + *off + i * sizeof o, &o, sizeof o);
        as_path_pop(&c->path, m);
    }
    as_path_pop(&c->path, mark);
    return AS_OK;
}

as_code_t as_tc_score_outcome(as_tc_t *c, as_field_t *so, uint32_t out_off, uint32_t n_out,
                              uint32_t *slot, double *max, bool *has_max)
{
    const char *id = "SCORE";
    uint32_t len = 5;
    as_code_t rc;
    if (so->seen && (rc = as_tc_id(c, so, &id, &len))) return rc;
    int k = as_pc_find_out(c, out_off, n_out, id, len);
    *has_max = false;
    if (k < 0 && !so->seen) { /* no SCORE and none named: no score outcome (the caller's call) */
        *slot = AS_NO_SCORE_OUT;
        return AS_OK;
    }
    if (k < 0) {
        as_tc_enter(c, so);
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                         "no outcome \"%.*s\" is declared to be the score", (int)len, id);
    }
    as_tout_t o;
    memcpy(&o, c->b.data + out_off + (uint32_t)k * sizeof o, sizeof o);
    if (o.card != AS_CARD_SINGLE || (o.base != AS_BT_INTEGER && o.base != AS_BT_FLOAT))
        return as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                         "the score outcome \"%.*s\" must be a single integer or float", (int)len,
                         id);
    *slot = (uint32_t)k;
    if (o.flags & AS_TO_NMAX) {
        *max = o.nmax;
        *has_max = true;
        return AS_OK;
    }
    int m = as_pc_find_out(c, out_off, n_out, "MAXSCORE", 8);
    if (m >= 0) {
        as_tout_t mo;
        memcpy(&mo, c->b.data + out_off + (uint32_t)m * sizeof mo, sizeof mo);
        if (mo.card == AS_CARD_SINGLE && (mo.base == AS_BT_INTEGER || mo.base == AS_BT_FLOAT) &&
            mo.n_dflt == 1) {
            as_tval_t tv;
            memcpy(&tv, c->b.data + mo.dflt_off, sizeof tv);
            *max = tv.x;
            *has_max = true;
        }
    }
    return AS_OK;
}
