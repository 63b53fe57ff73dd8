/* protocol.c — request decoding and response encoding for wire protocol v1 (see protocol.h). */
#include "protocol.h"

as_code_t as_request_decode(const void *body, size_t len, as_request_t *req, as_err_t *err)
{
    as_mp_t r;
    uint32_t n;
    uint32_t kind;
    as_mp_init(&r, body, len);
    req->msgid = 0;
    if (as_mp_array(&r, &n) != AS_MP_OK)
        return as_err_set(err, AS_BAD_REQUEST,
                          "body: expected a msgpack array [0, msgid, method, params]");
    if (n != 4)
        return as_err_set(err, AS_BAD_REQUEST,
                          "body: expected 4 elements [0, msgid, method, params], got %u", n);
    if (as_mp_u32(&r, &kind) != AS_MP_OK || kind != 0)
        return as_err_set(err, AS_BAD_REQUEST, "body[0]: expected 0 (a request)");
    if (as_mp_u32(&r, &req->msgid) != AS_MP_OK)
        return as_err_set(err, AS_BAD_REQUEST,
                          "body[1]: expected msgid, an integer in 0..4294967295");
    if (as_mp_str(&r, &req->method, &req->method_len) != AS_MP_OK)
        return as_err_set(err, AS_BAD_REQUEST, "body[2]: expected the method name, a string");
    req->params = r;
    if (as_mp_peek(&r) != AS_MP_MAP)
        return as_err_set(err, AS_BAD_REQUEST, "params: expected a map, got %s",
                          as_mp_type_name(as_mp_peek(&r)));
    return AS_OK;
}

as_code_t as_params_end(const as_mp_t *r, as_err_t *err)
{
    if (as_mp_left(r) == 0) return AS_OK;
    return as_err_set(err, AS_BAD_REQUEST, "body: %zu unexpected bytes after params",
                      as_mp_left(r));
}

uint32_t as_peek_msgid(const void *body, size_t len)
{
    as_mp_t r;
    uint32_t n, kind, msgid;
    as_mp_init(&r, body, len);
    if (as_mp_array(&r, &n) || n < 2 || as_mp_u32(&r, &kind) || as_mp_u32(&r, &msgid)) return 0;
    return msgid;
}

void as_response_ok(msgpack_packer *pk, uint32_t msgid)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, 1);
    msgpack_pack_uint32(pk, msgid);
    msgpack_pack_nil(pk);
}

void as_response_error(msgpack_packer *pk, uint32_t msgid, as_code_t code, const char *message)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, 1);
    msgpack_pack_uint32(pk, msgid);
    msgpack_pack_map(pk, 2);
    as_pack_cstr(pk, "code");
    as_pack_cstr(pk, as_code_name(code));
    as_pack_cstr(pk, "message");
    as_pack_cstr(pk, message ? message : "");
    msgpack_pack_nil(pk);
}

void as_request_encode(msgpack_packer *pk, uint32_t msgid, const char *method, const void *params,
                       size_t params_len)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, 0);
    msgpack_pack_uint32(pk, msgid);
    as_pack_cstr(pk, method);
    if (params && params_len)
        as_pack_raw(pk, params, params_len);
    else
        msgpack_pack_map(pk, 0);
}
