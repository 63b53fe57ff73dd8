/* methods.h — the protocol's methods: their names, who may call them, and the handlers the
 * worker threads run (methods.c is the table; handler.h says what a handler does).
 */
#ifndef AS_METHODS_H
#define AS_METHODS_H

#include "worker.h"

#define AS_M_ADMIN  0x1 /* only on the admin socket */
#define AS_M_INLINE 0x2 /* cheap and read-only: the broker may run it itself when idle */

enum {
    AS_M_PING,
    AS_M_PUT,
    AS_M_GET,
    AS_M_LIST,
    AS_M_DELETE,
    AS_M_SCORE,
    AS_M_SCORE_BATCH,
    AS_M_STATS,
    AS_M_SUBMIT,
    AS_M_RESPONSE_GET,
    AS_M_RESPONSE_LIST,
    AS_M_REPORT,
    AS_M_REGRADE,
    AS_M_JOB_GET,
    AS_M_JOB_LIST,
    AS_M_SKILL_PUT,
    AS_M_SKILL_GET,
    AS_M_SKILL_LIST,
    AS_M_SKILL_DELETE,
    AS_M_SKILL_RECOMPUTE,
    AS_M_MASTERY_GET,
    AS_M_SKILL_FIT,
    AS_M_ATTEMPT_START,
    AS_M_ATTEMPT_SAVE,
    AS_M_ATTEMPT_SUBMIT,
    AS_M_ATTEMPT_GET,
    AS_M_ATTEMPT_LIST,
    AS_M_ATTEMPT_ABANDON,
    AS_M_OVERRIDE,
    AS_M_IMPORT,
    AS_M_MODEL_PUT,
    AS_M_MODEL_GET,
    AS_M_MODEL_LIST,
    AS_M_MODEL_DELETE,
    AS_M_MODEL_RECOMPUTE,
    AS_M_MASTERY_DISTRIBUTION,
    AS_M_GRADE_PUT,
    AS_M_AGREEMENT,
    AS_M_GRADE_LIST,
    AS_M_GRADE_NEXT,
    AS_M_COUNT,
    AS_M_INVALID = AS_STATS_METHODS - 1 /* undecodable requests and unknown methods, for stats */
};

typedef struct {
    const char *name;
    unsigned flags;
    as_code_t (*fn)(as_worker_t *w, as_request_t *req, as_err_t *err);
} as_method_t;

extern const as_method_t as_methods[AS_M_COUNT];
/* Method names by stats index (NULL where none), for as_stats_pack_methods. */
extern const char *const as_method_names[AS_STATS_METHODS];

/* The method named (s, len), or -1. */
int as_method_find(const char *s, uint32_t len);

#endif
