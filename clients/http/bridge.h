/* bridge.h — the asynchronous bridge from the HTTP threads to the engine (bridge.c). */
#ifndef AH_BRIDGE_H
#define AH_BRIDGE_H

#include "http.h"

typedef enum {
    AH_CALL_PENDING,
    AH_CALL_OK,      /* reply holds the engine's response body */
    AH_CALL_TIMEOUT, /* no answer within --timeout-ms (or the adapter is stopping) */
    AH_CALL_BUSY,    /* too many requests pending, or the engine's queue refused it */
    AH_CALL_FAILED,  /* out of memory */
} ah_outcome_t;

/* One engine call of a suspended HTTP request; owned by the request, filled by the bridge,
 * which resumes the connection when it is done. */
typedef struct {
    struct MHD_Connection *conn;
    int outcome; /* ah_outcome_t */
    void *reply; /* malloc'ed response body */
    size_t reply_len;
} ah_call_t;

/* Starts the bridge thread on the adapter's libzmq context. */
int ah_bridge_start(void *zmq_context);
/* Stops it; every call still waiting is resumed as a timeout; later calls are refused. */
void ah_bridge_stop(void);
/* Closes the request threads' sockets to it (once the HTTP daemon has stopped). */
void ah_bridge_free(void);
/* Starts a request body for method; the caller packs the params map after it. */
void ah_bridge_begin(msgpack_packer *pk, const char *method);
/* Queues a call with the body ah_bridge_begin started (from a request thread); the caller then
 * suspends call->conn. -1: not queued. */
int ah_bridge_send(ah_call_t *call, bool admin, const void *body, size_t len);

#endif
