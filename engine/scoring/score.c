/* score.c — scores answers against a compiled table, in place (see table.h): one pass over the
 * answers map, each item scored by its template (templates.c) or its program (program.c), then
 * the assessment's own outcome processing when it has one.
 *
 * Nothing here allocates on the way of a request: per-request state lives in the per-thread
 * as_scorer_t (scorer.h). An unanswered item scores what its processing gives with every
 * response NULL, computed once when the table is compiled (null_score).
 */
#include "scorer.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

as_scorer_t *as_scorer_new(void)
{
    as_scorer_t *self = calloc(1, sizeof(as_scorer_t));
    if (!self) return NULL;
    self->ev.arena = self->arena;
    self->ev.rx = as_rx_cache_new();
    if (!self->ev.rx) {
        free(self);
        return NULL;
    }
    return self;
}

void as_scorer_limits(as_scorer_t *self, const _Atomic uint64_t *stop_at_ns,
                      _Atomic uint64_t *rx_limited)
{
    self->ev.budget.stop_at_ns = stop_at_ns;
    self->ev.budget.rx_limited = rx_limited;
}

void as_scorer_budget(as_scorer_t *self, uint64_t cpu_ns)
{
    self->ev.budget.budget_ns = cpu_ns;
    self->ev.budget.cpu_start_ns = 0;
    self->ev.budget.halt = AS_OK;
}

static uint64_t s_clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

as_code_t as_budget_check(as_budget_t *b)
{
    if (b->halt) return b->halt;
    uint64_t stop = b->stop_at_ns ? atomic_load_explicit(b->stop_at_ns, memory_order_relaxed) : 0;
    if (stop && s_clock_ns(CLOCK_MONOTONIC) >= stop) return b->halt = AS_UNAVAILABLE;
    if (!b->budget_ns) return AS_OK;
    /* the clock starts at the first check: a call that never reaches one costs no clock read */
    uint64_t now = s_clock_ns(CLOCK_THREAD_CPUTIME_ID);
    if (!b->cpu_start_ns) b->cpu_start_ns = now;
    if (now - b->cpu_start_ns > b->budget_ns) return b->halt = AS_TOO_LARGE;
    return AS_OK;
}

as_code_t as_scorer_check(as_scorer_t *self)
{
    return as_budget_check(&self->ev.budget);
}

as_code_t as_scorer_halted(const as_scorer_t *self, as_err_t *err)
{
    const as_budget_t *b = &self->ev.budget;
    if (b->halt == AS_UNAVAILABLE)
        return as_err_set(err, AS_UNAVAILABLE,
                          "the engine is shutting down: scoring was stopped at the end of its "
                          "drain time; retry on the engine that replaces it");
    if (b->halt == AS_TOO_LARGE)
        return as_err_set(err, AS_TOO_LARGE,
                          "scoring this request needs more than its CPU budget of %llu ms "
                          "(assayd --request-budget): split it, or simplify the patterns its "
                          "items match",
                          (unsigned long long)(b->budget_ns / 1000000u));
    return AS_OK;
}

const uint8_t *as_scorer_answered(const as_scorer_t *self)
{
    return self->answered;
}

void as_scorer_destroy(as_scorer_t **self_p)
{
    if (self_p && *self_p) {
        as_rx_cache_destroy(&(*self_p)->ev.rx);
        free((*self_p)->item_out);
        free((*self_p)->test_scores);
        free(*self_p);
        *self_p = NULL;
    }
}

static void s_resp(const as_table_t *t, const as_titem_t *it, uint32_t j, as_tresp_t *r)
{
    memcpy(r, t->base + it->resp_off + (size_t)j * sizeof *r, sizeof *r);
}

/* Response j's values as a program value: no values, or an empty string, is NULL. */
static void s_resp_value(as_scorer_t *sc, const as_tresp_t *r, uint32_t j, const as_value_t *vals,
                         uint32_t n)
{
    as_pv_t *p = &sc->resp[j];
    bool empty_str = n == 1 && r->card == AS_CARD_SINGLE &&
                     (r->base == AS_BT_STRING || r->base == AS_BT_IDENTIFIER) && vals[0].a_len == 0;
    if (n == 0 || empty_str) {
        as_pv_null(p, r->card, r->base);
    } else if (r->card == AS_CARD_SINGLE) {
        as_pv_single(p, (as_base_t)r->base, &vals[0]);
    } else {
        *p = (as_pv_t){.card = r->card, .base = r->base, .n = n, .vs = vals};
    }
}

/* Reads item it's answer at r into sc->resp (programs) or sc->vals (*nv values, templates). An
 * item with several responses takes a map {response id: value}. Errors as as_values_read. */
/* How many values an answer to response r may hold, with room for `room`: its max_choices. */
static inline uint32_t s_cap(const as_tresp_t *r, uint32_t room)
{
    return r->max_values && r->max_values < room ? r->max_values : room;
}

static as_code_t s_read_answer(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it,
                               as_mp_t *r, as_path_t *path, as_err_t *err, uint32_t *nv)
{
    as_tresp_t resp;
    *nv = 0;
    if (it->n_resp == 1) {
        s_resp(t, it, 0, &sc->resp0);
        as_code_t rc = as_values_read(r, (as_card_t)sc->resp0.card, (as_base_t)sc->resp0.base,
                                      sc->vals, s_cap(&sc->resp0, AS_MAX_VALUES), nv, path, err);
        if (!rc && it->rule == AS_RULE_PROGRAM) s_resp_value(sc, &sc->resp0, 0, sc->vals, *nv);
        return rc;
    }
    for (uint32_t j = 0; j < it->n_resp; j++) {
        s_resp(t, it, j, &resp);
        as_pv_null(&sc->resp[j], resp.card, resp.base);
    }
    if (as_mp_peek(r) == AS_MP_NIL) {
        as_mp_nil(r);
        return AS_OK;
    }
    uint32_t n, used = 0, seen = 0;
    if (as_mp_map(r, &n) != AS_MP_OK)
        return as_err_at(err, AS_BAD_REQUEST, path,
                         "this item has %u responses: expected a map of response id to value",
                         it->n_resp);
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (as_mp_str(r, &k, &kl) != AS_MP_OK)
            return as_err_at(err, AS_BAD_REQUEST, path, "response ids must be strings");
        int32_t j = -1;
        for (uint32_t x = 0; x < it->n_resp && j < 0; x++) {
            s_resp(t, it, x, &resp);
            if (resp.id_len == kl && as_bytes_eq(t->base + resp.id_off, k, kl)) j = (int32_t)x;
        }
        if (j < 0 || (seen & (1u << j))) {
            if (!err) return AS_BAD_REQUEST;
            size_t mark = as_path_key(path, k, kl);
            as_code_t rc =
                as_err_at(err, AS_BAD_REQUEST, path, "%s",
                          j < 0 ? "no response with this id in the item" : "answered twice");
            as_path_pop(path, mark);
            return rc;
        }
        seen |= 1u << j;
        uint32_t got;
        size_t mark = err ? as_path_key(path, k, kl) : path->len; /* a path only for a message */
        as_code_t rc =
            as_values_read(r, (as_card_t)resp.card, (as_base_t)resp.base, sc->vals + used,
                           s_cap(&resp, AS_MAX_VALUES - used), &got, path, err);
        as_path_pop(path, mark);
        if (rc) return rc;
        s_resp_value(sc, &resp, (uint32_t)j, sc->vals + used, got);
        used += got;
    }
    *nv = used;
    return AS_OK;
}

/* The raw score of item it for the answer just read (NAN: the program ran out of memory). */
static double s_raw(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it, uint32_t nv)
{
    if (it->rule == AS_RULE_PROGRAM) return as_prog_item(sc, t, it);
    return as_tmpl_score(sc, t, it, &sc->resp0, sc->vals, nv); /* read by s_read_answer */
}

/* For the assessment's outcome processing: item pos's single outcomes, and whether its
 * responses match their correct values (1), do not (2), or it has none (0). */
static void s_keep_outcomes(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it,
                            uint32_t pos, double raw, uint32_t nv)
{
    if (it->rule != AS_RULE_PROGRAM) {
        as_tresp_t r;
        s_resp(t, it, 0, &r);
        s_resp_value(sc, &r, 0, sc->vals, nv);
        as_prog_template_outcomes(sc, t, it, raw);
    }
    as_pv_t *keep = sc->item_out + (size_t)pos * AS_MAX_OUTCOMES;
    for (uint32_t k = 0; k < it->n_out; k++) {
        keep[k] = sc->out[k];
        if (keep[k].card != AS_CARD_SINGLE) as_pv_null(&keep[k], keep[k].card, keep[k].base);
    }
    uint8_t verdict = 0;
    for (uint32_t j = 0; j < it->n_resp; j++) {
        as_tresp_t r;
        s_resp(t, it, j, &r);
        if (!r.n_correct) continue;
        const as_pv_t *v = &sc->resp[j];
        bool ok = !v->null &&
                  as_tmpl_matches_correct(t, &r, v->card == AS_CARD_SINGLE ? &v->v : v->vs, v->n);
        verdict = (verdict == 2 || !ok) ? 2 : 1;
    }
    sc->correct[pos] = verdict;
}

/* Item pos with every response NULL: its score (raw) and, for outcome processing, outcomes. */
static double s_unanswered(as_scorer_t *sc, const as_table_t *t, const as_titem_t *it, uint32_t pos,
                           bool keep)
{
    for (uint32_t j = 0; j < it->n_resp; j++) {
        as_tresp_t r;
        s_resp(t, it, j, &r);
        as_pv_null(&sc->resp[j], r.card, r.base);
        if (j == 0) sc->resp0 = r;
    }
    double raw = s_raw(sc, t, it, 0);
    if (isnan(raw)) raw = 0;
    if (keep) s_keep_outcomes(sc, t, it, pos, raw, 0);
    return raw;
}

static bool s_item_out_room(as_scorer_t *sc, const as_table_t *t)
{
    size_t need = (size_t)t->hdr.n_items * AS_MAX_OUTCOMES;
    if (need <= sc->item_out_cap) return true;
    as_pv_t *p = realloc(sc->item_out, need * sizeof *p);
    double *s = realloc(sc->test_scores, (size_t)t->hdr.n_items * sizeof *s);
    if (p) sc->item_out = p;
    if (s) sc->test_scores = s;
    if (!p || !s) return false;
    sc->item_out_cap = need;
    return true;
}

/* lenient (stored answers, as_score_stored): answers to items the table does not have are
 * skipped, and an answer that is not a valid value for its item counts as no answer. */
static as_code_t s_score(as_scorer_t *self, const as_table_t *t, as_mp_t *r, as_path_t *path,
                         double *total, double *item_scores, as_err_t *err, bool lenient)
{
    uint32_t n;
    uint32_t n_items = t->hdr.n_items;
    bool test = t->hdr.prog_len > 0;
    if (as_mp_map(r, &n) != AS_MP_OK)
        return as_err_at(err, AS_BAD_REQUEST, path, "expected a map of item id to answer, got %s",
                         as_mp_type_name(as_mp_peek(r)));
    if (test) {
        if (!s_item_out_room(self, t))
            return as_err_set(err, AS_INTERNAL, "out of memory scoring the assessment");
        if (!item_scores) item_scores = self->test_scores;
    }
    memset(self->answered, 0, n_items);
    bool saw_null = false;
    if (item_scores) memset(item_scores, 0, (size_t)n_items * sizeof *item_scores);
    double sum = 0;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (as_mp_str(r, &k, &kl) != AS_MP_OK)
            return as_err_at(err, AS_BAD_REQUEST, path, "item ids must be strings");
        int32_t pos = as_table_find(t, k, kl);
        if (lenient && pos < 0) {
            if (as_mp_skip(r, AS_MAX_DEPTH) != AS_MP_OK) return AS_BAD_REQUEST;
            continue;
        }
        const char *problem = pos < 0               ? "no item with this id in assessment"
                              : self->answered[pos] ? "answered twice"
                                                    : NULL;
        if (problem) {
            if (!err) return AS_BAD_REQUEST;
            as_path_key(path, k, kl);
            if (pos < 0)
                return as_err_at(err, AS_BAD_REQUEST, path, "%s \"%.*s\"", problem,
                                 (int)t->hdr.id_len, as_table_str(t, t->hdr.id_off));
            return as_err_at(err, AS_BAD_REQUEST, path, "%s", problem);
        }
        self->answered[pos] = 1;
        as_titem_t it;
        as_table_item(t, (uint32_t)pos, &it);
        uint32_t nv;
        as_mp_t value_at = *r;
        as_code_t rc;
        if (it.rule != AS_RULE_PROGRAM) { /* a template: one response, the hot path */
            s_resp(t, &it, 0, &self->resp0);
            rc = as_values_read(r, (as_card_t)self->resp0.card, (as_base_t)self->resp0.base,
                                self->vals, s_cap(&self->resp0, AS_MAX_VALUES), &nv, path, NULL);
        } else {
            rc = s_read_answer(self, t, &it, r, path, NULL, &nv);
        }
        if (rc && lenient) {
            self->answered[pos] = 0;
            *r = value_at;
            if (as_mp_skip(r, AS_MAX_DEPTH) != AS_MP_OK) return AS_BAD_REQUEST;
            continue;
        }
        if (rc) {
            if (err) { /* read it again, now with the item in the path, for the message */
                as_path_key(path, k, kl);
                s_read_answer(self, t, &it, &value_at, path, err, &nv);
            }
            return rc;
        }
        double raw = s_raw(self, t, &it, nv);
        if (isnan(raw)) {
            if (self->ev.budget.halt) return as_scorer_halted(self, err);
            if (!lenient) {
                as_path_key(path, k, kl);
                return as_err_at(err, AS_BAD_REQUEST, path,
                                 "the item's response processing needs more than its working "
                                 "memory (%d values)",
                                 AS_PROG_ARENA);
            }
            raw = 0;
        }
        double s = raw * it.weight;
        if (item_scores) item_scores[pos] = s;
        if (test) s_keep_outcomes(self, t, &it, (uint32_t)pos, raw, nv);
        sum += s - it.null_score;
        if (!nv) { /* an empty string or container is NULL (QTI): scored so, answered not */
            self->answered[pos] = 2;
            saw_null = true;
        }
    }
    if ((t->hdr.flags & AS_TH_NULLS) || test) {
        for (uint32_t i = 0; i < n_items; i++) {
            if (self->answered[i]) continue;
            as_titem_t it;
            as_table_item(t, i, &it);
            if (test) s_unanswered(self, t, &it, i, true);
            if (item_scores) item_scores[i] = it.null_score;
        }
    }
    if (saw_null) /* from here on, a NULL answer counts as none (numberResponded, reports) */
        for (uint32_t i = 0; i < n_items; i++)
            if (self->answered[i] == 2) self->answered[i] = 0;
    *total = sum + t->hdr.null_total;
    if (test) {
        double s = as_prog_test(self, t, item_scores);
        if (isnan(s)) {
            if (self->ev.budget.halt) return as_scorer_halted(self, err);
            if (!lenient)
                return as_err_set(err, AS_BAD_REQUEST,
                                  "outcome_processing needs more than its working memory (%d "
                                  "values)",
                                  AS_PROG_ARENA);
            s = 0;
        }
        if (t->hdr.score_out != AS_NO_SCORE_OUT) *total = s;
    }
    return AS_OK;
}

as_code_t as_score_answers(as_scorer_t *self, const as_table_t *t, as_mp_t *r, as_path_t *path,
                           double *total, double *item_scores, as_err_t *err)
{
    return s_score(self, t, r, path, total, item_scores, err, false);
}

as_code_t as_score_stored(as_scorer_t *self, const as_table_t *t, as_mp_t *r, double *total,
                          double *item_scores)
{
    as_path_t path;
    as_path_init(&path, "answers");
    return s_score(self, t, r, &path, total, item_scores, NULL, true);
}

double as_score_null(as_scorer_t *self, const as_table_t *t, uint32_t pos)
{
    as_titem_t it;
    as_table_item(t, pos, &it);
    return s_unanswered(self, t, &it, pos, false) * it.weight;
}

/* Finds item it's answer in the answers map at r: true with *at at its value. */
static bool s_find_answer(as_mp_t r, const as_table_t *t, const as_titem_t *it, as_mp_t *at)
{
    return as_mp_field(r, as_table_str(t, it->id_off), it->id_len, AS_MAX_DEPTH, at);
}

void as_score_load_item(as_scorer_t *self, const as_table_t *t, uint32_t pos, as_mp_t answers)
{
    as_titem_t it;
    as_table_item(t, pos, &it);
    as_mp_t at;
    uint32_t nv;
    as_path_t path;
    as_path_init(&path, NULL);
    if (s_find_answer(answers, t, &it, &at) &&
        s_read_answer(self, t, &it, &at, &path, NULL, &nv) == AS_OK)
        return;
    for (uint32_t j = 0; j < it.n_resp; j++) {
        as_tresp_t r;
        s_resp(t, &it, j, &r);
        as_pv_null(&self->resp[j], r.card, r.base);
    }
}

double as_score_run_item(as_scorer_t *self, const as_table_t *t, uint32_t pos,
                         msgpack_packer *outcomes)
{
    as_titem_t it;
    as_table_item(t, pos, &it);
    double raw = as_prog_item(self, t, &it);
    for (uint32_t k = 0; outcomes && k < it.n_out; k++)
        as_pv_pack(outcomes, &self->out[k]);
    return raw;
}

void as_score_pack_items(as_scorer_t *self, const as_table_t *t, as_mp_t answers,
                         const uint8_t *graded, size_t graded_len, msgpack_packer *pk)
{
    msgpack_pack_array(pk, t->hdr.n_items);
    for (uint32_t i = 0; i < t->hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        as_mp_t at;
        uint32_t nv = 0;
        double raw;
        as_path_t path;
        as_path_init(&path, NULL);
        if (s_find_answer(answers, t, &it, &at) &&
            s_read_answer(self, t, &it, &at, &path, NULL, &nv) == AS_OK) {
            raw = s_raw(self, t, &it, nv);
            if (isnan(raw)) raw = 0;
            if (it.rule != AS_RULE_PROGRAM) as_prog_template_outcomes(self, t, &it, raw);
        } else {
            raw = s_unanswered(self, t, &it, i, false);
            if (it.rule != AS_RULE_PROGRAM) as_prog_template_outcomes(self, t, &it, raw);
        }
        msgpack_pack_map(pk, 4);
        as_pack_cstr(pk, "id");
        as_pack_str(pk, as_table_str(t, it.id_off), it.id_len);
        as_pack_cstr(pk, "score");
        as_mp_t g, gat;
        double people;
        if ((it.flags & AS_TF_GRADED) && nv && graded &&
            (as_mp_init(&g, graded, graded_len),
             as_mp_field(g, as_table_str(t, it.id_off), it.id_len, AS_MAX_DEPTH, &gat)) &&
            as_mp_number(&gat, &people) == AS_MP_OK)
            msgpack_pack_double(pk, people); /* (graded: what people resolved) */
        else if ((it.flags & AS_TF_UNSCORABLE) || ((it.flags & AS_TF_GRADED) && nv))
            msgpack_pack_nil(pk); /* (never scored; or graded, waiting for people) */
        else
            msgpack_pack_double(pk, raw * it.weight);
        as_pack_cstr(pk, "max_score");
        as_pack_num(pk, it.max_score);
        as_pack_cstr(pk, "outcomes");
        msgpack_pack_map(pk, it.n_out);
        for (uint32_t k = 0; k < it.n_out; k++) {
            as_tout_t o;
            memcpy(&o, t->base + it.out_off + (size_t)k * sizeof o, sizeof o);
            as_pack_str(pk, as_table_str(t, o.id_off), o.id_len);
            as_pv_pack(pk, &self->out[k]);
        }
    }
}

void as_score_pack_outcomes(as_scorer_t *self, const as_table_t *t, msgpack_packer *pk)
{
    msgpack_pack_map(pk, t->hdr.n_out);
    for (uint32_t k = 0; k < t->hdr.n_out; k++) {
        as_tout_t o;
        memcpy(&o, t->base + t->hdr.out_off + (size_t)k * sizeof o, sizeof o);
        as_pack_str(pk, as_table_str(t, o.id_off), o.id_len);
        as_pv_pack(pk, &self->out[k]);
    }
}

double as_score_outcome_value(const as_scorer_t *self, int k)
{
    if (k < 0 || k >= AS_MAX_OUTCOMES) return NAN;
    const as_pv_t *v = &self->out[k];
    if (v->null || v->card != AS_CARD_SINGLE ||
        (v->base != AS_BT_INTEGER && v->base != AS_BT_FLOAT))
        return NAN;
    return v->v.x;
}

uint32_t as_table_pending(const as_table_t *t, const uint8_t *answered)
{
    if (!(t->hdr.flags & AS_TH_GRADED)) return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        n += (it.flags & AS_TF_GRADED) && answered[i];
    }
    return n;
}

void as_table_pack_pending(msgpack_packer *pk, const as_table_t *t, const uint8_t *answered)
{
    as_pack_cstr(pk, "pending");
    msgpack_pack_array(pk, as_table_pending(t, answered));
    for (uint32_t i = 0; i < t->hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        if ((it.flags & AS_TF_GRADED) && answered[i])
            as_pack_str(pk, as_table_str(t, it.id_off), it.id_len);
    }
}

void as_table_pack_outcome(msgpack_packer *pk, const as_table_t *t, double score, bool pending)
{
    as_pack_cstr(pk, "score");
    msgpack_pack_double(pk, score);
    as_pack_cstr(pk, "max_score");
    as_pack_num(pk, t->hdr.max_score);
    as_pack_cstr(pk, "ratio");
    as_pack_num(pk, as_table_ratio(t, score));
    if (t->hdr.has_pass) {
        as_pack_cstr(pk, "passed");
        if (isnan(t->hdr.max_score) || pending) /* (not known: the max, or people's grades) */
            msgpack_pack_nil(pk);
        else if (as_table_passed(t, score))
            msgpack_pack_true(pk);
        else
            msgpack_pack_false(pk);
    }
    if (as_table_over_max(t, score)) {
        as_pack_cstr(pk, "over_max");
        msgpack_pack_true(pk);
    }
}
