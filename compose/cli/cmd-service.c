/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stop, start, restart [SERVICE...] (none: all): asked of the project's supervisor, which
 * owns the containers' lives (a stopped container is not restarted by its
 * policy; start brings it back in its own network namespace). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool timed = strcmp(verb, "start") != 0; /* as Compose: start has no -t */
	unsigned grace_ms = 0;                   /* each service's stop_grace_period */
	int c;

	while ((c = getopt_long(argc, argv, timed ? "t:h" : "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: ncompose [-f FILE] [-p PROJECT] %s%s [SERVICE...]\n\n%s\n"
			       "With no SERVICE, every service of the project.\n\n"
			       "%s"
			       "  -h, --help  this help\n",
			       verb, timed ? " [-t SECONDS]" : "", what,
			       timed ? "  -t, --timeout SECONDS  grace period between the stop signal and SIGKILL\n"
				       "                         (default: each service's stop_grace_period, else 10)\n"
				     : "");
			return NC_EXIT_OK;
		}
		if (c == 't' && timed) {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || !*optarg || *end || optarg[0] == '-' || v > 3600)
				return cli_failf(NC_EXIT_USAGE, "%s: --timeout wants seconds (0..3600), not `%s`", verb,
						 optarg);
			grace_ms = v ? (unsigned)v * 1000 : 1; /* 0 s: at once */
			continue;
		}
		return cli_failf(NC_EXIT_USAGE, "%s: unknown option; see `ncompose %s --help`", verb, verb);
	}

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
	if (grace_ms) {
		char ms[16];
		snprintf(ms, sizeof(ms), "%u", grace_ms);
		const char *gr[] = { "grace", ms };
		nc_record_append(&req, gr, 2);
	}
	if (nc_pathf(dir, sizeof(dir), "%s/%s", paths.state_root, proj.name) < 0) {
		code = cli_failf(NC_EXIT_FAILURE, "%s: project name too long", verb);
	} else if (nc_control_call(dir, req.s, req.len, 120000 + grace_ms, &reply, &err) < 0) {
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
