/* pg_catalog.c — assessments in PostgreSQL (pg.h): each change in one transaction that takes the
 * next catalog position (the counter's row lock orders every catalog writer, so versions and
 * positions are assigned once) and notifies followers at commit. */
#include "pg.h"
#include "pg_array.h"

#include "table.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The catalog position the transaction takes (it locks the counter's row until it ends). */
static as_code_t s_next_seq(PGconn *c, uint64_t *seq, as_err_t *err)
{
    PGresult *r = PQexec(c, "UPDATE counters SET value = value + 1 WHERE name = 'catalog' "
                            "RETURNING value");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
        return as_pg_fail(c, r, "catalog position", err);
    *seq = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return AS_OK;
}

/* Which skills assessment idz names: replaced by those of its table (blob NULL: none). */
static as_code_t s_skills(PGconn *c, const char *idz, const uint8_t *blob, size_t blob_len,
                          as_err_t *err)
{
    const char *p[2] = {idz, NULL};
    PGresult *r = PQexecParams(c, "DELETE FROM assessment_skills WHERE assessment = $1", 1, NULL, p,
                               NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) return as_pg_fail(c, r, "assessment skills", err);
    PQclear(r);
    as_table_t t;
    as_err_t ignored;
    if (!blob || as_table_open(blob, blob_len, &t, &ignored)) return AS_OK;
    uint32_t n = 0;
    for (uint32_t i = 0; i < t.hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(&t, i, &it);
        n += it.n_skills;
    }
    if (!n) return AS_OK;
    as_pg_arr_t a = {0};
    as_pg_arr_begin(&a, AS_PG_TEXT, n);
    for (uint32_t i = 0; i < t.hdr.n_items; i++) {
        as_titem_t it;
        as_table_item(&t, i, &it);
        for (uint32_t j = 0; j < it.n_skills; j++) {
            uint32_t len;
            const char *sk = as_table_skill(&t, &it, j, &len);
            as_pg_arr_bytes(&a, sk, len);
        }
    }
    static const Oid types[2] = {AS_PG_TEXT, AS_PG_TEXT_ARR};
    as_pg_arr_t both[2] = {{.p = (char *)idz, .n = strlen(idz)}, a};
    as_code_t rc =
        as_pg_exec_arrays(c,
                          "INSERT INTO assessment_skills (assessment, skill) SELECT "
                          "DISTINCT $1::text, s FROM unnest($2::text[]) AS u(s)",
                          2, types, both, PGRES_COMMAND_OK, "assessment skills", NULL, err);
    free(a.p);
    return rc;
}

/* Ends the transaction: COMMIT when rc is AS_OK (its failure is the error: the change may or may
 * not be there, so never `ok`), else ROLLBACK and rc. */
static as_code_t s_end(PGconn *c, as_code_t rc, as_err_t *err)
{
    if (rc) {
        as_err_t ignored;
        as_pg_exec(c, "ROLLBACK", PGRES_COMMAND_OK, "rollback", &ignored);
        return rc;
    }
    rc = as_pg_exec(c, "COMMIT", PGRES_COMMAND_OK, "commit", err);
    if (rc == AS_INTERNAL) err->code = rc = AS_UNAVAILABLE; /* its outcome is not known */
    return rc;
}

static as_code_t s_notify(PGconn *c, uint64_t seq, as_err_t *err)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT pg_notify('assay_catalog', '%llu')", (unsigned long long)seq);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) return as_pg_fail(c, r, "notify", err);
    PQclear(r);
    return AS_OK;
}

as_code_t as_pg_catalog_put_in(PGconn *c, const char *id, uint32_t len, const void *src,
                               size_t src_len, uint8_t *blob, size_t blob_len, uint32_t *version,
                               uint64_t *seq, as_err_t *err)
{
    as_code_t rc = s_next_seq(c, seq, err);
    char idz[AS_MAX_ID + 1];
    snprintf(idz, sizeof idz, "%.*s", (int)len, id);
    if (!rc) {
        const char *p[1] = {idz};
        PGresult *r = PQexecParams(c, "SELECT last_version FROM assessments WHERE id = $1", 1, NULL,
                                   p, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            rc = as_pg_fail(c, r, "assessment version", err);
        } else {
            *version = PQntuples(r) ? (uint32_t)strtoul(PQgetvalue(r, 0, 0), NULL, 10) + 1 : 1;
            PQclear(r);
        }
    }
    if (!rc) {
        memcpy(blob + offsetof(as_thdr_t, version), version, sizeof *version);
        char ver[16], pos[24];
        snprintf(ver, sizeof ver, "%u", *version);
        snprintf(pos, sizeof pos, "%llu", (unsigned long long)*seq);
        const char *p[5] = {idz, ver, src, (const char *)blob, pos};
        int lens[5] = {0, 0, (int)src_len, (int)blob_len, 0}, fmts[5] = {0, 0, 1, 1, 0};
        PGresult *r = PQexecParams(
            c,
            "INSERT INTO assessments (id, last_version, version, source, blob, catalog_seq) "
            "VALUES ($1, $2, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET "
            "last_version = EXCLUDED.last_version, version = EXCLUDED.version, "
            "source = EXCLUDED.source, blob = EXCLUDED.blob, catalog_seq = EXCLUDED.catalog_seq",
            5, NULL, p, lens, fmts, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = as_pg_fail(c, r, "store assessment", err);
        else
            PQclear(r);
    }
    if (!rc) rc = s_skills(c, idz, blob, blob_len, err);
    if (!rc) rc = s_notify(c, *seq, err);
    return rc;
}

as_code_t as_pg_catalog_put(PGconn *c, const char *id, uint32_t len, const void *src,
                            size_t src_len, uint8_t *blob, size_t blob_len, uint32_t *version,
                            uint64_t *seq, as_err_t *err)
{
    as_code_t rc = as_pg_exec(c, "BEGIN", PGRES_COMMAND_OK, "begin", err);
    if (rc) return rc;
    rc = as_pg_catalog_put_in(c, id, len, src, src_len, blob, blob_len, version, seq, err);
    return s_end(c, rc, err);
}

as_code_t as_pg_catalog_delete_in(PGconn *c, const char *id, uint32_t len, uint64_t *seq,
                                  as_err_t *err)
{
    as_code_t rc = s_next_seq(c, seq, err);
    char idz[AS_MAX_ID + 1], pos[24];
    snprintf(idz, sizeof idz, "%.*s", (int)len, id);
    snprintf(pos, sizeof pos, "%llu", (unsigned long long)*seq);
    if (!rc) {
        const char *p[2] = {idz, pos};
        PGresult *r = PQexecParams(c,
                                   "UPDATE assessments SET version = NULL, source = NULL, "
                                   "blob = NULL, catalog_seq = $2 "
                                   "WHERE id = $1 AND version IS NOT NULL",
                                   2, NULL, p, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            rc = as_pg_fail(c, r, "delete assessment", err);
        } else {
            if (strcmp(PQcmdTuples(r), "1") != 0)
                rc = as_err_set(err, AS_NOT_FOUND, "assessment \"%s\" not found", idz);
            PQclear(r);
        }
    }
    if (!rc) rc = s_skills(c, idz, NULL, 0, err);
    if (!rc) rc = s_notify(c, *seq, err);
    return rc;
}

as_code_t as_pg_catalog_delete(PGconn *c, const char *id, uint32_t len, uint64_t *seq,
                               as_err_t *err)
{
    as_code_t rc = as_pg_exec(c, "BEGIN", PGRES_COMMAND_OK, "begin", err);
    if (rc) return rc;
    rc = as_pg_catalog_delete_in(c, id, len, seq, err);
    return s_end(c, rc, err);
}
