/* fuzz_dispatch.c — libFuzzer: whole requests through a worker (as_worker_handle), on both
 * sockets' rights, against a real LMDB environment in a temporary directory holding the example
 * assessment, a skill and stored responses. Decoding, validation and every read method run; a
 * write is validated and prepared for the writer (which is not running). */
#include "jsonmp.h"
#include "methods.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static as_engine_t s_e;
static as_worker_t *s_w;

void as_engine_fatal(as_engine_t *e, const char *fmt, ...)
{
    (void)e;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    abort();
}

static void s_load(msgpack_sbuffer *sb, const char *path)
{
    json_error_t e;
    json_t *j = json_load_file(path, 0, &e);
    if (!j) {
        fprintf(stderr, "fuzz_dispatch: %s: %s\n", path, e.text);
        exit(2);
    }
    msgpack_packer pk;
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    as_json_pack(&pk, j);
    json_decref(j);
}

/* The store's directory, removed when the run ends (libFuzzer exits through exit()). */
static char s_dir[] = "/tmp/assay-fuzz-XXXXXX";

static void s_remove_dir(void)
{
    char path[sizeof s_dir + 16];
    snprintf(path, sizeof path, "%s/data.mdb", s_dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/lock.mdb", s_dir);
    unlink(path);
    rmdir(s_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *dir = s_dir;
    as_err_t err;
    if (!mkdtemp(s_dir)) {
        fprintf(stderr, "fuzz_dispatch: cannot make a directory in /tmp\n");
        exit(2);
    }
    atexit(s_remove_dir);
    if (as_store_open(&s_e.store, dir, 64u << 20, 16, AS_SYNC_NONE, &err)) {
        fprintf(stderr, "fuzz_dispatch: cannot open a store in %s\n", dir);
        exit(2);
    }
    s_e.workers = 1;
    s_e.stats = as_stats_new(3);
    /* the example assessment, compiled and stored as the writer would */
    const char *ex = getenv("ASSAY_EXAMPLES");
    char path[4200];
    snprintf(path, sizeof path, "%s/quiz.json", ex ? ex : "examples");
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    s_load(&sb, path);
    as_compiled_t c;
    as_wtxn_t *txn;
    uint32_t version;
    bool created;
    as_bkt_params_t p = {0.3, 0.1, 0, 0.2, 0.1, 0.95};
    if (as_table_compile((const uint8_t *)sb.data, sb.size, &c, &err) ||
        as_wtxn_begin(s_e.store, &txn, &err) ||
        as_store_skill_put(txn, "add", 3, &p, &created, &err) ||
        as_store_put_assessment(txn, "quiz-demo", 9, sb.data, sb.size, c.blob, c.size, &version,
                                &err) ||
        as_wtxn_commit(&txn, &err)) {
        fprintf(stderr, "fuzz_dispatch: setup: %s\n", err.msg);
        exit(2);
    }
    free(c.blob);
    msgpack_sbuffer_destroy(&sb);
    s_w = as_worker_new(&s_e, 0, 2, false);
    if (!s_w) exit(2);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int role = 0; role < AS_ROLE_COUNT; role++) {
        as_hdr_t hdr = {.role = (uint8_t)role};
        as_code_t code;
        (void)as_worker_handle(s_w, &hdr, data, size, &code);
        for (int i = 0; i < s_w->fwd_n; i++) /* a write's frames: the writer would take them */
            zmq_msg_close(&s_w->fwd[i]);
        s_w->fwd_n = 0;
    }
    return 0;
}
