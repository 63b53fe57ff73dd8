/* pg_mastery.c — learners' mastery states in PostgreSQL, kept by the writer's batch (pg.h):
 *
 *   mastery (learner, skill) -> the entry, one or two slots as every backend keeps them
 *                               (store/mastery_slots.h)
 *
 * The batch reads the entries of the (learner, skill) pairs its submissions touch in one
 * statement over arrays (in its first round trip), the knowledge tracing step reads and writes
 * them in memory (as it does the LMDB store's, through the same slot code), and the entries
 * written go back in one upsert (in its second).
 */
#include "mastery_slots.h"
#include "pg.h"
#include "pg_pipeline.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *learner, *skill;
    uint32_t llen, slen;
    as_mslot_t slots[2];
    uint32_t n; /* slots held (0: no entry) */
    bool dirty;
} s_entry_t;

struct as_pg_mastery {
    s_entry_t *e;
    uint32_t n;
    uint32_t from; /* the entries the load in flight asks for: from this one on */
};

as_pg_mastery_t *as_pg_mastery_new(void)
{
    return calloc(1, sizeof(as_pg_mastery_t));
}

void as_pg_mastery_free(as_pg_mastery_t **m_p)
{
    if (!*m_p) return;
    free((*m_p)->e);
    free(*m_p);
    *m_p = NULL;
}

static s_entry_t *s_find(as_pg_mastery_t *m, const char *l, uint32_t llen, const char *s,
                         uint32_t slen)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (m->e[i].llen == llen && m->e[i].slen == slen && memcmp(m->e[i].learner, l, llen) == 0 &&
            memcmp(m->e[i].skill, s, slen) == 0)
            return &m->e[i];
    return NULL;
}

as_code_t as_pg_mastery_send_load(PGconn *c, as_pg_mastery_t *m, const as_pg_pair_t *pairs,
                                  uint32_t n, as_err_t *err)
{
    /* loads add to what earlier loads of the batch read (kept, with its changes) */
    s_entry_t *e = realloc(m->e, (m->n + n + 1) * sizeof *e);
    if (!e) return as_err_set(err, AS_INTERNAL, "out of memory");
    m->e = e;
    m->from = m->n;
    for (uint32_t i = 0; i < n; i++)
        if (!s_find(m, pairs[i].learner, pairs[i].learner_len, pairs[i].skill, pairs[i].skill_len))
            m->e[m->n++] = (s_entry_t){.learner = pairs[i].learner,
                                       .llen = pairs[i].learner_len,
                                       .skill = pairs[i].skill,
                                       .slen = pairs[i].skill_len};
    as_pg_arr_t a[2] = {{0}};
    as_pg_arr_begin(&a[0], AS_PG_TEXT, m->n - m->from);
    as_pg_arr_begin(&a[1], AS_PG_TEXT, m->n - m->from);
    for (uint32_t i = m->from; i < m->n; i++) {
        as_pg_arr_bytes(&a[0], m->e[i].learner, m->e[i].llen);
        as_pg_arr_bytes(&a[1], m->e[i].skill, m->e[i].slen);
    }
    static const Oid types[2] = {AS_PG_TEXT_ARR, AS_PG_TEXT_ARR};
    bool sent = as_pg_send(c,
                           /* one index look-up per pair (pg_batch.c says why) */
                           "SELECT u.l, u.s, m.slots FROM unnest($1::text[], $2::text[]) AS "
                           "u(l, s), LATERAL (SELECT slots FROM mastery WHERE learner = u.l AND "
                           "skill = u.s) AS m",
                           2, types, a);
    free(a[0].p);
    free(a[1].p);
    return sent ? AS_OK : as_pg_fail(c, NULL, "send mastery's read", err);
}

bool as_pg_mastery_loaded(as_pg_mastery_t *m, const char *learner, uint32_t llen, const char *skill,
                          uint32_t slen)
{
    return s_find(m, learner, llen, skill, slen) != NULL;
}

as_code_t as_pg_mastery_recv_load(PGconn *c, as_pg_mastery_t *m, as_err_t *err)
{
    PGresult *r = NULL;
    as_code_t rc = as_pg_recv(c, PGRES_TUPLES_OK, "read mastery", &r, err);
    for (int i = 0; !rc && i < PQntuples(r); i++) {
        s_entry_t *e = s_find(m, PQgetvalue(r, i, 0), (uint32_t)PQgetlength(r, i, 0),
                              PQgetvalue(r, i, 1), (uint32_t)PQgetlength(r, i, 1));
        size_t len = (size_t)PQgetlength(r, i, 2);
        if (!e || e < m->e + m->from || len > sizeof e->slots || len % sizeof(as_mslot_t)) continue;
        memcpy(e->slots, PQgetvalue(r, i, 2), len);
        e->n = (uint32_t)(len / sizeof(as_mslot_t));
    }
    if (!rc) PQclear(r);
    return rc;
}

as_code_t as_pg_mastery_get(as_pg_mastery_t *m, const char *learner, uint32_t llen,
                            const char *skill, uint32_t slen, const as_skill_t *sk, uint32_t gen,
                            as_mastery_t *out, bool *found, as_err_t *err)
{
    s_entry_t *e = s_find(m, learner, llen, skill, slen);
    if (!e) return as_err_set(err, AS_INTERNAL, "mastery: a pair the batch did not load");
    as_mslot_t slot;
    const as_mslot_t *at = as_mslot_find(e->slots, e->n * sizeof(as_mslot_t), gen, &slot);
    *found = at != NULL;
    as_mslot_state(at, sk, out);
    return AS_OK;
}

as_code_t as_pg_mastery_put(as_pg_mastery_t *m, const char *learner, uint32_t llen,
                            const char *skill, uint32_t slen, const as_skill_t *sk, uint32_t gen,
                            const as_mastery_t *state, as_err_t *err)
{
    s_entry_t *e = s_find(m, learner, llen, skill, slen);
    if (!e) return as_err_set(err, AS_INTERNAL, "mastery: a pair the batch did not load");
    as_mslot_t slots[2];
    e->n = (uint32_t)as_mslot_put(e->slots, e->n * sizeof(as_mslot_t), sk, gen, state, slots);
    memcpy(e->slots, slots, e->n * sizeof(as_mslot_t));
    e->dirty = true;
    return AS_OK;
}

as_code_t as_pg_mastery_send_flush(PGconn *c, as_pg_mastery_t *m, uint32_t *sent, as_err_t *err)
{
    *sent = 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->n; i++)
        n += m->e[i].dirty;
    if (!n) return AS_OK;
    as_pg_arr_t a[3] = {{0}};
    as_pg_arr_begin(&a[0], AS_PG_TEXT, n);
    as_pg_arr_begin(&a[1], AS_PG_TEXT, n);
    as_pg_arr_begin(&a[2], AS_PG_BYTEA, n);
    for (uint32_t i = 0; i < m->n; i++) {
        if (!m->e[i].dirty) continue;
        as_pg_arr_bytes(&a[0], m->e[i].learner, m->e[i].llen);
        as_pg_arr_bytes(&a[1], m->e[i].skill, m->e[i].slen);
        as_pg_arr_bytes(&a[2], m->e[i].slots, m->e[i].n * sizeof(as_mslot_t));
    }
    static const Oid types[3] = {AS_PG_TEXT_ARR, AS_PG_TEXT_ARR, AS_PG_BYTEA_ARR};
    bool ok = as_pg_send(c,
                         "INSERT INTO mastery (learner, skill, slots) SELECT * FROM "
                         "unnest($1::text[], $2::text[], $3::bytea[]) ON CONFLICT "
                         "(learner, skill) DO UPDATE SET slots = EXCLUDED.slots",
                         3, types, a);
    for (int i = 0; i < 3; i++)
        free(a[i].p);
    if (!ok) return as_pg_fail(c, NULL, "store mastery", err);
    *sent = 1;
    return AS_OK;
}

/* Calls fn with the live state of each row of r (skill, skill record, entry), skipping rows of
 * a deleted skill (no record) or without a live slot. */
static as_code_t s_live(PGresult *r, as_mastery_fn fn, void *arg)
{
    for (int i = 0; i < PQntuples(r); i++) {
        as_skill_t sk;
        if (PQgetisnull(r, i, 1) || (size_t)PQgetlength(r, i, 1) != sizeof sk) continue;
        memcpy(&sk, PQgetvalue(r, i, 1), sizeof sk);
        as_mslot_t slot;
        const as_mslot_t *at =
            as_mslot_find(PQgetvalue(r, i, 2), (size_t)PQgetlength(r, i, 2), sk.live_gen, &slot);
        if (!at) continue;
        as_mastery_t m;
        as_mslot_state(at, &sk, &m);
        fn(arg, PQgetvalue(r, i, 0), (uint32_t)PQgetlength(r, i, 0), &sk, &m);
    }
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_mastery_list(PGconn *c, const char *learner, uint32_t llen, as_mastery_fn fn,
                             void *arg, as_err_t *err)
{
    char l[AS_MAX_NAME + 1];
    snprintf(l, sizeof l, "%.*s", (int)llen, learner);
    const char *p[1] = {l};
    PGresult *r;
    as_code_t rc = as_pg_query(c,
                               "SELECT m.skill, s.rec, m.slots FROM mastery m JOIN skills s ON "
                               "s.id = m.skill WHERE m.learner = $1 ORDER BY m.skill COLLATE \"C\"",
                               1, p, "read mastery", &r, err);
    return rc ? rc : s_live(r, fn, arg);
}

as_code_t as_pg_mastery_scan(PGconn *c, const char *skill, uint32_t slen, as_mastery_fn fn,
                             void *arg, as_err_t *err)
{
    char s[AS_MAX_ID + 1];
    snprintf(s, sizeof s, "%.*s", (int)(skill ? slen : 0), skill ? skill : "");
    const char *p[1] = {s};
    PGresult *r;
    as_code_t rc = skill ? as_pg_query(c,
                                       "SELECT m.skill, s.rec, m.slots FROM mastery m JOIN skills "
                                       "s ON s.id = m.skill WHERE m.skill = $1",
                                       1, p, "read mastery", &r, err)
                         : as_pg_query(c,
                                       "SELECT m.skill, s.rec, m.slots FROM mastery m JOIN skills "
                                       "s ON s.id = m.skill",
                                       0, NULL, "read mastery", &r, err);
    return rc ? rc : s_live(r, fn, arg);
}
