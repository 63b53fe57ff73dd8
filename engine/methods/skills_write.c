/* skills_write.c — the writer's half of skill.put and skill.delete (skills.c validates them). */
#include "writes.h"

#include "tracing.h"

#include <string.h>

/* args: [skill id, as_bkt_params_t] */
void as_write_skill_put(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t len, plen;
    const char *id = as_write_arg(w, 0, &len);
    const char *praw = as_write_arg(w, 1, &plen);
    as_bkt_params_t p;
    bool created;
    as_skill_t sk;
    if (plen != sizeof p) {
        w->code = as_err_set(&w->err, AS_INTERNAL, "malformed skill.put from a worker");
        return;
    }
    memcpy(&p, praw, sizeof p);
    if ((w->code = as_store_skill_put(txn, id, (uint32_t)len, &p, &created, &w->err))) return;
    if ((w->code = as_store_skill_wget(txn, id, (uint32_t)len, &sk, &w->err))) return;
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    as_pack_skill(&w->reply_pk, id, (uint32_t)len, &sk);
    as_write_note_event(w, txn, "skill", "put", id, len);
}

/* args: [skill id] */
void as_write_skill_delete(as_writer_t *wr, as_wtxn_t *txn, as_write_t *w)
{
    (void)wr;
    size_t len;
    const char *id = as_write_arg(w, 0, &len);
    if ((w->code = as_store_skill_delete(txn, id, (uint32_t)len, &w->err))) return;
    as_response_ok(&w->reply_pk, w->hdr.msgid);
    msgpack_pack_map(&w->reply_pk, 0);
    as_write_note_event(w, txn, "skill", "delete", id, len);
}
