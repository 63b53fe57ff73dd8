/* route_table.h — assay-http's routes (route_table.c): each HTTP method and path pattern, the
 * engine method it calls and how the request becomes its params; routes.c dispatches on them. */
#ifndef AH_ROUTE_TABLE_H
#define AH_ROUTE_TABLE_H

#include <stdbool.h>

typedef enum {
    AH_Q_STR,
    AH_Q_INT,
    AH_Q_BOOL,
    AH_Q_LIST
} ah_qtype_t; /* AH_Q_LIST: comma-separated strings */

typedef struct {
    const char *name; /* query argument, also the engine param */
    ah_qtype_t type;
} ah_qarg_t;

typedef enum { AH_NONE, AH_HEALTH, AH_METRICS, AH_OPENAPI, AH_EVENTS, AH_PAGE } ah_special_t;

/* What a learner token (access.h) may do with a route: nothing (403), call it as its own learner
 * (the engine's `learner` param is the token's sub: a different one given in the body or query is
 * 403; for a record named by id the engine checks it is the learner's), read a path whose {id} is
 * the learner (only its own), or subscribe to its own topics (mastery.<sub>). */
typedef enum { AH_L_NONE, AH_L_PARAM, AH_L_PATH, AH_L_EVENTS } ah_learner_t;
/* What a rater token (access.h) may do with a route: nothing (403), read it, or call it as its
 * own rater (the engine's `rater` param is the token's sub: a different one given is 403). */
typedef enum { AH_R_NONE, AH_R_READ, AH_R_PARAM } ah_rater_t;

#define AH_NQUERY 9 /* query arguments a route takes at most */

typedef struct {
    const char *method, *pattern;
    bool admin;                 /* needs the bearer token; calls the admin socket */
    const char *engine;         /* the engine method it calls (NULL: none; a special route calls
                                   it itself: health ping, metrics stats) */
    const char *path[2];        /* the engine params of the pattern's {ids}, in order */
    bool path_int[2];           /* ...given as integers */
    bool body;                  /* a JSON object body, its fields merged into the params */
    const char *raw_body;       /* or the body's bytes as this param (a bin) */
    ah_qarg_t query[AH_NQUERY]; /* query arguments passed as params */
    unsigned ok;                /* the status of a success */
    const char *loc, *loc_key;  /* Location: loc with the result's loc_key (201, 202) */
    ah_special_t special;
    ah_learner_t learner; /* what a learner token may do with it */
    ah_rater_t rater;     /* what a rater token may do with it */
} ah_route_t;

extern const ah_route_t ah_routes[];
extern const int ah_nroutes;

#endif
