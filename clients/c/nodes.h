/* nodes.h — libassay's internal helpers for several engines (nodes.c); the public part is in
 * assay.h. assay-http's bridge (bridge_nodes.c) uses them too, so that it routes and keys
 * requests exactly as libassay does. */
#ifndef AS_NODES_H
#define AS_NODES_H

#include "assay.h"

/* The routing key of a request: its params' "learner" string, else its "assessment" string,
 * else "" (a view into params). */
void as_nodes_route_key(const void *params, size_t len, const char **key, size_t *key_len);

/* A response.submit without "key" gets one ("auto-" and 32 random hex digits), so that its
 * retry on another node is stored once: 1 with the new params in out, 0 when nothing is to be
 * added (another method, or a key given), -1 when no random bytes could be had. */
int as_nodes_with_key(const char *method, const void *params, size_t len, msgpack_sbuffer *out);

/* The endpoint of one target (len bytes): itself, or a data directory's socket `sock`
 * ("engine.sock", "admin.sock", "events.sock"), which must be there unless the target is one of
 * several (a node that is down now may be back later): ASSAY_ECONNECT. ASSAY_EINVAL for an
 * empty or over-long target. */
int as_nodes_endpoint(const char *target, size_t len, const char *sock, bool several, char *ep,
                      size_t size);

#endif
