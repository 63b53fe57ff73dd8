/* nodes.c — libassay's several engines (see assay.h, "Several engines"): which node a request
 * goes to (rendezvous hashing of its learner), and the idempotency key a submission gets when it
 * may be sent twice. Every client computes the same order (proto/PROTOCOL.md gives the function
 * and test vectors), so one learner's requests from any client go to one node.
 */
#include "nodes.h"

#include "codec.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/random.h>

/* FNV-1a over bytes, continuing from h. */
static uint64_t s_fnv(uint64_t h, const void *data, size_t len)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* splitmix64's finaliser: FNV's low bits mix poorly into its high ones, which decide here. */
static uint64_t s_mix(uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t assay_node_weight(const char *endpoint, const char *key, size_t key_len)
{
    static const uint8_t zero = 0;
    uint64_t h = s_fnv(0xcbf29ce484222325ULL, key, key_len);
    h = s_fnv(h, &zero, 1);
    return s_mix(s_fnv(h, endpoint, strlen(endpoint)));
}

void assay_node_order(const char *const *endpoints, int n, const char *key, size_t key_len,
                      int *order)
{
    uint64_t w[ASSAY_MAX_NODES];
    for (int i = 0; i < n; i++) {
        w[i] = assay_node_weight(endpoints[i], key, key_len);
        order[i] = i;
    }
    for (int i = 1; i < n; i++) { /* insertion sort, heaviest first; ties: the earlier node */
        int o = order[i], j = i;
        while (j > 0 && w[order[j - 1]] < w[o]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = o;
    }
}

void as_nodes_route_key(const void *params, size_t len, const char **key, size_t *key_len)
{
    *key = "";
    *key_len = 0;
    if (!params || !len) return;
    static const char *const names[] = {"learner", "assessment"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        as_mp_t r, at;
        as_mp_init(&r, params, len);
        const char *s;
        uint32_t n;
        if (as_mp_field(r, names[i], (uint32_t)strlen(names[i]), 64, &at) &&
            as_mp_str(&at, &s, &n) == AS_MP_OK) {
            *key = s;
            *key_len = n;
            return;
        }
    }
}

int as_nodes_with_key(const char *method, const void *params, size_t len, msgpack_sbuffer *out)
{
    if (strcmp(method, "response.submit") != 0) return 0;
    as_mp_t r, at;
    as_mp_init(&r, params, len);
    uint32_t pairs = 0;
    if (params && len && as_mp_field(r, "key", 3, 64, &at)) return 0;
    if (params && len && as_mp_map(&r, &pairs) != AS_MP_OK) return 0;
    uint8_t raw[16];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) return -1;
    char key[40];
    int k = snprintf(key, sizeof key, "auto-");
    for (size_t i = 0; i < sizeof raw; i++)
        k += snprintf(key + k, sizeof key - (size_t)k, "%02x", raw[i]);
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, pairs + 1);
    if (params && len) msgpack_sbuffer_write(out, (const char *)r.p, as_mp_left(&r));
    msgpack_pack_str_with_body(&pk, "key", 3);
    msgpack_pack_str_with_body(&pk, key, (size_t)k);
    return 1;
}

int as_nodes_endpoint(const char *target, size_t len, const char *sock, bool several, char *ep,
                      size_t size)
{
    if (len == 0 || len > 4096) return ASSAY_EINVAL;
    if (memmem(target, len, "://", 3)) {
        snprintf(ep, size, "%.*s", (int)len, target);
        return ASSAY_OK;
    }
    char path[4120];
    snprintf(path, sizeof path, "%.*s/%s", (int)len, target, sock);
    struct stat st;
    if (!several && (stat(path, &st) || !S_ISSOCK(st.st_mode))) return ASSAY_ECONNECT;
    snprintf(ep, size, "ipc://%s", path);
    return ASSAY_OK;
}
