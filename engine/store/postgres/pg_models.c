/* pg_models.c — deep knowledge tracing models and learners' states of them in PostgreSQL (pg.h),
 * as the LMDB store keeps them (lmdb/store_models.c):
 *
 *   models       (id) -> rec (as_model_rec_t), blob (the compiled model), source (as put)
 *   models_gone  (id) -> the last version and generation of a deleted model
 *   model_states (model, learner) -> one or two slots (store/model_slots.h)
 */
#include "model_slots.h"
#include "pg.h"
#include "pg_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_idz(const char *id, uint32_t len, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.*s", (int)len, id);
    return buf;
}

as_code_t as_pg_model_get(PGconn *c, const char *id, uint32_t len, as_model_rec_t *rec,
                          as_pg_bytes_fn blob, void *arg, as_err_t *err)
{
    char idz[AS_MAX_ID + 1];
    const char *p[1] = {s_idz(id, len, idz, sizeof idz)};
    PGresult *r;
    as_code_t qrc =
        as_pg_query(c, "SELECT rec, blob FROM models WHERE id = $1", 1, p, "read model", &r, err);
    if (qrc) return qrc;
    as_code_t rc = AS_OK;
    if (PQntuples(r) != 1)
        rc = as_err_set(err, AS_NOT_FOUND, "model \"%s\" not found", idz);
    else if ((size_t)PQgetlength(r, 0, 0) != sizeof *rec)
        rc = as_err_set(err, AS_INTERNAL, "model \"%s\": corrupt record", idz);
    if (!rc) {
        memcpy(rec, PQgetvalue(r, 0, 0), sizeof *rec);
        if (blob) blob(arg, PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
    }
    PQclear(r);
    return rc;
}

as_code_t as_pg_model_set(PGconn *c, const char *id, uint32_t len, const as_model_rec_t *rec,
                          as_err_t *err)
{
    char idz[AS_MAX_ID + 1];
    const char *p[2] = {s_idz(id, len, idz, sizeof idz), (const char *)rec};
    int lens[2] = {0, (int)sizeof *rec}, fmts[2] = {0, 1};
    return as_pg_run(c, "UPDATE models SET rec = $2 WHERE id = $1", 2, p, lens, fmts, "store model",
                     err);
}

as_code_t as_pg_model_put(PGconn *c, const char *id, uint32_t len, uint32_t kind, const void *blob,
                          size_t blob_len, const void *src, size_t src_len, as_model_rec_t *rec,
                          bool *created, as_err_t *err)
{
    char idz[AS_MAX_ID + 1];
    s_idz(id, len, idz, sizeof idz);
    as_err_t missing;
    as_code_t rc = as_pg_model_get(c, id, len, rec, NULL, NULL, &missing);
    if (rc && rc != AS_NOT_FOUND) {
        *err = missing;
        return rc;
    }
    *created = rc == AS_NOT_FOUND;
    const char *p[4] = {idz, NULL, NULL, NULL};
    if (*created) { /* versions and generations go on from a deleted model of this id */
        PGresult *r;
        as_code_t qrc = as_pg_query(c, "SELECT version, gen FROM models_gone WHERE id = $1", 1, p,
                                    "read model", &r, err);
        if (qrc) return qrc;
        *rec = (as_model_rec_t){0};
        if (PQntuples(r) == 1) {
            rec->version = as_pg_get_int4(PQgetvalue(r, 0, 0));
            rec->last_gen = as_pg_get_int4(PQgetvalue(r, 0, 1));
        }
        PQclear(r);
    } else if ((rc = as_pg_run(c, "DELETE FROM model_states WHERE model = $1", 1, p, NULL, NULL,
                               "store model", err))) {
        return rc; /* a new version: states of the old one do not fit it */
    }
    as_model_rec_new_version(rec, kind);
    p[1] = (const char *)rec;
    p[2] = blob;
    p[3] = src;
    int lens[4] = {0, (int)sizeof *rec, (int)blob_len, (int)src_len}, fmts[4] = {0, 1, 1, 1};
    return as_pg_run(c,
                     "INSERT INTO models (id, rec, blob, source) VALUES ($1, $2, $3, $4) ON "
                     "CONFLICT (id) DO UPDATE SET rec = EXCLUDED.rec, blob = EXCLUDED.blob, "
                     "source = EXCLUDED.source",
                     4, p, lens, fmts, "store model", err);
}

as_code_t as_pg_model_delete(PGconn *c, const char *id, uint32_t len, as_err_t *err)
{
    as_model_rec_t rec;
    as_code_t rc = as_pg_model_get(c, id, len, &rec, NULL, NULL, err);
    if (rc) return rc;
    char idz[AS_MAX_ID + 1], ver[16], gen[16];
    snprintf(ver, sizeof ver, "%u", rec.version);
    snprintf(gen, sizeof gen, "%u", rec.last_gen);
    const char *p[3] = {s_idz(id, len, idz, sizeof idz), ver, gen};
    rc = as_pg_run(c,
                   "INSERT INTO models_gone (id, version, gen) VALUES ($1, $2, $3) ON CONFLICT "
                   "(id) DO UPDATE SET version = EXCLUDED.version, gen = EXCLUDED.gen",
                   3, p, NULL, NULL, "delete model", err);
    if (!rc)
        rc = as_pg_run(c, "DELETE FROM model_states WHERE model = $1", 1, p, NULL, NULL,
                       "delete model", err);
    if (!rc)
        rc =
            as_pg_run(c, "DELETE FROM models WHERE id = $1", 1, p, NULL, NULL, "delete model", err);
    return rc;
}

/* The entry of (model, learner): the result (NULL when there is none). */
static as_code_t s_entry(PGconn *c, const char *model, uint32_t mlen, const char *learner,
                         uint32_t llen, PGresult **out, as_err_t *err)
{
    char m[AS_MAX_ID + 1], l[AS_MAX_NAME + 1];
    const char *p[2] = {s_idz(model, mlen, m, sizeof m), s_idz(learner, llen, l, sizeof l)};
    PGresult *r;
    as_code_t qrc =
        as_pg_query(c, "SELECT entry FROM model_states WHERE model = $1 AND learner = $2", 2, p,
                    "read model state", &r, err);
    if (qrc) return qrc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        r = NULL;
    }
    *out = r;
    return AS_OK;
}

as_code_t as_pg_model_state_get(PGconn *c, const char *model, uint32_t mlen, const char *learner,
                                uint32_t llen, uint32_t gen, uint32_t n_state, float *state,
                                uint32_t *steps, bool *found, as_err_t *err)
{
    PGresult *r;
    as_code_t rc = s_entry(c, model, mlen, learner, llen, &r, err);
    *found = false;
    if (rc || !r) return rc;
    const void *at;
    *found = as_state_slot_find(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), gen, n_state,
                                &at, steps);
    if (*found) memcpy(state, at, (size_t)n_state * 4);
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_model_state_put(PGconn *c, const char *model, uint32_t mlen, const char *learner,
                                uint32_t llen, as_model_rec_t *rec, uint32_t gen, uint32_t steps,
                                const float *state, bool *new_learner, as_err_t *err)
{
    PGresult *r;
    as_code_t rc = s_entry(c, model, mlen, learner, llen, &r, err);
    if (rc) return rc;
    *new_learner = r == NULL;
    uint8_t *entry = malloc(2 * as_state_slot_size(rec->n_state));
    if (!entry) {
        PQclear(r);
        return as_err_set(err, AS_INTERNAL, "out of memory");
    }
    size_t n = as_state_entry(r ? PQgetvalue(r, 0, 0) : NULL, r ? (size_t)PQgetlength(r, 0, 0) : 0,
                              rec, gen, steps, state, entry);
    PQclear(r);
    char m[AS_MAX_ID + 1], l[AS_MAX_NAME + 1];
    const char *p[3] = {s_idz(model, mlen, m, sizeof m), s_idz(learner, llen, l, sizeof l),
                        (const char *)entry};
    int lens[3] = {0, 0, (int)n}, fmts[3] = {0, 0, 1};
    rc = as_pg_run(c,
                   "INSERT INTO model_states (model, learner, entry) VALUES ($1, $2, $3) ON "
                   "CONFLICT (model, learner) DO UPDATE SET entry = EXCLUDED.entry",
                   3, p, lens, fmts, "store model state", err);
    free(entry);
    if (!rc && *new_learner) rec->learners++;
    return rc;
}

as_code_t as_pg_model_source(PGconn *c, const char *id, uint32_t len, as_pg_bytes_fn fn, void *arg,
                             as_err_t *err)
{
    char idz[AS_MAX_ID + 1];
    const char *p[1] = {s_idz(id, len, idz, sizeof idz)};
    PGresult *r;
    as_code_t rc =
        as_pg_query(c, "SELECT source FROM models WHERE id = $1", 1, p, "read model", &r, err);
    if (rc) return rc;
    if (PQntuples(r) == 1)
        fn(arg, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    else
        rc = as_err_set(err, AS_NOT_FOUND, "model \"%s\" not found", idz);
    PQclear(r);
    return rc;
}

as_code_t as_pg_model_list(PGconn *c, const char *after, uint32_t after_len, uint32_t limit,
                           as_model_fn fn, void *arg, uint64_t *total, bool *more, as_err_t *err)
{
    char from[AS_MAX_ID + 1], n[16];
    snprintf(from, sizeof from, "%.*s", (int)(after ? after_len : 0), after ? after : "");
    snprintf(n, sizeof n, "%llu", (unsigned long long)limit + 1);
    const char *p[2] = {from, n};
    PGresult *r;
    as_code_t rc = as_pg_query(c, "SELECT count(*) FROM models", 0, NULL, "count models", &r, err);
    if (rc) return rc;
    if (total) *total = as_pg_get_int8(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (more) *more = false;
    rc = as_pg_query(c, "SELECT id, rec, blob FROM models WHERE id > $1 ORDER BY id LIMIT $2", 2, p,
                     "list models", &r, err);
    if (rc) return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        if ((uint32_t)i == limit) {
            if (more) *more = true;
            break;
        }
        as_model_rec_t rec;
        if ((size_t)PQgetlength(r, i, 1) != sizeof rec) continue;
        memcpy(&rec, PQgetvalue(r, i, 1), sizeof rec);
        if (!fn(arg, PQgetvalue(r, i, 0), (uint32_t)PQgetlength(r, i, 0), &rec, PQgetvalue(r, i, 2),
                (size_t)PQgetlength(r, i, 2)))
            break;
    }
    PQclear(r);
    return AS_OK;
}
