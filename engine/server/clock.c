/* clock.c — wall-clock time as the protocol shows it (clock.h). */
#include "clock.h"

#include "codec.h"

#include <stdbool.h>

#include <ctype.h>
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

/* n digits at s as a number; -1 when they are not all digits. */
static int s_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int as_rfc3339_parse(const char *s, size_t len, double *out)
{
    static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (len < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
        return -1;
    int y = s_digits(s, 4), mo = s_digits(s + 5, 2), d = s_digits(s + 8, 2);
    int h = s_digits(s + 11, 2), mi = s_digits(s + 14, 2), sec = s_digits(s + 17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1] || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || sec < 0 || sec > 60)
        return -1;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap) return -1;
    size_t i = 19;
    double frac = 0;
    if (i < len && s[i] == '.') {
        double scale = 0.1;
        size_t start = ++i;
        for (; i < len && isdigit((unsigned char)s[i]); i++, scale /= 10)
            frac += (s[i] - '0') * scale;
        if (i == start) return -1;
    }
    int offset = 0;
    if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh = s_digits(s + i + 1, 2), om = s_digits(s + i + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) return -1;
        offset = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        i += 6;
    }
    if (i != len) return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    *out = (double)timegm(&tm) - offset + frac;
    return 0;
}

void as_pack_time(msgpack_packer *pk, const char *name, double t)
{
    as_pack_cstr(pk, name);
    if (t <= 0) {
        msgpack_pack_nil(pk);
        return;
    }
    char buf[40];
    as_rfc3339(t, buf, sizeof buf);
    as_pack_cstr(pk, buf);
}
