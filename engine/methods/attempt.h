/* attempt.h — how an exam attempt is shown (attempt.get, attempt.list, every attempt method's
 * result, attempt.<assessment> notifications). */
#ifndef AS_ATTEMPT_H
#define AS_ATTEMPT_H

#include "store.h"

#include <msgpack.h>

/* "in_progress", "overdue" (in progress, past its deadline at `now`), "submitted", "abandoned" */
const char *as_attempt_state_name(const as_attempt_t *a, double now);
/* {id, assessment, learner, number, state, started_at, deadline, time_left_s, finished_at,
 * answers, response_id} at `now` (deadline and time_left_s nil when it has none). */
void as_attempt_pack(msgpack_packer *pk, const as_attempt_t *a, const void *answers, size_t len,
                     double now);
/* The pair "time_left_s": seconds to the deadline at `now` (0 once past it or ended; nil without
 * a deadline). */
void as_attempt_pack_time_left(msgpack_packer *pk, const as_attempt_t *a, double now);

#endif
