/* listen.c — the sockets assayd serves on (listen.h): the ipc sockets in the data directory,
 * with their modes; the tcp frontends, with CURVE off loopback; the inproc sockets between its
 * threads. Every one reports what went wrong on stderr and gives NULL / -1. */
#include "listen.h"

#include "auth.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A client-facing socket's queues and bounds. Finite queues: up to 10,000 requests from a client
 * wait to be read; up to 2,048 replies wait for a client that does not read (beyond, they are
 * dropped and counted: a client that keeps more requests in flight than that without reading
 * loses answers); PUB keeps up to 100,000. A ROUTER reads frames up to twice max_message and
 * answers them too_large; beyond that libzmq drops the connection without reading them. */
static void s_client_opts(void *s, int type, size_t max_message)
{
    int one = 1, linger = 1000, rcv_hwm = 10000, snd_hwm = type == ZMQ_PUB ? 100000 : 2048;
    int64_t max = (int64_t)(max_message * 2 + 65536);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDHWM, &snd_hwm, sizeof snd_hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &rcv_hwm, sizeof rcv_hwm);
    if (type == ZMQ_ROUTER) {
        zmq_setsockopt(s, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    }
}

void *as_listen_ipc(as_engine_t *e, int type, const char *dir, const char *name, mode_t mode,
                    size_t max_message)
{
    char path[4200], ep[4300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(ep, sizeof ep, "ipc://%s", path);
    unlink(path); /* a stale socket of a crashed engine: we hold the lock, so nobody serves it */
    void *s = zmq_socket(e->zctx, type);
    s_client_opts(s, type, max_message);
    /* The socket file is created by the bind with the mode it must have (the umask around it:
     * main binds before any thread of ours runs, and libzmq's threads create no files), never
     * wider for a moment: a local user who connected to a wider admin.sock before a chmod would
     * keep an admin connection. The chmod after it only states the mode again. */
    mode_t old = umask((mode_t)(~mode & 0777));
    int rc = zmq_bind(s, ep);
    int bind_errno = errno;
    umask(old);
    errno = bind_errno;
    if (rc || chmod(path, mode)) {
        fprintf(stderr, "assayd: cannot bind %s: %s\n", path, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    return s;
}

/* Whether a tcp address is loopback (plain tcp is allowed there). */
static bool s_loopback(const char *addr)
{
    return strncmp(addr, "127.", 4) == 0 || strncmp(addr, "localhost:", 10) == 0 ||
           strncmp(addr, "[::1]:", 6) == 0;
}

int as_listen_tcp(as_engine_t *e, const as_tcp_opts_t *t, const char *addr, as_role_t role)
{
    const char *what = role == AS_ROLE_ADMIN ? "--admin-tcp" : "--tcp";
    const char *list = role == AS_ROLE_ADMIN ? t->admin_clients : t->clients;
    if (!t->secret && !s_loopback(addr)) {
        fprintf(stderr,
                "assayd: %s %s: binding anything but loopback needs CURVE: give --curve-secret "
                "and %s\n",
                what, addr, role == AS_ROLE_ADMIN ? "--curve-admin-clients" : "--curve-clients");
        return -1;
    }
    if (t->secret && !list) {
        fprintf(stderr, "assayd: %s with --curve-secret needs %s (the clients allowed)\n", what,
                role == AS_ROLE_ADMIN ? "--curve-admin-clients" : "--curve-clients");
        return -1;
    }
    void *s = zmq_socket(e->zctx, ZMQ_ROUTER);
    s_client_opts(s, ZMQ_ROUTER, role == AS_ROLE_ADMIN ? e->max_admin_message : e->max_message);
    char err[512], ep[300];
    if (t->secret &&
        as_auth_server(s, t->secret, role == AS_ROLE_ADMIN ? "admin" : "engine", err, sizeof err)) {
        fprintf(stderr, "assayd: %s: %s\n", what, err);
        zmq_close(s);
        return -1;
    }
    snprintf(ep, sizeof ep, "tcp://%s", addr);
    if (zmq_bind(s, ep)) {
        fprintf(stderr, "assayd: %s: cannot bind %s: %s\n", what, addr, zmq_strerror(errno));
        zmq_close(s);
        return -1;
    }
    e->frontend[e->n_frontends] = s;
    e->frontend_role[e->n_frontends++] = (uint8_t)role;
    AS_LOG(AS_LOG_INFO, "%s %s%s", what, addr, t->secret ? " (CURVE)" : " (plain, loopback)");
    return 0;
}

void *as_listen_inproc(as_engine_t *e, int type, const char *ep, int hwm)
{
    void *s = zmq_socket(e->zctx, type);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    if (zmq_bind(s, ep)) {
        fprintf(stderr, "assayd: cannot bind %s: %s\n", ep, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    return s;
}
