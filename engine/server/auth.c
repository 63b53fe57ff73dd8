/* auth.c — who may connect over tcp: the ZAP handler (ZeroMQ RFC 27) of assayd's CURVE sockets.
 *
 * The tcp sockets are CURVE servers with a ZAP domain each ("engine", "admin"); libzmq asks this
 * handler about every client's public key. A key is allowed when a certificate with it is in the
 * socket's allow-list directory (public certificates as `assay keygen` writes them, read with
 * czmq's zcert_load; the directory is read again when it changes, so adding or removing a client
 * needs no restart). czmq's zauth keeps one allow-list per process, and its zcertstore aborts the
 * process on a directory holding the same key twice (a certificate copied in twice, or NAME with
 * NAME_secret); two lists are needed here (an engine-socket key must not reach the admin socket)
 * and an operator's slip must not stop the engine, so the lists are kept here.
 */
#include "auth.h"

#include "log.h"

#include <czmq.h>
#include <dirent.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

/* An allow-list: the public keys of the certificates in a directory. */
typedef struct {
    const char *dir;
    struct timespec mtime; /* of the directory when it was read */
    uint8_t (*keys)[32];
    size_t n;
} s_list_t;

struct as_auth {
    void *zctx;
    s_list_t list[2]; /* engine, admin */
    pthread_t thread;
    void *rep;
};

/* (Re)reads the directory when it changed: every regular file that is a certificate. */
static void s_refresh(s_list_t *l)
{
    struct stat st;
    if (!l->dir || stat(l->dir, &st)) return;
    if (l->keys && st.st_mtim.tv_sec == l->mtime.tv_sec && st.st_mtim.tv_nsec == l->mtime.tv_nsec)
        return;
    DIR *d = opendir(l->dir);
    if (!d) return;
    size_t cap = 16, n = 0;
    uint8_t(*keys)[32] = malloc(cap * 32);
    struct dirent *ent;
    while (keys && (ent = readdir(d))) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", l->dir, ent->d_name);
        struct stat fs;
        if (ent->d_name[0] == '.' || stat(path, &fs) || !S_ISREG(fs.st_mode)) continue;
        zcert_t *cert = zcert_load(path);
        if (!cert) continue;
        if (n == cap) {
            uint8_t(*grown)[32] = realloc(keys, 2 * cap * 32);
            if (!grown) break;
            keys = grown;
            cap *= 2;
        }
        memcpy(keys[n++], zcert_public_key(cert), 32);
        zcert_destroy(&cert);
    }
    closedir(d);
    if (!keys) return;
    free(l->keys);
    l->keys = keys;
    l->n = n;
    l->mtime = st.st_mtim;
    AS_LOG(AS_LOG_INFO, "auth: %zu client certificate(s) allowed from %s", n, l->dir);
}

static bool s_allowed(s_list_t *l, const uint8_t *key)
{
    s_refresh(l);
    for (size_t i = 0; i < l->n; i++)
        if (memcmp(l->keys[i], key, 32) == 0) return true;
    return false;
}

static void *s_run(void *arg)
{
    as_auth_t *a = arg;
    for (;;) {
        zmq_msg_t f[8];
        int n = 0, more = 1;
        size_t ms = sizeof more;
        while (more && n < 8) {
            zmq_msg_init(&f[n]);
            if (zmq_msg_recv(&f[n], a->rep, 0) < 0) {
                zmq_msg_close(&f[n]);
                for (int i = 0; i < n; i++)
                    zmq_msg_close(&f[i]);
                return NULL; /* the context is shutting down */
            }
            n++;
            zmq_getsockopt(a->rep, ZMQ_RCVMORE, &more, &ms);
        }
        /* [version, request id, domain, address, identity, mechanism, credentials...] */
        const char *status = "400", *text = "denied";
        char domain[32] = "", key[41] = "";
        if (n >= 7 && zmq_msg_size(&f[0]) == 3 && memcmp(zmq_msg_data(&f[0]), "1.0", 3) == 0) {
            snprintf(domain, sizeof domain, "%.*s", (int)zmq_msg_size(&f[2]),
                     (const char *)zmq_msg_data(&f[2]));
            bool curve = zmq_msg_size(&f[5]) == 5 && memcmp(zmq_msg_data(&f[5]), "CURVE", 5) == 0;
            int which = strcmp(domain, "admin") == 0 ? 1 : strcmp(domain, "engine") == 0 ? 0 : -1;
            if (curve && which >= 0 && zmq_msg_size(&f[6]) == 32) {
                zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
                if (s_allowed(&a->list[which], zmq_msg_data(&f[6]))) {
                    status = "200";
                    text = "OK";
                }
            }
        }
        AS_LOG(AS_LOG_DEBUG, "auth: %s client %s on the %s socket",
               strcmp(status, "200") == 0 ? "allowed" : "refused", key[0] ? key : "(no key)",
               domain[0] ? domain : "?");
        if (strcmp(status, "200") != 0)
            AS_LOG(AS_LOG_WARN, "auth: refused a client (key %s) on the %s tcp socket",
                   key[0] ? key : "none", domain[0] ? domain : "?");
        /* [version, request id, status code, status text, user id, metadata] */
        zmq_send(a->rep, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(a->rep, n > 1 ? zmq_msg_data(&f[1]) : "", n > 1 ? zmq_msg_size(&f[1]) : 0,
                 ZMQ_SNDMORE);
        zmq_send(a->rep, status, 3, ZMQ_SNDMORE);
        zmq_send(a->rep, text, strlen(text), ZMQ_SNDMORE);
        zmq_send(a->rep, key, strlen(key), ZMQ_SNDMORE);
        zmq_send(a->rep, "", 0, 0);
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
}

as_auth_t *as_auth_start(void *zctx, const char *engine_dir, const char *admin_dir, char *err,
                         size_t n)
{
    as_auth_t *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->zctx = zctx;
    const char *dirs[2] = {engine_dir, admin_dir};
    for (int i = 0; i < 2; i++) {
        if (!dirs[i]) continue;
        struct stat st;
        if (stat(dirs[i], &st) || !S_ISDIR(st.st_mode)) {
            snprintf(err, n, "%s: not a directory of client certificates", dirs[i]);
            free(a);
            return NULL;
        }
        a->list[i].dir = dirs[i];
        s_refresh(&a->list[i]);
    }
    a->rep = zmq_socket(zctx, ZMQ_REP);
    int linger = 0;
    zmq_setsockopt(a->rep, ZMQ_LINGER, &linger, sizeof linger);
    if (!a->rep || zmq_bind(a->rep, "inproc://zeromq.zap.01") ||
        pthread_create(&a->thread, NULL, s_run, a)) {
        snprintf(err, n, "cannot start the authentication handler: %s", zmq_strerror(errno));
        if (a->rep) zmq_close(a->rep);
        free(a);
        return NULL;
    }
    return a;
}

void as_auth_stop(as_auth_t **a_p)
{
    as_auth_t *a = *a_p;
    if (!a) return;
    pthread_join(a->thread, NULL); /* ends when the context shuts down */
    zmq_close(a->rep);
    for (int i = 0; i < 2; i++)
        free(a->list[i].keys);
    free(a);
    *a_p = NULL;
}

int as_auth_server(void *sock, const char *secret_file, const char *domain, char *err, size_t n)
{
    err[0] = '\0';
    zcert_t *cert = zcert_load(secret_file);
    if (!cert) {
        snprintf(err, n,
                 "%s: not a certificate with a secret key (assay keygen writes NAME and "
                 "NAME_secret: give NAME_secret)",
                 secret_file);
        return -1;
    }
    const byte *secret = zcert_secret_key(cert);
    static const byte zero[32];
    int one = 1;
    int rc = memcmp(secret, zero, 32) == 0 ? -1 : 0;
    if (rc)
        snprintf(err, n, "%s: the certificate has no secret key (give NAME_secret)", secret_file);
    if (!rc)
        rc = zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) ||
                     zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret, 32) ||
                     zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain))
                 ? -1
                 : 0;
    if (rc && !err[0]) snprintf(err, n, "cannot enable CURVE: %s", zmq_strerror(errno));
    zcert_destroy(&cert);
    return rc;
}
