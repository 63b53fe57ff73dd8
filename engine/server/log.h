/* log.h — the one logging macro: level-gated, to stderr, one line per event. */
#ifndef AS_LOG_H
#define AS_LOG_H

typedef enum { AS_LOG_ERROR, AS_LOG_WARN, AS_LOG_INFO, AS_LOG_DEBUG } as_log_level_t;

extern int as_log_level;

/* Parses "error", "warn", "info" or "debug"; returns -1 for anything else. */
int as_log_parse(const char *name);
void as_log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define AS_LOG(level, ...)                                                                         \
    do {                                                                                           \
        if ((level) <= as_log_level) as_log_write((level), __VA_ARGS__);                           \
    } while (0)

#endif
