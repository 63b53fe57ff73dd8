/* grades_write.c — grade.put in the writer: the grade checked against its response and item,
 * stored (store.h: the rater's previous grade replaced, every one kept), and the item's grades
 * resolved (grading/resolve.c). When the last graded item a pending response waits for
 * resolves, the response is scored: its record rewritten with its total and the graded items'
 * scores, the report counts it (when it is still its learner's latest attempt), tracing
 * observes its graded items, and score.<assessment> is published as for a submission. The item's
 * agreement counts (grading/agreement_counts.h) change in the same transaction. */
#include "agreement_counts.h"
#include "grades.h"
#include "record.h"
#include "resolve.h"
#include "tracing.h"
#include "writes.h"

#include "clock.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define S_MAX_GRADES                                                                               \
    64 /* people's grades of one answer kept to resolve it: the 64 first given                     \
          (a resolution reads at most the first 17: 16 raters and an                               \
          adjudicator) */

/* People's grades of one answer, in the order they first graded it (ties: by rater id, the
 * order the store lists them in). */
typedef struct {
    double score[S_MAX_GRADES], first_at[S_MAX_GRADES];
    uint32_t n;
} s_grades_t;

static void s_collect(void *arg, const as_grade_t *g)
{
    s_grades_t *gs = arg;
    if (as_grade_is_judge(g->rater, g->rater_len)) return;
    if (gs->n == S_MAX_GRADES) { /* full: this one in place of the last given, if before it */
        if (g->first_at >= gs->first_at[S_MAX_GRADES - 1]) return;
        gs->n--;
    }
    uint32_t i = gs->n++; /* listed in rater id order: a stable insertion by first grade time */
    while (i > 0 && gs->first_at[i - 1] > g->first_at) {
        gs->score[i] = gs->score[i - 1];
        gs->first_at[i] = gs->first_at[i - 1];
        i--;
    }
    gs->score[i] = g->score;
    gs->first_at[i] = g->first_at;
}

/* The state of response rid's answer to graded item `it` (*raw: its score when resolved). */
as_code_t as_write_grade_state(as_wtxn_t *txn, uint64_t rid, const as_table_t *t,
                               const as_titem_t *it, as_grade_state_t *state, double *raw,
                               as_err_t *err)
{
    s_grades_t gs = {.n = 0};
    as_code_t rc =
        as_store_grades(txn, rid, as_table_str(t, it->id_off), it->id_len, s_collect, &gs, err);
    if (rc) return rc;
    *state = as_grade_resolve(gs.score, gs.n, it->raters, it->resolve, it->tolerance, raw);
    return AS_OK;
}

/* Packs {item_id: weighted score} of the graded items answered (their scores in x). */
static void s_pack_graded(msgpack_packer *pk, const as_table_t *t, const uint8_t *answered,
                          const double *x)
{
    msgpack_pack_map(pk, as_table_pending(t, answered));
    for (uint32_t i = 0; i < t->hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        if (!(it.flags & AS_TF_GRADED) || !answered[i]) continue;
        as_pack_str(pk, as_table_str(t, it.id_off), it.id_len);
        msgpack_pack_double(pk, x[i]);
    }
}

/* Response rid (of learner s) scored with total, every graded item it answered resolved: its
 * record rewritten, counted by the report when it is its learner's latest attempt, published;
 * when it was pending, no longer, and its graded items observed by tracing (a revision after
 * that changes the score, not what tracing saw). */
static as_code_t s_scored(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, const as_table_t *t,
                          const as_subject_t *s, uint64_t rid, double total, bool was_pending)
{
    const void *rec;
    size_t len;
    as_record_t r;
    as_code_t rc = as_store_response_wget(txn, rid, &rec, &len, &w->err);
    if (rc) return rc;
    if (!as_record_read(rec, len, &r))
        return as_err_set(&w->err, AS_INTERNAL, "response %llu: corrupt record",
                          (unsigned long long)rid);
    msgpack_sbuffer graded;
    msgpack_sbuffer_init(&graded);
    msgpack_packer gpk;
    msgpack_packer_init(&gpk, &graded, msgpack_sbuffer_write);
    s_pack_graded(&gpk, t, wr->answered, wr->item_scores);
    r.graded = (const uint8_t *)graded.data;
    r.graded_len = graded.size;
    r.answered = NULL; /* (nothing pending now) */
    uint32_t attempt = r.attempt;
    msgpack_sbuffer_clear(&wr->rec);
    as_record_pack(&wr->rec_pk, &r, t, total); /* (r's views read before the replace) */
    msgpack_sbuffer_destroy(&graded);
    if ((rc = as_store_response_replace(txn, s->assessment, s->assessment_len, rid, wr->rec.data,
                                        wr->rec.size, &w->err)) ||
        (was_pending &&
         (rc = as_store_pending_add(txn, s->assessment, s->assessment_len, rid, false, &w->err))))
        return rc;
    if (attempt == as_store_attempts(txn, s) &&
        (rc = as_store_stats_update(txn, s, rid, t, wr->item_scores, wr->answered, total, &w->err)))
        return rc;
    /* tracing observes the graded items now (the others were observed at the submission) */
    for (uint32_t i = 0; was_pending && i < t->hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        wr->observed[i] = (it.flags & AS_TF_GRADED) ? wr->answered[i] : 0;
    }
    if (was_pending && (rc = as_write_trace(wr, txn, t, s->learner, s->learner_len, wr->item_scores,
                                            wr->observed, &w->err)))
        return rc;
    as_record_t note;
    if (!as_record_read(wr->rec.data, wr->rec.size, &note))
        return as_err_set(&w->err, AS_INTERNAL, "response %llu: corrupt record",
                          (unsigned long long)rid);
    as_record_pack_note(as_write_note(w, "score", s->assessment, s->assessment_len), &note, t,
                        total, as_store_stamp(txn), 0);
    return AS_OK;
}

/* The grade's response, item and rater: three pairs of the reply and of its notification. */
static void s_pack_who(msgpack_packer *pk, uint64_t rid, const char *item, size_t item_len,
                       const char *rater, size_t rater_len)
{
    as_pack_cstr(pk, "response");
    msgpack_pack_uint64(pk, rid);
    as_pack_cstr(pk, "item");
    as_pack_str(pk, item, item_len);
    as_pack_cstr(pk, "rater");
    as_pack_str(pk, rater, rater_len);
}

/* A score's index on a graded item's scale. */
static uint16_t s_point(const as_titem_t *it, double score)
{
    double q = round(score / it->step);
    return (uint16_t)(q < 0 ? 0 : q >= it->graded_points ? it->graded_points - 1 : q);
}

/* Every rater's latest grade of one answer, into the writer's agreement scratch. */
typedef struct {
    as_agree_scratch_t *u;
    const as_titem_t *it;
    bool full; /* more than AS_AGREE_MAX_RATERS */
} s_unit_t;

static void s_unit(void *arg, const as_grade_t *g)
{
    s_unit_t *c = arg;
    if (c->u->n == AS_AGREE_MAX_RATERS) {
        c->full = true;
        return;
    }
    as_unit_grade_t *ug = &c->u->grades[c->u->n++];
    memcpy(ug->rater, g->rater, g->rater_len);
    ug->len = g->rater_len;
    ug->grade = s_point(c->it, g->score);
}

/* Adds one change of the agreement counts (as_agree_change's emit). */
typedef struct {
    as_wtxn_t *txn;
    const as_subject_t *s;
    const char *item;
    uint32_t item_len;
    as_err_t *err;
    as_code_t rc;
} s_counts_t;

static int s_count(void *arg, const char *key, uint32_t klen, const int64_t *delta, uint32_t n)
{
    s_counts_t *c = arg;
    c->rc = as_store_grade_counts_add(c->txn, c->s->assessment, c->s->assessment_len, c->item,
                                      c->item_len, key, klen, delta, n, c->err);
    return c->rc != AS_OK;
}

/* args: as_grade_fwd_t, item, rater, comment, the answers scored on the worker (grades.h) */
void as_write_grade_put(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    size_t glen, item_len, rater_len, comment_len;
    const char *raw = as_write_arg(w, 0, &glen), *item = as_write_arg(w, 1, &item_len),
               *rater = as_write_arg(w, 2, &rater_len), *comment = as_write_arg(w, 3, &comment_len);
    as_grade_fwd_t g;
    if (glen != sizeof g || item_len > AS_MAX_ID || rater_len > AS_MAX_NAME) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed grade from a worker");
        return;
    }
    memcpy(&g, raw, sizeof g);
    /* the response, its assessment's table and the item */
    const void *rec;
    size_t len;
    as_record_t r;
    if ((w->code = as_store_response_wget(txn, g.rid, &rec, &len, &w->err))) return;
    if (!as_record_read(rec, len, &r) || r.assessment_len > AS_MAX_ID ||
        r.learner_len > AS_MAX_NAME) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "response %llu: corrupt record",
                             (unsigned long long)g.rid);
        return;
    }
    char assessment[AS_MAX_ID], learner[AS_MAX_NAME];
    memcpy(assessment, r.assessment, r.assessment_len);
    memcpy(learner, r.learner, r.learner_len);
    as_subject_t s = {.assessment = assessment,
                      .assessment_len = r.assessment_len,
                      .learner = learner,
                      .learner_len = r.learner_len};
    bool pending = r.pending, graded_before = r.graded != NULL;
    as_table_t t;
    if ((w->code = as_store_wtable(txn, assessment, s.assessment_len, &t, &w->err))) return;
    int32_t pos = as_table_find(&t, item, (uint32_t)item_len);
    as_titem_t it;
    if (pos >= 0) as_table_item(&t, (uint32_t)pos, &it);
    if (pos < 0 || !(it.flags & AS_TF_GRADED)) {
        w->code = as_err_set(
            &w->err, AS_BAD_REQUEST,
            pos < 0 ? "item: assessment \"%.*s\" has no item \"%.*s\""
                    : "item: item \"%.*s\" of assessment \"%.*s\" is scored "
                      "automatically, not graded by people",
            pos < 0 ? (int)s.assessment_len : (int)item_len, pos < 0 ? assessment : item,
            pos < 0 ? (int)item_len : (int)s.assessment_len, pos < 0 ? item : assessment);
        return;
    }
    /* the automatic part and what the response answered: the worker's scores while its version
     * is current in this transaction, else its answers scored again here */
    double total;
    size_t sclen = 0;
    const char *scored_here = as_write_nargs(w) > 4 ? as_write_arg(w, 4, &sclen) : NULL;
    as_grade_scored_t sc;
    if (sclen >= sizeof sc) memcpy(&sc, scored_here, sizeof sc);
    if (sclen >= sizeof sc && sc.version == t.hdr.version && sc.n_items == t.hdr.n_items &&
        sclen == sizeof sc + (sizeof(double) + 1) * sc.n_items) {
        total = sc.total;
        memcpy(wr->item_scores, scored_here + sizeof sc, sizeof(double) * sc.n_items);
        memcpy(wr->answered, scored_here + sizeof sc + sizeof(double) * sc.n_items, sc.n_items);
    } else if (as_record_score(wr->scorer, &t, rec, len, &r, wr->item_scores, &total)) {
        memcpy(wr->answered, as_scorer_answered(wr->scorer), t.hdr.n_items);
    } else {
        w->code = as_err_set(&w->err, AS_INTERNAL, "response %llu: corrupt record",
                             (unsigned long long)g.rid);
        return;
    }
    if (!wr->answered[pos]) {
        w->code = as_err_set(&w->err, AS_BAD_REQUEST,
                             "item: response %llu did not answer item \"%.*s\": it scores 0, "
                             "nothing to grade",
                             (unsigned long long)g.rid, (int)item_len, item);
        return;
    }
    if (!as_graded_on_scale(&it, g.score)) {
        w->code = as_err_set(&w->err, AS_BAD_REQUEST,
                             "score: %g is not a point of item \"%.*s\"'s scale (0 to %g in steps "
                             "of %g)",
                             g.score, (int)item_len, item, it.raw_hi, it.step);
        return;
    }
    /* the answer's grades so far, for the agreement counts; a new rater beyond the most */
    as_agree_scratch_t *u = wr->agree;
    u->n = 0;
    s_unit_t unit = {.u = u, .it = &it};
    if ((w->code = as_store_grades(txn, g.rid, item, (uint32_t)item_len, s_unit, &unit, &w->err)))
        return;
    bool known = false;
    for (uint32_t i = 0; i < u->n && !known; i++)
        known = u->grades[i].len == rater_len && memcmp(u->grades[i].rater, rater, rater_len) == 0;
    if (unit.full || (!known && u->n == AS_AGREE_MAX_RATERS)) {
        w->code = as_err_set(&w->err, AS_CONFLICT,
                             "rater: response %llu's answer to item \"%.*s\" has %d raters' "
                             "grades, the most one answer takes",
                             (unsigned long long)g.rid, (int)item_len, item, AS_AGREE_MAX_RATERS);
        return;
    }
    as_grade_t gr = {.rater = rater,
                     .rater_len = (uint32_t)rater_len,
                     .score = g.score,
                     .comment = g.has_comment ? comment : NULL,
                     .comment_len = g.has_comment ? (uint32_t)comment_len : 0,
                     .at = as_wall_s()};
    if ((w->code = as_store_grade_put(txn, g.rid, item, (uint32_t)item_len, &gr, &w->err)) ||
        (w->code = as_store_lease_release(txn, g.rid, item, (uint32_t)item_len, rater,
                                          (uint32_t)rater_len, &w->err)))
        return;
    s_counts_t counts = {
        .txn = txn, .s = &s, .item = item, .item_len = (uint32_t)item_len, .err = &w->err};
    if (as_agree_change(u, it.graded_points, rater, (uint32_t)rater_len, s_point(&it, g.score),
                        s_count, &counts)) {
        w->code = counts.rc;
        return;
    }
    as_grade_state_t state;
    double item_raw;
    if ((w->code = as_write_grade_state(txn, g.rid, &t, &it, &state, &item_raw, &w->err))) return;
    /* the response: scored once every graded item it answered is resolved (again after a
     * revision: a revision that reopens a dispute leaves the score as it was until resolved) */
    bool scored = false;
    if (pending || graded_before) {
        scored = true;
        for (uint32_t i = 0; i < t.hdr.n_items && scored; i++) {
            as_titem_t gi;
            as_table_item(&t, i, &gi);
            if (!(gi.flags & AS_TF_GRADED) || !wr->answered[i]) continue;
            as_grade_state_t si;
            double ri;
            if ((w->code = as_write_grade_state(txn, g.rid, &t, &gi, &si, &ri, &w->err))) return;
            scored = si == AS_GRADE_RESOLVED;
            wr->item_scores[i] = ri * gi.weight;
            total += wr->item_scores[i];
        }
        if (scored && (w->code = s_scored(wr, txn, w, &t, &s, g.rid, total, pending))) return;
    }
    msgpack_packer *pk = &w->reply_pk;
    as_response_ok(pk, w->hdr.msgid);
    bool resolved = state == AS_GRADE_RESOLVED, whole = scored;
    msgpack_pack_map(pk, 5 + (resolved ? 1 : 0) + (whole ? 1 : 0));
    s_pack_who(pk, g.rid, item, item_len, rater, rater_len);
    as_pack_cstr(pk, "score");
    msgpack_pack_double(pk, g.score);
    as_pack_cstr(pk, "state");
    as_pack_cstr(pk, as_grade_state_name(state));
    if (resolved) {
        as_pack_cstr(pk, "item_score");
        msgpack_pack_double(pk, item_raw * it.weight);
    }
    if (whole) {
        as_pack_cstr(pk, "response_score");
        msgpack_pack_double(pk, total);
    }
    /* grade.<assessment>: who graded what, and the answer's state, never the score (blind) */
    pk = as_write_note(w, "grade", assessment, s.assessment_len);
    msgpack_pack_map(pk, 6);
    s_pack_who(pk, g.rid, item, item_len, rater, rater_len);
    as_pack_cstr(pk, "state");
    as_pack_cstr(pk, as_grade_state_name(state));
    as_pack_stamp(pk, as_store_stamp(txn));
}
