/* store_attempts.c — exam attempts (store.h "exam attempts"): the records, a learner's unfinished
 * attempt, an assessment's attempts in id order, the deadline events the writer sweeps, the
 * attempt counts behind max_attempts, and overrides. meta "att" holds the last attempt id. */
#include "protocol.h"
#include "store_int.h"

#include <math.h>
#include <stdlib.h>

/* [assessment, 0, learner] */
static void s_learner_key(as_key_t *k, const as_subject_t *s)
{
    k->n = 0;
    as_key_add(k, s->assessment, s->assessment_len);
    as_key_sep(k);
    as_key_add(k, s->learner, s->learner_len);
}

static void s_subject(const as_attempt_t *a, as_subject_t *s)
{
    *s = (as_subject_t){.assessment = a->assessment,
                        .assessment_len = a->assessment_len,
                        .learner = a->learner,
                        .learner_len = a->learner_len};
}

static uint64_t s_ms(double t)
{
    return t <= 0 ? 0 : (uint64_t)ceil(t * 1000);
}

/* [when ms, id, kind] */
static void s_due_key(as_key_t *k, double when, uint64_t id, as_due_t kind)
{
    k->n = 0;
    as_key_be64(k, s_ms(when));
    as_key_be64(k, id);
    k->b[k->n++] = (uint8_t)kind;
}

static as_code_t s_put_record(as_wtxn_t *w, const as_attempt_t *a, const void *answers, size_t len,
                              as_err_t *err)
{
    as_key_t k = {.n = 0};
    as_key_be64(&k, a->id);
    MDB_val key = as_key_val(&k), v = {sizeof *a + len, NULL};
    int rc = mdb_put(w->txn, w->store->attempts, &key, &v, MDB_RESERVE);
    if (rc) return as_store_mdb(w->store, rc, err, "store attempt");
    memcpy(v.mv_data, a, sizeof *a);
    if (len) memcpy((uint8_t *)v.mv_data + sizeof *a, answers, len);
    return AS_OK;
}

as_code_t as_lmdb_store_attempt_new(as_wtxn_t *w, as_attempt_t *a, const void *answers, size_t len,
                                    as_err_t *err)
{
    MDB_val mk = {3, "att"}, v;
    uint64_t last = 0;
    if (mdb_get(w->txn, w->store->meta, &mk, &v) == 0 && v.mv_size == sizeof last)
        memcpy(&last, v.mv_data, sizeof last);
    a->id = ++last;
    v = (MDB_val){sizeof last, &last};
    int rc = mdb_put(w->txn, w->store->meta, &mk, &v, 0);
    if (rc) return as_store_mdb(w->store, rc, err, "store attempt");
    as_code_t code = s_put_record(w, a, answers, len, err);
    if (code) return code;
    as_subject_t s;
    s_subject(a, &s);
    as_key_t k;
    s_learner_key(&k, &s);
    uint8_t idb[8];
    for (int i = 7, x = 0; i >= 0; i--, x++)
        idb[i] = (uint8_t)(a->id >> (8 * x));
    MDB_val key = as_key_val(&k), idv = {8, idb}, empty = {0, NULL};
    if ((rc = mdb_put(w->txn, w->store->attempt_open, &key, &idv, 0)))
        return as_store_mdb(w->store, rc, err, "store attempt");
    k.n = 0;
    as_key_add(&k, a->assessment, a->assessment_len);
    as_key_sep(&k);
    as_key_be64(&k, a->id);
    key = as_key_val(&k);
    if ((rc = mdb_put(w->txn, w->store->attempt_index, &key, &empty, 0)))
        return as_store_mdb(w->store, rc, err, "store attempt");
    if (a->deadline > 0) {
        s_due_key(&k, a->deadline, a->id, AS_DUE_OVERDUE);
        key = as_key_val(&k);
        if ((rc = mdb_put(w->txn, w->store->attempt_due, &key, &empty, 0)))
            return as_store_mdb(w->store, rc, err, "store attempt");
        s_due_key(&k, a->deadline + a->grace_s, a->id, AS_DUE_END);
        key = as_key_val(&k);
        if ((rc = mdb_put(w->txn, w->store->attempt_due, &key, &empty, 0)))
            return as_store_mdb(w->store, rc, err, "store attempt");
    }
    return AS_OK;
}

static as_code_t s_del(as_wtxn_t *w, MDB_dbi dbi, as_key_t *k, as_err_t *err)
{
    MDB_val key = as_key_val(k);
    int rc = mdb_del(w->txn, dbi, &key, NULL);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(w->store, rc, err, "store attempt") : AS_OK;
}

as_code_t as_lmdb_store_attempt_put(as_wtxn_t *w, const as_attempt_t *a, const void *answers,
                                    size_t len, as_err_t *err)
{
    as_code_t code = s_put_record(w, a, answers, len, err);
    if (code || a->state == AS_ATT_IN_PROGRESS) return code;
    as_subject_t s;
    s_subject(a, &s);
    as_key_t k;
    s_learner_key(&k, &s);
    if ((code = s_del(w, w->store->attempt_open, &k, err))) return code;
    if (a->deadline > 0) {
        s_due_key(&k, a->deadline, a->id, AS_DUE_OVERDUE);
        if ((code = s_del(w, w->store->attempt_due, &k, err))) return code;
        s_due_key(&k, a->deadline + a->grace_s, a->id, AS_DUE_END);
        if ((code = s_del(w, w->store->attempt_due, &k, err))) return code;
    }
    return AS_OK;
}

static as_code_t s_get(as_store_t *st, MDB_txn *txn, uint64_t id, as_attempt_t *a,
                       const void **answers, size_t *len, as_err_t *err)
{
    as_key_t k = {.n = 0};
    as_key_be64(&k, id);
    MDB_val key = as_key_val(&k), v;
    int rc = mdb_get(txn, st->attempts, &key, &v);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "attempt %llu not found", (unsigned long long)id);
    if (rc) return as_store_mdb(st, rc, err, "read attempt");
    if (v.mv_size < sizeof *a)
        return as_err_set(err, AS_INTERNAL, "attempt %llu: corrupt record", (unsigned long long)id);
    memcpy(a, v.mv_data, sizeof *a);
    *answers = (const uint8_t *)v.mv_data + sizeof *a;
    *len = v.mv_size - sizeof *a;
    return AS_OK;
}

as_code_t as_lmdb_store_attempt_wget(as_wtxn_t *w, uint64_t id, as_attempt_t *a,
                                     const void **answers, size_t *len, as_err_t *err)
{
    return s_get(w->store, w->txn, id, a, answers, len, err);
}

as_code_t as_lmdb_store_attempt_get(as_reader_t *rd, uint64_t id, as_attempt_t *a,
                                    const void **answers, size_t *len, as_err_t *err)
{
    return s_get(rd->store, rd->txn, id, a, answers, len, err);
}

as_code_t as_lmdb_store_attempt_open(as_wtxn_t *w, const as_subject_t *s, uint64_t *id,
                                     as_err_t *err)
{
    as_key_t k;
    s_learner_key(&k, s);
    MDB_val key = as_key_val(&k), v;
    int rc = mdb_get(w->txn, w->store->attempt_open, &key, &v);
    if (rc == MDB_NOTFOUND) return as_err_set(err, AS_NOT_FOUND, "no unfinished attempt");
    if (rc) return as_store_mdb(w->store, rc, err, "read attempt");
    if (v.mv_size != 8) return as_err_set(err, AS_INTERNAL, "corrupt unfinished-attempt entry");
    *id = as_key_get64(v.mv_data);
    return AS_OK;
}

uint32_t as_lmdb_store_attempt_count(as_wtxn_t *w, const as_subject_t *s)
{
    as_key_t k;
    s_learner_key(&k, s);
    MDB_val key = as_key_val(&k), v;
    uint32_t n = 0;
    if (mdb_get(w->txn, w->store->attempt_count, &key, &v) == 0 && v.mv_size == sizeof n)
        memcpy(&n, v.mv_data, sizeof n);
    uint32_t stored =
        as_lmdb_store_attempts(w, s); /* responses stored before attempts were counted */
    return n > stored ? n : stored;
}

as_code_t as_lmdb_store_attempt_count_set(as_wtxn_t *w, const as_subject_t *s, uint32_t n,
                                          as_err_t *err)
{
    as_key_t k;
    s_learner_key(&k, s);
    MDB_val key = as_key_val(&k), v = {sizeof n, &n};
    int rc = mdb_put(w->txn, w->store->attempt_count, &key, &v, 0);
    return rc ? as_store_mdb(w->store, rc, err, "store attempt count") : AS_OK;
}

as_code_t as_lmdb_store_attempt_due(as_wtxn_t *w, double now, uint64_t *id, as_due_t *kind,
                                    double *next, as_err_t *err)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(w->txn, w->store->attempt_due, &cur);
    if (rc) return as_store_mdb(w->store, rc, err, "read deadlines");
    MDB_val k, v;
    as_code_t code = AS_NOT_FOUND;
    if (next) *next = 0;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    if (rc == 0 && k.mv_size == 17) {
        uint64_t ms = as_key_get64(k.mv_data);
        if ((double)ms <= now * 1000) {
            *id = as_key_get64((const uint8_t *)k.mv_data + 8);
            *kind = (as_due_t)((const uint8_t *)k.mv_data)[16];
            rc = mdb_cursor_del(cur, 0);
            code = rc ? as_store_mdb(w->store, rc, err, "delete deadline") : AS_OK;
            if (!code && next) rc = mdb_cursor_get(cur, &k, &v, MDB_GET_CURRENT);
            if (!code && next && rc == MDB_NOTFOUND) rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            if (!code && next && rc == 0 && k.mv_size == 17)
                *next = (double)as_key_get64(k.mv_data) / 1000;
        } else if (next) {
            *next = (double)ms / 1000;
        }
    } else if (rc && rc != MDB_NOTFOUND) {
        code = as_store_mdb(w->store, rc, err, "read deadlines");
    }
    mdb_cursor_close(cur);
    if (code == AS_NOT_FOUND) as_err_set(err, AS_NOT_FOUND, "no deadline due");
    return code;
}

as_code_t as_lmdb_store_attempt_list(as_reader_t *rd, const char *assessment, uint32_t len,
                                     uint64_t after, as_attempt_fn fn, void *arg, as_err_t *err)
{
    as_store_t *st = rd->store;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(rd->txn, st->attempt_index, &cur);
    if (rc) return as_store_mdb(st, rc, err, "list attempts");
    as_key_t k = {.n = 0};
    as_key_add(&k, assessment, len);
    as_key_sep(&k);
    size_t prefix = k.n;
    as_key_be64(&k, after + 1);
    MDB_val key = as_key_val(&k), v;
    as_code_t code = AS_OK;
    for (rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
        if (key.mv_size != prefix + 8 || memcmp(key.mv_data, k.b, prefix) != 0) break;
        as_attempt_t a;
        const void *answers;
        size_t alen;
        uint64_t id = as_key_get64((const uint8_t *)key.mv_data + prefix);
        if ((code = s_get(st, rd->txn, id, &a, &answers, &alen, err))) break;
        if (!fn(arg, &a, answers, alen)) break;
    }
    mdb_cursor_close(cur);
    if (!code && rc && rc != MDB_NOTFOUND) code = as_store_mdb(st, rc, err, "list attempts");
    return code;
}

as_code_t as_lmdb_store_override_put(as_wtxn_t *w, const as_subject_t *s, const as_override_t *o,
                                     as_err_t *err)
{
    as_key_t k;
    s_learner_key(&k, s);
    MDB_val key = as_key_val(&k), v = {sizeof *o, (void *)o};
    int rc = mdb_put(w->txn, w->store->overrides, &key, &v, 0);
    return rc ? as_store_mdb(w->store, rc, err, "store override") : AS_OK;
}

as_code_t as_lmdb_store_override_wget(as_wtxn_t *w, const as_subject_t *s, as_override_t *o,
                                      bool *found, as_err_t *err)
{
    as_key_t k;
    s_learner_key(&k, s);
    MDB_val key = as_key_val(&k), v;
    memset(o, 0, sizeof *o);
    *found = false;
    int rc = mdb_get(w->txn, w->store->overrides, &key, &v);
    if (rc == MDB_NOTFOUND) return AS_OK;
    if (rc) return as_store_mdb(w->store, rc, err, "read override");
    if (v.mv_size != sizeof *o) return as_err_set(err, AS_INTERNAL, "corrupt override");
    memcpy(o, v.mv_data, sizeof *o);
    *found = true;
    return AS_OK;
}
