/* fuzz_access.c — libFuzzer: what assay-http reads from callers and files before anything else
 * (clients/http/access.c). The first byte picks: even, the text of a token file (--tokens); odd,
 * a bearer token checked as a learner's JWT against a fixed secret. A token file parses or is
 * refused with its line; a JWT is accepted (a learner or rater of 1..128 bytes) or refused with 401
 * and a reason; never a crash or a leak. */
#include "access.h"

#include <jansson.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char s_secret[] = "fuzz-secret-0123456789abcdef-0123456789";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    static int init;
    if (!init) {
        json_object_seed(1); /* jansson's hash order fixed: the same runs from the same seed */
        if (ah_access_set_secret(s_secret, sizeof s_secret - 1)) abort();
        init = 1;
    }
    if (!(data[0] & 1)) {
        char err[512] = "";
        int n = ah_access_parse_tokens((const char *)data + 1, size - 1, err, sizeof err);
        if (n < 0 && !err[0]) abort(); /* a refusal always says why */
        if (n > 4096) abort();
        return 0;
    }
    char *tok = malloc(size);
    if (!tok) return 0;
    memcpy(tok, data + 1, size - 1);
    tok[size - 1] = '\0';
    ah_auth_t a;
    ah_reply_t r = {0};
    ah_refused_t why;
    memset(&a, 0, sizeof a);
    if (ah_learner_token(tok, &a, &r, &why)) {
        size_t l = strlen(a.sub);
        if ((a.scope != AH_SCOPE_LEARNER && a.scope != AH_SCOPE_RATER) || l < 1 ||
            l > AH_MAX_LEARNER || r.status)
            abort();
    } else if (r.status != 401 || !r.json) {
        abort();
    }
    if (r.json) json_decref(r.json);
    free(tok);
    return 0;
}
