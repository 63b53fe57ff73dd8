/* grades.c — grade.put's handler: the parameters checked on a worker, the grade forwarded to the
 * writer (grades_write.c), which checks it against the response and its item and stores it; and
 * grade.list, a read. */
#include "grades.h"
#include "handler.h"
#include "record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_COMMENT 4096 /* bytes of a grade's comment */

/* The response's stored answers scored on this worker, as a submission's are, so the one writer
 * thread does not: into w->fwd_sb (as_grade_scored_t, the item scores, what it answered), or
 * nothing when the response or its assessment cannot be read here (the writer scores them, and
 * says what is wrong). The writer takes them while the assessment's version is the same. */
static void s_score_here(as_worker_t *w, uint64_t rid)
{
    msgpack_sbuffer_clear(&w->fwd_sb);
    const void *rec;
    size_t len;
    as_record_t r;
    as_table_t t;
    as_err_t ignored;
    as_grade_scored_t sc;
    if (as_store_response_get(w->rd, rid, &rec, &len, &ignored) || !as_record_read(rec, len, &r) ||
        as_store_table(w->rd, r.assessment, r.assessment_len, &t, &ignored) ||
        !as_record_score(w->scorer, &t, rec, len, &r, w->item_scores, &sc.total))
        return;
    sc.version = t.hdr.version;
    sc.n_items = t.hdr.n_items;
    msgpack_sbuffer_write(&w->fwd_sb, (const char *)&sc, sizeof sc);
    msgpack_sbuffer_write(&w->fwd_sb, (const char *)w->item_scores, sizeof(double) * t.hdr.n_items);
    msgpack_sbuffer_write(&w->fwd_sb, (const char *)as_scorer_answered(w->scorer), t.hdr.n_items);
}

/* grade.put {response, item, rater, score, comment?} */
as_code_t as_handle_grade_put(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("response"), AS_FIELD("item"), AS_FIELD("rater"), AS_FIELD("score"),
                      AS_FIELD("comment")};
    as_path_t path;
    as_code_t rc = as_h_params(req, f, 5, 4, &path, err);
    if (rc) return rc;
    as_grade_fwd_t g = {0};
    const char *item, *rater, *comment = NULL;
    uint32_t item_len, rater_len, comment_len = 0;
    if ((rc = as_field_u64(&f[0], &g.rid, &path, err)) ||
        (rc = as_field_id(&f[1], &item, &item_len, &path, err)) ||
        (rc = as_field_name(&f[2], &rater, &rater_len, &path, err)))
        return rc;
    if (as_mp_number(&f[3].at, &g.score) != AS_MP_OK || !isfinite(g.score))
        return as_err_set(err, AS_BAD_REQUEST, "score: expected a number, got %s",
                          as_mp_type_name(as_mp_peek(&f[3].at)));
    if (f[4].seen && as_mp_peek(&f[4].at) != AS_MP_NIL) {
        if ((rc = as_field_str(&f[4], &comment, &comment_len, &path, err))) return rc;
        if (comment_len > S_MAX_COMMENT)
            return as_err_set(err, AS_BAD_REQUEST, "comment: longer than %d bytes", S_MAX_COMMENT);
        g.has_comment = 1;
    }
    if ((rc = as_h_fwd(w, &g, sizeof g, err)) || (rc = as_h_fwd(w, item, item_len, err)) ||
        (rc = as_h_fwd(w, rater, rater_len, err)) ||
        (rc = as_h_fwd(w, comment ? comment : "", comment_len, err)))
        return rc;
    s_score_here(w, g.rid);
    if ((rc = as_h_fwd(w, w->fwd_sb.data, w->fwd_sb.size, err))) return rc;
    w->fwd_op = AS_OP_GRADE_PUT;
    return AS_OK;
}

/* ---- grade.list: a page of latest grades; the cursor is the last row's
 * "<response>:<item's length>:<item><rater>" ---- */

typedef struct {
    as_worker_t *w;
    uint32_t n;
    char last[AS_MAX_ID + AS_MAX_NAME + 40]; /* the last row's cursor */
    uint32_t last_len;
} s_page_t;

static void s_row(void *arg, const as_grade_row_t *row)
{
    s_page_t *pg = arg;
    msgpack_packer *pk = &pg->w->pk;
    const as_grade_t *g = &row->g;
    msgpack_pack_map(pk, 8);
    as_pack_cstr(pk, "response");
    msgpack_pack_uint64(pk, row->rid);
    as_pack_cstr(pk, "item");
    as_pack_str(pk, row->item, row->item_len);
    as_pack_cstr(pk, "rater");
    as_pack_str(pk, g->rater, g->rater_len);
    as_pack_cstr(pk, "score");
    msgpack_pack_double(pk, g->score);
    as_pack_cstr(pk, "comment");
    if (g->comment)
        as_pack_str(pk, g->comment, g->comment_len);
    else
        msgpack_pack_nil(pk);
    as_pack_cstr(pk, "at");
    msgpack_pack_double(pk, g->at);
    as_pack_cstr(pk, "first_at");
    msgpack_pack_double(pk, g->first_at);
    as_pack_cstr(pk, "revision");
    msgpack_pack_uint32(pk, g->revision);
    pg->n++;
    int k = snprintf(pg->last, sizeof pg->last, "%llu:%u:%.*s%.*s", (unsigned long long)row->rid,
                     row->item_len, (int)row->item_len, row->item, (int)g->rater_len, g->rater);
    pg->last_len = k < (int)sizeof pg->last ? (uint32_t)k : 0;
}

/* Reads a cursor grade.list gave into *after (views into the cursor). */
static as_code_t s_cursor(const char *c, uint32_t len, as_grade_row_t *after, as_err_t *err)
{
    char buf[AS_MAX_ID + AS_MAX_NAME + 40], *end, *end2;
    if (len >= sizeof buf) goto bad;
    memcpy(buf, c, len);
    buf[len] = 0;
    unsigned long long rid = strtoull(buf, &end, 10);
    if (end == buf || *end != ':') goto bad;
    unsigned long il = strtoul(end + 1, &end2, 10);
    if (end2 == end + 1 || *end2 != ':' || il == 0 || il > AS_MAX_ID) goto bad;
    size_t at = (size_t)(end2 + 1 - buf);
    if (at + il >= len || len - at - il > AS_MAX_NAME) goto bad;
    *after = (as_grade_row_t){.rid = rid, .item = c + at, .item_len = (uint32_t)il};
    after->g.rater = c + at + il;
    after->g.rater_len = (uint32_t)(len - at - il);
    return AS_OK;
bad:
    return as_err_set(err, AS_BAD_REQUEST, "cursor: not a cursor grade.list gave");
}

/* grade.list {assessment?, response?, rater?, cursor?, limit?} */
as_code_t as_handle_grade_list(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("assessment"), AS_FIELD("response"), AS_FIELD("rater"),
                      AS_FIELD("cursor"), AS_FIELD("limit")};
    as_path_t path;
    as_code_t rc = as_h_params(req, f, 5, 0, &path, err);
    if (rc) return rc;
    as_grade_filter_t sel = {0};
    as_table_t t;
    if (f[0].seen && as_mp_peek(&f[0].at) != AS_MP_NIL) {
        if ((rc = as_h_table(w, &f[0], &path, &t, err))) return rc; /* (not_found when unknown) */
        sel.assessment = as_table_str(&t, t.hdr.id_off);
        sel.assessment_len = t.hdr.id_len;
    }
    if (f[1].seen && as_mp_peek(&f[1].at) != AS_MP_NIL &&
        (rc = as_field_u64(&f[1], &sel.rid, &path, err)))
        return rc;
    if (f[2].seen && as_mp_peek(&f[2].at) != AS_MP_NIL &&
        (rc = as_field_name(&f[2], &sel.rater, &sel.rater_len, &path, err)))
        return rc;
    as_grade_row_t after, *from = NULL;
    if (f[3].seen && as_mp_peek(&f[3].at) != AS_MP_NIL) {
        const char *c;
        uint32_t len;
        if ((rc = as_field_str(&f[3], &c, &len, &path, err)) ||
            (rc = s_cursor(c, len, &after, err)))
            return rc;
        from = &after;
    }
    uint32_t limit = AS_DEFAULT_LIST;
    if (f[4].seen && (rc = as_field_uint(&f[4], 1, AS_MAX_LIST, &limit, &path, err))) return rc;
    s_page_t pg = {.w = w};
    size_t at = as_h_page_begin(w, "grades");
    uint64_t total;
    bool more;
    if ((rc = as_store_grade_list(w->rd, &sel, from, limit, s_row, &pg, &total, &more, err)))
        return rc;
    as_h_page_end(w, at, pg.n, more, pg.last, pg.last_len, total);
    return AS_OK;
}
