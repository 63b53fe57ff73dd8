/* engine.h — what the threads of assayd share: configuration, the store, stats, the ZeroMQ
 * context, and the internal message format between broker, workers and writer.
 *
 * Every internal message is multipart: [as_hdr_t][routing frames × n_env][payload...]. The routing
 * frames are the client's envelope, carried untouched so the broker can route the reply.
 *   broker -> worker   payload: the request body
 *   worker -> writer   payload: one frame per argument of the write (as_op_t)
 *   worker/writer -> broker   payload: the response body
 *   job thread -> writer   payload: the step's arguments (AS_OP_JOB_STEP, role AS_ROLE_JOB)
 *   writer -> job thread   payload: the response body; or one frame "wake" after a job is created
 */
#ifndef AS_ENGINE_H
#define AS_ENGINE_H

#include "err.h"
#include "stats.h"
#include "store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#define AS_VERSION "0.1.0"

/* Sockets a request can arrive on; admin may call every method, engine not the admin-only ones. */
typedef enum { AS_ROLE_ENGINE, AS_ROLE_ADMIN, AS_ROLE_COUNT } as_role_t;
#define AS_ROLE_JOB      0xff /* as_hdr_t.role of the job thread's own writes (answered to it) */
#define AS_MAX_FRONTENDS 4    /* engine.sock, admin.sock, --tcp, --admin-tcp */

#define AS_EP_WORK    "inproc://assay-work"    /* broker PUSH -> workers PULL */
#define AS_EP_REPLIES "inproc://assay-replies" /* workers, writer PUSH -> broker PULL */
#define AS_EP_WRITER  "inproc://assay-writer"  /* workers PUSH -> writer PULL */
#define AS_EP_CONTROL "inproc://assay-control" /* main PAIR -> broker PAIR */
#define AS_EP_JOBS    "inproc://assay-jobs"    /* writer PUSH -> job thread PULL */

typedef enum {
    AS_OP_NONE,
    AS_OP_PUT,
    AS_OP_DELETE,
    AS_OP_SUBMIT,
    AS_OP_JOB_NEW,   /* assessment.regrade, skill.recompute: [kind byte, target id, dry_run byte] */
    AS_OP_JOB_STEP,  /* the job thread: one step of a job (job.h, methods/jobs_write.c) */
    AS_OP_SKILL_PUT, /* [skill id, as_bkt_params_t] */
    AS_OP_SKILL_DELETE,    /* [skill id] */
    AS_OP_ATTEMPT_START,   /* [assessment, learner] */
    AS_OP_ATTEMPT_SAVE,    /* [[attempt, seq | nil, answers]] */
    AS_OP_ATTEMPT_SUBMIT,  /* [[attempt, answers | nil]] */
    AS_OP_ATTEMPT_ABANDON, /* [[attempt]] */
    AS_OP_OVERRIDE,        /* [assessment, learner, as_override_t] */
    AS_OP_IMPORT,          /* [[source, blob]...]: assessments stored all or none */
    AS_OP_MODEL_PUT,       /* [id, [kind, max_learners], blob, source] */
    AS_OP_MODEL_DELETE,    /* [id] */
    AS_OP_GRADE_PUT,       /* [as_grade_fwd_t, item, rater, comment] (methods/grades.h) */
    AS_OP_GRADE_NEXT,      /* [lease seconds (double), assessment, rater, item (empty: any)] */
    AS_OP_COUNT
} as_op_t;

typedef struct {
    uint8_t role;   /* as_role_t */
    uint8_t front;  /* the frontend socket it came from (as_engine_t.frontend) */
    uint8_t n_env;  /* routing frames that follow */
    uint8_t op;     /* as_op_t, worker -> writer */
    uint8_t method; /* method index, for stats */
    uint32_t msgid;
    uint32_t bytes;  /* the request body's size: the broker counts it in flight until answered */
    uint64_t t_recv; /* as_now_ns() when the broker received the request */
} as_hdr_t;

#define AS_MAX_FRAMES 16 /* frames of one client message, envelope included */

typedef struct {
    zmq_msg_t f[AS_MAX_FRAMES + 8]; /* (room for the header and the worker's argument frames) */
    int n;
} as_frames_t;

/* Receives every part of one message into fr (n frames). Parts beyond the capacity are received
 * and discarded, and *overflow is set. Returns 0, or -1 with errno (EAGAIN, ETERM, ...). */
int as_frames_recv(void *sock, as_frames_t *fr, int flags, bool *overflow);
/* Sends frames [from, n) as one message and closes all frames of fr. Returns 0, or -1 with errno;
 * when the first frame could not be sent (EAGAIN under ZMQ_DONTWAIT, EHOSTUNREACH, ...) nothing
 * was sent and fr is left intact for the caller to reuse or close. */
int as_frames_send(void *sock, as_frames_t *fr, int from, int flags);
void as_frames_close(as_frames_t *fr);
/* Replaces frame i with a copy of len bytes. */
int as_frames_set(as_frames_t *fr, int i, const void *data, size_t len);

typedef struct {
    /* configuration */
    char data_dir[4096];
    int workers;
    size_t max_message;
    size_t max_admin_message; /* on the admin sockets (model files): at least max_message */
    size_t map_size;
    as_sync_t sync; /* --sync */
    int sync_ms;    /* --sync periodic:MS */
    /* runtime */
    void *zctx;
    as_store_t *store;
    as_stats_t *stats; /* slots: 0 broker, 1 writer, 2.. workers */
    uint64_t start_ns;
    pthread_t main_thread;
    atomic_int fatal; /* set by a thread that cannot go on; main then shuts down with exit 1 */
    /* sockets bound by main and handed to the thread that uses them */
    void *frontend[AS_MAX_FRONTENDS]; /* ROUTERs: engine.sock, admin.sock, tcp (broker) */
    uint8_t frontend_role[AS_MAX_FRONTENDS];
    int n_frontends;
    void *work;                  /* PUSH to the workers (broker) */
    void *replies;               /* PULL of responses (broker) */
    void *control;               /* PAIR: main's stop request (broker) */
    void *writer_in;             /* PULL of writes (writer) */
    void *pub;                   /* PUB: events.sock (writer) */
    void *jobs_in;               /* PULL: the writer's answers and wake-ups (job thread) */
    int draining_s;              /* how long the broker waits for in-flight requests */
    size_t max_queued;           /* --max-queued: bytes of requests in flight (queued for a
                                    worker or the writer, or being served) beyond which requests
                                    are answered overloaded */
    uint64_t budget_ns;          /* --request-budget: the CPU time one request's scoring may take */
    _Atomic uint64_t stop_at_ns; /* 0; once draining, when in-flight scoring stops (as_now_ns) */
    atomic_int writer_ready; /* set once the writer has ended the attempts overdue at start-up */
} as_engine_t;

/* Reports a fatal error from any thread: logged, and the engine shuts down. */
void as_engine_fatal(as_engine_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Thread bodies. Each returns when the context is shut down (workers, writer) or when asked to
 * stop and drained (broker). */
void *as_broker_run(void *engine);
void *as_worker_run(void *arg);
void *as_writer_run(void *engine);
void *as_jobs_run(void *engine);

typedef struct {
    as_engine_t *engine;
    int index;
} as_worker_arg_t;

#endif
