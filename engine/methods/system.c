/* system.c — the engine's own methods: ping and stats (PROTOCOL.md). */
#include "handler.h"

#include "clock.h"

as_code_t as_handle_ping(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_path_t path;
    as_code_t rc = as_h_params(req, NULL, 0, 0, &path, err);
    if (rc) return rc;
    msgpack_packer *pk = &w->pk;
    msgpack_pack_map(pk, 4);
    as_pack_cstr(pk, "version");
    as_pack_cstr(pk, AS_VERSION);
    as_pack_cstr(pk, "protocol");
    msgpack_pack_uint8(pk, AS_PROTOCOL_VERSION);
    as_pack_cstr(pk, "uptime_s");
    msgpack_pack_double(pk, (double)(as_now_ns() - w->engine->start_ns) / 1e9);
    as_pack_cstr(pk, "workers");
    msgpack_pack_int(pk, w->engine->workers);
    return AS_OK;
}

as_code_t as_handle_stats(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_path_t path;
    as_code_t rc = as_h_params(req, NULL, 0, 0, &path, err);
    if (rc) return rc;
    msgpack_packer *pk = &w->pk;
    size_t map_size, used;
    as_store_usage(w->engine->store, &map_size, &used);
    msgpack_pack_map(pk, 5);
    as_pack_cstr(pk, "uptime_s");
    msgpack_pack_double(pk, (double)(as_now_ns() - w->engine->start_ns) / 1e9);
    as_pack_cstr(pk, "workers");
    msgpack_pack_int(pk, w->engine->workers);
    as_pack_cstr(pk, "methods");
    as_stats_pack_methods(w->engine->stats, pk, as_method_names, AS_STATS_METHODS);
    as_pack_cstr(pk, "events");
    as_stats_pack_events(w->engine->stats, pk);
    as_pack_cstr(pk, "map");
    msgpack_pack_map(pk, 3);
    as_pack_cstr(pk, "size");
    msgpack_pack_uint64(pk, map_size);
    as_pack_cstr(pk, "used");
    msgpack_pack_uint64(pk, used);
    as_pack_cstr(pk, "ratio");
    msgpack_pack_double(pk, map_size ? (double)used / (double)map_size : 0);
    return AS_OK;
}
