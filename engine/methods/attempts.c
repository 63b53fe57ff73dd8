/* attempts.c — exam attempts: attempt.start, .save, .submit, .abandon and assessment.override
 * (validated here, applied by attempts_write.c), attempt.get and attempt.list (read here). */
#include "handler.h"

#include "attempt.h"
#include "clock.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* attempt.start {assessment, learner} */
as_code_t as_handle_attempt_start(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("learner")};
    as_path_t path;
    as_table_t t;
    const char *learner;
    uint32_t llen;
    as_code_t rc = as_h_params(req, f, 2, 2, &path, err);
    if (rc) return rc;
    if ((rc = as_field_name(&f[1], &learner, &llen, &path, err))) return rc;
    if ((rc = as_h_table(w, &f[0], &path, &t, err))) return rc;
    if ((rc = as_h_fwd(w, as_table_str(&t, t.hdr.id_off), t.hdr.id_len, err)) ||
        (rc = as_h_fwd(w, learner, llen, err)))
        return rc;
    w->fwd_op = AS_OP_ATTEMPT_START;
    return AS_OK;
}

/* The attempt named by field f, read in the worker's transaction; when field owner (`learner`)
 * is given, it must be that learner's (as_h_owner). */
static as_code_t s_attempt(as_worker_t *w, as_field_t *f, as_field_t *owner, as_path_t *path,
                           uint64_t *id, as_attempt_t *a, const void **answers, size_t *len,
                           as_err_t *err)
{
    as_code_t rc = as_field_u64(f, id, path, err);
    if (!rc) rc = as_store_attempt_get(w->rd, *id, a, answers, len, err);
    return rc ? rc : as_h_owner(owner, a->learner, a->learner_len, "attempt", *id, path, err);
}

/* Answers for attempt a: a map whose every item is one of its assessment's and whose every value
 * (nil: clear it) fits its item, as response.submit checks them. */
static as_code_t s_check_answers(as_worker_t *w, const as_attempt_t *a, as_field_t *f,
                                 as_err_t *err)
{
    as_table_t t;
    as_code_t rc = as_store_table(w->rd, a->assessment, a->assessment_len, &t, err);
    if (rc) return rc;
    as_path_t path;
    as_path_init(&path, "answers");
    as_mp_t scan = f->at;
    double total;
    return as_score_answers(w->scorer, &t, &scan, &path, &total, NULL, err);
}

/* Forwards [[fields...]] as the write's one argument. */
static as_code_t s_fwd_array(as_worker_t *w, as_op_t op, uint64_t id, const as_mp_t *a,
                             const as_mp_t *b, bool with_b, as_err_t *err)
{
    msgpack_sbuffer_clear(&w->fwd_sb);
    msgpack_packer *pk = &w->fwd_pk;
    msgpack_pack_array(pk, 1 + (a ? 1 : 0) + (with_b ? 1 : 0));
    msgpack_pack_uint64(pk, id);
    const as_mp_t *parts[2] = {a, with_b ? b : NULL};
    for (int i = 0; i < 2; i++) {
        if (!parts[i]) continue;
        if (as_mp_left(parts[i]) == 0) { /* not given */
            msgpack_pack_nil(pk);
            continue;
        }
        as_mp_t end = *parts[i];
        as_mp_skip(&end, AS_MAX_DEPTH);
        as_pack_raw(pk, parts[i]->p, (size_t)(end.p - parts[i]->p));
    }
    as_code_t rc = as_h_fwd(w, w->fwd_sb.data, w->fwd_sb.size, err);
    if (!rc) w->fwd_op = op;
    return rc;
}

static const as_mp_t s_none = {0};

/* attempt.save {attempt, answers, seq?, learner?} */
as_code_t as_handle_attempt_save(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("attempt"), AS_FIELD("answers"), AS_FIELD("seq"),
                      AS_FIELD("learner")};
    as_path_t path;
    as_attempt_t a;
    const void *answers;
    size_t len;
    uint64_t id;
    as_code_t rc = as_h_params(req, f, 4, 2, &path, err);
    if (rc) return rc;
    if ((rc = s_attempt(w, &f[0], &f[3], &path, &id, &a, &answers, &len, err))) return rc;
    as_mp_t seq_at = f[2].seen ? f[2].at : s_none; /* forwarded as given, once checked */
    if (f[2].seen) {
        uint32_t seq;
        if ((rc = as_field_uint(&f[2], 0, UINT32_MAX, &seq, &path, err))) return rc;
    }
    if (as_mp_peek(&f[1].at) != AS_MP_MAP) {
        as_path_init(&path, "answers");
        return as_err_at(err, AS_BAD_REQUEST, &path, "expected a map of item answers, got %s",
                         as_mp_type_name(as_mp_peek(&f[1].at)));
    }
    if ((rc = s_check_answers(w, &a, &f[1], err))) return rc;
    return s_fwd_array(w, AS_OP_ATTEMPT_SAVE, id, &seq_at, &f[1].at, true, err);
}

/* attempt.submit {attempt, answers?, learner?} */
as_code_t as_handle_attempt_submit(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("attempt"), AS_FIELD("answers"), AS_FIELD("learner")};
    as_path_t path;
    as_attempt_t a;
    const void *answers;
    size_t len;
    uint64_t id;
    as_code_t rc = as_h_params(req, f, 3, 1, &path, err);
    if (rc) return rc;
    if ((rc = s_attempt(w, &f[0], &f[2], &path, &id, &a, &answers, &len, err))) return rc;
    as_mp_t given = f[1].seen ? f[1].at : s_none;
    if (f[1].seen && as_mp_peek(&f[1].at) != AS_MP_NIL && (rc = s_check_answers(w, &a, &f[1], err)))
        return rc;
    return s_fwd_array(w, AS_OP_ATTEMPT_SUBMIT, id, &given, NULL, false, err);
}

/* The params {attempt, learner?} of a method that takes nothing else, and the attempt they
 * name. */
static as_code_t s_only_attempt(as_worker_t *w, as_request_t *req, uint64_t *id, as_attempt_t *a,
                                const void **answers, size_t *len, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("attempt"), AS_FIELD("learner")};
    as_path_t path;
    as_code_t rc = as_h_params(req, f, 2, 1, &path, err);
    return rc ? rc : s_attempt(w, &f[0], &f[1], &path, id, a, answers, len, err);
}

/* attempt.abandon {attempt, learner?} (admin) */
as_code_t as_handle_attempt_abandon(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_attempt_t a;
    const void *answers;
    size_t len;
    uint64_t id;
    as_code_t rc = s_only_attempt(w, req, &id, &a, &answers, &len, err);
    return rc ? rc : s_fwd_array(w, AS_OP_ATTEMPT_ABANDON, id, NULL, NULL, false, err);
}

/* attempt.get {attempt, learner?} */
as_code_t as_handle_attempt_get(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_attempt_t a;
    const void *answers;
    size_t len;
    uint64_t id;
    as_code_t rc = s_only_attempt(w, req, &id, &a, &answers, &len, err);
    if (!rc) as_attempt_pack(&w->pk, &a, answers, len, as_wall_s());
    return rc;
}

typedef struct {
    msgpack_packer *pk;
    const char *learner;
    uint32_t learner_len;
    const char *state; /* NULL: every state */
    double now;
    uint32_t limit, rows;
    uint64_t total, last;
    bool more;
} s_list_t;

static bool s_list_row(void *arg, const as_attempt_t *a, const void *answers, size_t len)
{
    s_list_t *l = arg;
    if (l->learner &&
        !(a->learner_len == l->learner_len && memcmp(a->learner, l->learner, a->learner_len) == 0))
        return true;
    if (l->state && strcmp(as_attempt_state_name(a, l->now), l->state) != 0) return true;
    l->total++;
    if (l->rows == l->limit) {
        l->more = true;
        return true; /* counted, not shown */
    }
    as_attempt_pack(l->pk, a, answers, len, l->now);
    l->rows++;
    l->last = a->id;
    return true;
}

/* attempt.list {assessment, learner?, state?, cursor?, limit?} */
as_code_t as_handle_attempt_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    static const char *const states[] = {"in_progress", "overdue", "submitted", "abandoned"};
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("learner"), AS_FIELD("state"),
                      AS_FIELD("cursor"), AS_FIELD("limit")};
    as_path_t path;
    as_table_t t;
    s_list_t l = {.pk = &w->pk, .now = as_wall_s(), .limit = AS_DEFAULT_LIST};
    uint64_t after = 0;
    as_code_t rc = as_h_params(req, f, 5, 1, &path, err);
    if (rc) return rc;
    if ((rc = as_h_table(w, &f[0], &path, &t, err))) return rc;
    if (f[1].seen && as_mp_peek(&f[1].at) != AS_MP_NIL &&
        (rc = as_field_name(&f[1], &l.learner, &l.learner_len, &path, err)))
        return rc;
    if (f[2].seen && as_mp_peek(&f[2].at) != AS_MP_NIL) {
        const char *s;
        uint32_t sl;
        if ((rc = as_field_str(&f[2], &s, &sl, &path, err))) return rc;
        for (int i = 0; i < 4 && !l.state; i++)
            if (as_str_eq(s, sl, states[i])) l.state = states[i];
        if (!l.state)
            return as_err_set(err, AS_BAD_REQUEST,
                              "state: expected one of in_progress, overdue, submitted, "
                              "abandoned, got \"%.*s\"",
                              (int)(sl > 64 ? 64 : sl), s);
    }
    if ((rc = as_h_id_cursor(&f[3], &after, &path, err))) return rc;
    if (f[4].seen && (rc = as_field_uint(&f[4], 1, AS_MAX_LIST, &l.limit, &path, err))) return rc;
    msgpack_pack_map(&w->pk, 3);
    as_pack_cstr(&w->pk, "attempts");
    size_t at = as_h_array_later(w);
    if ((rc = as_store_attempt_list(w->rd, as_table_str(&t, t.hdr.id_off), t.hdr.id_len, after,
                                    s_list_row, &l, err)))
        return rc;
    as_h_array_patch(w, at, l.rows);
    as_h_pack_id_cursor(&w->pk, l.more, l.last);
    as_pack_cstr(&w->pk, "total");
    msgpack_pack_uint64(&w->pk, l.total);
    return AS_OK;
}

/* assessment.override {assessment, learner, extra_time_s?, extra_attempts?, close_at?} (admin) */
as_code_t as_handle_override(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("learner"), AS_FIELD("extra_time_s"),
                      AS_FIELD("extra_attempts"), AS_FIELD("close_at")};
    as_path_t path;
    as_table_t t;
    const char *learner;
    uint32_t llen, extra_time = 0;
    as_override_t o = {0};
    as_code_t rc = as_h_params(req, f, 5, 2, &path, err);
    if (rc) return rc;
    if ((rc = as_field_name(&f[1], &learner, &llen, &path, err))) return rc;
    if ((rc = as_h_table(w, &f[0], &path, &t, err))) return rc;
    if (f[2].seen && (rc = as_field_uint(&f[2], 0, AS_MAX_TIME_LIMIT, &extra_time, &path, err)))
        return rc;
    o.extra_time_s = extra_time;
    if (f[3].seen && (rc = as_field_uint(&f[3], 0, AS_MAX_ATTEMPTS, &o.extra_attempts, &path, err)))
        return rc;
    if (f[4].seen && as_mp_peek(&f[4].at) != AS_MP_NIL) {
        const char *s;
        uint32_t sl;
        if ((rc = as_field_str(&f[4], &s, &sl, &path, err))) return rc;
        if (as_rfc3339_parse(s, sl, &o.close_at))
            return as_err_set(err, AS_BAD_REQUEST,
                              "close_at: expected an RFC 3339 date-time such as "
                              "2026-12-01T09:00:00Z, got \"%.*s\"",
                              (int)(sl > 64 ? 64 : sl), s);
        o.has_close = 1;
    }
    if ((rc = as_h_fwd(w, as_table_str(&t, t.hdr.id_off), t.hdr.id_len, err)) ||
        (rc = as_h_fwd(w, learner, llen, err)) || (rc = as_h_fwd(w, &o, sizeof o, err)))
        return rc;
    w->fwd_op = AS_OP_OVERRIDE;
    return AS_OK;
}
