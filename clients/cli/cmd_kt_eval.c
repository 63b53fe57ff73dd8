/* cmd_kt_eval.c — assay kt-eval: replays an answer stream through an engine and scores the
 * knowledge tracer's predictions: each answer's `predicted` (the probability of a correct
 * answer the engine gave before it saw the answer) against the answer, overall and per skill
 * (kt_metrics.h). Into a scratch engine (an assayd started on a temporary directory) unless -d
 * or -e names one. */
#include "cli.h"

#include "kt_metrics.h"
#include "replay.h"

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    uint32_t *skill;
    uint8_t *y;
    double *p;
    size_t n, cap, missing;
    bool oom;
    const char *model; /* a deep model's predictions rather than BKT's (NULL: BKT) */
} s_answers_t;

static void s_on_answer(void *arg, uint32_t skill, unsigned correct, const msgpack_object *result)
{
    s_answers_t *a = arg;
    char id[32];
    snprintf(id, sizeof id, "skill-%u", skill);
    const msgpack_object *m = assay_map_get(result, "mastery");
    if (a->model) {
        const msgpack_object *models = assay_map_get(result, "models");
        m = models ? assay_map_get(models, a->model) : NULL;
    }
    const msgpack_object *st = m ? assay_map_get(m, id) : NULL;
    double p = st ? cli_num(assay_map_get(st, "predicted")) : NAN;
    if (isnan(p)) {
        a->missing++;
        return;
    }
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 65536;
        uint32_t *ns = realloc(a->skill, cap * sizeof *ns);
        if (ns) a->skill = ns;
        uint8_t *ny = ns ? realloc(a->y, cap) : NULL;
        if (ny) a->y = ny;
        double *np = ny ? realloc(a->p, cap * sizeof *np) : NULL;
        if (np) a->p = np;
        if (!np) {
            a->oom = true;
            return;
        }
        a->cap = cap;
    }
    a->skill[a->n] = skill;
    a->y[a->n] = correct ? 1 : 0;
    a->p[a->n++] = p;
}

/* ---- a scratch engine ---- */

/* The assayd to start: --assayd, $ASSAYD, beside this program (installed), or the build tree's. */
static const char *s_assayd(const char *given, char *buf, size_t n)
{
    if (given) return given;
    const char *env = getenv("ASSAYD");
    if (env && *env) return env;
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len > 0) {
        self[len] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            snprintf(buf, n, "%s/assayd", self);
            if (access(buf, X_OK) == 0) return buf;
            snprintf(buf, n, "%s/../../engine/assayd", self);
            if (access(buf, X_OK) == 0) return buf;
        }
    }
    return "assayd";
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

typedef struct {
    char dir[64];
    pid_t pid;
} s_scratch_t;

static int s_scratch_start(s_scratch_t *s, const char *assayd)
{
    snprintf(s->dir, sizeof s->dir, "%s", "/tmp/assay-kt-eval.XXXXXX");
    if (!mkdtemp(s->dir)) {
        fprintf(stderr, "assay kt-eval: cannot make a scratch directory: %s\n", strerror(errno));
        return EXIT_UNREACHABLE;
    }
    char data[96];
    snprintf(data, sizeof data, "%s/data", s->dir);
    s->pid = fork();
    if (s->pid == 0) {
        execlp(assayd, assayd, "-d", data, "--log-level", "warn", "--sync", "none", (char *)NULL);
        fprintf(stderr, "assay kt-eval: cannot run %s: %s\n", assayd, strerror(errno));
        _exit(127);
    }
    if (s->pid < 0) return EXIT_UNREACHABLE;
    char sock[128];
    snprintf(sock, sizeof sock, "%s/admin.sock", data);
    for (int i = 0; i < 200; i++) {
        if (access(sock, F_OK) == 0) return 0;
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            fprintf(stderr, "assay kt-eval: the scratch engine (%s) did not start\n", assayd);
            s->pid = 0;
            return EXIT_UNREACHABLE;
        }
        struct timespec pause = {0, 25000000};
        nanosleep(&pause, NULL);
    }
    fprintf(stderr, "assay kt-eval: the scratch engine did not open its sockets within 5 s\n");
    return EXIT_UNREACHABLE;
}

static void s_scratch_stop(s_scratch_t *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    if (s->dir[0]) nftw(s->dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the figures ---- */

static json_t *s_num_json(double v)
{
    return isnan(v) ? json_null() : json_real(v);
}

static json_t *s_metrics_json(const as_kt_metrics_t *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "answers", json_integer((json_int_t)m->n));
    json_object_set_new(o, "auc", s_num_json(m->auc));
    json_object_set_new(o, "rmse", s_num_json(m->rmse));
    json_object_set_new(o, "log_loss", s_num_json(m->log_loss));
    json_object_set_new(o, "accuracy", s_num_json(m->accuracy));
    return o;
}

static void s_metrics_row(const char *name, const as_kt_metrics_t *m)
{
    char auc[16];
    if (isnan(m->auc))
        snprintf(auc, sizeof auc, "-");
    else
        snprintf(auc, sizeof auc, "%.4f", m->auc);
    printf("%-14s %9zu %8s %8.4f %9.4f %9.4f\n", name, m->n, auc, m->rmse, m->log_loss,
           m->accuracy);
}

typedef struct {
    uint32_t skill;
    uint8_t y;
    double p;
} s_row_t;

static int s_by_skill(const void *a, const void *b)
{
    uint32_t x = ((const s_row_t *)a)->skill, z = ((const s_row_t *)b)->skill;
    return x < z ? -1 : x > z;
}

/* Prints (or packs as JSON) the overall figures and each skill's. */
static int s_report(cli_t *cli, s_answers_t *a, const as_replay_result_t *res)
{
    s_row_t *rows = malloc(a->n * sizeof *rows);
    double *p = malloc(a->n * sizeof *p);
    uint8_t *y = malloc(a->n);
    if (a->n && (!rows || !p || !y)) {
        free(rows);
        free(p);
        free(y);
        fprintf(stderr, "assay kt-eval: out of memory\n");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < a->n; i++)
        rows[i] = (s_row_t){a->skill[i], a->y[i], a->p[i]};
    as_kt_metrics_t all;
    if (a->n) {
        memcpy(p, a->p, a->n * sizeof *p);
        memcpy(y, a->y, a->n);
        qsort(rows, a->n, sizeof *rows, s_by_skill);
    }
    as_kt_metrics(p, y, a->n, &all);
    json_t *skills = json_object();
    if (!cli->json) {
        printf("kt-eval: %zu answers of %zu learners on %u skills\n", res->answers, res->learners,
               res->skills);
        printf("%-14s %9s %8s %8s %9s %9s\n", "SKILL", "ANSWERS", "AUC", "RMSE", "LOG LOSS",
               "ACCURACY");
        s_metrics_row("(all)", &all);
    }
    for (size_t i = 0; i < a->n;) {
        size_t j = i;
        while (j < a->n && rows[j].skill == rows[i].skill)
            j++;
        for (size_t k = i; k < j; k++) {
            p[k - i] = rows[k].p;
            y[k - i] = rows[k].y;
        }
        as_kt_metrics_t m;
        as_kt_metrics(p, y, j - i, &m);
        char name[32];
        snprintf(name, sizeof name, "skill-%u", rows[i].skill);
        if (cli->json)
            json_object_set_new(skills, name, s_metrics_json(&m));
        else
            s_metrics_row(name, &m);
        i = j;
    }
    if (cli->json) {
        json_t *o = s_metrics_json(&all);
        json_object_set_new(o, "learners", json_integer((json_int_t)res->learners));
        json_object_set_new(o, "skills", skills);
        char *text = as_json_dumps(o, JSON_INDENT(2));
        if (text) printf("%s\n", text);
        free(text);
        json_decref(o);
    } else {
        json_decref(skills);
    }
    free(rows);
    free(p);
    free(y);
    return 0;
}

int cmd_kt_eval(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"learners", required_argument, 0, 'l'},
                                         {"keep-skills", no_argument, 0, 'k'},
                                         {"limit", required_argument, 0, 'n'},
                                         {"inflight", required_argument, 0, 'i'},
                                         {"assayd", required_argument, 0, 'a'},
                                         {"model", required_argument, 0, 'm'},
                                         {"kind", required_argument, 0, 'K'},
                                         {"model-id", required_argument, 0, 'M'},
                                         {0, 0, 0, 0}};
    cli_model_t model = {.id = "kt-eval"};
    const char *model_id = NULL;
    as_replay_opts_t ro = {.learner_prefix = "s"};
    long limit = 0, inflight = 256;
    const char *assayd = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'l':
            if (!*optarg || strlen(optarg) > 16 ||
                strspn(optarg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "abcdefghijklmnopqrstuvwxyz"
                               "0123456789._:-") != strlen(optarg)) {
                fprintf(stderr, "assay kt-eval: --learners: expected 1 to 16 characters of "
                                "A-Z a-z 0-9 . _ : -\n");
                return EXIT_USAGE;
            }
            ro.learner_prefix = optarg;
            break;
        case 'k':
            ro.keep_skills = true;
            break;
        case 'n':
            limit = strtol(optarg, &end, 10);
            if (*end || limit < 1) {
                fprintf(stderr, "assay kt-eval: --limit: expected a positive count\n");
                return EXIT_USAGE;
            }
            break;
        case 'i':
            inflight = strtol(optarg, &end, 10);
            if (*end || inflight < 1 || inflight > 4096) {
                fprintf(stderr, "assay kt-eval: --inflight: expected 1..4096\n");
                return EXIT_USAGE;
            }
            break;
        case 'a':
            assayd = optarg;
            break;
        case 'm':
            model.path = optarg;
            break;
        case 'K':
            model.kind = optarg;
            break;
        case 'M':
            model_id = optarg;
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1 || (model.path && (!model.kind || model_id)) ||
        (model.kind && !model.path)) {
        fprintf(stderr, "usage: assay kt-eval FILE [--learners PREFIX] [--keep-skills] "
                        "[--limit N] [--inflight N] [--assayd PATH] [--model FILE --kind "
                        "dkt|dkvmn | --model-id ID]\n");
        return EXIT_USAGE;
    }
    as_replay_t *rp;
    if (as_replay_load(&rp, argv[optind], (size_t)limit)) return EXIT_USAGE;
    s_scratch_t scratch = {0};
    char path[PATH_MAX + 32];
    int rc = 0;
    if (!cli->target_given) {
        if ((rc = s_scratch_start(&scratch, s_assayd(assayd, path, sizeof path)))) goto done;
        snprintf(path, sizeof path, "%s/data", scratch.dir);
        cli->target = path;
    }
    if ((rc = cli_connect(cli))) goto done;
    s_answers_t ans = {.model = model.path ? model.id : model_id};
    ro.on_answer = s_on_answer;
    ro.arg = &ans;
    as_replay_configure(rp, &ro);
    as_replay_result_t res;
    as_replay_params_t defaults = as_replay_default_params();
    assay_reply_t *put = NULL;
    if (model.path && (rc = cli_model_put(cli, &model, &put))) goto done;
    assay_reply_free(&put);
    if (as_replay_setup(rp, cli->conn, &defaults) ||
        as_replay_submit(rp, cli->conn, (int)inflight, cli->json, &res)) {
        rc = EXIT_REPLY;
    } else if (ans.oom) {
        fprintf(stderr, "assay kt-eval: out of memory\n");
        rc = EXIT_USAGE;
    } else if (ans.missing) {
        fprintf(stderr,
                "assay kt-eval: %zu answer(s) came back without a prediction for their skill\n",
                ans.missing);
        rc = EXIT_REPLY;
    } else {
        rc = s_report(cli, &ans, &res);
    }
    free(ans.skill);
    free(ans.y);
    free(ans.p);
done:
    if (scratch.dir[0]) {
        assay_close(&cli->conn);
        s_scratch_stop(&scratch);
    }
    as_replay_free(&rp);
    return rc;
}
