/* test_curve.c — assayd on tcp: binding anything but loopback needs CURVE; with CURVE, only
 * clients whose public certificate is in the socket's allow-list get in (no key, an unknown key and
 * plain-text clients are refused), and an engine-socket key cannot call admin methods nor reach
 * the admin socket. Certificates come from `assay keygen`, as an operator makes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static h_engine_t s_e;
static char s_keys[128], s_ep[64], s_admin_ep[64];
static char s_err[4096];

static void s_keygen(const char *name)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' keygen '%s/%s' >/dev/null", getenv("ASSAY_CLI"), s_keys, name);
    assert_int_equal(system(cmd), 0);
}

static int s_up(void **state)
{
    snprintf(s_keys, sizeof s_keys, "/tmp/assay-keys-XXXXXX");
    assert_non_null(mkdtemp(s_keys));
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir '%s/clients' '%s/admins'", s_keys, s_keys);
    assert_int_equal(system(cmd), 0);
    const char *names[] = {"server", "app", "admin", "stranger"};
    for (int i = 0; i < 4; i++)
        s_keygen(names[i]);
    snprintf(cmd, sizeof cmd, "cp '%s/app' '%s/clients/' && cp '%s/admin' '%s/admins/'", s_keys,
             s_keys, s_keys, s_keys);
    assert_int_equal(system(cmd), 0);
    int port = 20000 + (int)(getpid() % 20000);
    char tcp[40], admin_tcp[40], secret[200], clients[200], admins[200];
    snprintf(tcp, sizeof tcp, "127.0.0.1:%d", port);
    snprintf(admin_tcp, sizeof admin_tcp, "127.0.0.1:%d", port + 1);
    snprintf(s_ep, sizeof s_ep, "tcp://%s", tcp);
    snprintf(s_admin_ep, sizeof s_admin_ep, "tcp://%s", admin_tcp);
    snprintf(secret, sizeof secret, "%s/server_secret", s_keys);
    snprintf(clients, sizeof clients, "%s/clients", s_keys);
    snprintf(admins, sizeof admins, "%s/admins", s_keys);
    h_start(&s_e, "--tcp", tcp, "--admin-tcp", admin_tcp, "--curve-secret", secret,
            "--curve-clients", clients, "--curve-admin-clients", admins, NULL);
    return 0;
}

static int s_down(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_keys);
    if (system(cmd)) return 1;
    return h_cleanup(&s_e);
}

/* A tcp connection with the client certificate `who` (NULL: plain), calling method; returns the
 * libassay code, the engine's error code in err when it answered one. */
static int s_call(const char *ep, const char *who, const char *method, const char *params,
                  char *err, size_t n)
{
    char cert[200], server[200];
    snprintf(cert, sizeof cert, "%s/%s_secret", s_keys, who ? who : "");
    snprintf(server, sizeof server, "%s/server", s_keys);
    assay_options_t o = {.timeout_ms = 1000,
                         .curve_cert = who ? cert : NULL,
                         .curve_server_key = who ? server : NULL};
    assay_t *c;
    int rc = assay_open(&c, ep, &o);
    if (rc) return rc;
    assay_reply_t *r = NULL;
    rc = h_call(c, method, params, &r);
    err[0] = '\0';
    if (rc == ASSAY_EREPLY) snprintf(err, n, "%s", assay_reply_code(r));
    assay_reply_free(&r);
    assay_close(&c);
    return rc;
}

static void an_allowed_key_is_served(void **state)
{
    assert_int_equal(s_call(s_ep, "app", "ping", "{}", s_err, sizeof s_err), ASSAY_OK);
    assert_int_equal(s_call(s_admin_ep, "admin", "ping", "{}", s_err, sizeof s_err), ASSAY_OK);
}

static void no_key_unknown_keys_and_plain_text_are_refused(void **state)
{
    assert_int_equal(s_call(s_ep, NULL, "ping", "{}", s_err, sizeof s_err), ASSAY_ETIMEOUT);
    assert_int_equal(s_call(s_ep, "stranger", "ping", "{}", s_err, sizeof s_err), ASSAY_ETIMEOUT);
    assert_int_equal(s_call(s_admin_ep, NULL, "ping", "{}", s_err, sizeof s_err), ASSAY_ETIMEOUT);
    char *log = h_slurp(s_e.log);
    assert_non_null(strstr(log, "auth: refused a client (key "));
    free(log);
}

static void an_engine_key_cannot_reach_admin_methods_or_the_admin_socket(void **state)
{
    assert_int_equal(s_call(s_ep, "app", "assessment.delete", "{'id':'x'}", s_err, sizeof s_err),
                     ASSAY_EREPLY);
    assert_string_equal(s_err, "forbidden");
    assert_int_equal(s_call(s_admin_ep, "app", "ping", "{}", s_err, sizeof s_err), ASSAY_ETIMEOUT);
    assert_int_equal(
        s_call(s_admin_ep, "admin", "assessment.delete", "{'id':'x'}", s_err, sizeof s_err),
        ASSAY_EREPLY);
    assert_string_equal(s_err, "not_found"); /* allowed: there is just no such assessment */
}

static void a_secret_certificate_is_needed_on_each_side(void **state)
{
    /* a public certificate alone (czmq would read NAME_secret beside NAME: there is none here) */
    char pub_as_secret[200], server[200];
    snprintf(pub_as_secret, sizeof pub_as_secret, "%s/clients/app", s_keys);
    snprintf(server, sizeof server, "%s/clients/app", s_keys);
    char real_server[200];
    snprintf(real_server, sizeof real_server, "%s/server", s_keys);
    assay_options_t o = {.curve_cert = pub_as_secret, .curve_server_key = real_server};
    assay_t *c;
    assert_int_equal(assay_open(&c, s_ep, &o), ASSAY_EINVAL);
    const char *args[] = {"-d",   "/tmp/assay-never", "--tcp", "127.0.0.1:1", "--curve-secret",
                          server, "--curve-clients",  s_keys,  NULL};
    assert_int_equal(h_run_assayd(args, s_err, sizeof s_err), 1);
    char want[400];
    snprintf(want, sizeof want, "%s: the certificate has no secret key (give NAME_secret)",
             pub_as_secret);
    assert_non_null(strstr(s_err, want));
}

static void binding_beyond_loopback_needs_curve(void **state)
{
    const char *args[] = {"-d", "/tmp/assay-never", "--tcp", "0.0.0.0:7700", NULL};
    assert_int_equal(h_run_assayd(args, s_err, sizeof s_err), 1);
    assert_string_equal(s_err, "assayd: --tcp 0.0.0.0:7700: binding anything but loopback needs "
                               "CURVE: give --curve-secret and --curve-clients\n");
    char secret[200];
    snprintf(secret, sizeof secret, "%s/server_secret", s_keys);
    const char *no_list[] = {
        "-d", "/tmp/assay-never", "--admin-tcp", "0.0.0.0:7701", "--curve-secret", secret, NULL};
    assert_int_equal(h_run_assayd(no_list, s_err, sizeof s_err), 1);
    assert_string_equal(s_err, "assayd: --admin-tcp with --curve-secret needs "
                               "--curve-admin-clients (the clients allowed)\n");
    system("rm -rf /tmp/assay-never");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(an_allowed_key_is_served),
        cmocka_unit_test(no_key_unknown_keys_and_plain_text_are_refused),
        cmocka_unit_test(an_engine_key_cannot_reach_admin_methods_or_the_admin_socket),
        cmocka_unit_test(a_secret_certificate_is_needed_on_each_side),
        cmocka_unit_test(binding_beyond_loopback_needs_curve),
    };
    return cmocka_run_group_tests(tests, s_up, s_down);
}
