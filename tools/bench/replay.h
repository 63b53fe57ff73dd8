/* replay.h — the replay of a real answer stream (replay.c). */
#ifndef AS_REPLAY_H
#define AS_REPLAY_H

#include <stddef.h>

/* Replays FILE into the engine serving `data`, with up to `inflight` learners in flight (one
 * request each); limit > 0 replays only the first `limit` answers. Prints a progress bar on
 * stderr and a Markdown row on stdout. Returns the exit status. */
int as_replay(const char *data, const char *path, int inflight, size_t limit);

#endif
