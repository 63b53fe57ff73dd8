/* methods.c — the protocol's methods: each name, who may call it and its handler (the handlers
 * live with their domain: system.c, assessments.c, responses.c, jobs.c, skills.c), and the
 * writer's step for each write operation (writes.h). PROTOCOL.md documents each method. */
#include "handler.h"
#include "writes.h"

const as_method_t as_methods[AS_M_COUNT] = {
    [AS_M_PING] = {"ping", AS_M_INLINE, as_handle_ping},
    [AS_M_PUT] = {"assessment.put", AS_M_ADMIN, as_handle_put},
    [AS_M_GET] = {"assessment.get", AS_M_INLINE, as_handle_get},
    [AS_M_LIST] = {"assessment.list", AS_M_INLINE, as_handle_list},
    [AS_M_DELETE] = {"assessment.delete", AS_M_ADMIN, as_handle_delete},
    [AS_M_SCORE] = {"score", AS_M_INLINE, as_handle_score},
    [AS_M_SCORE_BATCH] = {"score_batch", 0, as_handle_score_batch},
    [AS_M_STATS] = {"stats", AS_M_INLINE, as_handle_stats},
    [AS_M_SUBMIT] = {"response.submit", 0, as_handle_submit},
    [AS_M_RESPONSE_GET] = {"response.get", AS_M_INLINE, as_handle_response_get},
    [AS_M_RESPONSE_LIST] = {"response.list", AS_M_INLINE, as_handle_response_list},
    [AS_M_REPORT] = {"assessment.report", AS_M_INLINE, as_handle_report},
    [AS_M_REGRADE] = {"assessment.regrade", AS_M_ADMIN, as_handle_regrade},
    [AS_M_JOB_GET] = {"job.get", AS_M_INLINE, as_handle_job_get},
    [AS_M_JOB_LIST] = {"job.list", AS_M_INLINE, as_handle_job_list},
    [AS_M_SKILL_PUT] = {"skill.put", AS_M_ADMIN, as_handle_skill_put},
    [AS_M_SKILL_GET] = {"skill.get", AS_M_INLINE, as_handle_skill_get},
    [AS_M_SKILL_LIST] = {"skill.list", AS_M_INLINE, as_handle_skill_list},
    [AS_M_SKILL_DELETE] = {"skill.delete", AS_M_ADMIN, as_handle_skill_delete},
    [AS_M_SKILL_RECOMPUTE] = {"skill.recompute", AS_M_ADMIN, as_handle_skill_recompute},
    [AS_M_MASTERY_GET] = {"mastery.get", AS_M_INLINE, as_handle_mastery_get},
    [AS_M_SKILL_FIT] = {"skill.fit", AS_M_ADMIN, as_handle_skill_fit},
    [AS_M_ATTEMPT_START] = {"attempt.start", 0, as_handle_attempt_start},
    [AS_M_ATTEMPT_SAVE] = {"attempt.save", 0, as_handle_attempt_save},
    [AS_M_ATTEMPT_SUBMIT] = {"attempt.submit", 0, as_handle_attempt_submit},
    [AS_M_ATTEMPT_GET] = {"attempt.get", AS_M_INLINE, as_handle_attempt_get},
    [AS_M_ATTEMPT_LIST] = {"attempt.list", AS_M_INLINE, as_handle_attempt_list},
    [AS_M_ATTEMPT_ABANDON] = {"attempt.abandon", AS_M_ADMIN, as_handle_attempt_abandon},
    [AS_M_OVERRIDE] = {"assessment.override", AS_M_ADMIN, as_handle_override},
    [AS_M_IMPORT] = {"assessment.import", AS_M_ADMIN, as_handle_import},
    [AS_M_MODEL_PUT] = {"model.put", AS_M_ADMIN, as_handle_model_put},
    [AS_M_MODEL_GET] = {"model.get", AS_M_INLINE, as_handle_model_get},
    [AS_M_MODEL_LIST] = {"model.list", AS_M_INLINE, as_handle_model_list},
    [AS_M_MODEL_DELETE] = {"model.delete", AS_M_ADMIN, as_handle_model_delete},
    [AS_M_MODEL_RECOMPUTE] = {"model.recompute", AS_M_ADMIN, as_handle_model_recompute},
    [AS_M_MASTERY_DISTRIBUTION] = {"mastery.distribution", 0, as_handle_mastery_distribution},
    [AS_M_GRADE_PUT] = {"grade.put", 0, as_handle_grade_put},
    [AS_M_AGREEMENT] = {"assessment.agreement", AS_M_INLINE, as_handle_agreement},
    [AS_M_GRADE_LIST] = {"grade.list", 0, as_handle_grade_list},
    [AS_M_GRADE_NEXT] = {"grade.next", 0, as_handle_grade_next},
};

const char *const as_method_names[AS_STATS_METHODS] = {
    [AS_M_PING] = "ping",
    [AS_M_PUT] = "assessment.put",
    [AS_M_GET] = "assessment.get",
    [AS_M_LIST] = "assessment.list",
    [AS_M_DELETE] = "assessment.delete",
    [AS_M_SCORE] = "score",
    [AS_M_SCORE_BATCH] = "score_batch",
    [AS_M_STATS] = "stats",
    [AS_M_SUBMIT] = "response.submit",
    [AS_M_RESPONSE_GET] = "response.get",
    [AS_M_RESPONSE_LIST] = "response.list",
    [AS_M_REPORT] = "assessment.report",
    [AS_M_REGRADE] = "assessment.regrade",
    [AS_M_JOB_GET] = "job.get",
    [AS_M_JOB_LIST] = "job.list",
    [AS_M_SKILL_PUT] = "skill.put",
    [AS_M_SKILL_GET] = "skill.get",
    [AS_M_SKILL_LIST] = "skill.list",
    [AS_M_SKILL_DELETE] = "skill.delete",
    [AS_M_SKILL_RECOMPUTE] = "skill.recompute",
    [AS_M_MASTERY_GET] = "mastery.get",
    [AS_M_SKILL_FIT] = "skill.fit",
    [AS_M_ATTEMPT_START] = "attempt.start",
    [AS_M_ATTEMPT_SAVE] = "attempt.save",
    [AS_M_ATTEMPT_SUBMIT] = "attempt.submit",
    [AS_M_ATTEMPT_GET] = "attempt.get",
    [AS_M_ATTEMPT_LIST] = "attempt.list",
    [AS_M_ATTEMPT_ABANDON] = "attempt.abandon",
    [AS_M_OVERRIDE] = "assessment.override",
    [AS_M_IMPORT] = "assessment.import",
    [AS_M_MODEL_PUT] = "model.put",
    [AS_M_MODEL_GET] = "model.get",
    [AS_M_MODEL_LIST] = "model.list",
    [AS_M_MODEL_DELETE] = "model.delete",
    [AS_M_MODEL_RECOMPUTE] = "model.recompute",
    [AS_M_MASTERY_DISTRIBUTION] = "mastery.distribution",
    [AS_M_GRADE_PUT] = "grade.put",
    [AS_M_AGREEMENT] = "assessment.agreement",
    [AS_M_GRADE_LIST] = "grade.list",
    [AS_M_GRADE_NEXT] = "grade.next",
    [AS_M_INVALID] = "invalid",
};

int as_method_find(const char *s, uint32_t len)
{
    for (int i = 0; i < AS_M_COUNT; i++)
        if (as_str_eq(s, len, as_methods[i].name)) return i;
    return -1;
}

as_write_step_fn *const as_write_steps[AS_OP_COUNT] = {
    [AS_OP_PUT] = as_write_assessment_put,
    [AS_OP_DELETE] = as_write_assessment_delete,
    [AS_OP_SUBMIT] = as_write_submit,
    [AS_OP_JOB_NEW] = as_write_job_new,
    [AS_OP_JOB_STEP] = as_write_job_step,
    [AS_OP_SKILL_PUT] = as_write_skill_put,
    [AS_OP_SKILL_DELETE] = as_write_skill_delete,
    [AS_OP_ATTEMPT_START] = as_write_attempt_start,
    [AS_OP_ATTEMPT_SAVE] = as_write_attempt_save,
    [AS_OP_ATTEMPT_SUBMIT] = as_write_attempt_submit,
    [AS_OP_ATTEMPT_ABANDON] = as_write_attempt_abandon,
    [AS_OP_OVERRIDE] = as_write_override,
    [AS_OP_IMPORT] = as_write_import,
    [AS_OP_MODEL_PUT] = as_write_model_put,
    [AS_OP_MODEL_DELETE] = as_write_model_delete,
    [AS_OP_GRADE_PUT] = as_write_grade_put,
    [AS_OP_GRADE_NEXT] = as_write_grade_next,
};

as_write_subject_fn *const as_write_subjects[AS_OP_COUNT] = {
    [AS_OP_SUBMIT] = as_write_submit_subject,
    [AS_OP_ATTEMPT_START] = as_write_attempt_start_subject,
};
_Static_assert(AS_M_COUNT < AS_STATS_METHODS,
               "AS_STATS_METHODS counts every method and the invalid");
