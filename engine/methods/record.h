/* record.h — a stored response record: the msgpack map response.get returns, stored as is.
 *
 * {response_id, assessment, version, learner, attempt, score, max_score, ratio, passed?,
 *  state?, pending?, graded?, submitted_at, mastery?, answers}: the outcome fields (score ..
 * passed) are
 * as_table_pack_outcome's; state "pending" and pending [item ids] while graded items the
 * response answered wait for people's grades (score: the automatic part), graded {item id:
 * weighted score} once people resolved them (score: the whole); mastery (the learner's
 * states of the skills the response gave evidence of, after it) only when it gave some.
 * Written by the writer at a submission and rewritten by a regrade; nothing else knows the order
 * of its fields.
 */
#ifndef AS_RECORD_H
#define AS_RECORD_H

#include "table.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t response_id;
    const char *assessment;
    uint32_t assessment_len;
    uint32_t version;
    const char *learner;
    uint32_t learner_len;
    uint32_t attempt;
    double score, max_score; /* as stored (as_record_read) */
    const char *submitted_at;
    uint32_t submitted_at_len;
    const uint8_t *mastery; /* the skills' states after it, a raw msgpack map; NULL: none */
    size_t mastery_len;
    const uint8_t *models; /* the deep models' results, a raw msgpack map; NULL: none */
    size_t models_len;
    const uint8_t *answers; /* the answers map, raw msgpack */
    size_t answers_len;
    const uint8_t *answered; /* to pack: the scorer's flags, one per item of the table: its graded
                              * items answered are pending (NULL: none) */
    bool pending;            /* as stored: "state": "pending" (as_record_read) */
    const uint8_t *graded;   /* {item id: score} of its graded items, once people resolved them
                                (a raw msgpack map; NULL: none) */
    size_t graded_len;
} as_record_t;

/* Packs the record of r scored `score` with table t (r's score, max_score and version are not
 * used: t's are). */
void as_record_pack(msgpack_packer *pk, const as_record_t *r, const as_table_t *t, double score);
/* Packs the score.<assessment> notification of record r scored `score` with table t: after a
 * submission (job 0) or a regrade that changed it (job: the regrade's job id). */
void as_record_pack_note(msgpack_packer *pk, const as_record_t *r, const as_table_t *t,
                         double score, as_stamp_t stamp, uint64_t job);
/* Reads a stored record's fields (views into rec). False when it is not a record. */
bool as_record_read(const void *rec, size_t len, as_record_t *r);
/* Reads a stored record into r and scores its answers with table t as a regrade does
 * (as_score_stored: lenient): item scores into x[t's items], answered flags in the scorer.
 * False when the record is unreadable. */
bool as_record_score(as_scorer_t *sc, const as_table_t *t, const void *rec, size_t len,
                     as_record_t *r, double *x, double *total);

#endif
