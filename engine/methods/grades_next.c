/* grades_next.c — grade.next: the next answer a rater may grade, leased to it.
 *
 * The worker checks the params; the writer (a lease is a write) walks the assessment's responses
 * waiting for people (as_store_pending_scan, in id order) and offers the first answer to a graded
 * item that the rater has not graded, that is not resolved (for a person; an automatic judge may
 * grade any answer still waiting) and that no other rater holds a lease on; it takes the lease
 * (as_store_lease_take) and answers with the answer, the item's scale and rubric: never the other
 * raters' grades. grade.put of the answer by its rater ends the lease. */
#include "handler.h"
#include "record.h"
#include "writes.h"

#include "clock.h"

#include <math.h>
#include <string.h>

#define S_LEASE_DEFAULT 120.0
#define S_LEASE_MAX     3600

/* grade.next {assessment, rater, item?, lease?} */
as_code_t as_handle_grade_next(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("rater"), AS_FIELD("item"),
                      AS_FIELD("lease")};
    as_path_t path;
    as_code_t rc = as_h_params(req, f, 4, 2, &path, err);
    if (rc) return rc;
    const char *a, *rater, *item = "";
    uint32_t alen, rlen, ilen = 0, lease = (uint32_t)S_LEASE_DEFAULT;
    if ((rc = as_field_id(&f[0], &a, &alen, &path, err)) ||
        (rc = as_field_name(&f[1], &rater, &rlen, &path, err)))
        return rc;
    if (f[2].seen && as_mp_peek(&f[2].at) != AS_MP_NIL &&
        (rc = as_field_id(&f[2], &item, &ilen, &path, err)))
        return rc;
    if (f[3].seen && (rc = as_field_uint(&f[3], 1, S_LEASE_MAX, &lease, &path, err))) return rc;
    double seconds = lease;
    if ((rc = as_h_fwd(w, &seconds, sizeof seconds, err)) || (rc = as_h_fwd(w, a, alen, err)) ||
        (rc = as_h_fwd(w, rater, rlen, err)) || (rc = as_h_fwd(w, item, ilen, err)))
        return rc;
    w->fwd_op = AS_OP_GRADE_NEXT;
    return AS_OK;
}

/* The walk over the waiting responses: the first answer found, leased. */
typedef struct {
    as_writer_t *wr;
    as_wtxn_t *txn;
    as_write_t *w;
    const as_table_t *t;
    int32_t only; /* the item asked for (-1: any) */
    const char *rater;
    uint32_t rlen;
    bool judge;
    double now, until;
    /* found */
    uint64_t rid;
    int32_t pos;
    as_mp_t answer;
} s_walk_t;

/* Whether the rater graded it already, from the answer's grades. */
typedef struct {
    const char *rater;
    uint32_t rlen;
    bool graded;
} s_mine_t;

static void s_mine(void *arg, const as_grade_t *g)
{
    s_mine_t *m = arg;
    m->graded |= g->rater_len == m->rlen && memcmp(g->rater, m->rater, m->rlen) == 0;
}

/* Offers response rid's answers: true (stop) once one is leased or on an error (w->code). */
static bool s_offer(void *arg, uint64_t rid)
{
    s_walk_t *k = arg;
    as_write_t *w = k->w;
    const void *rec;
    size_t len;
    as_record_t r;
    double total;
    if ((w->code = as_store_response_wget(k->txn, rid, &rec, &len, &w->err))) return true;
    if (!as_record_read(rec, len, &r) ||
        !as_record_score(k->wr->scorer, k->t, rec, len, &r, k->wr->item_scores, &total)) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "response %llu: corrupt record",
                             (unsigned long long)rid);
        return true;
    }
    const uint8_t *answered = as_scorer_answered(k->wr->scorer);
    for (uint32_t i = 0; i < k->t->hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(k->t, i, &it);
        if (!(it.flags & AS_TF_GRADED) || !answered[i] || (k->only >= 0 && (uint32_t)k->only != i))
            continue;
        const char *id = as_table_str(k->t, it.id_off);
        s_mine_t mine = {k->rater, k->rlen, false};
        if ((w->code = as_store_grades(k->txn, rid, id, it.id_len, s_mine, &mine, &w->err)))
            return true;
        if (mine.graded) continue;
        if (!k->judge) { /* a person: only while the answer waits for people */
            as_grade_state_t state;
            double raw;
            if ((w->code = as_write_grade_state(k->txn, rid, k->t, &it, &state, &raw, &w->err)))
                return true;
            if (state == AS_GRADE_RESOLVED) continue;
        }
        bool taken;
        if ((w->code = as_store_lease_take(k->txn, rid, id, it.id_len, k->rater, k->rlen, k->now,
                                           k->until, &taken, &w->err)))
            return true;
        if (!taken) continue;
        as_mp_t answers;
        as_mp_init(&answers, r.answers, r.answers_len);
        if (!as_mp_field(answers, id, it.id_len, 32, &k->answer)) as_mp_init(&k->answer, "", 0);
        k->rid = rid;
        k->pos = (int32_t)i;
        return true;
    }
    return false;
}

/* args: lease seconds, assessment, rater, item (grades_next.c's handler) */
void as_write_grade_next(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    size_t slen, alen, rlen, ilen;
    const char *sec = as_write_arg(w, 0, &slen), *a = as_write_arg(w, 1, &alen),
               *rater = as_write_arg(w, 2, &rlen), *item = as_write_arg(w, 3, &ilen);
    double seconds;
    if (slen != sizeof seconds || alen > AS_MAX_ID || rlen > AS_MAX_NAME || ilen > AS_MAX_ID) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed grade.next from a worker");
        return;
    }
    memcpy(&seconds, sec, sizeof seconds);
    as_table_t t;
    if ((w->code = as_store_wtable(txn, a, (uint32_t)alen, &t, &w->err))) return;
    int32_t only = -1;
    if (ilen) {
        only = as_table_find(&t, item, (uint32_t)ilen);
        as_titem_t it;
        if (only >= 0) as_table_item(&t, (uint32_t)only, &it);
        if (only < 0 || !(it.flags & AS_TF_GRADED)) {
            w->code = as_err_set(
                &w->err, only < 0 ? AS_NOT_FOUND : AS_BAD_REQUEST,
                only < 0 ? "item: assessment \"%.*s\" has no item \"%.*s\""
                         : "item: item \"%.*s\" of assessment \"%.*s\" is scored automatically, "
                           "not graded by people",
                only < 0 ? (int)alen : (int)ilen, only < 0 ? a : item,
                only < 0 ? (int)ilen : (int)alen, only < 0 ? item : a);
            return;
        }
    }
    double now = as_wall_s();
    s_walk_t k = {.wr = wr,
                  .txn = txn,
                  .w = w,
                  .t = &t,
                  .only = only,
                  .rater = rater,
                  .rlen = (uint32_t)rlen,
                  .judge = as_grade_is_judge(rater, (uint32_t)rlen),
                  .now = now,
                  .until = now + seconds,
                  .pos = -1};
    as_code_t rc = as_store_pending_scan(txn, a, (uint32_t)alen, 0, s_offer, &k, &w->err);
    if (rc || w->code) {
        if (!w->code) w->code = rc;
        return;
    }
    msgpack_packer *pk = &w->reply_pk;
    as_response_ok(pk, w->hdr.msgid);
    if (k.pos < 0) { /* nothing left for this rater */
        msgpack_pack_nil(pk);
        return;
    }
    as_titem_t it;
    as_table_item(&t, (uint32_t)k.pos, &it);
    msgpack_pack_map(pk, 8);
    as_pack_cstr(pk, "response");
    msgpack_pack_uint64(pk, k.rid);
    as_pack_cstr(pk, "item");
    as_pack_str(pk, as_table_str(&t, it.id_off), it.id_len);
    as_pack_cstr(pk, "answer");
    as_mp_t end = k.answer;
    if (as_mp_left(&k.answer) && as_mp_skip(&end, 32) == AS_MP_OK)
        as_pack_raw(pk, k.answer.p, (size_t)(end.p - k.answer.p));
    else
        msgpack_pack_nil(pk);
    as_pack_cstr(pk, "max");
    msgpack_pack_double(pk, it.raw_hi);
    as_pack_cstr(pk, "step");
    msgpack_pack_double(pk, it.step);
    as_pack_cstr(pk, "rubric");
    if (it.rubric_len)
        as_pack_raw(pk, as_table_str(&t, it.rubric_off), it.rubric_len);
    else
        msgpack_pack_nil(pk);
    as_pack_cstr(pk, "rater");
    as_pack_str(pk, rater, rlen);
    as_pack_cstr(pk, "lease_until");
    msgpack_pack_double(pk, k.until);
}
