/* clock.h — wall-clock time as the protocol shows it. */
#ifndef AS_CLOCK_H
#define AS_CLOCK_H

#include <msgpack.h>
#include <stddef.h>

/* Seconds since the epoch (CLOCK_REALTIME), to the nanosecond. */
double as_wall_s(void);
/* t (seconds since the epoch) as RFC 3339 UTC with milliseconds: 2026-11-22T13:56:07.123Z. */
void as_rfc3339(double t, char *buf, size_t n);
/* Reads an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), 't', 'z' and ' '
 * for 'T' accepted) of len bytes into seconds since the epoch. Returns 0, or -1 when it is not
 * one (fields out of range included). */
int as_rfc3339_parse(const char *s, size_t len, double *out);
/* Packs the pair name: t as RFC 3339 text, or nil when t <= 0 (not yet). */
void as_pack_time(msgpack_packer *pk, const char *name, double t);

#endif
