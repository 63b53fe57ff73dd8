/* jsonmp.c — JSON <-> msgpack (see jsonmp.h). */
#include "jsonmp.h"

#include "codec.h"

#include <stdio.h>

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
                char *text = kj ? json_dumps(kj, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
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
