/* progress.h — the progress line of long commands (assay regrade --wait, assay-bench replay).
 *
 * On a terminal: one line redrawn in place, [####......] done/total unit rate/s ETA, at most ten
 * times a second. Elsewhere (a log, a pipe): a plain line every five seconds. Written to stderr,
 * so stdout stays the command's result.
 */
#ifndef AS_PROGRESS_H
#define AS_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    const char *prefix; /* "replay", "job 7" */
    const char *unit;   /* "answers", "responses" */
    double t0, last;
    bool tty, drawn;
} as_progress_t;

void as_progress_init(as_progress_t *p, const char *prefix, const char *unit);
/* Shows done of total (total 0: unknown); `final` draws it whatever the time and ends the line. */
void as_progress_show(as_progress_t *p, uint64_t done, uint64_t total, bool final);

#endif
