/* pg_stats.c — the sufficient statistics behind assessment.report in PostgreSQL, kept by the
 * writer's batch (pg.h). The same arithmetic as the LMDB store's (lmdb/store_stats.c):
 *
 *   stats        (assessment, node) -> one engine's part of the sums: as_stats_sums_t (version,
 *                generation, n, sums per item)
 *   stats_latest (assessment, learner) -> the learner's latest attempt as counted: its rid,
 *                version, generation, total, item scores and answered flags
 *   stats_totals (assessment, version, generation, total, node) -> one engine's part of how
 *                many latest attempts have that total
 *
 * Each engine (node) writes only its own parts, and a read sums the parts of the newest
 * generation, so engines on one database never write one row. A part holds what its engine
 * changed: a learner's previous attempt counted by another engine is subtracted from this
 * engine's part (counts wrap as unsigned integers and sum right). With one engine the part is the
 * whole, in the same order as the LMDB store, so both give the same bits; with several the sums
 * are added in another order (exact for scores that are multiples of a power of two, such as
 * whole and half points).
 *
 * One file: the three tables' reads, the in-memory arithmetic and the writes back are one
 * transaction's steps over one set of rows; they are read together or not at all.
 *
 * A batch reads the rows it touches (the learners are locked: pg_store_batch.c), applies each
 * submission in memory (the learner's previous latest attempt subtracted when it counts, the new
 * one added; a new version or a regrade starts a new generation, numbered past every engine's),
 * then writes its engine's statistics row per assessment, the latest rows and the totals'
 * changes, each one statement over arrays, and drops its totals of older generations. The sums
 * are stored as the bytes of as_stats_sums_t (exact; every engine on one database is the same
 * build).
 */
#include "pg.h"
#include "pg_pipeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A learner's latest attempt as stored (the item scores and flags follow: k doubles, k bytes). */
typedef struct {
    uint64_t rid;
    uint32_t version, k, gen, pad;
    double total;
} s_latest_t;

typedef struct {
    const char *a, *l;
    uint32_t alen, llen;
    bool found, dirty;
    uint64_t latest_rid; /* the learner's latest stored response (0: none) */
    s_latest_t h;
    double *x;
    uint8_t *answered;
} s_learner_t;

typedef struct {
    double total;
    int64_t delta;
} s_total_t;

/* The generation a statistics row is of: its version, item count, generation and rebuilding job. */
typedef struct {
    uint32_t version, k, gen;
    uint64_t job;
} s_head_t;

typedef struct {
    const char *a;
    uint32_t alen;
    bool have; /* sums: this engine's part of the generation being counted */
    as_stats_sums_t *sums;
    size_t size;
    s_total_t *totals;
    uint32_t n_totals, cap_totals;
    s_head_t *heads; /* every engine's row as read: its generation */
    uint32_t n_heads;
} s_assessment_t;

struct as_pg_stats {
    const char *node; /* this engine: the parts it writes */
    s_assessment_t *as;
    uint32_t n_as;
    s_learner_t *ls;
    uint32_t n_ls;
    as_stats_sums_t **stored;  /* this engine's rows as read (NULL: none), by assessment */
    uint32_t from_as, from_ls; /* the entries the load in flight asks for: from these on */
};

as_pg_stats_t *as_pg_stats_new(const char *node)
{
    as_pg_stats_t *st = calloc(1, sizeof(as_pg_stats_t));
    if (st) st->node = node;
    return st;
}

static s_head_t s_head_of(const as_stats_sums_t *s)
{
    return (s_head_t){s->version, s->k, s->gen, s->job};
}

/* The newest generation of rows heads[0..n): the highest generation of any; of its rows, those of
 * `version` when there are any. Its job is the least of its rows' (each engine copied the job
 * when it started its part; only the job's own engine ends it, to 0). False when n is 0. */
static bool s_newest(const s_head_t *heads, uint32_t n, uint32_t version, s_head_t *h)
{
    if (!n) return false;
    uint32_t pick = 0;
    for (uint32_t i = 1; i < n; i++)
        if (heads[i].gen > heads[pick].gen ||
            (heads[i].gen == heads[pick].gen && heads[pick].version != version &&
             heads[i].version == version))
            pick = i;
    *h = heads[pick];
    for (uint32_t i = 0; i < n; i++)
        if (heads[i].gen == h->gen && heads[i].version == h->version && heads[i].k == h->k &&
            heads[i].job < h->job)
            h->job = heads[i].job;
    return true;
}

/* Assessment a's generation as the batch sees it: the one it counts in (changed by it), else the
 * newest as read. */
static bool s_current(const s_assessment_t *a, uint32_t version, s_head_t *h)
{
    if (a->have) {
        *h = s_head_of(a->sums);
        return true;
    }
    return s_newest(a->heads, a->n_heads, version, h);
}

void as_pg_stats_free(as_pg_stats_t **st_p)
{
    as_pg_stats_t *st = *st_p;
    if (!st) return;
    for (uint32_t i = 0; i < st->n_as; i++) {
        free(st->as[i].sums);
        free(st->as[i].totals);
        free(st->as[i].heads);
        free(st->stored ? st->stored[i] : NULL);
    }
    for (uint32_t i = 0; i < st->n_ls; i++) {
        free(st->ls[i].x);
        free(st->ls[i].answered);
    }
    free(st->as);
    free(st->ls);
    free(st->stored);
    free(st);
    *st_p = NULL;
}

static bool s_eq(const char *a, uint32_t alen, const char *b, uint32_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

as_code_t as_pg_stats_send_load(PGconn *c, as_pg_stats_t *st, const as_pg_subject_t *s, uint32_t n,
                                as_err_t *err)
{
    /* loads add to what earlier loads of the batch read (kept, with its changes): only the
     * assessments and learners not read yet are asked for */
    st->from_as = st->n_as;
    st->from_ls = st->n_ls;
    s_assessment_t *as = realloc(st->as, (st->n_as + n + 1) * sizeof *as);
    if (as) st->as = as;
    s_learner_t *ls = as ? realloc(st->ls, (st->n_ls + n + 1) * sizeof *ls) : NULL;
    if (ls) st->ls = ls;
    as_stats_sums_t **stored = ls ? realloc(st->stored, (st->n_as + n + 1) * sizeof *stored) : NULL;
    if (stored) st->stored = stored;
    if (!stored) return as_err_set(err, AS_INTERNAL, "out of memory");
    for (uint32_t i = st->n_as; i < st->n_as + n + 1; i++)
        st->stored[i] = NULL;
    for (uint32_t i = 0; i < n; i++) { /* the distinct assessments and (assessment, learner) */
        uint32_t j = 0;
        while (j < st->n_as &&
               !s_eq(st->as[j].a, st->as[j].alen, s[i].assessment, s[i].assessment_len))
            j++;
        if (j == st->n_as)
            st->as[st->n_as++] =
                (s_assessment_t){.a = s[i].assessment, .alen = s[i].assessment_len};
        for (j = 0; j < st->n_ls; j++)
            if (s_eq(st->ls[j].a, st->ls[j].alen, s[i].assessment, s[i].assessment_len) &&
                s_eq(st->ls[j].l, st->ls[j].llen, s[i].learner, s[i].learner_len))
                break;
        if (j == st->n_ls)
            st->ls[st->n_ls++] = (s_learner_t){.a = s[i].assessment,
                                               .alen = s[i].assessment_len,
                                               .l = s[i].learner,
                                               .llen = s[i].learner_len};
    }
    as_pg_arr_t b[3] = {{0}};
    as_pg_arr_begin(&b[0], AS_PG_TEXT, st->n_as - st->from_as);
    for (uint32_t i = st->from_as; i < st->n_as; i++)
        as_pg_arr_bytes(&b[0], st->as[i].a, st->as[i].alen);
    as_pg_arr_begin(&b[1], AS_PG_TEXT, st->n_ls - st->from_ls);
    as_pg_arr_begin(&b[2], AS_PG_TEXT, st->n_ls - st->from_ls);
    for (uint32_t i = st->from_ls; i < st->n_ls; i++) {
        as_pg_arr_bytes(&b[1], st->ls[i].a, st->ls[i].alen);
        as_pg_arr_bytes(&b[2], st->ls[i].l, st->ls[i].llen);
    }
    static const Oid t1[1] = {AS_PG_TEXT_ARR}, t2[2] = {AS_PG_TEXT_ARR, AS_PG_TEXT_ARR};
    bool sent = as_pg_send(c, "SELECT assessment, node, sums FROM stats WHERE assessment = ANY($1)",
                           1, t1, b) &&
                as_pg_send(c,
                           /* one index look-up per pair (pg_batch.c says why) */
                           "SELECT u.a, u.n, l.latest FROM unnest($1::text[], $2::text[]) AS "
                           "u(a, n), LATERAL (SELECT latest FROM stats_latest WHERE assessment = "
                           "u.a AND learner = u.n) AS l",
                           2, t2, b + 1) &&
                as_pg_send(c,
                           /* each learner's latest stored response (a regrade counts only it) */
                           "SELECT u.a, u.n, (SELECT max(rid) FROM responses WHERE assessment = "
                           "u.a AND learner = u.n) FROM unnest($1::text[], $2::text[]) AS u(a, n)",
                           2, t2, b + 1);
    for (int i = 0; i < 3; i++)
        free(b[i].p);
    return sent ? AS_OK : as_pg_fail(c, NULL, "send statistics' reads", err);
}

as_code_t as_pg_stats_recv_load(PGconn *c, as_pg_stats_t *st, as_err_t *err)
{
    PGresult *r = NULL;
    as_code_t rc = as_pg_recv(c, PGRES_TUPLES_OK, "read statistics", &r, err);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        const char *a = PQgetvalue(r, i, 0), *v = PQgetvalue(r, i, 2);
        uint32_t alen = (uint32_t)PQgetlength(r, i, 0);
        size_t len = (size_t)PQgetlength(r, i, 2);
        bool own = strcmp(PQgetvalue(r, i, 1), st->node) == 0;
        as_stats_sums_t h;
        if (len < sizeof h) continue;
        memcpy(&h, v, sizeof h);
        if (len != as_stats_sums_size(h.k)) continue;
        for (uint32_t j = st->from_as; j < st->n_as; j++) {
            s_assessment_t *x = &st->as[j];
            if (!s_eq(x->a, x->alen, a, alen)) continue;
            s_head_t *heads = realloc(x->heads, (x->n_heads + 1) * sizeof *heads);
            if (!heads || (own && !(st->stored[j] = malloc(len)))) {
                if (heads) x->heads = heads;
                rc = as_err_set(err, AS_INTERNAL, "out of memory");
                break;
            }
            x->heads = heads;
            x->heads[x->n_heads++] = s_head_of(&h);
            if (own) memcpy(st->stored[j], v, len);
        }
    }
    if (!rc) PQclear(r);
    r = NULL;
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "read latest attempts", &r, err);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        const char *a = PQgetvalue(r, i, 0), *l = PQgetvalue(r, i, 1), *v = PQgetvalue(r, i, 2);
        uint32_t alen = (uint32_t)PQgetlength(r, i, 0), llen = (uint32_t)PQgetlength(r, i, 1);
        size_t len = (size_t)PQgetlength(r, i, 2);
        for (uint32_t j = st->from_ls; j < st->n_ls; j++) {
            s_learner_t *x = &st->ls[j];
            if (!s_eq(x->a, x->alen, a, alen) || !s_eq(x->l, x->llen, l, llen)) continue;
            if (len < sizeof x->h) break;
            memcpy(&x->h, v, sizeof x->h);
            if (len != sizeof x->h + (size_t)x->h.k * (sizeof(double) + 1)) break;
            x->x = malloc((x->h.k ? x->h.k : 1) * sizeof(double));
            x->answered = malloc(x->h.k ? x->h.k : 1);
            if (!x->x || !x->answered) {
                rc = as_err_set(err, AS_INTERNAL, "out of memory");
                break;
            }
            memcpy(x->x, v + sizeof x->h, (size_t)x->h.k * sizeof(double));
            memcpy(x->answered, v + sizeof x->h + (size_t)x->h.k * sizeof(double), x->h.k);
            x->found = true;
        }
    }
    PQclear(r);
    r = NULL;
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "read the learners' latest responses", &r, err);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        if (PQgetisnull(r, i, 2)) continue;
        for (uint32_t j = st->from_ls; j < st->n_ls; j++)
            if (s_eq(st->ls[j].a, st->ls[j].alen, PQgetvalue(r, i, 0),
                     (uint32_t)PQgetlength(r, i, 0)) &&
                s_eq(st->ls[j].l, st->ls[j].llen, PQgetvalue(r, i, 1),
                     (uint32_t)PQgetlength(r, i, 1)))
                st->ls[j].latest_rid = as_pg_get_int8(PQgetvalue(r, i, 2));
    }
    PQclear(r);
    return rc;
}

/* Adds `delta` latest attempts with total `total` to assessment a's totals' changes. */
static bool s_total(s_assessment_t *a, double total, int64_t delta)
{
    for (uint32_t i = 0; i < a->n_totals; i++)
        if (a->totals[i].total == total) {
            a->totals[i].delta += delta;
            return true;
        }
    if (a->n_totals == a->cap_totals) {
        uint32_t cap = a->cap_totals ? 2 * a->cap_totals : 16;
        s_total_t *p = realloc(a->totals, cap * sizeof *p);
        if (!p) return false;
        a->totals = p;
        a->cap_totals = cap;
    }
    a->totals[a->n_totals++] = (s_total_t){total, delta};
    return true;
}

/* The loaded assessment a (length alen) and learner (NULL: not wanted) of the batch. */
static as_code_t s_find(as_pg_stats_t *st, const char *a, uint32_t alen, const char *learner,
                        uint32_t llen, uint32_t *ai, s_learner_t **l, as_err_t *err)
{
    for (*ai = 0; *ai < st->n_as && !s_eq(st->as[*ai].a, st->as[*ai].alen, a, alen); (*ai)++)
        ;
    if (l) {
        *l = NULL;
        for (uint32_t j = 0; j < st->n_ls && !*l; j++)
            if (s_eq(st->ls[j].a, st->ls[j].alen, a, alen) &&
                s_eq(st->ls[j].l, st->ls[j].llen, learner, llen))
                *l = &st->ls[j];
    }
    if (*ai == st->n_as || (l && !*l))
        return as_err_set(err, AS_INTERNAL, "statistics: a subject the batch did not load");
    return AS_OK;
}

bool as_pg_stats_loaded(as_pg_stats_t *st, const as_pg_subject_t *s)
{
    uint32_t ai;
    s_learner_t *l;
    as_err_t ignored;
    return s_find(st, s->assessment, s->assessment_len, s->learner, s->learner_len, &ai, &l,
                  &ignored) == AS_OK;
}

/* Assessment ai's statistics for table t's version, being changed: the batch's; or, when the
 * newest generation is of that version, this engine's part of it (its row when of that
 * generation, copied to be changed, else empty); else, or when restart, an empty part of a new
 * generation, past every engine's, `job` rebuilding it. */
static as_code_t s_sums(as_pg_stats_t *st, uint32_t ai, const as_table_t *t, bool restart,
                        uint64_t job, as_err_t *err)
{
    s_assessment_t *a = &st->as[ai];
    uint32_t k = t->hdr.n_items;
    s_head_t h;
    bool known = s_current(a, t->hdr.version, &h);
    bool current = known && h.version == t->hdr.version && h.k == k;
    if (a->have && current && !restart) return AS_OK;
    size_t size = as_stats_sums_size(k);
    as_stats_sums_t *sums = calloc(1, size);
    if (!sums) return as_err_set(err, AS_INTERNAL, "out of memory");
    const as_stats_sums_t *own = st->stored[ai];
    if (current && !restart) {
        if (own && own->version == h.version && own->k == k && own->gen == h.gen)
            memcpy(sums, own, size);
        sums->version = h.version;
        sums->k = k;
        sums->gen = h.gen;
        sums->job = h.job;
    } else {
        sums->version = t->hdr.version;
        sums->k = k;
        sums->gen = (known ? h.gen : 0) + 1;
        sums->job = job;
        a->n_totals = 0; /* (changes to the totals start from nothing in the new generation) */
    }
    free(a->sums);
    a->sums = sums;
    a->size = size;
    a->have = true;
    return AS_OK;
}

/* Counts the attempt (rid, x, answered, total) as learner l's latest in assessment a's sums. */
static as_code_t s_count(s_assessment_t *a, s_learner_t *l, uint64_t rid, const double *x,
                         const uint8_t *answered, double total, as_err_t *err)
{
    uint32_t k = a->sums->k;
    as_stats_sums_apply(a->sums, x, answered, total, +1);
    if (!s_total(a, total, +1)) return as_err_set(err, AS_INTERNAL, "out of memory");
    if (!l->x || l->h.k != k) {
        free(l->x);
        free(l->answered);
        l->x = malloc((k ? k : 1) * sizeof(double));
        l->answered = malloc(k ? k : 1);
        if (!l->x || !l->answered) return as_err_set(err, AS_INTERNAL, "out of memory");
    }
    memcpy(l->x, x, (size_t)k * sizeof(double));
    memcpy(l->answered, answered, k);
    l->h = (s_latest_t){
        .rid = rid, .version = a->sums->version, .k = k, .gen = a->sums->gen, .total = total};
    l->found = l->dirty = true;
    return AS_OK;
}

as_code_t as_pg_stats_add(as_pg_stats_t *st, const as_pg_subject_t *s, uint64_t rid,
                          const as_table_t *t, const double *x, const uint8_t *answered,
                          double total, as_err_t *err)
{
    uint32_t ai;
    s_learner_t *l;
    as_code_t rc =
        s_find(st, s->assessment, s->assessment_len, s->learner, s->learner_len, &ai, &l, err);
    if (!rc) rc = s_sums(st, ai, t, false, 0, err);
    if (rc) return rc;
    s_assessment_t *a = &st->as[ai];
    /* the learner's previous latest attempt, when it counts in these statistics */
    if (l->found && l->h.version == a->sums->version && l->h.gen == a->sums->gen &&
        l->h.k == a->sums->k) {
        as_stats_sums_apply(a->sums, l->x, l->answered, l->h.total, -1);
        if (!s_total(a, l->h.total, -1)) return as_err_set(err, AS_INTERNAL, "out of memory");
    }
    l->latest_rid = rid; /* (a regrade step later in the batch sees this submission) */
    return s_count(a, l, rid, x, answered, total, err);
}

as_code_t as_pg_stats_reset(as_pg_stats_t *st, const char *a, uint32_t alen, const as_table_t *t,
                            uint64_t job, uint32_t *gen, as_err_t *err)
{
    uint32_t ai;
    as_code_t rc = s_find(st, a, alen, NULL, 0, &ai, NULL, err);
    if (!rc) rc = s_sums(st, ai, t, true, job, err);
    *gen = rc ? 0 : st->as[ai].sums->gen;
    return rc;
}

as_code_t as_pg_stats_regraded(as_pg_stats_t *st, const as_pg_subject_t *s, uint64_t rid,
                               const as_table_t *t, uint32_t gen, const double *x,
                               const uint8_t *answered, double total, as_err_t *err)
{
    uint32_t ai;
    s_learner_t *l;
    as_code_t rc =
        s_find(st, s->assessment, s->assessment_len, s->learner, s->learner_len, &ai, &l, err);
    if (rc) return rc;
    s_assessment_t *a = &st->as[ai];
    s_head_t cur;
    /* counted only in the generation being rebuilt, and only the learner's latest attempt */
    if (!s_current(a, t->hdr.version, &cur) || cur.version != t->hdr.version ||
        cur.k != t->hdr.n_items || cur.gen != gen || l->latest_rid != rid)
        return AS_OK;
    if (l->found && l->h.rid == rid && l->h.version == cur.version && l->h.gen == gen)
        return AS_OK; /* counted already */
    if ((rc = s_sums(st, ai, t, false, 0, err))) return rc;
    return s_count(a, l, rid, x, answered, total, err);
}

as_code_t as_pg_stats_rebuilt(as_pg_stats_t *st, const as_table_t *t, uint64_t job, as_err_t *err)
{
    uint32_t ai;
    as_code_t rc =
        s_find(st, as_table_str(t, t->hdr.id_off), t->hdr.id_len, NULL, 0, &ai, NULL, err);
    if (rc) return rc;
    s_head_t cur;
    if (!s_current(&st->as[ai], t->hdr.version, &cur) || cur.version != t->hdr.version ||
        cur.k != t->hdr.n_items || cur.job != job)
        return AS_OK;
    if ((rc = s_sums(st, ai, t, false, 0, err))) return rc;
    st->as[ai].sums->job = 0;
    return AS_OK;
}

/* Sends one statement of the flush and counts it (the batch's commit reads its result). */
static as_code_t s_send(PGconn *c, const char *sql, int n, const Oid *types, const as_pg_arr_t *b,
                        const char *what, uint32_t *sent, as_err_t *err)
{
    if (!as_pg_send(c, sql, n, types, b)) return as_pg_fail(c, NULL, what, err);
    (*sent)++;
    return AS_OK;
}

as_code_t as_pg_stats_send_flush(PGconn *c, as_pg_stats_t *st, uint32_t *sent, as_err_t *err)
{
    *sent = 0;
    /* b[0]: the node, a text parameter (its bytes), $1 of the statements of this engine's
     * parts; b[1..5]: the arrays, begun again for each statement */
    as_pg_arr_t b[6] = {{0}};
    as_pg_arr_put(&b[0], st->node, strlen(st->node));
    as_code_t rc = AS_OK;
    static const Oid t3[3] = {AS_PG_TEXT, AS_PG_TEXT_ARR, AS_PG_BYTEA_ARR},
                     t6[6] = {AS_PG_TEXT,     AS_PG_TEXT_ARR,   AS_PG_INT4_ARR,
                              AS_PG_INT4_ARR, AS_PG_FLOAT8_ARR, AS_PG_INT8_ARR},
                     t4[4] = {AS_PG_TEXT, AS_PG_TEXT_ARR, AS_PG_INT4_ARR, AS_PG_INT4_ARR},
                     t3l[3] = {AS_PG_TEXT_ARR, AS_PG_TEXT_ARR, AS_PG_BYTEA_ARR};
    /* this engine's statistics rows, one per assessment */
    uint32_t n = 0;
    for (uint32_t i = 0; i < st->n_as; i++)
        n += st->as[i].have;
    if (n) {
        as_pg_arr_begin(&b[1], AS_PG_TEXT, n);
        as_pg_arr_begin(&b[2], AS_PG_BYTEA, n);
        for (uint32_t i = 0; i < st->n_as; i++) {
            if (!st->as[i].have) continue;
            as_pg_arr_bytes(&b[1], st->as[i].a, st->as[i].alen);
            as_pg_arr_bytes(&b[2], st->as[i].sums, st->as[i].size);
        }
        rc = s_send(c,
                    "INSERT INTO stats (assessment, node, sums) SELECT a, $1, s FROM "
                    "unnest($2::text[], $3::bytea[]) AS u(a, s) ON CONFLICT (assessment, node) "
                    "DO UPDATE SET sums = EXCLUDED.sums",
                    3, t3, b, "store statistics", sent, err);
    }
    /* its totals' changes, in the generation each assessment counts in */
    uint32_t nt = 0;
    for (uint32_t i = 0; i < st->n_as; i++)
        for (uint32_t j = 0; st->as[i].have && j < st->as[i].n_totals; j++)
            nt += st->as[i].totals[j].delta != 0;
    if (!rc && nt) {
        as_pg_arr_begin(&b[1], AS_PG_TEXT, nt);
        as_pg_arr_begin(&b[2], AS_PG_INT4, nt);
        as_pg_arr_begin(&b[3], AS_PG_INT4, nt);
        as_pg_arr_begin(&b[4], AS_PG_FLOAT8, nt);
        as_pg_arr_begin(&b[5], AS_PG_INT8, nt);
        for (uint32_t i = 0; i < st->n_as; i++)
            for (uint32_t j = 0; st->as[i].have && j < st->as[i].n_totals; j++) {
                if (!st->as[i].totals[j].delta) continue;
                as_pg_arr_bytes(&b[1], st->as[i].a, st->as[i].alen);
                as_pg_arr_int4(&b[2], st->as[i].sums->version);
                as_pg_arr_int4(&b[3], st->as[i].sums->gen);
                as_pg_arr_float8(&b[4], st->as[i].totals[j].total);
                as_pg_arr_int8(&b[5], (uint64_t)st->as[i].totals[j].delta);
            }
        rc = s_send(c,
                    "INSERT INTO stats_totals (assessment, node, version, gen, total, count) "
                    "SELECT a, $1, v, g, t, n FROM unnest($2::text[], $3::int4[], $4::int4[], "
                    "$5::float8[], $6::int8[]) AS u(a, v, g, t, n) ON CONFLICT (assessment, "
                    "version, gen, total, node) DO UPDATE SET count = stats_totals.count + "
                    "EXCLUDED.count",
                    6, t6, b, "store totals", sent, err);
    }
    /* its totals that count nothing, or of an older generation, dropped */
    if (!rc && n) {
        as_pg_arr_begin(&b[1], AS_PG_TEXT, n);
        as_pg_arr_begin(&b[2], AS_PG_INT4, n);
        as_pg_arr_begin(&b[3], AS_PG_INT4, n);
        for (uint32_t i = 0; i < st->n_as; i++) {
            if (!st->as[i].have) continue;
            as_pg_arr_bytes(&b[1], st->as[i].a, st->as[i].alen);
            as_pg_arr_int4(&b[2], st->as[i].sums->version);
            as_pg_arr_int4(&b[3], st->as[i].sums->gen);
        }
        rc = s_send(c,
                    "DELETE FROM stats_totals s USING unnest($2::text[], $3::int4[], $4::int4[]) "
                    "AS u(a, v, g) WHERE s.assessment = u.a AND s.node = $1 AND (s.count = 0 OR "
                    "s.version <> u.v OR s.gen <> u.g)",
                    4, t4, b, "drop empty and older totals", sent, err);
    }
    /* the learners' latest attempts */
    uint32_t nl = 0;
    for (uint32_t i = 0; i < st->n_ls; i++)
        nl += st->ls[i].dirty;
    if (!rc && nl) {
        as_pg_arr_begin(&b[1], AS_PG_TEXT, nl);
        as_pg_arr_begin(&b[2], AS_PG_TEXT, nl);
        as_pg_arr_begin(&b[3], AS_PG_BYTEA, nl);
        for (uint32_t i = 0; i < st->n_ls; i++) {
            s_learner_t *l = &st->ls[i];
            if (!l->dirty) continue;
            as_pg_arr_bytes(&b[1], l->a, l->alen);
            as_pg_arr_bytes(&b[2], l->l, l->llen);
            as_pg_arr_put32(&b[3], (int32_t)(sizeof l->h + (size_t)l->h.k * (sizeof(double) + 1)));
            as_pg_arr_put(&b[3], &l->h, sizeof l->h);
            as_pg_arr_put(&b[3], l->x, (size_t)l->h.k * sizeof(double));
            as_pg_arr_put(&b[3], l->answered, l->h.k);
        }
        rc = s_send(c,
                    "INSERT INTO stats_latest (assessment, learner, latest) SELECT * FROM "
                    "unnest($1::text[], $2::text[], $3::bytea[]) ON CONFLICT (assessment, "
                    "learner) DO UPDATE SET latest = EXCLUDED.latest",
                    3, t3l, b + 1, "store latest attempts", sent, err);
    }
    for (int i = 0; i < 6; i++)
        free(b[i].p);
    return rc;
}

as_code_t as_pg_stats_read(PGconn *c, const as_table_t *t, as_stats_sums_t **sums,
                           as_total_count_t **totals, size_t *n_totals, as_err_t *err)
{
    uint32_t k = t->hdr.n_items;
    size_t size = as_stats_sums_size(k);
    *sums = calloc(1, size);
    *totals = NULL;
    *n_totals = 0;
    if (!*sums) return as_err_set(err, AS_INTERNAL, "out of memory");
    (*sums)->version = t->hdr.version; /* none for this version: zero, of its shape */
    (*sums)->k = k;
    as_pg_arr_t b[3] = {{0}};
    as_pg_arr_begin(&b[0], AS_PG_TEXT, 1);
    as_pg_arr_bytes(&b[0], (const char *)t->base + t->hdr.id_off, t->hdr.id_len);
    static const Oid t1[1] = {AS_PG_TEXT_ARR}, t3[3] = {AS_PG_TEXT_ARR, AS_PG_INT4, AS_PG_INT4};
    PGresult *r = NULL;
    as_code_t rc = as_pg_exec_arrays(c, "SELECT sums FROM stats WHERE assessment = ANY($1)", 1, t1,
                                     b, PGRES_TUPLES_OK, "read statistics", &r, err);
    /* every engine's part: the newest generation's, when it is of this version, summed */
    int rows = rc ? 0 : PQntuples(r);
    s_head_t *heads = rows ? malloc((size_t)rows * sizeof *heads) : NULL, h;
    if (rows && !heads) rc = as_err_set(err, AS_INTERNAL, "out of memory");
    uint32_t n_heads = 0;
    for (int i = 0; !rc && i < rows; i++) {
        as_stats_sums_t x;
        size_t len = (size_t)PQgetlength(r, i, 0);
        if (len < sizeof x) continue;
        memcpy(&x, PQgetvalue(r, i, 0), sizeof x);
        if (len == as_stats_sums_size(x.k)) heads[n_heads++] = s_head_of(&x);
    }
    bool current = !rc && s_newest(heads, n_heads, t->hdr.version, &h) &&
                   h.version == t->hdr.version && h.k == k;
    free(heads);
    for (int i = 0; current && i < rows; i++) {
        const as_stats_sums_t *x = (const as_stats_sums_t *)(const void *)PQgetvalue(r, i, 0);
        as_stats_sums_t hx;
        if ((size_t)PQgetlength(r, i, 0) != size) continue;
        memcpy(&hx, x, sizeof hx);
        if (hx.version != h.version || hx.k != k || hx.gen != h.gen) continue;
        as_stats_sums_t *part = malloc(size); /* (the value's bytes may not be aligned) */
        if (!part) {
            rc = as_err_set(err, AS_INTERNAL, "out of memory");
            break;
        }
        memcpy(part, x, size);
        as_stats_sums_add(*sums, part);
        free(part);
    }
    if (current) {
        (*sums)->gen = h.gen;
        (*sums)->job = h.job;
    }
    PQclear(r);
    if (!rc && current) {
        as_pg_arr_put32(&b[1], (int32_t)h.version); /* (int4 parameters: 4 bytes, big-endian) */
        as_pg_arr_put32(&b[2], (int32_t)h.gen);
        rc = as_pg_exec_arrays(c,
                               "SELECT total, sum(count)::int8 FROM stats_totals WHERE "
                               "assessment = ANY($1) AND version = $2 AND gen = $3 GROUP BY total "
                               "HAVING sum(count) <> 0 ORDER BY total",
                               3, t3, b, PGRES_TUPLES_OK, "read totals", &r, err);
        int n = rc ? 0 : PQntuples(r);
        if (n && !(*totals = malloc((size_t)n * sizeof **totals)))
            rc = as_err_set(err, AS_INTERNAL, "out of memory");
        for (int i = 0; !rc && i < n; i++) {
            (*totals)[i].total = as_pg_get_float8(PQgetvalue(r, i, 0));
            (*totals)[i].count = as_pg_get_int8(PQgetvalue(r, i, 1));
        }
        if (!rc) *n_totals = (size_t)n;
        PQclear(r);
    }
    for (int i = 0; i < 3; i++)
        free(b[i].p);
    if (rc) {
        free(*sums);
        free(*totals);
        *sums = NULL;
        *totals = NULL;
    }
    return rc;
}
