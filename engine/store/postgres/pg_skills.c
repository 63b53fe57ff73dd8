/* pg_skills.c — skills in PostgreSQL (pg.h): their records (as_skill_t: BKT parameters and the
 * generations of their learners' states, as the LMDB store keeps them), the last generation of a
 * deleted skill (a skill put again under its id starts afresh), and which assessments name which
 * skills (kept by the catalog: pg_catalog.c), so that a skill in use is not deleted.
 *
 *   skills            (id) -> rec
 *   skill_gens        (id) -> last_gen of a deleted skill
 *   assessment_skills (assessment, skill)
 */
#include "pg.h"
#include "pg_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* id as a C string in buf (AS_MAX_ID + 1 bytes). */
static const char *s_idz(const char *id, uint32_t len, char *buf)
{
    snprintf(buf, AS_MAX_ID + 1, "%.*s", (int)len, id);
    return buf;
}

static as_code_t s_read(PGconn *c, const char *idz, as_skill_t *skill, bool *found, as_err_t *err)
{
    const char *p[1] = {idz};
    PGresult *r;
    as_code_t qrc =
        as_pg_query(c, "SELECT rec FROM skills WHERE id = $1", 1, p, "read skill", &r, err);
    if (qrc) return qrc;
    *found = PQntuples(r) == 1;
    as_code_t rc = AS_OK;
    if (*found && (size_t)PQgetlength(r, 0, 0) != sizeof *skill)
        rc = as_err_set(err, AS_INTERNAL, "skill \"%s\": corrupt record", idz);
    else if (*found)
        memcpy(skill, PQgetvalue(r, 0, 0), sizeof *skill);
    PQclear(r);
    return rc;
}

as_code_t as_pg_skill_get(PGconn *c, const char *id, uint32_t len, as_skill_t *skill, as_err_t *err)
{
    char idz[AS_MAX_ID + 1];
    snprintf(idz, sizeof idz, "%.*s", (int)len, id);
    bool found;
    as_code_t rc = s_read(c, idz, skill, &found, err);
    if (!rc && !found) rc = as_err_set(err, AS_NOT_FOUND, "skill \"%s\" not found", idz);
    return rc;
}

as_code_t as_pg_skill_set(PGconn *c, const char *id, uint32_t len, const as_skill_t *skill,
                          as_err_t *err)
{
    char idz[AS_MAX_ID + 1];
    snprintf(idz, sizeof idz, "%.*s", (int)len, id);
    const char *p[2] = {idz, (const char *)skill};
    int lens[2] = {0, (int)sizeof *skill}, fmts[2] = {0, 1};
    return as_pg_run(c,
                     "INSERT INTO skills (id, rec) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET "
                     "rec = EXCLUDED.rec",
                     2, p, lens, fmts, "store skill", err);
}

as_code_t as_pg_skill_put(PGconn *c, const char *id, uint32_t len, const as_bkt_params_t *params,
                          bool *created, as_err_t *err)
{
    char idz[AS_MAX_ID + 1];
    as_skill_t skill;
    bool found;
    as_code_t rc = s_read(c, s_idz(id, len, idz), &skill, &found, err);
    if (rc) return rc;
    *created = !found;
    if (*created) { /* generations go on from a deleted skill of this id: its states never count */
        const char *p[1] = {idz};
        PGresult *r;
        as_code_t qrc = as_pg_query(c, "SELECT last_gen FROM skill_gens WHERE id = $1", 1, p,
                                    "read skill", &r, err);
        if (qrc) return qrc;
        uint32_t last = PQntuples(r) ? as_pg_get_int4(PQgetvalue(r, 0, 0)) : 0;
        PQclear(r);
        skill = (as_skill_t){.live_gen = last + 1, .last_gen = last + 1};
    }
    skill.params = *params;
    return as_pg_skill_set(c, id, len, &skill, err);
}

as_code_t as_pg_skill_delete(PGconn *c, const char *id, uint32_t len, as_err_t *err)
{
    char idz[AS_MAX_ID + 1];
    as_skill_t skill;
    bool found;
    as_code_t rc = s_read(c, s_idz(id, len, idz), &skill, &found, err);
    if (rc) return rc;
    if (!found) return as_err_set(err, AS_NOT_FOUND, "skill \"%s\" not found", idz);
    const char *p[2] = {idz, NULL};
    PGresult *r = PQexecParams(c,
                               "SELECT assessment FROM assessment_skills WHERE skill = $1 "
                               "ORDER BY assessment LIMIT 1",
                               1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) return as_pg_fail(c, r, "delete skill", err);
    if (PQntuples(r) == 1) {
        rc = as_err_set(err, AS_CONFLICT,
                        "skill \"%s\" is used by assessment \"%s\": remove it from that "
                        "assessment's items first",
                        idz, PQgetvalue(r, 0, 0));
        PQclear(r);
        return rc;
    }
    PQclear(r);
    /* remember the generations given, so a skill put again under this id starts afresh */
    char gen[16];
    snprintf(gen, sizeof gen, "%u", skill.last_gen);
    p[1] = gen;
    rc = as_pg_run(c,
                   "INSERT INTO skill_gens (id, last_gen) VALUES ($1, $2) ON CONFLICT (id) DO "
                   "UPDATE SET last_gen = EXCLUDED.last_gen",
                   2, p, NULL, NULL, "delete skill", err);
    return rc ? rc
              : as_pg_run(c, "DELETE FROM skills WHERE id = $1", 1, p, NULL, NULL, "delete skill",
                          err);
}

as_code_t as_pg_skill_list(PGconn *c, const char *after, uint32_t after_len, uint32_t limit,
                           as_skill_fn fn, void *arg, uint64_t *total, bool *more, as_err_t *err)
{
    char from[AS_MAX_ID + 1], n[16];
    snprintf(from, sizeof from, "%.*s", (int)(after ? after_len : 0), after ? after : "");
    snprintf(n, sizeof n, "%llu", (unsigned long long)limit + 1);
    const char *p[2] = {from, n};
    PGresult *r = PQexec(c, "SELECT count(*) FROM skills");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) return as_pg_fail(c, r, "count skills", err);
    *total = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    /* ids in byte order (their column's collation is "C"), as the LMDB store lists them */
    r = PQexecParams(c, "SELECT id, rec FROM skills WHERE id > $1 ORDER BY id LIMIT $2", 2, NULL, p,
                     NULL, NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) return as_pg_fail(c, r, "list skills", err);
    *more = false;
    for (int i = 0; i < PQntuples(r); i++) {
        if ((uint32_t)i == limit) {
            *more = true;
            break;
        }
        as_skill_t skill;
        if ((size_t)PQgetlength(r, i, 1) != sizeof skill) continue;
        memcpy(&skill, PQgetvalue(r, i, 1), sizeof skill);
        fn(arg, PQgetvalue(r, i, 0), (uint32_t)PQgetlength(r, i, 0), &skill);
    }
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_skills_check(PGconn *c, const as_table_t *t, as_err_t *err)
{
    for (uint32_t i = 0; i < t->hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(t, i, &it);
        for (uint32_t j = 0; j < it.n_skills; j++) {
            uint32_t len;
            char idz[AS_MAX_ID + 1];
            const char *id = as_table_skill(t, &it, j, &len);
            as_skill_t skill;
            bool found;
            as_code_t rc = s_read(c, s_idz(id, len, idz), &skill, &found, err);
            if (rc) return rc;
            if (!found)
                return as_err_set(err, AS_BAD_REQUEST, "items[%u].skills[%u]: unknown skill \"%s\"",
                                  i, j, idz);
        }
    }
    return AS_OK;
}
