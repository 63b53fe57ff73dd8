/* models_write.c — the writer's half of model.put and model.delete (models.c validates and
 * compiles them). */
#include "writes.h"

#include "clock.h"
#include "model.h"

#include <string.h>

/* args: [id, {kind, max_learners} as two u64, compiled blob, source] */
void as_write_model_put(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t len, mlen, blen, slen;
    const char *id = as_write_arg(w, 0, &len);
    const char *meta = as_write_arg(w, 1, &mlen);
    const char *blob = as_write_arg(w, 2, &blen);
    const char *src = as_write_arg(w, 3, &slen);
    uint64_t m[2];
    as_model_t model;
    if (mlen != sizeof m || as_model_open(blob, blen, &model, &w->err)) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed model.put from a worker");
        return;
    }
    memcpy(m, meta, sizeof m);
    as_model_rec_t rec;
    bool created;
    if ((w->code = as_store_model_put(txn, id, (uint32_t)len, (uint32_t)m[0], blob, blen, src, slen,
                                      &rec, &created, &w->err)))
        return;
    rec.concepts = model.hdr->c;
    rec.n_state = model.hdr->n_state;
    rec.max_learners = m[1];
    rec.created_at = as_wall_s();
    if ((w->code = as_store_model_set(txn, id, (uint32_t)len, &rec, &w->err))) return;
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    msgpack_pack_map(&w->reply_pk, 5);
    as_pack_cstr(&w->reply_pk, "id");
    as_pack_str(&w->reply_pk, id, len);
    as_pack_cstr(&w->reply_pk, "version");
    msgpack_pack_uint32(&w->reply_pk, rec.version);
    as_pack_cstr(&w->reply_pk, "kind");
    as_pack_cstr(&w->reply_pk, as_model_kind_name((as_model_kind_t)rec.kind));
    as_pack_cstr(&w->reply_pk, "concepts");
    msgpack_pack_uint32(&w->reply_pk, rec.concepts);
    as_pack_cstr(&w->reply_pk, "created");
    if (created)
        msgpack_pack_true(&w->reply_pk);
    else
        msgpack_pack_false(&w->reply_pk);
    as_write_note_event(w, txn, "model", "put", id, len);
}

/* args: [id] */
void as_write_model_delete(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t len;
    const char *id = as_write_arg(w, 0, &len);
    if ((w->code = as_store_model_delete(txn, id, (uint32_t)len, &w->err))) return;
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    msgpack_pack_map(&w->reply_pk, 0);
    as_write_note_event(w, txn, "model", "delete", id, len);
}
