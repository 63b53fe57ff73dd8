/* bridge_nodes.c — the bridge's several engines (bridge_nodes.h): the same routing and keys as
 * libassay's (its nodes.c), applied to the request bodies the bridge forwards. */
#include "bridge_nodes.h"

#include "codec.h"
#include "nodes.h"

#include <stdlib.h>
#include <string.h>

int ah_nodes_split(const char *list, char **eps, int *n)
{
    *n = 0;
    for (const char *p = list;; p++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (!len || *n == ASSAY_MAX_NODES || !(eps[*n] = strndup(p, len))) {
            for (int i = 0; i < *n; i++)
                free(eps[i]);
            *n = 0;
            return -1;
        }
        (*n)++;
        if (!comma) return 0;
        p = comma;
    }
}

int ah_nodes_count(const char *list)
{
    char *eps[ASSAY_MAX_NODES];
    int n, rc = ah_nodes_split(list, eps, &n);
    for (int i = 0; i < n; i++)
        free(eps[i]);
    return rc ? -1 : n;
}

int ah_nodes_prepare(const void *body, size_t len, const char *const *eps, int n, void **out,
                     size_t *out_len, uint8_t *order)
{
    as_mp_t r;
    as_mp_init(&r, body, len);
    uint32_t items, msgid;
    int64_t kind;
    const char *method;
    uint32_t mlen;
    if (as_mp_array(&r, &items) || items != 4 || as_mp_int(&r, &kind) || as_mp_u32(&r, &msgid) ||
        as_mp_str(&r, &method, &mlen) || mlen > 64)
        return -1;
    char name[65];
    memcpy(name, method, mlen);
    name[mlen] = 0;
    size_t head = len - as_mp_left(&r); /* [0, msgid, method: the params follow */
    msgpack_sbuffer keyed;
    msgpack_sbuffer_init(&keyed);
    int k = as_nodes_with_key(name, r.p, as_mp_left(&r), &keyed);
    const void *params = k == 1 ? (const void *)keyed.data : (const void *)r.p;
    size_t plen = k == 1 ? keyed.size : as_mp_left(&r);
    uint8_t *copy = k < 0 ? NULL : malloc(head + plen);
    if (copy) {
        memcpy(copy, body, head);
        memcpy(copy + head, params, plen);
        const char *key;
        size_t key_len;
        int ord[ASSAY_MAX_NODES];
        as_nodes_route_key(params, plen, &key, &key_len);
        assay_node_order(eps, n, key, key_len, ord);
        for (int i = 0; i < n; i++)
            order[i] = (uint8_t)ord[i];
        *out = copy;
        *out_len = head + plen;
    }
    msgpack_sbuffer_destroy(&keyed);
    return copy ? 0 : -1;
}

bool ah_nodes_unavailable(const void *body, size_t len)
{
    as_mp_t r, code;
    as_mp_init(&r, body, len);
    uint32_t items;
    int64_t skip;
    const char *s;
    uint32_t n;
    return !as_mp_array(&r, &items) && items == 4 && !as_mp_int(&r, &skip) &&
           !as_mp_int(&r, &skip) && as_mp_peek(&r) == AS_MP_MAP &&
           as_mp_field(r, "code", 4, 8, &code) && !as_mp_str(&code, &s, &n) && n == 11 &&
           memcmp(s, "unavailable", 11) == 0;
}
