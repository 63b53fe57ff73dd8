/* dashboard.c — the teacher dashboard's files, embedded in the binary at build time (embed.py):
 * GET / is the page, GET /dashboard/{file} its scripts (ES modules) and style. They hold no data:
 * the page asks for a token and reads everything through the API with it (see dashboard/README.md).
 */
#include "http.h"

#include <stdlib.h>
#include <string.h>

extern const char ah_page_index[], ah_page_app[], ah_page_lib[], ah_page_views[], ah_page_grading[],
    ah_page_agreement[], ah_page_learners[], ah_page_style[];
extern const size_t ah_page_index_len, ah_page_app_len, ah_page_lib_len, ah_page_views_len,
    ah_page_grading_len, ah_page_agreement_len, ah_page_learners_len, ah_page_style_len;

typedef struct {
    const char *path, *type;
    const char *data;
    const size_t *len;
} s_file_t;

static const s_file_t s_files[] = {
    {"/", "text/html; charset=utf-8", ah_page_index, &ah_page_index_len},
    {"/dashboard/", "text/html; charset=utf-8", ah_page_index, &ah_page_index_len},
    {"/dashboard/index.html", "text/html; charset=utf-8", ah_page_index, &ah_page_index_len},
    {"/dashboard/app.js", "text/javascript; charset=utf-8", ah_page_app, &ah_page_app_len},
    {"/dashboard/lib.js", "text/javascript; charset=utf-8", ah_page_lib, &ah_page_lib_len},
    {"/dashboard/views.js", "text/javascript; charset=utf-8", ah_page_views, &ah_page_views_len},
    {"/dashboard/grading.js", "text/javascript; charset=utf-8", ah_page_grading,
     &ah_page_grading_len},
    {"/dashboard/agreement.js", "text/javascript; charset=utf-8", ah_page_agreement,
     &ah_page_agreement_len},
    {"/dashboard/learners.js", "text/javascript; charset=utf-8", ah_page_learners,
     &ah_page_learners_len},
    {"/dashboard/style.css", "text/css; charset=utf-8", ah_page_style, &ah_page_style_len},
};

void ah_page(const char *url, ah_reply_t *r)
{
    for (size_t i = 0; i < sizeof s_files / sizeof s_files[0]; i++) {
        if (strcmp(url, s_files[i].path) != 0) continue;
        size_t len = *s_files[i].len;
        if (!(r->raw = malloc(len ? len : 1))) {
            ah_error(r, 500, "internal", "out of memory");
            return;
        }
        memcpy(r->raw, s_files[i].data, len);
        r->raw_len = len;
        r->raw_type = s_files[i].type;
        r->status = 200;
        r->etag = true;
        return;
    }
    ah_error(r, 404, "not_found", "no dashboard file %s (the page is GET /)", url);
}
