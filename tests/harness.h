/* harness.h — integration-test helpers: a real assayd process on a temporary data directory,
 * real sockets, and calls through libassay with params written as JSON. */
#ifndef AS_HARNESS_H
#define AS_HARNESS_H

#include "assay.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct {
    char dir[128];
    pid_t pid;
    char log[160]; /* assayd's stderr */
} h_engine_t;

/* Makes a temporary data directory and starts assayd on it with extra arguments (NULL-terminated
 * list, may be empty); waits until it answers ping. Fails the test if it does not. */
void h_start(h_engine_t *e, ...);
/* Under ASSAY_TEST_STORE (a command that prints a PostgreSQL connection string for a database
 * name it is given: tools/test sets it to `tools/pg db CLUSTER`): the --store of the engine on
 * data directory dir, in out (false: none, the engine keeps LMDB). */
bool h_store(const char *dir, char *out, size_t cap);
/* Whether the engines of this run keep their records in PostgreSQL (ASSAY_TEST_STORE): a test of
 * what only LMDB does (the map that holds every record, its growth) is skipped then. */
bool h_on_postgres(void);
/* h_start on a directory of the caller's (e.g. a filesystem mounted for the test). */
void h_start_in(h_engine_t *e, const char *dir, ...);
/* Runs assayd with args (NULL-terminated) expecting it to exit within 10 s: returns its exit
 * status (-1 if it was still running: then it is killed) with its stderr in err. */
int h_run_assayd(const char *const *args, char *err, size_t n);
/* Starts assayd on e->dir again (after a stop or kill). */
void h_restart(h_engine_t *e);
/* SIGTERM and wait: returns the exit status (or 128+signal). */
int h_stop(h_engine_t *e);
/* SIGKILL and wait. */
void h_kill(h_engine_t *e);
/* Stops the engine if running and removes the directory. Returns 1 when the engine's log holds
 * a sanitizer report (printed to stderr), else 0: group teardowns return it, so the run fails. */
int h_cleanup(h_engine_t *e);
/* Resident set size of the engine, in KiB. */
long h_rss_kb(const h_engine_t *e);

/* A connection to engine.sock (admin false) or admin.sock. */
assay_t *h_connect(const h_engine_t *e, bool admin);
/* Calls method with params given as JSON (single quotes allowed for double). Returns the
 * libassay code; *reply is set for ASSAY_OK and ASSAY_EREPLY. */
int h_call(assay_t *c, const char *method, const char *params_json, assay_reply_t **reply);
/* (harness_local.c) Scores params again with the local scorer on the data directory of c's engine
 * (c connected to one engine's socket; otherwise nothing is checked) and fails the test unless it
 * gives the engine's answer rc/reply: the same result bytes, or the same error code and message
 * (errors about the engine itself, e.g. too_large or overloaded, are not compared). h_call does
 * this for every `score`. */
void h_local_check(assay_t *c, const void *params, size_t len, int rc, const assay_reply_t *reply);
/* Closes the local scorer of an engine's directory (h_cleanup). */
void h_local_forget(const char *dir);
/* h_call without the local scorer's check: for a test waiting until a table put through another
 * engine reaches this one (its follower), when the engine and the local scorer each see it at
 * their own moment. */
int h_call_unchecked(assay_t *c, const char *method, const char *params_json,
                     assay_reply_t **reply);
/* response.submit of params (JSON), failing the test unless it is stored: its response_id. */
double h_submit_one(assay_t *c, const char *params_json);
/* Calls method, failing the test with the engine's message unless it succeeds. */
void h_ok(assay_t *c, const char *method, const char *params_json);
/* The error code and message of a call expected to fail ("code: message"), into buf. */
const char *h_error(assay_t *c, const char *method, const char *params_json, char *buf, size_t n);

/* Packs the answers map of submission i (h_submit_many). */
typedef void (*h_answers_fn)(msgpack_packer *pk, int i, void *arg);
/* Submits n responses to assessment for learners L0..L(learners-1) in turn, 64 in flight, the
 * answers from fn. Returns how many were stored; the last error answered ("code: message") goes
 * to err (may be NULL). */
int h_submit_many(assay_t *c, const char *assessment, int n, int learners, h_answers_fn fn,
                  void *arg, char *err, size_t errn);
/* Calls job.get until the job is done or failed (60 s at most); returns its reply. */
assay_reply_t *h_wait_job(assay_t *c, double job);

/* Stores examples/quiz.json through an admin connection; fails the test if it cannot. */
void h_put_example(assay_t *admin);
/* The params of `score` for quiz-demo with examples/answers.json (it scores 11 of 19), detail as
 * given; caller frees. */
char *h_example_score(bool detail);

/* A raw libzmq socket of `type` connected to engine.sock (or admin.sock), with no linger and a
 * receive timeout. */
void *h_raw_socket(const h_engine_t *e, void *ctx, int type, bool admin, int timeout_ms);
/* Receives every frame of one message; copies the last (the body) into buf and returns its
 * length, or -1 on timeout. *parts (may be NULL) is the number of frames. */
int h_recv_message(void *sock, void *buf, size_t cap, int *parts);

/* Reads a whole file ("" if unreadable); caller frees. */
char *h_slurp(const char *path);

/* Number and string fields of a result map. */
double h_num(const msgpack_object *map, const char *key);
/* The acknowledgements a crash test's clients record, from several threads: each response's id,
 * learner, attempt and score as response.submit answered them. */
typedef struct {
    uint64_t rid;
    uint32_t attempt;
    double score;
    char learner[24];
} h_ack_t;
typedef struct {
    h_ack_t *acks;
    int n, cap;
    pthread_mutex_t lock;
} h_ledger_t;
void h_ledger_init(h_ledger_t *l, int cap);
void h_ledger_free(h_ledger_t *l);
/* Records a response.submit result for learner (beyond cap: not recorded). */
void h_ledger_add(h_ledger_t *l, const msgpack_object *result, const char *learner);
/* Every recorded response is stored, with its learner, attempt and score; fails the test
 * naming the first that is lost. */
void h_ledger_check(assay_t *c, const h_ledger_t *l);
bool h_str_is(const msgpack_object *map, const char *key, const char *want);
/* grade.put of (response, item, rater, score) through a: the answer's state (a static buffer: one
 * thread), and *item_score / *response_score (NAN when the reply has none). */
const char *h_grade(assay_t *a, double rid, const char *item, const char *rater, double score,
                    double *item_score, double *response_score);

#endif
