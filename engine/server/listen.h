/* listen.h — the sockets assayd serves on (listen.c), bound by main before any thread starts. */
#ifndef AS_LISTEN_H
#define AS_LISTEN_H

#include "engine.h"

#include <stddef.h>
#include <sys/types.h>

/* --tcp / --admin-tcp and their CURVE keys (NULL: not given). */
typedef struct {
    const char *tcp, *admin_tcp, *secret, *clients, *admin_clients;
} as_tcp_opts_t;

/* A client-facing socket (ROUTER or PUB) at DIR/NAME, created with `mode` (a stale socket file of
 * a crashed engine replaced): NULL when it cannot be bound. */
void *as_listen_ipc(as_engine_t *e, int type, const char *dir, const char *name, mode_t mode,
                    size_t max_message);
/* A tcp ROUTER for role at addr, added to the engine's frontends, with CURVE when a secret is
 * given (required off loopback): -1 when it cannot be. */
int as_listen_tcp(as_engine_t *e, const as_tcp_opts_t *t, const char *addr, as_role_t role);
/* An inproc socket between the engine's threads, bound at ep with queues of hwm. */
void *as_listen_inproc(as_engine_t *e, int type, const char *ep, int hwm);

#endif
