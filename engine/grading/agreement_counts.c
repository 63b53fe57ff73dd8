/* agreement_counts.c — an item's agreement counts changed grade by grade, and summed back into
 * its statistics (agreement_counts.h). */
#include "agreement_counts.h"

#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Byte order of two rater ids: <0 when a sorts first. */
static int s_cmp(const char *a, uint32_t la, const char *b, uint32_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* ---- a grade's changes ---- */

typedef struct {
    as_agree_scratch_t *u;
    uint32_t m;
    as_agree_emit_fn emit;
    void *arg;
    char key[AS_AGREE_KEY_MAX];
} s_change_t;

/* Emits the change built in u->delta (n counts) under "<m>/" and the printf-style rest. */
static int s_emit(s_change_t *c, uint32_t n, const char *kind, const char *a, uint32_t la,
                  const char *b, uint32_t lb)
{
    int k;
    if (b)
        k = snprintf(c->key, sizeof c->key, "%u/%s%u:%.*s%.*s", c->m, kind, la, (int)la, a, (int)lb,
                     b);
    else
        k = snprintf(c->key, sizeof c->key, "%u/%s%.*s", c->m, kind, (int)la, a);
    return c->emit(c->arg, c->key, (uint32_t)k, c->u->delta, n);
}

static void s_zero(s_change_t *c, uint32_t n)
{
    memset(c->u->delta, 0, n * sizeof *c->u->delta);
}

/* Adds sign x the ordered pairs of the people's grades among u's (skipping index `skip`, and
 * adding the grade `extra` when >= 0) to the coincidences being built. */
static void s_pairs(s_change_t *c, uint32_t skip, int extra, int sign)
{
    uint16_t g[AS_AGREE_MAX_RATERS + 1];
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->u->n; i++)
        if (i != skip && !as_grade_is_judge(c->u->grades[i].rater, c->u->grades[i].len))
            g[n++] = c->u->grades[i].grade;
    if (extra >= 0) g[n++] = (uint16_t)extra;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++)
            if (i != j) c->u->delta[(size_t)g[i] * c->m + g[j]] += sign;
}

/* A person's grade: old (-1: none) to g. */
static int s_person(s_change_t *c, const char *rater, uint32_t len, int32_t self, int old,
                    uint16_t g)
{
    as_agree_scratch_t *u = c->u;
    uint32_t m = c->m, mm = m * m, people = 0;
    for (uint32_t i = 0; i < u->n; i++)
        people += !as_grade_is_judge(u->grades[i].rater, u->grades[i].len);
    int rc;
    if (old < 0) { /* a new grade: the answer and the person counted, its pairs move up a size */
        s_zero(c, 2);
        u->delta[0] = people == 0;
        u->delta[1] = 1;
        if ((rc = s_emit(c, 2, "n", "", 0, NULL, 0))) return rc;
        s_zero(c, 1);
        u->delta[0] = 1;
        if ((rc = s_emit(c, 1, "r:", rater, len, NULL, 0))) return rc;
        char size[16];
        if (people >= 2) {
            s_zero(c, mm);
            s_pairs(c, UINT32_MAX, -1, -1);
            snprintf(size, sizeof size, "c%u", people);
            if ((rc = s_emit(c, mm, size, "", 0, NULL, 0))) return rc;
        }
        if (people + 1 >= 2) {
            s_zero(c, mm);
            s_pairs(c, UINT32_MAX, g, +1);
            snprintf(size, sizeof size, "c%u", people + 1);
            if ((rc = s_emit(c, mm, size, "", 0, NULL, 0))) return rc;
        }
    } else if (people >= 2) { /* a revision: the same people, one grade moved */
        s_zero(c, mm);
        s_pairs(c, UINT32_MAX, -1, -1);
        s_pairs(c, (uint32_t)self, g, +1);
        char size[16];
        snprintf(size, sizeof size, "c%u", people);
        if ((rc = s_emit(c, mm, size, "", 0, NULL, 0))) return rc;
    }
    for (uint32_t i = 0; i < u->n; i++) {
        const as_unit_grade_t *o = &u->grades[i];
        if ((int32_t)i == self) continue;
        s_zero(c, mm);
        if (as_grade_is_judge(o->rater, o->len)) { /* [judge's][person's] */
            if (old >= 0) u->delta[(size_t)o->grade * m + (uint32_t)old] -= 1;
            u->delta[(size_t)o->grade * m + g] += 1;
            if ((rc = s_emit(c, mm, "j:", o->rater, o->len, NULL, 0))) return rc;
            continue;
        }
        bool first = s_cmp(rater, len, o->rater, o->len) < 0; /* [first's][second's] */
        if (old >= 0)
            u->delta[first ? (size_t)old * m + o->grade : (size_t)o->grade * m + (uint32_t)old] -=
                1;
        u->delta[first ? (size_t)g * m + o->grade : (size_t)o->grade * m + g] += 1;
        rc = first ? s_emit(c, mm, "p:", rater, len, o->rater, o->len)
                   : s_emit(c, mm, "p:", o->rater, o->len, rater, len);
        if (rc) return rc;
    }
    return 0;
}

/* A judge's grade: old (-1: none) to g, against each person's grade of the answer. */
static int s_judge(s_change_t *c, const char *rater, uint32_t len, int old, uint16_t g)
{
    as_agree_scratch_t *u = c->u;
    uint32_t m = c->m, mm = m * m, people = 0;
    s_zero(c, mm);
    for (uint32_t i = 0; i < u->n; i++) {
        const as_unit_grade_t *o = &u->grades[i];
        if (as_grade_is_judge(o->rater, o->len)) continue;
        people++;
        if (old >= 0) u->delta[(size_t)old * m + o->grade] -= 1;
        u->delta[(size_t)g * m + o->grade] += 1;
    }
    return people ? s_emit(c, mm, "j:", rater, len, NULL, 0) : 0;
}

int as_agree_change(as_agree_scratch_t *u, uint32_t m, const char *rater, uint32_t len, uint16_t g,
                    as_agree_emit_fn emit, void *arg)
{
    s_change_t c = {.u = u, .m = m, .emit = emit, .arg = arg};
    int32_t self = -1;
    for (uint32_t i = 0; i < u->n; i++)
        if (u->grades[i].len == len && memcmp(u->grades[i].rater, rater, len) == 0)
            self = (int32_t)i;
    int old = self >= 0 ? u->grades[self].grade : -1;
    if (old == g) return 0;
    return as_grade_is_judge(rater, len) ? s_judge(&c, rater, len, old, g)
                                         : s_person(&c, rater, len, self, old, g);
}

/* ---- reading them back ---- */

void as_agree_sum_init(as_agree_sum_t *s, uint32_t m)
{
    *s = (as_agree_sum_t){.m = m};
    as_agree_init(&s->coincidences, m);
}

void as_agree_sum_clear(as_agree_sum_t *s)
{
    as_agree_clear(&s->coincidences);
    free(s->pairs);
    free(s->judges);
    as_agree_sum_init(s, s->m);
}

/* counts[0..n) as the non-negative counts the statistics take (into out). */
static void s_unsigned(const int64_t *counts, uint32_t n, uint64_t *out)
{
    for (uint32_t i = 0; i < n; i++)
        out[i] = counts[i] > 0 ? (uint64_t)counts[i] : 0;
}

/* A named figure appended to *v (NULL: memory ran out). */
static as_agree_named_t *s_named(as_agree_sum_t *s, as_agree_named_t **v, uint32_t *n,
                                 uint32_t *cap)
{
    if (*n == *cap) {
        uint32_t c = *cap ? 2 * *cap : 8;
        as_agree_named_t *p = realloc(*v, c * sizeof *p);
        if (!p) {
            s->oom = true;
            return NULL;
        }
        *v = p;
        *cap = c;
    }
    return &(*v)[(*n)++];
}

void as_agree_sum_row(as_agree_sum_t *s, const char *key, uint32_t klen, const int64_t *counts,
                      uint32_t n)
{
    char prefix[16];
    int pl = snprintf(prefix, sizeof prefix, "%u/", s->m);
    if (klen <= (uint32_t)pl || memcmp(key, prefix, (size_t)pl) != 0) return;
    const char *k = key + pl, *end = key + klen;
    uint32_t mm = s->m * s->m;
    uint64_t matrix[AS_AGREE_MAX_POINTS * AS_AGREE_MAX_POINTS];
    if (end - k == 1 && *k == 'n' && n == 2) {
        s->units += counts[0] > 0 ? (uint64_t)counts[0] : 0;
        s->grades += counts[1] > 0 ? (uint64_t)counts[1] : 0;
    } else if (end - k > 2 && memcmp(k, "r:", 2) == 0 && n == 1) {
        s->raters += counts[0] > 0;
    } else if (*k == 'c' && n == mm) {
        char *stop;
        unsigned long size = strtoul(k + 1, &stop, 10);
        if (stop != end || size < 2 || size > AS_AGREE_MAX_RATERS) return;
        s_unsigned(counts, n, matrix);
        if (as_agree_add(&s->coincidences, (uint32_t)size, matrix)) s->oom = true;
    } else if (end - k > 2 && memcmp(k, "j:", 2) == 0 && n == mm) {
        as_agree_named_t *j = s_named(s, &s->judges, &s->n_judges, &s->cap_judges);
        if (!j) return;
        snprintf(j->name, sizeof j->name, "%.*s", (int)(end - k - 2), k + 2);
        s_unsigned(counts, n, matrix);
        as_agree_pair(matrix, s->m, &j->st);
    } else if (end - k > 2 && memcmp(k, "p:", 2) == 0 && n == mm) {
        char *stop;
        unsigned long la = strtoul(k + 2, &stop, 10);
        if (*stop != ':' || la == 0 || la >= (unsigned long)(end - stop - 1)) return;
        as_agree_named_t *p = s_named(s, &s->pairs, &s->n_pairs, &s->cap_pairs);
        if (!p) return;
        const char *a = stop + 1;
        snprintf(p->name, sizeof p->name, "%.*s|%.*s", (int)la, a, (int)(end - a - (long)la),
                 a + la);
        s_unsigned(counts, n, matrix);
        as_agree_pair(matrix, s->m, &p->st);
    }
}
