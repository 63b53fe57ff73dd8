/* clock.c — wall-clock time as the protocol shows it (clock.h). */
#include "clock.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

double as_wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void as_rfc3339(double t, char *buf, size_t n)
{
    time_t s = (time_t)floor(t);
    long ms = (long)((t - (double)s) * 1000.0);
    if (ms > 999) ms = 999;
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}
