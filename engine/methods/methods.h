/* methods.h — the protocol's methods: their names, who may call them, and the handlers the
 * worker threads run.
 *
 * A handler reads its params and packs its result (the 4th element of the response) into
 * w->pk; or, for a write, validates and prepares the writer's arguments (w->fwd_*) and sets
 * w->fwd_op. On error it returns the code with err filled and whatever it packed is discarded.
 */
#ifndef AS_METHODS_H
#define AS_METHODS_H

#include "engine.h"
#include "protocol.h"
#include "table.h"

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
    AS_M_COUNT,
    AS_M_INVALID = AS_STATS_METHODS - 1 /* undecodable requests and unknown methods, for stats */
};

typedef struct as_worker as_worker_t;

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

/* Per-worker state: everything a request needs, allocated once. */
struct as_worker {
    as_engine_t *engine;
    int index;
    as_tstat_t *stats;
    as_reader_t *rd;
    as_scorer_t *scorer;
    double *item_scores; /* AS_MAX_ITEMS */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    void *from_broker, *to_broker, *to_writer;
    msgpack_sbuffer fwd_sb; /* builds a write's arguments */
    msgpack_packer fwd_pk;
    /* A write to forward to the writer: op and up to 4 argument frames. */
    as_op_t fwd_op;
    zmq_msg_t fwd[4];
    int fwd_n;
};

/* A worker's state: with_sockets false for the broker's own (it sends replies itself). */
as_worker_t *as_worker_new(as_engine_t *e, int index, int stats_slot, bool with_sockets);
void as_worker_destroy(as_worker_t **w_p);
/* Runs one request; leaves the response in w->sb, or sets w->fwd_op for a write. Sets
 * hdr->msgid; returns the method index for stats and the outcome in *code. */
int as_worker_handle(as_worker_t *w, as_hdr_t *hdr, const void *body, size_t len, as_code_t *code);

#endif
