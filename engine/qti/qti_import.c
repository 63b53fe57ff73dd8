/* qti_import.c — what an upload holds and what becomes of it (qti.h): a single XML file, a zip
 * with imsmanifest.xml (an IMS content package: every item and test resource it lists), or a zip
 * of QTI files (every assessmentItem and assessmentTest in it, or one root file and what it
 * refers to). Items become one-item assessments, tests one assessment of their item references
 * in order. Zips are read with libzip from memory, within size limits. */
#include "qti_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

typedef struct {
    char *name; /* path inside the upload */
    uint8_t *data;
    size_t len;
} s_file_t;

typedef struct {
    s_file_t *f;
    size_t n;
    char upload[256]; /* the upload's name, prefix of "name!/path" */
    bool zipped;
} s_files_t;

static void s_files_free(s_files_t *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->f[i].name);
        free(fs->f[i].data);
    }
    free(fs->f);
}

static int s_file_cmp(const void *a, const void *b)
{
    return strcmp(((const s_file_t *)a)->name, ((const s_file_t *)b)->name);
}

/* The file of that name (the files are sorted by name once unzipped). */
static const s_file_t *s_find(const s_files_t *fs, const char *name)
{
    s_file_t key = {.name = (char *)name};
    return fs->n ? bsearch(&key, fs->f, fs->n, sizeof *fs->f, s_file_cmp) : NULL;
}

static void s_where(qx_t *x, const s_files_t *fs, const char *name)
{
    if (fs->zipped)
        snprintf(x->file, sizeof x->file, "%.255s!/%.1023s", fs->upload, name);
    else
        snprintf(x->file, sizeof x->file, "%.255s", fs->upload);
}

/* Reads every file of the zip at data into fs. */
static as_code_t s_unzip(const uint8_t *data, size_t len, s_files_t *fs, as_err_t *err)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (!z) {
        as_code_t rc = as_err_set(err, AS_BAD_REQUEST, "%s: not a readable zip: %s", fs->upload,
                                  zip_error_strerror(&ze));
        if (src) zip_source_free(src);
        zip_error_fini(&ze);
        return rc;
    }
    zip_int64_t n = zip_get_num_entries(z, 0);
    as_code_t rc = AS_OK;
    uint64_t total = 0;
    if (n > AS_QTI_MAX_FILES)
        rc = as_err_set(err, AS_TOO_LARGE, "%s: %lld files, more than the limit of %u", fs->upload,
                        (long long)n, AS_QTI_MAX_FILES);
    if (!rc && !(fs->f = calloc((size_t)(n ? n : 1), sizeof *fs->f)))
        rc = as_err_set(err, AS_INTERNAL, "out of memory reading %s", fs->upload);
    for (zip_int64_t i = 0; i < n && !rc; i++) {
        zip_stat_t st;
        if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) || !(st.valid & ZIP_STAT_NAME) ||
            !(st.valid & ZIP_STAT_SIZE)) {
            rc = as_err_set(err, AS_BAD_REQUEST, "%s: entry %lld is unreadable", fs->upload,
                            (long long)i);
            break;
        }
        size_t nl = strlen(st.name);
        if (nl && st.name[nl - 1] == '/') continue; /* a directory */
        total += st.size;
        if (st.size > AS_QTI_MAX_FILE * 4ull || total > AS_QTI_MAX_PACKAGE) {
            rc = as_err_set(err, AS_TOO_LARGE,
                            "%s!/%s: the package unpacks to more than %u MiB (or one file to "
                            "more than %u MiB)",
                            fs->upload, st.name, AS_QTI_MAX_PACKAGE >> 20, AS_QTI_MAX_FILE >> 18);
            break;
        }
        s_file_t *f = &fs->f[fs->n];
        f->name = strdup(st.name);
        f->data = malloc(st.size ? st.size : 1);
        f->len = st.size;
        fs->n++;
        zip_file_t *zf = zip_fopen_index(z, (zip_uint64_t)i, 0);
        zip_int64_t got = zf ? zip_fread(zf, f->data, st.size) : -1;
        if (zf) zip_fclose(zf);
        if (!f->name || !f->data || got < 0 || (zip_uint64_t)got != st.size)
            rc = as_err_set(err, AS_BAD_REQUEST, "%s!/%s: cannot be unpacked (%s)", fs->upload,
                            st.name, zip_strerror(z));
    }
    zip_discard(z);
    zip_error_fini(&ze);
    if (!rc && fs->n) qsort(fs->f, fs->n, sizeof *fs->f, s_file_cmp);
    return rc;
}

/* The path `href` refers to from file `from` (its directory), normalised; false when it leaves
 * the upload. */
static bool s_resolve(const char *from, const char *href, char *out, size_t cap)
{
    char buf[1024];
    const char *slash = strrchr(from, '/');
    size_t dl = slash ? (size_t)(slash - from + 1) : 0;
    if (href[0] == '/' || strstr(href, "://")) return false;
    snprintf(buf, sizeof buf, "%.*s%s", (int)dl, from, href);
    /* segments, without "." and with ".." applied */
    char *segs[128];
    int n = 0;
    char *save = NULL; /* strtok_r: workers convert at the same time */
    for (char *s = strtok_r(buf, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        if (strcmp(s, ".") == 0) continue;
        if (strcmp(s, "..") == 0) {
            if (n == 0) return false;
            n--;
            continue;
        }
        if (n == 128) return false;
        segs[n++] = s;
    }
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "/" : "", segs[i]);
    return used < cap;
}

typedef struct {
    qb_t out;   /* the result array's entries */
    uint32_t n; /* entries */
    qx_t x;
    const as_qti_opts_t *opts;
    s_files_t *fs;
    qb_t *refused;      /* {file, message} of each file refused; NULL: stop at the first */
    uint32_t n_refused; /* entries of refused */
} s_run_t;

/* A file refused: its error described in r->refused (when kept) and cleared; false when the
 * run must stop instead (no list kept, or an error that is not a refusal). */
static bool s_refuse(s_run_t *r, as_code_t rc)
{
    if (!r->refused || rc != AS_BAD_REQUEST) return false;
    qb_t *b = r->refused;
    size_t m = qb_map(b);
    qb_key(b, "file");
    qb_str(b, r->x.file);
    qb_key(b, "message");
    qb_str(b, r->x.err->msg);
    qb_end(b, m, 2);
    r->n_refused++;
    r->x.err->code = AS_OK;
    r->x.err->msg[0] = '\0';
    return true;
}

/* One item file as a one-item assessment with id `aid`. */
static as_code_t s_emit_item(s_run_t *r, const char *path, xmlNodePtr root, const char *aid)
{
    qb_t *b = &r->out;
    size_t m = qb_map(b);
    qb_key(b, "id");
    qb_str(b, aid);
    qb_key(b, "kind");
    qb_str(b, "item");
    qb_key(b, "source");
    qb_str(b, r->x.file);
    qb_key(b, "definition");
    size_t d = qb_map(b);
    qb_key(b, "id");
    qb_str(b, aid);
    uint32_t df = 2;
    const char *title = qx_attr(root, "title");
    if (title) {
        qb_key(b, "title");
        as_pack_str(&b->pk, title, strlen(title) > 1024 ? 1024 : strlen(title));
        df++;
    }
    as_code_t rc = qx_settings(&r->x, root, true, b, &df);
    if (rc) return rc;
    qb_key(b, "items");
    size_t a = qb_array(b);
    bool unscorable;
    rc = qx_item(&r->x, root, aid, b, &unscorable);
    if (rc) return rc;
    qb_end(b, a, 1);
    qb_end(b, d, df);
    as_compiled_t c;
    if ((rc = qx_check_item(&r->x, root, (const uint8_t *)b->sb.data + d, b->sb.size - d, &c)))
        return rc;
    qb_key(b, "unscorable");
    size_t u = qb_array(b);
    if (unscorable) qb_str(b, aid);
    qb_end(b, u, unscorable ? 1 : 0);
    qb_key(b, "blob"); /* compiled already: the engine stores it as it is */
    msgpack_pack_bin(&b->pk, c.size);
    msgpack_pack_bin_body(&b->pk, c.blob, c.size);
    free(c.blob);
    qb_end(b, m, 6);
    r->n++;
    (void)path;
    return AS_OK;
}

/* The item references of a test, in order, through its testParts and sections. */
static as_code_t s_refs(s_run_t *r, xmlNodePtr n, xmlNodePtr *refs, uint32_t *k, uint32_t cap)
{
    for (xmlNodePtr c = qx_first(n); c; c = qx_next(c)) {
        if (qx_is(c, "selection"))
            return qx_fail(&r->x, c, "random selection of items is not supported");
        if (qx_is(c, "assessmentItemRef")) {
            if (*k == cap) return qx_fail(&r->x, c, "more than %u item references", cap);
            refs[(*k)++] = c;
        } else if (qx_is(c, "testPart") || qx_is(c, "assessmentSection")) {
            as_code_t rc = s_refs(r, c, refs, k, cap);
            if (rc) return rc;
        }
    }
    return AS_OK;
}

/* Whether the test (or item) at root declares outcome id. */
static bool s_declares(xmlNodePtr root, const char *id)
{
    for (xmlNodePtr d = qx_first(root); d; d = qx_next(d)) {
        const char *i = qx_attr(d, "identifier");
        if (qx_is(d, "outcomeDeclaration") && i && strcmp(i, id) == 0) return true;
    }
    return false;
}

/* One test file as an assessment of id tid, with the items it refers to. */
static as_code_t s_emit_test(s_run_t *r, const char *path, xmlNodePtr root, const char *tid)
{
    qx_t *x = &r->x;
    enum { CAP = 10000 };
    xmlNodePtr *refs = malloc(CAP * sizeof *refs);
    if (!refs) return as_err_set(x->err, AS_INTERNAL, "out of memory");
    uint32_t k = 0;
    as_code_t rc = s_refs(r, root, refs, &k, CAP);
    char here[sizeof x->file];
    snprintf(here, sizeof here, "%s", x->file);
    qb_t *b = &r->out;
    size_t m = qb_map(b), d = 0, a = 0;
    if (!rc) {
        qb_key(b, "id");
        qb_str(b, tid);
        qb_key(b, "kind");
        qb_str(b, "test");
        qb_key(b, "source");
        qb_str(b, here);
        qb_key(b, "definition");
        d = qb_map(b);
        qb_key(b, "id");
        qb_str(b, tid);
        qb_key(b, "items");
        a = qb_array(b);
    }
    qb_t unscorable;
    qb_init(&unscorable);
    uint32_t n_uns = 0;
    for (uint32_t i = 0; i < k && !rc; i++) {
        const char *rid = qx_attr(refs[i], "identifier"), *href = qx_attr(refs[i], "href");
        char ipath[1024];
        if (!rid || !href) {
            rc = qx_fail(x, refs[i], "needs identifier and href");
            break;
        }
        const s_file_t *f = NULL;
        if (!r->fs->zipped || !s_resolve(path, href, ipath, sizeof ipath) ||
            !(f = s_find(r->fs, ipath))) {
            rc = qx_fail(x, refs[i], "refers to \"%s\", %s", href,
                         r->fs->zipped ? "which is not in the upload"
                                       : "which a single file cannot bring: import the test "
                                         "with its items (a directory or a zip)");
            break;
        }
        /* the item, read from its own file; its weight from the reference */
        qx_t ix = {.opts = x->opts, .err = x->err};
        s_where(&ix, r->fs, ipath);
        xmlDocPtr doc = qx_parse(&ix, f->data, f->len);
        if (!doc) {
            rc = x->err->code;
            break;
        }
        xmlNodePtr root_i = xmlDocGetRootElement(doc);
        if (!qx_is(root_i, "assessmentItem")) {
            rc = qx_fail(&ix, root_i, "is not an assessmentItem");
            xmlFreeDoc(doc);
            break;
        }
        size_t before = b->sb.size;
        bool uns;
        rc = qx_item(&ix, root_i, rid, b, &uns);
        if (!rc) {
            xmlNodePtr w = qx_child(refs[i], "weight");
            if (w) { /* the item map gets a weight: rewrite its header count */
                const char *wv = qx_attr(w, "value");
                char *end;
                double wd = wv ? strtod(wv, &end) : -1;
                if (!wv || end == wv || *end || wd < 0) {
                    rc = qx_fail(x, w, "value=\"%s\" is not a weight", wv ? wv : "");
                } else {
                    uint8_t *hdr = (uint8_t *)b->sb.data + before;
                    uint32_t cnt = (uint32_t)hdr[1] << 24 | (uint32_t)hdr[2] << 16 |
                                   (uint32_t)hdr[3] << 8 | hdr[4];
                    qb_key(b, "weight");
                    msgpack_pack_double(&b->pk, wd);
                    qb_end(b, before, cnt + 1);
                }
            }
            if (uns) {
                qb_str(&unscorable, rid);
                n_uns++;
            }
        }
        xmlFreeDoc(doc);
    }
    free(refs);
    uint32_t df = 2;
    if (!rc) {
        qb_end(b, a, k);
        xmlNodePtr op = qx_child(root, "outcomeProcessing");
        if (op && qx_first(op)) {
            uint32_t n_out;
            qb_key(b, "outcomes");
            rc = qx_outcomes(x, root, b, &n_out);
            if (!rc) {
                qb_key(b, "outcome_processing");
                rc = qx_rules(x, op, b, true);
            }
            df += 2;
            const char *named = x->opts->score_outcome; /* an IMS test scores into TOTAL_SCORE */
            if (!rc && named && s_declares(root, named)) {
                qb_key(b, "score_outcome");
                qb_str(b, named);
                df++;
            }
        }
        const char *title = qx_attr(root, "title"); /* kept, as an item's is */
        if (title && *title) {
            qb_key(b, "title");
            as_pack_str(&b->pk, title, strlen(title) > 1024 ? 1024 : strlen(title));
            df++;
        }
        if (!rc) rc = qx_settings(x, root, true, b, &df);
    }
    if (!rc) {
        qb_end(b, d, df);
        qb_key(b, "unscorable");
        size_t u = qb_array(b);
        as_pack_raw(&b->pk, unscorable.sb.data, unscorable.sb.size);
        qb_end(b, u, n_uns);
        qb_end(b, m, 5);
        r->n++;
    }
    qb_destroy(&unscorable);
    return rc;
}

static as_code_t s_file(s_run_t *r, const s_file_t *f, const char *aid, bool must);

/* One file of a package: what it converts to is kept, or, refused, nothing of it is (the entry
 * begun is cut off) and the run goes on when refusals are listed. */
static as_code_t s_package_file(s_run_t *r, const s_file_t *f, const char *aid, bool must)
{
    size_t at = r->out.sb.size;
    uint32_t n = r->n;
    as_code_t rc = s_file(r, f, aid, must);
    if (!rc) return AS_OK;
    r->out.sb.size = at;
    r->n = n;
    return s_refuse(r, rc) ? AS_OK : rc;
}

/* The id of an assessment the import creates: id (an item's or a test's identifier, or its
 * resource's) after the prefix when there is one; an id the caller named (opts->id) as it is. */
static const char *s_assessment_id(const s_run_t *r, const char *id, char *buf, size_t cap)
{
    if (!id || id == r->opts->id || !r->opts->prefix) return id;
    snprintf(buf, cap, "%s%s", r->opts->prefix, id); /* too long: the compiler says so */
    return buf;
}

/* One file: an item or a test (aid: its assessment id, NULL for its identifier). */
static as_code_t s_file(s_run_t *r, const s_file_t *f, const char *aid, bool must)
{
    s_where(&r->x, r->fs, f->name);
    xmlDocPtr doc = qx_parse(&r->x, f->data, f->len);
    if (!doc) return r->x.err->code;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    as_code_t rc = AS_OK;
    char buf[512];
    if (qx_is(root, "assessmentItem")) {
        const char *id =
            s_assessment_id(r, aid ? aid : qx_attr(root, "identifier"), buf, sizeof buf);
        rc = id ? s_emit_item(r, f->name, root, id) : qx_fail(&r->x, root, "no identifier");
    } else if (qx_is(root, "assessmentTest")) {
        const char *id =
            s_assessment_id(r, aid ? aid : qx_attr(root, "identifier"), buf, sizeof buf);
        rc = id ? s_emit_test(r, f->name, root, id) : qx_fail(&r->x, root, "no identifier");
    } else if (must) {
        rc = qx_fail(&r->x, root, "is neither an assessmentItem nor an assessmentTest");
    }
    xmlFreeDoc(doc);
    return rc;
}

/* A manifest resource of QTI: its node, file, and for an item its identifier. */
typedef struct {
    xmlNodePtr node;
    char path[512];
    char item_id[128];
    bool item;
} s_res_t;

/* Order of resources by item identifier (items first), for finding those that share one. */
static int s_res_cmp(const void *x, const void *y, void *arg)
{
    const s_res_t *all = arg, *a = &all[*(const uint32_t *)x], *b = &all[*(const uint32_t *)y];
    if (a->item != b->item) return a->item ? -1 : 1;
    return strcmp(a->item_id, b->item_id);
}

/* imsmanifest.xml: every item and test resource; items whose identifiers repeat take their
 * resource identifiers. */
static as_code_t s_manifest(s_run_t *r, const s_file_t *mf)
{
    s_where(&r->x, r->fs, mf->name);
    xmlDocPtr doc = qx_parse(&r->x, mf->data, mf->len);
    if (!doc) return r->x.err->code;
    xmlNodePtr res = qx_child(xmlDocGetRootElement(doc), "resources");
    as_code_t rc = AS_OK;
    /* first pass: item identifiers, to find the ones several resources share */
    enum { CAP = AS_QTI_MAX_FILES };
    uint32_t cap = 0;
    for (xmlNodePtr c = qx_first(res); c; c = qx_next(c))
        cap += qx_is(c, "resource") && cap < CAP;
    s_res_t *all = calloc(cap ? cap : 1, sizeof *all);
    uint32_t n = 0;
    if (!all) rc = as_err_set(r->x.err, AS_INTERNAL, "out of memory");
    for (xmlNodePtr c = qx_first(res); c && !rc; c = qx_next(c)) {
        if (!qx_is(c, "resource")) continue;
        const char *type = qx_attr(c, "type"), *href = qx_attr(c, "href");
        bool item = type && strncmp(type, "imsqti_item", 11) == 0;
        bool test = type && strncmp(type, "imsqti_test", 11) == 0;
        if (!item && !test) continue;
        if (n == cap) break;
        s_res_t *e = &all[n];
        e->node = c;
        e->item = item;
        if (!href || !s_resolve(mf->name, href, e->path, sizeof e->path) ||
            !s_find(r->fs, e->path)) {
            s_where(&r->x, r->fs, mf->name);
            rc =
                qx_fail(&r->x, c, "href \"%s\" points at no file of the package", href ? href : "");
            if (s_refuse(r, rc)) rc = AS_OK;
            continue;
        }
        if (item) {
            const s_file_t *f = s_find(r->fs, e->path);
            s_where(&r->x, r->fs, e->path);
            xmlDocPtr d = qx_parse(&r->x, f->data, f->len);
            if (!d) {
                rc = r->x.err->code;
                if (s_refuse(r, rc)) rc = AS_OK;
                continue;
            }
            const char *iid = qx_attr(xmlDocGetRootElement(d), "identifier");
            snprintf(e->item_id, sizeof e->item_id, "%s", iid ? iid : "");
            xmlFreeDoc(d);
        }
        n++;
    }
    /* items sharing an identifier: sorted by it, neighbours compared */
    uint32_t *order = rc ? NULL : malloc((n ? n : 1) * sizeof *order);
    bool *shared = rc ? NULL : calloc(n ? n : 1, sizeof *shared);
    if (!rc && (!order || !shared)) rc = as_err_set(r->x.err, AS_INTERNAL, "out of memory");
    for (uint32_t i = 0; i < n && !rc; i++)
        order[i] = i;
    if (!rc) qsort_r(order, n, sizeof *order, s_res_cmp, all);
    for (uint32_t i = 1; i < n && !rc; i++) {
        s_res_t *a = &all[order[i - 1]], *b = &all[order[i]];
        if (a->item && b->item && strcmp(a->item_id, b->item_id) == 0)
            shared[order[i - 1]] = shared[order[i]] = true;
    }
    for (uint32_t i = 0; i < n && !rc; i++) {
        /* shared: each takes its resource's identifier */
        const char *aid = shared[i] ? qx_attr(all[i].node, "identifier") : NULL;
        rc = s_package_file(r, s_find(r->fs, all[i].path), aid, true);
    }
    free(order);
    free(shared);
    free(all);
    xmlFreeDoc(doc);
    return rc;
}

static bool s_is_zip(const uint8_t *data, size_t len)
{
    return len >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;
}

as_code_t as_qti_import(const uint8_t *data, size_t len, const as_qti_opts_t *opts,
                        msgpack_sbuffer *out, msgpack_sbuffer *refused, as_err_t *err)
{
    s_files_t fs = {0};
    snprintf(fs.upload, sizeof fs.upload, "%s", opts->name ? opts->name : "upload");
    qb_t refusals;
    qb_init(&refusals);
    s_run_t r = {.opts = opts, .fs = &fs, .refused = refused ? &refusals : NULL};
    r.x.opts = opts;
    r.x.err = err;
    qb_init(&r.out);
    as_code_t rc = AS_OK;
    if (s_is_zip(data, len)) {
        fs.zipped = true;
        rc = s_unzip(data, len, &fs, err);
        const s_file_t *mf = rc ? NULL : s_find(&fs, "imsmanifest.xml");
        if (!rc && opts->root) {
            const s_file_t *f = s_find(&fs, opts->root);
            rc = f ? s_package_file(&r, f, opts->id, true)
                   : as_err_set(err, AS_BAD_REQUEST, "%s: no file \"%s\" in it", fs.upload,
                                opts->root);
        } else if (!rc && mf) {
            rc = s_manifest(&r, mf);
        } else {
            for (size_t i = 0; i < fs.n && !rc; i++) {
                size_t l = strlen(fs.f[i].name);
                if (l > 4 && strcmp(fs.f[i].name + l - 4, ".xml") == 0)
                    rc = s_package_file(&r, &fs.f[i], NULL, false);
            }
        }
    } else {
        s_file_t one = {.name = fs.upload, .data = (uint8_t *)data, .len = len};
        rc = s_file(&r, &one, opts->id, true);
    }
    if (!rc && r.n == 0 && r.n_refused == 0)
        rc = as_err_set(err, AS_BAD_REQUEST, "%s: no assessmentItem or assessmentTest in it",
                        fs.upload);
    if (!rc) {
        msgpack_packer pk;
        msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
        msgpack_pack_array(&pk, r.n);
        msgpack_sbuffer_write(out, r.out.sb.data, r.out.sb.size);
        if (refused) {
            msgpack_packer_init(&pk, refused, msgpack_sbuffer_write);
            msgpack_pack_array(&pk, r.n_refused);
            msgpack_sbuffer_write(refused, refusals.sb.data, refusals.sb.size);
        }
    }
    qb_destroy(&refusals);
    qb_destroy(&r.out);
    if (fs.zipped) s_files_free(&fs);
    return rc;
}
