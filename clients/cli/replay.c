/* replay.c — replaying a real answer stream through the engine (replay.h). */
#include "replay.h"

#include "codec.h"
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    uint32_t student, seq, skill;
    uint8_t correct;
} s_row_t;

/* One learner's answers: rows [next, end). */
typedef struct {
    size_t next, end;
} s_stream_t;

struct as_replay {
    s_row_t *rows;
    size_t n, cap;
    uint32_t max_skill;
    s_stream_t *streams;
    size_t n_streams;
    as_replay_opts_t opts;
};

void as_replay_configure(as_replay_t *r, const as_replay_opts_t *opts)
{
    r->opts = *opts;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

as_replay_params_t as_replay_default_params(void)
{
    return (as_replay_params_t){.prior = 0.3, .learn = 0.1, .forget = 0, .guess = 0.2, .slip = 0.1};
}

static int s_cmp(const void *a, const void *b)
{
    const s_row_t *x = a, *y = b;
    if (x->student != y->student) return x->student < y->student ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int s_add(as_replay_t *r, uint32_t student, uint32_t seq, uint32_t skill, unsigned correct)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1 << 16;
        s_row_t *grown = realloc(r->rows, cap * sizeof *grown);
        if (!grown) return -1;
        r->rows = grown;
        r->cap = cap;
    }
    r->rows[r->n++] = (s_row_t){student, seq, skill, (uint8_t)(correct != 0)};
    if (skill > r->max_skill) r->max_skill = skill;
    return 0;
}

/* A quoted list of unsigned integers ("1,2,3") at *p; advances past it. Returns the count read
 * into out (at most cap), or -1 when malformed. */
static long s_list(char **p, uint32_t *out, size_t cap)
{
    char *s = *p;
    if (*s != '"') return -1;
    s++;
    size_t n = 0;
    while (*s && *s != '"') {
        char *end;
        unsigned long v = strtoul(s, &end, 10);
        if (end == s || n == cap) return -1;
        out[n++] = (uint32_t)v;
        s = *end == ',' ? end + 1 : end;
    }
    if (*s != '"') return -1;
    *p = s + 1;
    return (long)n;
}

/* assist2015: fold,uid,"concepts","responses"[,...] */
static int s_lists_row(as_replay_t *r, char *line, uint32_t *concepts, uint32_t *answers,
                       size_t cap)
{
    char *p = strchr(line, ',');
    if (!p) return -1;
    char *end;
    unsigned long uid = strtoul(p + 1, &end, 10);
    if (*end != ',') return -1;
    p = end + 1;
    long nc = s_list(&p, concepts, cap);
    if (nc < 0 || *p != ',') return -1;
    p++;
    long nr = s_list(&p, answers, cap);
    if (nr != nc) return -1;
    for (long i = 0; i < nc; i++)
        if (answers[i] > 1 || s_add(r, (uint32_t)uid, (uint32_t)i, concepts[i], answers[i]))
            return -1;
    return 0;
}

int as_replay_load(as_replay_t **out, const char *path, size_t limit)
{
    char cmd[4200];
    size_t len = strlen(path);
    bool gz = len > 3 && strcmp(path + len - 3, ".gz") == 0;
    *out = NULL;
    snprintf(cmd, sizeof cmd, gz ? "gzip -dc -- '%s' 2>/dev/null" : "cat -- '%s' 2>/dev/null",
             path);
    FILE *f = popen(cmd, "r");
    as_replay_t *r = calloc(1, sizeof *r);
    size_t line_cap = 1 << 20, list_cap = 1 << 18;
    char *line = malloc(line_cap);
    uint32_t *concepts = malloc(list_cap * sizeof *concepts);
    uint32_t *answers = malloc(list_cap * sizeof *answers);
    int rc = -1;
    if (!f || !r || !line || !concepts || !answers) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        goto done;
    }
    if (!fgets(line, (int)line_cap, f)) {
        fprintf(stderr, "replay: %s: empty or unreadable\n", path);
        goto done;
    }
    bool lists = strncmp(line, "fold,uid,concepts,responses", 27) == 0;
    if (!lists && strncmp(line, "student,seq,skill_id,correct", 28) != 0) {
        fprintf(stderr,
                "replay: %s: expected the header student,seq,skill_id,correct (assist2009) or "
                "fold,uid,concepts,responses (assist2015)\n",
                path);
        goto done;
    }
    size_t lineno = 1;
    while (fgets(line, (int)line_cap, f)) {
        lineno++;
        if (lists) {
            if (s_lists_row(r, line, concepts, answers, list_cap)) {
                fprintf(stderr, "replay: %s:%zu: not fold,uid,\"concepts\",\"responses\"\n", path,
                        lineno);
                goto done;
            }
        } else {
            unsigned st, sq, sk, c;
            if (sscanf(line, "%u,%u,%u,%u", &st, &sq, &sk, &c) != 4 || c > 1) {
                fprintf(stderr, "replay: %s:%zu: not student,seq,skill_id,correct(0|1)\n", path,
                        lineno);
                goto done;
            }
            if (s_add(r, st, sq, sk, c)) goto done;
        }
    }
    if (r->n == 0) {
        fprintf(stderr, "replay: %s: no answers\n", path);
        goto done;
    }
    qsort(r->rows, r->n, sizeof *r->rows, s_cmp);
    if (limit && limit < r->n) r->n = limit;
    r->streams = malloc(r->n * sizeof *r->streams);
    if (!r->streams) goto done;
    for (size_t i = 0; i < r->n; i++) {
        if (i == 0 || r->rows[i].student != r->rows[i - 1].student)
            r->streams[r->n_streams++] = (s_stream_t){i, i};
        r->streams[r->n_streams - 1].end = i + 1;
    }
    rc = 0;
done:
    if (f) pclose(f);
    free(line);
    free(concepts);
    free(answers);
    if (rc)
        as_replay_free(&r);
    else
        *out = r;
    return rc;
}

void as_replay_free(as_replay_t **self_p)
{
    as_replay_t *r = *self_p;
    if (!r) return;
    free(r->rows);
    free(r->streams);
    free(r);
    *self_p = NULL;
}

static int s_call(assay_t *c, const char *method, msgpack_sbuffer *sb, const char *what)
{
    assay_reply_t *reply;
    int rc = assay_call(c, method, sb->data, sb->size, 30000, &reply);
    if (rc)
        fprintf(stderr, "replay: %s: %s\n", what,
                reply ? assay_reply_message(reply) : assay_strerror(rc));
    assay_reply_free(&reply);
    return rc ? -1 : 0;
}

int as_replay_setup(as_replay_t *r, assay_t *admin, const as_replay_params_t *p)
{
    bool *used = calloc((size_t)r->max_skill + 1, 1);
    if (!used) return -1;
    for (size_t i = 0; i < r->n; i++)
        used[r->rows[i].skill] = true;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = 0;
    for (uint32_t s = 0; s <= r->max_skill && !rc; s++) {
        if (!used[s]) continue;
        char id[32];
        snprintf(id, sizeof id, "skill-%u", s);
        msgpack_sbuffer_clear(&sb);
        if (r->opts.keep_skills) { /* a skill stored already keeps its parameters */
            msgpack_pack_map(&pk, 1);
            as_pack_cstr(&pk, "id");
            as_pack_cstr(&pk, id);
            assay_reply_t *reply;
            int got = assay_call(admin, "skill.get", sb.data, sb.size, 30000, &reply);
            bool exists = got == ASSAY_OK;
            bool missing = got == ASSAY_EREPLY && strcmp(assay_reply_code(reply), "not_found") == 0;
            if (!exists && !missing)
                fprintf(stderr, "replay: %s: %s\n", id,
                        reply ? assay_reply_message(reply) : assay_strerror(got));
            assay_reply_free(&reply);
            if (!exists && !missing) {
                rc = -1;
                break;
            }
            msgpack_sbuffer_clear(&sb);
            if (exists) goto assessment;
        }
        msgpack_pack_map(&pk, 6);
        as_pack_cstr(&pk, "id");
        as_pack_cstr(&pk, id);
        const char *names[] = {"prior", "learn", "forget", "guess", "slip"};
        const double vals[] = {p->prior, p->learn, p->forget, p->guess, p->slip};
        for (int i = 0; i < 5; i++) {
            as_pack_cstr(&pk, names[i]);
            msgpack_pack_double(&pk, vals[i]);
        }
        if ((rc = s_call(admin, "skill.put", &sb, id))) break;
    assessment:
        msgpack_sbuffer_clear(&sb);
        msgpack_pack_map(&pk, 3);
        as_pack_cstr(&pk, "id");
        as_pack_cstr(&pk, id);
        as_pack_cstr(&pk, "title");
        as_pack_cstr(&pk, "replayed skill");
        as_pack_cstr(&pk, "items");
        msgpack_pack_array(&pk, 1);
        msgpack_pack_map(&pk, 6);
        as_pack_cstr(&pk, "id");
        as_pack_cstr(&pk, "q");
        as_pack_cstr(&pk, "cardinality");
        as_pack_cstr(&pk, "single");
        as_pack_cstr(&pk, "base_type");
        as_pack_cstr(&pk, "identifier");
        as_pack_cstr(&pk, "rule");
        as_pack_cstr(&pk, "match_correct");
        as_pack_cstr(&pk, "correct");
        msgpack_pack_array(&pk, 1);
        as_pack_cstr(&pk, "1");
        as_pack_cstr(&pk, "skills");
        msgpack_pack_array(&pk, 1);
        as_pack_cstr(&pk, id);
        rc = s_call(admin, "assessment.put", &sb, id);
    }
    msgpack_sbuffer_destroy(&sb);
    free(used);
    return rc;
}

/* Sends stream st's next answer; its msgid goes to *msgid. */
static int s_send(as_replay_t *r, assay_t *c, msgpack_sbuffer *sb, msgpack_packer *pk, size_t st,
                  uint32_t *msgid)
{
    const s_row_t *row = &r->rows[r->streams[st].next++];
    char aid[32], learner[32];
    snprintf(aid, sizeof aid, "skill-%u", row->skill);
    snprintf(learner, sizeof learner, "%.16s%u",
             r->opts.learner_prefix ? r->opts.learner_prefix : "s", row->student);
    msgpack_sbuffer_clear(sb);
    msgpack_pack_map(pk, 3);
    as_pack_cstr(pk, "assessment");
    as_pack_cstr(pk, aid);
    as_pack_cstr(pk, "learner");
    as_pack_cstr(pk, learner);
    as_pack_cstr(pk, "answers");
    msgpack_pack_map(pk, 1);
    as_pack_cstr(pk, "q");
    as_pack_cstr(pk, row->correct ? "1" : "0");
    return assay_send(c, "response.submit", sb->data, sb->size, msgid);
}

int as_replay_submit(as_replay_t *r, assay_t *c, int inflight, bool quiet, as_replay_result_t *out)
{
    int window = inflight > 0 ? inflight : 256;
    size_t *slot_stream = calloc((size_t)window, sizeof *slot_stream);
    uint32_t *slot_msgid = calloc((size_t)window, sizeof *slot_msgid);
    size_t *per_skill = calloc((size_t)r->max_skill + 1, sizeof *per_skill);
    if (!slot_stream || !slot_msgid || !per_skill) {
        free(slot_stream);
        free(slot_msgid);
        free(per_skill);
        return -1;
    }
    *out = (as_replay_result_t){.answers = r->n, .learners = r->n_streams};
    for (size_t i = 0; i < r->n; i++)
        if (per_skill[r->rows[i].skill]++ == 0) out->skills++;
    for (uint32_t s = 0; s <= r->max_skill; s++)
        if (per_skill[s] > out->top_answers) {
            out->top_answers = per_skill[s];
            out->top_skill = s;
        }
    for (size_t i = 0; i < r->n_streams; i++)
        r->streams[i].next = i ? r->streams[i - 1].end : 0;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    as_progress_t bar;
    as_progress_init(&bar, "replay", "answers");
    if (!quiet)
        fprintf(stderr, "replay: %zu answers of %zu learners on %u skills, %d learners in flight\n",
                r->n, r->n_streams, out->skills, window);
    double t0 = s_now();
    size_t next_stream = 0, done = 0, in_flight = 0;
    int rc = 0;
    for (int slot = 0; slot < window && next_stream < r->n_streams; slot++) {
        slot_stream[slot] = next_stream;
        rc |= s_send(r, c, &sb, &pk, next_stream++, &slot_msgid[slot]);
        in_flight++;
    }
    while (in_flight && !rc) {
        assay_reply_t *reply;
        int e = assay_recv(c, 30000, &reply);
        bool busy = e == ASSAY_EREPLY && strcmp(assay_reply_code(reply), "overloaded") == 0;
        if (e && !busy) {
            fprintf(stderr, "\nreplay: submit failed: %s %s\n", assay_strerror(e),
                    reply ? assay_reply_message(reply) : "");
            assay_reply_free(&reply);
            rc = -1;
            break;
        }
        uint32_t id = assay_reply_msgid(reply);
        int slot = 0;
        while (slot < window && slot_msgid[slot] != id)
            slot++;
        if (slot == window) {
            fprintf(stderr, "\nreplay: a response to no request (msgid %u)\n", id);
            assay_reply_free(&reply);
            rc = -1;
            break;
        }
        size_t st = slot_stream[slot];
        if (!busy && r->opts.on_answer) { /* the answer this learner's request carried */
            const s_row_t *row = &r->rows[r->streams[st].next - 1];
            r->opts.on_answer(r->opts.arg, row->skill, row->correct, assay_reply_result(reply));
        }
        assay_reply_free(&reply);
        if (busy) { /* the engine's queue is full: send the same answer again, a moment later */
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, NULL);
            r->streams[st].next--;
            rc = s_send(r, c, &sb, &pk, st, &slot_msgid[slot]);
            continue;
        }
        in_flight--;
        done++;
        if (r->streams[st].next < r->streams[st].end) { /* this learner's next answer */
            rc = s_send(r, c, &sb, &pk, st, &slot_msgid[slot]);
            in_flight++;
        } else if (next_stream < r->n_streams) {
            slot_stream[slot] = next_stream;
            rc = s_send(r, c, &sb, &pk, next_stream++, &slot_msgid[slot]);
            in_flight++;
        }
        if (!quiet) as_progress_show(&bar, done, r->n, done == r->n);
    }
    out->seconds = s_now() - t0;
    msgpack_sbuffer_destroy(&sb);
    free(slot_stream);
    free(slot_msgid);
    free(per_skill);
    return rc;
}

typedef struct {
    size_t learners, mastered;
    double sum;
} s_agg_t;

int as_replay_summary(as_replay_t *r, assay_t *c, as_replay_skill_fn fn, void *arg)
{
    s_agg_t *agg = calloc((size_t)r->max_skill + 1, sizeof *agg);
    bool *in_file = calloc((size_t)r->max_skill + 1, 1);
    if (!agg || !in_file) {
        free(agg);
        free(in_file);
        return -1;
    }
    for (size_t i = 0; i < r->n; i++)
        in_file[r->rows[i].skill] = true;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = 0;
    for (size_t i = 0; i < r->n_streams && !rc; i++) {
        char learner[32];
        snprintf(learner, sizeof learner, "s%u", r->rows[r->streams[i].end - 1].student);
        msgpack_sbuffer_clear(&sb);
        msgpack_pack_map(&pk, 1);
        as_pack_cstr(&pk, "learner");
        as_pack_cstr(&pk, learner);
        assay_reply_t *reply;
        if (assay_call(c, "mastery.get", sb.data, sb.size, 30000, &reply)) {
            fprintf(stderr, "replay: mastery.get %s: %s\n", learner,
                    reply ? assay_reply_message(reply) : "no response");
            rc = -1;
        } else {
            const msgpack_object *skills = assay_map_get(assay_reply_result(reply), "skills");
            for (uint32_t k = 0; skills && k < skills->via.map.size; k++) {
                const msgpack_object_kv *kv = &skills->via.map.ptr[k];
                unsigned s;
                if (sscanf(kv->key.via.str.ptr, "skill-%u", &s) != 1 || s > r->max_skill ||
                    !in_file[s])
                    continue; /* a skill of another replay */
                const msgpack_object *p = assay_map_get(&kv->val, "p_mastery");
                const msgpack_object *m = assay_map_get(&kv->val, "mastered");
                agg[s].learners++;
                agg[s].sum += p ? p->via.f64 : 0;
                agg[s].mastered += m && m->via.boolean;
            }
        }
        assay_reply_free(&reply);
    }
    for (uint32_t s = 0; s <= r->max_skill && !rc; s++) {
        if (!agg[s].learners) continue;
        char id[32];
        snprintf(id, sizeof id, "skill-%u", s);
        fn(arg, id, agg[s].learners, agg[s].sum / (double)agg[s].learners,
           (double)agg[s].mastered / (double)agg[s].learners);
    }
    msgpack_sbuffer_destroy(&sb);
    free(agg);
    free(in_file);
    return rc;
}
