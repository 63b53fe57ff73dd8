/* handler.h — what the protocol's handlers share (handler.c), and the handlers themselves, one
 * file per domain. A handler reads its params and packs its result (the 4th element of the
 * response) into w->pk; or, for a write, validates and prepares the writer's arguments
 * (as_h_fwd) and sets w->fwd_op. On error it returns the code with err filled, and whatever it
 * packed is discarded. methods.c puts them in the method table.
 */
#ifndef AS_HANDLER_H
#define AS_HANDLER_H

#include "methods.h"
#include "params.h"

/* Reads the params into f (nf fields, of which the first `required` must be given); path is
 * set up for the fields' error messages. */
as_code_t as_h_params(as_request_t *req, as_field_t *f, size_t nf, size_t required, as_path_t *path,
                      as_err_t *err);
/* The params of a list keyed by id: {cursor?: str | nil, limit?: 1..AS_MAX_LIST}; *after NULL
 * when there is no cursor. */
as_code_t as_h_page_params(as_request_t *req, const char **after, uint32_t *after_len,
                           uint32_t *limit, as_err_t *err);
/* The one param, an id named `name`, of a method that takes nothing else. */
as_code_t as_h_id_param(as_request_t *req, const char *name, const char **id, uint32_t *len,
                        as_err_t *err);
/* Reads a numeric cursor (a decimal id the method returned as next_cursor) into *after (0 when
 * the field is absent or nil). */
as_code_t as_h_id_cursor(as_field_t *f, uint64_t *after, as_path_t *path, as_err_t *err);
/* Packs "next_cursor": the decimal `last` when more follow, else nil. */
void as_h_pack_id_cursor(msgpack_packer *pk, bool more, uint64_t last);

/* The owner check of a method that reads or changes one learner's record by its id: when the
 * optional field f (`learner`) is given, the record must be that learner's, else AS_FORBIDDEN
 * ("<what> <id> is another learner's"). assay-http passes a learner token's subject here. */
as_code_t as_h_owner(as_field_t *f, const char *owner, uint32_t owner_len, const char *what,
                     uint64_t id, as_path_t *path, as_err_t *err);

/* The table of the assessment named by field f, opened in the worker's read transaction (valid
 * until the request ends). */
as_code_t as_h_table(as_worker_t *w, as_field_t *f, as_path_t *path, as_table_t *t, as_err_t *err);
/* Packs the table string at (off, len) as a msgpack str. */
void as_h_pack_tstr(msgpack_packer *pk, const as_table_t *t, uint32_t off, uint32_t len);

/* Appends a copy of len bytes as the write's next argument frame. On an error the worker closes
 * the frames added so far (as_worker_handle closes w->fwd[0, fwd_n)). */
as_code_t as_h_fwd(as_worker_t *w, const void *data, size_t len, as_err_t *err);
/* The same without a copy: the frame takes sb's buffer (sb is left empty, to grow again). For
 * large arguments (the deep models' states). */
as_code_t as_h_fwd_take(as_worker_t *w, msgpack_sbuffer *sb, as_err_t *err);
/* A write whose only param is the id `name`: forwarded to the writer as op with the id. */
as_code_t as_h_fwd_id(as_worker_t *w, as_request_t *req, const char *name, as_op_t op,
                      as_err_t *err);
/* Hands the writer a new job of `kind` on target id (jobs.c): the writer creates it, with its
 * arguments (args_len bytes of msgpack, stored as the job's AS_JOB_ARGS; NULL: none), and the job
 * thread runs it. */
as_code_t as_h_job_new(as_worker_t *w, as_job_kind_t kind, const char *id, uint32_t len, bool dry,
                       const void *args, size_t args_len, as_err_t *err);

/* A page of a list keyed by id: {key: [rows...], next_cursor, total}. as_h_page_begin packs the
 * map and the key and returns where the rows' array header is; as_h_page_end patches the count
 * and packs next_cursor (the last id given when more follow, else nil) and total. */
size_t as_h_page_begin(as_worker_t *w, const char *key);
void as_h_page_end(as_worker_t *w, size_t at, uint32_t rows, bool more, const char *last,
                   uint32_t last_len, uint64_t total);
/* A list whose length is known only after its rows: as_h_array_later packs an array32 header
 * and returns its offset in w->sb, as_h_array_patch writes the count into it. */
size_t as_h_array_later(as_worker_t *w);
void as_h_array_patch(as_worker_t *w, size_t at, uint32_t n);

/* The handlers (as_method_t.fn), by domain. */
typedef as_code_t as_handler_fn(as_worker_t *w, as_request_t *req, as_err_t *err);
/* system.c */
as_handler_fn as_handle_ping, as_handle_stats;
/* assessments.c */
as_handler_fn as_handle_put, as_handle_get, as_handle_list, as_handle_delete, as_handle_score,
    as_handle_score_batch, as_handle_report;
/* responses.c */
as_handler_fn as_handle_submit, as_handle_response_get, as_handle_response_list;
/* attempts.c */
as_handler_fn as_handle_attempt_start, as_handle_attempt_save, as_handle_attempt_submit,
    as_handle_attempt_get, as_handle_attempt_list, as_handle_attempt_abandon, as_handle_override;
/* assessments_import.c */
as_handler_fn as_handle_import;
/* grades.c; grades_next.c; grades_agreement.c */
as_handler_fn as_handle_grade_put, as_handle_grade_list, as_handle_grade_next, as_handle_agreement;
/* jobs.c */
as_handler_fn as_handle_regrade, as_handle_job_get, as_handle_job_list;
/* skills.c; mastery_distribution.c */
as_handler_fn as_handle_skill_put, as_handle_skill_get, as_handle_skill_list,
    as_handle_skill_delete, as_handle_skill_recompute, as_handle_skill_fit, as_handle_mastery_get,
    as_handle_mastery_distribution;
/* models.c */
as_code_t as_handle_model_put(as_worker_t *w, as_request_t *req, as_err_t *err);
as_code_t as_handle_model_get(as_worker_t *w, as_request_t *req, as_err_t *err);
as_code_t as_handle_model_list(as_worker_t *w, as_request_t *req, as_err_t *err);
as_code_t as_handle_model_delete(as_worker_t *w, as_request_t *req, as_err_t *err);
as_code_t as_handle_model_recompute(as_worker_t *w, as_request_t *req, as_err_t *err);

#endif
