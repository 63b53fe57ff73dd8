/* cli.h — the admin CLI `assay`: what its commands share (cli.c) and the commands, one file per
 * group: cmd_assessments.c, cmd_responses.c, cmd_jobs.c, cmd_skills.c, cmd_engine.c. main.c
 * holds the command table (names, usage, help) and the global options.
 *
 * Exit status: 0 ok, 1 the engine answered with an error (printed with its code), 2 bad usage or
 * unreadable input, 3 engine unreachable (no socket, or no response within --timeout), 4 done in
 * part (assay import --skip-invalid: the valid files stored, the others refused and listed).
 */
#ifndef CLI_H
#define CLI_H

#include "assay.h"
#include "codec.h"
#include "jsonmp.h"

#include <jansson.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdio.h>

#define EXIT_REPLY       1
#define EXIT_USAGE       2
#define EXIT_UNREACHABLE 3
#define EXIT_PARTIAL     4

typedef struct {
    const char *target; /* data directory or endpoint, or several (comma-separated) */
    bool target_given;  /* -d, -e or $ASSAY_DATA named it (else the default ./var/assay) */
    bool json;
    int timeout_ms;
    const char *curve_cert, *server_key; /* CURVE over tcp (--curve-cert, --server-key) */
    assay_t *conn;
    msgpack_sbuffer sb; /* a command packs its params here (one map), then calls */
    msgpack_packer pk;
} cli_t;

/* A command: argc/argv are its positional arguments, or with own_options its whole argv with
 * the command name first (it parses its own options). Returns the exit status. */
typedef int cli_cmd_fn(cli_t *cli, int argc, char **argv);

/* ---- output ---- */

/* A string field as printf arguments: "%.*s". */
#define CLI_STR(o)                                                                                 \
    (o && o->type == MSGPACK_OBJECT_STR ? (int)o->via.str.size : 1),                               \
        (o && o->type == MSGPACK_OBJECT_STR ? o->via.str.ptr : "-")

/* Prints o as JSON, indented, and a newline (numbers in their shortest form, jsonmp.h). */
void cli_print_json(const msgpack_object *o);
/* Prints o as compact JSON on the current line, with no newline ("?" if it cannot be shown). */
void cli_print_compact(const msgpack_object *o);
/* Each item's score, max score and outcomes, a line each (score --detail, response). */
void cli_print_items(const msgpack_object *items);
/* A number (integer or float) as a double; NAN when o is absent or not a number. */
double cli_num(const msgpack_object *o);
/* The number at map[key]; NAN when absent. */
double cli_get_num(const msgpack_object *map, const char *key);
/* A number in `width` columns with `prec` decimals, or "-" for nil. */
void cli_print_num(const msgpack_object *o, int width, int prec);
/* The number at map[key] as %g in buf, or "-" when it is nil or absent (a max not known). */
const char *cli_gnum(const msgpack_object *map, const char *key, char *buf, size_t n);
/* A result's score, max, ratio and pass on the current line: "7 / 10 (70.0%) passed", "7 / -
 * (max not known)", ", over its max" when the score is above it. */
void cli_print_result(const msgpack_object *o);

/* ---- input ---- */

/* Reads a JSON document from path ("-": stdin), of type `want` (-1: any; else `expected`
 * describes it for the message). Returns 0, or EXIT_USAGE after printing what is wrong and
 * where. */
int cli_read_json(cli_t *cli, const char *path, int want, const char *expected, json_t **out);

/* Reads a whole file (malloc'd, *len bytes). Returns 0, or EXIT_USAGE after saying why. */
int cli_slurp(const char *path, uint8_t **data, size_t *len);

/* ---- calling ---- */

/* Connects to cli->target (admin.sock when the user may open it, else engine.sock; or the
 * endpoint). Returns 0 or EXIT_UNREACHABLE after saying why. */
int cli_connect(cli_t *cli);
/* Calls method with the params packed in cli->sb (empty: {}). On success *reply is set and 0
 * returned; otherwise the error is printed and the exit status returned. */
int cli_call(cli_t *cli, const char *method, assay_reply_t **reply);
/* Packs {key: string} pairs into cli->sb: cli_params_str(cli, 2, "id", id, "k", v). */
void cli_params_str(cli_t *cli, int n, ...);
/* Packs {key: id} into cli->sb, id read from text: a record's id, a positive integer. Returns 0,
 * or EXIT_USAGE after saying so ("assay: job: expected a job id ..."; what names the record). */
int cli_params_id(cli_t *cli, const char *what, const char *key, const char *text);

/* A command's readable output; ctx are strings the command passes (ids from its arguments). */
typedef void (*cli_print_fn)(const msgpack_object *result, const char *const *ctx);
/* Calls method with the params packed in cli->sb and prints the result: as JSON with --json,
 * else with the command's printer. */
int cli_run(cli_t *cli, const char *method, cli_print_fn print, const char *const *ctx);

/* ---- paged lists (assessment.list, response.list, skill.list) ---- */

typedef struct {
    const char *method;
    const char *rows_key; /* the result's array of rows */
    const char *none;     /* printed when there are no rows */
    const char *header;   /* printed before the first row */
    void (*print_row)(const msgpack_object *row);
    /* packs the method's own params (map pairs besides limit and cursor) */
    int n_params;
    void (*pack_params)(cli_t *cli, const void *arg);
    const void *arg;
} cli_pager_t;

/* Lists page after page (all of them with `all`), printing rows as they come, or collecting them
 * into one JSON array with --json. `start` (may be NULL) is the cursor to start after. */
int cli_page(cli_t *cli, const cli_pager_t *p, long limit, const char *start, bool all);
/* A list command with --limit, --cursor and --all (the pager says what it lists). */
int cli_list_command(cli_t *cli, int argc, char **argv, const char *name, const cli_pager_t *pager);

/* ---- jobs (cmd_jobs.c) ---- */

/* Prints a job (job.get's result) readably. */
void cli_print_job(const msgpack_object *o, const char *const *ctx);
/* Polls job.get until the job ends, drawing its progress; prints the ended job. Returns 0, or
 * EXIT_REPLY when the job failed. */
int cli_job_wait(cli_t *cli, double id);

/* ---- deep models (cmd_models.c) ---- */

typedef struct {
    const char *id, *path, *kind; /* path: a safetensors file */
    const char *concepts;         /* a JSON array file of skill ids; NULL: prefix */
    const char *prefix;           /* PREFIX0.. for every concept of the file (default skill-) */
    const char *title;
    uint64_t max_learners;
} cli_model_t;
/* model.put of a model file; *reply on success, else the error printed and the exit status. */
int cli_model_put(cli_t *cli, const cli_model_t *m, assay_reply_t **reply);

/* ---- the commands ---- */

cli_cmd_fn cmd_put, cmd_get, cmd_list, cmd_delete, cmd_score, cmd_batch,
    cmd_report;                                                  /* assessments */
cli_cmd_fn cmd_submit, cmd_response, cmd_responses;              /* responses */
cli_cmd_fn cmd_attempt, cmd_override;                            /* exam attempts */
cli_cmd_fn cmd_grade, cmd_grades, cmd_grade_next, cmd_agreement; /* people's grades */
cli_cmd_fn cmd_regrade, cmd_job, cmd_jobs;                       /* jobs */
cli_cmd_fn cmd_import, cmd_export; /* QTI (cmd_import.c, cmd_export.c) */
cli_cmd_fn cmd_skill_put, cmd_skill, cmd_skills, cmd_skill_delete, cmd_mastery,
    cmd_mastery_distribution, cmd_recompute, cmd_fit, cmd_replay,
    cmd_kt_eval; /* knowledge tracing */
cli_cmd_fn cmd_model_put, cmd_model, cmd_models, cmd_model_delete,
    cmd_model_recompute;                               /* deep models (cmd_models.c) */
cli_cmd_fn cmd_ping, cmd_stats, cmd_watch, cmd_keygen; /* the engine */

#endif
