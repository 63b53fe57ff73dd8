/* pg_fixture.c — what the PostgreSQL tests share (pg_fixture.h): a throwaway cluster of their
 * own (tools/pg), a connection to it, and the helpers their records are made with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pg_fixture.h"
#include "tjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char pgf_dir[256], pgf_conninfo[512];
PGconn *pgf_c;
as_err_t pgf_err;
static char s_tools[512];

/* Runs tools/pg CMD DIR/pg; its first line of output in out (may be NULL). */
int pgf_pg(const char *cmd, char *out, size_t cap)
{
    char line[1024];
    snprintf(line, sizeof line, "'%s/pg' %s '%s/pg' 2>&1", s_tools, cmd, pgf_dir);
    FILE *p = popen(line, "r");
    if (!p) return -1;
    char buf[1024] = "";
    if (!fgets(buf, sizeof buf, p)) buf[0] = '\0';
    int rc = pclose(p);
    buf[strcspn(buf, "\n")] = '\0';
    if (rc) fprintf(stderr, "tools/pg %s: %s\n", cmd, buf);
    if (out) snprintf(out, cap, "%s", buf);
    return rc;
}

int pgf_setup(void **state)
{
    snprintf(s_tools, sizeof s_tools, "%s",
             getenv("ASSAY_TOOLS") ? getenv("ASSAY_TOOLS") : "tools");
    snprintf(pgf_dir, sizeof pgf_dir, "/tmp/assay-pg-test-XXXXXX");
    if (!mkdtemp(pgf_dir)) return -1;
    chmod(pgf_dir, 0711); /* the cluster's own user (tools/pg) reaches its directory inside */
    if (pgf_pg("up", pgf_conninfo, sizeof pgf_conninfo)) {
        pgf_pg("down", NULL, 0);
        rmdir(pgf_dir);
        return -1;
    }
    pgf_c = as_pg_connect(pgf_conninfo, &pgf_err);
    if (!pgf_c) fprintf(stderr, "%s\n", pgf_err.msg);
    return pgf_c ? 0 : -1;
}

int pgf_teardown(void **state)
{
    PQfinish(pgf_c);
    pgf_pg("down", NULL, 0);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", pgf_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The first value of a query's first row, as text ("" when none). */
const char *pgf_one(const char *sql)
{
    static char out[256];
    PGresult *r = PQexec(pgf_c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    snprintf(out, sizeof out, "%s", PQntuples(r) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return out;
}

/* The server up again (tools/pg up: a no-op when it runs) and a new connection. */
void pgf_reconnect(void)
{
    assert_int_equal(pgf_pg("up", NULL, 0), 0);
    PQfinish(pgf_c);
    for (int i = 0; i < 100 && !(pgf_c = as_pg_connect(pgf_conninfo, &pgf_err)); i++)
        usleep(50000);
    if (!pgf_c) fail_msg("%s", pgf_err.msg);
}

/* An empty schema (the server up and connected first: a test that failed may have left it down). */
void pgf_reset(void)
{
    if (PQstatus(pgf_c) != CONNECTION_OK ||
        as_pg_exec(pgf_c, "SELECT 1", PGRES_TUPLES_OK, "ping", &pgf_err))
        pgf_reconnect();
    as_err_t e;
    assert_int_equal(as_pg_exec(pgf_c, "DROP SCHEMA public CASCADE; CREATE SCHEMA public",
                                PGRES_COMMAND_OK, "reset", &e),
                     AS_OK);
}

/* A compiled one-item assessment `id` (the blob malloc'ed), its source in *src. */
as_compiled_t pgf_compile(const char *id, msgpack_sbuffer *src)
{
    char def[256];
    snprintf(def, sizeof def,
             "{'id':'%s','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
             "'rule':'match_correct','correct':['A']}]}",
             id);
    msgpack_sbuffer_init(src);
    tjson_pack(src, def);
    as_compiled_t c;
    if (as_table_compile((const uint8_t *)src->data, src->size, &c, &pgf_err))
        fail_msg("%s", pgf_err.msg);
    return c;
}

/* A real LMDB map in DIR/map-NAME. */
as_store_t *pgf_map(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "%s/map-%s", pgf_dir, name);
    mkdir(path, 0700);
    as_store_t *st;
    assert_int_equal(as_store_open(&st, path, 1 << 20, 16, AS_SYNC_NONE, &pgf_err), AS_OK);
    return st;
}

as_pg_subject_t pgf_subject(const char *learner, const char *key)
{
    return (as_pg_subject_t){.assessment = "quiz",
                             .assessment_len = 4,
                             .learner = learner,
                             .learner_len = (uint32_t)strlen(learner),
                             .key = key,
                             .key_len = key ? (uint32_t)strlen(key) : 0};
}

void pgf_bytes(void *arg, const void *data, size_t len)
{
    snprintf(arg, 64, "%.*s", (int)len, (const char *)data);
}

/* A 3-item assessment "quiz" compiled as version `version` (blob malloc'ed in *c). */
as_table_t pgf_quiz(uint32_t version, as_compiled_t *c)
{
    msgpack_sbuffer src;
    msgpack_sbuffer_init(&src);
    tjson_pack(&src, "{'id':'quiz','items':[{'id':'a','cardinality':'single','base_type':"
                     "'integer','rule':'match_correct','correct':[1]},{'id':'b','cardinality':"
                     "'single','base_type':'integer','rule':'match_correct','correct':[2]},"
                     "{'id':'c','cardinality':'single','base_type':'integer','rule':"
                     "'match_correct','correct':[3]}]}");
    if (as_table_compile((const uint8_t *)src.data, src.size, c, &pgf_err))
        fail_msg("%s", pgf_err.msg);
    msgpack_sbuffer_destroy(&src);
    memcpy(c->blob + offsetof(as_thdr_t, version), &version, sizeof version);
    as_table_t t;
    assert_int_equal(as_table_open(c->blob, c->size, &t, &pgf_err), AS_OK);
    return t;
}
