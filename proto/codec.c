/* codec.c — the bounds-checked msgpack reader (see codec.h). Format: github.com/msgpack/msgpack
 * spec.md. Every multi-byte quantity is big-endian. */
#include "codec.h"

static uint16_t s_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t s_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t s_be64(const uint8_t *p)
{
    return ((uint64_t)s_be32(p) << 32) | s_be32(p + 4);
}

as_mp_type_t as_mp_peek(const as_mp_t *r)
{
    if (r->p >= r->end) return AS_MP_INVALID;
    uint8_t b = *r->p;
    if (b <= 0x7f || b >= 0xe0) return AS_MP_INT;
    if (b <= 0x8f) return AS_MP_MAP;
    if (b <= 0x9f) return AS_MP_ARRAY;
    if (b <= 0xbf) return AS_MP_STR;
    switch (b) {
    case 0xc0: return AS_MP_NIL;
    case 0xc2:
    case 0xc3: return AS_MP_BOOL;
    case 0xc4:
    case 0xc5:
    case 0xc6: return AS_MP_BIN;
    case 0xc7:
    case 0xc8:
    case 0xc9:
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: return AS_MP_EXT;
    case 0xca:
    case 0xcb: return AS_MP_FLOAT;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: return AS_MP_INT;
    case 0xd9:
    case 0xda:
    case 0xdb: return AS_MP_STR;
    case 0xdc:
    case 0xdd: return AS_MP_ARRAY;
    case 0xde:
    case 0xdf: return AS_MP_MAP;
    default: return AS_MP_INVALID; /* 0xc1 */
    }
}

const char *as_mp_type_name(as_mp_type_t t)
{
    switch (t) {
    case AS_MP_NIL: return "nil";
    case AS_MP_BOOL: return "a boolean";
    case AS_MP_INT: return "an integer";
    case AS_MP_FLOAT: return "a float";
    case AS_MP_STR: return "a string";
    case AS_MP_BIN: return "binary data";
    case AS_MP_ARRAY: return "an array";
    case AS_MP_MAP: return "a map";
    case AS_MP_EXT: return "an extension type";
    default: return "invalid msgpack";
    }
}

/* Reads a header of `1 + extra` bytes: fails with ETRUNC when they are not all there. */
#define NEED(r, n)                                                                                 \
    do {                                                                                           \
        if (as_mp_left(r) < (size_t)(n)) return AS_MP_ETRUNC;                                      \
    } while (0)

int as_mp_nil(as_mp_t *r)
{
    if (as_mp_peek(r) != AS_MP_NIL) return AS_MP_ETYPE;
    r->p++;
    return AS_MP_OK;
}

int as_mp_bool(as_mp_t *r, bool *out)
{
    if (as_mp_peek(r) != AS_MP_BOOL) return AS_MP_ETYPE;
    *out = *r->p++ == 0xc3;
    return AS_MP_OK;
}

/* Decodes any integer into either a signed or an unsigned 64-bit value. */
static int s_int(as_mp_t *r, int64_t *sv, uint64_t *uv, bool *is_unsigned)
{
    if (as_mp_peek(r) != AS_MP_INT) return AS_MP_ETYPE;
    const uint8_t *p = r->p;
    uint8_t b = p[0];
    size_t n = 1;
    *is_unsigned = false;
    if (b <= 0x7f) {
        *sv = b;
    } else if (b >= 0xe0) {
        *sv = (int8_t)b;
    } else {
        static const uint8_t sizes[8] = {1, 2, 4, 8, 1, 2, 4, 8};
        size_t sz = sizes[b - 0xcc];
        NEED(r, 1 + sz);
        n = 1 + sz;
        switch (b) {
        case 0xcc: *sv = p[1]; break;
        case 0xcd: *sv = s_be16(p + 1); break;
        case 0xce: *sv = s_be32(p + 1); break;
        case 0xcf:
            *uv = s_be64(p + 1);
            *is_unsigned = true;
            break;
        case 0xd0: *sv = (int8_t)p[1]; break;
        case 0xd1: *sv = (int16_t)s_be16(p + 1); break;
        case 0xd2: *sv = (int32_t)s_be32(p + 1); break;
        default: *sv = (int64_t)s_be64(p + 1); break;
        }
    }
    r->p += n;
    return AS_MP_OK;
}

int as_mp_int(as_mp_t *r, int64_t *out)
{
    as_mp_t save = *r;
    int64_t sv = 0;
    uint64_t uv = 0;
    bool u;
    int rc = s_int(r, &sv, &uv, &u);
    if (rc) return rc;
    if (u) {
        if (uv > INT64_MAX) {
            *r = save;
            return AS_MP_ETYPE;
        }
        sv = (int64_t)uv;
    }
    *out = sv;
    return AS_MP_OK;
}

int as_mp_u32(as_mp_t *r, uint32_t *out)
{
    as_mp_t save = *r;
    int64_t v;
    int rc = as_mp_int(r, &v);
    if (rc) return rc;
    if (v < 0 || v > UINT32_MAX) {
        *r = save;
        return AS_MP_ETYPE;
    }
    *out = (uint32_t)v;
    return AS_MP_OK;
}

int as_mp_number(as_mp_t *r, double *out)
{
    as_mp_type_t t = as_mp_peek(r);
    if (t == AS_MP_INT) {
        int64_t sv = 0;
        uint64_t uv = 0;
        bool u;
        int rc = s_int(r, &sv, &uv, &u);
        if (rc) return rc;
        *out = u ? (double)uv : (double)sv;
        return AS_MP_OK;
    }
    if (t != AS_MP_FLOAT) return AS_MP_ETYPE;
    if (*r->p == 0xca) {
        NEED(r, 5);
        uint32_t bits = s_be32(r->p + 1);
        float f;
        memcpy(&f, &bits, 4);
        *out = f;
        r->p += 5;
    } else {
        NEED(r, 9);
        uint64_t bits = s_be64(r->p + 1);
        memcpy(out, &bits, 8);
        r->p += 9;
    }
    return AS_MP_OK;
}

/* Reads a length prefix of `lsize` bytes after the type byte. */
static int s_len(as_mp_t *r, size_t lsize, uint32_t *n)
{
    NEED(r, 1 + lsize);
    *n = lsize == 1 ? r->p[1] : lsize == 2 ? s_be16(r->p + 1) : s_be32(r->p + 1);
    return AS_MP_OK;
}

int as_mp_str(as_mp_t *r, const char **out, uint32_t *len)
{
    if (as_mp_peek(r) != AS_MP_STR) return AS_MP_ETYPE;
    uint8_t b = *r->p;
    uint32_t n;
    size_t hdr;
    if (b >= 0xa0 && b <= 0xbf) {
        n = b & 0x1f;
        hdr = 1;
    } else {
        size_t lsize = b == 0xd9 ? 1 : b == 0xda ? 2 : 4;
        int rc = s_len(r, lsize, &n);
        if (rc) return rc;
        hdr = 1 + lsize;
    }
    NEED(r, hdr + (size_t)n);
    *out = (const char *)r->p + hdr;
    *len = n;
    r->p += hdr + n;
    return AS_MP_OK;
}

/* Container header shared by array and map: `per` is the minimum bytes one element needs. */
static int s_container(as_mp_t *r, as_mp_type_t want, uint32_t *n, size_t per)
{
    if (as_mp_peek(r) != want) return AS_MP_ETYPE;
    uint8_t b = *r->p;
    size_t hdr;
    uint32_t count;
    if ((b & 0xf0) == 0x80 || (b & 0xf0) == 0x90) {
        count = b & 0x0f;
        hdr = 1;
    } else {
        size_t lsize = (b == 0xdc || b == 0xde) ? 2 : 4;
        int rc = s_len(r, lsize, &count);
        if (rc) return rc;
        hdr = 1 + lsize;
    }
    if ((uint64_t)count * per > as_mp_left(r) - hdr) return AS_MP_ETRUNC;
    *n = count;
    r->p += hdr;
    return AS_MP_OK;
}

int as_mp_array(as_mp_t *r, uint32_t *n)
{
    return s_container(r, AS_MP_ARRAY, n, 1);
}

int as_mp_map(as_mp_t *r, uint32_t *n)
{
    return s_container(r, AS_MP_MAP, n, 2);
}

static int s_skip(as_mp_t *r, int depth_left)
{
    as_mp_type_t t = as_mp_peek(r);
    uint8_t b;
    uint32_t n;
    int rc;
    switch (t) {
    case AS_MP_INVALID: return AS_MP_ETRUNC;
    case AS_MP_NIL:
    case AS_MP_BOOL: r->p++; return AS_MP_OK;
    case AS_MP_INT: {
        int64_t sv;
        uint64_t uv;
        bool u;
        return s_int(r, &sv, &uv, &u);
    }
    case AS_MP_FLOAT: {
        double d;
        return as_mp_number(r, &d);
    }
    case AS_MP_STR: {
        const char *s;
        return as_mp_str(r, &s, &n);
    }
    case AS_MP_BIN:
        b = *r->p;
        rc = s_len(r, b == 0xc4 ? 1 : b == 0xc5 ? 2 : 4, &n);
        if (rc) return rc;
        NEED(r, 1 + (size_t)(b == 0xc4 ? 1 : b == 0xc5 ? 2 : 4) + n);
        r->p += 1 + (size_t)(b == 0xc4 ? 1 : b == 0xc5 ? 2 : 4) + n;
        return AS_MP_OK;
    case AS_MP_EXT: {
        b = *r->p;
        size_t total;
        if (b >= 0xd4) {
            total = 2 + ((size_t)1 << (b - 0xd4)); /* fixext 1,2,4,8,16 */
        } else {
            size_t lsize = b == 0xc7 ? 1 : b == 0xc8 ? 2 : 4;
            rc = s_len(r, lsize, &n);
            if (rc) return rc;
            total = 1 + lsize + 1 + (size_t)n;
        }
        NEED(r, total);
        r->p += total;
        return AS_MP_OK;
    }
    case AS_MP_ARRAY:
    case AS_MP_MAP: {
        if (depth_left <= 0) return AS_MP_EDEPTH;
        as_mp_t save = *r;
        rc = t == AS_MP_ARRAY ? as_mp_array(r, &n) : as_mp_map(r, &n);
        if (rc) return rc;
        uint64_t elems = t == AS_MP_ARRAY ? n : (uint64_t)n * 2;
        for (uint64_t i = 0; i < elems; i++) {
            rc = s_skip(r, depth_left - 1);
            if (rc) {
                *r = save;
                return rc;
            }
        }
        return AS_MP_OK;
    }
    }
    return AS_MP_ETRUNC;
}

int as_mp_skip(as_mp_t *r, int max_depth)
{
    as_mp_t save = *r;
    int rc = s_skip(r, max_depth);
    if (rc) *r = save;
    return rc;
}

int as_mp_check(const void *buf, size_t len, int max_depth)
{
    as_mp_t r;
    as_mp_init(&r, buf, len);
    int rc = as_mp_skip(&r, max_depth);
    if (rc) return rc;
    return as_mp_left(&r) == 0 ? AS_MP_OK : AS_MP_ETRUNC;
}
