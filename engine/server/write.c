/* write.c — what every write step uses: its arguments and its notifications (write.h). */
#include "write.h"

#include "store.h"

#include <stdio.h>

const char *as_write_arg(as_write_t *w, int i, size_t *len)
{
    zmq_msg_t *m = &w->fr.f[w->args + i];
    *len = zmq_msg_size(m);
    return zmq_msg_data(m);
}

int as_write_nargs(const as_write_t *w)
{
    return w->fr.n - w->args;
}

msgpack_packer *as_write_note(as_write_t *w, const char *prefix, const char *id, size_t len)
{
    char topic[16 + AS_MAX_NAME];
    int n = snprintf(topic, sizeof topic, "%s.%.*s", prefix, (int)len, id);
    as_pack_str(&w->notes_pk, topic, (size_t)n < sizeof topic ? (size_t)n : sizeof topic - 1);
    return &w->notes_pk;
}

void as_write_note_event(as_write_t *w, as_wtxn_t *txn, const char *prefix, const char *event,
                         const char *id, size_t len)
{
    msgpack_packer *pk = as_write_note(w, prefix, id, len);
    msgpack_pack_map(pk, 4);
    as_pack_cstr(pk, "event");
    as_pack_cstr(pk, event);
    as_pack_cstr(pk, "id");
    as_pack_str(pk, id, len);
    as_pack_stamp(pk, as_store_stamp(txn));
}
