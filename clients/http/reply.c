/* reply.c — error replies: {"error": {"code", "message"}} with the HTTP status. */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>

void ah_error(ah_reply_t *r, unsigned status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (r->json) json_decref(r->json);
    r->status = status;
    r->json = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg);
    r->retry_s = status == 503 ? 1 : 0;
}
