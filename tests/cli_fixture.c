/* cli_fixture.c — what the CLI's integration tests share (cli_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "cli_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

h_engine_t cli_e;
char *cli_out, *cli_err;

int cli_up(void **state)
{
    h_start(&cli_e, NULL);
    return 0;
}

int cli_down(void **state)
{
    int bad = h_cleanup(&cli_e);
    free(cli_out);
    free(cli_err);
    return bad;
}

/* Runs `assay -d DIR <args>` (with `input` on stdin when not NULL); returns the exit status and
 * leaves stdout and stderr in cli_out and cli_err. */
int cli_assay(const char *input, const char *fmt, ...)
{
    char args[1024], cmd[4096], out[300], err[300], in[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(out, sizeof out, "%s.out", cli_e.dir);
    snprintf(err, sizeof err, "%s.err", cli_e.dir);
    snprintf(in, sizeof in, "%s.in", cli_e.dir);
    FILE *f = fopen(in, "w");
    if (input) fputs(input, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' -d '%s' %s <'%s' >'%s' 2>'%s'",
             getenv("ASSAY_EXAMPLES"), getenv("ASSAY_CLI"), cli_e.dir, args, in, out, err);
    int status = system(cmd);
    free(cli_out);
    free(cli_err);
    cli_out = h_slurp(out);
    cli_err = h_slurp(err);
    unlink(out);
    unlink(err);
    unlink(in);
    return WEXITSTATUS(status);
}
