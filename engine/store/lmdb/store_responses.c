/* store_responses.c — stored responses: their keys, indexes, attempts and idempotency keys (see
 * store.h). An assessment's responses are one contiguous key range, in submission order. */
#include "protocol.h"
#include "store_int.h"

#include <stdlib.h>
#include <string.h>

#define S_KEY_MAX (AS_MAX_ID + 2 * AS_MAX_NAME + 16)

typedef struct {
    uint8_t b[S_KEY_MAX];
    size_t n;
} s_key_t;

static void s_add(s_key_t *k, const void *p, size_t n)
{
    memcpy(k->b + k->n, p, n);
    k->n += n;
}

static void s_sep(s_key_t *k)
{
    k->b[k->n++] = 0;
}

static void s_be64(uint8_t *out, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static uint64_t s_get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static void s_rid(s_key_t *k, uint64_t rid)
{
    s_be64(k->b + k->n, rid);
    k->n += 8;
}

/* [assessment, 0, learner] */
static void s_learner_key(s_key_t *k, const as_subject_t *s)
{
    k->n = 0;
    s_add(k, s->assessment, s->assessment_len);
    s_sep(k);
    s_add(k, s->learner, s->learner_len);
}

static MDB_val s_val(const s_key_t *k)
{
    return (MDB_val){k->n, (void *)k->b};
}

/* meta "n:<assessment>": responses stored for the assessment; "pn:<assessment>": those of them
 * waiting for people's grades */
static void s_count_key(s_key_t *k, const char *a, uint32_t len)
{
    k->n = 0;
    s_add(k, "n:", 2);
    s_add(k, a, len);
}

static void s_pending_key(s_key_t *k, const char *a, uint32_t len)
{
    k->n = 0;
    s_add(k, "pn:", 3);
    s_add(k, a, len);
}

static uint64_t s_counter(as_store_t *st, MDB_txn *txn, const s_key_t *k)
{
    MDB_val key = s_val(k), v;
    uint64_t n = 0;
    if (mdb_get(txn, st->meta, &key, &v) == 0 && v.mv_size == sizeof n)
        memcpy(&n, v.mv_data, sizeof n);
    return n;
}

static uint64_t s_response_count(as_store_t *st, MDB_txn *txn, const char *assessment, uint32_t len)
{
    s_key_t k;
    s_count_key(&k, assessment, len);
    return s_counter(st, txn, &k);
}

as_code_t as_lmdb_store_pending_add(as_wtxn_t *w, const char *assessment, uint32_t len,
                                    uint64_t rid, bool pending, as_err_t *err)
{
    s_key_t k;
    s_pending_key(&k, assessment, len);
    uint64_t n = s_counter(w->store, w->txn, &k) + (pending ? 1 : (uint64_t)-1);
    MDB_val key = s_val(&k), v = {sizeof n, &n};
    int rc = mdb_put(w->txn, w->store->meta, &key, &v, 0);
    if (!rc) { /* the list of waiting responses */
        k.n = 0;
        s_add(&k, assessment, len);
        s_sep(&k);
        s_rid(&k, rid);
        key = s_val(&k);
        v = (MDB_val){0, NULL};
        rc = pending ? mdb_put(w->txn, w->store->pending_rids, &key, &v, 0)
                     : mdb_del(w->txn, w->store->pending_rids, &key, NULL);
        if (rc == MDB_NOTFOUND) rc = 0; /* (one pending before the list was kept) */
    }
    return rc ? as_store_mdb(w->store, rc, err, "count pending responses") : AS_OK;
}

as_code_t as_lmdb_store_pending_scan(as_wtxn_t *w, const char *assessment, uint32_t len,
                                     uint64_t after, as_pending_fn fn, void *arg, as_err_t *err)
{
    s_key_t prefix = {.n = 0}, k;
    s_add(&prefix, assessment, len);
    s_sep(&prefix);
    k = prefix;
    s_rid(&k, after + 1);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(w->txn, w->store->pending_rids, &cur);
    if (rc) return as_store_mdb(w->store, rc, err, "list pending responses");
    MDB_val key = s_val(&k), v;
    for (rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE);
         rc == 0 && key.mv_size == prefix.n + 8 && memcmp(key.mv_data, prefix.b, prefix.n) == 0;
         rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT))
        if (fn(arg, s_get64((const uint8_t *)key.mv_data + prefix.n))) break;
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(w->store, rc, err, "list pending responses")
                                    : AS_OK;
}

uint64_t as_lmdb_store_pending_count_rd(as_reader_t *rd, const char *assessment, uint32_t len)
{
    s_key_t k;
    s_pending_key(&k, assessment, len);
    return s_counter(rd->store, rd->txn, &k);
}

uint64_t as_lmdb_store_response_count(as_wtxn_t *w, const char *assessment, uint32_t len)
{
    return s_response_count(w->store, w->txn, assessment, len);
}

uint64_t as_lmdb_store_response_count_rd(as_reader_t *rd, const char *assessment, uint32_t len)
{
    return s_response_count(rd->store, rd->txn, assessment, len);
}

as_code_t as_lmdb_store_idem_find(as_wtxn_t *w, const as_subject_t *s, uint64_t *rid, as_err_t *err)
{
    s_key_t k;
    s_learner_key(&k, s);
    s_sep(&k);
    s_add(&k, s->key, s->key_len);
    MDB_val key = s_val(&k), v;
    int rc = mdb_get(w->txn, w->store->idem, &key, &v);
    if (rc == MDB_NOTFOUND) return AS_NOT_FOUND;
    if (rc) return as_store_mdb(w->store, rc, err, "idempotency key");
    if (v.mv_size != 8) return as_err_set(err, AS_INTERNAL, "corrupt idempotency entry");
    *rid = s_get64(v.mv_data);
    return AS_OK;
}

/* The learner's last entry in the learner index [assessment, 0, learner, 0, rid] -> attempt:
 * their latest response and its attempt number (the attempts so far). False when none. */
static bool s_last(as_store_t *st, MDB_txn *txn, const as_subject_t *s, uint64_t *rid,
                   uint32_t *attempt)
{
    s_key_t k;
    s_learner_key(&k, s);
    s_sep(&k);
    size_t prefix = k.n;
    s_rid(&k, UINT64_MAX);
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, st->learners, &cur)) return false;
    MDB_val key = s_val(&k), v;
    /* seek past the learner's entries, then step back */
    int rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE);
    rc =
        rc == 0 ? mdb_cursor_get(cur, &key, &v, MDB_PREV) : mdb_cursor_get(cur, &key, &v, MDB_LAST);
    bool found = rc == 0 && key.mv_size == prefix + 8 && memcmp(key.mv_data, k.b, prefix) == 0 &&
                 v.mv_size == sizeof *attempt;
    if (found) {
        *rid = s_get64((const uint8_t *)key.mv_data + prefix);
        memcpy(attempt, v.mv_data, sizeof *attempt);
    }
    mdb_cursor_close(cur);
    return found;
}

uint32_t as_lmdb_store_attempts(as_wtxn_t *w, const as_subject_t *s)
{
    uint64_t rid;
    uint32_t attempt;
    return s_last(w->store, w->txn, s, &rid, &attempt) ? attempt : 0;
}

uint64_t as_lmdb_store_next_rid(as_wtxn_t *w)
{
    w->rid_dirty = true;
    return ++w->rid;
}

as_code_t as_lmdb_store_response_add(as_wtxn_t *w, const as_subject_t *s, uint64_t rid,
                                     uint32_t attempt, const void *record, size_t len,
                                     as_err_t *err)
{
    as_store_t *st = w->store;
    s_key_t k;
    uint8_t ridb[8];
    s_be64(ridb, rid);
    /* the response */
    k.n = 0;
    s_add(&k, s->assessment, s->assessment_len);
    s_sep(&k);
    s_rid(&k, rid);
    MDB_val key = s_val(&k), v = {len, (void *)record};
    int rc = mdb_put(w->txn, st->responses, &key, &v, 0);
    /* rid -> assessment */
    if (!rc) {
        key = (MDB_val){8, ridb};
        v = (MDB_val){s->assessment_len, (void *)s->assessment};
        rc = mdb_put(w->txn, st->rids, &key, &v, MDB_APPEND);
    }
    /* the learner index: its last entry of a learner is also their attempt count */
    if (!rc) {
        s_learner_key(&k, s);
        s_sep(&k);
        s_rid(&k, rid);
        key = s_val(&k);
        v = (MDB_val){sizeof attempt, &attempt};
        rc = mdb_put(w->txn, st->learners, &key, &v, 0);
    }
    if (!rc && s->key) {
        s_learner_key(&k, s);
        s_sep(&k);
        s_add(&k, s->key, s->key_len);
        key = s_val(&k);
        v = (MDB_val){8, ridb};
        rc = mdb_put(w->txn, st->idem, &key, &v, 0);
    }
    if (!rc) {
        uint64_t n = as_lmdb_store_response_count(w, s->assessment, s->assessment_len) + 1;
        s_count_key(&k, s->assessment, s->assessment_len);
        key = s_val(&k);
        v = (MDB_val){sizeof n, &n};
        rc = mdb_put(w->txn, st->meta, &key, &v, 0);
    }
    return rc ? as_store_mdb(st, rc, err, "store response") : AS_OK;
}

static as_code_t s_response_get(as_store_t *st, MDB_txn *txn, uint64_t rid, const void **record,
                                size_t *len, as_err_t *err)
{
    uint8_t ridb[8];
    s_be64(ridb, rid);
    MDB_val key = {8, ridb}, a, v;
    int rc = mdb_get(txn, st->rids, &key, &a);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "response %llu not found", (unsigned long long)rid);
    if (rc) return as_store_mdb(st, rc, err, "read response");
    s_key_t k = {.n = 0};
    if (a.mv_size > AS_MAX_ID) return as_err_set(err, AS_INTERNAL, "corrupt response index");
    s_add(&k, a.mv_data, a.mv_size);
    s_sep(&k);
    s_rid(&k, rid);
    key = s_val(&k);
    rc = mdb_get(txn, st->responses, &key, &v);
    if (rc) return as_store_mdb(st, rc, err, "read response");
    *record = v.mv_data;
    *len = v.mv_size;
    return AS_OK;
}

as_code_t as_lmdb_store_response_get_in(as_reader_t *rd, const char *assessment, uint32_t alen,
                                        uint64_t rid, const void **record, size_t *len,
                                        as_err_t *err)
{
    if (alen > AS_MAX_ID) return as_err_set(err, AS_INTERNAL, "assessment id too long");
    s_key_t k = {.n = 0};
    s_add(&k, assessment, alen);
    s_sep(&k);
    s_rid(&k, rid);
    MDB_val key = s_val(&k), v;
    int rc = mdb_get(rd->txn, rd->store->responses, &key, &v);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "response %llu not found", (unsigned long long)rid);
    if (rc) return as_store_mdb(rd->store, rc, err, "read response");
    *record = v.mv_data;
    *len = v.mv_size;
    return AS_OK;
}

as_code_t as_lmdb_store_response_wget(as_wtxn_t *w, uint64_t rid, const void **record, size_t *len,
                                      as_err_t *err)
{
    return s_response_get(w->store, w->txn, rid, record, len, err);
}

as_code_t as_lmdb_store_response_get(as_reader_t *rd, uint64_t rid, const void **record,
                                     size_t *len, as_err_t *err)
{
    return s_response_get(rd->store, rd->txn, rid, record, len, err);
}

as_code_t as_lmdb_store_response_list(as_reader_t *rd, const char *assessment,
                                      uint32_t assessment_len, const char *learner,
                                      uint32_t learner_len, uint64_t after, uint32_t limit,
                                      as_response_fn fn, void *arg, uint64_t *total, bool *more,
                                      as_err_t *err)
{
    as_store_t *st = rd->store;
    s_key_t prefix = {.n = 0}, k;
    MDB_val key, v;
    *more = false;
    *total = 0;
    as_subject_t s = {.assessment = assessment,
                      .assessment_len = assessment_len,
                      .learner = learner,
                      .learner_len = learner_len};
    if (learner) {
        uint64_t last;
        uint32_t n;
        if (s_last(st, rd->txn, &s, &last, &n)) *total = n;
        s_learner_key(&prefix, &s);
        s_sep(&prefix);
    } else {
        s_count_key(&k, assessment, assessment_len);
        key = s_val(&k);
        if (mdb_get(rd->txn, st->meta, &key, &v) == 0 && v.mv_size == sizeof *total)
            memcpy(total, v.mv_data, sizeof *total);
        s_add(&prefix, assessment, assessment_len);
        s_sep(&prefix);
    }
    k = prefix;
    s_rid(&k, after + 1);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(rd->txn, learner ? st->learners : st->responses, &cur);
    if (rc) return as_store_mdb(st, rc, err, "list responses");
    key = s_val(&k);
    uint32_t given = 0;
    as_code_t code = AS_OK;
    for (rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
        if (key.mv_size != prefix.n + 8 || memcmp(key.mv_data, prefix.b, prefix.n) != 0) break;
        if (given == limit) {
            *more = true;
            break;
        }
        uint64_t rid = s_get64((const uint8_t *)key.mv_data + prefix.n);
        const void *rec = v.mv_data;
        size_t len = v.mv_size;
        if (learner && (code = s_response_get(st, rd->txn, rid, &rec, &len, err))) break;
        fn(arg, rid, rec, len);
        given++;
    }
    if (!code && rc && rc != MDB_NOTFOUND) code = as_store_mdb(st, rc, err, "list responses");
    mdb_cursor_close(cur);
    return code;
}

uint64_t as_lmdb_store_last_rid(as_wtxn_t *w)
{
    return w->rid;
}

as_code_t as_lmdb_store_response_replace(as_wtxn_t *w, const char *a, uint32_t alen, uint64_t rid,
                                         const void *record, size_t len, as_err_t *err)
{
    s_key_t k = {.n = 0};
    s_add(&k, a, alen);
    s_sep(&k);
    s_rid(&k, rid);
    MDB_val key = s_val(&k), v = {len, (void *)record};
    int rc = mdb_put(w->txn, w->store->responses, &key, &v, 0);
    return rc ? as_store_mdb(w->store, rc, err, "store response") : AS_OK;
}

bool as_store_is_latest(as_wtxn_t *w, const as_subject_t *s, uint64_t rid)
{
    uint64_t last;
    uint32_t attempt;
    return s_last(w->store, w->txn, s, &last, &attempt) && last == rid;
}

as_code_t as_lmdb_store_rids_scan(as_reader_t *rd, uint64_t after, uint32_t limit, as_rid_fn fn,
                                  void *arg, as_err_t *err)
{
    as_store_t *st = rd->store;
    uint8_t kb[8];
    s_be64(kb, after + 1);
    MDB_cursor *cur;
    MDB_val k = {8, kb}, v;
    int rc = mdb_cursor_open(rd->txn, st->rids, &cur);
    if (rc) return as_store_mdb(st, rc, err, "read responses");
    uint32_t given = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && given < limit;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8) continue;
        fn(arg, s_get64(k.mv_data), v.mv_data, (uint32_t)v.mv_size);
        given++;
    }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(st, rc, err, "read responses") : AS_OK;
}
