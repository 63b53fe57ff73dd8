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

typedef struct {
    uint64_t rid;
    uint32_t version;
    uint32_t k;
    double total;
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

as_code_t as_store_stats_update(as_wtxn_t *w, const as_subject_t *s, const as_table_t *t,
                                const double *x, const uint8_t *answered, as_err_t *err)
{
    as_store_t *st = w->store;
    uint32_t k = t->hdr.n_items;
    size_t size = as_stats_sums_size(k);
    as_stats_sums_t *sums = calloc(1, size);
    uint8_t *latest = malloc(sizeof(s_latest_t) + (size_t)k * (sizeof(double) + 1));
    int rc = 0;
    if (!sums || !latest) {
        free(sums);
        free(latest);
        return as_err_set(err, AS_INTERNAL, "out of memory");
    }
    /* the statistics, or a fresh start for this version */
    uint8_t kb[S_KEY_MAX];
    memcpy(kb, "st:", 3);
    memcpy(kb + 3, s->assessment, s->assessment_len);
    MDB_val sk = {3 + (size_t)s->assessment_len, kb}, v;
    bool fresh = true;
    if (mdb_get(w->txn, st->meta, &sk, &v) == 0 && v.mv_size == size) {
        memcpy(sums, v.mv_data, size);
        fresh = sums->version != t->hdr.version || sums->k != k;
    }
    if (fresh) {
        memset(sums, 0, size);
        sums->version = t->hdr.version;
        sums->k = k;
        rc = s_totals_clear(w, s->assessment, s->assessment_len);
    }
    /* the learner's previous latest attempt, when it counts in these statistics */
    uint8_t lk[S_KEY_MAX];
    size_t ln = s_prefix(lk, s->assessment, s->assessment_len);
    memcpy(lk + ln, s->learner, s->learner_len);
    MDB_val lkey = {ln + s->learner_len, lk};
    size_t lsize = sizeof(s_latest_t) + (size_t)k * (sizeof(double) + 1);
    if (!rc && mdb_get(w->txn, st->latest, &lkey, &v) == 0 && v.mv_size == lsize) {
        s_latest_t prev;
        memcpy(&prev, v.mv_data, sizeof prev);
        if (prev.version == t->hdr.version && prev.k == k && !fresh) {
            memcpy(latest, v.mv_data, lsize);
            double *px = malloc((size_t)k * sizeof(double));
            if (!px) rc = ENOMEM;
            if (px) {
                memcpy(px, latest + sizeof prev, (size_t)k * sizeof(double));
                as_stats_sums_apply(sums, px, latest + sizeof prev + (size_t)k * sizeof(double),
                                    -1);
                free(px);
                rc = s_total_add(w, s->assessment, s->assessment_len, prev.total, -1);
            }
        }
    }
    /* this attempt */
    double total = 0;
    for (uint32_t i = 0; i < k; i++)
        total += x[i];
    if (!rc) {
        as_stats_sums_apply(sums, x, answered, +1);
        rc = s_total_add(w, s->assessment, s->assessment_len, total, +1);
    }
    if (!rc) {
        s_latest_t cur = {.version = t->hdr.version, .k = k, .total = total};
        memcpy(latest, &cur, sizeof cur);
        memcpy(latest + sizeof cur, x, (size_t)k * sizeof(double));
        memcpy(latest + sizeof cur + (size_t)k * sizeof(double), answered, k);
        v = (MDB_val){lsize, latest};
        rc = mdb_put(w->txn, st->latest, &lkey, &v, 0);
    }
    if (!rc) {
        v = (MDB_val){size, sums};
        rc = mdb_put(w->txn, st->meta, &sk, &v, 0);
    }
    free(sums);
    free(latest);
    if (rc == ENOMEM) return as_err_set(err, AS_INTERNAL, "out of memory");
    return rc ? as_store_mdb(st, rc, err, "update statistics") : AS_OK;
}

as_code_t as_store_stats_read(as_reader_t *rd, const as_table_t *t, as_stats_sums_t **out,
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
