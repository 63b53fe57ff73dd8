/* cli_fixture.h — the CLI's integration tests (test_cli.c; knowledge tracing: test_cli_kt.c): a
 * real assayd, and the assay CLI run against it. */
#ifndef AS_CLI_FIXTURE_H
#define AS_CLI_FIXTURE_H

#include "harness.h"

extern h_engine_t cli_e;
extern char *cli_out, *cli_err; /* the last run's stdout and stderr */

/* Group setup and teardown: the engine. */
int cli_up(void **state);
int cli_down(void **state);
/* Runs `assay -d DIR <args>` (with `input` on stdin when not NULL; from the examples' folder);
 * returns the exit status and leaves stdout and stderr in cli_out and cli_err. */
int cli_assay(const char *input, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
