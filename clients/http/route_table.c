/* route_table.c — assay-http's routes (route_table.h). Most are one engine method each: the path's
 * ids, the query's arguments and the JSON body's fields become the method's params. openapi.json
 * lists the same routes with the same engine methods (x-engine-method); `assay-http --routes`
 * prints them, and tests check that the two agree and that every engine method has a route. */
#include "route_table.h"

#include "http.h"

const ah_route_t ah_routes[] = {
    {"GET", "/v1/health", .engine = "ping", .special = AH_HEALTH, .ok = 200},
    {"GET", "/metrics", .engine = "stats", .special = AH_METRICS, .ok = 200},
    {"GET", "/v1/openapi.json", .special = AH_OPENAPI, .ok = 200},
    {"GET", "/v1/events", .special = AH_EVENTS, .ok = 200, .learner = AH_L_EVENTS},
    {"GET", "/", .special = AH_PAGE, .ok = 200},
    {"GET", "/dashboard/{file}", .special = AH_PAGE, .ok = 200},
    {"GET", "/v1/assessments", .engine = "assessment.list",
     .query = {{"cursor", AH_Q_STR}, {"limit", AH_Q_INT}}, .ok = 200, .rater = AH_R_READ},
    {"PUT", "/v1/assessments/{id}", .admin = true, .engine = "assessment.put", .path = {"id"},
     .body = true, .ok = 200},
    {"GET", "/v1/assessments/{id}", .engine = "assessment.get", .path = {"id"}, .ok = 200,
     .rater = AH_R_READ},
    {"DELETE", "/v1/assessments/{id}", .admin = true, .engine = "assessment.delete", .path = {"id"},
     .query = {{"force", AH_Q_BOOL}}, .ok = 200},
    {"POST", "/v1/assessments/{id}/score", .engine = "score", .path = {"assessment"}, .body = true,
     .ok = 200},
    {"POST", "/v1/assessments/{id}/score-batch", .engine = "score_batch", .path = {"assessment"},
     .body = true, .ok = 200},
    {"POST", "/v1/assessments/{id}/responses", .engine = "response.submit", .path = {"assessment"},
     .body = true, .ok = 201, .loc = "/v1/responses/", .loc_key = "response_id",
     .learner = AH_L_PARAM},
    {"GET", "/v1/assessments/{id}/responses", .engine = "response.list", .path = {"assessment"},
     .query = {{"learner", AH_Q_STR}, {"cursor", AH_Q_STR}, {"limit", AH_Q_INT}}, .ok = 200,
     .learner = AH_L_PARAM},
    {"GET", "/v1/grades", .engine = "grade.list",
     .query = {{"assessment", AH_Q_STR},
               {"response", AH_Q_INT},
               {"rater", AH_Q_STR},
               {"cursor", AH_Q_STR},
               {"limit", AH_Q_INT}},
     .ok = 200, .rater = AH_R_PARAM},
    {"PUT", "/v1/responses/{id}/grades/{item}", .engine = "grade.put", .path = {"response", "item"},
     .path_int = {true, false}, .body = true, .ok = 200, .rater = AH_R_PARAM},
    {"POST", "/v1/assessments/{id}/grade-next", .engine = "grade.next", .path = {"assessment"},
     .body = true, .ok = 200, .rater = AH_R_PARAM},
    {"GET", "/v1/responses/{id}", .engine = "response.get", .path = {"id"}, .path_int = {true},
     .ok = 200, .learner = AH_L_PARAM, .rater = AH_R_READ},
    {"POST", "/v1/assessments/{id}/regrade", .admin = true, .engine = "assessment.regrade",
     .path = {"assessment"}, .body = true, .ok = 202, .loc = "/v1/jobs/", .loc_key = "job"},
    {"GET", "/v1/assessments/{id}/report", .engine = "assessment.report", .path = {"assessment"},
     .ok = 200},
    {"GET", "/v1/assessments/{id}/agreement", .engine = "assessment.agreement",
     .path = {"assessment"}, .query = {{"item", AH_Q_STR}}, .ok = 200},
    {"POST", "/v1/assessments/{id}/attempts", .engine = "attempt.start", .path = {"assessment"},
     .body = true, .ok = 200, .learner = AH_L_PARAM},
    {"GET", "/v1/assessments/{id}/attempts", .engine = "attempt.list", .path = {"assessment"},
     .query =
         {{"learner", AH_Q_STR}, {"state", AH_Q_STR}, {"cursor", AH_Q_STR}, {"limit", AH_Q_INT}},
     .ok = 200, .learner = AH_L_PARAM},
    {"GET", "/v1/attempts/{id}", .engine = "attempt.get", .path = {"attempt"}, .path_int = {true},
     .ok = 200, .learner = AH_L_PARAM},
    {"POST", "/v1/attempts/{id}/save", .engine = "attempt.save", .path = {"attempt"},
     .path_int = {true}, .body = true, .ok = 200, .learner = AH_L_PARAM},
    {"POST", "/v1/attempts/{id}/submit", .engine = "attempt.submit", .path = {"attempt"},
     .path_int = {true}, .body = true, .ok = 200, .learner = AH_L_PARAM},
    {"POST", "/v1/attempts/{id}/abandon", .admin = true, .engine = "attempt.abandon",
     .path = {"attempt"}, .path_int = {true}, .ok = 200},
    {"PUT", "/v1/assessments/{id}/overrides/{learner}", .admin = true,
     .engine = "assessment.override", .path = {"assessment", "learner"}, .body = true, .ok = 200},
    {"GET", "/v1/jobs", .engine = "job.list", .query = {{"cursor", AH_Q_STR}, {"limit", AH_Q_INT}},
     .ok = 200},
    {"GET", "/v1/jobs/{id}", .engine = "job.get", .path = {"job"}, .path_int = {true}, .ok = 200},
    {"GET", "/v1/skills", .engine = "skill.list",
     .query = {{"cursor", AH_Q_STR}, {"limit", AH_Q_INT}}, .ok = 200},
    {"PUT", "/v1/skills/{id}", .admin = true, .engine = "skill.put", .path = {"id"}, .body = true,
     .ok = 200},
    {"GET", "/v1/skills/{id}", .engine = "skill.get", .path = {"id"}, .ok = 200},
    {"DELETE", "/v1/skills/{id}", .admin = true, .engine = "skill.delete", .path = {"id"},
     .ok = 200},
    {"POST", "/v1/skills/{id}/recompute", .admin = true, .engine = "skill.recompute",
     .path = {"skill"}, .ok = 202, .loc = "/v1/jobs/", .loc_key = "job"},
    {"POST", "/v1/skills/{id}/fit", .admin = true, .engine = "skill.fit", .path = {"skill"},
     .body = true, .ok = 202, .loc = "/v1/jobs/", .loc_key = "job"},
    {"POST", "/v1/import", .admin = true, .engine = "assessment.import", .raw_body = "data",
     .query = {{"name", AH_Q_STR},
               {"dry_run", AH_Q_BOOL},
               {"replace", AH_Q_BOOL},
               {"skip_invalid", AH_Q_BOOL},
               {"prefix", AH_Q_STR},
               {"id", AH_Q_STR},
               {"score_outcome", AH_Q_STR},
               {"root", AH_Q_STR},
               {"graded_max", AH_Q_INT}},
     .ok = 200},
    {"POST", "/v1/skills/fit", .admin = true, .engine = "skill.fit", .body = true, .ok = 202,
     .loc = "/v1/jobs/", .loc_key = "job"},
    {"GET", "/v1/learners/{id}/mastery", .engine = "mastery.get", .path = {"learner"},
     .query = {{"skill", AH_Q_STR}, {"model", AH_Q_STR}}, .ok = 200, .learner = AH_L_PATH},
    {"GET", "/v1/mastery/distribution", .engine = "mastery.distribution",
     .query = {{"skill", AH_Q_STR}}, .ok = 200},
    {"GET", "/v1/models", .engine = "model.list",
     .query = {{"cursor", AH_Q_STR}, {"limit", AH_Q_INT}}, .ok = 200},
    {"PUT", "/v1/models/{id}", .admin = true, .engine = "model.put", .path = {"id"},
     .raw_body = "weights",
     .query = {{"kind", AH_Q_STR},
               {"concepts", AH_Q_LIST},
               {"title", AH_Q_STR},
               {"max_learners", AH_Q_INT}},
     .ok = 200},
    {"GET", "/v1/models/{id}", .engine = "model.get", .path = {"id"}, .ok = 200},
    {"DELETE", "/v1/models/{id}", .admin = true, .engine = "model.delete", .path = {"id"},
     .ok = 200},
    {"POST", "/v1/models/{id}/recompute", .admin = true, .engine = "model.recompute",
     .path = {"id"}, .ok = 202, .loc = "/v1/jobs/", .loc_key = "job"},
};
const int ah_nroutes = (int)(sizeof ah_routes / sizeof ah_routes[0]);

int ah_route_count(void)
{
    return ah_nroutes;
}

const char *ah_route_method(int i)
{
    return ah_routes[i].method;
}

const char *ah_route_pattern(int i)
{
    return ah_routes[i].pattern;
}

const char *ah_route_engine(int i)
{
    return ah_routes[i].engine;
}
