/* test_pg_records.c — jobs, skills, attempts, deep models and mastery states on PostgreSQL
 * against a real server (pg_fixture.h): each as the LMDB store keeps it, states slot for slot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "pg_fixture.h"

#include "tjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_listed_job(void *arg, const as_job_t *job)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 128 - n, "%s%llu", n ? " " : "", (unsigned long long)job->id);
}

static void s_listed_skill(void *arg, const char *id, uint32_t len, const as_skill_t *sk)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 128 - n, "%s%.*s@%u", n ? " " : "", (int)len, id, sk->live_gen);
}

static bool s_listed_attempt(void *arg, const as_attempt_t *a, const void *answers, size_t len)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 64 - n, "%s%llu:%.*s", n ? " " : "", (unsigned long long)a->id,
             (int)a->learner_len, a->learner);
    return true;
}

static as_attempt_t s_attempt(const char *learner, double deadline)
{
    as_attempt_t a = {.state = AS_ATT_IN_PROGRESS,
                      .deadline = deadline,
                      .grace_s = 60,
                      .assessment_len = 4,
                      .learner_len = (uint32_t)strlen(learner)};
    memcpy(a.assessment, "exam", 4);
    memcpy(a.learner, learner, a.learner_len);
    return a;
}

static bool s_listed_model(void *arg, const char *id, uint32_t len, const as_model_rec_t *rec,
                           const void *blob, size_t blob_len)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 64 - n, "%s%.*s v%u %zu bytes", n ? " " : "", (int)len, id, rec->version,
             blob_len);
    return true;
}

static void s_listed_state(void *arg, const char *skill, uint32_t len, const as_skill_t *sk,
                           const as_mastery_t *m)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s%.*s:%.17g:%u", n ? " " : "", (int)len, skill, m->s.p,
             m->opportunities);
}

static void s_counted_state(void *arg, const char *skill, uint32_t len, const as_skill_t *sk,
                            const as_mastery_t *m)
{
    (*(int *)arg)++;
}

/* Jobs: stored, listed, their data; one engine at a time runs one (a lease), and an engine
 * whose lease was taken over cannot write the job any more. */
static void a_job_runs_on_one_engine_at_a_time_and_a_lost_lease_cannot_write(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    as_job_t j1 = {.kind = AS_JOB_REGRADE, .state = AS_JOB_QUEUED},
             j2 = {.kind = AS_JOB_FIT, .state = AS_JOB_QUEUED};
    assert_int_equal(as_pg_job_new(pgf_c, &j1, &pgf_err), AS_OK);
    assert_int_equal(as_pg_job_new(pgf_c, &j2, &pgf_err), AS_OK);
    assert_true(j1.id == 1 && j2.id == 2);
    assert_int_equal(as_pg_job_data_put(pgf_c, 2, AS_JOB_ARGS, "args", 4, &pgf_err), AS_OK);
    char out[128] = "";
    assert_int_equal(as_pg_job_data_get(pgf_c, 2, AS_JOB_ARGS, pgf_bytes, out, &pgf_err), AS_OK);
    assert_string_equal(out, "args");
    assert_int_equal(as_pg_job_data_get(pgf_c, 2, AS_JOB_RESULT, pgf_bytes, out, &pgf_err),
                     AS_NOT_FOUND);
    assert_string_equal(pgf_err.msg, "job 2 has no result");
    uint64_t total;
    bool more;
    out[0] = '\0';
    assert_int_equal(as_pg_job_list(pgf_c, 0, 1, s_listed_job, out, &total, &more, &pgf_err),
                     AS_OK);
    assert_string_equal(out, "1");
    assert_true(total == 2 && more);
    as_job_t next;
    assert_int_equal(as_pg_job_next(pgf_c, &next, &pgf_err), AS_OK);
    assert_true(next.id == 1);
    /* engine a takes job 1; engine b, asking while a holds it, gets job 2 */
    as_job_t ja, jb;
    uint64_t ea, eb;
    assert_int_equal(as_pg_job_lease(pgf_c, "a", 60, &ja, &ea, &pgf_err), AS_OK);
    assert_true(ja.id == 1 && ea == 1);
    assert_int_equal(as_pg_job_lease(pgf_c, "b", 60, &jb, &eb, &pgf_err), AS_OK);
    assert_true(jb.id == 2 && eb == 1);
    /* a renews its own: the same job, the same epoch */
    assert_int_equal(as_pg_job_lease(pgf_c, "a", 60, &ja, &ea, &pgf_err), AS_OK);
    assert_true(ja.id == 1 && ea == 1);
    /* b finishes job 2; a's lease of job 1 runs out (a stopped): b takes it over */
    jb.state = AS_JOB_DONE;
    assert_int_equal(as_pg_job_put(pgf_c, &jb, eb, &pgf_err), AS_OK);
    assert_int_equal(as_pg_exec(pgf_c,
                                "UPDATE jobs SET lease_until = now() - interval '1 s' WHERE "
                                "id = 1",
                                PGRES_COMMAND_OK, "expire", &pgf_err),
                     AS_OK);
    assert_int_equal(as_pg_job_lease(pgf_c, "b", 60, &jb, &eb, &pgf_err), AS_OK);
    assert_true(jb.id == 1 && eb == 2);
    /* a comes back with its old epoch: refused; b writes */
    ja.done = 10;
    assert_int_equal(as_pg_job_put(pgf_c, &ja, ea, &pgf_err), AS_CONFLICT);
    assert_string_equal(pgf_err.msg, "job 1: this engine's lease (epoch 1) was taken over: it runs "
                                     "elsewhere now");
    jb.done = 20;
    jb.state = AS_JOB_DONE;
    assert_int_equal(as_pg_job_put(pgf_c, &jb, eb, &pgf_err), AS_OK);
    as_job_t got;
    assert_int_equal(as_pg_job_get(pgf_c, 1, &got, &pgf_err), AS_OK);
    assert_true(got.done == 20);
    /* nothing left to run */
    assert_int_equal(as_pg_job_lease(pgf_c, "a", 60, &ja, &ea, &pgf_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_job_next(pgf_c, &next, &pgf_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_job_get(pgf_c, 9, &got, &pgf_err), AS_NOT_FOUND);
}

/* Skills: put, listed in id order with the total, not deleted while an assessment names one, and
 * put again after a delete with generations that go on (its old states never count). */
static void skills_are_kept_and_one_in_use_is_not_deleted(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    as_bkt_params_t bp = {.prior = 0.3, .learn = 0.2, .guess = 0.2, .slip = 0.1};
    bool created;
    assert_int_equal(as_pg_skill_put(pgf_c, "b", 1, &bp, &created, &pgf_err), AS_OK);
    assert_true(created);
    assert_int_equal(as_pg_skill_put(pgf_c, "a", 1, &bp, &created, &pgf_err), AS_OK);
    bp.prior = 0.5;
    assert_int_equal(as_pg_skill_put(pgf_c, "a", 1, &bp, &created, &pgf_err), AS_OK);
    assert_false(created);
    as_skill_t sk;
    assert_int_equal(as_pg_skill_get(pgf_c, "a", 1, &sk, &pgf_err), AS_OK);
    assert_true(sk.params.prior == 0.5 && sk.live_gen == 1);
    char out[128] = "";
    uint64_t total;
    bool more;
    assert_int_equal(
        as_pg_skill_list(pgf_c, NULL, 0, 1, s_listed_skill, out, &total, &more, &pgf_err), AS_OK);
    assert_string_equal(out, "a@1");
    assert_true(total == 2 && more);
    /* an assessment names skill a: not deleted */
    msgpack_sbuffer src;
    msgpack_sbuffer_init(&src);
    tjson_pack(&src, "{'id':'quiz','items':[{'id':'q','cardinality':'single','base_type':"
                     "'integer','rule':'match_correct','correct':[1],'skills':['a']}]}");
    as_compiled_t c;
    assert_int_equal(as_table_compile((const uint8_t *)src.data, src.size, &c, &pgf_err), AS_OK);
    uint32_t version;
    uint64_t seq;
    assert_int_equal(as_pg_catalog_put(pgf_c, "quiz", 4, src.data, src.size, c.blob, c.size,
                                       &version, &seq, &pgf_err),
                     AS_OK);
    msgpack_sbuffer_destroy(&src);
    as_table_t qt;
    assert_int_equal(as_table_open(c.blob, c.size, &qt, &pgf_err), AS_OK);
    assert_int_equal(as_pg_skills_check(pgf_c, &qt, &pgf_err), AS_OK);
    assert_int_equal(as_pg_skill_delete(pgf_c, "a", 1, &pgf_err), AS_CONFLICT);
    assert_string_equal(pgf_err.msg, "skill \"a\" is used by assessment \"quiz\": remove it from "
                                     "that assessment's items first");
    /* the assessment gone, the skill goes; put again, its generations go on */
    assert_int_equal(as_pg_catalog_delete(pgf_c, "quiz", 4, &seq, &pgf_err), AS_OK);
    assert_int_equal(as_pg_skill_delete(pgf_c, "a", 1, &pgf_err), AS_OK);
    assert_int_equal(as_pg_skill_get(pgf_c, "a", 1, &sk, &pgf_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_skills_check(pgf_c, &qt, &pgf_err), AS_BAD_REQUEST);
    assert_string_equal(pgf_err.msg, "items[0].skills[0]: unknown skill \"a\"");
    free(c.blob);
    assert_int_equal(as_pg_skill_put(pgf_c, "a", 1, &bp, &created, &pgf_err), AS_OK);
    assert_true(created);
    assert_int_equal(as_pg_skill_get(pgf_c, "a", 1, &sk, &pgf_err), AS_OK);
    assert_true(sk.live_gen == 2 && sk.last_gen == 2);
    out[0] = '\0';
    assert_int_equal(
        as_pg_skill_list(pgf_c, "a", 1, 10, s_listed_skill, out, &total, &more, &pgf_err), AS_OK);
    assert_string_equal(out, "b@1");
    assert_true(total == 2 && !more);
}

/* Attempts: one unfinished per learner (the database refuses a second, as it would from another
 * engine), their deadline events swept in order, two sweeps at once taking different events and
 * neither waiting, and a finished attempt's events gone. */
static void attempts_are_one_open_per_learner_and_sweeps_take_different_events(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    as_attempt_t a = s_attempt("ana", 1000), b = s_attempt("ben", 1000.5);
    assert_int_equal(as_pg_attempt_new(pgf_c, &a, "\x80", 1, &pgf_err), AS_OK);
    assert_int_equal(as_pg_attempt_new(pgf_c, &b, NULL, 0, &pgf_err), AS_OK);
    assert_true(a.id == 1 && b.id == 2);
    as_attempt_t again = s_attempt("ana", 0);
    assert_int_equal(as_pg_attempt_new(pgf_c, &again, NULL, 0, &pgf_err), AS_CONFLICT);
    assert_string_equal(pgf_err.msg,
                        "learner \"ana\" has an unfinished attempt at \"exam\" already");
    as_subject_t sa = {
        .assessment = "exam", .assessment_len = 4, .learner = "ana", .learner_len = 3};
    uint64_t id;
    assert_int_equal(as_pg_attempt_open(pgf_c, &sa, &id, &pgf_err), AS_OK);
    assert_true(id == 1);
    /* nothing due before the first deadline; then ana's, then ben's */
    as_due_t kind;
    double next;
    assert_int_equal(as_pg_attempt_due(pgf_c, 999, &id, &kind, &next, &pgf_err), AS_NOT_FOUND);
    assert_true(next == 1000);
    /* two engines sweep at once: each in its transaction, each takes a different event */
    PGconn *other = as_pg_connect(pgf_conninfo, &pgf_err);
    assert_non_null(other);
    assert_int_equal(as_pg_exec(pgf_c, "BEGIN", PGRES_COMMAND_OK, "begin", &pgf_err), AS_OK);
    assert_int_equal(as_pg_exec(other, "BEGIN", PGRES_COMMAND_OK, "begin", &pgf_err), AS_OK);
    uint64_t id2;
    as_due_t kind2;
    assert_int_equal(as_pg_attempt_due(pgf_c, 1001, &id, &kind, NULL, &pgf_err), AS_OK);
    assert_int_equal(as_pg_attempt_due(other, 1001, &id2, &kind2, NULL, &pgf_err), AS_OK);
    assert_true(id == 1 && kind == AS_DUE_OVERDUE && id2 == 2 && kind2 == AS_DUE_OVERDUE);
    assert_int_equal(as_pg_exec(pgf_c, "COMMIT", PGRES_COMMAND_OK, "commit", &pgf_err), AS_OK);
    assert_int_equal(as_pg_exec(other, "COMMIT", PGRES_COMMAND_OK, "commit", &pgf_err), AS_OK);
    PQfinish(other);
    /* ana submits: her attempt is closed, her end event gone; ben's remains */
    a.state = AS_ATT_SUBMITTED;
    assert_int_equal(as_pg_attempt_put(pgf_c, &a, "\x81\xa1q\x01", 4, &pgf_err), AS_OK);
    assert_int_equal(as_pg_attempt_open(pgf_c, &sa, &id, &pgf_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_attempt_due(pgf_c, 2000, &id, &kind, &next, &pgf_err), AS_OK);
    assert_true(id == 2 && kind == AS_DUE_END && next == 0);
    as_attempt_t got;
    char answers[64] = "";
    assert_int_equal(as_pg_attempt_get(pgf_c, 1, &got, pgf_bytes, answers, &pgf_err), AS_OK);
    assert_true(got.state == AS_ATT_SUBMITTED && strcmp(answers, "\x81\xa1q\x01") == 0);
    /* now ana may start another */
    again = s_attempt("ana", 0);
    assert_int_equal(as_pg_attempt_new(pgf_c, &again, NULL, 0, &pgf_err), AS_OK);
    /* counted attempts, and the assessment's attempts in order */
    uint32_t counted;
    assert_int_equal(as_pg_attempt_count(pgf_c, &sa, &counted, &pgf_err), AS_OK);
    assert_int_equal(counted, 0);
    assert_int_equal(as_pg_attempt_count_set(pgf_c, &sa, 2, &pgf_err), AS_OK);
    assert_int_equal(as_pg_attempt_count(pgf_c, &sa, &counted, &pgf_err), AS_OK);
    assert_int_equal(counted, 2);
    char order[64] = "";
    assert_int_equal(as_pg_attempt_list(pgf_c, "exam", 4, 1, s_listed_attempt, order, &pgf_err),
                     AS_OK);
    /* (id 3 went to the refused start: outside a transaction its id is not given back) */
    assert_string_equal(order, "2:ben 4:ana");
    /* overrides */
    as_override_t o = {.extra_time_s = 600, .extra_attempts = 1}, back;
    bool found;
    assert_int_equal(as_pg_override_get(pgf_c, &sa, &back, &found, &pgf_err), AS_OK);
    assert_false(found);
    assert_int_equal(as_pg_override_put(pgf_c, &sa, &o, &pgf_err), AS_OK);
    assert_int_equal(as_pg_override_get(pgf_c, &sa, &back, &found, &pgf_err), AS_OK);
    assert_true(found && back.extra_time_s == 600 && back.extra_attempts == 1);
}

/* Models: versions and generations as the LMDB store keeps them, learners' states slot for slot
 * the same, through a recompute's shadow generation, a new version and a delete. */
static void models_and_their_states_are_the_lmdb_stores_slot_for_slot(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    as_store_t *st = pgf_map("models");
    as_model_rec_t pr, lr;
    bool pc, lc;
    static const uint8_t blob[4] = {1, 2, 3, 4}, src[2] = {0x80, 0};
    as_wtxn_t *w;
    assert_int_equal(as_pg_model_put(pgf_c, "dkt", 3, 1, blob, 4, src, 1, &pr, &pc, &pgf_err),
                     AS_OK);
    assert_int_equal(as_wtxn_begin(st, &w, &pgf_err), AS_OK);
    assert_int_equal(as_store_model_put(w, "dkt", 3, 1, blob, 4, src, 1, &lr, &lc, &pgf_err),
                     AS_OK);
    assert_true(pc && lc && pr.version == lr.version && pr.live_gen == lr.live_gen);
    pr.n_state = lr.n_state = 3;
    uint32_t seed = 5;
    for (int step = 0; step < 12; step++) {
        if (step == 4) { /* a recompute builds a new generation beside the live one */
            pr.shadow_gen = lr.shadow_gen = ++pr.last_gen;
            lr.last_gen = pr.last_gen;
        }
        if (step == 8) { /* and makes it live */
            pr.live_gen = lr.live_gen = pr.shadow_gen;
            pr.shadow_gen = lr.shadow_gen = 0;
        }
        seed = seed * 1103515245u + 12345u;
        const char *learner = (seed >> 8) % 2 ? "ana" : "ben";
        uint32_t gen = pr.shadow_gen && (seed >> 10) % 2 ? pr.shadow_gen : pr.live_gen;
        float s3[3] = {(float)step, (float)(seed % 7), 0.5f};
        bool pn, ln;
        assert_int_equal(as_pg_model_state_put(pgf_c, "dkt", 3, learner, 3, &pr, gen,
                                               (uint32_t)step, s3, &pn, &pgf_err),
                         AS_OK);
        assert_int_equal(as_store_model_state_put(w, "dkt", 3, learner, 3, &lr, gen, (uint32_t)step,
                                                  s3, &ln, &pgf_err),
                         AS_OK);
        assert_true(pn == ln && pr.learners == lr.learners);
        for (int l = 0; l < 2; l++)
            for (uint32_t g = 1; g <= 3; g++) {
                const char *who = l ? "ana" : "ben";
                float got[3];
                const void *lv;
                uint32_t psteps, lsteps;
                bool pf, lf;
                assert_int_equal(as_pg_model_state_get(pgf_c, "dkt", 3, who, 3, g, 3, got, &psteps,
                                                       &pf, &pgf_err),
                                 AS_OK);
                assert_int_equal(as_store_model_state_wget(w, "dkt", 3, who, 3, g, 3, &lv, &lsteps,
                                                           &lf, &pgf_err),
                                 AS_OK);
                assert_true(pf == lf);
                if (pf) assert_true(psteps == lsteps && memcmp(got, lv, sizeof got) == 0);
            }
    }
    /* a new version drops the states; a delete remembers the version and generation */
    assert_int_equal(as_pg_model_put(pgf_c, "dkt", 3, 1, blob, 4, src, 1, &pr, &pc, &pgf_err),
                     AS_OK);
    assert_int_equal(as_store_model_put(w, "dkt", 3, 1, blob, 4, src, 1, &lr, &lc, &pgf_err),
                     AS_OK);
    assert_true(!pc && pr.version == 2 && pr.version == lr.version && pr.live_gen == lr.live_gen);
    assert_string_equal(pgf_one("SELECT count(*) FROM model_states"), "0");
    assert_int_equal(as_pg_model_delete(pgf_c, "dkt", 3, &pgf_err), AS_OK);
    assert_int_equal(as_store_model_delete(w, "dkt", 3, &pgf_err), AS_OK);
    assert_int_equal(as_pg_model_get(pgf_c, "dkt", 3, &pr, NULL, NULL, &pgf_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_model_source(pgf_c, "dkt", 3, pgf_bytes, NULL, &pgf_err), AS_NOT_FOUND);
    assert_int_equal(as_pg_model_put(pgf_c, "dkt", 3, 1, blob, 4, src, 1, &pr, &pc, &pgf_err),
                     AS_OK);
    assert_int_equal(as_store_model_put(w, "dkt", 3, 1, blob, 4, src, 1, &lr, &lc, &pgf_err),
                     AS_OK);
    assert_true(pc && pr.version == 3 && pr.version == lr.version && pr.live_gen == lr.live_gen);
    /* listed with its blob, its source read back */
    char listed[64] = "";
    uint64_t total;
    bool more;
    assert_int_equal(
        as_pg_model_list(pgf_c, NULL, 0, 10, s_listed_model, listed, &total, &more, &pgf_err),
        AS_OK);
    assert_string_equal(listed, "dkt v3 4 bytes");
    assert_true(total == 1 && !more);
    char source[64] = "";
    assert_int_equal(as_pg_model_source(pgf_c, "dkt", 3, pgf_bytes, source, &pgf_err), AS_OK);
    assert_string_equal(source, "\x80");
    as_wtxn_abort(&w);
    as_store_destroy(&st);
}

/* Mastery states kept by batches on PostgreSQL are the LMDB store's, state for state and slot
 * for slot: BKT steps over several batches, a pair touched twice in one batch, and a recompute's
 * shadow generation written beside the live one, then made live. */
static void mastery_on_postgresql_is_the_lmdb_stores_slot_for_slot(void **state)
{
    pgf_reset();
    assert_int_equal(as_pg_migrate(pgf_c, NULL, &pgf_err), AS_OK);
    as_store_t *st = pgf_map("mastery");
    as_skill_t sk = {.params = {.prior = 0.3, .learn = 0.2, .forget = 0, .guess = 0.2, .slip = 0.1},
                     .live_gen = 1,
                     .last_gen = 1};
    static const char *const learners[] = {"ana", "ben", "cy"}, *const skills[] = {"add", "sub"};
    uint32_t seed = 11;
    for (int batch = 0; batch < 10; batch++) {
        if (batch == 5) sk.shadow_gen = 2; /* a recompute builds generation 2 beside 1 */
        if (batch == 8) sk = (as_skill_t){.params = sk.params, .live_gen = 2, .last_gen = 2};
        enum { N = 5 };
        as_pg_pair_t pairs[N];
        bool correct[N];
        uint32_t gen[N];
        for (int i = 0; i < N; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *l = learners[(seed >> 8) % 3], *s = skills[(seed >> 10) % 2];
            pairs[i] = (as_pg_pair_t){l, s, (uint32_t)strlen(l), (uint32_t)strlen(s)};
            correct[i] = (seed >> 12) % 3 != 0;
            gen[i] = sk.shadow_gen && (seed >> 14) % 2 ? sk.shadow_gen : sk.live_gen;
        }
        as_pg_mastery_t *pm = as_pg_mastery_new();
        as_pg_state_t kept = {.mastery = pm, .pairs = pairs, .n_pairs = N};
        as_pg_subject_t none[1] = {pgf_subject("x", NULL)};
        uint64_t first;
        assert_int_equal(as_pg_batch_begin(pgf_c, none, 1, &kept, &first, &pgf_err), AS_OK);
        as_wtxn_t *w;
        assert_int_equal(as_wtxn_begin(st, &w, &pgf_err), AS_OK);
        for (int i = 0; i < N; i++) {
            const as_pg_pair_t *q = &pairs[i];
            as_mastery_t pgm, lm;
            bool pf, lf;
            assert_int_equal(as_pg_mastery_get(pm, q->learner, q->learner_len, q->skill,
                                               q->skill_len, &sk, gen[i], &pgm, &pf, &pgf_err),
                             AS_OK);
            assert_int_equal(as_store_mastery_wget(w, q->learner, q->learner_len, q->skill,
                                                   q->skill_len, &sk, gen[i], &lm, &lf, &pgf_err),
                             AS_OK);
            assert_true(pf == lf && pgm.s.p == lm.s.p && pgm.s.q == lm.s.q &&
                        pgm.opportunities == lm.opportunities);
            as_bkt_step(&sk.params, &pgm.s, correct[i]);
            pgm.opportunities++;
            assert_int_equal(as_pg_mastery_put(pm, q->learner, q->learner_len, q->skill,
                                               q->skill_len, &sk, gen[i], &pgm, &pgf_err),
                             AS_OK);
            assert_int_equal(as_store_mastery_wput(w, q->learner, q->learner_len, q->skill,
                                                   q->skill_len, &sk, gen[i], &pgm, &pgf_err),
                             AS_OK);
        }
        assert_int_equal(as_wtxn_commit(&w, &pgf_err), AS_OK);
        assert_int_equal(as_pg_batch_commit(pgf_c, none, NULL, 0, &kept, &pgf_err), AS_OK);
        as_pg_mastery_free(&pm);
    }
    /* every entry, read afresh from both, in both generations */
    as_pg_pair_t all[6];
    for (int i = 0; i < 6; i++)
        all[i] = (as_pg_pair_t){learners[i / 2], skills[i % 2], (uint32_t)strlen(learners[i / 2]),
                                (uint32_t)strlen(skills[i % 2])};
    as_pg_mastery_t *pm = as_pg_mastery_new();
    as_pg_state_t kept = {.mastery = pm, .pairs = all, .n_pairs = 6};
    as_pg_subject_t none[1] = {pgf_subject("x", NULL)};
    uint64_t first;
    assert_int_equal(as_pg_batch_begin(pgf_c, none, 1, &kept, &first, &pgf_err), AS_OK);
    as_pg_batch_abort(pgf_c);
    as_wtxn_t *w;
    assert_int_equal(as_wtxn_begin(st, &w, &pgf_err), AS_OK);
    int compared = 0;
    for (int i = 0; i < 6; i++)
        for (uint32_t g = 1; g <= 2; g++) {
            as_mastery_t pgm, lm;
            bool pf, lf;
            assert_int_equal(as_pg_mastery_get(pm, all[i].learner, all[i].learner_len, all[i].skill,
                                               all[i].skill_len, &sk, g, &pgm, &pf, &pgf_err),
                             AS_OK);
            assert_int_equal(as_store_mastery_wget(w, all[i].learner, all[i].learner_len,
                                                   all[i].skill, all[i].skill_len, &sk, g, &lm, &lf,
                                                   &pgf_err),
                             AS_OK);
            assert_true(pf == lf && pgm.s.p == lm.s.p && pgm.s.q == lm.s.q &&
                        pgm.opportunities == lm.opportunities);
            compared += pf;
        }
    as_wtxn_abort(&w);
    assert_true(compared >= 6); /* states of both generations were there to compare */
    as_pg_mastery_free(&pm);
    /* the reads that list: a learner's live states, and every learner's of a skill (the skill
     * records stored on both sides; states of the live generation only) */
    char pg_out[512] = "", lmdb_out[512] = "";
    assert_int_equal(as_wtxn_begin(st, &w, &pgf_err), AS_OK);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(as_pg_skill_set(pgf_c, skills[k], 3, &sk, &pgf_err), AS_OK);
        assert_int_equal(as_store_skill_set(w, skills[k], 3, &sk, &pgf_err), AS_OK);
    }
    assert_int_equal(as_wtxn_commit(&w, &pgf_err), AS_OK);
    as_reader_t *rd;
    assert_int_equal(as_reader_new(st, &rd, &pgf_err), AS_OK);
    assert_int_equal(as_reader_begin(rd, &pgf_err), AS_OK);
    assert_int_equal(as_pg_mastery_list(pgf_c, "ana", 3, s_listed_state, pg_out, &pgf_err), AS_OK);
    assert_int_equal(as_store_mastery_list(rd, "ana", 3, s_listed_state, lmdb_out, &pgf_err),
                     AS_OK);
    assert_string_equal(pg_out, lmdb_out);
    assert_true(pg_out[0] != '\0');
    int n_pg = 0, n_lmdb = 0;
    assert_int_equal(as_pg_mastery_scan(pgf_c, "add", 3, s_counted_state, &n_pg, &pgf_err), AS_OK);
    assert_int_equal(as_store_mastery_scan(rd, "add", 3, s_counted_state, &n_lmdb, &pgf_err),
                     AS_OK);
    assert_int_equal(n_pg, n_lmdb);
    as_reader_destroy(&rd);
    as_store_destroy(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_job_runs_on_one_engine_at_a_time_and_a_lost_lease_cannot_write),
        cmocka_unit_test(skills_are_kept_and_one_in_use_is_not_deleted),
        cmocka_unit_test(attempts_are_one_open_per_learner_and_sweeps_take_different_events),
        cmocka_unit_test(models_and_their_states_are_the_lmdb_stores_slot_for_slot),
        cmocka_unit_test(mastery_on_postgresql_is_the_lmdb_stores_slot_for_slot),
    };
    return cmocka_run_group_tests(tests, pgf_setup, pgf_teardown);
}
