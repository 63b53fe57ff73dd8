/* worker.h — a worker's state (worker.c): everything a request needs, allocated once per worker
 * thread (and once for the broker, which runs cheap reads itself when idle). Handlers
 * (methods/handler.h) get it as their first argument.
 */
#ifndef AS_WORKER_H
#define AS_WORKER_H

#include "engine.h"
#include "protocol.h"
#include "table.h"

typedef struct as_worker as_worker_t;

/* The broker's own budget for a request it runs inline (1 ms of CPU). */
#define AS_INLINE_BUDGET_NS 1000000u

struct as_worker {
    as_engine_t *engine;
    int index;
    as_tstat_t *stats;
    as_reader_t *rd;
    as_scorer_t *scorer;
    uint64_t budget_ns;  /* the CPU time one request's scoring may take */
    double *item_scores; /* AS_MAX_ITEMS */
    msgpack_sbuffer sb;
    msgpack_packer pk;
    void *from_broker, *to_broker, *to_writer;
    msgpack_sbuffer fwd_sb; /* builds a write's arguments */
    msgpack_packer fwd_pk;
    /* A write to forward to the writer: op and up to 5 argument frames. */
    as_op_t fwd_op;
    zmq_msg_t fwd[5];
    int fwd_n;
    struct as_kt *kt; /* the deep models' scratch (tracing/models_trace.h) */
};

/* A worker's state: with_sockets false for the broker's own (it sends replies itself). */
as_worker_t *as_worker_new(as_engine_t *e, int index, int stats_slot, bool with_sockets);
void as_worker_destroy(as_worker_t **w_p);
/* Runs one request; leaves the response in w->sb, or sets w->fwd_op for a write. Sets
 * hdr->msgid; returns the method index for stats and the outcome in *code. */
int as_worker_handle(as_worker_t *w, as_hdr_t *hdr, const void *body, size_t len, as_code_t *code);

#endif
