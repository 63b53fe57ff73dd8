/* cors.c — Cross-Origin Resource Sharing for --cors-origin ORIGIN (repeatable; "*": any), so a
 * browser app on another origin can call assay-http directly with its bearer token. A request
 * from an allowed Origin gets Access-Control-Allow-Origin (and Vary: Origin); a preflight
 * (OPTIONS with Access-Control-Request-Method) is answered without a token, as browsers send it
 * without one. */
#include "access.h"

#include <stdio.h>
#include <string.h>

#define S_MAX_ORIGINS 32

static char s_origins[S_MAX_ORIGINS][256];
static int s_n;
static bool s_any;

int ah_cors_add(const char *origin, char *err, size_t n)
{
    if (strcmp(origin, "*") == 0) {
        s_any = true;
        return 0;
    }
    size_t len = strlen(origin);
    bool ok = (strncmp(origin, "http://", 7) == 0 || strncmp(origin, "https://", 8) == 0) &&
              len < sizeof s_origins[0] && origin[len - 1] != '/' && !strchr(origin + 8, '/');
    if (!ok) {
        snprintf(err, n,
                 "--cors-origin %s: expected an origin, scheme://host[:port] without a path "
                 "(e.g. https://app.example.org), or *",
                 origin);
        return -1;
    }
    if (s_n == S_MAX_ORIGINS) {
        snprintf(err, n, "--cors-origin: at most %d origins", S_MAX_ORIGINS);
        return -1;
    }
    memcpy(s_origins[s_n++], origin, len + 1);
    return 0;
}

static bool s_allowed(const char *origin)
{
    if (!origin) return false;
    if (s_any) return true;
    for (int i = 0; i < s_n; i++)
        if (strcmp(s_origins[i], origin) == 0) return true;
    return false;
}

void ah_cors_headers(struct MHD_Connection *c, struct MHD_Response *resp)
{
    if (!s_any && !s_n) return;
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    MHD_add_response_header(resp, "Vary", "Origin");
    if (!s_allowed(origin)) return;
    MHD_add_response_header(resp, "Access-Control-Allow-Origin", s_any ? "*" : origin);
    MHD_add_response_header(resp, "Access-Control-Expose-Headers", "Location, ETag, Retry-After");
}

enum MHD_Result ah_cors_preflight(struct MHD_Connection *c, const char *allow)
{
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    bool ok = s_allowed(origin);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) return MHD_NO;
    ah_cors_headers(c, resp);
    if (ok) {
        MHD_add_response_header(resp, "Access-Control-Allow-Methods", allow);
        MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                                "Authorization, Content-Type, If-None-Match");
        MHD_add_response_header(resp, "Access-Control-Max-Age", "600");
    }
    enum MHD_Result r = MHD_queue_response(c, ok ? 204 : 403, resp);
    MHD_destroy_response(resp);
    return r;
}
