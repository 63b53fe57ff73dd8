/* log.c — timestamped, levelled log lines on stderr (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int as_log_level = AS_LOG_INFO;

static const char *const s_names[] = {"error", "warn", "info", "debug"};

int as_log_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, s_names[i]) == 0) return i;
    return -1;
}

void as_log_write(int level, const char *fmt, ...)
{
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(
        line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ assayd %s: ", tm.tm_year + 1900,
        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
        s_names[level < 0   ? 0
                : level > 3 ? 3
                            : level]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    line[len++] = '\n';
    fwrite(line, 1, len, stderr); /* one write per line: lines from threads do not interleave */
}
