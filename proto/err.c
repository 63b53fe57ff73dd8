/* err.c — error codes, messages and request paths (see err.h). */
#include "err.h"

#include <stdio.h>
#include <string.h>

static const char *s_names[AS_CODE_COUNT] = {
    [AS_OK] = "ok",
    [AS_BAD_REQUEST] = "bad_request",
    [AS_NOT_FOUND] = "not_found",
    [AS_CONFLICT] = "conflict",
    [AS_FORBIDDEN] = "forbidden",
    [AS_TOO_LARGE] = "too_large",
    [AS_OVERLOADED] = "overloaded",
    [AS_UNAVAILABLE] = "unavailable",
    [AS_INTERNAL] = "internal",
};

const char *as_code_name(as_code_t code)
{
    if ((int)code < 0 || code >= AS_CODE_COUNT) return "internal";
    return s_names[code];
}

int as_code_parse(const char *name, size_t len)
{
    for (int i = 1; i < AS_CODE_COUNT; i++)
        if (strlen(s_names[i]) == len && memcmp(s_names[i], name, len) == 0) return i;
    return -1;
}

as_code_t as_err_set(as_err_t *err, as_code_t code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

as_code_t as_err_at(as_err_t *err, as_code_t code, const as_path_t *path, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        int n = snprintf(err->msg, sizeof err->msg, "%s: ", path->len ? path->buf : "params");
        if (n < 0 || (size_t)n >= sizeof err->msg) n = 0;
        vsnprintf(err->msg + n, sizeof err->msg - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return code;
}

void as_path_init(as_path_t *path, const char *root)
{
    path->len = 0;
    path->buf[0] = '\0';
    if (root) as_path_key(path, root, strlen(root));
}

static void s_append(as_path_t *path, const char *s, size_t n)
{
    if (path->len + n + 4 >= AS_PATH_MAX) {
        s = "...";
        n = 3;
        if (path->len + n + 1 >= AS_PATH_MAX) return;
    }
    memcpy(path->buf + path->len, s, n);
    path->len += n;
    path->buf[path->len] = '\0';
}

size_t as_path_key(as_path_t *path, const char *key, size_t key_len)
{
    size_t old = path->len;
    char safe[72];
    size_t n = 0;
    /* Keys come from the network: show at most 64 bytes, non-printables as '?'. */
    for (size_t i = 0; i < key_len && n < 64; i++)
        safe[n++] = (key[i] >= 0x20 && key[i] < 0x7f) ? key[i] : '?';
    if (key_len > 64) {
        memcpy(safe + n, "...", 3);
        n += 3;
    }
    if (path->len) s_append(path, ".", 1);
    s_append(path, safe, n);
    return old;
}

size_t as_path_index(as_path_t *path, size_t index)
{
    size_t old = path->len;
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "[%zu]", index);
    s_append(path, tmp, (size_t)n);
    return old;
}

void as_path_pop(as_path_t *path, size_t len)
{
    if (len <= path->len) {
        path->len = len;
        path->buf[len] = '\0';
    }
}
