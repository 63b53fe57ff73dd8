/* cmd_jobs.c — background jobs: regrade, job, jobs (the list), and waiting for a job with a
 * progress bar (also used by recompute). */
#include "cli.h"

#include "progress.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A fit: its progress, then each skill's fitted parameters once it is done. */
static void s_print_fit(const msgpack_object *o)
{
    const msgpack_object *sk = assay_map_get(o, "skill"), *p = assay_map_get(o, "progress");
    const msgpack_object *st = assay_map_get(o, "state"), *ph = assay_map_get(o, "phase");
    const msgpack_object *res = assay_map_get(o, "result"), *err = assay_map_get(o, "error");
    bool every = !sk || sk->type != MSGPACK_OBJECT_STR;
    printf("job %g: fit of %s%.*s: %.*s (%.*s), %g of %g response(s)\n", cli_get_num(o, "job"),
           every ? "every skill" : "skill ", every ? 0 : CLI_STR(sk), CLI_STR(st), CLI_STR(ph),
           cli_get_num(p, "done"), cli_get_num(p, "total"));
    if (err) printf("error: %.*s\n", CLI_STR(err));
    if (!res || res->type != MSGPACK_OBJECT_MAP) return;
    const msgpack_object *skills = assay_map_get(res, "skills"),
                         *ap = assay_map_get(res, "applied");
    printf("%g observation(s) of %g learner(s)%s\n", cli_get_num(res, "observations"),
           cli_get_num(res, "learners"),
           ap && ap->type == MSGPACK_OBJECT_BOOLEAN && ap->via.boolean
               ? "; applied, mastery recomputed"
               : "");
    printf("%-20s %7s %7s %7s %7s %7s %9s %6s %5s  %s\n", "SKILL", "PRIOR", "LEARN", "FORGET",
           "GUESS", "SLIP", "ANSWERS", "ITERS", "CONV", "NOTE");
    for (uint32_t i = 0;
         skills && skills->type == MSGPACK_OBJECT_ARRAY && i < skills->via.array.size; i++) {
        const msgpack_object *s = &skills->via.array.ptr[i], *id = assay_map_get(s, "skill");
        const msgpack_object *cv = assay_map_get(s, "converged"), *nt = assay_map_get(s, "note");
        const msgpack_object *ab = assay_map_get(s, "at_bound");
        printf("%-20.*s %7.4f %7.4f %7.4f %7.4f %7.4f %9g %6g %5s  ", CLI_STR(id),
               cli_get_num(s, "prior"), cli_get_num(s, "learn"), cli_get_num(s, "forget"),
               cli_get_num(s, "guess"), cli_get_num(s, "slip"), cli_get_num(s, "observations"),
               cli_get_num(s, "iterations"),
               cv && cv->type == MSGPACK_OBJECT_BOOLEAN && cv->via.boolean ? "yes" : "no");
        if (ab && ab->type == MSGPACK_OBJECT_ARRAY && ab->via.array.size) {
            printf("at a bound:");
            for (uint32_t b = 0; b < ab->via.array.size; b++) {
                const msgpack_object *n = &ab->via.array.ptr[b];
                printf(" %.*s", CLI_STR(n));
            }
            printf(nt && nt->type == MSGPACK_OBJECT_STR ? "; " : "");
        }
        if (nt && nt->type == MSGPACK_OBJECT_STR) printf("%.*s", CLI_STR(nt));
        printf("\n");
    }
}

void cli_print_job(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *a = assay_map_get(o, "assessment"), *st = assay_map_get(o, "state");
    const msgpack_object *kind = assay_map_get(o, "kind");
    if (kind && kind->type == MSGPACK_OBJECT_STR && kind->via.str.size == 3 &&
        memcmp(kind->via.str.ptr, "fit", 3) == 0) {
        s_print_fit(o);
        return;
    }
    if (!a) { /* a recompute: of a skill or of a deep model */
        const msgpack_object *model = assay_map_get(o, "model");
        const msgpack_object *sk = model ? model : assay_map_get(o, "skill");
        const msgpack_object *p = assay_map_get(o, "progress");
        const msgpack_object *res = assay_map_get(o, "result"), *err = assay_map_get(o, "error");
        printf("job %g: recompute of %s %.*s: %.*s, %g of %g response(s)\n", cli_get_num(o, "job"),
               model ? "model" : "skill", CLI_STR(sk), CLI_STR(st), cli_get_num(p, "done"),
               cli_get_num(p, "total"));
        if (res) printf("%g observation(s) replayed\n", cli_get_num(res, "observations"));
        if (err) printf("error: %.*s\n", CLI_STR(err));
        return;
    }
    const msgpack_object *dry = assay_map_get(o, "dry_run"), *p = assay_map_get(o, "progress");
    const msgpack_object *res = assay_map_get(o, "result"), *err = assay_map_get(o, "error");
    bool is_dry = dry && dry->type == MSGPACK_OBJECT_BOOLEAN && dry->via.boolean;
    printf("job %g: regrade of %.*s%s: %.*s, %g of %g response(s)\n", cli_get_num(o, "job"),
           CLI_STR(a), is_dry ? " (dry run)" : "", CLI_STR(st), cli_get_num(p, "done"),
           cli_get_num(p, "total"));
    if (res) {
        printf("%s version %g: %g changed, %g unchanged\n",
               is_dry ? "would score with" : "scored with", cli_get_num(res, "version"),
               cli_get_num(res, "changed"), cli_get_num(res, "unchanged"));
        const msgpack_object *ch = assay_map_get(res, "changes");
        for (uint32_t i = 0; ch && ch->type == MSGPACK_OBJECT_ARRAY && i < ch->via.array.size;
             i++) {
            const msgpack_object *c = &ch->via.array.ptr[i], *l = assay_map_get(c, "learner");
            printf("  response %g (%.*s, attempt %g): %g -> %g\n", cli_get_num(c, "response_id"),
                   CLI_STR(l), cli_get_num(c, "attempt"), cli_get_num(c, "old_score"),
                   cli_get_num(c, "new_score"));
        }
    }
    if (err) printf("error: %.*s\n", CLI_STR(err));
}

/* The job's state; exit status 1 when it failed. */
static int s_job_status(const msgpack_object *o)
{
    const msgpack_object *st = assay_map_get(o, "state");
    return st && st->type == MSGPACK_OBJECT_STR && st->via.str.size == 6 &&
                   memcmp(st->via.str.ptr, "failed", 6) == 0
               ? EXIT_REPLY
               : 0;
}

/* Polls job.get until the job ends, drawing its progress; prints the ended job. */
int cli_job_wait(cli_t *cli, double id)
{
    char prefix[48];
    snprintf(prefix, sizeof prefix, "job %g", id);
    as_progress_t bar;
    as_progress_init(&bar, prefix, "responses");
    for (;;) {
        msgpack_pack_map(&cli->pk, 1);
        as_pack_cstr(&cli->pk, "job");
        msgpack_pack_uint64(&cli->pk, (uint64_t)id);
        assay_reply_t *r;
        int rc = cli_call(cli, "job.get", &r);
        if (rc) return rc;
        const msgpack_object *o = assay_reply_result(r), *st = assay_map_get(o, "state");
        const msgpack_object *p = assay_map_get(o, "progress");
        bool ended = st && st->type == MSGPACK_OBJECT_STR &&
                     ((st->via.str.size == 4 && memcmp(st->via.str.ptr, "done", 4) == 0) ||
                      (st->via.str.size == 6 && memcmp(st->via.str.ptr, "failed", 6) == 0));
        if (!cli->json)
            as_progress_show(&bar, (uint64_t)cli_get_num(p, "done"),
                             (uint64_t)cli_get_num(p, "total"), ended);
        if (ended) {
            if (cli->json)
                cli_print_json(o);
            else
                cli_print_job(o, NULL);
            rc = s_job_status(o);
            assay_reply_free(&r);
            return rc;
        }
        assay_reply_free(&r);
        struct timespec ts = {0, 200 * 1000000};
        nanosleep(&ts, NULL);
    }
}

int cmd_regrade(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"wait", no_argument, 0, 'w'}, {"dry-run", no_argument, 0, 'n'}, {0, 0, 0, 0}};
    bool wait = false, dry = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'w')
            wait = true;
        else if (c == 'n')
            dry = true;
        else
            return EXIT_USAGE;
    }
    if (argc - optind != 1) {
        fprintf(stderr, "usage: assay regrade ID [--dry-run] [--wait]\n");
        return EXIT_USAGE;
    }
    msgpack_pack_map(&cli->pk, 2);
    as_pack_cstr(&cli->pk, "assessment");
    as_pack_cstr(&cli->pk, argv[optind]);
    as_pack_cstr(&cli->pk, "dry_run");
    if (dry)
        msgpack_pack_true(&cli->pk);
    else
        msgpack_pack_false(&cli->pk);
    if (!wait) return cli_run(cli, "assessment.regrade", cli_print_job, NULL);
    assay_reply_t *r;
    int rc = cli_call(cli, "assessment.regrade", &r);
    if (rc) return rc;
    double id = cli_get_num(assay_reply_result(r), "job");
    assay_reply_free(&r);
    return cli_job_wait(cli, id);
}

int cmd_job(cli_t *cli, int argc, char **argv)
{
    int rc = cli_params_id(cli, "job", "job", argv[0]);
    if (rc) return rc;
    assay_reply_t *r;
    rc = cli_call(cli, "job.get", &r);
    if (rc) return rc;
    if (cli->json)
        cli_print_json(assay_reply_result(r));
    else
        cli_print_job(assay_reply_result(r), NULL);
    rc = s_job_status(assay_reply_result(r));
    assay_reply_free(&r);
    return rc;
}

/* A job's row: what it works on is its assessment, skill (every skill: "*") or model. */
static void s_job_row(const msgpack_object *x)
{
    const msgpack_object *kind = assay_map_get(x, "kind"), *st = assay_map_get(x, "state");
    const msgpack_object *on = assay_map_get(x, "assessment");
    if (!on) on = assay_map_get(x, "model");
    if (!on) on = assay_map_get(x, "skill");
    const msgpack_object *p = assay_map_get(x, "progress"), *at = assay_map_get(x, "created_at");
    const char *name = "-";
    int len = 1;
    if (on && on->type == MSGPACK_OBJECT_STR) {
        name = on->via.str.ptr;
        len = (int)on->via.str.size;
    } else if (on && on->type == MSGPACK_OBJECT_NIL) {
        name = "(every skill)";
        len = (int)strlen(name);
    }
    printf("%8g  %-16.*s %-8.*s %-24.*s %10g %10g  %.*s\n", cli_get_num(x, "job"), CLI_STR(kind),
           CLI_STR(st), len, name, cli_get_num(p, "done"), cli_get_num(p, "total"), CLI_STR(at));
}

int cmd_jobs(cli_t *cli, int argc, char **argv)
{
    static const cli_pager_t pager = {
        .method = "job.list",
        .rows_key = "jobs",
        .none = "no jobs",
        .header = "     JOB  KIND             STATE    ON                             DONE      "
                  "TOTAL  CREATED",
        .print_row = s_job_row,
    };
    return cli_list_command(cli, argc, argv, "jobs", &pager);
}
