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

/* The type of each first byte (msgpack spec "Formats"); 0xc1 is reserved. */
const uint8_t as_mp_types[256] = {
    [0x00] = AS_MP_INT,   [0x01] = AS_MP_INT,     [0x02] = AS_MP_INT,   [0x03] = AS_MP_INT,
    [0x04] = AS_MP_INT,   [0x05] = AS_MP_INT,     [0x06] = AS_MP_INT,   [0x07] = AS_MP_INT,
    [0x08] = AS_MP_INT,   [0x09] = AS_MP_INT,     [0x0a] = AS_MP_INT,   [0x0b] = AS_MP_INT,
    [0x0c] = AS_MP_INT,   [0x0d] = AS_MP_INT,     [0x0e] = AS_MP_INT,   [0x0f] = AS_MP_INT,
    [0x10] = AS_MP_INT,   [0x11] = AS_MP_INT,     [0x12] = AS_MP_INT,   [0x13] = AS_MP_INT,
    [0x14] = AS_MP_INT,   [0x15] = AS_MP_INT,     [0x16] = AS_MP_INT,   [0x17] = AS_MP_INT,
    [0x18] = AS_MP_INT,   [0x19] = AS_MP_INT,     [0x1a] = AS_MP_INT,   [0x1b] = AS_MP_INT,
    [0x1c] = AS_MP_INT,   [0x1d] = AS_MP_INT,     [0x1e] = AS_MP_INT,   [0x1f] = AS_MP_INT,
    [0x20] = AS_MP_INT,   [0x21] = AS_MP_INT,     [0x22] = AS_MP_INT,   [0x23] = AS_MP_INT,
    [0x24] = AS_MP_INT,   [0x25] = AS_MP_INT,     [0x26] = AS_MP_INT,   [0x27] = AS_MP_INT,
    [0x28] = AS_MP_INT,   [0x29] = AS_MP_INT,     [0x2a] = AS_MP_INT,   [0x2b] = AS_MP_INT,
    [0x2c] = AS_MP_INT,   [0x2d] = AS_MP_INT,     [0x2e] = AS_MP_INT,   [0x2f] = AS_MP_INT,
    [0x30] = AS_MP_INT,   [0x31] = AS_MP_INT,     [0x32] = AS_MP_INT,   [0x33] = AS_MP_INT,
    [0x34] = AS_MP_INT,   [0x35] = AS_MP_INT,     [0x36] = AS_MP_INT,   [0x37] = AS_MP_INT,
    [0x38] = AS_MP_INT,   [0x39] = AS_MP_INT,     [0x3a] = AS_MP_INT,   [0x3b] = AS_MP_INT,
    [0x3c] = AS_MP_INT,   [0x3d] = AS_MP_INT,     [0x3e] = AS_MP_INT,   [0x3f] = AS_MP_INT,
    [0x40] = AS_MP_INT,   [0x41] = AS_MP_INT,     [0x42] = AS_MP_INT,   [0x43] = AS_MP_INT,
    [0x44] = AS_MP_INT,   [0x45] = AS_MP_INT,     [0x46] = AS_MP_INT,   [0x47] = AS_MP_INT,
    [0x48] = AS_MP_INT,   [0x49] = AS_MP_INT,     [0x4a] = AS_MP_INT,   [0x4b] = AS_MP_INT,
    [0x4c] = AS_MP_INT,   [0x4d] = AS_MP_INT,     [0x4e] = AS_MP_INT,   [0x4f] = AS_MP_INT,
    [0x50] = AS_MP_INT,   [0x51] = AS_MP_INT,     [0x52] = AS_MP_INT,   [0x53] = AS_MP_INT,
    [0x54] = AS_MP_INT,   [0x55] = AS_MP_INT,     [0x56] = AS_MP_INT,   [0x57] = AS_MP_INT,
    [0x58] = AS_MP_INT,   [0x59] = AS_MP_INT,     [0x5a] = AS_MP_INT,   [0x5b] = AS_MP_INT,
    [0x5c] = AS_MP_INT,   [0x5d] = AS_MP_INT,     [0x5e] = AS_MP_INT,   [0x5f] = AS_MP_INT,
    [0x60] = AS_MP_INT,   [0x61] = AS_MP_INT,     [0x62] = AS_MP_INT,   [0x63] = AS_MP_INT,
    [0x64] = AS_MP_INT,   [0x65] = AS_MP_INT,     [0x66] = AS_MP_INT,   [0x67] = AS_MP_INT,
    [0x68] = AS_MP_INT,   [0x69] = AS_MP_INT,     [0x6a] = AS_MP_INT,   [0x6b] = AS_MP_INT,
    [0x6c] = AS_MP_INT,   [0x6d] = AS_MP_INT,     [0x6e] = AS_MP_INT,   [0x6f] = AS_MP_INT,
    [0x70] = AS_MP_INT,   [0x71] = AS_MP_INT,     [0x72] = AS_MP_INT,   [0x73] = AS_MP_INT,
    [0x74] = AS_MP_INT,   [0x75] = AS_MP_INT,     [0x76] = AS_MP_INT,   [0x77] = AS_MP_INT,
    [0x78] = AS_MP_INT,   [0x79] = AS_MP_INT,     [0x7a] = AS_MP_INT,   [0x7b] = AS_MP_INT,
    [0x7c] = AS_MP_INT,   [0x7d] = AS_MP_INT,     [0x7e] = AS_MP_INT,   [0x7f] = AS_MP_INT,
    [0x80] = AS_MP_MAP,   [0x81] = AS_MP_MAP,     [0x82] = AS_MP_MAP,   [0x83] = AS_MP_MAP,
    [0x84] = AS_MP_MAP,   [0x85] = AS_MP_MAP,     [0x86] = AS_MP_MAP,   [0x87] = AS_MP_MAP,
    [0x88] = AS_MP_MAP,   [0x89] = AS_MP_MAP,     [0x8a] = AS_MP_MAP,   [0x8b] = AS_MP_MAP,
    [0x8c] = AS_MP_MAP,   [0x8d] = AS_MP_MAP,     [0x8e] = AS_MP_MAP,   [0x8f] = AS_MP_MAP,
    [0x90] = AS_MP_ARRAY, [0x91] = AS_MP_ARRAY,   [0x92] = AS_MP_ARRAY, [0x93] = AS_MP_ARRAY,
    [0x94] = AS_MP_ARRAY, [0x95] = AS_MP_ARRAY,   [0x96] = AS_MP_ARRAY, [0x97] = AS_MP_ARRAY,
    [0x98] = AS_MP_ARRAY, [0x99] = AS_MP_ARRAY,   [0x9a] = AS_MP_ARRAY, [0x9b] = AS_MP_ARRAY,
    [0x9c] = AS_MP_ARRAY, [0x9d] = AS_MP_ARRAY,   [0x9e] = AS_MP_ARRAY, [0x9f] = AS_MP_ARRAY,
    [0xa0] = AS_MP_STR,   [0xa1] = AS_MP_STR,     [0xa2] = AS_MP_STR,   [0xa3] = AS_MP_STR,
    [0xa4] = AS_MP_STR,   [0xa5] = AS_MP_STR,     [0xa6] = AS_MP_STR,   [0xa7] = AS_MP_STR,
    [0xa8] = AS_MP_STR,   [0xa9] = AS_MP_STR,     [0xaa] = AS_MP_STR,   [0xab] = AS_MP_STR,
    [0xac] = AS_MP_STR,   [0xad] = AS_MP_STR,     [0xae] = AS_MP_STR,   [0xaf] = AS_MP_STR,
    [0xb0] = AS_MP_STR,   [0xb1] = AS_MP_STR,     [0xb2] = AS_MP_STR,   [0xb3] = AS_MP_STR,
    [0xb4] = AS_MP_STR,   [0xb5] = AS_MP_STR,     [0xb6] = AS_MP_STR,   [0xb7] = AS_MP_STR,
    [0xb8] = AS_MP_STR,   [0xb9] = AS_MP_STR,     [0xba] = AS_MP_STR,   [0xbb] = AS_MP_STR,
    [0xbc] = AS_MP_STR,   [0xbd] = AS_MP_STR,     [0xbe] = AS_MP_STR,   [0xbf] = AS_MP_STR,
    [0xc0] = AS_MP_NIL,   [0xc1] = AS_MP_INVALID, [0xc2] = AS_MP_BOOL,  [0xc3] = AS_MP_BOOL,
    [0xc4] = AS_MP_BIN,   [0xc5] = AS_MP_BIN,     [0xc6] = AS_MP_BIN,   [0xc7] = AS_MP_EXT,
    [0xc8] = AS_MP_EXT,   [0xc9] = AS_MP_EXT,     [0xca] = AS_MP_FLOAT, [0xcb] = AS_MP_FLOAT,
    [0xcc] = AS_MP_INT,   [0xcd] = AS_MP_INT,     [0xce] = AS_MP_INT,   [0xcf] = AS_MP_INT,
    [0xd0] = AS_MP_INT,   [0xd1] = AS_MP_INT,     [0xd2] = AS_MP_INT,   [0xd3] = AS_MP_INT,
    [0xd4] = AS_MP_EXT,   [0xd5] = AS_MP_EXT,     [0xd6] = AS_MP_EXT,   [0xd7] = AS_MP_EXT,
    [0xd8] = AS_MP_EXT,   [0xd9] = AS_MP_STR,     [0xda] = AS_MP_STR,   [0xdb] = AS_MP_STR,
    [0xdc] = AS_MP_ARRAY, [0xdd] = AS_MP_ARRAY,   [0xde] = AS_MP_MAP,   [0xdf] = AS_MP_MAP,
    [0xe0] = AS_MP_INT,   [0xe1] = AS_MP_INT,     [0xe2] = AS_MP_INT,   [0xe3] = AS_MP_INT,
    [0xe4] = AS_MP_INT,   [0xe5] = AS_MP_INT,     [0xe6] = AS_MP_INT,   [0xe7] = AS_MP_INT,
    [0xe8] = AS_MP_INT,   [0xe9] = AS_MP_INT,     [0xea] = AS_MP_INT,   [0xeb] = AS_MP_INT,
    [0xec] = AS_MP_INT,   [0xed] = AS_MP_INT,     [0xee] = AS_MP_INT,   [0xef] = AS_MP_INT,
    [0xf0] = AS_MP_INT,   [0xf1] = AS_MP_INT,     [0xf2] = AS_MP_INT,   [0xf3] = AS_MP_INT,
    [0xf4] = AS_MP_INT,   [0xf5] = AS_MP_INT,     [0xf6] = AS_MP_INT,   [0xf7] = AS_MP_INT,
    [0xf8] = AS_MP_INT,   [0xf9] = AS_MP_INT,     [0xfa] = AS_MP_INT,   [0xfb] = AS_MP_INT,
    [0xfc] = AS_MP_INT,   [0xfd] = AS_MP_INT,     [0xfe] = AS_MP_INT,   [0xff] = AS_MP_INT,
};

const char *as_mp_type_name(as_mp_type_t t)
{
    switch (t) {
    case AS_MP_NIL:
        return "nil";
    case AS_MP_BOOL:
        return "a boolean";
    case AS_MP_INT:
        return "an integer";
    case AS_MP_FLOAT:
        return "a float";
    case AS_MP_STR:
        return "a string";
    case AS_MP_BIN:
        return "binary data";
    case AS_MP_ARRAY:
        return "an array";
    case AS_MP_MAP:
        return "a map";
    case AS_MP_EXT:
        return "an extension type";
    default:
        return "invalid msgpack";
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
        case 0xcc:
            *sv = p[1];
            break;
        case 0xcd:
            *sv = s_be16(p + 1);
            break;
        case 0xce:
            *sv = s_be32(p + 1);
            break;
        case 0xcf:
            *uv = s_be64(p + 1);
            *is_unsigned = true;
            break;
        case 0xd0:
            *sv = (int8_t)p[1];
            break;
        case 0xd1:
            *sv = (int16_t)s_be16(p + 1);
            break;
        case 0xd2:
            *sv = (int32_t)s_be32(p + 1);
            break;
        default:
            *sv = (int64_t)s_be64(p + 1);
            break;
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

int as_mp_str_slow(as_mp_t *r, const char **out, uint32_t *len)
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

int as_mp_bytes(as_mp_t *r, const uint8_t **out, uint32_t *len)
{
    if (as_mp_peek(r) == AS_MP_STR) return as_mp_str(r, (const char **)out, len);
    if (as_mp_peek(r) != AS_MP_BIN) return AS_MP_ETYPE;
    uint8_t b = *r->p;
    size_t lsize = b == 0xc4 ? 1 : b == 0xc5 ? 2 : 4;
    uint32_t n;
    int rc = s_len(r, lsize, &n);
    if (rc) return rc;
    NEED(r, 1 + lsize + (size_t)n);
    *out = r->p + 1 + lsize;
    *len = n;
    r->p += 1 + lsize + n;
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

#define S_SKIP_MAX_DEPTH 64

/* Skips one object iteratively: left[d] counts the objects still to skip at nesting level d.
 * Scalars and the fix* forms, the bulk of real requests, are handled before the general switch. */
int as_mp_skip(as_mp_t *r, int max_depth)
{
    uint64_t left[S_SKIP_MAX_DEPTH + 1];
    const uint8_t *p = r->p, *end = r->end;
    int depth = 0;
    if (max_depth > S_SKIP_MAX_DEPTH) max_depth = S_SKIP_MAX_DEPTH;
    left[0] = 1;
    for (;;) {
        while (left[depth] == 0) {
            if (depth == 0) {
                r->p = p;
                return AS_MP_OK;
            }
            depth--;
        }
        left[depth]--;
        if (p >= end) return AS_MP_ETRUNC;
        size_t avail = (size_t)(end - p);
        uint8_t b = *p;
        uint64_t count, per;
        size_t hdr;
        if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
            p++;
            continue;
        }
        if ((b & 0xe0) == 0xa0) { /* fixstr */
            size_t n = 1 + (b & 0x1fu);
            if (avail < n) return AS_MP_ETRUNC;
            p += n;
            continue;
        }
        if ((b & 0xe0) == 0x80) { /* fixmap 0x80-0x8f, fixarray 0x90-0x9f */
            count = b & 0x0f;
            per = b < 0x90 ? 2 : 1;
            hdr = 1;
        } else {
            size_t skip = 0; /* total bytes of a scalar */
            switch (b) {
            case 0xcc:
            case 0xd0:
                skip = 2;
                break;
            case 0xcd:
            case 0xd1:
                skip = 3;
                break;
            case 0xca:
            case 0xce:
            case 0xd2:
                skip = 5;
                break;
            case 0xcb:
            case 0xcf:
            case 0xd3:
                skip = 9;
                break;
            case 0xd4:
            case 0xd5:
            case 0xd6:
            case 0xd7:
            case 0xd8: /* fixext 1..16 */
                skip = 2 + ((size_t)1 << (b - 0xd4));
                break;
            case 0xc4:
            case 0xd9: /* bin8, str8 */
                if (avail < 2) return AS_MP_ETRUNC;
                skip = 2 + (size_t)p[1];
                break;
            case 0xc5:
            case 0xda: /* bin16, str16 */
                if (avail < 3) return AS_MP_ETRUNC;
                skip = 3 + (size_t)s_be16(p + 1);
                break;
            case 0xc6:
            case 0xdb: /* bin32, str32 */
                if (avail < 5) return AS_MP_ETRUNC;
                skip = 5 + (size_t)s_be32(p + 1);
                break;
            case 0xc7: /* ext8 */
                if (avail < 2) return AS_MP_ETRUNC;
                skip = 3 + (size_t)p[1];
                break;
            case 0xc8: /* ext16 */
                if (avail < 3) return AS_MP_ETRUNC;
                skip = 4 + (size_t)s_be16(p + 1);
                break;
            case 0xc9: /* ext32 */
                if (avail < 5) return AS_MP_ETRUNC;
                skip = 6 + (size_t)s_be32(p + 1);
                break;
            case 0xdc:
            case 0xde: /* array16, map16 */
                if (avail < 3) return AS_MP_ETRUNC;
                count = s_be16(p + 1);
                per = b == 0xde ? 2 : 1;
                hdr = 3;
                goto container;
            case 0xdd:
            case 0xdf: /* array32, map32 */
                if (avail < 5) return AS_MP_ETRUNC;
                count = s_be32(p + 1);
                per = b == 0xdf ? 2 : 1;
                hdr = 5;
                goto container;
            default:
                return AS_MP_ETRUNC; /* 0xc1, reserved */
            }
            if (avail < skip) return AS_MP_ETRUNC;
            p += skip;
            continue;
        }
    container:
        if (depth >= max_depth) return AS_MP_EDEPTH;
        if (count * per > avail - hdr) return AS_MP_ETRUNC; /* each element needs a byte */
        p += hdr;
        left[++depth] = count * per;
    }
}

bool as_mp_field(as_mp_t r, const char *key, uint32_t len, int max_depth, as_mp_t *at)
{
    uint32_t n;
    if (as_mp_map(&r, &n) != AS_MP_OK) return false;
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (as_mp_str(&r, &k, &kl) != AS_MP_OK) return false;
        if (kl == len && memcmp(k, key, len) == 0) {
            *at = r;
            return true;
        }
        if (as_mp_skip(&r, max_depth) != AS_MP_OK) return false;
    }
    return false;
}

int as_mp_check(const void *buf, size_t len, int max_depth)
{
    as_mp_t r;
    as_mp_init(&r, buf, len);
    int rc = as_mp_skip(&r, max_depth);
    if (rc) return rc;
    return as_mp_left(&r) == 0 ? AS_MP_OK : AS_MP_ETRUNC;
}
