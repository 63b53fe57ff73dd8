/* replay.c — `assay-bench replay FILE`: submits a real answer stream through the engine.
 *
 * FILE is the ASSISTments 2009 long CSV of ../shared/data (student,seq,skill_id,correct; gzip or
 * plain). One single-item assessment per skill ("skill-<id>", item "q", correct answer "1"), the
 * learner is "s<student>", the answer "1" or "0". Answers are replayed in (student, seq) order:
 * many learners are in flight at once, but at most one request per learner, so each learner's
 * answers are stored in order (attempts, and knowledge tracing when it lands, depend on it).
 */
#include "replay.h"

#include "assay.h"
#include "progress.h"
#include "codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    uint32_t student, seq, skill;
    uint8_t correct;
} s_row_t;

static int s_cmp(const void *a, const void *b)
{
    const s_row_t *x = a, *y = b;
    if (x->student != y->student) return x->student < y->student ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads the CSV (through gzip -dc when it ends in .gz). Returns the rows, sorted. */
static s_row_t *s_load(const char *path, size_t *n_out, uint32_t *max_skill)
{
    char cmd[4200];
    size_t len = strlen(path);
    bool gz = len > 3 && strcmp(path + len - 3, ".gz") == 0;
    snprintf(cmd, sizeof cmd, gz ? "gzip -dc '%s'" : "cat '%s'", path);
    FILE *f = popen(cmd, "r");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    s_row_t *rows = malloc(cap * sizeof *rows);
    char line[256];
    *max_skill = 0;
    if (!fgets(line, sizeof line, f) || strncmp(line, "student,seq,skill_id,correct", 28) != 0) {
        fprintf(stderr,
                "assay-bench replay: %s: expected the header student,seq,skill_id,correct\n", path);
        pclose(f);
        free(rows);
        return NULL;
    }
    while (rows && fgets(line, sizeof line, f)) {
        unsigned st, sq, sk, c;
        if (sscanf(line, "%u,%u,%u,%u", &st, &sq, &sk, &c) != 4 || c > 1) continue;
        if (n == cap) {
            cap *= 2;
            s_row_t *grown = realloc(rows, cap * sizeof *rows);
            if (!grown) break;
            rows = grown;
        }
        rows[n++] = (s_row_t){st, sq, sk, (uint8_t)c};
        if (sk > *max_skill) *max_skill = sk;
    }
    pclose(f);
    qsort(rows, n, sizeof *rows, s_cmp);
    *n_out = n;
    return rows;
}

static int s_put_skills(assay_t *admin, uint32_t max_skill, const bool *used)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    for (uint32_t s = 0; s <= max_skill; s++) {
        if (!used[s]) continue;
        char id[32];
        snprintf(id, sizeof id, "skill-%u", s);
        msgpack_sbuffer_clear(&sb);
        msgpack_pack_map(&pk, 3);
        as_pack_cstr(&pk, "id");
        as_pack_cstr(&pk, id);
        as_pack_cstr(&pk, "title");
        as_pack_cstr(&pk, "ASSISTments 2009 skill builder");
        as_pack_cstr(&pk, "items");
        msgpack_pack_array(&pk, 1);
        msgpack_pack_map(&pk, 5);
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
        assay_reply_t *r;
        int rc = assay_call(admin, "assessment.put", sb.data, sb.size, 10000, &r);
        if (rc) {
            fprintf(stderr, "assay-bench replay: cannot store %s: %s\n", id,
                    r ? assay_reply_message(r) : assay_strerror(rc));
            assay_reply_free(&r);
            msgpack_sbuffer_destroy(&sb);
            return -1;
        }
        assay_reply_free(&r);
    }
    msgpack_sbuffer_destroy(&sb);
    return 0;
}

/* One learner's stream: rows [next, end). */
typedef struct {
    size_t next, end;
} s_stream_t;

typedef struct {
    assay_t *c;
    s_row_t *rows;
    s_stream_t *streams;
    size_t *slot_stream;
    uint32_t *slot_msgid;
    msgpack_sbuffer *sb;
    msgpack_packer *pk;
} s_sender_t;

/* Sends stream st's next answer from window slot `slot`. */
static void s_send(s_sender_t *x, int slot, size_t st)
{
    const s_row_t *row = &x->rows[x->streams[st].next++];
    char aid[32], learner[32];
    snprintf(aid, sizeof aid, "skill-%u", row->skill);
    snprintf(learner, sizeof learner, "s%u", row->student);
    msgpack_sbuffer_clear(x->sb);
    msgpack_pack_map(x->pk, 3);
    as_pack_cstr(x->pk, "assessment");
    as_pack_cstr(x->pk, aid);
    as_pack_cstr(x->pk, "learner");
    as_pack_cstr(x->pk, learner);
    as_pack_cstr(x->pk, "answers");
    msgpack_pack_map(x->pk, 1);
    as_pack_cstr(x->pk, "q");
    as_pack_cstr(x->pk, row->correct ? "1" : "0");
    assay_send(x->c, "response.submit", x->sb->data, x->sb->size, &x->slot_msgid[slot]);
    x->slot_stream[slot] = st;
}

int as_replay(const char *data, const char *path, int inflight, size_t limit)
{
    size_t n;
    uint32_t max_skill;
    fprintf(stderr, "replay: reading %s\n", path);
    s_row_t *rows = s_load(path, &n, &max_skill);
    if (!rows || n == 0) {
        fprintf(stderr, "assay-bench replay: no rows read from %s\n", path);
        free(rows);
        return 1;
    }
    if (limit && limit < n) n = limit;
    bool *used = calloc((size_t)max_skill + 1, 1);
    for (size_t i = 0; i < n; i++)
        used[rows[i].skill] = true;
    uint32_t skills = 0;
    for (uint32_t s = 0; s <= max_skill; s++)
        skills += used[s];

    assay_t *admin, *c;
    assay_options_t ao = {.admin = true, .timeout_ms = 30000}, o = {.timeout_ms = 30000};
    if (assay_open(&admin, data, &ao) || assay_open(&c, data, &o)) {
        fprintf(stderr, "assay-bench replay: cannot connect to %s\n", data);
        return 1;
    }
    if (s_put_skills(admin, max_skill, used)) return 1;

    /* the learners' streams, in student order */
    size_t n_streams = 0;
    s_stream_t *streams = malloc(n * sizeof *streams);
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || rows[i].student != rows[i - 1].student)
            streams[n_streams++] = (s_stream_t){i, i};
        streams[n_streams - 1].end = i + 1;
    }
    /* slot -> stream in flight, msgid % window -> slot */
    int window = inflight;
    size_t *slot_stream = calloc((size_t)window, sizeof *slot_stream);
    uint32_t *slot_msgid = calloc((size_t)window, sizeof *slot_msgid);
    size_t next_stream = 0, done = 0, in_flight = 0;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    as_progress_t bar;
    as_progress_init(&bar, "replay", "answers");
    double t0 = s_now();
    int rc = 0;
    fprintf(stderr, "replay: %zu answers of %zu learners on %u skills, %d learners in flight\n", n,
            n_streams, skills, window);

    s_sender_t snd = {.c = c,
                      .rows = rows,
                      .streams = streams,
                      .slot_stream = slot_stream,
                      .slot_msgid = slot_msgid,
                      .sb = &sb,
                      .pk = &pk};
    int slot;
    for (slot = 0; slot < window && next_stream < n_streams; slot++) {
        s_send(&snd, slot, next_stream);
        next_stream++;
        in_flight++;
    }
    while (in_flight) {
        assay_reply_t *r;
        int e = assay_recv(c, 30000, &r);
        if (e) {
            fprintf(stderr, "\nassay-bench replay: submit failed: %s %s\n", assay_strerror(e),
                    r ? assay_reply_message(r) : "");
            assay_reply_free(&r);
            rc = 1;
            break;
        }
        uint32_t id = assay_reply_msgid(r);
        assay_reply_free(&r);
        in_flight--;
        done++;
        for (slot = 0; slot < window && slot_msgid[slot] != id; slot++) {
        }
        if (slot == window) {
            fprintf(stderr, "\nassay-bench replay: a response to no request (msgid %u)\n", id);
            rc = 1;
            break;
        }
        size_t st = slot_stream[slot];
        if (streams[st].next < streams[st].end) {
            s_send(&snd, slot, st); /* this learner's next answer, now that the last is stored */
            in_flight++;
        } else if (next_stream < n_streams) {
            s_send(&snd, slot, next_stream);
            next_stream++;
            in_flight++;
        }
        as_progress_show(&bar, done, n, false);
    }
    double secs = s_now() - t0;
    /* assessment.report on the skill with the most answers: its latency over real data */
    uint32_t top = 0;
    size_t *per_skill = calloc((size_t)max_skill + 1, sizeof *per_skill);
    for (size_t i = 0; per_skill && i < n; i++)
        if (++per_skill[rows[i].skill] > per_skill[top]) top = rows[i].skill;
    double rep_p50 = 0, rep_max = 0;
    size_t rep_n = 0;
    if (!rc && per_skill) {
        char params[64];
        msgpack_sbuffer_clear(&sb);
        snprintf(params, sizeof params, "skill-%u", top);
        msgpack_pack_map(&pk, 1);
        as_pack_cstr(&pk, "assessment");
        as_pack_cstr(&pk, params);
        double lat[200];
        for (int i = 0; i < 200; i++) {
            assay_reply_t *r;
            double t = s_now();
            if (assay_call(c, "assessment.report", sb.data, sb.size, 10000, &r)) {
                assay_reply_free(&r);
                break;
            }
            lat[i] = (s_now() - t) * 1e6;
            const msgpack_object *nl = assay_map_get(assay_reply_result(r), "n");
            rep_n = nl ? (size_t)nl->via.u64 : 0;
            assay_reply_free(&r);
        }
        for (int i = 1; i < 200; i++)
            for (int j = i; j > 0 && lat[j] < lat[j - 1]; j--) {
                double x = lat[j];
                lat[j] = lat[j - 1];
                lat[j - 1] = x;
            }
        rep_p50 = lat[100];
        rep_max = lat[199];
    }
    if (!rc) {
        as_progress_show(&bar, done, n, true);
        printf(
            "| replay | answers | learners | skills | learners in flight | seconds | answers/s |\n"
            "|---|---|---|---|---|---|---|\n"
            "| %s | %zu | %zu | %u | %d | %.1f | %.0f |\n",
            strrchr(path, '/') ? strrchr(path, '/') + 1 : path, done, n_streams, skills, window,
            secs, (double)done / secs);
        printf("\n| assessment.report | responses | learners (n) | round trip p50 us | slowest of "
               "200 us "
               "|\n|---|---|---|---|---|\n| skill-%u | %zu | %zu | %.0f | %.0f |\n",
               top, per_skill ? per_skill[top] : 0, rep_n, rep_p50, rep_max);
    }
    free(per_skill);
    msgpack_sbuffer_destroy(&sb);
    free(slot_stream);
    free(slot_msgid);
    free(streams);
    free(used);
    free(rows);
    assay_close(&c);
    assay_close(&admin);
    return rc;
}
