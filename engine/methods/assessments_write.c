/* assessments_write.c — the writer's half of assessment.put and assessment.delete: storing a
 * definition compiled by a worker (assessments.c), or deleting one, with its notification. */
#include "writes.h"

/* args: [the definition as submitted, the compiled blob] (assessments.c as_h_put) */
void as_write_assessment_put(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t src_len, blob_len;
    const char *src = as_write_arg(w, 0, &src_len);
    uint8_t *blob = (uint8_t *)as_write_arg(w, 1, &blob_len);
    as_table_t t;
    uint32_t version;
    if ((w->code = as_table_open(blob, blob_len, &t, &w->err))) return;
    if ((w->code = as_store_skills_wcheck(txn, &t, &w->err))) return;
    const char *id = as_table_str(&t, t.hdr.id_off);
    w->code = as_store_put_assessment(txn, id, t.hdr.id_len, src, src_len, blob, blob_len, &version,
                                      &w->err);
    if (w->code) return;
    msgpack_packer *pk = &w->reply_pk;
    as_response_ok(pk, w->hdr.msgid);
    msgpack_pack_map(pk, 4);
    as_pack_cstr(pk, "id");
    as_pack_str(pk, id, t.hdr.id_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, version);
    as_pack_cstr(pk, "items");
    msgpack_pack_uint32(pk, t.hdr.n_items);
    as_pack_cstr(pk, "max_score");
    as_pack_num(pk, t.hdr.max_score);
    as_write_put_note(w, txn, &t, version);
}

void as_write_put_note(as_write_t *w, as_wtxn_t *txn, const as_table_t *t, uint32_t version)
{
    const char *id = as_table_str(t, t->hdr.id_off);
    msgpack_packer *pk = as_write_note(w, "assessment", id, t->hdr.id_len);
    msgpack_pack_map(pk, 6);
    as_pack_cstr(pk, "event");
    as_pack_cstr(pk, "put");
    as_pack_cstr(pk, "id");
    as_pack_str(pk, id, t->hdr.id_len);
    as_pack_cstr(pk, "version");
    msgpack_pack_uint32(pk, version);
    as_pack_cstr(pk, "max_score");
    as_pack_num(pk, t->hdr.max_score);
    as_pack_stamp(pk, as_store_stamp(txn));
}

/* args: [id, force byte] */
void as_write_assessment_delete(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t len, flen;
    const char *id = as_write_arg(w, 0, &len);
    const char *force = as_write_arg(w, 1, &flen);
    w->code = as_store_delete_assessment(txn, id, (uint32_t)len, flen && force[0], &w->err);
    if (w->code) return;
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    msgpack_pack_map(&w->reply_pk, 0);
    as_write_note_event(w, txn, "assessment", "delete", id, len);
}
