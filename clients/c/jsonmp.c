/* jsonmp.c — JSON <-> msgpack (see jsonmp.h). */
#include "jsonmp.h"

#include "codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_pack(msgpack_packer *pk, const json_t *v, int depth)
{
    if (depth > 64) return -1;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *x;
        msgpack_pack_map(pk, json_object_size(v));
        json_object_foreach((json_t *)v, k, x)
        {
            as_pack_cstr(pk, k);
            if (s_pack(pk, x, depth + 1)) return -1;
        }
        return 0;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *x;
        msgpack_pack_array(pk, json_array_size(v));
        json_array_foreach(v, i, x)
        {
            if (s_pack(pk, x, depth + 1)) return -1;
        }
        return 0;
    }
    case JSON_STRING:
        return as_pack_str(pk, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
        return msgpack_pack_int64(pk, json_integer_value(v));
    case JSON_REAL:
        return msgpack_pack_double(pk, json_real_value(v));
    case JSON_TRUE:
        return msgpack_pack_true(pk);
    case JSON_FALSE:
        return msgpack_pack_false(pk);
    default:
        return msgpack_pack_nil(pk);
    }
}

int as_json_pack(msgpack_packer *pk, const json_t *v)
{
    return s_pack(pk, v, 0);
}

json_t *as_json_from(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return json_integer((json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer((json_int_t)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return json_real(o->via.f64);
    case MSGPACK_OBJECT_STR:
        return json_stringn(o->via.str.ptr, o->via.str.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *a = json_array();
        for (uint32_t i = 0; a && i < o->via.array.size; i++)
            json_array_append_new(a, as_json_from(&o->via.array.ptr[i]));
        return a;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *m = json_object();
        for (uint32_t i = 0; m && i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
            json_t *v = as_json_from(&o->via.map.ptr[i].val);
            if (k->type == MSGPACK_OBJECT_STR) {
                json_object_setn_new(m, k->via.str.ptr, k->via.str.size, v);
            } else {
                json_t *kj = as_json_from(k);
                char *text = kj ? as_json_dumps(kj, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
                json_object_set_new(m, text ? text : "?", v);
                free(text);
                json_decref(kj);
            }
        }
        return m;
    }
    default:
        return json_null();
    }
}

size_t as_json_real_text(double x, char *out)
{
    /* A decimal of at most 15 significant digits survives a trip through a double (DBL_DIG),
     * so when %.15g reads back it is the shortest form (%g drops trailing zeros); else 16 or 17
     * digits are needed, and 17 always read back. */
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(out, 32, "%.*g", prec, x);
        if (strtod(out, NULL) == x) break;
    }
    /* jansson's conventions: no '+' and no leading zeros in the exponent, and a real always
     * shows it is one */
    char *e = strchr(out, 'e');
    if (e) {
        char *d = e + 1, *s = e + 1;
        if (*s == '-') *d++ = *s++;
        if (*s == '+') s++;
        while (*s == '0' && s[1])
            s++;
        memmove(d, s, strlen(s) + 1);
        n = (int)strlen(out);
    } else if (!strchr(out, '.') && !strchr(out, 'n') && !strchr(out, 'i')) {
        memcpy(out + n, ".0", 3);
        n += 2;
    }
    return (size_t)n;
}

/* Whether the number token at [s, s + n) is a real (a fraction or an exponent). */
static int s_is_real(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '.' || s[i] == 'e' || s[i] == 'E') return 1;
    return 0;
}

char *as_json_dumps(const json_t *v, size_t flags)
{
    char *text = json_dumps(v, flags);
    if (!text) return NULL;
    size_t len = strlen(text), o = 0;
    /* a real never grows (jansson wrote it with 17 digits), so the rewrite fits in place */
    int in_str = 0;
    for (size_t i = 0; i < len;) {
        char ch = text[i];
        if (in_str) {
            text[o++] = ch;
            i++;
            if (ch == '\\' && i < len) {
                text[o++] = text[i++];
            } else if (ch == '"') {
                in_str = 0;
            }
            continue;
        }
        if (ch == '"') {
            in_str = 1;
            text[o++] = ch;
            i++;
            continue;
        }
        if (ch == '-' || (ch >= '0' && ch <= '9')) {
            size_t n = strspn(text + i, "-+0123456789.eE");
            if (s_is_real(text + i, n)) {
                char num[40];
                char buf[32];
                memcpy(num, text + i, n < sizeof num ? n : sizeof num - 1);
                num[n < sizeof num ? n : sizeof num - 1] = '\0';
                size_t m = as_json_real_text(strtod(num, NULL), buf);
                if (m <= n) {
                    memcpy(text + o, buf, m);
                    o += m;
                    i += n;
                    continue;
                }
            }
            memmove(text + o, text + i, n);
            o += n;
            i += n;
            continue;
        }
        text[o++] = ch;
        i++;
    }
    text[o] = '\0';
    return text;
}
