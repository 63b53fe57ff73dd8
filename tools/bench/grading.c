/* grading.c — assay-bench grading: people's grades, durable, against submissions of the same
 * assessment in the same run.
 *
 * The 50-item bench assessment with its last item graded by people (0..4, one rater). N
 * learners submit (64 in flight): each response is stored pending. Then one grade.put each (64
 * in flight): each resolves its essay, so the response is scored (its record rewritten, the
 * report's statistics updated, score.<assessment> published), all in the grade's transaction.
 * Prints both steps' latencies and rates, and the grades' rate over the submissions'. Then two
 * more people and an automatic judge grade every response (4 grades each in all), and
 * assessment.agreement is read 1,000 times: its latency with that many grades kept.
 */
#include "bench_grading.h"

#include "assay.h"
#include "codec.h"
#include "payload.h"
#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>

#define S_ID "grade50"

static void s_pack_submit(msgpack_packer *pk, size_t i, void *arg)
{
    (void)arg;
    char learner[24];
    snprintf(learner, sizeof learner, "G%zu", i);
    msgpack_pack_map(pk, 3);
    as_pack_cstr(pk, "assessment");
    as_pack_cstr(pk, S_ID);
    as_pack_cstr(pk, "learner");
    as_pack_cstr(pk, learner);
    as_pack_cstr(pk, "answers");
    as_bench_pack_answers(pk);
}

static void s_submitted(size_t i, const msgpack_object *o, void *arg)
{
    uint64_t *rid = arg;
    const msgpack_object *id = assay_map_get(o, "response_id");
    rid[i] = id && id->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? id->via.u64 : 0;
}

/* The further raters after bench-rater, and each one's grade of response i (near i % 5). */
static const char *const s_raters[] = {"bench-rater", "bench-second", "bench-third", "auto:judge"};
#define S_RATERS 4

typedef struct {
    const uint64_t *rid;
    size_t n; /* responses: request i is rater i / n's grade of response i % n */
} s_grades_t;

static void s_pack_grade(msgpack_packer *pk, size_t i, void *arg)
{
    const s_grades_t *g = arg;
    size_t r = i / g->n, k = i % g->n;
    msgpack_pack_map(pk, 4);
    as_pack_cstr(pk, "response");
    msgpack_pack_uint64(pk, g->rid[k]);
    as_pack_cstr(pk, "item");
    as_pack_cstr(pk, "q50");
    as_pack_cstr(pk, "rater");
    as_pack_cstr(pk, s_raters[r]);
    as_pack_cstr(pk, "score");
    msgpack_pack_uint32(pk, (uint32_t)((k + (k * 7 + r) % 3 + 4) % 5)); /* (off by -1..1) */
}

/* Request i of a further rater's pass: request from + i of the sequence. */
typedef struct {
    s_grades_t *g;
    size_t from;
} s_from_t;

static void s_pack_grade_from(msgpack_packer *pk, size_t i, void *arg)
{
    const s_from_t *f = arg;
    s_pack_grade(pk, f->from + i, f->g);
}

static void s_pack_agreement(msgpack_packer *pk, size_t i, void *arg)
{
    (void)i;
    (void)arg;
    msgpack_pack_map(pk, 1);
    as_pack_cstr(pk, "assessment");
    as_pack_cstr(pk, S_ID);
}

int as_bench_grading(const char *data, size_t n)
{
    assay_t *admin, *c;
    assay_options_t ao = {.admin = true, .timeout_ms = 30000};
    if (assay_open(&admin, data, &ao) || assay_open(&c, data, &ao)) return 1;
    if (as_bench_put_definition(admin, S_ID, 3)) return 1;
    uint64_t *rid = calloc(n, sizeof *rid);
    double *lat = malloc(n * sizeof *lat);
    printf("assay-bench grading: %zu responses of 50 items, the last graded by people (one "
           "rater), 64 in flight, durable\n\n",
           n);
    printf("| step | requests | p50 ms | p99 ms | max ms | |\n|---|---|---|---|---|---|\n");
    double sub_s =
        as_bench_pipeline(c, "response.submit", n, 64, s_pack_submit, s_submitted, rid, lat);
    if (sub_s < 0) return 1;
    char extra[96];
    snprintf(extra, sizeof extra, "%.0f submissions/s (each pending)", (double)n / sub_s);
    as_bench_row("response.submit", lat, n, 1e3, extra);
    s_grades_t g = {rid, n};
    double grade_s = as_bench_pipeline(c, "grade.put", n, 64, s_pack_grade, NULL, &g, lat);
    if (grade_s < 0) return 1;
    snprintf(extra, sizeof extra, "%.0f grades/s (each resolves and scores its response)",
             (double)n / grade_s);
    as_bench_row("grade.put", lat, n, 1e3, extra);
    printf("\ngrade.put / response.submit rate: %.2f\n", sub_s / grade_s);
    /* the other raters' grades (requests n.. of the sequence), then the agreement read alone */
    double *more = malloc((S_RATERS - 1) * n * sizeof *more);
    if (!more) return 1;
    for (size_t i = n; i < S_RATERS * n; i += n) { /* (window 64: one rater's grades at a time) */
        g.rid = rid;
        double s = as_bench_pipeline(c, "grade.put", n, 64, s_pack_grade_from, NULL,
                                     &(s_from_t){&g, i}, more + (i - n));
        if (s < 0) return 1;
    }
    double reads[1000];
    double read_s =
        as_bench_pipeline(c, "assessment.agreement", 1000, 1, s_pack_agreement, NULL, NULL, reads);
    if (read_s < 0) return 1;
    printf("\n| read | requests | p50 µs | p99 µs | max µs | |\n|---|---|---|---|---|---|\n");
    snprintf(extra, sizeof extra, "one at a time, with %zu grades kept (4 raters x %zu)",
             S_RATERS * n, n);
    as_bench_row("assessment.agreement", reads, 1000, 1e6, extra);
    free(more);
    free(rid);
    free(lat);
    assay_close(&c);
    assay_close(&admin);
    return 0;
}
