/* program_regex.c — patternMatch: XML Schema regular expressions run by PCRE2.
 *
 * XML Schema patterns match whole strings and treat ^ and $ as ordinary characters; the
 * translation anchors the pattern and escapes them. What PCRE2 cannot express the XML Schema way
 * (character class subtraction, the \i \c name classes) is refused when the item is compiled.
 * Compiled patterns are cached per scorer (per thread), keyed by their text: a pattern is
 * compiled once per thread, after which matching allocates nothing. Every match runs under
 * PCRE2 limits of steps, depth and heap (program.h), so no pattern and string can hold a
 * thread for long: a match cut short is "no match", and counted.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "program.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CACHE 32

typedef struct {
    char *pat;
    uint32_t len;
    pcre2_code *code;
    pcre2_match_data *md;
} s_entry_t;

struct as_rx_cache {
    s_entry_t e[S_CACHE];
    uint32_t next;               /* the slot replaced next when the cache is full (round robin) */
    pcre2_match_context *limits; /* AS_RX_MATCH_LIMIT, AS_RX_DEPTH_LIMIT, AS_RX_HEAP_LIMIT_KIB */
};

const char *as_rx_translate(const char *x, uint32_t len, char *out, size_t cap, uint32_t *out_len)
{
    size_t k = 0;
    bool in_class = false;
    if (cap < 16) return "pattern too long";
    memcpy(out, "^(?:", 4);
    k = 4;
    for (uint32_t i = 0; i < len; i++) {
        char c = x[i];
        if (k + 8 > cap) return "pattern too long";
        if (c == '\\' && i + 1 < len) {
            char d = x[i + 1];
            if (d == 'i' || d == 'I' || d == 'c' || d == 'C')
                return "the XML name classes \\i \\I \\c \\C are not supported";
            out[k++] = c;
            out[k++] = d;
            i++;
            continue;
        }
        if (in_class) {
            if (c == '-' && i + 1 < len && x[i + 1] == '[')
                return "character class subtraction ([a-z-[aeiou]]) is not supported";
            if (c == ']') in_class = false;
            out[k++] = c;
            continue;
        }
        if (c == '[') {
            in_class = true;
            out[k++] = c;
            if (i + 1 < len && x[i + 1] == '^') out[k++] = x[++i];
            if (i + 1 < len && x[i + 1] == ']') out[k++] = x[++i]; /* a leading ] is literal */
            continue;
        }
        if (c == '^' || c == '$') out[k++] = '\\';
        out[k++] = c;
    }
    memcpy(out + k, ")$", 2);
    k += 2;
    out[k] = '\0';
    *out_len = (uint32_t)k;
    return NULL;
}

static pcre2_code *s_compile(const char *pat, uint32_t len, int *ec, PCRE2_SIZE *eo)
{
    return pcre2_compile((PCRE2_SPTR)pat, len,
                         PCRE2_UTF | PCRE2_NO_AUTO_CAPTURE | PCRE2_DOLLAR_ENDONLY, ec, eo, NULL);
}

const char *as_rx_check(const char *pat, uint32_t len, char *buf, size_t cap)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code = s_compile(pat, len, &ec, &eo);
    if (code) {
        pcre2_code_free(code);
        return NULL;
    }
    char msg[200];
    pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
    snprintf(buf, cap, "%s", msg);
    return buf;
}

as_rx_cache_t *as_rx_cache_new(void)
{
    as_rx_cache_t *self = calloc(1, sizeof(as_rx_cache_t));
    if (!self) return NULL;
    self->limits = pcre2_match_context_create(NULL);
    if (!self->limits) {
        free(self);
        return NULL;
    }
    pcre2_set_match_limit(self->limits, AS_RX_MATCH_LIMIT);
    pcre2_set_depth_limit(self->limits, AS_RX_DEPTH_LIMIT);
    pcre2_set_heap_limit(self->limits, AS_RX_HEAP_LIMIT_KIB);
    return self;
}

static void s_entry_free(s_entry_t *e)
{
    free(e->pat);
    pcre2_match_data_free(e->md);
    pcre2_code_free(e->code);
    memset(e, 0, sizeof *e);
}

void as_rx_cache_destroy(as_rx_cache_t **self_p)
{
    if (!self_p || !*self_p) return;
    for (int i = 0; i < S_CACHE; i++)
        s_entry_free(&(*self_p)->e[i]);
    pcre2_match_context_free((*self_p)->limits);
    free(*self_p);
    *self_p = NULL;
}

int as_rx_match(as_rx_cache_t *self, const char *pat, uint32_t pat_len, const char *s, uint32_t len,
                _Atomic uint64_t *limited)
{
    s_entry_t *e = NULL;
    for (int i = 0; i < S_CACHE && self->e[i].pat; i++)
        if (self->e[i].len == pat_len && memcmp(self->e[i].pat, pat, pat_len) == 0) {
            e = &self->e[i];
            break;
        }
    if (!e) {
        int slot = -1;
        for (int i = 0; i < S_CACHE && slot < 0; i++)
            if (!self->e[i].pat) slot = i;
        if (slot < 0) {
            slot = (int)(self->next++ % S_CACHE);
            s_entry_free(&self->e[slot]);
        }
        e = &self->e[slot];
        int ec;
        PCRE2_SIZE eo;
        e->pat = malloc(pat_len ? pat_len : 1);
        e->code = s_compile(pat, pat_len, &ec, &eo);
        e->md = e->code ? pcre2_match_data_create_from_pattern(e->code, NULL) : NULL;
        if (!e->pat || !e->code || !e->md) {
            s_entry_free(e);
            return -1;
        }
        memcpy(e->pat, pat, pat_len);
        e->len = pat_len;
    }
    int rc = pcre2_match(e->code, (PCRE2_SPTR)s, len, 0, 0, e->md, self->limits);
    if (rc >= 0) return 1;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT) {
        if (limited) atomic_fetch_add_explicit(limited, 1, memory_order_relaxed);
        return 0;
    }
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}
