/* fit.h — skill.fit's two halves (fit.c: the writer's steps and the job's arguments; fit_read.c:
 * the job thread's reading and fitting). Nothing else includes this. */
#ifndef AS_FIT_H
#define AS_FIT_H

#include "bkt_fit.h"
#include "job_kind.h"

/* The job's arguments, as skills.c packs them: [forgets, restarts, seed, bounds (nil or 10
 * numbers: lo, hi of each parameter), apply]. */
typedef struct {
    as_bkt_fit_opts_t opts;
    bool bounded; /* bounds given or default (false: `bounds: null`) */
    bool apply;
} as_fit_args_t;

bool as_fit_args_read(const void *data, size_t len, as_fit_args_t *a);
/* The parameters' names, by AS_BKT_PRIOR .. index. */
extern const char *const as_fit_names[AS_BKT_NPARAMS];

/* The job thread's half (as_job_ops_t read, conclude, release). */
as_code_t as_fit_read(as_chunk_t *c);
as_code_t as_fit_conclude(as_chunk_t *c, msgpack_packer *pk);
void as_fit_release(void *state);

#endif
