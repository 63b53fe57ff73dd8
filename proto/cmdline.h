/* cmdline.h — reading command-line option values shared by the programs (assayd, assay-http). */
#ifndef AS_CMDLINE_H
#define AS_CMDLINE_H

/* Parses s as a whole decimal number in lo..hi into *out; -1 (and *out untouched) when s is
 * empty, has anything after the digits, overflows or lies outside the range. */
int as_arg_range(const char *s, long lo, long hi, long *out);

#endif
