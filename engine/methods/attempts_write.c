/* attempts_write.c — the writer's half of exam attempts (attempts.c validates the requests):
 * starting one (or resuming the learner's unfinished one), saving answers, submitting, abandoning,
 * overrides, and the deadline sweep. Every change of an attempt happens here, one transaction at
 * a time, so a learner never has two unfinished attempts and an attempt ends exactly once,
 * whether the learner's submit or the sweep comes first.
 *
 * The deadline is fixed when the attempt starts: min(start + time limit + the override's extra
 * time, close_at (the override's, else the assessment's)); an untimed attempt ends with the
 * window, if it has one. At the deadline the attempt is overdue: saves are refused, the learner's
 * own submit is taken until deadline + grace. At deadline + grace the sweep ends it by the
 * assessment's `overdue` policy: `submit` stores the saved answers as the learner's response,
 * `abandon` ends it unscored; either way it finished at its deadline.
 */
#include "attempt.h"
#include "writes.h"

#include "clock.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_events[] = {"started", "submitted", "abandoned"};

/* The attempt.<assessment> notification of a change of state (event: "started", "overdue",
 * "submitted", "abandoned"). */
static void s_note(as_wtxn_t *txn, as_write_t *w, const as_attempt_t *a, const char *event)
{
    msgpack_packer *pk = as_write_note(w, "attempt", a->assessment, a->assessment_len);
    msgpack_pack_map(pk, 6);
    as_pack_cstr(pk, "event");
    as_pack_cstr(pk, event);
    as_pack_cstr(pk, "attempt");
    msgpack_pack_uint64(pk, a->id);
    as_pack_cstr(pk, "learner");
    as_pack_str(pk, a->learner, a->learner_len);
    as_pack_cstr(pk, "number");
    msgpack_pack_uint32(pk, a->number);
    as_pack_stamp(pk, as_store_stamp(txn));
}

static void s_reply_attempt(as_write_t *w, const as_attempt_t *a, const void *answers, size_t len,
                            double now)
{
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    as_attempt_pack(&w->reply_pk, a, answers, len, now);
}

static void s_subject(const as_attempt_t *a, as_subject_t *s)
{
    *s = (as_subject_t){.assessment = a->assessment,
                        .assessment_len = a->assessment_len,
                        .learner = a->learner,
                        .learner_len = a->learner_len};
}

bool as_write_attempt_start_subject(as_write_t *w, as_subject_t *s)
{
    if (as_write_nargs(w) < 2) return false;
    size_t alen, llen;
    s->assessment = as_write_arg(w, 0, &alen);
    s->learner = as_write_arg(w, 1, &llen);
    s->assessment_len = (uint32_t)alen;
    s->learner_len = (uint32_t)llen;
    s->key = NULL;
    s->key_len = 0;
    return true;
}

/* args: [assessment, learner] */
void as_write_attempt_start(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t alen, llen;
    const char *aid = as_write_arg(w, 0, &alen);
    const char *learner = as_write_arg(w, 1, &llen);
    as_subject_t s = {.assessment = aid,
                      .assessment_len = (uint32_t)alen,
                      .learner = learner,
                      .learner_len = (uint32_t)llen};
    as_table_t t;
    as_attempt_t a;
    const void *answers;
    size_t len;
    uint64_t id;
    double now = as_wall_s();
    if ((w->code = as_store_wtable(txn, aid, (uint32_t)alen, &t, &w->err))) return;
    if (as_store_attempt_open(txn, &s, &id, &w->err) == AS_OK) { /* resumed, as it is */
        if ((w->code = as_store_attempt_wget(txn, id, &a, &answers, &len, &w->err))) return;
        s_reply_attempt(w, &a, answers, len, now);
        return;
    }
    as_override_t o;
    bool found;
    if ((w->code = as_store_override_wget(txn, &s, &o, &found, &w->err))) return;
    bool closes = o.has_close || (t.hdr.window & AS_TW_CLOSE);
    double close = o.has_close ? o.close_at : t.hdr.close_at;
    char when[40];
    if ((t.hdr.window & AS_TW_OPEN) && now < t.hdr.open_at) {
        as_rfc3339(t.hdr.open_at, when, sizeof when);
        w->code = as_err_set(&w->err, AS_CONFLICT, "assessment \"%.*s\" opens at %s", (int)alen,
                             aid, when);
        return;
    }
    if (closes && now >= close) {
        as_rfc3339(close, when, sizeof when);
        w->code = as_err_set(&w->err, AS_CONFLICT, "assessment \"%.*s\" closed at %s", (int)alen,
                             aid, when);
        return;
    }
    uint32_t attempts;
    if ((w->code = as_write_attempt_allowed(txn, &s, &t, &attempts, &w->err))) return;
    a = (as_attempt_t){.number = attempts + 1,
                       .state = AS_ATT_IN_PROGRESS,
                       .started_at = now,
                       .grace_s = t.hdr.grace_s,
                       .overdue = t.hdr.overdue,
                       .assessment_len = (uint32_t)alen,
                       .learner_len = (uint32_t)llen};
    if (t.hdr.time_limit_s) a.deadline = now + t.hdr.time_limit_s + o.extra_time_s;
    if (closes && (a.deadline <= 0 || close < a.deadline)) a.deadline = close;
    memcpy(a.assessment, aid, alen);
    memcpy(a.learner, learner, llen);
    if ((w->code = as_store_attempt_count_set(txn, &s, attempts + 1, &w->err))) return;
    if ((w->code = as_store_attempt_new(txn, &a, NULL, 0, &w->err))) return;
    s_note(txn, w, &a, s_events[0]);
    s_reply_attempt(w, &a, NULL, 0, now);
}

/* The item ids a save names, for one lookup each (open addressing over as_table_hash; the
 * writer's scratch, grown as needed): a save of n answers against m saved ones costs O(n + m). */
static bool s_named(const as_writer_t *wr, uint32_t mask, const char *k, uint32_t len)
{
    for (uint32_t h = as_table_hash(k, len) & mask;; h = (h + 1) & mask) {
        const as_att_key_t *e = &wr->att_keys[h];
        if (!e->key) return false;
        if (e->len == len && memcmp(e->key, k, len) == 0) return true;
    }
}

/* The saved answers `old` with `changes` merged into wr->att: an item changes names replaces
 * its saved answer, or clears it when nil; the others are kept. Returns false when the scratch
 * cannot be had. */
static bool s_merge(as_writer_t *wr, const void *old, size_t old_len, as_mp_t changes)
{
    msgpack_sbuffer_clear(&wr->att);
    uint32_t nold = 0, nnew = 0, kept = 0, given = 0, slots = 16;
    as_mp_t o = {0}, c = changes;
    if (old_len) {
        as_mp_init(&o, old, old_len);
        as_mp_map(&o, &nold);
    }
    as_mp_map(&c, &nnew);
    as_mp_t body = c;
    while (slots < 2 * nnew)
        slots *= 2;
    if (slots > wr->att_cap) {
        as_att_key_t *grown = realloc(wr->att_keys, slots * sizeof *grown);
        if (!grown) return false;
        wr->att_keys = grown;
        wr->att_cap = slots;
    }
    memset(wr->att_keys, 0, slots * sizeof *wr->att_keys);
    for (uint32_t i = 0; i < nnew; i++) {
        const char *k = NULL;
        uint32_t kl = 0;
        if (as_mp_str(&c, &k, &kl)) return false; /* the worker checked: item ids */
        given += as_mp_peek(&c) != AS_MP_NIL;
        as_mp_skip(&c, AS_MAX_DEPTH);
        uint32_t h = as_table_hash(k, kl) & (slots - 1);
        while (wr->att_keys[h].key)
            h = (h + 1) & (slots - 1);
        wr->att_keys[h] = (as_att_key_t){.key = k, .len = kl};
    }
    as_mp_t scan = o;
    for (uint32_t i = 0; i < nold; i++) {
        const char *k;
        uint32_t kl;
        as_mp_str(&scan, &k, &kl);
        as_mp_skip(&scan, AS_MAX_DEPTH);
        kept += !s_named(wr, slots - 1, k, kl);
    }
    msgpack_pack_map(&wr->att_pk, kept + given);
    for (uint32_t i = 0; i < nold; i++) {
        const uint8_t *start = o.p;
        const char *k;
        uint32_t kl;
        as_mp_str(&o, &k, &kl);
        as_mp_skip(&o, AS_MAX_DEPTH);
        if (!s_named(wr, slots - 1, k, kl)) as_pack_raw(&wr->att_pk, start, (size_t)(o.p - start));
    }
    c = body;
    for (uint32_t i = 0; i < nnew; i++) {
        const uint8_t *start = c.p;
        const char *k;
        uint32_t kl;
        as_mp_str(&c, &k, &kl);
        bool nil = as_mp_peek(&c) == AS_MP_NIL;
        as_mp_skip(&c, AS_MAX_DEPTH);
        if (!nil) as_pack_raw(&wr->att_pk, start, (size_t)(c.p - start));
    }
    return true;
}

/* Reads a write's single argument, a msgpack array of n: [attempt id, ...]. */
static bool s_args(as_write_t *w, uint32_t n, as_mp_t *r, uint64_t *id)
{
    size_t len;
    const char *args = as_write_arg(w, 0, &len);
    uint32_t got;
    int64_t v;
    as_mp_init(r, args, len);
    if (as_mp_array(r, &got) || got != n || as_mp_int(r, &v) || v <= 0) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed attempt write from a worker");
        return false;
    }
    *id = (uint64_t)v;
    return true;
}

/* Attempt id, still in progress: else w->code says why (not found, ended) and false. */
static bool s_running(as_wtxn_t *txn, as_write_t *w, uint64_t id, as_attempt_t *a,
                      const void **answers, size_t *len)
{
    if ((w->code = as_store_attempt_wget(txn, id, a, answers, len, &w->err))) return false;
    if (a->state == AS_ATT_IN_PROGRESS) return true;
    w->code = as_err_set(&w->err, AS_CONFLICT, "attempt %llu has ended (%s)",
                         (unsigned long long)a->id, as_attempt_state_name(a, 0));
    return false;
}

/* args: [[attempt, seq | nil, answers]] */
void as_write_attempt_save(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    as_mp_t r;
    uint64_t id;
    if (!s_args(w, 3, &r, &id)) return;
    int64_t seq = -1;
    if (as_mp_nil(&r) && as_mp_int(&r, &seq)) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed attempt.save from a worker");
        return;
    }
    as_attempt_t a;
    const void *answers;
    size_t len;
    double now = as_wall_s();
    if (!s_running(txn, w, id, &a, &answers, &len)) return;
    if (a.deadline > 0 && now >= a.deadline) {
        w->code = as_err_set(&w->err, AS_CONFLICT, "time is up: attempt %llu is overdue",
                             (unsigned long long)id);
        return;
    }
    bool applied = seq < 0 || (uint64_t)seq > a.seq;
    if (applied) {
        if (!s_merge(wr, answers, len, r)) {
            w->code =
                as_err_set(&w->err, AS_INTERNAL,
                           "cannot merge the answers (out of memory, or not a map of item ids)");
            return;
        }
        if (seq >= 0) a.seq = (uint32_t)seq;
        if ((w->code = as_store_attempt_put(txn, &a, wr->att.data, wr->att.size, &w->err))) return;
        answers = wr->att.data;
        len = wr->att.size;
    }
    msgpack_packer *pk = &w->reply_pk;
    as_response_ok(pk, w->hdr.msgid);
    msgpack_pack_map(pk, 4);
    as_pack_cstr(pk, "attempt");
    as_attempt_pack(pk, &a, answers, len, now);
    as_pack_cstr(pk, "applied");
    applied ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    as_pack_cstr(pk, "seq");
    msgpack_pack_uint32(pk, a.seq);
    as_attempt_pack_time_left(pk, &a, now);
}

/* Ends an in-progress attempt with its saved answers (answers, len) as its response, submitted at
 * `when`: scored leniently against the assessment's current version (an answer it no longer
 * accepts counts as unanswered). */
static as_code_t s_submit(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_attempt_t *a,
                          const void *answers, size_t len, double when)
{
    as_subject_t s;
    s_subject(a, &s);
    as_table_t t;
    as_code_t rc = as_store_wtable(txn, a->assessment, a->assessment_len, &t, &w->err);
    if (rc) return rc;
    static const uint8_t empty = 0x80;
    as_mp_t mp;
    as_mp_init(&mp, len ? answers : &empty, len ? len : 1);
    as_mp_t scan = mp;
    double total;
    if (as_score_stored(wr->scorer, &t, &scan, &total, wr->item_scores))
        return as_err_set(&w->err, AS_INTERNAL, "attempt %llu: unreadable answers",
                          (unsigned long long)a->id);
    uint64_t rid;
    if ((rc = as_write_response(wr, txn, w, &s, &t, as_scorer_answered(wr->scorer), total,
                                a->number, when, mp, &rid)))
        return rc;
    a->state = AS_ATT_SUBMITTED;
    a->finished_at = when;
    a->response_id = rid;
    if ((rc = as_store_attempt_put(txn, a, answers, len, &w->err))) return rc;
    s_note(txn, w, a, s_events[1]);
    return AS_OK;
}

/* Ends an attempt as its deadline's policy says (the sweep, or a submit come too late). */
static as_code_t s_end_by_policy(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, as_attempt_t *a,
                                 const void *answers, size_t len)
{
    as_table_t t;
    as_err_t gone;
    /* an assessment deleted since has nothing to score against: the attempt ends unscored */
    if (a->overdue == AS_OVERDUE_SUBMIT &&
        as_store_wtable(txn, a->assessment, a->assessment_len, &t, &gone) == AS_OK)
        return s_submit(wr, txn, w, a, answers, len, a->deadline);
    a->state = AS_ATT_ABANDONED;
    a->finished_at = a->deadline;
    as_code_t rc = as_store_attempt_put(txn, a, answers, len, &w->err);
    if (!rc) s_note(txn, w, a, s_events[2]);
    return rc;
}

/* {attempt, response}: the response as response.submit returns it. */
static void s_reply_submitted(as_wtxn_t *txn, as_write_t *w, const as_attempt_t *a,
                              const void *answers, size_t len, double now)
{
    const void *rec;
    size_t rlen;
    if ((w->code = as_store_response_wget(txn, a->response_id, &rec, &rlen, &w->err))) return;
    msgpack_packer *pk = &w->reply_pk;
    as_response_ok(pk, w->hdr.msgid);
    msgpack_pack_map(pk, 2);
    as_pack_cstr(pk, "attempt");
    as_attempt_pack(pk, a, answers, len, now);
    as_pack_cstr(pk, "response");
    as_write_pack_result(pk, rec, rlen);
}

/* args: [[attempt, answers | nil]] */
void as_write_attempt_submit(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    as_mp_t r;
    uint64_t id;
    if (!s_args(w, 2, &r, &id)) return;
    as_attempt_t a;
    const void *answers;
    size_t len;
    double now = as_wall_s();
    if ((w->code = as_store_attempt_wget(txn, id, &a, &answers, &len, &w->err))) return;
    if (a.state == AS_ATT_IN_PROGRESS && a.deadline > 0 && now >= a.deadline + a.grace_s) {
        /* past the grace the sweep has not reached yet: ended as it would end it, these answers
         * too late to count */
        if ((w->code = s_end_by_policy(wr, txn, w, &a, answers, len))) return;
    } else if (a.state == AS_ATT_IN_PROGRESS) {
        if (as_mp_peek(&r) == AS_MP_MAP) {
            if (!s_merge(wr, answers, len, r)) {
                w->code = as_err_set(
                    &w->err, AS_INTERNAL,
                    "cannot merge the answers (out of memory, or not a map of item ids)");
                return;
            }
            answers = wr->att.data;
            len = wr->att.size;
        }
        double when = a.deadline > 0 && now > a.deadline ? a.deadline : now;
        if ((w->code = s_submit(wr, txn, w, &a, answers, len, when))) return;
    }
    if (a.state == AS_ATT_ABANDONED) {
        w->code =
            as_err_set(&w->err, AS_CONFLICT, "attempt %llu was abandoned%s", (unsigned long long)id,
                       a.finished_at == a.deadline ? ": time is up" : "");
        return;
    }
    s_reply_submitted(txn, w, &a, answers, len, now); /* also a second submit's answer */
}

/* args: [[attempt]] */
void as_write_attempt_abandon(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    as_mp_t r;
    uint64_t id;
    if (!s_args(w, 1, &r, &id)) return;
    as_attempt_t a;
    const void *answers;
    size_t len;
    double now = as_wall_s();
    if (!s_running(txn, w, id, &a, &answers, &len)) return;
    a.state = AS_ATT_ABANDONED;
    a.finished_at = now;
    if ((w->code = as_store_attempt_put(txn, &a, answers, len, &w->err))) return;
    s_note(txn, w, &a, s_events[2]);
    s_reply_attempt(w, &a, answers, len, now);
}

/* args: [assessment, learner, as_override_t] */
void as_write_override(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t alen, llen, olen;
    const char *aid = as_write_arg(w, 0, &alen);
    const char *learner = as_write_arg(w, 1, &llen);
    const char *raw = as_write_arg(w, 2, &olen);
    as_override_t o;
    as_table_t t;
    if (olen != sizeof o) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed override from a worker");
        return;
    }
    memcpy(&o, raw, sizeof o);
    if ((w->code = as_store_wtable(txn, aid, (uint32_t)alen, &t, &w->err))) return;
    as_subject_t s = {.assessment = aid,
                      .assessment_len = (uint32_t)alen,
                      .learner = learner,
                      .learner_len = (uint32_t)llen};
    if ((w->code = as_store_override_put(txn, &s, &o, &w->err))) return;
    msgpack_packer *pk = &w->reply_pk;
    as_response_ok(pk, w->hdr.msgid);
    msgpack_pack_map(pk, 5);
    as_pack_cstr(pk, "assessment");
    as_pack_str(pk, aid, alen);
    as_pack_cstr(pk, "learner");
    as_pack_str(pk, learner, llen);
    as_pack_cstr(pk, "extra_time_s");
    msgpack_pack_double(pk, o.extra_time_s);
    as_pack_cstr(pk, "extra_attempts");
    msgpack_pack_uint32(pk, o.extra_attempts);
    as_pack_cstr(pk, "close_at");
    if (o.has_close) {
        char when[40];
        as_rfc3339(o.close_at, when, sizeof when);
        as_pack_cstr(pk, when);
    } else {
        msgpack_pack_nil(pk);
    }
}

int as_write_attempts_sweep(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w, double now, int max,
                            double *next)
{
    int done = 0;
    *next = 0;
    w->code = AS_OK;
    while (done < max && !w->code) {
        uint64_t id;
        as_due_t kind;
        as_err_t err;
        if (as_store_attempt_due(txn, now, &id, &kind, next, &err)) break; /* none due */
        as_attempt_t a;
        const void *answers;
        size_t len;
        if (as_store_attempt_wget(txn, id, &a, &answers, &len, &err) ||
            a.state != AS_ATT_IN_PROGRESS)
            continue; /* ended already: nothing to do */
        done++;
        if (kind == AS_DUE_OVERDUE) {
            if (a.noted_overdue) continue;
            a.noted_overdue = 1;
            if ((w->code = as_store_attempt_put(txn, &a, answers, len, &w->err))) break;
            s_note(txn, w, &a, "overdue");
        } else {
            w->code = s_end_by_policy(wr, txn, w, &a, answers, len);
        }
    }
    if (done == max) *next = now; /* more may be due: go on at once */
    return done;
}
