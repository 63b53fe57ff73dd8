/* cmdline.c — reading command-line option values shared by the programs. */
#include "cmdline.h"

#include <errno.h>
#include <stdlib.h>

int as_arg_range(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}
