/* grades.c — grade.put's handler: the parameters checked on a worker, the grade forwarded to the
 * writer (grades_write.c), which checks it against the response and its item and stores it. */
#include "grades.h"
#include "handler.h"

#include <math.h>
#include <string.h>

#define S_MAX_COMMENT 4096 /* bytes of a grade's comment */

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
    w->fwd_op = AS_OP_GRADE_PUT;
    return AS_OK;
}
