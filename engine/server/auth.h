/* auth.h — CURVE on assayd's tcp sockets: the ZAP handler with its allow-lists (auth.c). */
#ifndef AS_AUTH_H
#define AS_AUTH_H

#include <stddef.h>

typedef struct as_auth as_auth_t;

/* Starts the ZAP handler in zctx: clients of the "engine" domain are allowed when their public
 * certificate is in engine_dir, of the "admin" domain when in admin_dir (either may be NULL:
 * nobody). NULL with the reason in err. */
as_auth_t *as_auth_start(void *zctx, const char *engine_dir, const char *admin_dir, char *err,
                         size_t n);
/* Joins the handler (after the context's shutdown) and frees it. */
void as_auth_stop(as_auth_t **a_p);
/* Makes sock a CURVE server with the secret key of certificate secret_file, in ZAP domain
 * `domain` (the handler must be running: as_auth_start). -1 with the reason in err. */
int as_auth_server(void *sock, const char *secret_file, const char *domain, char *err, size_t n);

#endif
