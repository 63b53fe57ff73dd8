/* store_stats.c — the sufficient statistics behind assessment.report (see report.h), kept in the
 * submit's own transaction. Keys (only this file knows them):
 *   meta   "st:<assessment>"            -> as_stats_sums_t
 *   latest [assessment, 0, learner]     -> s_latest_t + x[k] + answered[k]
 *   totals [assessment, 0, ordered f64] -> uint64 count of latest attempts with that total
 */
#include "protocol.h"
#include "store_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A learner's latest attempt as counted in the statistics; x[k] and answered[k] follow. */
typedef struct {
    uint64_t rid;
    uint32_t version;
    uint32_t k;
    double total;
    uint32_t gen; /* the statistics generation it was counted in */
    uint32_t reserved;
} s_latest_t;

#define S_KEY_MAX (AS_MAX_ID + AS_MAX_NAME + 16)

static size_t s_prefix(uint8_t *b, const char *a, uint32_t alen)
{
    memcpy(b, a, alen);
    b[alen] = 0;
    return (size_t)alen + 1;
}

/* A double as 8 bytes whose byte order is the numbers' order. */
static void s_ordered(uint8_t *out, double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    u = (u >> 63) ? ~u : u | (1ull << 63);
    for (int i = 7; i >= 0; i--, u >>= 8)
        out[i] = (uint8_t)u;
}

static double s_unordered(const uint8_t *in)
{
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = (u << 8) | in[i];
    u = (u >> 63) ? u & ~(1ull << 63) : ~u;
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static int s_total_add(as_wtxn_t *w, const char *a, uint32_t alen, double total, int delta)
{
    uint8_t kb[S_KEY_MAX];
    size_t n = s_prefix(kb, a, alen);
    s_ordered(kb + n, total);
    MDB_val k = {n + 8, kb}, v;
    uint64_t count = 0;
    if (mdb_get(w->txn, w->store->totals, &k, &v) == 0 && v.mv_size == 8)
        memcpy(&count, v.mv_data, 8);
    count = delta > 0 ? count + 1 : count - 1;
    if (count == 0) return mdb_del(w->txn, w->store->totals, &k, NULL);
    v = (MDB_val){8, &count};
    return mdb_put(w->txn, w->store->totals, &k, &v, 0);
}

/* Deletes every totals entry of an assessment (statistics started afresh). */
static int s_totals_clear(as_wtxn_t *w, const char *a, uint32_t alen)
{
    uint8_t kb[S_KEY_MAX];
    size_t n = s_prefix(kb, a, alen);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(w->txn, w->store->totals, &cur);
    if (rc) return rc;
    MDB_val k = {n, kb}, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size != n + 8 || memcmp(k.mv_data, kb, n) != 0) break;
        if ((rc = mdb_cursor_del(cur, 0))) break;
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The statistics of one assessment being changed in a write transaction. */
typedef struct {
    as_wtxn_t *w;
    const char *a;
    uint32_t alen;
    uint32_t k;
    size_t size;
    uint8_t kb[3 + AS_MAX_ID];
    MDB_val key;
    as_stats_sums_t *sums;
} s_stats_t;

/* Loads the statistics of assessment a for table t. Returns 0 with *current telling whether the
 * stored ones are for t's version (else sums is zeroed, with the stored generation kept). */
static int s_load(s_stats_t *st, as_wtxn_t *w, const char *a, uint32_t alen, const as_table_t *t,
                  bool *current)
{
    st->w = w;
    st->a = a;
    st->alen = alen;
    st->k = t->hdr.n_items;
    st->size = as_stats_sums_size(st->k);
    memcpy(st->kb, "st:", 3);
    memcpy(st->kb + 3, a, alen);
    st->key = (MDB_val){3 + (size_t)alen, st->kb};
    st->sums = calloc(1, st->size);
    if (!st->sums) return ENOMEM;
    *current = false;
    MDB_val v;
    if (mdb_get(w->txn, w->store->meta, &st->key, &v) == 0 && v.mv_size >= sizeof *st->sums) {
        as_stats_sums_t hdr;
        memcpy(&hdr, v.mv_data, sizeof hdr);
        st->sums->gen = hdr.gen;
        *current = v.mv_size == st->size && hdr.version == t->hdr.version && hdr.k == st->k;
        if (*current) memcpy(st->sums, v.mv_data, st->size);
    }
    return 0;
}

/* Starts the statistics afresh for t's version: a new generation, no totals. */
static int s_restart(s_stats_t *st, const as_table_t *t, uint64_t job)
{
    uint32_t gen = st->sums->gen + 1;
    memset(st->sums, 0, st->size);
    st->sums->version = t->hdr.version;
    st->sums->k = st->k;
    st->sums->gen = gen;
    st->sums->job = job;
    return s_totals_clear(st->w, st->a, st->alen);
}

static int s_store(s_stats_t *st)
{
    MDB_val v = {st->size, st->sums};
    return mdb_put(st->w->txn, st->w->store->meta, &st->key, &v, 0);
}

static as_code_t s_done(s_stats_t *st, int rc, as_err_t *err)
{
    free(st->sums);
    if (rc == ENOMEM) return as_err_set(err, AS_INTERNAL, "out of memory");
    return rc ? as_store_mdb(st->w->store, rc, err, "update statistics") : AS_OK;
}

/* The learner's latest-attempt entry: its key, and (when present and of this layout and item
 * count) its header in *prev with x and answered pointing into the map. */
typedef struct {
    uint8_t kb[S_KEY_MAX];
    MDB_val key;
    size_t size;
    bool found;
    s_latest_t prev;
    const double *x; /* unaligned in the map: read with memcpy */
    const uint8_t *answered;
} s_latest_ref_t;

static void s_latest_find(s_latest_ref_t *l, as_wtxn_t *w, const as_subject_t *s, uint32_t k)
{
    size_t n = s_prefix(l->kb, s->assessment, s->assessment_len);
    memcpy(l->kb + n, s->learner, s->learner_len);
    l->key = (MDB_val){n + s->learner_len, l->kb};
    l->size = sizeof(s_latest_t) + (size_t)k * (sizeof(double) + 1);
    MDB_val v;
    l->found = mdb_get(w->txn, w->store->latest, &l->key, &v) == 0 && v.mv_size == l->size;
    if (l->found) {
        memcpy(&l->prev, v.mv_data, sizeof l->prev);
        l->found = l->prev.k == k;
        l->x = (const double *)(const void *)((const uint8_t *)v.mv_data + sizeof l->prev);
        l->answered = (const uint8_t *)v.mv_data + sizeof l->prev + (size_t)k * sizeof(double);
    }
}

/* Adds (sign +1) or subtracts (-1) one attempt: the sums and the totals' counts. */
static int s_apply(s_stats_t *st, const double *x, const uint8_t *answered, double total, int sign)
{
    as_stats_sums_apply(st->sums, x, answered, total, sign);
    return s_total_add(st->w, st->a, st->alen, total, sign);
}

/* Subtracts the learner's previous latest attempt when it counts in these statistics. */
static int s_subtract_prev(s_stats_t *st, const s_latest_ref_t *l)
{
    if (!l->found || l->prev.version != st->sums->version || l->prev.gen != st->sums->gen) return 0;
    double *px = malloc((size_t)st->k * sizeof(double));
    if (!px) return ENOMEM;
    memcpy(px, l->x, (size_t)st->k * sizeof(double));
    int rc = s_apply(st, px, l->answered, l->prev.total, -1);
    free(px);
    return rc;
}

/* Counts attempt rid as the learner's latest: adds it and records it in `latest`. */
static int s_count(s_stats_t *st, s_latest_ref_t *l, uint64_t rid, const double *x,
                   const uint8_t *answered, double total)
{
    int rc = s_apply(st, x, answered, total, +1);
    if (rc) return rc;
    uint8_t *buf = malloc(l->size);
    if (!buf) return ENOMEM;
    s_latest_t cur = {
        .rid = rid, .version = st->sums->version, .k = st->k, .total = total, .gen = st->sums->gen};
    memcpy(buf, &cur, sizeof cur);
    memcpy(buf + sizeof cur, x, (size_t)st->k * sizeof(double));
    memcpy(buf + sizeof cur + (size_t)st->k * sizeof(double), answered, st->k);
    MDB_val v = {l->size, buf};
    rc = mdb_put(st->w->txn, st->w->store->latest, &l->key, &v, 0);
    free(buf);
    return rc;
}

as_code_t as_lmdb_store_stats_update(as_wtxn_t *w, const as_subject_t *s, uint64_t rid,
                                     const as_table_t *t, const double *x, const uint8_t *answered,
                                     double total, as_err_t *err)
{
    s_stats_t st;
    bool current;
    int rc = s_load(&st, w, s->assessment, s->assessment_len, t, &current);
    if (!rc && !current) rc = s_restart(&st, t, 0);
    s_latest_ref_t l;
    if (!rc) {
        s_latest_find(&l, w, s, st.k);
        rc = s_subtract_prev(&st, &l);
    }
    if (!rc) rc = s_count(&st, &l, rid, x, answered, total);
    if (!rc) rc = s_store(&st);
    return s_done(&st, rc, err);
}

as_code_t as_lmdb_store_stats_reset(as_wtxn_t *w, const char *a, uint32_t alen, const as_table_t *t,
                                    uint64_t job, uint32_t *gen, as_err_t *err)
{
    s_stats_t st;
    bool current;
    int rc = s_load(&st, w, a, alen, t, &current);
    if (!rc) rc = s_restart(&st, t, job);
    if (!rc) rc = s_store(&st);
    *gen = rc ? 0 : st.sums->gen;
    return s_done(&st, rc, err);
}

as_code_t as_lmdb_store_stats_regraded(as_wtxn_t *w, const as_subject_t *s, uint64_t rid,
                                       const as_table_t *t, uint32_t gen, const double *x,
                                       const uint8_t *answered, double total, as_err_t *err)
{
    s_stats_t st;
    bool current;
    int rc = s_load(&st, w, s->assessment, s->assessment_len, t, &current);
    if (rc || !current || st.sums->gen != gen || !as_store_is_latest(w, s, rid))
        return s_done(&st, rc, err);
    s_latest_ref_t l;
    s_latest_find(&l, w, s, st.k);
    if (l.found && l.prev.rid == rid && l.prev.version == st.sums->version && l.prev.gen == gen)
        return s_done(&st, 0, err); /* counted already */
    rc = s_count(&st, &l, rid, x, answered, total);
    if (!rc) rc = s_store(&st);
    return s_done(&st, rc, err);
}

as_code_t as_lmdb_store_stats_rebuilt(as_wtxn_t *w, const as_table_t *t, uint64_t job,
                                      as_err_t *err)
{
    s_stats_t st;
    bool current;
    const char *a = as_table_str(t, t->hdr.id_off);
    int rc = s_load(&st, w, a, t->hdr.id_len, t, &current);
    if (!rc && current && st.sums->job == job) {
        st.sums->job = 0;
        rc = s_store(&st);
    }
    return s_done(&st, rc, err);
}

as_code_t as_lmdb_store_stats_read(as_reader_t *rd, const as_table_t *t, as_stats_sums_t **out,
                                   as_total_count_t **totals_out, size_t *n_totals, as_err_t *err)
{
    as_store_t *st = rd->store;
    uint32_t k = t->hdr.n_items;
    size_t size = as_stats_sums_size(k);
    const char *a = as_table_str(t, t->hdr.id_off);
    uint32_t alen = t->hdr.id_len;
    as_stats_sums_t *sums = calloc(1, size);
    *out = NULL;
    *totals_out = NULL;
    *n_totals = 0;
    if (!sums) return as_err_set(err, AS_INTERNAL, "out of memory");
    sums->version = t->hdr.version;
    sums->k = k;
    uint8_t kb[S_KEY_MAX];
    memcpy(kb, "st:", 3);
    memcpy(kb + 3, a, alen);
    MDB_val key = {3 + (size_t)alen, kb}, v;
    bool current = false;
    if (mdb_get(rd->txn, st->meta, &key, &v) == 0 && v.mv_size == size) {
        as_stats_sums_t hdr;
        memcpy(&hdr, v.mv_data, sizeof hdr);
        current = hdr.version == t->hdr.version && hdr.k == k;
        if (current) memcpy(sums, v.mv_data, size);
    }
    /* the distinct totals, when the statistics are for this version */
    size_t cap = 0, n = 0;
    as_total_count_t *totals = NULL;
    if (current) {
        size_t pn = s_prefix(kb, a, alen);
        MDB_cursor *cur;
        int rc = mdb_cursor_open(rd->txn, st->totals, &cur);
        if (rc) {
            free(sums);
            return as_store_mdb(st, rc, err, "report");
        }
        key = (MDB_val){pn, kb};
        for (rc = mdb_cursor_get(cur, &key, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &key, &v, MDB_NEXT)) {
            if (key.mv_size != pn + 8 || memcmp(key.mv_data, kb, pn) != 0) break;
            if (n == cap) {
                cap = cap ? cap * 2 : 64;
                as_total_count_t *grown = realloc(totals, cap * sizeof *totals);
                if (!grown) break;
                totals = grown;
            }
            totals[n].total = s_unordered((const uint8_t *)key.mv_data + pn);
            memcpy(&totals[n].count, v.mv_data, 8);
            n++;
        }
        mdb_cursor_close(cur);
    }
    *out = sums;
    *totals_out = totals;
    *n_totals = n;
    return AS_OK;
}
