/* pg_schema.c — the PostgreSQL schema and its migrations (pg.h).
 *
 * Each migration is applied once, in order, and recorded in schema_version; a migration is never
 * edited once released: a change to the schema is a new one. The whole run is one transaction
 * under an advisory lock, so engines starting together apply each migration once, and a failed
 * migration leaves the schema as it was.
 */
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>

/* The advisory lock of migrations ("assay" in ASCII). */
#define S_LOCK "1634955641"

static const char *const s_migrations[] = {
    /* 1: the catalog. `instance` names this database (a map of another one, or of a backup
     * older than the map, is rebuilt: pg_follower.c). Counters are rows updated in the writing
     * transaction (gapless, unlike sequences): the catalog position, and later the notification and
     * response ids. An assessment deleted stays as a tombstone (version NULL) so that its versions
     * never repeat; each change takes the next catalog position, the order followers apply. */
    "CREATE TABLE instance (id text NOT NULL);"
    "INSERT INTO instance SELECT md5(random()::text || clock_timestamp()::text);"
    "CREATE TABLE counters (name text PRIMARY KEY, value bigint NOT NULL);"
    "INSERT INTO counters VALUES ('catalog', 0);"
    "CREATE TABLE assessments ("
    " id text PRIMARY KEY,"
    " last_version integer NOT NULL,"
    " version integer,"
    " source bytea,"
    " blob bytea,"
    " catalog_seq bigint NOT NULL UNIQUE,"
    " CHECK ((version IS NULL) = (blob IS NULL) AND (blob IS NULL) = (source IS NULL)),"
    " CHECK (version IS NULL OR version = last_version));",
    /* 2: stored responses, as the writer's batches store them (pg_batch.c): the record
     * (response.get's map), an assessment's and a learner's responses in submission order,
     * idempotency keys, and each learner's attempts; response ids from the counter 'rid'. */
    "INSERT INTO counters VALUES ('rid', 0);"
    "CREATE TABLE responses ("
    " rid bigint PRIMARY KEY,"
    " assessment text NOT NULL,"
    " learner text NOT NULL,"
    " attempt integer NOT NULL,"
    " record bytea NOT NULL);"
    "CREATE INDEX responses_of_assessment ON responses (assessment, rid);"
    "CREATE INDEX responses_of_learner ON responses (assessment, learner, rid);"
    "CREATE TABLE idempotency ("
    " assessment text NOT NULL,"
    " learner text NOT NULL,"
    " key text NOT NULL,"
    " rid bigint NOT NULL,"
    " PRIMARY KEY (assessment, learner, key));"
    "CREATE TABLE attempt_counts ("
    " assessment text NOT NULL,"
    " learner text NOT NULL,"
    " attempts integer NOT NULL,"
    " PRIMARY KEY (assessment, learner));",
    /* 3: the statistics behind assessment.report (pg_stats.c): the sums (as_stats_sums_t, as
     * the LMDB store keeps them), each learner's latest attempt as counted, the totals. */
    "CREATE TABLE stats (assessment text PRIMARY KEY, sums bytea NOT NULL);"
    "CREATE TABLE stats_latest ("
    " assessment text NOT NULL,"
    " learner text NOT NULL,"
    " latest bytea NOT NULL,"
    " PRIMARY KEY (assessment, learner));"
    "CREATE TABLE stats_totals ("
    " assessment text NOT NULL,"
    " total float8 NOT NULL,"
    " count bigint NOT NULL,"
    " PRIMARY KEY (assessment, total));",
    /* 4: each assessment's count of stored responses (response.list's total without counting
     * rows), kept by the batch as it stores them. */
    "CREATE TABLE response_counts (assessment text PRIMARY KEY, n bigint NOT NULL);"
    "INSERT INTO response_counts SELECT assessment, count(*) FROM responses GROUP BY assessment;",
    /* 5: learners' mastery states (pg_mastery.c): one or two slots per (learner, skill), as
     * every backend keeps them (store/mastery_slots.h); a learner's skills together. */
    "CREATE TABLE mastery ("
    " learner text NOT NULL,"
    " skill text NOT NULL,"
    " slots bytea NOT NULL,"
    " PRIMARY KEY (learner, skill));",
    /* 6: background jobs (pg_jobs.c): the record (as_job_t), whether it is finished, and the
     * lease of the engine running it (node, epoch, until); their arguments and results. */
    "INSERT INTO counters VALUES ('job', 0);"
    "CREATE TABLE jobs ("
    " id bigint PRIMARY KEY,"
    " finished boolean NOT NULL,"
    " rec bytea NOT NULL,"
    " lease_node text,"
    " lease_epoch bigint NOT NULL DEFAULT 0,"
    " lease_until timestamptz);"
    "CREATE INDEX jobs_unfinished ON jobs (id) WHERE NOT finished;"
    "CREATE TABLE job_data ("
    " id bigint NOT NULL,"
    " part \"char\" NOT NULL,"
    " data bytea NOT NULL,"
    " PRIMARY KEY (id, part));",
    /* 7: skills (pg_skills.c): the records (as_skill_t), the last generation of a deleted
     * skill, and which assessments name which skills (kept by the catalog, pg_catalog.c). Ids
     * in byte order, as the LMDB store lists them. */
    "CREATE TABLE skills (id text COLLATE \"C\" PRIMARY KEY, rec bytea NOT NULL);"
    "CREATE TABLE skill_gens (id text PRIMARY KEY, last_gen integer NOT NULL);"
    "CREATE TABLE assessment_skills ("
    " assessment text NOT NULL,"
    " skill text NOT NULL,"
    " PRIMARY KEY (assessment, skill));"
    "CREATE INDEX assessment_skills_of_skill ON assessment_skills (skill);",
    /* 8: exam attempts (pg_attempts.c): the records and saved answers, at most one open per
     * learner at an assessment (a unique index: engines starting one at once cannot both), the
     * deadline events a sweep takes, overrides. */
    "INSERT INTO counters VALUES ('attempt', 0);"
    "CREATE TABLE attempts ("
    " id bigint PRIMARY KEY,"
    " assessment text NOT NULL,"
    " learner text NOT NULL,"
    " open boolean NOT NULL,"
    " rec bytea NOT NULL,"
    " answers bytea NOT NULL);"
    "CREATE UNIQUE INDEX attempts_open ON attempts (assessment, learner) WHERE open;"
    "CREATE INDEX attempts_of_assessment ON attempts (assessment, id);"
    "CREATE TABLE attempt_due ("
    " due_ms bigint NOT NULL,"
    " id bigint NOT NULL,"
    " kind \"char\" NOT NULL,"
    " PRIMARY KEY (due_ms, id, kind));"
    "CREATE INDEX attempt_due_of_attempt ON attempt_due (id);"
    "CREATE TABLE overrides ("
    " assessment text NOT NULL,"
    " learner text NOT NULL,"
    " rec bytea NOT NULL,"
    " PRIMARY KEY (assessment, learner));",
    /* 9: deep models (pg_models.c): the record (as_model_rec_t), the compiled blob and the
     * source, the last version and generation of a deleted one, learners' states (one or two
     * slots: store/model_slots.h). */
    "CREATE TABLE models ("
    " id text COLLATE \"C\" PRIMARY KEY,"
    " rec bytea NOT NULL,"
    " blob bytea NOT NULL,"
    " source bytea NOT NULL);"
    "CREATE TABLE models_gone (id text PRIMARY KEY, version integer NOT NULL, gen integer NOT "
    "NULL);"
    "CREATE TABLE model_states ("
    " model text NOT NULL,"
    " learner text NOT NULL,"
    " entry bytea NOT NULL,"
    " PRIMARY KEY (model, learner));",
    /* 10: attempts counted against max_attempts (pg_attempts.c). */
    "CREATE TABLE attempt_starts ("
    " assessment text NOT NULL,"
    " learner text NOT NULL,"
    " n integer NOT NULL,"
    " PRIMARY KEY (assessment, learner));",
    /* 11: the statistics kept per engine (pg_stats.c): each engine writes its own statistics
     * row, totals and count of stored responses, and reads sum them, so that engines sharing the
     * database never write one row. The rows so far become the parts of node ''. The totals say
     * the version and generation they count (the sums' header: version at byte 0, generation at
     * byte 32, little-endian as the engines write it). */
    "ALTER TABLE stats ADD COLUMN node text NOT NULL DEFAULT '';"
    "ALTER TABLE stats DROP CONSTRAINT stats_pkey;"
    "ALTER TABLE stats ADD PRIMARY KEY (assessment, node);"
    "CREATE TABLE stats_parts ("
    " assessment text NOT NULL,"
    " node text NOT NULL,"
    " version integer NOT NULL,"
    " gen integer NOT NULL,"
    " total float8 NOT NULL,"
    " count bigint NOT NULL,"
    " PRIMARY KEY (assessment, version, gen, total, node));"
    "INSERT INTO stats_parts SELECT t.assessment, '',"
    " get_byte(s.sums, 0) | (get_byte(s.sums, 1) << 8) | (get_byte(s.sums, 2) << 16) |"
    " (get_byte(s.sums, 3) << 24),"
    " get_byte(s.sums, 32) | (get_byte(s.sums, 33) << 8) | (get_byte(s.sums, 34) << 16) |"
    " (get_byte(s.sums, 35) << 24),"
    " t.total, t.count FROM stats_totals t JOIN stats s ON s.assessment = t.assessment;"
    "DROP TABLE stats_totals;"
    "ALTER TABLE stats_parts RENAME TO stats_totals;"
    "ALTER TABLE response_counts ADD COLUMN node text NOT NULL DEFAULT '';"
    "ALTER TABLE response_counts DROP CONSTRAINT response_counts_pkey;"
    "ALTER TABLE response_counts ADD PRIMARY KEY (assessment, node);",
    /* 12: how many of the responses counted wait for people's grades (graded items), each
     * engine's part as its count. */
    "ALTER TABLE response_counts ADD COLUMN pending bigint NOT NULL DEFAULT 0;",
    /* 13: people's grades of graded items (pg_store_grades.c): each rater's latest grade of an
     * answer, and every grade given. Rater ids in byte order, as the LMDB store lists them. */
    "CREATE TABLE grades ("
    " rid bigint NOT NULL,"
    " item text NOT NULL,"
    " rater text COLLATE \"C\" NOT NULL,"
    " score float8 NOT NULL,"
    " comment text,"
    " first_at float8 NOT NULL,"
    " at float8 NOT NULL,"
    " revision integer NOT NULL,"
    " PRIMARY KEY (rid, item, rater));"
    "CREATE TABLE grade_history ("
    " rid bigint NOT NULL,"
    " item text NOT NULL,"
    " rater text NOT NULL,"
    " revision integer NOT NULL,"
    " score float8 NOT NULL,"
    " comment text,"
    " at float8 NOT NULL,"
    " PRIMARY KEY (rid, item, rater, revision));",
    /* 14: the agreement counts of graded items (pg_store_grades.c, agreement_counts.h): each
     * engine's part of each vector, summed by reads. Keys in byte order, as LMDB lists them. */
    "CREATE TABLE grade_counts ("
    " assessment text NOT NULL,"
    " item text NOT NULL,"
    " key text COLLATE \"C\" NOT NULL,"
    " node text NOT NULL,"
    " counts int8[] NOT NULL,"
    " PRIMARY KEY (assessment, item, key, node));",
    /* 15: the responses waiting for people's grades, listed (grade.next walks them), and the
     * leases grade.next hands out (one rater per answer until it expires or the grade is in) */
    "CREATE TABLE pending_responses ("
    " assessment text NOT NULL,"
    " rid bigint NOT NULL,"
    " PRIMARY KEY (assessment, rid));"
    "CREATE TABLE grade_leases ("
    " rid bigint NOT NULL,"
    " item text NOT NULL,"
    " rater text NOT NULL,"
    " until float8 NOT NULL,"
    " PRIMARY KEY (rid, item));",
};

#define S_COUNT (sizeof s_migrations / sizeof s_migrations[0])

uint32_t as_pg_schema_version(void)
{
    return (uint32_t)S_COUNT;
}

as_code_t as_pg_migrate_to(PGconn *c, uint32_t version, uint32_t *applied, as_err_t *err)
{
    if (applied) *applied = 0;
    if (version > S_COUNT)
        return as_err_set(err, AS_INTERNAL, "schema version %u: this build knows 1..%u", version,
                          (unsigned)S_COUNT);
    as_code_t rc = as_pg_exec(c, "BEGIN", PGRES_COMMAND_OK, "begin", err);
    if (!rc)
        rc = as_pg_exec(c,
                        "SELECT pg_advisory_xact_lock(" S_LOCK ");"
                        "CREATE TABLE IF NOT EXISTS schema_version ("
                        " version integer PRIMARY KEY,"
                        " applied_at timestamptz NOT NULL DEFAULT now())",
                        PGRES_COMMAND_OK, "schema_version", err);
    uint32_t have = 0;
    if (!rc) {
        PGresult *r = PQexec(c, "SELECT coalesce(max(version), 0) FROM schema_version");
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            rc = as_pg_fail(c, r, "schema_version", err);
        } else {
            have = (uint32_t)strtoul(PQgetvalue(r, 0, 0), NULL, 10);
            PQclear(r);
        }
    }
    if (!rc && have > S_COUNT)
        rc = as_err_set(err, AS_INTERNAL,
                        "PostgreSQL: the database's schema is version %u, newer than this "
                        "build's %u: run a newer assayd",
                        have, (unsigned)S_COUNT);
    for (uint32_t v = have + 1; !rc && v <= version; v++) {
        char what[64], rec[96];
        snprintf(what, sizeof what, "migration %u", v);
        rc = as_pg_exec(c, s_migrations[v - 1], PGRES_COMMAND_OK, what, err);
        snprintf(rec, sizeof rec, "INSERT INTO schema_version (version) VALUES (%u)", v);
        if (!rc) rc = as_pg_exec(c, rec, PGRES_COMMAND_OK, what, err);
        if (!rc && applied) (*applied)++;
    }
    if (rc) {
        as_err_t ignored;
        as_pg_exec(c, "ROLLBACK", PGRES_COMMAND_OK, "rollback", &ignored);
        if (applied) *applied = 0;
        return rc;
    }
    return as_pg_exec(c, "COMMIT", PGRES_COMMAND_OK, "commit", err);
}

as_code_t as_pg_migrate(PGconn *c, uint32_t *applied, as_err_t *err)
{
    return as_pg_migrate_to(c, (uint32_t)S_COUNT, applied, err);
}
