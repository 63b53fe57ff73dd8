/* echo.h — the transport floor of assay-bench --floor: a bare ZeroMQ ROUTER on one thread that
 * answers each request with the same bytes, turned into a response (echo.c). */
#ifndef AS_BENCH_ECHO_H
#define AS_BENCH_ECHO_H

typedef struct {
    void *ctx;         /* the libzmq context to make the socket in */
    char ep[300];      /* the endpoint it binds */
    volatile int stop; /* set to end the thread (it looks every 100 ms) */
} as_bench_echo_t;

/* The thread's function (arg: an as_bench_echo_t): echoes each request [0,id,method,params] back
 * as [1,id,nil,params] (the method string dropped; everything else the same bytes) until stop. */
void *as_bench_echo_run(void *arg);

#endif
