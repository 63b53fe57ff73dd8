/* fit_read.c — the job thread's half of skill.fit (fit.c says what the job does): reading every
 * stored observation of the wanted skills into the job thread's memory (phase 0) or packing those
 * of the skills the job recomputes (phase 1), and, at the end of phase 0, fitting each skill on
 * the cores and packing the result the finish step carries. */
#include "fit.h"

#include "tracing.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the job thread's state: interned skills and learners, observations in stored order ---- */

typedef struct {
    char **s; /* the strings, by index */
    uint32_t *lens;
    uint32_t n, cap;
    uint32_t *slot; /* open addressing: index + 1, 0 empty */
    uint32_t slots;
} s_names_t;

typedef struct {
    uint32_t skill, learner;
    uint8_t correct;
} s_obs_t;

typedef struct {
    as_fit_args_t args;
    bool have_args;
    s_names_t skills, learners;
    s_obs_t *obs;
    size_t n_obs, cap_obs;
    /* one response's observations, before its learner is known */
    uint32_t *pend_skill;
    uint8_t *pend_correct;
    size_t n_pend, cap_pend;
    bool oom;
} s_state_t;

/* The index of (s, len), added when new; UINT32_MAX when out of memory. */
static uint32_t s_intern(s_names_t *t, const char *s, uint32_t len)
{
    if (2 * (t->n + 1) > t->slots) { /* grow and rehash at half full */
        uint32_t slots = t->slots ? t->slots * 2 : 1024;
        uint32_t *slot = calloc(slots, sizeof *slot);
        if (!slot) return UINT32_MAX;
        for (uint32_t i = 0; i < t->n; i++) {
            uint32_t h = as_table_hash(t->s[i], t->lens[i]) & (slots - 1);
            while (slot[h])
                h = (h + 1) & (slots - 1);
            slot[h] = i + 1;
        }
        free(t->slot);
        t->slot = slot;
        t->slots = slots;
    }
    uint32_t h = as_table_hash(s, len) & (t->slots - 1);
    for (; t->slot[h]; h = (h + 1) & (t->slots - 1)) {
        uint32_t i = t->slot[h] - 1;
        if (t->lens[i] == len && memcmp(t->s[i], s, len) == 0) return i;
    }
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 256;
        char **ns = realloc(t->s, cap * sizeof *ns);
        if (!ns) return UINT32_MAX;
        t->s = ns;
        uint32_t *nl = realloc(t->lens, cap * sizeof *nl);
        if (!nl) return UINT32_MAX;
        t->lens = nl;
        t->cap = cap;
    }
    char *copy = malloc(len ? len : 1);
    if (!copy) return UINT32_MAX;
    memcpy(copy, s, len);
    t->s[t->n] = copy;
    t->lens[t->n] = len;
    t->slot[h] = t->n + 1;
    return t->n++;
}

static void s_names_free(s_names_t *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        free(t->s[i]);
    free(t->s);
    free(t->lens);
    free(t->slot);
}

void as_fit_release(void *state)
{
    s_state_t *st = state;
    if (!st) return;
    s_names_free(&st->skills);
    s_names_free(&st->learners);
    free(st->obs);
    free(st->pend_skill);
    free(st->pend_correct);
    free(st);
}

/* The job thread's state, created (with the job's arguments read) at the first call. */
static s_state_t *s_state(as_chunk_t *c)
{
    if (*c->state) return *c->state;
    s_state_t *st = calloc(1, sizeof *st);
    if (!st) return NULL;
    const void *data;
    size_t len;
    as_err_t ignored;
    st->have_args =
        as_store_job_data_get(c->rd, c->job->id, AS_JOB_ARGS, &data, &len, &ignored) == AS_OK &&
        as_fit_args_read(data, len, &st->args);
    *c->state = st;
    return st;
}

/* ---- phase 0: reading the observations ---- */

typedef struct {
    as_chunk_t *c;
    s_state_t *st;
    as_trace_tables_t tables; /* zeroed with each chunk's read */
} s_read_t;

static bool s_want_fit(void *arg, const char *skill, uint32_t len)
{
    const as_job_t *job = ((s_read_t *)arg)->c->job;
    return !job->assessment_len ||
           (len == job->assessment_len && memcmp(skill, job->assessment, len) == 0);
}

/* Every wanted observation of a response waits here until its learner is known. */
static void s_pend(void *arg, const char *skill, uint32_t len, bool correct)
{
    s_state_t *st = ((s_read_t *)arg)->st;
    if (st->oom) return;
    if (st->n_pend == st->cap_pend) {
        size_t cap = st->cap_pend ? st->cap_pend * 2 : 64;
        uint32_t *ns = realloc(st->pend_skill, cap * sizeof *ns);
        uint8_t *nc = ns ? realloc(st->pend_correct, cap) : NULL;
        if (ns) st->pend_skill = ns;
        if (nc) st->pend_correct = nc;
        if (!ns || !nc) {
            st->oom = true;
            return;
        }
        st->cap_pend = cap;
    }
    uint32_t k = s_intern(&st->skills, skill, len);
    if (k == UINT32_MAX) {
        st->oom = true;
        return;
    }
    st->pend_skill[st->n_pend] = k;
    st->pend_correct[st->n_pend++] = correct;
}

/* Reads stored response rid's observations of the skills `want` names into the pending list:
 * true when there are some (their learner in *learner), false when none or on an error (c->rc). */
static bool s_observe(s_read_t *rd, uint64_t rid, const char *a, uint32_t alen,
                      as_trace_want_fn want, const char **learner, uint32_t *llen)
{
    as_chunk_t *c = rd->c;
    if (c->rc) return false;
    c->scanned++;
    c->last = rid;
    rd->st->n_pend = 0;
    c->rc = as_trace_stored(c->rd, &rd->tables, c->scorer, c->x, rid, a, alen, want, s_pend, rd,
                            learner, llen, c->err);
    if (!c->rc && rd->st->oom) c->rc = as_err_set(c->err, AS_INTERNAL, "out of memory");
    return !c->rc && rd->st->n_pend;
}

static void s_fit_one(void *arg, uint64_t rid, const char *a, uint32_t alen)
{
    s_read_t *rd = arg;
    as_chunk_t *c = rd->c;
    s_state_t *st = rd->st;
    const char *learner;
    uint32_t llen;
    if (!s_observe(rd, rid, a, alen, s_want_fit, &learner, &llen)) return;
    uint32_t l = s_intern(&st->learners, learner, llen);
    if (l == UINT32_MAX) st->oom = true;
    if (!st->oom && st->n_obs + st->n_pend > st->cap_obs) {
        size_t cap = st->cap_obs ? st->cap_obs * 2 : 65536;
        while (cap < st->n_obs + st->n_pend)
            cap *= 2;
        s_obs_t *no = realloc(st->obs, cap * sizeof *no);
        if (no) {
            st->obs = no;
            st->cap_obs = cap;
        } else {
            st->oom = true;
        }
    }
    if (st->oom) {
        c->rc = as_err_set(c->err, AS_INTERNAL, "out of memory reading the observations");
        return;
    }
    for (size_t i = 0; i < st->n_pend; i++)
        st->obs[st->n_obs++] =
            (s_obs_t){.skill = st->pend_skill[i], .learner = l, .correct = st->pend_correct[i]};
}

/* ---- phase 1: reading the observations of the skills this job recomputes ---- */

static bool s_want_owned(void *arg, const char *skill, uint32_t len)
{
    as_chunk_t *c = ((s_read_t *)arg)->c;
    as_skill_t sk;
    as_err_t ignored;
    return as_store_skill_get(c->rd, skill, len, &sk, &ignored) == AS_OK && sk.shadow_gen &&
           sk.job == c->job->id;
}

/* [rid, learner, [[skill, [observation...]]...]]: a skill's observations in their order, skills
 * in the order of their first observation. */
static void s_apply_one(void *arg, uint64_t rid, const char *a, uint32_t alen)
{
    s_read_t *rd = arg;
    as_chunk_t *c = rd->c;
    s_state_t *st = rd->st;
    const char *learner;
    uint32_t llen;
    if (!s_observe(rd, rid, a, alen, s_want_owned, &learner, &llen)) return;
    uint32_t groups = 0;
    for (size_t i = 0; i < st->n_pend; i++) {
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = st->pend_skill[j] != st->pend_skill[i];
        groups += first;
    }
    msgpack_packer *pk = c->pk;
    msgpack_pack_array(pk, 3);
    msgpack_pack_uint64(pk, rid);
    as_pack_str(pk, learner, llen);
    msgpack_pack_array(pk, groups);
    for (size_t i = 0; i < st->n_pend; i++) {
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = st->pend_skill[j] != st->pend_skill[i];
        if (!first) continue;
        uint32_t k = st->pend_skill[i], n = 0;
        for (size_t j = i; j < st->n_pend; j++)
            n += st->pend_skill[j] == k;
        msgpack_pack_array(pk, 2);
        as_pack_str(pk, st->skills.s[k], st->skills.lens[k]);
        msgpack_pack_array(pk, n);
        for (size_t j = i; j < st->n_pend; j++)
            if (st->pend_skill[j] == k) msgpack_pack_uint8(pk, st->pend_correct[j]);
    }
    c->entries++;
}

as_code_t as_fit_read(as_chunk_t *c)
{
    s_state_t *st = s_state(c);
    if (!st) return as_err_set(c->err, AS_INTERNAL, "out of memory");
    s_read_t rd = {.c = c, .st = st};
    return as_store_rids_scan(c->rd, c->after, AS_JOB_CHUNK,
                              c->job->version ? s_apply_one : s_fit_one, &rd, c->err);
}

/* ---- the end of phase 0: fitting ---- */

typedef struct {
    char id[AS_MAX_ID];
    uint32_t len;
    as_bkt_params_t start;
    as_bkt_seqs_t seqs;
    as_bkt_fit_t fit;
    int rc;
} s_skill_fit_t;

typedef struct {
    s_skill_fit_t *skills;
    uint32_t n, next; /* the next skill to fit (under lock) */
    const as_bkt_fit_opts_t *opts;
    pthread_mutex_t lock;
} s_pool_t;

static void *s_worker(void *arg)
{
    s_pool_t *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        uint32_t i = p->next++;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->n) return NULL;
        s_skill_fit_t *s = &p->skills[i];
        s->rc = as_bkt_fit(&s->seqs, p->opts, as_bkt_fit_stream(s->id, s->len), &s->start, &s->fit);
    }
}

typedef struct {
    s_skill_fit_t *skills;
    uint32_t n, cap;
    bool oom;
} s_list_t;

static void s_list_skill(void *arg, const char *id, uint32_t len, const as_skill_t *sk)
{
    s_list_t *l = arg;
    if (l->oom) return;
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 64;
        s_skill_fit_t *ns = realloc(l->skills, cap * sizeof *ns);
        if (!ns) {
            l->oom = true;
            return;
        }
        l->skills = ns;
        l->cap = cap;
    }
    s_skill_fit_t *s = &l->skills[l->n++];
    memset(s, 0, sizeof *s);
    memcpy(s->id, id, len);
    s->len = len;
    s->start = sk->params;
}

static int s_by_skill_learner(const void *x, const void *y)
{
    const s_obs_t *a = *(const s_obs_t *const *)x, *b = *(const s_obs_t *const *)y;
    if (a->skill != b->skill) return a->skill < b->skill ? -1 : 1;
    if (a->learner != b->learner) return a->learner < b->learner ? -1 : 1;
    return a < b ? -1 : a > b; /* stored order within a learner */
}

static void s_pack_result(msgpack_packer *pk, const s_state_t *st, const s_list_t *l)
{
    const as_fit_args_t *a = &st->args;
    msgpack_pack_map(pk, 8);
    as_pack_cstr(pk, "skills");
    msgpack_pack_array(pk, l->n);
    for (uint32_t i = 0; i < l->n; i++) {
        const s_skill_fit_t *s = &l->skills[i];
        const as_bkt_params_t *p = &s->fit.params;
        const double v[AS_BKT_NPARAMS] = {p->prior, p->learn, p->forget, p->guess, p->slip};
        msgpack_pack_map(pk, 13);
        as_pack_cstr(pk, "skill");
        as_pack_str(pk, s->id, s->len);
        for (int k = 0; k < AS_BKT_NPARAMS; k++) {
            as_pack_cstr(pk, as_fit_names[k]);
            msgpack_pack_double(pk, v[k]);
        }
        as_pack_cstr(pk, "log_likelihood");
        msgpack_pack_double(pk, s->fit.loglik);
        as_pack_cstr(pk, "iterations");
        msgpack_pack_uint32(pk, s->fit.iterations);
        as_pack_cstr(pk, "converged");
        s->fit.converged ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
        as_pack_cstr(pk, "observations");
        msgpack_pack_uint64(pk, s->fit.observations);
        as_pack_cstr(pk, "learners");
        msgpack_pack_uint32(pk, s->fit.learners);
        as_pack_cstr(pk, "at_bound");
        uint32_t nb = 0;
        for (int k = 0; k < AS_BKT_NPARAMS; k++)
            nb += (s->fit.at_bound >> k) & 1;
        msgpack_pack_array(pk, nb);
        for (int k = 0; k < AS_BKT_NPARAMS; k++)
            if ((s->fit.at_bound >> k) & 1) as_pack_cstr(pk, as_fit_names[k]);
        as_pack_cstr(pk, "note");
        if (s->fit.note)
            as_pack_cstr(pk, s->fit.note);
        else
            msgpack_pack_nil(pk);
    }
    as_pack_cstr(pk, "observations");
    msgpack_pack_uint64(pk, st->n_obs);
    as_pack_cstr(pk, "learners");
    msgpack_pack_uint32(pk, st->learners.n);
    as_pack_cstr(pk, "forgets");
    a->opts.forgets ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    as_pack_cstr(pk, "restarts");
    msgpack_pack_uint32(pk, a->opts.restarts);
    as_pack_cstr(pk, "seed");
    msgpack_pack_uint64(pk, a->opts.seed);
    as_pack_cstr(pk, "bounds");
    if (!a->bounded) {
        msgpack_pack_nil(pk);
    } else {
        msgpack_pack_map(pk, AS_BKT_NPARAMS);
        for (int k = 0; k < AS_BKT_NPARAMS; k++) {
            as_pack_cstr(pk, as_fit_names[k]);
            msgpack_pack_array(pk, 2);
            msgpack_pack_double(pk, a->opts.bounds.lo[k]);
            msgpack_pack_double(pk, a->opts.bounds.hi[k]);
        }
    }
    as_pack_cstr(pk, "applied");
    a->apply ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
}

/* Fits every wanted skill (the one asked for, or every skill stored) and packs the result. */
as_code_t as_fit_conclude(as_chunk_t *c, msgpack_packer *pk)
{
    const as_job_t *job = c->job;
    if (job->version) { /* the end of phase 1: nothing to carry */
        msgpack_pack_nil(pk);
        return AS_OK;
    }
    s_state_t *st = s_state(c);
    if (!st) return as_err_set(c->err, AS_INTERNAL, "out of memory");
    if (!st->have_args) return as_err_set(c->err, AS_INTERNAL, "the fit's arguments are missing");
    s_list_t l = {0};
    as_code_t rc = AS_OK;
    if (job->assessment_len) {
        as_skill_t sk;
        if ((rc = as_store_skill_get(c->rd, job->assessment, job->assessment_len, &sk, c->err)))
            return rc;
        s_list_skill(&l, job->assessment, job->assessment_len, &sk);
    } else {
        uint64_t total;
        bool more = true;
        const char *after = NULL;
        uint32_t after_len = 0;
        while (more && !rc && !l.oom) {
            uint32_t before = l.n;
            rc = as_store_skill_list(c->rd, after, after_len, AS_MAX_LIST, s_list_skill, &l, &total,
                                     &more, c->err);
            if (l.n == before) break;
            after = l.skills[l.n - 1].id;
            after_len = l.skills[l.n - 1].len;
        }
    }
    /* each skill's observations, grouped by learner in stored order */
    const s_obs_t **order = st->n_obs ? malloc(st->n_obs * sizeof *order) : NULL;
    uint8_t *bits = st->n_obs ? malloc(st->n_obs) : NULL;
    uint32_t *starts = malloc(((size_t)st->n_obs + l.n + 1) * sizeof *starts);
    if (l.oom || !starts || (st->n_obs && (!order || !bits))) {
        rc = as_err_set(c->err, AS_INTERNAL, "out of memory fitting");
        goto done;
    }
    if (rc) goto done;
    for (size_t i = 0; i < st->n_obs; i++)
        order[i] = &st->obs[i];
    if (st->n_obs) qsort(order, st->n_obs, sizeof *order, s_by_skill_learner);
    for (size_t i = 0; i < st->n_obs; i++)
        bits[i] = order[i]->correct;
    size_t i = 0, used = 0;
    for (uint32_t s = 0; s < l.n; s++) {
        s_skill_fit_t *f = &l.skills[s];
        uint32_t k = UINT32_MAX; /* the skill's index among those observed */
        uint32_t h = st->skills.slots ? as_table_hash(f->id, f->len) & (st->skills.slots - 1) : 0;
        for (; st->skills.slots && st->skills.slot[h]; h = (h + 1) & (st->skills.slots - 1)) {
            uint32_t j = st->skills.slot[h] - 1;
            if (st->skills.lens[j] == f->len && memcmp(st->skills.s[j], f->id, f->len) == 0) {
                k = j;
                break;
            }
        }
        /* observations are sorted by skill index, skills listed in id order: find k's run */
        size_t lo = 0, hi = st->n_obs;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (order[mid]->skill < k)
                lo = mid + 1;
            else
                hi = mid;
        }
        i = lo;
        uint32_t *seq = starts + used, n = 0;
        seq[0] = (uint32_t)i;
        while (k != UINT32_MAX && i < st->n_obs && order[i]->skill == k) {
            uint32_t learner = order[i]->learner;
            while (i < st->n_obs && order[i]->skill == k && order[i]->learner == learner)
                i++;
            seq[++n] = (uint32_t)i;
        }
        used += n + 1;
        f->seqs = (as_bkt_seqs_t){.obs = bits, .start = seq, .n_seqs = n};
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = cores < 1 ? 1 : cores > 8 ? 8 : (int)cores;
    s_pool_t pool = {.skills = l.skills, .n = l.n, .opts = &st->args.opts};
    pthread_mutex_init(&pool.lock, NULL);
    pthread_t tid[8];
    int started = 0;
    for (int t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, s_worker, &pool) == 0) started++;
    s_worker(&pool);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&pool.lock);
    for (uint32_t s = 0; s < l.n; s++)
        if (l.skills[s].rc) {
            rc = as_err_set(c->err, AS_INTERNAL, "out of memory fitting skill \"%.*s\"",
                            (int)l.skills[s].len, l.skills[s].id);
            goto done;
        }
    s_pack_result(pk, st, &l);
done:
    free(order);
    free(bits);
    free(starts);
    free(l.skills);
    return rc;
}
