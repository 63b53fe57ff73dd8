/* store_mastery.c — skills and learners' mastery states (knowledge tracing).
 *
 *   skills  skill id              -> as_skill_t
 *   mastery [learner, 0, skill]   -> as_mslot_t[1 or 2] (mastery_slots.h: what a slot keeps)
 *
 * A state entry holds one slot (16 bytes), or two while a skill.recompute builds a new generation
 * beside the live one: a slot counts when its generation is the skill's live one. Making the new
 * generation live is then one write to the skill record, whatever the number of learners. Keys
 * put a learner's skills together, so mastery.get {learner} is one range read.
 */
#include "mastery_slots.h"
#include "protocol.h"
#include "store_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define S_KEY_MAX (AS_MAX_NAME + AS_MAX_ID + 2)

static MDB_val s_key(uint8_t *kb, const char *learner, uint32_t llen, const char *skill,
                     uint32_t slen)
{
    memcpy(kb, learner, llen);
    kb[llen] = 0;
    memcpy(kb + llen + 1, skill, slen);
    return (MDB_val){(size_t)llen + 1 + slen, kb};
}

static as_code_t s_skill_read(as_store_t *st, MDB_txn *txn, const char *id, uint32_t len,
                              as_skill_t *skill, as_err_t *err)
{
    MDB_val k = {len, (void *)id}, v;
    int rc = mdb_get(txn, st->skills, &k, &v);
    if (rc == MDB_NOTFOUND)
        return as_err_set(err, AS_NOT_FOUND, "skill \"%.*s\" not found", (int)len, id);
    if (rc) return as_store_mdb(st, rc, err, "read skill");
    if (v.mv_size != sizeof *skill)
        return as_err_set(err, AS_INTERNAL, "skill \"%.*s\": corrupt record", (int)len, id);
    memcpy(skill, v.mv_data, sizeof *skill);
    return AS_OK;
}

as_code_t as_lmdb_store_skill_get(as_reader_t *rd, const char *id, uint32_t len, as_skill_t *skill,
                                  as_err_t *err)
{
    return s_skill_read(rd->store, rd->txn, id, len, skill, err);
}

as_code_t as_lmdb_store_skill_wget(as_wtxn_t *w, const char *id, uint32_t len, as_skill_t *skill,
                                   as_err_t *err)
{
    return s_skill_read(w->store, w->txn, id, len, skill, err);
}

as_code_t as_lmdb_store_skill_set(as_wtxn_t *w, const char *id, uint32_t len,
                                  const as_skill_t *skill, as_err_t *err)
{
    MDB_val k = {len, (void *)id}, v = {sizeof *skill, (void *)skill};
    int rc = mdb_put(w->txn, w->store->skills, &k, &v, 0);
    return rc ? as_store_mdb(w->store, rc, err, "store skill") : AS_OK;
}

as_code_t as_lmdb_store_skill_put(as_wtxn_t *w, const char *id, uint32_t len,
                                  const as_bkt_params_t *params, bool *created, as_err_t *err)
{
    as_skill_t skill;
    as_err_t ignored;
    as_code_t rc = as_lmdb_store_skill_wget(w, id, len, &skill, &ignored);
    if (rc && rc != AS_NOT_FOUND) {
        *err = ignored;
        return rc;
    }
    *created = rc == AS_NOT_FOUND;
    if (*created) {
        /* generations continue from a deleted skill of the same id: its states never count */
        MDB_val k = {0, NULL}, v;
        char kb[4 + AS_MAX_ID];
        memcpy(kb, "sg:", 3);
        memcpy(kb + 3, id, len);
        k = (MDB_val){3 + (size_t)len, kb};
        uint32_t last = 0;
        if (mdb_get(w->txn, w->store->meta, &k, &v) == 0 && v.mv_size == sizeof last)
            memcpy(&last, v.mv_data, sizeof last);
        skill = (as_skill_t){.live_gen = last + 1, .last_gen = last + 1};
    }
    skill.params = *params;
    return as_lmdb_store_skill_set(w, id, len, &skill, err);
}

/* Whether any stored assessment has an item naming skill id. */
static as_code_t s_skill_used(as_wtxn_t *w, const char *id, uint32_t len, char *by, size_t by_n,
                              bool *used, as_err_t *err)
{
    MDB_cursor *cur;
    MDB_val k, v;
    *used = false;
    int rc = mdb_cursor_open(w->txn, w->store->tables, &cur);
    if (rc) return as_store_mdb(w->store, rc, err, "delete skill");
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && !*used;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        as_table_t t;
        as_err_t ignored;
        if (as_table_open(v.mv_data, v.mv_size, &t, &ignored)) continue;
        for (uint32_t i = 0; i < t.hdr.n_items && !*used; i++) {
            as_titem_t it;
            as_table_item(&t, i, &it);
            for (uint32_t j = 0; j < it.n_skills; j++) {
                uint32_t sl;
                const char *s = as_table_skill(&t, &it, j, &sl);
                if (sl == len && memcmp(s, id, len) == 0) {
                    snprintf(by, by_n, "%.*s", (int)t.hdr.id_len, as_table_str(&t, t.hdr.id_off));
                    *used = true;
                    break;
                }
            }
        }
    }
    mdb_cursor_close(cur);
    return AS_OK;
}

as_code_t as_lmdb_store_skill_delete(as_wtxn_t *w, const char *id, uint32_t len, as_err_t *err)
{
    as_skill_t skill;
    as_code_t rc = as_lmdb_store_skill_wget(w, id, len, &skill, err);
    if (rc) return rc;
    char by[AS_MAX_ID + 1];
    bool used;
    if ((rc = s_skill_used(w, id, len, by, sizeof by, &used, err))) return rc;
    if (used)
        return as_err_set(err, AS_CONFLICT,
                          "skill \"%.*s\" is used by assessment \"%s\": remove it from that "
                          "assessment's items first",
                          (int)len, id, by);
    /* remember the generations given, so a skill put again under this id starts afresh */
    char kb[4 + AS_MAX_ID];
    memcpy(kb, "sg:", 3);
    memcpy(kb + 3, id, len);
    MDB_val k = {3 + (size_t)len, kb}, v = {sizeof skill.last_gen, &skill.last_gen};
    int mrc = mdb_put(w->txn, w->store->meta, &k, &v, 0);
    if (!mrc) {
        k = (MDB_val){len, (void *)id};
        mrc = mdb_del(w->txn, w->store->skills, &k, NULL);
    }
    return mrc ? as_store_mdb(w->store, mrc, err, "delete skill") : AS_OK;
}

as_code_t as_lmdb_store_skill_list(as_reader_t *rd, const char *after, uint32_t after_len,
                                   uint32_t limit, as_skill_fn fn, void *arg, uint64_t *total,
                                   bool *more, as_err_t *err)
{
    as_store_t *st = rd->store;
    MDB_stat stat;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_stat(rd->txn, st->skills, &stat);
    if (rc) return as_store_mdb(st, rc, err, "list skills");
    *total = stat.ms_entries;
    *more = false;
    rc = as_store_page_open(rd->txn, st->skills, after, after_len, &cur, &k, &v);
    if (!cur) return as_store_mdb(st, rc, err, "list skills");
    uint32_t given = 0;
    for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (given == limit) {
            *more = true;
            break;
        }
        as_skill_t skill;
        if (v.mv_size != sizeof skill) continue;
        memcpy(&skill, v.mv_data, sizeof skill);
        fn(arg, k.mv_data, (uint32_t)k.mv_size, &skill);
        given++;
    }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(st, rc, err, "list skills") : AS_OK;
}

/* The state of generation gen in txn (the skill's prior when there is none; *found says which). */
static as_code_t s_mastery_get(as_store_t *st, MDB_txn *txn, const char *learner, uint32_t llen,
                               const char *skill, uint32_t slen, const as_skill_t *sk, uint32_t gen,
                               as_mastery_t *m, bool *found, as_err_t *err)
{
    uint8_t kb[S_KEY_MAX];
    MDB_val k = s_key(kb, learner, llen, skill, slen), v;
    as_mslot_t slot;
    const as_mslot_t *at = NULL;
    int rc = mdb_get(txn, st->mastery, &k, &v);
    if (rc && rc != MDB_NOTFOUND) return as_store_mdb(st, rc, err, "read mastery");
    if (!rc) at = as_mslot_find(v.mv_data, v.mv_size, gen, &slot);
    *found = at != NULL;
    as_mslot_state(at, sk, m);
    return AS_OK;
}

as_code_t as_lmdb_store_mastery_wget(as_wtxn_t *w, const char *learner, uint32_t llen,
                                     const char *skill, uint32_t slen, const as_skill_t *sk,
                                     uint32_t gen, as_mastery_t *m, bool *found, as_err_t *err)
{
    return s_mastery_get(w->store, w->txn, learner, llen, skill, slen, sk, gen, m, found, err);
}

as_code_t as_lmdb_store_mastery_wput(as_wtxn_t *w, const char *learner, uint32_t llen,
                                     const char *skill, uint32_t slen, const as_skill_t *sk,
                                     uint32_t gen, const as_mastery_t *m, as_err_t *err)
{
    uint8_t kb[S_KEY_MAX];
    MDB_val k = s_key(kb, learner, llen, skill, slen), v;
    as_mslot_t slots[2];
    int rc = mdb_get(w->txn, w->store->mastery, &k, &v);
    if (rc && rc != MDB_NOTFOUND) return as_store_mdb(w->store, rc, err, "read mastery");
    size_t n = as_mslot_put(rc ? NULL : v.mv_data, rc ? 0 : v.mv_size, sk, gen, m, slots);
    v = (MDB_val){n * sizeof(as_mslot_t), slots};
    rc = mdb_put(w->txn, w->store->mastery, &k, &v, 0);
    return rc ? as_store_mdb(w->store, rc, err, "store mastery") : AS_OK;
}

as_code_t as_lmdb_store_mastery_get(as_reader_t *rd, const char *learner, uint32_t llen,
                                    const char *skill, uint32_t slen, const as_skill_t *sk,
                                    as_mastery_t *m, as_err_t *err)
{
    bool found;
    return s_mastery_get(rd->store, rd->txn, learner, llen, skill, slen, sk, sk->live_gen, m,
                         &found, err);
}

/* Calls fn with the live state in entry v of skill (sk), when it holds one. */
static void s_live(const MDB_val *v, const char *skill, uint32_t slen, const as_skill_t *sk,
                   as_mastery_fn fn, void *arg)
{
    as_mslot_t slot;
    const as_mslot_t *at = as_mslot_find(v->mv_data, v->mv_size, sk->live_gen, &slot);
    if (!at) return;
    as_mastery_t m;
    as_mslot_state(at, sk, &m);
    fn(arg, skill, slen, sk, &m);
}

as_code_t as_lmdb_store_mastery_list(as_reader_t *rd, const char *learner, uint32_t llen,
                                     as_mastery_fn fn, void *arg, as_err_t *err)
{
    as_store_t *st = rd->store;
    uint8_t kb[S_KEY_MAX];
    memcpy(kb, learner, llen);
    kb[llen] = 0;
    size_t prefix = (size_t)llen + 1;
    MDB_cursor *cur;
    MDB_val k = {prefix, kb}, v;
    int rc = mdb_cursor_open(rd->txn, st->mastery, &cur);
    if (rc) return as_store_mdb(st, rc, err, "read mastery");
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= prefix || memcmp(k.mv_data, kb, prefix) != 0) break;
        const char *skill = (const char *)k.mv_data + prefix;
        uint32_t slen = (uint32_t)(k.mv_size - prefix);
        as_skill_t sk;
        as_err_t ignored;
        if (s_skill_read(st, rd->txn, skill, slen, &sk, &ignored)) continue; /* deleted */
        s_live(&v, skill, slen, &sk, fn, arg);
    }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(st, rc, err, "read mastery") : AS_OK;
}

as_code_t as_lmdb_store_mastery_scan(as_reader_t *rd, const char *skill, uint32_t skill_len,
                                     as_mastery_fn fn, void *arg, as_err_t *err)
{
    as_store_t *st = rd->store;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = mdb_cursor_open(rd->txn, st->mastery, &cur);
    if (rc) return as_store_mdb(st, rc, err, "read mastery");
    /* a learner's skills come in id order, so the skill record read last is often the next's */
    char last[AS_MAX_ID];
    uint32_t last_len = 0;
    as_skill_t sk;
    bool have = false;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *kb = k.mv_data;
        const uint8_t *zero = memchr(kb, 0, k.mv_size);
        if (!zero) continue;
        const char *id = (const char *)zero + 1;
        uint32_t len = (uint32_t)(k.mv_size - (size_t)(zero + 1 - kb));
        if (skill && !(len == skill_len && memcmp(id, skill, len) == 0)) continue;
        if (len > sizeof last) continue;
        if (!(have && len == last_len && memcmp(id, last, len) == 0)) {
            as_err_t ignored;
            have = !s_skill_read(st, rd->txn, id, len, &sk, &ignored);
            memcpy(last, id, len);
            last_len = len;
        }
        if (have) s_live(&v, id, len, &sk, fn, arg); /* not a deleted skill's state */
    }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(st, rc, err, "read mastery") : AS_OK;
}

static as_code_t s_check(as_store_t *st, MDB_txn *txn, const as_table_t *t, as_err_t *err)
{
    for (uint32_t i = 0; i < t->hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        for (uint32_t j = 0; j < it.n_skills; j++) {
            uint32_t len;
            const char *id = as_table_skill(t, &it, j, &len);
            MDB_val k = {len, (void *)id}, v;
            int rc = mdb_get(txn, st->skills, &k, &v);
            if (rc == MDB_NOTFOUND)
                return as_err_set(err, AS_BAD_REQUEST,
                                  "items[%u].skills[%u]: unknown skill \"%.*s\"", i, j, (int)len,
                                  id);
            if (rc) return as_store_mdb(st, rc, err, "read skill");
        }
    }
    return AS_OK;
}

as_code_t as_lmdb_store_skills_check(as_reader_t *rd, const as_table_t *t, as_err_t *err)
{
    return s_check(rd->store, rd->txn, t, err);
}

as_code_t as_lmdb_store_skills_wcheck(as_wtxn_t *w, const as_table_t *t, as_err_t *err)
{
    return s_check(w->store, w->txn, t, err);
}
