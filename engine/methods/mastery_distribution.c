/* mastery_distribution.c — mastery.distribution {skill?}: how the learners' mastery of each skill
 * is spread, for the dashboard's skills view. A scan of every learner's live states in the
 * worker's read transaction (as_store_mastery_scan): O(states), not kept up to date on writes. */
#include "handler.h"

#include "tracing.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define S_BINS 10

typedef struct {
    char id[AS_MAX_ID];
    uint32_t len;
    double threshold;
    uint64_t learners, mastered;
    double sum_p;
    uint64_t bins[S_BINS]; /* p_mastery in [b/10, (b+1)/10); the last includes 1 */
} s_dist_t;

typedef struct {
    s_dist_t *d;
    size_t n, cap;
    bool oom;
} s_ctx_t;

static void s_add_skill(void *arg, const char *id, uint32_t len, const as_skill_t *sk)
{
    s_ctx_t *c = arg;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        s_dist_t *grown = realloc(c->d, cap * sizeof *grown);
        if (!grown) {
            c->oom = true;
            return;
        }
        c->d = grown;
        c->cap = cap;
    }
    s_dist_t *d = &c->d[c->n++];
    memset(d, 0, sizeof *d);
    memcpy(d->id, id, len);
    d->len = len;
    d->threshold = sk->params.mastery_threshold;
}

/* The skills' order in LMDB: bytes compared, then the shorter first. */
static int s_cmp(const char *a, uint32_t al, const char *b, uint32_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

static void s_add_state(void *arg, const char *skill, uint32_t len, const as_skill_t *sk,
                        const as_mastery_t *m)
{
    (void)sk;
    s_ctx_t *c = arg;
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = s_cmp(c->d[mid].id, c->d[mid].len, skill, len);
        if (r == 0) {
            s_dist_t *d = &c->d[mid];
            int b = (int)floor(m->s.p * S_BINS);
            d->bins[b < 0 ? 0 : b >= S_BINS ? S_BINS - 1 : b]++;
            d->learners++;
            d->mastered += m->s.p >= d->threshold;
            d->sum_p += m->s.p;
            return;
        }
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
}

as_code_t as_handle_mastery_distribution(as_worker_t *w, as_request_t *req, as_err_t *err)
{
    as_field_t f[] = {AS_FIELD("skill")};
    as_path_t path;
    const char *skill = NULL;
    uint32_t slen = 0;
    as_code_t rc = as_h_params(req, f, 1, 0, &path, err);
    if (rc) return rc;
    s_ctx_t c = {0};
    if (f[0].seen && as_mp_peek(&f[0].at) != AS_MP_NIL) {
        as_skill_t sk;
        if ((rc = as_field_id(&f[0], &skill, &slen, &path, err)) ||
            (rc = as_store_skill_get(w->rd, skill, slen, &sk, err)))
            return rc;
        s_add_skill(&c, skill, slen, &sk);
    } else {
        uint64_t total;
        bool more;
        rc = as_store_skill_list(w->rd, NULL, 0, UINT32_MAX, s_add_skill, &c, &total, &more, err);
    }
    if (!rc && !c.oom) rc = as_store_mastery_scan(w->rd, skill, slen, s_add_state, &c, err);
    if (!rc && c.oom) rc = as_err_set(err, AS_INTERNAL, "out of memory");
    if (!rc) {
        msgpack_packer *pk = &w->pk;
        msgpack_pack_map(pk, 1);
        as_pack_cstr(pk, "skills");
        msgpack_pack_map(pk, c.n);
        for (size_t i = 0; i < c.n; i++) {
            const s_dist_t *d = &c.d[i];
            as_pack_str(pk, d->id, d->len);
            msgpack_pack_map(pk, 4);
            as_pack_cstr(pk, "learners");
            msgpack_pack_uint64(pk, d->learners);
            as_pack_cstr(pk, "mastered");
            msgpack_pack_uint64(pk, d->mastered);
            as_pack_cstr(pk, "mean");
            if (d->learners)
                msgpack_pack_double(pk, d->sum_p / (double)d->learners);
            else
                msgpack_pack_nil(pk);
            as_pack_cstr(pk, "histogram");
            msgpack_pack_array(pk, S_BINS);
            for (int b = 0; b < S_BINS; b++)
                msgpack_pack_uint64(pk, d->bins[b]);
        }
    }
    free(c.d);
    return rc;
}
