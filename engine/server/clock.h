/* clock.h — wall-clock time as the protocol shows it. */
#ifndef AS_CLOCK_H
#define AS_CLOCK_H

#include <stddef.h>

/* Seconds since the epoch (CLOCK_REALTIME), to the nanosecond. */
double as_wall_s(void);
/* t (seconds since the epoch) as RFC 3339 UTC with milliseconds: 2026-11-22T13:56:07.123Z. */
void as_rfc3339(double t, char *buf, size_t n);
/* Reads an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), 't', 'z' and ' '
 * for 'T' accepted) of len bytes into seconds since the epoch. Returns 0, or -1 when it is not
 * one (fields out of range included). */
int as_rfc3339_parse(const char *s, size_t len, double *out);

#endif
