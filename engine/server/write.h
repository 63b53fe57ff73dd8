/* write.h — what a write step sees: the write being applied (its arguments, the response and
 * notifications it prepares) and the writer's scratch. The writer thread (writer.c) runs one
 * step per write inside its transaction; the steps live with their domains (methods/writes.h
 * lists them) and depend on this header only, never on the writer thread itself.
 */
#ifndef AS_WRITE_H
#define AS_WRITE_H

#include "engine.h"
#include "protocol.h"
#include "table.h"

/* One write of a batch: its frames, and its response and notifications prepared inside the
 * transaction, sent after the commit. */
typedef struct {
    as_frames_t fr; /* [hdr][envelope][arguments] */
    as_hdr_t hdr;
    int args; /* index of the first argument frame */
    as_code_t code;
    as_err_t err;
    msgpack_sbuffer reply; /* the response body, ready to send after the commit */
    msgpack_packer reply_pk;
    msgpack_sbuffer notes; /* notifications: (topic str, body) pairs, packed one after another */
    msgpack_packer notes_pk;
    bool dropped; /* it broke its batch's transaction: answered its error, left out of the batch */
} as_write_t;

/* A skill a submission gives evidence of (tracing/mastery_update.c). */
typedef struct {
    char id[AS_MAX_ID];
    uint32_t len;
    as_skill_t skill;
    as_mastery_t m;
    double predicted; /* P(correct) before this submission's first observation of the skill */
} as_touched_t;

/* An item id a save names (attempts_write.c's merge). */
typedef struct {
    const char *key;
    uint32_t len;
} as_att_key_t;

typedef struct {
    as_engine_t *e;
    void *in, *to_broker, *to_jobs, *pub;
    as_tstat_t *stats;
    as_scorer_t *scorer;
    double *item_scores; /* AS_MAX_ITEMS */
    uint8_t *answered;   /* AS_MAX_ITEMS */
    uint8_t *observed;   /* AS_MAX_ITEMS: the answered items whose scores are known (a graded
                            item's waits for people: not observed by tracing until then) */
    struct as_agree_scratch *agree; /* grade.put's agreement counts (grades_write.c) */
    msgpack_sbuffer rec;            /* a response record being stored */
    msgpack_packer rec_pk;
    as_touched_t *touched; /* the skills of the submission being stored */
    size_t touched_cap;
    msgpack_sbuffer mastery; /* their states as a map {skill: {...}} (record, reply, note) */
    msgpack_packer mastery_pk;
    struct as_kt *kt;       /* the deep models' scratch (tracing/models_trace.h) */
    msgpack_sbuffer models; /* the deep models stepped: {model: {skill: {...}}} */
    uint32_t n_models;
    const void *kt_pre; /* the submission's steps as its worker ran them (NULL: none) */
    size_t kt_pre_len;
    msgpack_sbuffer att; /* an attempt's merged answers (attempts_write.c) */
    msgpack_packer att_pk;
    as_att_key_t *att_keys; /* the ids a save names, hashed */
    uint32_t att_cap;
    as_write_t *batch;
    int n;
    as_subject_t *subjects; /* the batch's declared subjects (as_wtxn_prepare) */
    as_write_t sweep;       /* the deadline sweep's notifications (attempts_write.c) */
    double next_due;        /* when the next attempt deadline event is due (0: none) */
    uint64_t last_sync;     /* --sync periodic: when the data was last flushed */
    bool unsynced;          /* commits not yet flushed (periodic, none) */
} as_writer_t;

/* The write's argument i (a frame), and how many it has. */
const char *as_write_arg(as_write_t *w, int i, size_t *len);
int as_write_nargs(const as_write_t *w);
/* Starts a notification on topic "<prefix>.<id>": the caller packs its body (one object, with
 * the stamp of as_store_stamp: as_pack_stamp) into the returned packer. */
msgpack_packer *as_write_note(as_write_t *w, const char *prefix, const char *id, size_t len);

/* A notification {event, id, node, seq} on topic "<prefix>.<id>" (a delete, a skill's put). */
void as_write_note_event(as_write_t *w, as_wtxn_t *txn, const char *prefix, const char *event,
                         const char *id, size_t len);

/* A write step: applies write w inside txn, setting w->code (and w->err) on failure, else packing
 * the response into w->reply_pk and any notifications with as_write_note. */
typedef void as_write_step_fn(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w);

#endif
