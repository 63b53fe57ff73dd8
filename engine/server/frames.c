/* frames.c — multipart messages between the engine's threads (see engine.h). */
#include "engine.h"

#include <errno.h>
#include <string.h>

#ifdef __SANITIZE_THREAD__
/* libzmq hands a message's body from one thread to another through queues ThreadSanitizer
 * cannot see (libzmq is not instrumented): tell it that the sender's writes happen before the
 * receiver's reads of the same body. */
#include <sanitizer/tsan_interface.h>
#define S_RELEASE(m) __tsan_release(zmq_msg_data(m))
#define S_ACQUIRE(m) __tsan_acquire(zmq_msg_data(m))
#else
#define S_RELEASE(m) ((void)0)
#define S_ACQUIRE(m) ((void)0)
#endif

int as_frames_recv(void *sock, as_frames_t *fr, int flags, bool *overflow)
{
    int more = 1;
    size_t sz = sizeof more;
    fr->n = 0;
    *overflow = false;
    const int cap = AS_MAX_FRAMES; /* leaves room for frames the engine adds */
    while (more) {
        zmq_msg_t *m;
        zmq_msg_t spare;
        m = fr->n < cap ? &fr->f[fr->n] : &spare;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, sock, fr->n == 0 ? flags : 0) < 0) {
            int e = errno;
            zmq_msg_close(m);
            as_frames_close(fr);
            errno = e;
            return -1;
        }
        S_ACQUIRE(m);
        zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &sz);
        if (m == &spare) {
            zmq_msg_close(m);
            *overflow = true;
        } else {
            fr->n++;
        }
    }
    return 0;
}

int as_frames_send(void *sock, as_frames_t *fr, int from, int flags)
{
    int rc = 0, err = 0;
    for (int i = from; i < fr->n; i++) {
        int f = flags | (i + 1 < fr->n ? ZMQ_SNDMORE : 0);
        S_RELEASE(&fr->f[i]);
        if (zmq_msg_send(&fr->f[i], sock, f) < 0) {
            if (i == from) return -1; /* nothing sent: fr stays the caller's */
            err = errno;
            rc = -1;
            break;
        }
    }
    as_frames_close(fr);
    if (rc) errno = err;
    return rc;
}

void as_frames_close(as_frames_t *fr)
{
    for (int i = 0; i < fr->n; i++)
        zmq_msg_close(&fr->f[i]);
    fr->n = 0;
}

int as_frames_set(as_frames_t *fr, int i, const void *data, size_t len)
{
    zmq_msg_close(&fr->f[i]);
    if (zmq_msg_init_size(&fr->f[i], len)) return -1;
    if (len) memcpy(zmq_msg_data(&fr->f[i]), data, len);
    return 0;
}
