/* echo.c — the transport floor's server (echo.h). */
#include "echo.h"

#include "codec.h"

#include <string.h>
#include <zmq.h>

/* Echoes each request back as a response carrying the same params: [0,id,method,params] becomes
 * [1,id,nil,params] (the method string is dropped; everything else is the same bytes). */
void *as_bench_echo_run(void *arg)
{
    as_bench_echo_t *e = arg;
    void *s = zmq_socket(e->ctx, ZMQ_ROUTER);
    int hwm = 100000, linger = 0, timeout = 100;
    zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_bind(s, e->ep);
    zmq_msg_t id, body;
    while (!e->stop) {
        zmq_msg_init(&id);
        if (zmq_msg_recv(&id, s, 0) < 0) {
            zmq_msg_close(&id);
            continue;
        }
        zmq_msg_init(&body);
        zmq_msg_recv(&body, s, 0);
        uint8_t *p = zmq_msg_data(&body);
        size_t n = zmq_msg_size(&body);
        as_mp_t r;
        uint32_t cnt, kind, msgid;
        const char *m;
        uint32_t ml;
        as_mp_init(&r, p, n);
        if (!as_mp_array(&r, &cnt) && !as_mp_u32(&r, &kind) && !as_mp_u32(&r, &msgid)) {
            uint8_t *method = (uint8_t *)r.p;
            if (!as_mp_str(&r, &m, &ml)) {
                p[1] = 1;
                method[0] = 0xc0;
                memmove(method + 1, r.p, as_mp_left(&r));
                n -= (size_t)(r.p - method) - 1;
            }
        }
        zmq_msg_send(&id, s, ZMQ_SNDMORE);
        zmq_send(s, p, n, 0);
        zmq_msg_close(&body);
    }
    zmq_close(s);
    return NULL;
}
