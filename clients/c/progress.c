/* progress.c — the progress line of long commands (progress.h). */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void as_progress_init(as_progress_t *p, const char *prefix, const char *unit)
{
    *p = (as_progress_t){.prefix = prefix, .unit = unit, .t0 = s_now(), .tty = isatty(2) == 1};
}

void as_progress_show(as_progress_t *p, uint64_t done, uint64_t total, bool final)
{
    double now = s_now();
    if (!final && p->drawn && now - p->last < (p->tty ? 0.1 : 5.0)) return;
    p->last = now;
    p->drawn = true;
    double el = now - p->t0, rate = el > 0 ? (double)done / el : 0;
    double eta = rate > 0 && total > done ? (double)(total - done) / rate : 0;
    const int width = 30;
    int fill =
        total ? (int)((double)width * (double)(done > total ? total : done) / (double)total) : 0;
    if (p->tty) {
        fprintf(stderr, "\r%s [%.*s%*s] %llu/%llu %s  %.0f/s  ETA %.0f s ", p->prefix, fill,
                "##############################", width - fill, "", (unsigned long long)done,
                (unsigned long long)total, p->unit, rate, eta);
        if (final) fprintf(stderr, "\n");
    } else {
        fprintf(stderr, "%s: %llu/%llu %s, %.0f/s, ETA %.0f s\n", p->prefix,
                (unsigned long long)done, (unsigned long long)total, p->unit, rate, eta);
    }
    fflush(stderr);
}
