/* assay.h — libassay, the C client of the assay scoring engine.
 *
 * One assay_t is one DEALER connection to assayd (a data directory's engine.sock or admin.sock,
 * or an endpoint), or one to each of several engines on one database (a comma-separated list:
 * "Several engines" below). It is not thread-safe: use one per thread. Two ways to call:
 *   - assay_call: synchronous, one request, waits for its response up to a timeout;
 *   - assay_send + assay_recv: pipelined, many requests in flight, responses in any order,
 *     matched by msgid. Do not mix the two on one connection while requests are in flight.
 *
 * Params and results are msgpack (proto/PROTOCOL.md documents every method). Params are passed
 * as encoded bytes of a map (build them with msgpack-c's packer); results come back decoded as a
 * msgpack_object that lives as long as its assay_reply_t.
 *
 * Every function returns 0 (ASSAY_OK) or a negative ASSAY_E* code; assay_strerror names it.
 */
#ifndef ASSAY_H
#define ASSAY_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ASSAY_OK       0
#define ASSAY_EREPLY   (-30700) /* the engine answered with an error: see assay_reply_code() */
#define ASSAY_ETIMEOUT (-30701) /* no response within the timeout (engine down or busy) */
#define ASSAY_ECONNECT (-30702) /* no engine socket at that place */
#define ASSAY_EPROTO   (-30703) /* a response that is not valid protocol v1 */
#define ASSAY_ENOMEM   (-30704)
#define ASSAY_EINVAL   (-30705) /* a bad argument (NULL, empty method, params not a map) */
#define ASSAY_ESYS     (-30706) /* a ZeroMQ or system error; errno tells which */

/* A static description of an ASSAY_E* code. */
const char *assay_strerror(int rc);

typedef struct assay assay_t;
typedef struct assay_reply assay_reply_t;

typedef struct {
    int timeout_ms;    /* default timeout of assay_call when it is given -1; 0 means 5000 */
    bool admin;        /* with a data directory: connect to admin.sock instead of engine.sock */
    void *zmq_context; /* a libzmq context to share (one I/O thread for many connections, e.g.
                          one connection per thread); NULL: the connection makes its own */
    /* CURVE (assayd --tcp with --curve-secret): the client's certificate with its secret key (the
     * NAME_secret file `assay keygen NAME` writes), and the server's public key: its Z85 text
     * (40 characters) or its public certificate file. Both NULL: plain. */
    const char *curve_cert;
    const char *curve_server_key;
    /* With several engines: how long one try waits for its node before the next is tried; 0
     * means 2000. The whole call is still bounded by its timeout. */
    int try_timeout_ms;
} assay_options_t;

/* The most engines one connection takes. */
#define ASSAY_MAX_NODES 16

/* Connects to target: an endpoint ("ipc://...", "tcp://host:port") or a data directory (its
 * engine.sock, or admin.sock with opts->admin), or several of them separated by commas (at most
 * ASSAY_MAX_NODES; CURVE options apply to every one). opts may be NULL. ASSAY_ECONNECT when a
 * single data directory has no such socket (one of several is connected to all the same: its
 * engine may be back by the next call); ASSAY_EINVAL for an empty list item or too many. The
 * connection itself is made in the background: an engine that is not there shows as
 * ASSAY_ETIMEOUT on the first call.
 *
 * Several engines (assayd nodes on one PostgreSQL database, docs/OPERATIONS.md): a request goes
 * to the node chosen by rendezvous hashing of its routing key (the params' "learner", else their
 * "assessment", else ""), so one learner's requests meet on one node and wait on no other node's
 * locks. assay_call retries a try that times out (opts->try_timeout_ms) or is answered
 * `unavailable` on the next node of that key's order, going round until its timeout; after a
 * round in which every node failed it waits (100 ms, doubling to 1 s). A response.submit without
 * "key" is given one first, so a retry of a submission whose first try was stored is stored once.
 * Other writes carry no key: a retry after an unknown outcome may apply one twice (an
 * assessment.put makes one more version). assay_send routes but does not retry. */
int assay_open(assay_t **out, const char *target, const assay_options_t *opts);
/* Closes the connection and sets *self_p to NULL; NULL-safe. Unanswered requests are dropped. */
void assay_close(assay_t **self_p);

/* Sends `method` with params (len bytes of a msgpack map; NULL or 0 bytes: an empty map) and
 * waits up to timeout_ms (-1: the connection's default) for its response. Returns ASSAY_OK with
 * *reply holding the result, ASSAY_EREPLY with *reply holding the engine's error, or another
 * code with *reply NULL. Responses to earlier, timed-out calls are discarded. */
int assay_call(assay_t *self, const char *method, const void *params, size_t len, int timeout_ms,
               assay_reply_t **reply);

/* Sends a request without waiting; *msgid (may be NULL) is the id its response will carry.
 * Blocks only when the connection's send queue (10,000 messages) is full. */
int assay_send(assay_t *self, const char *method, const void *params, size_t len, uint32_t *msgid);
/* Waits up to timeout_ms (-1: forever) for the next response of any request sent. Returns
 * ASSAY_OK or ASSAY_EREPLY with *reply set, or ASSAY_ETIMEOUT / ASSAY_EPROTO with *reply NULL. */
int assay_recv(assay_t *self, int timeout_ms, assay_reply_t **reply);

/* The libzmq socket (for zmq_poll in an event loop); with several engines, the first node's:
 * poll every assay_node_socket instead. */
void *assay_socket(assay_t *self);
/* How many engines the connection has (1 for a single target), and node i's socket. */
int assay_node_count(const assay_t *self);
void *assay_node_socket(assay_t *self, int i);

/* Rendezvous hashing, as every assay client computes it: node i's weight for a routing key is
 * mix(fnv1a64(key bytes, one 0 byte, endpoint bytes)), mix being splitmix64's finaliser; the
 * nodes in order of weight, heaviest first, ties to the earlier (proto/PROTOCOL.md has test
 * vectors). order receives n indexes; n <= ASSAY_MAX_NODES. */
uint64_t assay_node_weight(const char *endpoint, const char *key, size_t key_len);
void assay_node_order(const char *const *endpoints, int n, const char *key, size_t key_len,
                      int *order);

uint32_t assay_reply_msgid(const assay_reply_t *reply);
/* The error code ("not_found", ...) or NULL when the call succeeded. */
const char *assay_reply_code(const assay_reply_t *reply);
/* The error message, or NULL when the call succeeded. */
const char *assay_reply_message(const assay_reply_t *reply);
/* The result (a map; nil on error). Valid until assay_reply_free. */
const msgpack_object *assay_reply_result(const assay_reply_t *reply);
/* The raw response body. Valid until assay_reply_free. */
const void *assay_reply_body(const assay_reply_t *reply, size_t *len);
void assay_reply_free(assay_reply_t **reply_p);

/* The value of key in a msgpack map, or NULL (also when map is not a map). */
const msgpack_object *assay_map_get(const msgpack_object *map, const char *key);

/* ---- notifications (events.sock) ----
 *
 * A subscriber receives the engines' notifications: topic "score.<assessment>",
 * "assessment.<id>", ... and a msgpack map carrying "node" (the engine that published it) and
 * "seq", which increases by one per notification that engine publishes. PUB/SUB drops messages
 * for a subscriber that falls behind, and a new subscription takes a moment to reach the engine
 * (the "slow joiner"): a subscriber that sees a gap in a node's seq (assay_event_missed), or
 * that has just subscribed, resyncs with a read (response.list, assessment.get). Not
 * thread-safe: one per thread. */
typedef struct assay_sub assay_sub_t;
typedef struct assay_event assay_event_t;

/* Connects to target: a data directory (its events.sock) or an endpoint, or several of them
 * separated by commas (several engines on one database: each one's notifications). Subscribes to
 * nothing yet. ASSAY_ECONNECT when the one data directory given has no events.sock (of several,
 * one not there yet is connected to when it appears); ASSAY_EINVAL for an empty item or more
 * than ASSAY_MAX_NODES. */
int assay_sub_open(assay_sub_t **out, const char *target);
void assay_sub_close(assay_sub_t **sub_p);
/* Subscribes to every topic starting with prefix ("score.quiz-1", "score.", "" for all). */
int assay_sub_subscribe(assay_sub_t *sub, const char *prefix);
int assay_sub_unsubscribe(assay_sub_t *sub, const char *prefix);
/* Waits up to timeout_ms (-1: forever) for the next notification: ASSAY_OK with *event set,
 * ASSAY_ETIMEOUT, or ASSAY_EPROTO (a malformed notification, dropped). */
int assay_sub_recv(assay_sub_t *sub, int timeout_ms, assay_event_t **event);
/* Calls fn for every notification that arrives within timeout_ms; returns how many. The event
 * is freed after fn returns. */
typedef void (*assay_event_fn)(void *arg, const assay_event_t *event);
int assay_sub_dispatch(assay_sub_t *sub, int timeout_ms, assay_event_fn fn, void *arg);
/* The libzmq socket (for zmq_poll in an event loop). */
void *assay_sub_socket(assay_sub_t *sub);

/* The topic (NUL-terminated), the body (a map), its seq (0 when absent) and its node (*len bytes,
 * not NUL-terminated; NULL when absent). Valid until assay_event_free. */
const char *assay_event_topic(const assay_event_t *event);
const msgpack_object *assay_event_body(const assay_event_t *event);
uint64_t assay_event_seq(const assay_event_t *event);
const char *assay_event_node(const assay_event_t *event, size_t *len);
/* How many notifications of the event's node this subscriber missed just before it (a gap in
 * that node's seq since the last one received from it; 0 for a node's first): when not 0,
 * resync with a read. */
uint64_t assay_event_missed(const assay_event_t *event);
void assay_event_free(assay_event_t **event_p);

/* ---- the local scorer ----
 *
 * The method `score` answered in the caller's own thread, with no request to the engine: the
 * engine publishes its compiled tables in DATA/tables/ (an LMDB environment of their own, readable
 * by the data directory's group; learners' data stays in the engine's own files), and a local
 * scorer maps them read-only and scores with the engine's code, so its result is the bytes of the
 * engine's answer to the same params. Each call sees the tables as last committed: a version put
 * is scored by the next call (the engine publishes it before it answers the put). A call takes
 * no lock but a shared one, makes no request and allocates nothing once the first calls have
 * sized its buffer. Submissions and everything that writes still go to the engine.
 *
 * One as_local_t per thread (handles of one directory share the mapping). */
typedef struct as_local as_local_t;
/* Opens the published tables of data directory dir. ASSAY_ESYS (errno) when there are none there
 * or they may not be read, with why (may be NULL) saying so in at most why_n bytes. */
int as_local_open(as_local_t **out, const char *dir, char *why, size_t why_n);
void as_local_close(as_local_t **self_p);
/* Scores params (len bytes of a msgpack map, as `score` takes: assessment, answers, detail).
 * ASSAY_OK: *result is the result map's msgpack (*result_len bytes), valid until the next call on
 * self. ASSAY_EREPLY: the engine's error for these params, in as_local_code / as_local_message. */
int as_local_score(as_local_t *self, const void *params, size_t len, const void **result,
                   size_t *result_len);
/* The error code ("not_found", "bad_request", ...) and message of the last call, or NULL when it
 * succeeded. */
const char *as_local_code(const as_local_t *self);
const char *as_local_message(const as_local_t *self);

#ifdef __cplusplus
}
#endif
#endif
