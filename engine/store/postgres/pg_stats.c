/* pg_stats.c — the sufficient statistics behind assessment.report in PostgreSQL, kept by the
 * writer's batch (pg.h). The same arithmetic as the LMDB store's (lmdb/store_stats.c), in the
 * same order, so both give the same bits:
 *
 *   stats        (assessment) -> sums: as_stats_sums_t (version, generation, n, sums per item)
 *   stats_latest (assessment, learner) -> the learner's latest attempt as counted: its rid,
 *                version, generation, total, item scores and answered flags
 *   stats_totals (assessment, total) -> how many latest attempts have that total
 *
 * A batch reads the rows it touches (the statistics rows locked), applies each submission in
 * memory (the learner's previous latest attempt subtracted when it counts, the new one added; a
 * new version starts a new generation), then writes one statistics row per assessment, the
 * latest rows and the totals' changes, each one statement over arrays. The sums are stored as the
 * bytes of as_stats_sums_t (exact; every engine on one database is the same build).
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

typedef struct {
    const char *a;
    uint32_t alen;
    bool loaded; /* the stored row was read (it may not exist) */
    bool have;   /* sums are for the version being counted */
    bool restart;
    as_stats_sums_t *sums;
    size_t size;
    s_total_t *totals;
    uint32_t n_totals, cap_totals;
} s_assessment_t;

struct as_pg_stats {
    s_assessment_t *as;
    uint32_t n_as;
    s_learner_t *ls;
    uint32_t n_ls;
    as_stats_sums_t **stored;  /* the rows as read (NULL: none), by assessment */
    uint32_t from_as, from_ls; /* the entries the load in flight asks for: from these on */
};

as_pg_stats_t *as_pg_stats_new(void)
{
    return calloc(1, sizeof(as_pg_stats_t));
}

void as_pg_stats_free(as_pg_stats_t **st_p)
{
    as_pg_stats_t *st = *st_p;
    if (!st) return;
    for (uint32_t i = 0; i < st->n_as; i++) {
        free(st->as[i].sums);
        free(st->as[i].totals);
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
    bool sent = as_pg_send(c,
                           "SELECT assessment, sums FROM stats WHERE assessment = ANY($1) "
                           "FOR UPDATE",
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
        const char *a = PQgetvalue(r, i, 0);
        uint32_t alen = (uint32_t)PQgetlength(r, i, 0);
        size_t len = (size_t)PQgetlength(r, i, 1);
        for (uint32_t j = st->from_as; j < st->n_as; j++) {
            if (!s_eq(st->as[j].a, st->as[j].alen, a, alen)) continue;
            if (len >= sizeof(as_stats_sums_t) && (st->stored[j] = malloc(len)))
                memcpy(st->stored[j], PQgetvalue(r, i, 1), len);
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

/* Assessment ai's statistics for table t's version, being changed: the batch's, or the stored
 * ones when they are of that version (copied to be changed); else, or when restart, new ones of
 * the next generation (the stored totals to be cleared), `job` rebuilding them. */
static as_code_t s_sums(as_pg_stats_t *st, uint32_t ai, const as_table_t *t, bool restart,
                        uint64_t job, as_err_t *err)
{
    s_assessment_t *a = &st->as[ai];
    uint32_t k = t->hdr.n_items;
    const as_stats_sums_t *from = a->have ? a->sums : st->stored[ai];
    bool current = from && from->version == t->hdr.version && from->k == k;
    if (a->have && current && !restart) return AS_OK;
    size_t size = as_stats_sums_size(k);
    as_stats_sums_t *sums = calloc(1, size);
    if (!sums) return as_err_set(err, AS_INTERNAL, "out of memory");
    if (current && !restart) {
        memcpy(sums, from, size);
    } else {
        sums->version = t->hdr.version;
        sums->k = k;
        sums->gen = (from ? from->gen : 0) + 1;
        sums->job = job;
        a->restart = true;
        a->n_totals = 0; /* (the stored totals are cleared: changes start from nothing) */
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
    const as_stats_sums_t *cur = a->have ? a->sums : st->stored[ai];
    /* counted only in the generation being rebuilt, and only the learner's latest attempt */
    if (!cur || cur->version != t->hdr.version || cur->k != t->hdr.n_items || cur->gen != gen ||
        l->latest_rid != rid)
        return AS_OK;
    if (l->found && l->h.rid == rid && l->h.version == cur->version && l->h.gen == gen)
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
    const as_stats_sums_t *cur = st->as[ai].have ? st->as[ai].sums : st->stored[ai];
    if (!cur || cur->version != t->hdr.version || cur->k != t->hdr.n_items || cur->job != job)
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
    as_pg_arr_t b[3] = {{0}};
    as_code_t rc = AS_OK;
    static const Oid t2[2] = {AS_PG_TEXT_ARR, AS_PG_BYTEA_ARR},
                     t3[3] = {AS_PG_TEXT_ARR, AS_PG_FLOAT8_ARR, AS_PG_INT8_ARR},
                     t3l[3] = {AS_PG_TEXT_ARR, AS_PG_TEXT_ARR, AS_PG_BYTEA_ARR},
                     t1[1] = {AS_PG_TEXT_ARR};
    /* the statistics rows, one per assessment, and a restart's totals cleared */
    uint32_t n = 0, n_restart = 0;
    for (uint32_t i = 0; i < st->n_as; i++) {
        n += st->as[i].have;
        n_restart += st->as[i].restart;
    }
    if (n_restart) {
        as_pg_arr_begin(&b[0], AS_PG_TEXT, n_restart);
        for (uint32_t i = 0; i < st->n_as; i++)
            if (st->as[i].restart) as_pg_arr_bytes(&b[0], st->as[i].a, st->as[i].alen);
        rc = s_send(c, "DELETE FROM stats_totals WHERE assessment = ANY($1)", 1, t1, b,
                    "clear totals", sent, err);
    }
    if (!rc && n) {
        as_pg_arr_begin(&b[0], AS_PG_TEXT, n);
        as_pg_arr_begin(&b[1], AS_PG_BYTEA, n);
        for (uint32_t i = 0; i < st->n_as; i++) {
            if (!st->as[i].have) continue;
            as_pg_arr_bytes(&b[0], st->as[i].a, st->as[i].alen);
            as_pg_arr_bytes(&b[1], st->as[i].sums, st->as[i].size);
        }
        rc = s_send(c,
                    "INSERT INTO stats (assessment, sums) SELECT * FROM unnest($1::text[], "
                    "$2::bytea[]) ON CONFLICT (assessment) DO UPDATE SET sums = EXCLUDED.sums",
                    2, t2, b, "store statistics", sent, err);
    }
    /* the totals' changes */
    uint32_t nt = 0;
    for (uint32_t i = 0; i < st->n_as; i++)
        for (uint32_t j = 0; j < st->as[i].n_totals; j++)
            nt += st->as[i].totals[j].delta != 0;
    if (!rc && nt) {
        as_pg_arr_begin(&b[0], AS_PG_TEXT, nt);
        as_pg_arr_begin(&b[1], AS_PG_FLOAT8, nt);
        as_pg_arr_begin(&b[2], AS_PG_INT8, nt);
        for (uint32_t i = 0; i < st->n_as; i++)
            for (uint32_t j = 0; j < st->as[i].n_totals; j++) {
                if (!st->as[i].totals[j].delta) continue;
                as_pg_arr_bytes(&b[0], st->as[i].a, st->as[i].alen);
                as_pg_arr_float8(&b[1], st->as[i].totals[j].total);
                as_pg_arr_int8(&b[2], (uint64_t)st->as[i].totals[j].delta);
            }
        rc = s_send(c,
                    "INSERT INTO stats_totals (assessment, total, count) SELECT * FROM "
                    "unnest($1::text[], $2::float8[], $3::int8[]) ON CONFLICT (assessment, total) "
                    "DO UPDATE SET count = stats_totals.count + EXCLUDED.count",
                    3, t3, b, "store totals", sent, err);
        if (!rc)
            rc = s_send(c, "DELETE FROM stats_totals WHERE assessment = ANY($1) AND count = 0", 1,
                        t1, b, "drop empty totals", sent, err);
    }
    /* the learners' latest attempts */
    uint32_t nl = 0;
    for (uint32_t i = 0; i < st->n_ls; i++)
        nl += st->ls[i].dirty;
    if (!rc && nl) {
        as_pg_arr_begin(&b[0], AS_PG_TEXT, nl);
        as_pg_arr_begin(&b[1], AS_PG_TEXT, nl);
        as_pg_arr_begin(&b[2], AS_PG_BYTEA, nl);
        for (uint32_t i = 0; i < st->n_ls; i++) {
            s_learner_t *l = &st->ls[i];
            if (!l->dirty) continue;
            as_pg_arr_bytes(&b[0], l->a, l->alen);
            as_pg_arr_bytes(&b[1], l->l, l->llen);
            as_pg_arr_put32(&b[2], (int32_t)(sizeof l->h + (size_t)l->h.k * (sizeof(double) + 1)));
            as_pg_arr_put(&b[2], &l->h, sizeof l->h);
            as_pg_arr_put(&b[2], l->x, (size_t)l->h.k * sizeof(double));
            as_pg_arr_put(&b[2], l->answered, l->h.k);
        }
        rc = s_send(c,
                    "INSERT INTO stats_latest (assessment, learner, latest) SELECT * FROM "
                    "unnest($1::text[], $2::text[], $3::bytea[]) ON CONFLICT (assessment, "
                    "learner) DO UPDATE SET latest = EXCLUDED.latest",
                    3, t3l, b, "store latest attempts", sent, err);
    }
    for (int i = 0; i < 3; i++)
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
    as_pg_arr_t b[1] = {{0}};
    as_pg_arr_begin(&b[0], AS_PG_TEXT, 1);
    as_pg_arr_bytes(&b[0], (const char *)t->base + t->hdr.id_off, t->hdr.id_len);
    static const Oid t1[1] = {AS_PG_TEXT_ARR};
    PGresult *r = NULL;
    as_code_t rc = as_pg_exec_arrays(c, "SELECT sums FROM stats WHERE assessment = ANY($1)", 1, t1,
                                     b, PGRES_TUPLES_OK, "read statistics", &r, err);
    bool current = false;
    if (!rc && PQntuples(r) == 1 && (size_t)PQgetlength(r, 0, 0) == size) {
        as_stats_sums_t h;
        memcpy(&h, PQgetvalue(r, 0, 0), sizeof h);
        current = h.version == t->hdr.version && h.k == k;
        if (current) memcpy(*sums, PQgetvalue(r, 0, 0), size);
    }
    PQclear(r);
    if (!rc && current) {
        rc = as_pg_exec_arrays(c,
                               "SELECT total, count FROM stats_totals WHERE assessment = ANY($1) "
                               "ORDER BY total",
                               1, t1, b, PGRES_TUPLES_OK, "read totals", &r, err);
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
    free(b[0].p);
    if (rc) {
        free(*sums);
        free(*totals);
        *sums = NULL;
        *totals = NULL;
    }
    return rc;
}
