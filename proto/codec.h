/* codec.h — the one msgpack codec of assay, shared by the engine and libassay.
 *
 * Reading: a bounds-checked cursor over untrusted bytes (as_mp_t). It never allocates and never
 * reads past the end; a container whose declared count exceeds the bytes that remain is rejected
 * before anything looks at its elements, and nesting is bounded by the caller. Strings are
 * (pointer, length) views into the buffer: they stay valid as long as the buffer does and are not
 * NUL-terminated. A cursor is a plain value: copying it saves a position to come back to.
 *
 * Writing: msgpack-c's msgpack_packer; this header only adds small helpers for it.
 */
#ifndef AS_CODEC_H
#define AS_CODEC_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    const uint8_t *p;   /* next byte to read */
    const uint8_t *end; /* one past the last byte */
} as_mp_t;

typedef enum {
    AS_MP_INVALID = 0, /* end of buffer, or the reserved byte 0xc1 */
    AS_MP_NIL,
    AS_MP_BOOL,
    AS_MP_INT,   /* any integer, signed or unsigned */
    AS_MP_FLOAT, /* float 32 or 64 */
    AS_MP_STR,
    AS_MP_BIN,
    AS_MP_ARRAY,
    AS_MP_MAP,
    AS_MP_EXT,
} as_mp_type_t;

/* Results of the read functions. On any error the cursor is left where it was. */
#define AS_MP_OK     0
#define AS_MP_ETYPE  (-1) /* the next object is of another type (or out of range) */
#define AS_MP_ETRUNC (-2) /* the bytes end inside the object, or a count exceeds them */
#define AS_MP_EDEPTH (-3) /* nested deeper than allowed (as_mp_skip, as_mp_check) */

static inline void as_mp_init(as_mp_t *r, const void *buf, size_t len)
{
    r->p = (const uint8_t *)buf;
    r->end = r->p + len;
}

static inline size_t as_mp_left(const as_mp_t *r)
{
    return (size_t)(r->end - r->p);
}

/* Type of each first byte (codec.c). */
extern const uint8_t as_mp_types[256];

/* The type of the next object, without consuming it. */
static inline as_mp_type_t as_mp_peek(const as_mp_t *r)
{
    return r->p < r->end ? (as_mp_type_t)as_mp_types[*r->p] : AS_MP_INVALID;
}
/* A short English name of a type, for messages ("a string", "a map"). */
const char *as_mp_type_name(as_mp_type_t t);

int as_mp_nil(as_mp_t *r);
int as_mp_bool(as_mp_t *r, bool *out);
/* Any integer that fits int64_t (a larger uint64 is AS_MP_ETYPE). */
int as_mp_int(as_mp_t *r, int64_t *out);
/* An integer in [0, UINT32_MAX]. */
int as_mp_u32(as_mp_t *r, uint32_t *out);
/* A float, or an integer converted to double. */
int as_mp_number(as_mp_t *r, double *out);
/* A str: *out points into the buffer, *len bytes, not NUL-terminated. */
int as_mp_str_slow(as_mp_t *r, const char **out, uint32_t *len);
static inline int as_mp_str(as_mp_t *r, const char **out, uint32_t *len)
{
    if (r->p < r->end && (*r->p & 0xe0) == 0xa0) { /* fixstr: the common case, inline */
        uint32_t n = *r->p & 0x1f;
        if ((size_t)(r->end - r->p) < 1 + (size_t)n) return AS_MP_ETRUNC;
        *out = (const char *)r->p + 1;
        *len = n;
        r->p += 1 + n;
        return AS_MP_OK;
    }
    return as_mp_str_slow(r, out, len);
}
/* A string or a bin (bytes): a view of its bytes. */
int as_mp_bytes(as_mp_t *r, const uint8_t **out, uint32_t *len);
/* An array header: *n elements follow. Fails with AS_MP_ETRUNC when n > bytes left. */
int as_mp_array(as_mp_t *r, uint32_t *n);
/* A map header: *n key/value pairs follow. Fails with AS_MP_ETRUNC when 2n > bytes left. */
int as_mp_map(as_mp_t *r, uint32_t *n);
/* Skips one whole object; containers may nest max_depth levels (a scalar is depth 0). */
int as_mp_skip(as_mp_t *r, int max_depth);
/* Checks that buf holds exactly one well-formed object nested at most max_depth levels. */
int as_mp_check(const void *buf, size_t len, int max_depth);
/* Finds the value of string key (key, len) in the map at r (r itself is not moved): true with
 * *at at the value; false when r is not a map, the key is absent or the map is malformed. Values
 * are skipped up to max_depth levels. */
bool as_mp_field(as_mp_t r, const char *key, uint32_t len, int max_depth, as_mp_t *at);

/* True when the n bytes at a and b are equal; inline for the short strings of ids and answers,
 * where calling memcmp costs more than the comparison. */
static inline bool as_bytes_eq(const void *a, const void *b, size_t n)
{
    if (n > 16) return memcmp(a, b, n) == 0;
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    uint8_t diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (uint8_t)(x[i] ^ y[i]);
    return diff == 0;
}

/* True when the str at (s, len) equals the NUL-terminated literal lit. */
static inline bool as_str_eq(const char *s, uint32_t len, const char *lit)
{
    size_t n = strlen(lit);
    return n == len && memcmp(s, lit, n) == 0;
}

/* Packs a NUL-terminated string. */
static inline int as_pack_cstr(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    int rc = msgpack_pack_str(pk, n);
    return rc ? rc : msgpack_pack_str_body(pk, s, n);
}

/* A notification's stamp: the engine publishing it and the notification's number there
 * (PROTOCOL.md, "Notifications"). */
typedef struct {
    const char *node;
    uint64_t seq;
} as_stamp_t;

/* Packs a stamp as the pairs `node` and `seq`: two entries of a notification's map. */
static inline void as_pack_stamp(msgpack_packer *pk, as_stamp_t s)
{
    as_pack_cstr(pk, "node");
    as_pack_cstr(pk, s.node);
    as_pack_cstr(pk, "seq");
    msgpack_pack_uint64(pk, s.seq);
}

/* Packs a (pointer, length) string. */
static inline int as_pack_str(msgpack_packer *pk, const char *s, size_t n)
{
    int rc = msgpack_pack_str(pk, n);
    return rc ? rc : msgpack_pack_str_body(pk, s, n);
}

/* Packs a number, or nil when it is not finite (not known: a max score, a mean of nothing). */
static inline int as_pack_num(msgpack_packer *pk, double v)
{
    return v - v == 0 ? msgpack_pack_double(pk, v) : msgpack_pack_nil(pk);
}

/* Writes len bytes that already are msgpack (copied verbatim). */
static inline int as_pack_raw(msgpack_packer *pk, const void *bytes, size_t len)
{
    return pk->callback(pk->data, (const char *)bytes, len);
}

/* A container whose count is known only after its elements: as_pack_count_later appends an
 * array32 (map false) or map32 header with a count of 0 to sb and returns its offset;
 * as_pack_count_patch writes the count n into it. */
static inline size_t as_pack_count_later(msgpack_sbuffer *sb, bool map)
{
    size_t at = sb->size;
    const uint8_t h[5] = {map ? 0xdf : 0xdd, 0, 0, 0, 0};
    msgpack_sbuffer_write(sb, (const char *)h, sizeof h);
    return at;
}

static inline void as_pack_count_patch(msgpack_sbuffer *sb, size_t at, uint32_t n)
{
    uint8_t *h = (uint8_t *)sb->data + at + 1;
    h[0] = (uint8_t)(n >> 24);
    h[1] = (uint8_t)(n >> 16);
    h[2] = (uint8_t)(n >> 8);
    h[3] = (uint8_t)n;
}

#endif
