/* tsan.h — ThreadSanitizer annotations for hand-offs it cannot see (libzmq is not
 * instrumented): what a thread wrote before passing a pointer through a ZeroMQ socket happens
 * before what the receiving thread reads through it. No-ops in other builds. */
#ifndef AH_TSAN_H
#define AH_TSAN_H

#ifdef __SANITIZE_THREAD__
#include <sanitizer/tsan_interface.h>
#define AH_RELEASE(p) __tsan_release((void *)(p))
#define AH_ACQUIRE(p) __tsan_acquire((void *)(p))
#else
#define AH_RELEASE(p) ((void)0)
#define AH_ACQUIRE(p) ((void)0)
#endif

#endif
