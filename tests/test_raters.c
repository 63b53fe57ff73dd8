/* test_raters.c — several raters through a real assayd: grade.next hands each rater an answer no
 * one else holds, blind, leased until its grade or the lease's end, also to eight raters asking at
 * once; assessment.agreement is kept grade by grade (equal to the statistics computed here from
 * their definitions, agree_ref.c) and grade.list selects people's latest grades. One rater's
 * grading and resolution: test_graded.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "agree_ref.h"
#include "clock.h"
#include "harness.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static h_engine_t s_e;
static assay_t *s_admin;

static int s_setup(void **state)
{
    (void)state;
    h_start(&s_e, NULL);
    s_admin = h_connect(&s_e, true);
    return 0;
}

static int s_teardown(void **state)
{
    (void)state;
    assay_close(&s_admin);
    return h_cleanup(&s_e);
}

/* grade.next as rater (extra: more params, "" for none): true and the response id and item when
 * an answer is offered (checked blind: exactly its eight fields), false for nil. */
static bool s_next(const char *rater, const char *extra, double *rid, char *item, size_t n)
{
    char params[300];
    snprintf(params, sizeof params, "{'assessment':'queue','rater':'%s'%s}", rater, extra);
    assay_reply_t *r;
    assert_int_equal(h_call(s_admin, "grade.next", params, &r), ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    bool found = o->type != MSGPACK_OBJECT_NIL;
    if (found) {
        assert_int_equal(o->type, MSGPACK_OBJECT_MAP);
        assert_int_equal(o->via.map.size, 8);
        assert_true(h_str_is(o, "rater", rater));
        *rid = h_num(o, "response");
        const msgpack_object *it = assay_map_get(o, "item");
        snprintf(item, n, "%.*s", (int)it->via.str.size, it->via.str.ptr);
    }
    assay_reply_free(&r);
    return found;
}

static void raters_are_handed_answers_one_at_a_time_blind_and_leased(void **state)
{
    (void)state;
    h_ok(s_admin, "assessment.put",
         "{'id':'queue','items':["
         "{'id':'q','cardinality':'single','base_type':'identifier','rule':'match_correct',"
         "'correct':['A']},"
         "{'id':'e','graded':{'max':4,'raters':2,'tolerance':1,'rubric':["
         "{'score':0,'label':'none'},{'score':4,'label':'full','description':'all of it'}]}},"
         "{'id':'f','graded':{'max':2,'resolve':'first'}}]}");
    char params[300];
    double rid[3];
    static const char *const answers[3] = {"{'q':'A','e':'one','f':'fig'}", "{'q':'B','e':'two'}",
                                           "{'q':'A'}"};
    for (int i = 0; i < 3; i++) {
        snprintf(params, sizeof params, "{'assessment':'queue','learner':'l%d','answers':%s}", i,
                 answers[i]);
        rid[i] = h_submit_one(s_admin, params);
    }
    /* the first answer, whole: the learner's answer, the scale, the rubric, the lease */
    assay_reply_t *r;
    double before = as_wall_s();
    assert_int_equal(h_call(s_admin, "grade.next", "{'assessment':'queue','rater':'ann'}", &r),
                     ASSAY_OK);
    const msgpack_object *o = assay_reply_result(r);
    assert_true(h_num(o, "response") == rid[0] && h_str_is(o, "item", "e") &&
                h_str_is(o, "answer", "one") && h_num(o, "max") == 4 && h_num(o, "step") == 1);
    const msgpack_object *rubric = assay_map_get(o, "rubric");
    assert_int_equal(rubric->via.array.size, 2);
    assert_true(h_str_is(&rubric->via.array.ptr[1], "label", "full") &&
                h_str_is(&rubric->via.array.ptr[1], "description", "all of it") &&
                h_num(&rubric->via.array.ptr[1], "score") == 4);
    double until = h_num(o, "lease_until"), after = as_wall_s();
    /* the engine's clock (as_wall_s, to the nanosecond; time() reads a coarser clock that may
     * still be in the second before) read between these two: the lease is its now plus 120 s */
    assert_true(until >= before + 120 && until <= after + 120);
    assay_reply_free(&r);
    /* ann holds r0's e: asked again, the same; others are handed the other answers, one each */
    double got;
    char item[16];
    assert_true(s_next("ann", "", &got, item, sizeof item));
    assert_true(got == rid[0] && strcmp(item, "e") == 0);
    assert_true(s_next("ben", "", &got, item, sizeof item));
    assert_true(got == rid[0] && strcmp(item, "f") == 0);
    assert_true(s_next("cy", "", &got, item, sizeof item));
    assert_true(got == rid[1] && strcmp(item, "e") == 0);
    assert_false(s_next("di", "", &got, item, sizeof item));
    assert_false(s_next("di", ",'item':'e'", &got, item, sizeof item));
    /* ann's grade ends her lease: di is handed r0's e, ann has nothing left */
    double is, rs;
    assert_string_equal(h_grade(s_admin, rid[0], "e", "ann", 3, &is, &rs), "awaiting");
    assert_true(s_next("di", "", &got, item, sizeof item));
    assert_true(got == rid[0] && strcmp(item, "e") == 0);
    assert_false(s_next("ann", "", &got, item, sizeof item));
    /* r0 resolved (f: first grade; e: two people within the tolerance) leaves the queue */
    assert_string_equal(h_grade(s_admin, rid[0], "f", "ben", 2, &is, &rs), "resolved");
    assert_string_equal(h_grade(s_admin, rid[0], "e", "di", 4, &is, &rs), "resolved");
    assert_true(is == 3.5 && rs == 1 + 3.5 + 2);
    assert_false(s_next("ed", ",'item':'f'", &got, item, sizeof item));
    /* a judge is handed what still waits for people; a lease that ran out is handed on */
    assert_string_equal(h_grade(s_admin, rid[1], "e", "cy", 1, &is, &rs), "awaiting");
    assert_true(s_next("auto:judge", "", &got, item, sizeof item));
    assert_true(got == rid[1] && strcmp(item, "e") == 0);
    assert_string_equal(h_grade(s_admin, rid[1], "e", "auto:judge", 4, &is, &rs), "awaiting");
    assert_false(s_next("auto:judge", "", &got, item, sizeof item));
    assert_true(s_next("ed", ",'lease':1", &got, item, sizeof item));
    assert_true(got == rid[1] && strcmp(item, "e") == 0);
    assert_false(s_next("fay", "", &got, item, sizeof item));
    usleep(1200000); /* ed's lease of one second runs out */
    assert_true(s_next("fay", "", &got, item, sizeof item));
    assert_true(got == rid[1] && strcmp(item, "e") == 0);
    /* refusals */
    static const char *const cases[][2] = {
        {"{'assessment':'queue','rater':'ann','item':'zz'}",
         "not_found: item: assessment \"queue\" has no item \"zz\""},
        {"{'assessment':'queue','rater':'ann','item':'q'}",
         "bad_request: item: item \"q\" of assessment \"queue\" is scored automatically, not "
         "graded by people"},
        {"{'assessment':'queue','rater':'ann','lease':0}",
         "bad_request: lease: expected an integer in 1..3600, got 0"},
        {"{'assessment':'queue','rater':'ann','lease':3601}",
         "bad_request: lease: expected an integer in 1..3600, got 3601"},
        {"{'assessment':'queue'}", "bad_request: params: missing field \"rater\""},
        {"{'assessment':'nope','rater':'ann'}", "not_found: assessment \"nope\" not found"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[400];
        h_error(s_admin, "grade.next", cases[i][0], err, sizeof err);
        assert_string_equal(err, cases[i][1]);
    }
}

/* ---- raters asking at once ---- */

#define S_CROWD  8
#define S_ESSAYS 16

static pthread_mutex_t s_held_lock = PTHREAD_MUTEX_INITIALIZER;
static int s_held[S_ESSAYS]; /* who holds each answer's lease (0: no one, else rater + 1) */
static double s_essay_rid[S_ESSAYS];
static int s_clashes, s_regrades, s_graded;

/* Whether every answer has its two grades. */
static bool s_crowd_done(void)
{
    pthread_mutex_lock(&s_held_lock);
    bool done = s_graded == 2 * S_ESSAYS;
    pthread_mutex_unlock(&s_held_lock);
    return done;
}

/* A rater: asks for the next answer and grades it, until every answer has its two grades; notes
 * any answer handed while another holds it and any handed twice to the same rater. Nothing
 * handed (nil) while grades are missing is right when what is left is leased to others or graded
 * by this rater already; an answer another rater is grading may still need a second grade, so
 * the rater asks again a moment later (giving up after ~20 s, which fails the count). Stopping at
 * the first nil left an answer one grade short whenever the others had stopped too. */
static void *s_crowd_rater(void *arg)
{
    int me = (int)(intptr_t)arg;
    assay_t *c;
    if (assay_open(&c, s_e.dir, NULL)) return NULL;
    bool mine[S_ESSAYS] = {false};
    int idle = 0;
    while (!s_crowd_done()) {
        char params[160];
        snprintf(params, sizeof params, "{'assessment':'crowd','rater':'p%d'}", me);
        assay_reply_t *r;
        if (h_call(c, "grade.next", params, &r) != ASSAY_OK) break;
        const msgpack_object *o = assay_reply_result(r);
        if (o->type == MSGPACK_OBJECT_NIL) {
            assay_reply_free(&r);
            if (++idle > 4000) break;
            usleep(5000); /* (each ask is a write: a moment, not a spin) */
            continue;
        }
        idle = 0;
        double rid = h_num(o, "response");
        assay_reply_free(&r);
        int i = 0;
        while (i < S_ESSAYS && s_essay_rid[i] != rid)
            i++;
        if (i == S_ESSAYS) break;
        pthread_mutex_lock(&s_held_lock);
        s_clashes += s_held[i] != 0;
        s_regrades += mine[i];
        s_held[i] = me + 1;
        mine[i] = true;
        pthread_mutex_unlock(&s_held_lock);
        usleep(1000); /* (reading the answer) */
        pthread_mutex_lock(&s_held_lock);
        s_held[i] = 0; /* let go before the grade: the engine's lease holds until it is in */
        pthread_mutex_unlock(&s_held_lock);
        snprintf(params, sizeof params, "{'response':%.0f,'item':'e','rater':'p%d','score':%d}",
                 rid, me, me % 3);
        if (h_call(c, "grade.put", params, &r) != ASSAY_OK) break;
        assay_reply_free(&r);
        pthread_mutex_lock(&s_held_lock);
        s_graded++;
        pthread_mutex_unlock(&s_held_lock);
    }
    assay_close(&c);
    return NULL;
}

static void raters_asking_at_once_are_handed_different_answers(void **state)
{
    (void)state;
    h_ok(s_admin, "assessment.put",
         "{'id':'crowd','items':[{'id':'e','graded':{'max':2,'raters':2,'tolerance':2}}]}");
    for (int i = 0; i < S_ESSAYS; i++) {
        char params[160];
        snprintf(params, sizeof params,
                 "{'assessment':'crowd','learner':'w%d','answers':{'e':'essay %d'}}", i, i);
        s_essay_rid[i] = h_submit_one(s_admin, params);
    }
    pthread_t th[S_CROWD];
    for (int k = 0; k < S_CROWD; k++)
        pthread_create(&th[k], NULL, s_crowd_rater, (void *)(intptr_t)k);
    for (int k = 0; k < S_CROWD; k++)
        pthread_join(th[k], NULL);
    /* each answer handed to one rater at a time, never twice to one, graded by exactly two */
    assert_int_equal(s_clashes, 0);
    assert_int_equal(s_regrades, 0);
    assert_int_equal(s_graded, 2 * S_ESSAYS);
    assay_reply_t *r;
    assert_int_equal(h_call(s_admin, "assessment.report", "{'assessment':'crowd'}", &r), ASSAY_OK);
    assert_int_equal((int)h_num(assay_reply_result(r), "pending"), 0);
    assert_int_equal((int)h_num(assay_reply_result(r), "n"), S_ESSAYS);
    assay_reply_free(&r);
    assert_int_equal(h_call(s_admin, "grade.list", "{'assessment':'crowd'}", &r), ASSAY_OK);
    assert_int_equal((int)h_num(assay_reply_result(r), "total"), 2 * S_ESSAYS);
    assay_reply_free(&r);
}

/* A fixed pseudo-random sequence (the gate gives the same grades on every run). */
static uint32_t s_rand(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return (*x >> 16) & 0x7fff;
}

/* Whether figure `key` of map o is v (within rounding). */
static void s_figure(const msgpack_object *o, const char *key, double v)
{
    double got = h_num(o, key);
    if (fabs(got - v) > 1e-9) fail_msg("%s: got %.17g, expected %.17g", key, got, v);
}

enum { S_UNITS = 30, S_PEOPLE = 3, S_RATERS = 4 }; /* rater 3 is the judge */
static const char *const s_raters[S_RATERS] = {"ann", "bob", "cy", "auto:llm"};

static void agreement_is_kept_grade_by_grade_and_grades_are_listed(void **state)
{
    (void)state;
    h_ok(s_admin, "assessment.put",
         "{'id':'panel','items':[{'id':'q','cardinality':'single','base_type':'identifier',"
         "'rule':'match_correct','correct':['A']},"
         "{'id':'e','graded':{'max':4,'raters':2,'tolerance':1}}]}");
    double rid[S_UNITS];
    for (int u = 0; u < S_UNITS; u++) {
        char params[200];
        snprintf(params, sizeof params,
                 "{'assessment':'panel','learner':'p%d','answers':{'q':'A','e':'essay %d'}}", u, u);
        rid[u] = h_submit_one(s_admin, params);
    }
    /* each person grades about 3 answers in 4, near the answer's worth; the judge grades every
     * one; the raters take turns to go first; then bob revises some of his */
    uint16_t g[S_UNITS][S_RATERS];
    uint32_t x = 2026;
    double is, rs;
    for (int u = 0; u < S_UNITS; u++) {
        int worth = (int)(s_rand(&x) % 5);
        for (int k = 0; k < S_RATERS; k++) {
            int r = (u + k) % S_RATERS;
            g[u][r] = AGREE_REF_NONE;
            if (r < S_PEOPLE && s_rand(&x) % 4 == 0) continue;
            int v = worth + (int)(s_rand(&x) % 3) - 1;
            g[u][r] = (uint16_t)(v < 0 ? 0 : v > 4 ? 4 : v);
            h_grade(s_admin, rid[u], "e", s_raters[r], g[u][r], &is, &rs);
        }
    }
    for (int u = 0; u < S_UNITS; u += 3)
        if (g[u][1] != AGREE_REF_NONE) {
            g[u][1] = (uint16_t)((g[u][1] + 2) % 5);
            h_grade(s_admin, rid[u], "e", "bob", g[u][1], &is, &rs);
        }
    /* the references, from the latest grades */
    uint16_t people[S_UNITS * S_PEOPLE];
    int units = 0, grades = 0, pairs = 0, same = 0, near = 0, raters[S_PEOPLE] = {0};
    for (int u = 0; u < S_UNITS; u++) {
        int n = 0;
        for (int r = 0; r < S_PEOPLE; r++) {
            people[u * S_PEOPLE + r] = g[u][r];
            if (g[u][r] == AGREE_REF_NONE) continue;
            n++;
            raters[r] = 1;
            for (int o = r + 1; o < S_PEOPLE; o++)
                if (g[u][o] != AGREE_REF_NONE) {
                    pairs++;
                    same += g[u][r] == g[u][o];
                    near += abs(g[u][r] - g[u][o]) <= 1;
                }
        }
        units += n > 0;
        grades += n;
    }
    assay_reply_t *r;
    assert_int_equal(h_call(s_admin, "assessment.agreement", "{'assessment':'panel'}", &r),
                     ASSAY_OK);
    const msgpack_object *items = assay_map_get(assay_reply_result(r), "items");
    assert_non_null(items);
    assert_int_equal(items->via.map.size, 1); /* (q is scored automatically) */
    const msgpack_object *e = assay_map_get(items, "e");
    assert_non_null(e);
    s_figure(e, "units", units);
    s_figure(e, "grades", grades);
    s_figure(e, "raters", raters[0] + raters[1] + raters[2]);
    s_figure(e, "exact", (double)same / pairs);
    s_figure(e, "adjacent", (double)near / pairs);
    const msgpack_object *alpha = assay_map_get(e, "alpha");
    s_figure(alpha, "nominal", agree_ref_alpha(people, S_UNITS, S_PEOPLE, 0));
    s_figure(alpha, "ordinal", agree_ref_alpha(people, S_UNITS, S_PEOPLE, 1));
    s_figure(alpha, "interval", agree_ref_alpha(people, S_UNITS, S_PEOPLE, 2));
    /* every two people over the answers both graded; the judge against each person's grade */
    const msgpack_object *pair_map = assay_map_get(e, "pairs");
    assert_int_equal(pair_map->via.map.size, 3);
    static const int cmp[4][2] = {{0, 1}, {0, 2}, {1, 2}, {3, -1}}; /* -1: every person */
    for (int c = 0; c < 4; c++) {
        int first = cmp[c][0], va[S_UNITS * S_PEOPLE], vb[S_UNITS * S_PEOPLE], n = 0, eq = 0,
            adj = 0;
        bool judge = cmp[c][1] < 0;
        for (int u = 0; u < S_UNITS; u++)
            for (int p = 0; p < S_PEOPLE; p++) {
                int second = judge ? p : cmp[c][1];
                if ((!judge && p > 0) || g[u][first] == AGREE_REF_NONE ||
                    g[u][second] == AGREE_REF_NONE)
                    continue;
                va[n] = g[u][first];
                vb[n] = g[u][second];
                eq += va[n] == vb[n];
                adj += abs(va[n] - vb[n]) <= 1;
                n++;
            }
        char name[64];
        snprintf(name, sizeof name, "%s|%s", s_raters[first], judge ? "" : s_raters[cmp[c][1]]);
        const msgpack_object *o = judge ? assay_map_get(assay_map_get(e, "judges"), "auto:llm")
                                        : assay_map_get(pair_map, name);
        assert_non_null(o);
        double kappa, qwk;
        agree_ref_kappa(va, vb, n, 5, &kappa, &qwk);
        s_figure(o, "n", n);
        s_figure(o, "exact", (double)eq / n);
        s_figure(o, "kappa", kappa);
        s_figure(o, "qwk", qwk);
        if (judge) s_figure(o, "adjacent", (double)adj / n);
    }
    assay_reply_free(&r);
    /* one item asked for gives the same; an automatic item or an unknown one is refused */
    assert_int_equal(
        h_call(s_admin, "assessment.agreement", "{'assessment':'panel','item':'e'}", &r), ASSAY_OK);
    e = assay_map_get(assay_map_get(assay_reply_result(r), "items"), "e");
    s_figure(e, "grades", grades);
    s_figure(assay_map_get(e, "alpha"), "interval", agree_ref_alpha(people, S_UNITS, S_PEOPLE, 2));
    assay_reply_free(&r);
    /* grade.list: the latest grades, by response, item and rater, a page of 7 at a time */
    int listed = 0, revised = 0;
    char cursor[128] = "";
    do {
        char params[200];
        snprintf(params, sizeof params, "{'assessment':'panel','limit':7%s%s%s}",
                 cursor[0] ? ",'cursor':'" : "", cursor, cursor[0] ? "'" : "");
        assert_int_equal(h_call(s_admin, "grade.list", params, &r), ASSAY_OK);
        const msgpack_object *o = assay_reply_result(r), *rows = assay_map_get(o, "grades"),
                             *next = assay_map_get(o, "next_cursor");
        assert_true(h_num(o, "total") == grades + S_UNITS); /* (the judge's too) */
        for (uint32_t i = 0; i < rows->via.array.size; i++, listed++) {
            const msgpack_object *row = &rows->via.array.ptr[i];
            int u = 0, k = 0;
            while (u < S_UNITS && rid[u] != h_num(row, "response"))
                u++;
            assert_true(u < S_UNITS);
            /* (in byte order: ann, auto:llm, bob, cy) */
            static const int order[S_RATERS] = {0, 3, 1, 2};
            int before = 0;
            for (int v = 0; v < u; v++)
                for (int y = 0; y < S_RATERS; y++)
                    before += g[v][y] != AGREE_REF_NONE;
            while (k < S_RATERS && !h_str_is(row, "rater", s_raters[order[k]]))
                before += g[u][order[k++]] != AGREE_REF_NONE;
            assert_true(k < S_RATERS);
            assert_int_equal(before, listed); /* every grade once, in order */
            assert_true(h_num(row, "score") == g[u][order[k]]);
            revised += h_num(row, "revision") == 2;
        }
        snprintf(cursor, sizeof cursor, "%.*s",
                 next->type == MSGPACK_OBJECT_STR ? (int)next->via.str.size : 0,
                 next->type == MSGPACK_OBJECT_STR ? next->via.str.ptr : "");
        assay_reply_free(&r);
    } while (cursor[0]);
    assert_int_equal(listed, grades + S_UNITS);
    int bob = 0, bob_revised = 0;
    for (int u = 0; u < S_UNITS; u++) {
        bob += g[u][1] != AGREE_REF_NONE;
        bob_revised += u % 3 == 0 && g[u][1] != AGREE_REF_NONE;
    }
    assert_int_equal(revised, bob_revised);
    assert_int_equal(h_call(s_admin, "grade.list", "{'assessment':'panel','rater':'bob'}", &r),
                     ASSAY_OK);
    assert_true(h_num(assay_reply_result(r), "total") == bob);
    assay_reply_free(&r);
    char params[120];
    snprintf(params, sizeof params, "{'response':%.0f}", rid[4]);
    assert_int_equal(h_call(s_admin, "grade.list", params, &r), ASSAY_OK);
    int of4 = 0;
    for (int k = 0; k < S_RATERS; k++)
        of4 += g[4][k] != AGREE_REF_NONE;
    assert_true(h_num(assay_reply_result(r), "total") == of4);
    assay_reply_free(&r);
    char got[256];
    assert_string_equal(h_error(s_admin, "grade.list", "{'assessment':'nope'}", got, sizeof got),
                        "not_found: assessment \"nope\" not found");
    assert_string_equal(h_error(s_admin, "grade.list", "{'cursor':'12:x'}", got, sizeof got),
                        "bad_request: cursor: not a cursor grade.list gave");
    assert_string_equal(h_error(s_admin, "assessment.agreement",
                                "{'assessment':'panel','item':'q'}", got, sizeof got),
                        "bad_request: item: item \"q\" of assessment \"panel\" is scored "
                        "automatically, not graded by people");
    assert_string_equal(h_error(s_admin, "assessment.agreement",
                                "{'assessment':'panel','item':'zz'}", got, sizeof got),
                        "not_found: item: assessment \"panel\" has no item \"zz\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(raters_are_handed_answers_one_at_a_time_blind_and_leased),
        cmocka_unit_test(raters_asking_at_once_are_handed_different_answers),
        cmocka_unit_test(agreement_is_kept_grade_by_grade_and_grades_are_listed),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
