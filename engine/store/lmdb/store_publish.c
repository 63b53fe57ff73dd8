/* store_publish.c — the published tables (published.h): DATA/tables/, a copy of the `tables`
 * database in an LMDB environment of its own, for libassay's local scorer in other processes.
 *
 * It is derived data, brought to the data environment's committed state by one mechanism: a
 * merge of the two key orders that copies a table whose size or header (magic, format, version:
 * a version is never given twice to an id) differs and deletes what the store no longer has. It
 * runs in each write transaction that changed a table, just before its commit, reading what the
 * transaction will commit: so a table is published no later than the engine's readers see it (the
 * writer's reply to a put, and a worker's answer on another engine after its follower's copy,
 * come after it). A commit that then fails is repaired at once by a run from the committed state.
 * It also runs at open, and after a failed run at a commit a second or more later. */
#include "store_int.h"

#include "log.h"
#include "published.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double s_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool as_lmdb_publish_due(as_store_t *s)
{
    return s->publish_stale && s_now_s() - s->publish_at_s >= 1.0;
}

/* Creates path with mode, exactly (the umask around it); states the mode again when it exists. A
 * directory keeps the setgid bit it inherits (a data directory set up for a group of readers:
 * then what is made in it is that group's too). */
static int s_create(const char *path, mode_t mode, bool dir)
{
    mode_t old = umask((mode_t)(~mode & 0777));
    int rc = 0;
    if (dir) {
        if (mkdir(path, mode) && errno != EEXIST) rc = -1;
    } else {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, mode);
        if (fd < 0)
            rc = -1;
        else
            close(fd);
    }
    umask(old);
    struct stat st;
    if (rc || stat(path, &st)) return -1;
    return chmod(path, mode | (dir ? (st.st_mode & S_ISGID) : 0));
}

static int s_env_open(as_store_t *s, const char *path)
{
    char f[4300];
    int rc = mdb_env_create(&s->pub_env);
    if (!rc) rc = mdb_env_set_maxreaders(s->pub_env, 1024);
    if (!rc) rc = mdb_env_set_mapsize(s->pub_env, AS_PUBLISHED_MAP);
    snprintf(f, sizeof f, "%s/data.mdb", path);
    if (!rc && s_create(f, AS_PUBLISHED_DATA_MODE, false)) rc = errno;
    snprintf(f, sizeof f, "%s/lock.mdb", path);
    if (!rc && s_create(f, AS_PUBLISHED_LOCK_MODE, false)) rc = errno;
    if (!rc) rc = mdb_env_open(s->pub_env, path, 0, AS_PUBLISHED_LOCK_MODE);
    MDB_txn *txn = NULL;
    if (!rc) rc = mdb_txn_begin(s->pub_env, NULL, 0, &txn);
    if (!rc) rc = mdb_dbi_open(txn, NULL, 0, &s->pub_dbi);
    if (!rc)
        rc = mdb_txn_commit(txn);
    else if (txn)
        mdb_txn_abort(txn);
    if (rc && s->pub_env) {
        mdb_env_close(s->pub_env);
        s->pub_env = NULL;
    }
    return rc;
}

as_code_t as_lmdb_publish_open(as_store_t *s, const char *dir, as_err_t *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, AS_PUBLISHED_DIR);
    if (s_create(path, AS_PUBLISHED_DIR_MODE, true))
        return as_err_set(err, AS_INTERNAL, "cannot create %s: %s", path, strerror(errno));
    int rc = s_env_open(s, path);
    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH || rc == MDB_CORRUPTED) {
        /* derived data: made again from the store */
        AS_LOG(AS_LOG_WARN, "%s: %s; making it again from the data environment", path,
               mdb_strerror(rc));
        char f[4300];
        snprintf(f, sizeof f, "%s/data.mdb", path);
        unlink(f);
        snprintf(f, sizeof f, "%s/lock.mdb", path);
        unlink(f);
        rc = s_env_open(s, path);
    }
    if (rc)
        return as_err_set(err, AS_INTERNAL, "cannot open the published tables in %s: %s", path,
                          rc > 0 ? strerror(rc) : mdb_strerror(rc));
    return as_lmdb_publish(s, err);
}

void as_lmdb_publish_close(as_store_t *s)
{
    if (s->pub_env) mdb_env_close(s->pub_env);
    s->pub_env = NULL;
}

/* Whether the published value pv is out of date against the store's sv. */
static bool s_differs(const MDB_val *sv, const MDB_val *pv)
{
    size_t head = 3 * sizeof(uint32_t); /* magic, format, version */
    if (sv->mv_size != pv->mv_size) return true;
    return memcmp(sv->mv_data, pv->mv_data, sv->mv_size < head ? sv->mv_size : head) != 0;
}

/* One merge of the store's tables (read in from) into the published ones, in one transaction. */
static int s_merge(as_store_t *s, MDB_txn *from, uint32_t *changed)
{
    MDB_txn *to;
    MDB_cursor *a = NULL, *b = NULL;
    MDB_val ka, va, kb, vb;
    int rc = mdb_txn_begin(s->pub_env, NULL, 0, &to);
    if (rc) return rc;
    if (!(rc = mdb_cursor_open(from, s->tables, &a))) rc = mdb_cursor_open(to, s->pub_dbi, &b);
    if (rc) goto done;
    int ra = mdb_cursor_get(a, &ka, &va, MDB_FIRST);
    int rb = mdb_cursor_get(b, &kb, &vb, MDB_FIRST);
    while (!rc && (ra == 0 || rb == 0)) {
        if ((ra && ra != MDB_NOTFOUND) || (rb && rb != MDB_NOTFOUND)) {
            rc = ra && ra != MDB_NOTFOUND ? ra : rb;
            break;
        }
        int cmp = ra ? 1 : rb ? -1 : mdb_cmp(to, s->pub_dbi, &ka, &kb);
        if (cmp > 0) { /* published, gone from the store */
            /* after a delete, LMDB's MDB_NEXT gives the key that followed the deleted one */
            if (!(rc = mdb_cursor_del(b, 0))) rb = mdb_cursor_get(b, &kb, &vb, MDB_NEXT);
            (*changed)++;
            continue;
        }
        if (cmp < 0 || s_differs(&va, &vb)) {
            /* a put through b leaves it at ka: its next is the next published key */
            if (!(rc = mdb_cursor_put(b, &ka, &va, 0))) rb = mdb_cursor_get(b, &kb, &vb, MDB_NEXT);
            (*changed)++;
        } else {
            rb = mdb_cursor_get(b, &kb, &vb, MDB_NEXT);
        }
        ra = mdb_cursor_get(a, &ka, &va, MDB_NEXT);
    }
done:
    if (a) mdb_cursor_close(a);
    if (b) mdb_cursor_close(b);
    if (rc || !*changed) {
        mdb_txn_abort(to);
        return rc;
    }
    return mdb_txn_commit(to);
}

as_code_t as_lmdb_publish_from(as_store_t *s, MDB_txn *from, as_err_t *err)
{
    uint32_t changed = 0;
    int rc = 0;
    for (int tries = 0; tries < 8; tries++) {
        changed = 0;
        rc = s_merge(s, from, &changed);
        if (rc != MDB_MAP_FULL) break;
        MDB_envinfo info;
        mdb_env_info(s->pub_env, &info);
        if ((rc = mdb_env_set_mapsize(s->pub_env, info.me_mapsize * 2))) break;
    }
    s->publish_stale = rc != 0;
    s->publish_at_s = s_now_s();
    if (rc)
        return as_err_set(err, AS_INTERNAL, "publishing the tables: %s",
                          rc > 0 ? strerror(rc) : mdb_strerror(rc));
    return AS_OK;
}

as_code_t as_lmdb_publish(as_store_t *s, as_err_t *err)
{
    MDB_txn *from = NULL;
    /* a write transaction to read from: the thread holds no reader slot for it */
    int rc = mdb_txn_begin(s->env, NULL, 0, &from);
    if (rc) {
        s->publish_stale = true;
        s->publish_at_s = s_now_s();
        return as_err_set(err, AS_INTERNAL, "publishing the tables: %s", mdb_strerror(rc));
    }
    as_code_t code = as_lmdb_publish_from(s, from, err);
    mdb_txn_abort(from);
    return code;
}
