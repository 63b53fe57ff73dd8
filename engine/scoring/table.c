/* table.c — validates assessment definitions and compiles them into weight-table blobs (the
 * format is in table.h; scoring them is score.c).
 *
 * Validation is strict: unknown fields, wrong types, out-of-range numbers, duplicate ids or
 * mapping keys are all bad_request naming the path of the first problem.
 *
 * This file compiles the definition and its items; compile_fields.c has the field readers and
 * the blob, compile_mapping.c the response parts of an item (compiler.h joins them).
 */
#include "compiler.h"

#include "clock.h"
#include "protocol.h"

#include <stddef.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Index order: by id bytes, then by length. */
static int s_idcmp(const char *a, uint32_t al, const char *b, uint32_t bl)
{
    int d = memcmp(a, b, al < bl ? al : bl);
    if (d) return d;
    return al < bl ? -1 : al > bl ? 1 : 0;
}

/* For duplicate detection at compile time: ids sorted with their positions. */
typedef struct {
    uint32_t id_off, id_len, pos;
} s_idx_t;

static int s_idx_cmp(const void *x, const void *y, void *base)
{
    const s_idx_t *a = x, *b = y;
    const char *s = base;
    int d = s_idcmp(s + a->id_off, a->id_len, s + b->id_off, b->id_len);
    return d ? d : (a->pos < b->pos ? -1 : 1);
}

enum {
    A_ID,
    A_TITLE,
    A_PASS,
    A_ITEMS,
    A_ATTEMPTS,
    A_LIMIT,
    A_OPEN,
    A_CLOSE,
    A_GRACE,
    A_OVERDUE,
    A_OUTCOMES,
    A_PROGRAM,
    A_SCORE_OUT,
    A_COUNT
};

/* An RFC 3339 date-time field, in seconds since the epoch. */
static as_code_t s_time(as_tc_t *c, as_field_t *f, double *out)
{
    const char *s;
    uint32_t len;
    as_code_t rc = as_tc_string(c, f, &s, &len);
    if (rc) return rc;
    if (as_rfc3339_parse(s, len, out)) {
        size_t mark = as_tc_enter(c, f);
        rc = as_err_at(c->err, AS_BAD_REQUEST, &c->path,
                       "expected an RFC 3339 date-time such as 2026-12-01T09:00:00Z, got \"%.*s\"",
                       (int)(len > 64 ? 64 : len), s);
        as_path_pop(&c->path, mark);
    }
    return rc;
}

/* The exam settings: time_limit_s, open_at, close_at, grace_s, overdue. */
static as_code_t s_exam(as_tc_t *c, as_field_t *f, as_thdr_t *h)
{
    static const char *const policies[] = {"submit", "abandon"};
    as_code_t rc;
    h->grace_s = 60;
    if (f[A_LIMIT].seen &&
        (rc = as_field_uint(&f[A_LIMIT], 1, AS_MAX_TIME_LIMIT, &h->time_limit_s, &c->path, c->err)))
        return rc;
    if (f[A_GRACE].seen &&
        (rc = as_field_uint(&f[A_GRACE], 0, AS_MAX_GRACE, &h->grace_s, &c->path, c->err)))
        return rc;
    if (f[A_OVERDUE].seen) {
        int v;
        if ((rc = as_tc_enum(c, &f[A_OVERDUE], policies, 2, &v))) return rc;
        h->overdue = (uint32_t)v;
    }
    if (f[A_OPEN].seen) {
        if ((rc = s_time(c, &f[A_OPEN], &h->open_at))) return rc;
        h->window |= AS_TW_OPEN;
    }
    if (f[A_CLOSE].seen) {
        if ((rc = s_time(c, &f[A_CLOSE], &h->close_at))) return rc;
        h->window |= AS_TW_CLOSE;
    }
    if ((h->window & AS_TW_OPEN) && (h->window & AS_TW_CLOSE) && h->close_at <= h->open_at)
        return as_err_set(c->err, AS_BAD_REQUEST, "close_at: not after open_at");
    return AS_OK;
}

/* The assessment's own outcome processing: outcomes, outcome_processing, score_outcome. Its
 * score outcome's declared maximum is then the max score. */
static as_code_t s_outcome_processing(as_tc_t *c, as_field_t *f, as_thdr_t *h)
{
    as_code_t rc;
    if (!f[A_PROGRAM].seen) {
        if (f[A_OUTCOMES].seen || f[A_SCORE_OUT].seen)
            return as_err_set(c->err, AS_BAD_REQUEST, "%s: given without outcome_processing",
                              f[A_OUTCOMES].seen ? "outcomes" : "score_outcome");
        return AS_OK;
    }
    if (!f[A_OUTCOMES].seen)
        return as_err_set(c->err, AS_BAD_REQUEST,
                          "outcome_processing: declare the outcomes it sets (\"outcomes\")");
    if ((rc = as_tc_outcomes(c, &f[A_OUTCOMES], &h->out_off, &h->n_out))) return rc;
    double max = 0;
    bool has_max;
    if ((rc = as_tc_score_outcome(c, &f[A_SCORE_OUT], h->out_off, h->n_out, &h->score_out, &max,
                                  &has_max)))
        return rc;
    as_pc_t pc = {.c = c,
                  .test = true,
                  .n_out = h->n_out,
                  .out_off = h->out_off,
                  .n_items = h->n_items,
                  .items_off = h->items_off};
    if ((rc = as_pc_compile(&pc, &f[A_PROGRAM], &h->prog_off, &h->prog_len, &h->stack))) return rc;
    if (c->b.oom) return AS_OK;
    /* the max: declared; else MAXSCORE as the program computes it (s_computed_max); else, with
     * no score outcome (the items' sum is the score), the items' */
    if (has_max)
        h->max_score = max;
    else if (as_pc_find_out(c, h->out_off, h->n_out, "MAXSCORE", 8) >= 0)
        h->flags |= AS_TH_MAXSCORE;
    else if (h->score_out != AS_NO_SCORE_OUT)
        h->max_score = NAN; /* its own score, its max not known */
    return AS_OK;
}

/* The max score of an assessment whose outcome_processing computes MAXSCORE: the value it
 * gives with nothing answered (outcomeMaximum and the like do not depend on the answers). */
static as_code_t s_computed_max(as_tc_t *c, as_thdr_t *h, as_scorer_t *sc)
{
    as_table_t t = {.base = c->b.data, .size = c->b.len, .hdr = *h};
    static const uint8_t nothing[] = {0x80}; /* {} */
    as_mp_t r;
    as_mp_init(&r, nothing, sizeof nothing);
    as_path_t path;
    as_path_init(&path, "answers");
    double total;
    as_err_t ignored;
    as_code_t rc = as_score_answers(sc, &t, &r, &path, &total, NULL, &ignored);
    double max = NAN;
    if (!rc)
        max = as_score_outcome_value(sc, as_pc_find_out(c, h->out_off, h->n_out, "MAXSCORE", 8));
    h->max_score = isfinite(max) ? max : NAN; /* not a number: not known */
    return AS_OK;
}

/* Each item's score when unanswered: its program run with NULL responses (templates: 0). */
static as_code_t s_null_scores(as_tc_t *c, as_thdr_t *h)
{
    as_scorer_t *sc = NULL;
    as_table_t t;
    bool computed = h->flags & AS_TH_MAXSCORE;
    if (computed && !(sc = as_scorer_new()))
        return as_err_set(c->err, AS_INTERNAL, "out of memory compiling the assessment");
    h->null_total = 0;
    for (uint32_t i = 0; i < h->n_items; i++) {
        as_titem_t it;
        memcpy(&it, c->b.data + h->items_off + i * sizeof it, sizeof it);
        if ((it.flags & AS_TF_GRADED) && h->prog_len) {
            as_scorer_destroy(&sc);
            return as_err_set(c->err, AS_BAD_REQUEST,
                              "items[%u]: graded by people, in an assessment whose own "
                              "outcome_processing computes its score: not supported (people's "
                              "grades are added to the sum of the items)",
                              i);
        }
        if (it.flags & AS_TF_GRADED) h->flags |= AS_TH_GRADED;
        if (it.rule != AS_RULE_PROGRAM) continue;
        if (!sc && !(sc = as_scorer_new()))
            return as_err_set(c->err, AS_INTERNAL, "out of memory compiling the assessment");
        t = (as_table_t){.base = c->b.data, .size = c->b.len, .hdr = *h};
        it.null_score = as_score_null(sc, &t, i);
        if (it.null_score != 0) h->flags |= AS_TH_NULLS;
        h->null_total += it.null_score;
        memcpy(c->b.data + h->items_off + i * sizeof it, &it, sizeof it);
    }
    memcpy(c->b.data, h, sizeof *h);
    as_code_t rc = computed ? s_computed_max(c, h, sc) : AS_OK;
    as_scorer_destroy(&sc);
    memcpy(c->b.data, h, sizeof *h);
    return rc;
}

as_code_t as_table_compile(const uint8_t *src, size_t len, as_compiled_t *out, as_err_t *err)
{
    as_tc_t *c = calloc(1, sizeof *c);
    if (!c) return as_err_set(err, AS_INTERNAL, "out of memory compiling the assessment");
    c->err = err;
    as_path_init(&c->path, NULL);
    memset(out, 0, sizeof *out);
    as_mp_t r;
    as_mp_init(&r, src, len);
    as_field_t f[A_COUNT] = {
        {.name = "id"},           {.name = "title"},        {.name = "pass_ratio"},
        {.name = "items"},        {.name = "max_attempts"}, {.name = "time_limit_s"},
        {.name = "open_at"},      {.name = "close_at"},     {.name = "grace_s"},
        {.name = "overdue"},      {.name = "outcomes"},     {.name = "outcome_processing"},
        {.name = "score_outcome"}};
    as_code_t rc = as_tc_fields(c, &r, f, A_COUNT);
    if (rc) goto fail;
    if (!f[A_ID].seen || !f[A_ITEMS].seen) {
        rc = as_err_set(err, AS_BAD_REQUEST, "params: missing field \"%s\"",
                        f[A_ID].seen ? "items" : "id");
        goto fail;
    }
    const char *id, *title = "";
    uint32_t id_len, title_len = 0, n;
    if ((rc = as_tc_id(c, &f[A_ID], &id, &id_len))) goto fail;
    if (f[A_TITLE].seen) {
        if ((rc = as_tc_string(c, &f[A_TITLE], &title, &title_len))) goto fail;
        if (title_len > AS_MAX_TITLE) {
            rc = as_err_set(err, AS_BAD_REQUEST, "title: longer than %d bytes", AS_MAX_TITLE);
            goto fail;
        }
    }
    as_thdr_t h = {.magic = AS_TABLE_MAGIC, .format = AS_TABLE_FORMAT, .version = 0};
    if (f[A_PASS].seen) {
        if ((rc = as_tc_number(c, &f[A_PASS], 0, 1, &h.pass_ratio))) goto fail;
        h.has_pass = 1;
    }
    if (f[A_ATTEMPTS].seen &&
        (rc = as_field_uint(&f[A_ATTEMPTS], 1, AS_MAX_ATTEMPTS, &h.max_attempts, &c->path, err)))
        goto fail;
    if ((rc = s_exam(c, f, &h))) goto fail;
    if ((rc = as_tc_array_at(c, &f[A_ITEMS], AS_MAX_ITEMS, &n))) goto fail;
    if (n == 0) {
        rc = as_err_set(err, AS_BAD_REQUEST, "items: an assessment needs at least one item");
        goto fail;
    }
    as_tc_alloc(&c->b, sizeof(as_thdr_t));
    h.n_items = n;
    h.hash_mask = 1;
    while (h.hash_mask + 1 < 2 * n)
        h.hash_mask = h.hash_mask * 2 + 1;
    h.hash_off = as_tc_alloc(&c->b, (size_t)(h.hash_mask + 1) * sizeof(as_thash_t));
    h.items_off = as_tc_alloc(&c->b, (size_t)n * sizeof(as_titem_t));
    h.id_off = as_tc_str(&c->b, id, id_len);
    h.id_len = id_len;
    h.title_off = as_tc_str(&c->b, title, title_len);
    h.title_len = title_len;
    for (uint32_t i = 0; i < n && !c->b.oom; i++) {
        as_path_init(&c->path, "items");
        as_path_index(&c->path, i);
        if ((rc = as_tc_item(c, &f[A_ITEMS].at, i, h.items_off))) goto fail;
    }
    if (c->b.oom) {
        rc = c->b.len + 4096 > AS_TC_MAX_BLOB
                 ? as_err_set(err, AS_TOO_LARGE, "assessment compiles to more than %u MiB",
                              AS_TC_MAX_BLOB >> 20)
                 : as_err_set(err, AS_INTERNAL, "out of memory compiling the assessment");
        goto fail;
    }
    /* The id index, and duplicate item ids. */
    s_idx_t *idx = malloc((size_t)n * sizeof *idx);
    if (!idx) {
        rc = as_err_set(err, AS_INTERNAL, "out of memory compiling the assessment");
        goto fail;
    }
    h.max_score = 0;
    for (uint32_t i = 0; i < n; i++) {
        as_titem_t it;
        memcpy(&it, c->b.data + h.items_off + i * sizeof it, sizeof it);
        idx[i] = (s_idx_t){.id_off = it.id_off, .id_len = it.id_len, .pos = i};
        h.max_score += it.max_score;
    }
    qsort_r(idx, n, sizeof *idx, s_idx_cmp, c->b.data);
    for (uint32_t i = 1; i < n; i++) {
        const char *s = (const char *)c->b.data;
        if (s_idcmp(s + idx[i].id_off, idx[i].id_len, s + idx[i - 1].id_off, idx[i - 1].id_len) ==
            0) {
            rc = as_err_set(err, AS_BAD_REQUEST,
                            "items[%u].id: duplicate item id \"%.*s\" (also items[%u])", idx[i].pos,
                            (int)idx[i].id_len, s + idx[i].id_off, idx[i - 1].pos);
            free(idx);
            goto fail;
        }
    }
    free(idx);
    for (uint32_t i = 0; i < n; i++) {
        as_titem_t it;
        memcpy(&it, c->b.data + h.items_off + i * sizeof it, sizeof it);
        as_thash_t e = {.pos1 = i + 1, .id_off = it.id_off, .id_len = it.id_len};
        e.hash = as_table_hash((const char *)c->b.data + it.id_off, it.id_len);
        for (uint32_t slot = e.hash & h.hash_mask;; slot = (slot + 1) & h.hash_mask) {
            as_thash_t cur;
            memcpy(&cur, c->b.data + h.hash_off + slot * sizeof cur, sizeof cur);
            if (!cur.pos1) {
                memcpy(c->b.data + h.hash_off + slot * sizeof e, &e, sizeof e);
                break;
            }
        }
    }
    as_path_init(&c->path, NULL);
    if ((rc = s_outcome_processing(c, f, &h))) goto fail;
    h.size = (uint32_t)c->b.len;
    memcpy(c->b.data, &h, sizeof h);
    if ((rc = s_null_scores(c, &h))) goto fail;
    out->blob = c->b.data;
    out->size = c->b.len;
    out->id = id;
    out->id_len = id_len;
    out->n_items = n;
    out->max_score = h.max_score;
    free(c);
    return AS_OK;
fail:
    free(c->b.data);
    free(c);
    return rc;
}

as_code_t as_table_recompile(const uint8_t *src, size_t len, uint32_t version, as_compiled_t *out,
                             as_err_t *err)
{
    as_code_t rc = as_table_compile(src, len, out, err);
    if (!rc) memcpy(out->blob + offsetof(as_thdr_t, version), &version, sizeof version);
    return rc;
}

uint32_t as_table_format(const void *blob, size_t size)
{
    uint32_t head[2] = {0, 0}; /* magic, format: the same place in every format */
    if (size >= sizeof head) memcpy(head, blob, sizeof head);
    return head[0] == AS_TABLE_MAGIC ? head[1] : 0;
}

as_code_t as_table_open(const void *blob, size_t size, as_table_t *t, as_err_t *err)
{
    if (size < sizeof(as_thdr_t))
        return as_err_set(err, AS_INTERNAL, "stored table is truncated (%zu bytes)", size);
    t->base = blob;
    t->size = size;
    memcpy(&t->hdr, blob, sizeof t->hdr);
    if (t->hdr.magic != AS_TABLE_MAGIC || t->hdr.format != AS_TABLE_FORMAT || t->hdr.size != size)
        return as_err_set(err, AS_INTERNAL, "stored table has an unknown format");
    return AS_OK;
}
