/* cmd_import.c — assay import: QTI item and test files, directories and IMS content packages,
 * sent as they are to the engine's one converter (assessment.import). A directory, or a test
 * file with the items it refers to, travels as a zip built here (libzip, in memory). */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

typedef struct {
    uint8_t *data;
    size_t len;
    char root[512]; /* in a zip built here for one test file: that file */
} s_upload_t;

/* Adds every regular file under dir (prefix: its path inside the zip) to z. */
static int s_add_dir(zip_t *z, const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "assay: %s: %s\n", dir, strerror(errno));
        return EXIT_USAGE;
    }
    int rc = 0;
    for (struct dirent *e; !rc && (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char path[4096], inner[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(inner, sizeof inner, "%s%s%s", prefix, *prefix ? "/" : "", e->d_name);
        struct stat st;
        if (stat(path, &st)) continue;
        if (S_ISDIR(st.st_mode)) {
            rc = s_add_dir(z, path, inner);
        } else if (S_ISREG(st.st_mode)) {
            zip_source_t *src = zip_source_file(z, path, 0, -1);
            if (!src || zip_file_add(z, inner, src, ZIP_FL_ENC_UTF_8) < 0) {
                fprintf(stderr, "assay: %s: %s\n", path, zip_strerror(z));
                if (src) zip_source_free(src);
                rc = EXIT_USAGE;
            }
        }
    }
    closedir(d);
    return rc;
}

/* A zip, in memory, of the files under dir. */
static int s_zip_dir(const char *dir, s_upload_t *u)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *z = mem ? zip_open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
    if (!z) {
        fprintf(stderr, "assay: cannot build a zip: %s\n", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return EXIT_USAGE;
    }
    zip_source_keep(mem);
    int rc = s_add_dir(z, dir, "");
    if (rc) {
        zip_discard(z);
        zip_source_free(mem);
        return rc;
    }
    if (zip_close(z)) {
        fprintf(stderr, "assay: %s: %s\n", dir, zip_strerror(z));
        zip_source_free(mem);
        return EXIT_USAGE;
    }
    zip_stat_t st;
    zip_source_stat(mem, &st);
    u->len = st.size;
    u->data = malloc(u->len ? u->len : 1);
    zip_source_open(mem);
    zip_source_read(mem, u->data, u->len);
    zip_source_close(mem);
    zip_source_free(mem);
    zip_error_fini(&ze);
    return 0;
}

/* What PATH sends: a .zip as it is, a directory zipped, an XML file as it is, or, for a test,
 * its directory zipped with the test as the root. */
static int s_upload(const char *path, s_upload_t *u)
{
    struct stat st;
    memset(u, 0, sizeof *u);
    if (stat(path, &st)) {
        fprintf(stderr, "assay: %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    if (S_ISDIR(st.st_mode)) return s_zip_dir(path, u);
    int rc = cli_slurp(path, &u->data, &u->len);
    if (rc) return rc;
    if (u->len > 4 && memcmp(u->data, "PK\3\4", 4) == 0) return 0;
    if (!memmem(u->data, u->len, "<assessmentTest", 15)) return 0;
    free(u->data);
    char *a = strdup(path), *b = strdup(path);
    snprintf(u->root, sizeof u->root, "%s", basename(a));
    rc = s_zip_dir(dirname(b), u);
    free(a);
    free(b);
    return rc;
}

/* The files refused, one a line (each message names the file, the line and the element). */
static void s_print_refused(const msgpack_object *refused, FILE *out)
{
    uint32_t n = refused && refused->type == MSGPACK_OBJECT_ARRAY ? refused->via.array.size : 0;
    if (!n) return;
    fprintf(out, "refused %u file(s):\n", n);
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *m = assay_map_get(&refused->via.array.ptr[i], "message");
        fprintf(out, "  %.*s\n", CLI_STR(m));
    }
}

/* "  what: a b c" for a non-empty array of ids. */
static void s_print_ids(const char *what, const msgpack_object *ids)
{
    if (!ids || ids->type != MSGPACK_OBJECT_ARRAY || !ids->via.array.size) return;
    printf("  %s:", what);
    for (uint32_t j = 0; j < ids->via.array.size; j++)
        printf(" %.*s", CLI_STR((&ids->via.array.ptr[j])));
}

static void s_print(const msgpack_object *o, const char *const *ctx)
{
    const msgpack_object *dry = assay_map_get(o, "dry_run"), *as = assay_map_get(o, "assessments");
    bool d = dry && dry->type == MSGPACK_OBJECT_BOOLEAN && dry->via.boolean;
    uint32_t n = as && as->type == MSGPACK_OBJECT_ARRAY ? as->via.array.size : 0;
    printf("%s %u assessment(s) from %s%s\n", d ? "would store" : "stored", n, ctx[0],
           d ? " (dry run: nothing stored)" : "");
    for (uint32_t i = 0; i < n; i++) {
        const msgpack_object *e = &as->via.array.ptr[i];
        const msgpack_object *id = assay_map_get(e, "id"), *kind = assay_map_get(e, "kind");
        const msgpack_object *src = assay_map_get(e, "source"),
                             *un = assay_map_get(e, "unscorable");
        printf("  %-24.*s %-4.*s", CLI_STR(id), CLI_STR(kind));
        if (!d) printf(" v%g", cli_get_num(e, "version"));
        char m[32];
        printf(" %g item(s), max score %s  %.*s", cli_get_num(e, "items"),
               cli_gnum(e, "max_score", m, sizeof m), CLI_STR(src));
        const msgpack_object *rep = assay_map_get(e, "replaces");
        if (rep && rep->type == MSGPACK_OBJECT_MAP)
            printf("  %s %.*s v%g, %g stored response(s)", d ? "would replace" : "replaced",
                   CLI_STR(id), cli_get_num(rep, "version"), cli_get_num(rep, "responses"));
        s_print_ids("not scorable", un);
        s_print_ids("graded by people", assay_map_get(e, "graded"));
        s_print_ids("no score outcome (name it with --score-outcome)",
                    assay_map_get(e, "no_score"));
        printf("\n");
        const msgpack_object *w = assay_map_get(e, "warnings");
        for (uint32_t j = 0; w && w->type == MSGPACK_OBJECT_ARRAY && j < w->via.array.size; j++)
            printf("    warning: %.*s\n", CLI_STR((&w->via.array.ptr[j])));
    }
    s_print_refused(assay_map_get(o, "refused"), stdout);
}

/* assessment.import of one upload; *reply on success, else the error printed and the status. */
typedef struct {
    bool dry, replace, skip;
    const char *id, *score_outcome, *prefix;
    unsigned graded_max; /* 0: not given */
} s_opts_t;

static int s_call(cli_t *cli, const s_upload_t *u, const char *base, const s_opts_t *o,
                  assay_reply_t **reply)
{
    static const char *const flags[] = {"dry_run", "replace", "skip_invalid"};
    const bool on[] = {o->dry, o->replace, o->skip};
    const char *const strs[][2] = {{"id", o->id},
                                   {"score_outcome", o->score_outcome},
                                   {"prefix", o->prefix},
                                   {"root", u->root}};
    uint32_t n = 2 + (o->graded_max ? 1 : 0);
    for (int f = 0; f < 3; f++)
        n += on[f];
    for (int f = 0; f < 4; f++)
        n += strs[f][1] && *strs[f][1];
    msgpack_sbuffer_clear(&cli->sb);
    msgpack_pack_map(&cli->pk, n);
    as_pack_cstr(&cli->pk, "data");
    msgpack_pack_bin(&cli->pk, u->len);
    msgpack_pack_bin_body(&cli->pk, u->data, u->len);
    as_pack_cstr(&cli->pk, "name");
    as_pack_cstr(&cli->pk, base);
    for (int f = 0; f < 3; f++)
        if (on[f]) {
            as_pack_cstr(&cli->pk, flags[f]);
            msgpack_pack_true(&cli->pk);
        }
    for (int f = 0; f < 4; f++)
        if (strs[f][1] && *strs[f][1]) {
            as_pack_cstr(&cli->pk, strs[f][0]);
            as_pack_cstr(&cli->pk, strs[f][1]);
        }
    if (o->graded_max) {
        as_pack_cstr(&cli->pk, "graded_max");
        msgpack_pack_uint32(&cli->pk, o->graded_max);
    }
    return cli_call(cli, "assessment.import", reply);
}

int cmd_import(cli_t *cli, int argc, char **argv)
{
    static const struct option opts[] = {{"dry-run", no_argument, 0, 'n'},
                                         {"id", required_argument, 0, 'i'},
                                         {"score-outcome", required_argument, 0, 's'},
                                         {"replace", no_argument, 0, 'r'},
                                         {"skip-invalid", no_argument, 0, 'k'},
                                         {"prefix", required_argument, 0, 'p'},
                                         {"graded-max", required_argument, 0, 'g'},
                                         {0, 0, 0, 0}};
    s_opts_t o = {0};
    int c;
    optind = 0; /* glibc: 0 re-initialises getopt after the global options were parsed */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            o.dry = true;
        else if (c == 'i')
            o.id = optarg;
        else if (c == 's')
            o.score_outcome = optarg;
        else if (c == 'r')
            o.replace = true;
        else if (c == 'k')
            o.skip = true;
        else if (c == 'p')
            o.prefix = optarg;
        else if (c == 'g') {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 100) {
                fprintf(stderr, "assay import: --graded-max: expected 1..100, got \"%s\"\n",
                        optarg);
                return EXIT_USAGE;
            }
            o.graded_max = (unsigned)v;
        } else
            return EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: assay import PATH... [--dry-run] [--replace] [--skip-invalid] "
                        "[--prefix P] [--id ID] [--score-outcome ID] [--graded-max N]\n");
        return EXIT_USAGE;
    }
    int status = 0;
    for (int i = optind; i < argc; i++) {
        s_upload_t u;
        int rc = s_upload(argv[i], &u);
        if (rc) {
            status = rc;
            break;
        }
        /* the upload's name: the file's, or for a test sent with its directory, the directory's */
        char *name = strdup(argv[i]);
        const char *base = *u.root ? basename(dirname(name)) : basename(name);
        const char *ctx[] = {argv[i]};
        assay_reply_t *r = NULL;
        rc = s_call(cli, &u, base, &o, &r);
        if (!rc) {
            const msgpack_object *res = assay_reply_result(r);
            const msgpack_object *ref = assay_map_get(res, "refused");
            if (cli->json)
                cli_print_json(res);
            else
                s_print(res, ctx);
            if (!o.dry && ref && ref->type == MSGPACK_OBJECT_ARRAY && ref->via.array.size)
                rc = EXIT_PARTIAL;
        } else if (rc == EXIT_REPLY && !o.dry) {
            /* refused: a dry run lists every file refused, not only those the message holds */
            assay_reply_t *d = NULL;
            s_opts_t dry = o;
            dry.dry = true;
            if (s_call(cli, &u, base, &dry, &d) == 0)
                s_print_refused(assay_map_get(assay_reply_result(d), "refused"), stderr);
            assay_reply_free(&d);
        }
        assay_reply_free(&r);
        free(u.data);
        free(name);
        if (rc == EXIT_PARTIAL) {
            status = EXIT_PARTIAL; /* and on to the next PATH */
        } else if (rc) {
            status = rc;
            break;
        }
    }
    return status;
}
