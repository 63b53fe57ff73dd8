/* model_load.c — a safetensors file checked strictly and compiled into a model blob (model.h).
 *
 * safetensors: an 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape,
 * data_offsets: [begin, end]}, "__metadata__"?: {string: string}}, then the data. Refused: a
 * header that is not such an object (or has duplicate names, other fields, a dtype other than
 * F32, a rank over 4), offsets that are not exactly the tensors' sizes laid end to end from 0 to
 * the end of the file. Then each kind's tensors are matched by name and shape to pyKT's
 * state_dict (s_specs): every dimension comes from the shapes.
 */
#include "model.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool as_model_kind_parse(const char *s, uint32_t len, as_model_kind_t *kind)
{
    if (as_str_eq(s, len, "dkt"))
        *kind = AS_MODEL_DKT;
    else if (as_str_eq(s, len, "dkvmn"))
        *kind = AS_MODEL_DKVMN;
    else
        return false;
    return true;
}

const char *as_model_kind_name(as_model_kind_t kind)
{
    return kind == AS_MODEL_DKT ? "dkt" : kind == AS_MODEL_DKVMN ? "dkvmn" : "?";
}

static int s_by_offset(const void *a, const void *b)
{
    const as_tensor_t *x = a, *y = b;
    return x->data < y->data ? -1 : x->data > y->data;
}

/* One header entry: {dtype: "F32", shape: [...], data_offsets: [b, e]}. */
static as_code_t s_entry(const char *name, json_t *v, const uint8_t *data, size_t data_len,
                         as_tensor_t *t, as_err_t *err)
{
    if (!json_is_object(v))
        return as_err_set(err, AS_BAD_REQUEST, "weights: tensor \"%s\": expected an object", name);
    const char *key;
    json_t *f;
    json_object_foreach(v, key, f)
    {
        if (strcmp(key, "dtype") && strcmp(key, "shape") && strcmp(key, "data_offsets"))
            return as_err_set(err, AS_BAD_REQUEST, "weights: tensor \"%s\": unknown field \"%s\"",
                              name, key);
    }
    json_t *dt = json_object_get(v, "dtype"), *sh = json_object_get(v, "shape"),
           *off = json_object_get(v, "data_offsets");
    if (!json_is_string(dt) || !json_is_array(sh) || !json_is_array(off))
        return as_err_set(err, AS_BAD_REQUEST,
                          "weights: tensor \"%s\": needs dtype (a string), shape and data_offsets "
                          "(arrays)",
                          name);
    if (strcmp(json_string_value(dt), "F32"))
        return as_err_set(err, AS_BAD_REQUEST,
                          "weights: tensor \"%s\": dtype %s: only F32 (float32) is read; export "
                          "the model with .float()",
                          name, json_string_value(dt));
    size_t rank = json_array_size(sh);
    if (rank > 4)
        return as_err_set(err, AS_BAD_REQUEST, "weights: tensor \"%s\": rank %zu, at most 4", name,
                          rank);
    t->rank = (uint32_t)rank;
    uint64_t n = 1;
    for (size_t i = 0; i < rank; i++) {
        json_t *d = json_array_get(sh, i);
        if (!json_is_integer(d) || json_integer_value(d) < 0 ||
            json_integer_value(d) > (json_int_t)UINT32_MAX)
            return as_err_set(err, AS_BAD_REQUEST,
                              "weights: tensor \"%s\": shape[%zu] is not a dimension", name, i);
        t->shape[i] = (uint32_t)json_integer_value(d);
        n *= t->shape[i];
        if (n > AS_MODEL_MAX_BYTES)
            return as_err_set(err, AS_BAD_REQUEST, "weights: tensor \"%s\": too many elements",
                              name);
    }
    json_t *b = json_array_get(off, 0), *e = json_array_get(off, 1);
    if (json_array_size(off) != 2 || !json_is_integer(b) || !json_is_integer(e) ||
        json_integer_value(b) < 0 || json_integer_value(e) < json_integer_value(b) ||
        (uint64_t)json_integer_value(e) > data_len)
        return as_err_set(err, AS_BAD_REQUEST,
                          "weights: tensor \"%s\": data_offsets must be [begin, end] within the "
                          "%zu bytes of data",
                          name, data_len);
    uint64_t bytes = (uint64_t)(json_integer_value(e) - json_integer_value(b));
    if (bytes != n * 4)
        return as_err_set(err, AS_BAD_REQUEST,
                          "weights: tensor \"%s\": data_offsets span %llu bytes, its shape needs "
                          "%llu",
                          name, (unsigned long long)bytes, (unsigned long long)(n * 4));
    snprintf(t->name, sizeof t->name, "%s", name);
    t->data = (const float *)(const void *)(data + json_integer_value(b));
    t->n = (size_t)n;
    return AS_OK;
}

as_code_t as_safetensors_read(const void *file, size_t len, as_tensor_t *out, uint32_t *n,
                              as_err_t *err)
{
    const uint8_t *p = file;
    *n = 0;
    if (len < 8)
        return as_err_set(err, AS_BAD_REQUEST,
                          "weights: %zu bytes, not a safetensors file (an 8-byte header length "
                          "first)",
                          len);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = hl << 8 | p[i];
    if (hl < 2 || hl > len - 8)
        return as_err_set(err, AS_BAD_REQUEST,
                          "weights: header length %llu does not fit the file's %zu bytes",
                          (unsigned long long)hl, len);
    json_error_t je;
    json_t *root = json_loadb((const char *)p + 8, (size_t)hl, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return as_err_set(err, AS_BAD_REQUEST, "weights: header: %s at byte %d", je.text,
                          je.position);
    as_code_t rc = AS_OK;
    const char *name;
    json_t *v;
    const uint8_t *data = p + 8 + hl;
    size_t data_len = len - 8 - (size_t)hl;
    if (!json_is_object(root)) {
        rc = as_err_set(err, AS_BAD_REQUEST, "weights: the header is not a JSON object");
        goto done;
    }
    json_object_foreach(root, name, v)
    {
        if (!strcmp(name, "__metadata__")) {
            const char *mk;
            json_t *mv;
            if (!json_is_object(v)) goto bad_meta;
            json_object_foreach(v, mk, mv)
            {
                if (!json_is_string(mv)) goto bad_meta;
            }
            continue;
        bad_meta:
            rc = as_err_set(err, AS_BAD_REQUEST,
                            "weights: __metadata__ must map strings to strings");
            goto done;
        }
        if (strlen(name) >= sizeof out[0].name || !*name) {
            rc = as_err_set(err, AS_BAD_REQUEST, "weights: tensor name \"%.80s\" is %s", name,
                            *name ? "too long" : "empty");
            goto done;
        }
        if (*n == AS_MODEL_MAX_TENSORS) {
            rc = as_err_set(err, AS_BAD_REQUEST, "weights: more than %u tensors",
                            AS_MODEL_MAX_TENSORS);
            goto done;
        }
        if ((rc = s_entry(name, v, data, data_len, &out[*n], err))) goto done;
        (*n)++;
    }
    /* the data: every tensor's bytes end to end, from 0 to the end of the file */
    qsort(out, *n, sizeof *out, s_by_offset);
    const uint8_t *at = data;
    for (uint32_t i = 0; i < *n; i++) {
        if ((const uint8_t *)(const void *)out[i].data != at) {
            rc =
                as_err_set(err, AS_BAD_REQUEST,
                           "weights: tensor \"%s\" starts at byte %zu of the data, expected %zu "
                           "(tensors must be contiguous, without gaps or overlaps)",
                           out[i].name, (size_t)((const uint8_t *)(const void *)out[i].data - data),
                           (size_t)(at - data));
            goto done;
        }
        at += out[i].n * 4;
    }
    if (at != data + data_len)
        rc = as_err_set(err, AS_BAD_REQUEST,
                        "weights: %zu bytes of data follow the last tensor's end",
                        (size_t)(data + data_len - at));
done:
    json_decref(root);
    if (rc) *n = 0;
    return rc;
}

/* ---- matching the tensors to a kind ---- */

/* A dimension: mult × symbol (C, E, H, D, M) or, with sym 0, the constant mult. */
typedef struct {
    uint8_t mult;
    char sym;
} s_dim_t;

typedef struct {
    const char *name;
    uint32_t rank;
    s_dim_t d[2];
} s_spec_t;

/* In an order that binds every symbol (at a multiple of 1) before a multiple of it is checked. */
static const s_spec_t s_dkt[] = {
    {"out_layer.bias", 1, {{1, 'C'}}},
    {"out_layer.weight", 2, {{1, 'C'}, {1, 'H'}}},
    {"interaction_emb.weight", 2, {{2, 'C'}, {1, 'E'}}},
    {"lstm_layer.weight_ih_l0", 2, {{4, 'H'}, {1, 'E'}}},
    {"lstm_layer.weight_hh_l0", 2, {{4, 'H'}, {1, 'H'}}},
    {"lstm_layer.bias_ih_l0", 1, {{4, 'H'}}},
    {"lstm_layer.bias_hh_l0", 1, {{4, 'H'}}},
};
static const s_spec_t s_dkvmn[] = {
    {"k_emb_layer.weight", 2, {{1, 'C'}, {1, 'D'}}},
    {"Mk", 2, {{1, 'M'}, {1, 'D'}}},
    {"Mv0", 2, {{1, 'M'}, {1, 'D'}}},
    {"v_emb_layer.weight", 2, {{2, 'C'}, {1, 'D'}}},
    {"f_layer.weight", 2, {{1, 'D'}, {2, 'D'}}},
    {"f_layer.bias", 1, {{1, 'D'}}},
    {"p_layer.weight", 2, {{1, 0}, {1, 'D'}}},
    {"p_layer.bias", 1, {{1, 0}}},
    {"e_layer.weight", 2, {{1, 'D'}, {1, 'D'}}},
    {"e_layer.bias", 1, {{1, 'D'}}},
    {"a_layer.weight", 2, {{1, 'D'}, {1, 'D'}}},
    {"a_layer.bias", 1, {{1, 'D'}}},
};

static uint32_t *s_sym(uint32_t *syms, char c)
{
    static const char names[] = "CEHDM";
    const char *at = strchr(names, c);
    return &syms[at - names];
}

static void s_fmt_expected(const s_spec_t *sp, uint32_t *syms, char *buf, size_t n)
{
    size_t at = (size_t)snprintf(buf, n, "[");
    for (uint32_t i = 0; i < sp->rank && at < n; i++) {
        const s_dim_t *d = &sp->d[i];
        const char *sep = i ? ", " : "";
        if (!d->sym)
            at += (size_t)snprintf(buf + at, n - at, "%s%u", sep, d->mult);
        else if (*s_sym(syms, d->sym))
            at += (size_t)snprintf(buf + at, n - at, "%s%u", sep, d->mult * *s_sym(syms, d->sym));
        else if (d->mult > 1)
            at += (size_t)snprintf(buf + at, n - at, "%s%u%c", sep, d->mult, d->sym);
        else
            at += (size_t)snprintf(buf + at, n - at, "%s%c", sep, d->sym);
    }
    if (at < n) snprintf(buf + at, n - at, "]");
}

static void s_fmt_found(const as_tensor_t *t, char *buf, size_t n)
{
    size_t at = (size_t)snprintf(buf, n, "[");
    for (uint32_t i = 0; i < t->rank && at < n; i++)
        at += (size_t)snprintf(buf + at, n - at, "%s%u", i ? ", " : "", t->shape[i]);
    if (at < n) snprintf(buf + at, n - at, "]");
}

/* Finds every tensor of the kind, binding and checking the dimensions; found[i] is spec i's. */
static as_code_t s_match(as_model_kind_t kind, const as_tensor_t *t, uint32_t nt,
                         const as_tensor_t **found, uint32_t *syms, as_err_t *err)
{
    const s_spec_t *specs = kind == AS_MODEL_DKT ? s_dkt : s_dkvmn;
    uint32_t ns =
        kind == AS_MODEL_DKT ? sizeof s_dkt / sizeof *s_dkt : sizeof s_dkvmn / sizeof *s_dkvmn;
    const char *kname = kind == AS_MODEL_DKT ? "DKT" : "DKVMN";
    for (uint32_t j = 0; j < nt; j++) {
        bool known = false;
        for (uint32_t i = 0; i < ns && !known; i++)
            known = !strcmp(t[j].name, specs[i].name);
        if (!known)
            return as_err_set(err, AS_BAD_REQUEST,
                              "weights: tensor \"%s\" is not part of pyKT's %s (one %s with the "
                              "names of its state_dict)",
                              t[j].name, kname,
                              kind == AS_MODEL_DKT ? "LSTM layer" : "key-value memory");
    }
    for (uint32_t i = 0; i < ns; i++) {
        const s_spec_t *sp = &specs[i];
        char want[64], got[64];
        found[i] = NULL;
        for (uint32_t j = 0; j < nt; j++)
            if (!strcmp(t[j].name, sp->name)) found[i] = &t[j];
        if (!found[i]) {
            s_fmt_expected(sp, syms, want, sizeof want);
            return as_err_set(err, AS_BAD_REQUEST,
                              "weights: tensor \"%s\" %s is missing (pyKT's %s state_dict)",
                              sp->name, want, kname);
        }
        const as_tensor_t *ft = found[i];
        bool ok = ft->rank == sp->rank;
        for (uint32_t d = 0; ok && d < sp->rank; d++) /* bind first */
            if (sp->d[d].sym && sp->d[d].mult == 1 && !*s_sym(syms, sp->d[d].sym))
                *s_sym(syms, sp->d[d].sym) = ft->shape[d];
        for (uint32_t d = 0; ok && d < sp->rank; d++) {
            uint32_t want_d =
                sp->d[d].sym ? sp->d[d].mult * *s_sym(syms, sp->d[d].sym) : sp->d[d].mult;
            ok = ft->shape[d] == want_d && want_d > 0;
        }
        if (!ok) {
            s_fmt_expected(sp, syms, want, sizeof want);
            s_fmt_found(ft, got, sizeof got);
            return as_err_set(err, AS_BAD_REQUEST,
                              "weights: tensor \"%s\": expected shape %s, found %s", sp->name, want,
                              got);
        }
    }
    return AS_OK;
}

/* ---- compiling ---- */

static uint32_t s_pad(uint32_t n)
{
    return (n + AS_MODEL_LANES - 1) / AS_MODEL_LANES * AS_MODEL_LANES;
}

static float s_at(const as_tensor_t *t, size_t i)
{
    float f;
    memcpy(&f, (const uint8_t *)(const void *)t->data + i * 4, 4);
    return f;
}

typedef struct {
    uint8_t *b;
    uint64_t at;
} s_blob_t;

static uint64_t s_take(uint64_t *at, uint64_t bytes)
{
    uint64_t o = (*at + 31) & ~(uint64_t)31;
    *at = o + bytes;
    return o;
}

static float *s_arr(const s_blob_t *b, uint64_t off)
{
    return (float *)(void *)(b->b + off);
}

typedef struct {
    const char *const *names;
    const uint32_t *lens;
} s_names_t;

static int s_name_cmp(const void *a, const void *b, void *arg)
{
    const s_names_t *nm = arg;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    uint32_t li = nm->lens[i], lj = nm->lens[j];
    int c = memcmp(nm->names[i], nm->names[j], li < lj ? li : lj);
    return c ? c : (li > lj) - (li < lj);
}

static void s_compile_dkt(const s_blob_t *b, as_model_hdr_t *h, const as_tensor_t **t)
{
    const as_tensor_t *bout = t[0], *wout = t[1], *emb = t[2], *wih = t[3], *whh = t[4],
                      *bih = t[5], *bhh = t[6];
    uint32_t C = h->c, H = h->h, E = h->e, Hp = h->hp;
    float *gx = s_arr(b, h->off[0]), *rec = s_arr(b, h->off[1]), *ow = s_arr(b, h->off[2]),
          *ob = s_arr(b, h->off[3]);
    for (uint32_t x = 0; x < 2 * C; x++)
        for (uint32_t g = 0; g < 4; g++)
            for (uint32_t j = 0; j < H; j++) {
                uint32_t row = g * H + j;
                double s = (double)s_at(bih, row) + (double)s_at(bhh, row);
                for (uint32_t k = 0; k < E; k++)
                    s += (double)s_at(wih, (size_t)row * E + k) * s_at(emb, (size_t)x * E + k);
                gx[(size_t)x * 4 * Hp + g * Hp + j] = (float)s;
            }
    for (uint32_t g = 0; g < 4; g++)
        for (uint32_t j = 0; j < H; j++)
            for (uint32_t k = 0; k < H; k++)
                rec[(size_t)(g * Hp + j) * Hp + k] = s_at(whh, (size_t)(g * H + j) * H + k);
    for (uint32_t c = 0; c < C; c++) {
        for (uint32_t k = 0; k < H; k++)
            ow[(size_t)c * Hp + k] = s_at(wout, (size_t)c * H + k);
        ob[c] = s_at(bout, c);
    }
}

static void s_compile_dkvmn(const s_blob_t *b, as_model_hdr_t *h, const as_tensor_t **t)
{
    const as_tensor_t *kemb = t[0], *mk = t[1], *mv0 = t[2], *vemb = t[3], *fw = t[4], *fb = t[5],
                      *pw = t[6], *pb = t[7], *ew = t[8], *eb = t[9], *aw = t[10], *ab = t[11];
    uint32_t C = h->c, D = h->h, M = h->m, Dp = h->hp, Mp = s_pad(M);
    float *wk = s_arr(b, h->off[0]), *fk = s_arr(b, h->off[1]), *fr = s_arr(b, h->off[2]),
          *pv = s_arr(b, h->off[3]), *pbias = s_arr(b, h->off[4]), *ea = s_arr(b, h->off[5]),
          *aa = s_arr(b, h->off[6]), *init = s_arr(b, h->init_off);
    for (uint32_t c = 0; c < C; c++) {
        /* the attention of the concept's key: softmax(Mk · k) */
        double logits[AS_MODEL_MAX_DIM], top = -INFINITY, sum = 0;
        for (uint32_t i = 0; i < M; i++) {
            double s = 0;
            for (uint32_t k = 0; k < D; k++)
                s += (double)s_at(mk, (size_t)i * D + k) * s_at(kemb, (size_t)c * D + k);
            logits[i] = s;
            if (s > top) top = s;
        }
        for (uint32_t i = 0; i < M; i++)
            sum += logits[i] = exp(logits[i] - top);
        for (uint32_t i = 0; i < M; i++)
            wk[(size_t)c * Mp + i] = (float)(logits[i] / sum);
        /* the key's half of f_layer, with its bias */
        for (uint32_t j = 0; j < D; j++) {
            double s = s_at(fb, j);
            for (uint32_t k = 0; k < D; k++)
                s += (double)s_at(fw, (size_t)j * 2 * D + D + k) * s_at(kemb, (size_t)c * D + k);
            fk[(size_t)c * Dp + j] = (float)s;
        }
    }
    for (uint32_t j = 0; j < D; j++) {
        for (uint32_t k = 0; k < D; k++)
            fr[(size_t)j * Dp + k] = s_at(fw, (size_t)j * 2 * D + k);
        pv[j] = s_at(pw, j);
    }
    pbias[0] = s_at(pb, 0);
    for (uint32_t x = 0; x < 2 * C; x++)
        for (uint32_t j = 0; j < D; j++) {
            double se = s_at(eb, j), sa = s_at(ab, j);
            for (uint32_t k = 0; k < D; k++) {
                double v = s_at(vemb, (size_t)x * D + k);
                se += (double)s_at(ew, (size_t)j * D + k) * v;
                sa += (double)s_at(aw, (size_t)j * D + k) * v;
            }
            ea[(size_t)x * Dp + j] = (float)(1.0 / (1.0 + exp(-se)));
            aa[(size_t)x * Dp + j] = (float)tanh(sa);
        }
    for (uint32_t i = 0; i < M; i++)
        for (uint32_t k = 0; k < D; k++)
            init[(size_t)i * Dp + k] = s_at(mv0, (size_t)i * D + k);
}

void *as_model_compile(as_model_kind_t kind, const void *file, size_t len,
                       const char *const *concepts, const uint32_t *concept_lens, uint32_t n,
                       size_t *size, as_err_t *err)
{
    as_tensor_t *t = malloc(AS_MODEL_MAX_TENSORS * sizeof *t);
    const as_tensor_t *found[16];
    uint32_t nt, syms[5] = {0};
    uint32_t *index = NULL;
    void *out = NULL;
    if (!t) {
        as_err_set(err, AS_INTERNAL, "out of memory");
        goto done;
    }
    if (len > AS_MODEL_MAX_BYTES) {
        as_err_set(err, AS_TOO_LARGE, "weights: %zu bytes, at most %u", len, AS_MODEL_MAX_BYTES);
        goto done;
    }
    if (as_safetensors_read(file, len, t, &nt, err) || s_match(kind, t, nt, found, syms, err))
        goto done;
    for (uint32_t i = 0; i < nt; i++)
        for (size_t j = 0; j < t[i].n; j++)
            if (!isfinite(s_at(&t[i], j))) {
                as_err_set(err, AS_BAD_REQUEST, "weights: tensor \"%s\": element %zu is %s",
                           t[i].name, j, isnan(s_at(&t[i], j)) ? "NaN" : "infinite");
                goto done;
            }
    uint32_t C = syms[0], E = syms[1], H = syms[2], D = syms[3], M = syms[4];
    uint32_t dim = kind == AS_MODEL_DKT ? H : D;
    if (C > AS_MODEL_MAX_CONCEPTS || dim > AS_MODEL_MAX_DIM || E > AS_MODEL_MAX_DIM ||
        M > AS_MODEL_MAX_DIM) {
        as_err_set(err, AS_BAD_REQUEST,
                   "weights: dimensions C=%u, %s=%u, %s=%u: at most %u concepts and %u per other "
                   "dimension",
                   C, kind == AS_MODEL_DKT ? "H" : "D", dim, kind == AS_MODEL_DKT ? "E" : "M",
                   kind == AS_MODEL_DKT ? E : M, AS_MODEL_MAX_CONCEPTS, AS_MODEL_MAX_DIM);
        goto done;
    }
    /* the work of compiling (the precomputed products) and the blob's size are bounded */
    double work = kind == AS_MODEL_DKT ? 8.0 * C * H * E + 4.0 * H * H
                                       : (double)C * M * D + (double)C * D * D + 4.0 * C * D * D;
    if (work > 4e9) {
        as_err_set(err, AS_BAD_REQUEST,
                   "weights: dimensions C=%u, %s=%u%s%u: compiling would take %.1e products, at "
                   "most 4e9",
                   C, kind == AS_MODEL_DKT ? "H" : "D", dim,
                   kind == AS_MODEL_DKT ? ", E=" : ", M=", kind == AS_MODEL_DKT ? E : M, work);
        goto done;
    }
    if (n != C) {
        as_err_set(err, AS_BAD_REQUEST, "concepts: %u given, the model has %u (the length of %s)",
                   n, C, kind == AS_MODEL_DKT ? "out_layer.bias" : "k_emb_layer.weight");
        goto done;
    }
    index = malloc((size_t)C * sizeof *index);
    if (!index) {
        as_err_set(err, AS_INTERNAL, "out of memory");
        goto done;
    }
    uint64_t names_len = 0;
    for (uint32_t i = 0; i < C; i++) {
        if (!concept_lens[i] || concept_lens[i] > AS_MAX_ID) {
            as_err_set(err, AS_BAD_REQUEST, "concepts[%u]: a skill id of 1 to %d bytes", i,
                       AS_MAX_ID);
            goto done;
        }
        index[i] = i;
        names_len += 4 + concept_lens[i];
    }
    s_names_t nm = {concepts, concept_lens};
    qsort_r(index, C, sizeof *index, s_name_cmp, &nm);
    for (uint32_t i = 1; i < C; i++)
        if (!s_name_cmp(&index[i - 1], &index[i], &nm)) {
            as_err_set(err, AS_BAD_REQUEST, "concepts[%u]: \"%.*s\" is given twice", index[i],
                       (int)concept_lens[index[i]], concepts[index[i]]);
            goto done;
        }
    as_model_hdr_t h = {.magic = "ASMODEL",
                        .format = AS_MODEL_FORMAT,
                        .kind = kind,
                        .c = C,
                        .h = dim,
                        .e = kind == AS_MODEL_DKT ? E : 0,
                        .m = kind == AS_MODEL_DKT ? 0 : M,
                        .hp = s_pad(dim)};
    uint64_t at = sizeof h, Hp = h.hp, Cp = s_pad(C);
    if (kind == AS_MODEL_DKT) {
        h.n_state = 2 * h.hp;
        h.off[0] = s_take(&at, 2ull * C * 4 * Hp * 4);
        h.off[1] = s_take(&at, 4 * Hp * Hp * 4);
        h.off[2] = s_take(&at, (uint64_t)C * Hp * 4);
        h.off[3] = s_take(&at, Cp * 4);
    } else {
        uint64_t Mp = s_pad(M);
        if ((uint64_t)M * Hp > AS_MODEL_MAX_STATE) {
            as_err_set(err, AS_BAD_REQUEST,
                       "weights: a learner's memory would be M × D = %u × %u floats, at most %u", M,
                       D, AS_MODEL_MAX_STATE);
            goto done;
        }
        h.n_state = (uint32_t)(M * Hp);
        h.off[0] = s_take(&at, (uint64_t)C * Mp * 4);
        h.off[1] = s_take(&at, (uint64_t)C * Hp * 4);
        h.off[2] = s_take(&at, Hp * Hp * 4);
        h.off[3] = s_take(&at, Hp * 4);
        h.off[4] = s_take(&at, AS_MODEL_LANES * 4);
        h.off[5] = s_take(&at, 2ull * C * Hp * 4);
        h.off[6] = s_take(&at, 2ull * C * Hp * 4);
    }
    h.init_off = s_take(&at, (uint64_t)h.n_state * 4);
    h.concepts_off = (uint32_t)s_take(&at, names_len);
    h.concepts_len = (uint32_t)names_len;
    h.index_off = (uint32_t)s_take(&at, (uint64_t)C * 4);
    h.names_off = (uint32_t)s_take(&at, (uint64_t)C * 4);
    h.size = at;
    if (at > AS_MODEL_MAX_BLOB) {
        as_err_set(err, AS_BAD_REQUEST, "weights: the compiled model would be %llu MiB, at most %u",
                   (unsigned long long)(at >> 20), AS_MODEL_MAX_BLOB >> 20);
        goto done;
    }
    s_blob_t b = {calloc(1, (size_t)at), 0};
    if (!b.b) {
        as_err_set(err, AS_INTERNAL, "out of memory for a model of %llu bytes",
                   (unsigned long long)at);
        goto done;
    }
    if (kind == AS_MODEL_DKT)
        s_compile_dkt(&b, &h, found);
    else
        s_compile_dkvmn(&b, &h, found);
    uint8_t *np = b.b + h.concepts_off;
    for (uint32_t i = 0; i < C; i++) {
        uint32_t rel = (uint32_t)(np - (b.b + h.concepts_off));
        memcpy(b.b + h.names_off + (size_t)i * 4, &rel, 4);
        memcpy(np, &concept_lens[i], 4);
        memcpy(np + 4, concepts[i], concept_lens[i]);
        np += 4 + concept_lens[i];
    }
    memcpy(b.b + h.index_off, index, (size_t)C * 4);
    memcpy(b.b, &h, sizeof h);
    *size = (size_t)at;
    out = b.b;
done:
    free(index);
    free(t);
    return out;
}
