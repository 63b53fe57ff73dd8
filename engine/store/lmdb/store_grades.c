/* store_grades.c — people's grades of graded items (store.h): each rater's latest grade of an
 * answer, and every grade given, in the order given.
 *
 *   grades    [rid BE64, item, 0, rater] -> s_head_t, then the comment's bytes
 *   grade_log [rid BE64, item, 0, rater, 0, revision BE32] -> the same
 *   grade_counts [assessment, 0, item, 0, key] -> the agreement counts (agreement_counts.h)
 *   grade_leases [rid BE64, item] -> until (double), then the rater holding it (grade.next)
 */
#include "store_int.h"

#include "agreement_counts.h"

typedef struct {
    double score, first_at, at;
    uint32_t revision, has_comment;
} s_head_t;

static void s_key(as_key_t *k, uint64_t rid, const char *item, uint32_t len)
{
    k->n = 0;
    as_key_be64(k, rid);
    as_key_add(k, item, len);
    as_key_sep(k);
}

as_code_t as_lmdb_store_grade_put(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t len,
                                  as_grade_t *g, as_err_t *err)
{
    as_store_t *st = w->store;
    as_key_t k;
    s_key(&k, rid, item, len);
    as_key_add(&k, g->rater, g->rater_len);
    MDB_val key = as_key_val(&k), v;
    g->first_at = g->at;
    g->revision = 1;
    int rc = mdb_get(w->txn, st->grades, &key, &v);
    if (rc == 0 && v.mv_size >= sizeof(s_head_t)) {
        s_head_t prev;
        memcpy(&prev, v.mv_data, sizeof prev);
        g->first_at = prev.first_at;
        g->revision = prev.revision + 1;
    } else if (rc && rc != MDB_NOTFOUND) {
        return as_store_mdb(st, rc, err, "read grade");
    }
    s_head_t h = {.score = g->score,
                  .first_at = g->first_at,
                  .at = g->at,
                  .revision = g->revision,
                  .has_comment = g->comment != NULL};
    size_t size = sizeof h + (g->comment ? g->comment_len : 0);
    uint8_t *buf = malloc(size);
    if (!buf) return as_err_set(err, AS_INTERNAL, "out of memory");
    memcpy(buf, &h, sizeof h);
    if (g->comment) memcpy(buf + sizeof h, g->comment, g->comment_len);
    v = (MDB_val){size, buf};
    rc = mdb_put(w->txn, st->grades, &key, &v, 0);
    if (!rc) {
        as_key_sep(&k);
        uint8_t be[4] = {(uint8_t)(g->revision >> 24), (uint8_t)(g->revision >> 16),
                         (uint8_t)(g->revision >> 8), (uint8_t)g->revision};
        as_key_add(&k, be, sizeof be);
        key = as_key_val(&k);
        v = (MDB_val){size, buf};
        rc = mdb_put(w->txn, st->grade_log, &key, &v, 0);
    }
    free(buf);
    return rc ? as_store_mdb(st, rc, err, "store grade") : AS_OK;
}

/* A stored grade (rater's id, len bytes; its value v) as g: false when v is not one. */
static bool s_grade(const char *rater, size_t len, const MDB_val *v, as_grade_t *g)
{
    s_head_t h;
    if (v->mv_size < sizeof h) return false;
    memcpy(&h, v->mv_data, sizeof h);
    *g = (as_grade_t){.rater = rater,
                      .rater_len = (uint32_t)len,
                      .score = h.score,
                      .comment = h.has_comment ? (const char *)v->mv_data + sizeof h : NULL,
                      .comment_len = h.has_comment ? (uint32_t)(v->mv_size - sizeof h) : 0,
                      .first_at = h.first_at,
                      .at = h.at,
                      .revision = h.revision};
    return true;
}

as_code_t as_lmdb_store_grades(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t len,
                               as_grade_fn fn, void *arg, as_err_t *err)
{
    as_store_t *st = w->store;
    as_key_t prefix;
    s_key(&prefix, rid, item, len);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(w->txn, st->grades, &cur);
    if (rc) return as_store_mdb(st, rc, err, "read grades");
    MDB_val key = as_key_val(&prefix), v;
    for (rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE);
         rc == 0 && key.mv_size > prefix.n && memcmp(key.mv_data, prefix.b, prefix.n) == 0;
         rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
        as_grade_t g;
        if (s_grade((const char *)key.mv_data + prefix.n, key.mv_size - prefix.n, &v, &g))
            fn(arg, &g);
    }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(st, rc, err, "read grades") : AS_OK;
}

/* ---- grade.next's leases: [rid BE64, item] -> until (double), then the rater ---- */

/* The lease on (rid, item): its key in k and key, its value in v (rc as mdb_get's). */
static int s_lease_get(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t ilen, as_key_t *k,
                       MDB_val *key, MDB_val *v)
{
    k->n = 0;
    as_key_be64(k, rid);
    as_key_add(k, item, ilen);
    *key = as_key_val(k);
    return mdb_get(w->txn, w->store->grade_leases, key, v);
}

as_code_t as_lmdb_store_lease_take(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t ilen,
                                   const char *rater, uint32_t rlen, double now, double until,
                                   bool *taken, as_err_t *err)
{
    as_store_t *st = w->store;
    as_key_t k;
    MDB_val key, v;
    int rc = s_lease_get(w, rid, item, ilen, &k, &key, &v);
    *taken = true;
    if (rc == 0 && v.mv_size >= sizeof(double)) {
        double held;
        memcpy(&held, v.mv_data, sizeof held);
        bool own = v.mv_size - sizeof held == rlen &&
                   memcmp((const char *)v.mv_data + sizeof held, rater, rlen) == 0;
        *taken = own || held <= now;
    } else if (rc && rc != MDB_NOTFOUND) {
        return as_store_mdb(st, rc, err, "read lease");
    }
    if (!*taken) return AS_OK;
    uint8_t buf[sizeof(double) + AS_MAX_NAME];
    memcpy(buf, &until, sizeof until);
    memcpy(buf + sizeof until, rater, rlen);
    v = (MDB_val){sizeof until + rlen, buf};
    rc = mdb_put(w->txn, st->grade_leases, &key, &v, 0);
    return rc ? as_store_mdb(st, rc, err, "store lease") : AS_OK;
}

as_code_t as_lmdb_store_lease_release(as_wtxn_t *w, uint64_t rid, const char *item, uint32_t ilen,
                                      const char *rater, uint32_t rlen, as_err_t *err)
{
    as_store_t *st = w->store;
    as_key_t k;
    MDB_val key, v;
    int rc = s_lease_get(w, rid, item, ilen, &k, &key, &v);
    if (rc == MDB_NOTFOUND) return AS_OK;
    if (!rc && v.mv_size == sizeof(double) + rlen &&
        memcmp((const char *)v.mv_data + sizeof(double), rater, rlen) == 0)
        rc = mdb_del(w->txn, st->grade_leases, &key, NULL);
    return rc ? as_store_mdb(st, rc, err, "end lease") : AS_OK;
}

/* ---- grade.list: a scan of `grades` from the first key f selects ---- */

/* Whether response rid is of assessment a (the last rid looked up remembered). */
static bool s_of(as_reader_t *rd, uint64_t rid, const as_grade_filter_t *f, uint64_t *last,
                 bool *last_of)
{
    if (!f->assessment) return true;
    if (rid == *last) return *last_of;
    as_key_t k = {.n = 0};
    as_key_be64(&k, rid);
    MDB_val key = as_key_val(&k), v;
    *last = rid;
    *last_of = mdb_get(rd->txn, rd->store->rids, &key, &v) == 0 && v.mv_size == f->assessment_len &&
               memcmp(v.mv_data, f->assessment, v.mv_size) == 0;
    return *last_of;
}

as_code_t as_lmdb_store_grade_list(as_reader_t *rd, const as_grade_filter_t *f,
                                   const as_grade_row_t *after, uint32_t limit, as_grade_row_fn fn,
                                   void *arg, uint64_t *total, bool *more, as_err_t *err)
{
    as_store_t *st = rd->store;
    *total = 0;
    *more = false;
    as_key_t start = {.n = 0}, from = {.n = 0};
    if (f->rid) as_key_be64(&start, f->rid);
    if (after) { /* the cursor: rows after it are given, every row counted */
        s_key(&from, after->rid, after->item, after->item_len);
        as_key_add(&from, after->g.rater, after->g.rater_len);
    }
    MDB_cursor *cur;
    int rc = mdb_cursor_open(rd->txn, st->grades, &cur);
    if (rc) return as_store_mdb(st, rc, err, "list grades");
    MDB_val key = as_key_val(&start), v;
    uint64_t last = 0;
    bool last_of = false;
    uint32_t given = 0;
    for (rc = mdb_cursor_get(cur, &key, &v, start.n ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
        const uint8_t *kb = key.mv_data;
        if (key.mv_size < 10 || (f->rid && memcmp(kb, start.b, 8) != 0)) break;
        uint64_t rid = as_key_get64(kb);
        const uint8_t *item = kb + 8, *sep = memchr(item, 0, key.mv_size - 8);
        if (!sep) continue;
        const char *rater = (const char *)sep + 1;
        size_t rater_len = key.mv_size - (size_t)(sep + 1 - kb);
        if ((f->rater && (rater_len != f->rater_len || memcmp(rater, f->rater, rater_len))) ||
            !s_of(rd, rid, f, &last, &last_of))
            continue;
        as_grade_row_t row = {
            .rid = rid, .item = (const char *)item, .item_len = (uint32_t)(sep - item)};
        if (!s_grade(rater, rater_len, &v, &row.g)) continue;
        ++*total;
        size_t cmp = key.mv_size < from.n ? key.mv_size : from.n;
        int order = memcmp(kb, from.b, cmp);
        if (after && (order < 0 || (order == 0 && key.mv_size <= from.n))) continue;
        if (given == limit) {
            *more = true;
            continue; /* (counted) */
        }
        fn(arg, &row);
        given++;
    }
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(st, rc, err, "list grades") : AS_OK;
}

/* ---- agreement counts: [assessment, 0, item, 0, key] -> n native int64 ---- */

#define S_MAX_COUNTS (AS_AGREE_MAX_POINTS * AS_AGREE_MAX_POINTS)

static bool s_counts_key(uint8_t *b, size_t cap, size_t *n, const char *a, uint32_t alen,
                         const char *item, uint32_t ilen, const char *key, uint32_t klen)
{
    *n = (size_t)alen + 1 + ilen + 1 + klen;
    if (*n > cap) return false;
    memcpy(b, a, alen);
    b[alen] = 0;
    memcpy(b + alen + 1, item, ilen);
    b[alen + 1 + ilen] = 0;
    memcpy(b + alen + 2 + ilen, key, klen);
    return true;
}

as_code_t as_lmdb_store_grade_counts_add(as_wtxn_t *w, const char *a, uint32_t alen,
                                         const char *item, uint32_t ilen, const char *key,
                                         uint32_t klen, const int64_t *delta, uint32_t n,
                                         as_err_t *err)
{
    as_store_t *st = w->store;
    uint8_t kb[AS_MAX_ID * 2 + AS_AGREE_KEY_MAX + 2];
    size_t kn;
    if (n > S_MAX_COUNTS || !s_counts_key(kb, sizeof kb, &kn, a, alen, item, ilen, key, klen))
        return as_err_set(err, AS_INTERNAL, "agreement counts: key or vector too long");
    MDB_val k = {kn, kb}, v;
    int64_t *sum = malloc(n * sizeof *sum);
    if (!sum) return as_err_set(err, AS_INTERNAL, "out of memory");
    int rc = mdb_get(w->txn, st->grade_counts, &k, &v);
    if (rc == 0 && v.mv_size == n * sizeof *sum)
        memcpy(sum, v.mv_data, v.mv_size);
    else
        memset(sum, 0, n * sizeof *sum);
    if (rc && rc != MDB_NOTFOUND) {
        free(sum);
        return as_store_mdb(st, rc, err, "read agreement counts");
    }
    for (uint32_t i = 0; i < n; i++)
        sum[i] += delta[i];
    v = (MDB_val){n * sizeof *sum, sum};
    rc = mdb_put(w->txn, st->grade_counts, &k, &v, 0);
    free(sum);
    return rc ? as_store_mdb(st, rc, err, "store agreement counts") : AS_OK;
}

as_code_t as_lmdb_store_grade_counts(as_reader_t *rd, const char *a, uint32_t alen,
                                     const char *item, uint32_t ilen, as_counts_fn fn, void *arg,
                                     as_err_t *err)
{
    as_store_t *st = rd->store;
    uint8_t kb[AS_MAX_ID * 2 + 2];
    size_t kn;
    if (!s_counts_key(kb, sizeof kb, &kn, a, alen, item, ilen, "", 0))
        return as_err_set(err, AS_BAD_REQUEST, "agreement counts: ids too long");
    MDB_cursor *cur;
    int rc = mdb_cursor_open(rd->txn, st->grade_counts, &cur);
    if (rc) return as_store_mdb(st, rc, err, "read agreement counts");
    MDB_val key = {kn, kb}, v;
    int64_t *counts = malloc(S_MAX_COUNTS * sizeof *counts); /* (LMDB's values are not aligned) */
    if (!counts) {
        mdb_cursor_close(cur);
        return as_err_set(err, AS_INTERNAL, "out of memory");
    }
    for (rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE);
         rc == 0 && key.mv_size > kn && memcmp(key.mv_data, kb, kn) == 0;
         rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
        uint32_t n = (uint32_t)(v.mv_size / sizeof *counts);
        if (n > S_MAX_COUNTS) continue;
        memcpy(counts, v.mv_data, n * sizeof *counts);
        fn(arg, (const char *)key.mv_data + kn, (uint32_t)(key.mv_size - kn), counts, n);
    }
    free(counts);
    mdb_cursor_close(cur);
    return rc && rc != MDB_NOTFOUND ? as_store_mdb(st, rc, err, "read agreement counts") : AS_OK;
}
