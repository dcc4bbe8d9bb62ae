/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line: global options, and one entry point per command. */
#ifndef NC_CLI_H
#define NC_CLI_H

#include <stdbool.h>

#include "common/error.h"
#include "compose/lifecycle/project.h"

enum {
	NC_EXIT_OK = 0,
	NC_EXIT_FAILURE = 1, /* a failure while acting */
	NC_EXIT_USAGE = 2,   /* bad usage or a bad file; nothing was changed */
};

/* Global options (before the command). */
struct cli_global {
	const char *arg_file;    /* the first -f */
	const char *arg_project; /* -p */
	bool arg_verbose;
	/* Every option about the project's files and name, for
	 * nc_project_open (-f..., -p, --project-directory, --env-file...). */
	struct nc_project_opts proj;
};

struct cli_command {
	const char *name;
	int (*run)(const struct cli_global *g, int argc, char **argv);
	const char *summary;
};

int cli_up(const struct cli_global *g, int argc, char **argv);
int cli_down(const struct cli_global *g, int argc, char **argv);
int cli_ps(const struct cli_global *g, int argc, char **argv);
int cli_exec(const struct cli_global *g, int argc, char **argv);
int cli_config(const struct cli_global *g, int argc, char **argv);
int cli_graph(const struct cli_global *g, int argc, char **argv);
int cli_stop(const struct cli_global *g, int argc, char **argv);
int cli_start(const struct cli_global *g, int argc, char **argv);
int cli_restart(const struct cli_global *g, int argc, char **argv);
int cli_test(const struct cli_global *g, int argc, char **argv);
int cli_capture(const struct cli_global *g, int argc, char **argv);
int cli_logs(const struct cli_global *g, int argc, char **argv);
int cli_inspect(const struct cli_global *g, int argc, char **argv);
int cli_pingall(const struct cli_global *g, int argc, char **argv);
int cli_stats(const struct cli_global *g, int argc, char **argv);
int cli_ls(const struct cli_global *g, int argc, char **argv);
int cli_top(const struct cli_global *g, int argc, char **argv);
int cli_port(const struct cli_global *g, int argc, char **argv);
int cli_cp(const struct cli_global *g, int argc, char **argv);
int cli_kill(const struct cli_global *g, int argc, char **argv);
int cli_pause(const struct cli_global *g, int argc, char **argv);
int cli_unpause(const struct cli_global *g, int argc, char **argv);
int cli_rm(const struct cli_global *g, int argc, char **argv);
int cli_wait(const struct cli_global *g, int argc, char **argv);
int cli_images(const struct cli_global *g, int argc, char **argv);
int cli_rmi(const struct cli_global *g, int argc, char **argv);
int cli_image(const struct cli_global *g, int argc, char **argv);
int cli_version(const struct cli_global *g, int argc, char **argv);
int cli_pull(const struct cli_global *g, int argc, char **argv);
int cli_build(const struct cli_global *g, int argc, char **argv);
int cli_events(const struct cli_global *g, int argc, char **argv);
int cli_link(const struct cli_global *g, int argc, char **argv);
int cli_import(const struct cli_global *g, int argc, char **argv);
int cli_run(const struct cli_global *g, int argc, char **argv);
int cli_vtysh(const struct cli_global *g, int argc, char **argv); /* also `birdc` */

/* One line on stderr: "ncompose: <msg>". Returns `code`. */
int cli_fail(int code, const nc_err *err);
int cli_failf(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Shared option handling: returns 1 when --help was printed. */
const char *cli_prog(void);

#endif
