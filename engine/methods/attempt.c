/* attempt.c — how an exam attempt is shown (attempt.h). */
#include "attempt.h"

#include "clock.h"
#include "protocol.h"

const char *as_attempt_state_name(const as_attempt_t *a, double now)
{
    switch (a->state) {
    case AS_ATT_IN_PROGRESS:
        return a->deadline > 0 && now >= a->deadline ? "overdue" : "in_progress";
    case AS_ATT_SUBMITTED:
        return "submitted";
    default:
        return "abandoned";
    }
}

void as_attempt_pack_time_left(msgpack_packer *pk, const as_attempt_t *a, double now)
{
    as_pack_cstr(pk, "time_left_s");
    if (a->deadline <= 0)
        msgpack_pack_nil(pk);
    else
        msgpack_pack_double(
            pk, a->state == AS_ATT_IN_PROGRESS && now < a->deadline ? a->deadline - now : 0);
}

void as_attempt_pack(msgpack_packer *pk, const as_attempt_t *a, const void *answers, size_t len,
                     double now)
{
    msgpack_pack_map(pk, 11);
    as_pack_cstr(pk, "id");
    msgpack_pack_uint64(pk, a->id);
    as_pack_cstr(pk, "assessment");
    as_pack_str(pk, a->assessment, a->assessment_len);
    as_pack_cstr(pk, "learner");
    as_pack_str(pk, a->learner, a->learner_len);
    as_pack_cstr(pk, "number");
    msgpack_pack_uint32(pk, a->number);
    as_pack_cstr(pk, "state");
    as_pack_cstr(pk, as_attempt_state_name(a, now));
    as_pack_time(pk, "started_at", a->started_at);
    as_pack_time(pk, "deadline", a->deadline);
    as_attempt_pack_time_left(pk, a, now);
    as_pack_time(pk, "finished_at", a->finished_at);
    as_pack_cstr(pk, "answers");
    if (len)
        as_pack_raw(pk, answers, len);
    else
        msgpack_pack_map(pk, 0);
    as_pack_cstr(pk, "response_id");
    if (a->response_id)
        msgpack_pack_uint64(pk, a->response_id);
    else
        msgpack_pack_nil(pk);
}
