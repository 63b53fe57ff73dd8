/* table_fixture.h — the fixture of the compiler and scorer tests (test_table.c, test_score.c):
 * one definition compiled at a time into tf_t, answers scored against it, errors in tf_err. */
#ifndef TABLE_FIXTURE_H
#define TABLE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "protocol.h"
#include "table.h"

extern msgpack_sbuffer tf_sb;
extern as_compiled_t tf_c; /* the last compiled blob (freed by the next compile, or teardown) */
extern as_table_t tf_t;    /* ... opened */
extern as_scorer_t *tf_scorer;
extern as_err_t tf_err;

int tf_setup(void **state);
int tf_teardown(void **state);
/* Compiles {'id':'t','items':[items]} (JSON with single quotes); returns the code, the message
 * in tf_err. */
as_code_t tf_compile(const char *items);
/* Compiles a whole definition (JSON with single quotes). */
as_code_t tf_compile_def(const char *def);
/* Scores answers (failing the test on an error) and gives item `item`'s outcome `outcome` as
 * compact JSON text ("null", "3", "2.5", "[\"A\"]"), valid until the next call. */
const char *tf_outcome(const char *answers, uint32_t item, const char *outcome);
/* Scores answers and gives the assessment's own outcome `outcome` (outcome_processing). */
const char *tf_test_outcome(const char *answers, const char *outcome);
/* The same, failing the test when it does not compile. */
void tf_compile_ok(const char *items);
/* Scores an answers map (JSON) against the compiled table: the code and *total. */
as_code_t tf_score_rc(const char *answers, double *total);
/* The total, failing the test on an error. */
double tf_score(const char *answers);
/* Asserts rc is bad_request with exactly msg. */
void tf_expect_error(as_code_t rc, const char *msg);

#define ITEM(card, base, rule, rest)                                                               \
    "{'id':'q','cardinality':'" card "','base_type':'" base "','rule':'" rule "'," rest "}"

/* A three-entry mapping, and an area mapping of `list` entries. */
#define MAP3                                                                                       \
    "'mapping':{'entries':[{'key':'A','value':2},{'key':'B','value':1},{'key':'C','value':-1}]"

#define AREAS(list, rest) "'area_mapping':{'entries':[" list "]" rest "}"

#endif
