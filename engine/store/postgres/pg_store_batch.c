/* pg_store_batch.c — a write transaction's batch of submissions on PostgreSQL (pg_store.h): the
 * writer declares their subjects (as_wtxn_prepare) and one round trip reads what their steps
 * will read: each subject's response under its idempotency key, its stored responses and counted
 * attempts, its override, the report statistics (pg_stats.c) and the mastery of its tables'
 * skills (pg_mastery.c), the notification sequence, and as many response ids as submissions;
 * the transaction's BEGIN travels with them.
 * The steps' reads of a declared subject are then answered from here, and their responses kept
 * here, so that a submission costs no round trip of its own; the commit sends the responses,
 * keys and counts, each one statement over arrays, with the COMMIT (pg_store.c).
 *
 * A subject not declared (an attempt's submission, a regrade) is read and written in the
 * transaction as the operations do by default: both paths see the same state, since an entry
 * exists only for what was declared, from the start of the transaction.
 */
#include "pg_store.h"
#include "pg_pipeline.h"

#include <stdlib.h>
#include <string.h>

bool as_pg_send_learner_locks(PGconn *c, const as_pg_arr_t *learners)
{
    static const Oid types[1] = {AS_PG_TEXT_ARR};
    /* in one order on every engine (the hashes sorted), so that engines never deadlock */
    return as_pg_send(c,
                      "SELECT pg_advisory_xact_lock(" AS_PG_LEARNER_LOCKS ", h) FROM (SELECT "
                      "DISTINCT hashtext(l) AS h FROM unnest($1::text[]) AS u(l) ORDER BY 1) "
                      "AS s",
                      1, types, learners);
}

as_code_t as_pg_send_learner_lock(PGconn *c, const char *learner, uint32_t len, as_err_t *err)
{
    as_pg_arr_t l = {0};
    as_pg_arr_begin(&l, AS_PG_TEXT, 1);
    as_pg_arr_bytes(&l, learner, len);
    bool sent = as_pg_send_learner_locks(c, &l);
    free(l.p);
    return sent ? AS_OK : as_pg_fail(c, NULL, "send the learner's lock", err);
}

static bool s_eq(const char *a, uint32_t alen, const char *b, uint32_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

as_pg_entry_t *as_pg_batch_entry(as_pg_wtxn_t *w, const as_subject_t *s)
{
    for (uint32_t i = 0; i < w->n_entries; i++) {
        as_pg_entry_t *e = &w->entries[i];
        if (s_eq(e->a, e->alen, s->assessment, s->assessment_len) &&
            s_eq(e->l, e->llen, s->learner, s->learner_len))
            return e;
    }
    return NULL;
}

as_pg_key_t *as_pg_batch_key(as_pg_wtxn_t *w, const as_subject_t *s)
{
    if (!s->key) return NULL;
    for (uint32_t i = 0; i < w->n_keys; i++) {
        as_pg_key_t *k = &w->keys[i];
        if (s_eq(k->key, k->klen, s->key, s->key_len) &&
            s_eq(k->a, k->alen, s->assessment, s->assessment_len) &&
            s_eq(k->l, k->llen, s->learner, s->learner_len))
            return k;
    }
    return NULL;
}

const as_pg_row_buf_t *as_pg_batch_row(as_pg_wtxn_t *w, uint64_t rid)
{
    for (uint32_t i = 0; i < w->n_rows; i++)
        if (w->rows[i].rid == rid) return &w->rows[i];
    return NULL;
}

uint64_t as_pg_batch_count(as_pg_wtxn_t *w, const char *a, uint32_t alen)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < w->n_rows; i++) {
        const as_pg_entry_t *e = &w->entries[w->rows[i].entry];
        n += s_eq(e->a, e->alen, a, alen);
    }
    return n;
}

as_code_t as_pg_batch_add(as_pg_wtxn_t *w, as_pg_entry_t *e, const as_subject_t *s, uint64_t rid,
                          uint32_t attempt, const void *record, size_t len, as_err_t *err)
{
    if (w->n_rows == w->cap_rows) {
        uint32_t cap = w->cap_rows ? 2 * w->cap_rows : 64;
        as_pg_row_buf_t *rows = realloc(w->rows, cap * sizeof *rows);
        if (!rows) return as_err_set(err, AS_INTERNAL, "out of memory");
        w->rows = rows;
        w->cap_rows = cap;
    }
    const void *rec = as_pg_keep(&w->arena, record, len);
    if (!rec) return as_err_set(err, AS_INTERNAL, "out of memory");
    as_pg_key_t *k = as_pg_batch_key(w, s);
    if (s->key && !k) /* (every declared key has its entry: a key added later is kept too) */
        return as_err_set(err, AS_INTERNAL, "a key the batch did not declare");
    if (k) k->rid = rid;
    w->rows[w->n_rows++] = (as_pg_row_buf_t){.rid = rid,
                                             .entry = (uint32_t)(e - w->entries),
                                             .attempt = attempt,
                                             .key = k ? k->key : NULL,
                                             .klen = k ? k->klen : 0,
                                             .record = rec,
                                             .len = len};
    if (attempt > e->stored) e->stored = attempt;
    return AS_OK;
}

/* The mastery pairs the declared subjects' submissions may touch: each learner with every skill
 * an item of the assessment's current table names (the table read as the steps will read it). */
static as_code_t s_pairs(as_pg_wtxn_t *w, as_pg_pair_t **out, uint32_t *n_out, as_err_t *err)
{
    as_pg_pair_t *pairs = NULL;
    uint32_t n = 0, cap = 0;
    for (uint32_t i = 0; i < w->n_entries; i++) {
        const as_pg_entry_t *e = &w->entries[i];
        as_table_t t;
        as_err_t none;
        if (as_store_wtable((as_wtxn_t *)w, e->a, e->alen, &t, &none)) continue;
        for (uint32_t it = 0; it < t.hdr.n_items; it++) {
            as_titem_t item;
            as_table_item(&t, it, &item);
            for (uint32_t j = 0; j < item.n_skills; j++) {
                uint32_t slen;
                const char *skill = as_table_skill(&t, &item, j, &slen);
                if (n == cap) {
                    cap = cap ? 2 * cap : 64;
                    as_pg_pair_t *p = realloc(pairs, cap * sizeof *p);
                    if (!p) {
                        free(pairs);
                        return as_err_set(err, AS_INTERNAL, "out of memory");
                    }
                    pairs = p;
                }
                /* (the table is a view of the map until the commit; the skill id is kept) */
                const char *kept = as_pg_keep(&w->arena, skill, slen);
                if (!kept) {
                    free(pairs);
                    return as_err_set(err, AS_INTERNAL, "out of memory");
                }
                pairs[n++] = (as_pg_pair_t){
                    .learner = e->l, .learner_len = e->llen, .skill = kept, .skill_len = slen};
            }
        }
    }
    *out = pairs;
    *n_out = n;
    return AS_OK;
}

/* The declared subjects, deduplicated into entries and keys (their strings kept). */
static as_code_t s_declare(as_pg_wtxn_t *w, const as_subject_t *s, uint32_t n, as_err_t *err)
{
    w->entries = calloc(n ? n : 1, sizeof *w->entries);
    w->keys = calloc(n ? n : 1, sizeof *w->keys);
    if (!w->entries || !w->keys) return as_err_set(err, AS_INTERNAL, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        if (!as_pg_batch_entry(w, &s[i])) {
            const char *a = as_pg_keep(&w->arena, s[i].assessment, s[i].assessment_len);
            const char *l = as_pg_keep(&w->arena, s[i].learner, s[i].learner_len);
            if (!a || !l) return as_err_set(err, AS_INTERNAL, "out of memory");
            w->entries[w->n_entries++] = (as_pg_entry_t){
                .a = a, .alen = s[i].assessment_len, .l = l, .llen = s[i].learner_len};
        }
        if (s[i].key && !as_pg_batch_key(w, &s[i])) {
            const as_pg_entry_t *e = as_pg_batch_entry(w, &s[i]);
            const char *key = as_pg_keep(&w->arena, s[i].key, s[i].key_len);
            if (!key) return as_err_set(err, AS_INTERNAL, "out of memory");
            w->keys[w->n_keys++] = (as_pg_key_t){.a = e->a,
                                                 .alen = e->alen,
                                                 .l = e->l,
                                                 .llen = e->llen,
                                                 .key = key,
                                                 .klen = s[i].key_len};
        }
    }
    return AS_OK;
}

as_code_t as_pgs_wtxn_prepare(as_wtxn_t *txn, const as_subject_t *s, uint32_t n, as_err_t *err)
{
    as_pg_wtxn_t *w = (as_pg_wtxn_t *)txn;
    if (!n || w->entries) return AS_OK; /* (declared once, before any step) */
    as_code_t rc = s_declare(w, s, n, err);
    as_pg_pair_t *pairs = NULL;
    uint32_t n_pairs = 0;
    if (!rc) rc = s_pairs(w, &pairs, &n_pairs, err);
    /* pg_stats.c's subjects: one per entry */
    as_pg_subject_t *ps = rc ? NULL : calloc(w->n_entries ? w->n_entries : 1, sizeof *ps);
    if (!rc && !ps) rc = as_err_set(err, AS_INTERNAL, "out of memory");
    for (uint32_t i = 0; !rc && i < w->n_entries; i++)
        ps[i] = (as_pg_subject_t){.assessment = w->entries[i].a,
                                  .assessment_len = w->entries[i].alen,
                                  .learner = w->entries[i].l,
                                  .learner_len = w->entries[i].llen};
    as_pg_arr_t a[6] = {{0}};
    as_pg_arr_begin(&a[0], AS_PG_TEXT, w->n_entries);
    as_pg_arr_begin(&a[1], AS_PG_TEXT, w->n_entries);
    for (uint32_t i = 0; i < w->n_entries; i++) {
        as_pg_arr_bytes(&a[0], w->entries[i].a, w->entries[i].alen);
        as_pg_arr_bytes(&a[1], w->entries[i].l, w->entries[i].llen);
    }
    as_pg_arr_begin(&a[2], AS_PG_TEXT, w->n_keys);
    as_pg_arr_begin(&a[3], AS_PG_TEXT, w->n_keys);
    as_pg_arr_begin(&a[4], AS_PG_TEXT, w->n_keys);
    for (uint32_t i = 0; i < w->n_keys; i++) {
        as_pg_arr_bytes(&a[2], w->keys[i].a, w->keys[i].alen);
        as_pg_arr_bytes(&a[3], w->keys[i].l, w->keys[i].llen);
        as_pg_arr_bytes(&a[4], w->keys[i].key, w->keys[i].klen);
    }
    /* the ids: one int8 parameter, as many as submissions (a retry leaves its id unused) */
    as_pg_arr_put32(&a[5], 0);
    as_pg_arr_put32(&a[5], (int32_t)n);
    as_pg_arr_t node = {0}; /* (a text parameter: its bytes) */
    as_pg_arr_put(&node, w->st->node, strlen(w->st->node));
    static const Oid text[1] = {AS_PG_TEXT}, two[2] = {AS_PG_TEXT_ARR, AS_PG_TEXT_ARR},
                     three[3] = {AS_PG_TEXT_ARR, AS_PG_TEXT_ARR, AS_PG_TEXT_ARR},
                     ids[1] = {AS_PG_INT8};
    PGconn *c = w->c;
    bool begin = !w->begun; /* (BEGIN travels in this round trip) */
    w->begun = true;
    if (!rc && !PQenterPipelineMode(c)) rc = as_pg_fail(c, NULL, "pipeline", err);
    if (!rc) {
        bool sent =
            (!begin || as_pg_send(c, "BEGIN", 0, NULL, NULL)) &&
            as_pg_send_learner_locks(c, a + 1) &&
            as_pg_send(c,
                       /* one index look-up per subject (pg_batch.c says why) */
                       "SELECT coalesce((SELECT attempts FROM attempt_counts n WHERE "
                       "n.assessment = u.a AND n.learner = u.l), 0), coalesce((SELECT n FROM "
                       "attempt_starts s WHERE s.assessment = u.a AND s.learner = u.l), 0), "
                       "(SELECT rec FROM overrides o WHERE o.assessment = u.a AND o.learner = "
                       "u.l) FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(a, l, i) "
                       "ORDER BY u.i",
                       2, two, a) &&
            as_pg_send(c,
                       "SELECT (SELECT rid FROM idempotency i WHERE i.assessment = u.a AND "
                       "i.learner = u.l AND i.key = u.k) FROM unnest($1::text[], $2::text[], "
                       "$3::text[]) WITH ORDINALITY AS u(a, l, k, i) ORDER BY u.i",
                       3, three, a + 2) &&
            as_pg_send(c,
                       "UPDATE counters SET value = value + $1 WHERE name = 'rid' "
                       "RETURNING value - $1 + 1",
                       1, ids, a + 5) &&
            as_pg_send(c, AS_PG_SEQ_READ, 1, text, &node);
        if (sent) sent = !as_pg_stats_send_load(c, w->stats, ps, w->n_entries, err);
        if (sent && n_pairs) sent = !as_pg_mastery_send_load(c, w->mastery, pairs, n_pairs, err);
        if (!sent || !PQpipelineSync(c)) rc = as_pg_fail(c, NULL, "send", err);
    }
    for (int i = 0; i < 6; i++)
        free(a[i].p);
    free(node.p);
    PGresult *subj = NULL, *keys = NULL, *rids = NULL, *seq = NULL;
    if (!rc && begin) rc = as_pg_recv(c, PGRES_COMMAND_OK, "begin", NULL, err);
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "lock the batch's learners", NULL, err);
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "read the batch's subjects", &subj, err);
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "read the batch's keys", &keys, err);
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "reserve response ids", &rids, err);
    if (!rc) rc = as_pg_recv(c, PGRES_TUPLES_OK, "read the notification sequence", &seq, err);
    if (!rc) rc = as_pg_stats_recv_load(c, w->stats, err);
    if (!rc && n_pairs) rc = as_pg_mastery_recv_load(c, w->mastery, err);
    if (PQpipelineStatus(c) != PQ_PIPELINE_OFF) rc = as_pg_sync(c, rc, err);
    if (!rc && (PQntuples(subj) != (int)w->n_entries || PQntuples(keys) != (int)w->n_keys ||
                PQntuples(rids) != 1 || PQntuples(seq) != 1))
        rc = as_err_set(err, AS_INTERNAL, "PostgreSQL: the batch's reads gave unexpected rows");
    for (uint32_t i = 0; !rc && i < w->n_entries; i++) {
        as_pg_entry_t *e = &w->entries[i];
        e->stored = as_pg_get_int4(PQgetvalue(subj, (int)i, 0));
        e->starts = as_pg_get_int4(PQgetvalue(subj, (int)i, 1));
        e->o_found =
            !PQgetisnull(subj, (int)i, 2) && (size_t)PQgetlength(subj, (int)i, 2) == sizeof e->o;
        if (e->o_found) memcpy(&e->o, PQgetvalue(subj, (int)i, 2), sizeof e->o);
    }
    for (uint32_t i = 0; !rc && i < w->n_keys; i++)
        w->keys[i].rid =
            PQgetisnull(keys, (int)i, 0) ? 0 : as_pg_get_int8(PQgetvalue(keys, (int)i, 0));
    if (!rc) {
        w->rid_first = as_pg_get_int8(PQgetvalue(rids, 0, 0));
        w->rid_n = n;
        w->seq = as_pg_get_int8(PQgetvalue(seq, 0, 0));
        w->seq_read = true;
    }
    PQclear(subj);
    PQclear(keys);
    PQclear(rids);
    PQclear(seq);
    free(pairs);
    free(ps);
    return rc;
}

as_code_t as_pg_batch_send(as_pg_wtxn_t *w, uint32_t *sent, as_err_t *err)
{
    *sent = 0;
    PGconn *c = w->c;
    bool ok = true;
    if (w->n_rows) {
        as_pg_arr_t a[6] = {{0}};
        as_pg_arr_begin(&a[0], AS_PG_INT8, w->n_rows);
        as_pg_arr_begin(&a[1], AS_PG_TEXT, w->n_rows);
        as_pg_arr_begin(&a[2], AS_PG_TEXT, w->n_rows);
        as_pg_arr_begin(&a[3], AS_PG_INT4, w->n_rows);
        as_pg_arr_begin(&a[4], AS_PG_BYTEA, w->n_rows);
        as_pg_arr_begin(&a[5], AS_PG_TEXT, w->n_rows);
        for (uint32_t i = 0; i < w->n_rows; i++) {
            const as_pg_row_buf_t *r = &w->rows[i];
            const as_pg_entry_t *e = &w->entries[r->entry];
            as_pg_arr_int8(&a[0], r->rid);
            as_pg_arr_bytes(&a[1], e->a, e->alen);
            as_pg_arr_bytes(&a[2], e->l, e->llen);
            as_pg_arr_int4(&a[3], r->attempt);
            as_pg_arr_bytes(&a[4], r->record, r->len);
            as_pg_arr_bytes(&a[5], r->key, r->klen);
        }
        ok = as_pg_send_responses(c, a, w->st->node);
        for (int i = 0; i < 6; i++)
            free(a[i].p);
        *sent += ok;
    }
    uint32_t dirty = 0;
    for (uint32_t i = 0; i < w->n_entries; i++)
        dirty += w->entries[i].starts_dirty;
    if (ok && dirty) {
        as_pg_arr_t a[3] = {{0}};
        as_pg_arr_begin(&a[0], AS_PG_TEXT, dirty);
        as_pg_arr_begin(&a[1], AS_PG_TEXT, dirty);
        as_pg_arr_begin(&a[2], AS_PG_INT4, dirty);
        for (uint32_t i = 0; i < w->n_entries; i++) {
            const as_pg_entry_t *e = &w->entries[i];
            if (!e->starts_dirty) continue;
            as_pg_arr_bytes(&a[0], e->a, e->alen);
            as_pg_arr_bytes(&a[1], e->l, e->llen);
            as_pg_arr_int4(&a[2], e->starts);
        }
        static const Oid types[3] = {AS_PG_TEXT_ARR, AS_PG_TEXT_ARR, AS_PG_INT4_ARR};
        ok = as_pg_send(c,
                        "INSERT INTO attempt_starts (assessment, learner, n) SELECT * FROM "
                        "unnest($1::text[], $2::text[], $3::int4[]) ON CONFLICT (assessment, "
                        "learner) DO UPDATE SET n = EXCLUDED.n",
                        3, types, a);
        for (int i = 0; i < 3; i++)
            free(a[i].p);
        *sent += ok;
    }
    return ok ? AS_OK : as_pg_fail(c, NULL, "send the batch's responses", err);
}

void as_pg_batch_free(as_pg_wtxn_t *w)
{
    free(w->entries);
    free(w->keys);
    free(w->rows);
    free(w->models);
}
