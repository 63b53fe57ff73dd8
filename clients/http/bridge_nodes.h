/* bridge_nodes.h — the bridge's several engines (bridge_nodes.c): the request a try sends, the
 * engines' order for it, and whether an answer sends it on to the next engine. */
#ifndef AH_BRIDGE_NODES_H
#define AH_BRIDGE_NODES_H

#include "assay.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Splits a comma-separated list of endpoints into eps (n of them, each malloc'ed): 0, or -1 when
 * an item is empty or there are more than ASSAY_MAX_NODES. */
int ah_nodes_split(const char *list, char **eps, int *n);

/* How many endpoints a list names; -1 as ah_nodes_split fails. */
int ah_nodes_count(const char *list);

/* A request body of the bridge ([0, msgid, method, params]) made ready for several engines: a
 * malloc'ed copy in *out (a response.submit without "key" given one: libassay's rule), and the
 * engines' order for its routing key in order. -1: out of memory or a body not of that shape. */
int ah_nodes_prepare(const void *body, size_t len, const char *const *eps, int n, void **out,
                     size_t *out_len, uint8_t *order);

/* True when a response body is the error `unavailable` (the next engine is tried). */
bool ah_nodes_unavailable(const void *body, size_t len);

#endif
