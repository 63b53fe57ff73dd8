/* table_fixture.c — what the compiler and scorer tests share (table_fixture.h). */
#include "table_fixture.h"

#include "tjson.h"

#include <stdio.h>
#include <stdlib.h>

msgpack_sbuffer tf_sb;
as_compiled_t tf_c;
as_table_t tf_t;
as_scorer_t *tf_scorer;
as_err_t tf_err;

int tf_setup(void **state)
{
    msgpack_sbuffer_init(&tf_sb);
    tf_scorer = as_scorer_new();
    return 0;
}

int tf_teardown(void **state)
{
    msgpack_sbuffer_destroy(&tf_sb);
    as_scorer_destroy(&tf_scorer);
    free(tf_c.blob);
    tf_c.blob = NULL;
    return 0;
}

/* Compiles {'id':'t','items':[items]}; returns the code, the message in tf_err. */
as_code_t tf_compile(const char *items)
{
    char def[8192];
    snprintf(def, sizeof def, "{'id':'t','items':[%s]}", items);
    tjson_pack(&tf_sb, def);
    free(tf_c.blob);
    tf_c.blob = NULL;
    as_code_t rc = as_table_compile((const uint8_t *)tf_sb.data, tf_sb.size, &tf_c, &tf_err);
    if (!rc) assert_int_equal(as_table_open(tf_c.blob, tf_c.size, &tf_t, &tf_err), AS_OK);
    return rc;
}

void tf_compile_ok(const char *items)
{
    as_code_t rc = tf_compile(items);
    if (rc) fail_msg("compile failed: %s", tf_err.msg);
}

/* Scores an answers map (JSON) against the compiled table; returns the total. */
as_code_t tf_score_rc(const char *answers, double *total)
{
    tjson_pack(&tf_sb, answers);
    as_mp_t r;
    as_mp_init(&r, tf_sb.data, tf_sb.size);
    as_path_t path;
    as_path_init(&path, "answers");
    return as_score_answers(tf_scorer, &tf_t, &r, &path, total, NULL, &tf_err);
}

double tf_score(const char *answers)
{
    double total = -999;
    as_code_t rc = tf_score_rc(answers, &total);
    if (rc) fail_msg("score failed: %s", tf_err.msg);
    return total;
}

void tf_expect_error(as_code_t rc, const char *msg)
{
    assert_int_equal(rc, AS_BAD_REQUEST);
    assert_string_equal(tf_err.msg, msg);
}
