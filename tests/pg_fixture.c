/* pg_fixture.c — the helpers the PostgreSQL parts' tests make their records with (pg_fixture.h);
 * their cluster is pg_cluster.c's. */
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

as_err_t pgf_err;

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
