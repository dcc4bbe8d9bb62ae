/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stop, start, restart SERVICE...: asked of the project's supervisor, which
 * owns the containers' lives (a stopped container is not restarted by its
 * policy; start brings it back in its own network namespace). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/cli/cli.h"
#include "compose/lifecycle/control.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"

static int run(const struct cli_global *g, int argc, char **argv, const char *verb,
	       const char *what)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: ncompose [-f FILE] [-p PROJECT] %s SERVICE...\n\n%s\n\n"
			       "  -h, --help  this help\n",
			       verb, what);
			return NC_EXIT_OK;
		}
		return cli_failf(NC_EXIT_USAGE, "%s: unknown option; see `ncompose %s --help`", verb, verb);
	}
	if (optind >= argc)
		return cli_failf(NC_EXIT_USAGE, "%s: name at least one service", verb);

	struct nc_project proj;
	struct nc_paths paths;
	struct nc_records reply;
	char dir[4096];
	bool usage;
	nc_err err;

	if (nc_project_open(&g->proj, 0, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&paths);
	int code = NC_EXIT_OK;
	_cleanup_strbuf_ struct nc_strbuf req = NC_STRBUF_INIT;
	const char *f[64];
	size_t n = 0;
	f[n++] = verb;
	for (int i = optind; i < argc && n < NC_ELEMENTSOF(f); i++)
		f[n++] = argv[i];
	nc_record_append(&req, f, n);
	if (nc_pathf(dir, sizeof(dir), "%s/%s", paths.state_root, proj.name) < 0) {
		code = cli_failf(NC_EXIT_FAILURE, "%s: project name too long", verb);
	} else if (nc_control_call(dir, req.s, req.len, 120000, &reply, &err) < 0) {
		if (err.errnum == ENOENT || err.errnum == ECONNREFUSED)
			code = cli_failf(NC_EXIT_FAILURE,
					 "%s: project `%s` has no supervisor running (is it up? `ncompose up -d` starts one)",
					 verb, proj.name);
		else
			code = cli_fail(NC_EXIT_FAILURE, &err);
	} else {
		nc_records_free(&reply);
	}
	nc_project_close(&proj);
	return code;
}

int cli_stop(const struct cli_global *g, int argc, char **argv)
{
	return run(g, argc, argv, "stop",
		   "Stop services: each gets its stop_signal (default SIGTERM), then SIGKILL after\n"
		   "its stop_grace_period (default 10 s). Their network namespaces stay; a\n"
		   "stopped service is not restarted by its restart policy.");
}

int cli_start(const struct cli_global *g, int argc, char **argv)
{
	return run(g, argc, argv, "start",
		   "Start services that are stopped, exited or were left out by `up SERVICE...`,\n"
		   "in their existing network namespaces.");
}

int cli_restart(const struct cli_global *g, int argc, char **argv)
{
	return run(g, argc, argv, "restart", "Stop, then start services (see `stop`).");
}
