/* table.h — compiled weight tables: the flat blob an assessment is compiled to, the compiler, and
 * the scorer that reads a blob in place.
 *
 * A blob is position-independent: every reference is a byte offset from its start, so it is
 * scored straight out of the LMDB map (zero copy). LMDB values are only 2-byte aligned, so records
 * are read with memcpy into locals, never through casted pointers. Layout:
 *
 *   as_thdr_t | as_thash_t[hash_mask + 1] | as_titem_t[n_items] (definition order) | heap
 *
 * Item ids are found through an open-addressing hash table (FNV-1a, linear probing, at most half
 * full), so an answer's item is one probe away whatever the order of the answers.
 *
 * The heap holds values (as_tval_t), map entries (as_tentry_t), areas (as_tarea_t), coords
 * (double) and string bytes, each 8-byte aligned relative to the blob start.
 */
#ifndef AS_TABLE_H
#define AS_TABLE_H

#include "codec.h"
#include "err.h"
#include "value.h"

#include <math.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#define AS_TABLE_MAGIC 0x31594153u /* "ASY1" */
#define AS_TABLE_FORMAT                                                                            \
    7u /* 7: graded items; older tables are compiled again from their source (as_table_recompile:  \
        * at open, store.c; as a follower copies them, store_cache.c) */

typedef enum {
    AS_RULE_MATCH_CORRECT,
    AS_RULE_MAP_RESPONSE,
    AS_RULE_MAP_RESPONSE_POINT,
    AS_RULE_MATCH_NUMERIC,
    AS_RULE_COUNT,
    AS_RULE_PROGRAM = AS_RULE_COUNT /* the item's own response processing (program.h) */
} as_rule_t;

typedef enum {
    AS_SHAPE_CIRCLE,
    AS_SHAPE_RECT,
    AS_SHAPE_POLY,
    AS_SHAPE_ELLIPSE,
    AS_SHAPE_DEFAULT
} as_shape_t;

/* as_tresp_t.flags */
#define AS_TF_LOWER 0x01 /* mapping lower bound set */
#define AS_TF_UPPER 0x02 /* mapping upper bound set */
/* as_titem_t.flags */
#define AS_TF_RELATIVE 0x04 /* match_numeric tolerance is relative (percent) */
#define AS_TF_UNSCORABLE                                                                           \
    0x08                    /* no score (null), in neither total nor max: "scorable": false, or    \
                                a program with no score outcome (its outcomes still computed) */
#define AS_TF_OVER_MAX 0x10 /* the program can score above the declared max (import warns) */
#define AS_TF_GRADED                                                                               \
    0x20 /* scored by people ("graded"): 0..raw_hi in graded_points points; its max counts, its    \
          * score is pending while answered and not graded (0 when not answered) */

/* The most points a graded item's scale has (0..max in steps: max / step + 1). */
#define AS_GRADED_MAX_POINTS 101

/* as_titem_t.resolve: how a graded item's grades become its score */
typedef enum { AS_RESOLVE_MEAN, AS_RESOLVE_FIRST, AS_RESOLVE_COUNT } as_resolve_t;

/* as_tresp_t.map */
typedef enum { AS_MAP_NONE, AS_MAP_ENTRIES, AS_MAP_AREAS } as_map_kind_t;

typedef struct {
    uint32_t magic;
    uint32_t format;
    uint32_t version; /* the assessment's version; patched by the writer at commit */
    uint32_t n_items;
    uint32_t id_off, id_len;
    uint32_t title_off, title_len;
    uint32_t hash_off;  /* as_thash_t[hash_mask + 1] */
    uint32_t hash_mask; /* table size - 1 (a power of two >= 2 * n_items) */
    uint32_t items_off; /* as_titem_t[n_items] in definition order */
    uint32_t size;      /* total bytes of the blob */
    uint32_t has_pass;
    uint32_t max_attempts; /* 0: unlimited */
    uint32_t flags;        /* AS_TH_NULLS */
    double pass_ratio;
    double max_score; /* the items' (weighted) max scores summed, or the assessment's own; NAN
                         when one is not known (null in every result) */
    /* format 4: when and for how long attempts run (attempt.*) */
    uint32_t time_limit_s;    /* 0: untimed */
    uint32_t grace_s;         /* after the deadline (default 60) */
    uint32_t overdue;         /* as_overdue_t: what the engine does at deadline + grace */
    uint32_t window;          /* AS_TW_OPEN, AS_TW_CLOSE: which of open_at, close_at are set */
    double open_at, close_at; /* seconds since the epoch */
    /* format 5: the assessment's own outcome processing (none when prog_len is 0) */
    uint32_t n_out, out_off;     /* as_tout_t[]: the assessment's outcome declarations */
    uint32_t prog_off, prog_len; /* as_pins_t[] */
    uint32_t score_out, stack;   /* the outcome that is the score; the program's stack depth */
    double null_total;           /* the sum of the items' null_score (nothing answered) */
} as_thdr_t;

/* as_thdr_t.flags */
#define AS_TH_NULLS    0x1 /* some item scores other than 0 when unanswered (null_score) */
#define AS_TH_MAXSCORE 0x2 /* the max is MAXSCORE as outcome_processing computes it */
#define AS_TH_GRADED   0x4 /* some item is graded by people (AS_TF_GRADED) */

typedef enum { AS_OVERDUE_SUBMIT, AS_OVERDUE_ABANDON } as_overdue_t;
#define AS_TW_OPEN        0x1
#define AS_TW_CLOSE       0x2
#define AS_MAX_TIME_LIMIT 31536000 /* a year, in seconds */
#define AS_MAX_GRACE      86400

typedef struct {
    uint32_t pos1; /* index into the items array + 1; 0: empty slot */
    uint32_t hash; /* FNV-1a of the id */
    uint32_t id_off, id_len;
} as_thash_t;

typedef struct {
    uint32_t a_off, a_len, b_off, b_len;
    int64_t i;
    double x, y;
} as_tval_t;

/* A response declaration: its id, type, correct values and mapping. */
typedef struct {
    uint32_t id_off, id_len;
    uint8_t card, base, flags, map;  /* flags: AS_TF_LOWER, AS_TF_UPPER; map: as_map_kind_t */
    uint32_t n_correct, correct_off; /* as_tval_t[] */
    uint32_t n_entries, entries_off; /* as_tentry_t[] (AS_MAP_ENTRIES) or as_tarea_t[] */
    uint32_t max_values;             /* the most values an answer holds (max_choices); 0: any */
    double dflt, lower, upper;       /* the mapping's default and bounds */
} as_tresp_t;

/* as_tout_t.flags */
#define AS_TO_NMAX  0x01 /* normal_maximum set */
#define AS_TO_NMIN  0x02 /* normal_minimum set */
#define AS_TO_LDFLT 0x04 /* the lookup table has a default value */
/* as_tout_t.lookup */
typedef enum { AS_LOOKUP_NONE, AS_LOOKUP_MATCH, AS_LOOKUP_INTERPOLATION } as_lookup_t;

/* An outcome declaration. A numeric single outcome without a default starts at 0, any other
 * at NULL (n_dflt = 0). */
typedef struct {
    uint32_t id_off, id_len;
    uint8_t card, base, flags, lookup;
    uint32_t n_dflt, dflt_off;     /* as_tval_t[] */
    uint32_t n_lookup, lookup_off; /* as_tlookup_t[] */
    as_tval_t lookup_dflt;
    double nmax, nmin;
} as_tout_t;

/* A lookup table entry: matchTable (source is an integer) or interpolationTable. */
typedef struct {
    double source;
    as_tval_t target;
    uint32_t include_boundary; /* interpolationTable: source <= x (1) or source < x (0) */
    uint32_t pad;
} as_tlookup_t;

typedef struct {
    uint32_t id_off, id_len;
    uint8_t rule, flags, n_resp, n_out; /* as_rule_t; AS_TF_RELATIVE */
    uint32_t resp_off;                  /* as_tresp_t[n_resp] */
    uint32_t out_off;                   /* as_tout_t[n_out] */
    uint32_t score_out;                 /* which outcome is the item's score */
    uint32_t prog_off, prog_len;        /* as_pins_t[]: the response processing (PROGRAM) */
    uint32_t stack;                     /* the program's stack depth */
    uint32_t n_skills, skills_off;      /* as_tskill_t[]: the skills the item gives evidence of */
    uint32_t pad;
    double weight;
    double max_score;    /* weighted; NAN when not known (no declared max, unbounded program) */
    double null_score;   /* weighted: the score of the item left unanswered */
    double tol;          /* match_numeric tolerance (absolute, or percent when AS_TF_RELATIVE) */
    double kt_threshold; /* the share of max_score that is a correct observation (tracing) */
    /* format 6: the least and greatest raw score the item can give, by bounds analysis of its
     * program or its template (compile_bounds.c); NAN when unbounded */
    double raw_lo, raw_hi;
    /* format 7: a graded item (AS_TF_GRADED): its scale 0, step, ..., raw_hi (graded_points
     * points), how many people grade it, how their grades resolve (as_resolve_t), within what
     * tolerance the first ones agree, its rubric as given (msgpack array; len 0: none) */
    double step, tolerance;
    uint32_t graded_points, raters, resolve;
    uint32_t rubric_off, rubric_len;
    uint32_t pad7;
} as_titem_t;

/* Whether x is a point of graded item it's scale 0, step, ..., raw_hi (within rounding). */
static inline bool as_graded_on_scale(const as_titem_t *it, double x)
{
    double q = x / it->step;
    return x >= 0 && x <= it->raw_hi * (1 + 1e-12) && fabs(q - round(q)) <= 1e-9 * fmax(1, q);
}

/* as_titem_t.score_out, as_thdr_t.score_out: no outcome is the score */
#define AS_NO_SCORE_OUT UINT32_MAX

typedef struct {
    uint32_t id_off, id_len;
} as_tskill_t;

typedef struct {
    as_tval_t key;
    double value;
    uint32_t case_sensitive;
    uint32_t pad;
} as_tentry_t;

typedef struct {
    uint32_t shape, n_coords, coords_off, pad;
    double value;
} as_tarea_t;

/* A view of a stored value: strings point into the blob at base. */
static inline void as_tval_view(const uint8_t *base, const as_tval_t *tv, as_value_t *v)
{
    v->a = (const char *)base + tv->a_off;
    v->a_len = tv->a_len;
    v->b = (const char *)base + tv->b_off;
    v->b_len = tv->b_len;
    v->i = tv->i;
    v->x = tv->x;
    v->y = tv->y;
}

/* A blob opened for reading: base points at the blob (e.g. into the LMDB map) and must stay valid
 * while the table is used (for LMDB: until the read transaction ends). */
typedef struct {
    const uint8_t *base;
    size_t size;
    as_thdr_t hdr;
} as_table_t;

/* A compiled assessment, owned by the caller: free blob with free(). */
typedef struct {
    uint8_t *blob;
    size_t size;
    const char *id; /* view into the source buffer */
    uint32_t id_len;
    uint32_t n_items;
    double max_score;
} as_compiled_t;

/* Validates and compiles an assessment definition (the params map of assessment.put) at r.
 * Returns AS_OK and fills out (out->blob malloc'ed), or bad_request with the path of the first
 * problem, or internal on allocation failure. */
as_code_t as_table_compile(const uint8_t *src, size_t len, as_compiled_t *out, as_err_t *err);

/* Compiles a stored definition again (a table of an earlier format), keeping its version. */
as_code_t as_table_recompile(const uint8_t *src, size_t len, uint32_t version, as_compiled_t *out,
                             as_err_t *err);
/* The format of a stored blob (0 when it is not a table). */
uint32_t as_table_format(const void *blob, size_t size);

/* Checks the header of a stored blob; internal when it is not a table of this format. */
as_code_t as_table_open(const void *blob, size_t size, as_table_t *t, as_err_t *err);

/* Reads item `pos` (definition order) of an open table. */
static inline void as_table_item(const as_table_t *t, uint32_t pos, as_titem_t *item)
{
    memcpy(item, t->base + t->hdr.items_off + (size_t)pos * sizeof *item, sizeof *item);
}
/* FNV-1a, the hash of the item id index. */
static inline uint32_t as_table_hash(const char *s, uint32_t len)
{
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

/* Finds the item with id (s, len); returns its position or -1. One probe in the common case. */
static inline int32_t as_table_find(const as_table_t *t, const char *s, uint32_t len)
{
    uint32_t hash = as_table_hash(s, len);
    for (uint32_t slot = hash & t->hdr.hash_mask;; slot = (slot + 1) & t->hdr.hash_mask) {
        as_thash_t e;
        memcpy(&e, t->base + t->hdr.hash_off + (size_t)slot * sizeof e, sizeof e);
        if (!e.pos1) return -1;
        if (e.hash == hash && e.id_len == len && as_bytes_eq(t->base + e.id_off, s, len))
            return (int32_t)(e.pos1 - 1);
    }
}
/* Skill j of an item: its id, a view into the blob. */
static inline const char *as_table_skill(const as_table_t *t, const as_titem_t *it, uint32_t j,
                                         uint32_t *len)
{
    as_tskill_t sk;
    memcpy(&sk, t->base + it->skills_off + (size_t)j * sizeof sk, sizeof sk);
    *len = sk.id_len;
    return (const char *)t->base + sk.id_off;
}

/* A view of a table string. */
static inline const char *as_table_str(const as_table_t *t, uint32_t off)
{
    return (const char *)t->base + off;
}

/* score / max_score, 0 when max_score is 0; NAN when max_score is not known. */
static inline double as_table_ratio(const as_table_t *t, double score)
{
    if (isnan(t->hdr.max_score)) return NAN;
    return t->hdr.max_score > 0 ? score / t->hdr.max_score : 0;
}

/* Whether a score passes (the assessment has a pass ratio and score's ratio reaches it); false
 * when its max is not known (as_table_pack_outcome packs null then). */
static inline bool as_table_passed(const as_table_t *t, double score)
{
    return t->hdr.has_pass && as_table_ratio(t, score) >= t->hdr.pass_ratio;
}

/* Whether a score is above the max (a declared max below what the items can give). */
static inline bool as_table_over_max(const as_table_t *t, double score)
{
    return score > t->hdr.max_score;
}

/* Packs the outcome of a score as map pairs: score, max_score, ratio (both null when the max is
 * not known), passed when the assessment has a pass ratio (null when the max is not known, or
 * when the score is pending: graded items wait for people), and over_max: true when the score
 * is above the max. Returns the number of pairs packed: count
 * them in the enclosing map's size with as_table_outcome_pairs. */
static inline int as_table_outcome_pairs(const as_table_t *t, double score)
{
    return 3 + (t->hdr.has_pass ? 1 : 0) + (as_table_over_max(t, score) ? 1 : 0);
}
void as_table_pack_outcome(msgpack_packer *pk, const as_table_t *t, double score, bool pending);
/* How many of t's graded items a response answered (answered: the scorer's flags, one per
 * item): their scores wait for people's grades. 0 at once when t has no graded item. */
uint32_t as_table_pending(const as_table_t *t, const uint8_t *answered);
/* Packs the pair "pending": [the ids of those items] (only when as_table_pending is not 0). */
void as_table_pack_pending(msgpack_packer *pk, const as_table_t *t, const uint8_t *answered);

/* Per-thread scratch for scoring, allocated once: scoring itself allocates nothing. */
typedef struct as_scorer as_scorer_t;
as_scorer_t *as_scorer_new(void);
void as_scorer_destroy(as_scorer_t **self_p);

/* What bounds this scorer's calls, set once: scoring stops (unavailable) once the monotonic clock
 * (CLOCK_MONOTONIC, as as_now_ns) reaches *stop_at_ns when that is not 0 (the engine's drain
 * deadline); patternMatch calls cut short by PCRE2's limits are counted in *rx_limited. Either may
 * be NULL. */
void as_scorer_limits(as_scorer_t *self, const _Atomic uint64_t *stop_at_ns,
                      _Atomic uint64_t *rx_limited);
/* The CPU time the calls from now on may take together (0: unbounded), until the next call of
 * this: a request's budget. Spent, scoring stops with too_large. It is checked after each
 * patternMatch and by as_scorer_check (a batch checks between responses), never on the
 * templates' path, and its clock starts at the first check. */
void as_scorer_budget(as_scorer_t *self, uint64_t cpu_ns);
/* Whether scoring must stop now (AS_TOO_LARGE: the budget spent; AS_UNAVAILABLE: the engine
 * stopping), or AS_OK. */
as_code_t as_scorer_check(as_scorer_t *self);
/* The error of a stopped call, with its message in err (NULL: none); AS_OK if it was not
 * stopped. A scoring function that stopped returns this code: its message says what. */
as_code_t as_scorer_halted(const as_scorer_t *self, as_err_t *err);

/* Scores one answers map ({item_id: value | [values] | {response_id: value}}) at r, consuming
 * it, in one pass. Unanswered items score what their processing gives with NULL responses
 * (templates: 0). On success *total is the weighted score and,
 * when item_scores is not NULL, item_scores[pos] each item's weighted score (definition order,
 * n_items entries). Errors (bad_request) name the path, rooted at `path`; with err NULL no message
 * is formatted (the caller may score again with err to get it). */
as_code_t as_score_answers(as_scorer_t *self, const as_table_t *t, as_mp_t *r, as_path_t *path,
                           double *total, double *item_scores, as_err_t *err);

/* Scores stored answers (a regrade) against a table that may have changed since they were
 * accepted: answers to items the table no longer has are skipped, and an answer that is no longer
 * a valid value for its item (its type changed) counts as no answer. Fails (bad_request) only on
 * bytes that are not an answers map. */
as_code_t as_score_stored(as_scorer_t *self, const as_table_t *t, as_mp_t *r, double *total,
                          double *item_scores);

/* Which items the last as_score_answers call found answered (n_items flags, definition order);
 * valid until the next call. */
const uint8_t *as_scorer_answered(const as_scorer_t *self);

/* The weighted score of item pos left unanswered (its processing with every response NULL). */
double as_score_null(as_scorer_t *self, const as_table_t *t, uint32_t pos);

/* For tests and fuzzing, the reference the compiled evaluator is checked against. Loads item
 * pos's responses from an answers map (lenient: a missing or invalid answer is NULL
 * responses): */
void as_score_load_item(as_scorer_t *self, const as_table_t *t, uint32_t pos, as_mp_t answers);
/* ... runs the item's response_processing as written (program: a cursor at its rules array,
 * from the definition it was compiled from) by walking the tree: *raw gets the raw score (NAN
 * when working memory ran out) and, when outcomes is not NULL, each outcome value is packed in
 * declaration order. Returns 0, or -1 when a node does not compile or memory is short. */
int as_prog_walk(as_scorer_t *self, const as_table_t *t, uint32_t pos, as_mp_t program, double *raw,
                 msgpack_packer *outcomes);
/* ... and the compiled evaluator on the responses loaded, likewise. */
double as_score_run_item(as_scorer_t *self, const as_table_t *t, uint32_t pos,
                         msgpack_packer *outcomes);
/* Every program item of t (compiled from the definition at def), run compiled and walked as
 * written over answers: 0 when each gives the same score and the same outcome values (a walk
 * that cannot run, e.g. short of memory, is not compared), 1 with the difference in why, -1 when
 * def has no items. */
int as_prog_check(as_scorer_t *self, const as_table_t *t, as_mp_t def, as_mp_t answers, char *why,
                  size_t n);

/* Finds the table of assessment (id, len) for as_score_call: AS_OK with t open (valid while the
 * caller's read lasts), or not_found ("assessment \"ID\" not found") and the like in err. */
typedef as_code_t (*as_table_fn)(void *arg, const char *id, uint32_t len, as_table_t *t,
                                 as_err_t *err);
/* The `score` method (proto/PROTOCOL.md): reads params (a cursor at the params map), finds the
 * named table through table(arg, ...), scores the answers and packs the result map into pk; on
 * an error nothing is packed and err says what, at its path. One function for the engine and the
 * local scorer, so both give the same bytes (score_call.c). */
as_code_t as_score_call(as_scorer_t *sc, as_mp_t params, as_table_fn table, void *arg,
                        msgpack_packer *pk, as_err_t *err);

/* Packs the assessment's own outcomes ({id: value}) as the last as_score_answers left them; only
 * for an assessment with outcome_processing (hdr.prog_len > 0), before any other scoring call. */
void as_score_pack_outcomes(as_scorer_t *self, const as_table_t *t, msgpack_packer *pk);

/* The number outcome k of the assessment holds after the last as_score_answers (NAN when it is
 * not a number); for the compiler (a computed MAXSCORE). */
double as_score_outcome_value(const as_scorer_t *self, int k);

/* Packs the items of a scored answers map (answers: a cursor at it, e.g. stored answers) as an
 * array in definition order: [{id, score, max_score, outcomes: {id: value}}]. Answers that are
 * not valid for their item count as no answer. A graded item answered scores null, or what
 * people resolved: its entry in `graded` ({item id: score}, a stored record's; NULL: none). */
void as_score_pack_items(as_scorer_t *self, const as_table_t *t, as_mp_t answers,
                         const uint8_t *graded, size_t graded_len, msgpack_packer *pk);

#endif
