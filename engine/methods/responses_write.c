/* responses_write.c — the writer's half of response.submit: inside the transaction, an
 * idempotent retry is answered from its stored record; else the response is scored again if its
 * assessment moved since the worker scored it, max_attempts is enforced, the learner's mastery
 * is updated (tracing/mastery_update.c), and the record, its indexes and the report's statistics
 * are stored, with the score.<assessment> and mastery.<learner> notifications. */
#include "writes.h"

#include "clock.h"
#include "record.h"
#include "models_trace.h"
#include "tracing.h"

#include <string.h>

void as_write_pack_result(msgpack_packer *pk, const void *record, size_t len)
{
    as_mp_t r;
    uint32_t n;
    as_mp_init(&r, record, len);
    as_mp_map(&r, &n);
    msgpack_pack_map(pk, n - 1);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *start = r.p;
        const char *k;
        uint32_t kl;
        as_mp_str(&r, &k, &kl);
        as_mp_skip(&r, AS_MAX_DEPTH);
        if (!as_str_eq(k, kl, "answers")) as_pack_raw(pk, start, (size_t)(r.p - start));
    }
}

/* Reads the worker's item scores and answered flags (k of each) into the writer's arrays. */
static bool s_read_items(as_writer_t *wr, as_mp_t *r, uint32_t *k)
{
    uint32_t n, m;
    if (as_mp_array(r, &n) || n > AS_MAX_ITEMS) return false;
    for (uint32_t i = 0; i < n; i++)
        if (as_mp_number(r, &wr->item_scores[i])) return false;
    if (as_mp_array(r, &m) || m != n) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t a;
        if (as_mp_u32(r, &a)) return false;
        wr->answered[i] = (uint8_t)a;
    }
    *k = n;
    return true;
}

/* The subject at the head of a submission's arguments; r then reads what follows. */
static bool s_subject(as_write_t *w, as_mp_t *r, as_subject_t *s)
{
    size_t len;
    const char *args = as_write_arg(w, 0, &len);
    uint32_t n;
    *s = (as_subject_t){0};
    as_mp_init(r, args, len);
    return !as_mp_array(r, &n) && n == 8 && !as_mp_str(r, &s->assessment, &s->assessment_len) &&
           !as_mp_str(r, &s->learner, &s->learner_len) &&
           (!as_mp_nil(r) || !as_mp_str(r, &s->key, &s->key_len));
}

bool as_write_submit_subject(as_write_t *w, as_subject_t *s)
{
    as_mp_t r;
    return s_subject(w, &r, s);
}

/* args[0]: [assessment, learner, key | nil, version, score, [item scores], [answered], answers]
 * (see responses.c, response.submit) */
void as_write_submit(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    as_mp_t r;
    uint32_t version, k;
    double score;
    as_subject_t s;
    if (!s_subject(w, &r, &s) || as_mp_u32(&r, &version) || as_mp_number(&r, &score) ||
        !s_read_items(wr, &r, &k)) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed submit from a worker");
        return;
    }
    as_mp_t answers = r;
    const void *rec;
    size_t rec_len;
    uint64_t rid;
    /* A retry with the same key: the original result, nothing stored. */
    if (s.key && as_store_idem_find(txn, &s, &rid, &w->err) == AS_OK) {
        if ((w->code = as_store_response_wget(txn, rid, &rec, &rec_len, &w->err))) return;
        as_response_ok(&w->reply_pk, w->hdr.msgid);
        as_write_pack_result(&w->reply_pk, rec, rec_len);
        return;
    }
    /* The worker's scores stand while its version is current in this transaction; when the
     * assessment was replaced since, the answers are scored again against the new table. */
    as_table_t t;
    if ((w->code = as_store_wtable(txn, s.assessment, s.assessment_len, &t, &w->err))) return;
    const uint8_t *answered = wr->answered;
    /* the worker's model steps (a second frame) hold only for its scores */
    wr->kt_pre = as_write_nargs(w) > 1 ? as_write_arg(w, 1, &wr->kt_pre_len) : NULL;
    if (t.hdr.version != version || t.hdr.n_items != k) {
        wr->kt_pre = NULL;
        as_path_t path;
        as_path_init(&path, "answers");
        as_mp_t scan = answers;
        if ((w->code =
                 as_score_answers(wr->scorer, &t, &scan, &path, &score, wr->item_scores, &w->err)))
            return;
        answered = as_scorer_answered(wr->scorer);
    }
    if (t.hdr.time_limit_s) {
        w->code =
            as_err_set(&w->err, AS_CONFLICT, "assessment \"%.*s\" is timed: use attempt.start",
                       (int)s.assessment_len, s.assessment);
        return;
    }
    uint32_t attempts;
    if ((w->code = as_write_attempt_allowed(txn, &s, &t, &attempts, &w->err))) return;
    if ((w->code = as_store_attempt_count_set(txn, &s, attempts + 1, &w->err))) return;
    w->code = as_write_response(wr, txn, w, &s, &t, answered, score, attempts + 1, as_wall_s(),
                                answers, &rid);
    wr->kt_pre = NULL;
    if (w->code) return;
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    as_write_pack_result(&w->reply_pk, wr->rec.data, wr->rec.size);
}

as_code_t as_write_attempt_allowed(as_wtxn_t *txn, const as_subject_t *s, const as_table_t *t,
                                   uint32_t *attempts, as_err_t *err)
{
    *attempts = as_store_attempt_count(txn, s);
    if (!t->hdr.max_attempts) return AS_OK;
    as_override_t o;
    bool found;
    as_code_t rc = as_store_override_wget(txn, s, &o, &found, err);
    if (rc) return rc;
    uint32_t max = t->hdr.max_attempts + o.extra_attempts;
    if (*attempts < max) return AS_OK;
    return as_err_set(err, AS_CONFLICT,
                      "learner \"%.*s\" has used all %u attempt(s) at assessment \"%.*s\"",
                      (int)s->learner_len, s->learner, max, (int)s->assessment_len, s->assessment);
}

as_code_t as_write_response(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, const as_subject_t *sp,
                            const as_table_t *tp, const uint8_t *answered, double score,
                            uint32_t attempt, double submitted_at, as_mp_t answers,
                            uint64_t *rid_out)
{
    as_subject_t s = *sp;
    const as_table_t t = *tp;
    uint64_t rid = as_store_next_rid(txn);
    *rid_out = rid;
    as_code_t rc;
    /* graded items answered wait for people: their scores are not known, so tracing does not
     * observe them now (nor the worker's model steps, which did) */
    bool pending = as_table_pending(&t, answered) > 0;
    const uint8_t *observed = answered;
    if (pending) {
        for (uint32_t i = 0; i < t.hdr.n_items; i++) {
            as_titem_t it;
            as_table_item(&t, i, &it);
            wr->observed[i] = (it.flags & AS_TF_GRADED) ? 0 : answered[i];
        }
        observed = wr->observed;
        wr->kt_pre = NULL;
    }
    /* knowledge tracing: the learner's mastery of the answered items' skills */
    if ((rc = as_write_trace(wr, txn, &t, s.learner, s.learner_len, wr->item_scores, observed,
                             &w->err)))
        return rc;
    /* the deep models: the worker's steps where they still hold, else run here */
    if ((rc = as_kt_write(wr->kt, txn, &t, s.learner, s.learner_len, wr->item_scores, observed,
                          wr->kt_pre, wr->kt_pre_len, &wr->models, &wr->n_models, &w->err)))
        return rc;
    char when[40];
    as_rfc3339(submitted_at, when, sizeof when);
    as_record_t record = {.response_id = rid,
                          .assessment = s.assessment,
                          .assessment_len = s.assessment_len,
                          .learner = s.learner,
                          .learner_len = s.learner_len,
                          .attempt = attempt,
                          .submitted_at = when,
                          .submitted_at_len = (uint32_t)strlen(when),
                          .mastery = wr->mastery.size ? (const uint8_t *)wr->mastery.data : NULL,
                          .mastery_len = wr->mastery.size,
                          .models = wr->n_models ? (const uint8_t *)wr->models.data : NULL,
                          .models_len = wr->models.size,
                          .answers = answers.p,
                          .answers_len = as_mp_left(&answers),
                          .answered = answered};
    msgpack_sbuffer_clear(&wr->rec);
    as_record_pack(&wr->rec_pk, &record, &t, score);
    if ((rc = as_store_response_add(txn, &s, rid, attempt, wr->rec.data, wr->rec.size, &w->err)))
        return rc;
    /* the report counts a response once it is scored: a pending one when people resolve it */
    rc = pending
             ? as_store_pending_add(txn, s.assessment, s.assessment_len, rid, true, &w->err)
             : as_store_stats_update(txn, &s, rid, &t, wr->item_scores, answered, score, &w->err);
    if (rc) return rc;
    as_record_pack_note(as_write_note(w, "score", s.assessment, s.assessment_len), &record, &t,
                        score, as_store_stamp(txn), 0);
    if (record.mastery || record.models) {
        msgpack_packer *pk = as_write_note(w, "mastery", s.learner, s.learner_len);
        msgpack_pack_map(pk, 6 + (record.models ? 1 : 0));
        as_pack_cstr(pk, "learner");
        as_pack_str(pk, s.learner, s.learner_len);
        as_pack_cstr(pk, "assessment");
        as_pack_str(pk, s.assessment, s.assessment_len);
        as_pack_cstr(pk, "response_id");
        msgpack_pack_uint64(pk, rid);
        as_pack_cstr(pk, "skills");
        if (record.mastery)
            as_pack_raw(pk, record.mastery, record.mastery_len);
        else
            msgpack_pack_map(pk, 0);
        if (record.models) {
            as_pack_cstr(pk, "models");
            as_pack_raw(pk, record.models, record.models_len);
        }
        as_pack_stamp(pk, as_store_stamp(txn));
    }
    return AS_OK;
}
