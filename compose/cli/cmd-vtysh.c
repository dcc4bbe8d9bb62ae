/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `vtysh` (and `birdc`): the routing daemon's own shell inside a router
 * service, through exec's path. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "compose/cli/cli.h"
#include "compose/cli/tty.h"
#include "compose/lifecycle/container-exec.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"

static void help(const char *name)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] %s SERVICE [-c COMMAND]...\n\n"
	       "Run the routing daemon's shell inside a router service (one with\n"
	       "`router:` in the file): vtysh for FRR, birdc for BIRD (`vtysh` and\n"
	       "`birdc` are the same command and pick the right one). Without -c it is\n"
	       "interactive; each -c runs one command (vtysh takes several, birdc one)\n"
	       "and the exit status is the shell's. The shell is the host's own when\n"
	       "the service has no image: install frr or bird2 there.\n\n"
	       "  -c, --command CMD  run CMD and exit (repeatable for FRR)\n"
	       "  -h, --help         this help\n",
	       name);
}

static const struct nc_service *find_service(const struct nc_model *m, const char *name)
{
	for (size_t i = 0; m && i < m->n_services; i++)
		if (!strcmp(m->services[i].name, name))
			return &m->services[i];
	return NULL;
}

int cli_vtysh(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "command", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *name = argv[0];
	_cleanup_free_ const char **cmds = calloc((size_t)argc + 1, sizeof(char *));
	size_t n_cmds = 0;
	int c;

	if (!cmds)
		return cli_failf(NC_EXIT_FAILURE, "%s: out of memory", name);
	/* Options may follow SERVICE, as vtysh's own `-c` would. */
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cmds[n_cmds++] = optarg;
			break;
		case 'h':
			help(name);
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "%s: unknown option; see `ncompose %s --help`", name, name);
		}
	}
	if (argc - optind != 1)
		return cli_failf(NC_EXIT_USAGE, "%s: give one router service, e.g. `ncompose %s r1 -c 'show ip route'`",
				 name, name);
	const char *service = argv[optind];

	struct nc_project proj;
	struct nc_paths paths;
	struct nc_state *st = NULL;
	struct nc_container_info ci = { 0 };
	struct nc_exec x = { 0 };
	bool usage;
	nc_err err;
	int code, status = 0;
	_cleanup_free_ const char **shell = NULL;

	if (nc_project_open(&g->proj, NC_PROJECT_NEED_FILE, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	const struct nc_service *s = find_service(proj.model, service);
	if (!s) {
		code = cli_failf(NC_EXIT_USAGE, "%s: no service `%s` in project `%s`", name, service, proj.name);
		goto out;
	}
	if (!s->router.kind) {
		code = cli_failf(NC_EXIT_USAGE, "%s: service `%s` is not a router (give it `router: frr` or `router: bird`)",
				 name, service);
		goto out;
	}
	bool frr = s->router.kind == NC_ROUTER_FRR;
	const char *prog = frr ? "/usr/bin/vtysh" : "/usr/sbin/birdc";
	if (!frr && n_cmds > 1) {
		code = cli_failf(NC_EXIT_USAGE, "%s: birdc runs one command; give one -c", name);
		goto out;
	}
	/* A node without an image runs the host's programs: say what to
	 * install rather than exec's "not found". */
	if (!s->image && access(prog, X_OK) < 0) {
		code = cli_failf(NC_EXIT_FAILURE, "%s: %s is not on this host (%m): install %s", name, prog,
				 frr ? "frr" : "bird2");
		goto out;
	}
	if (!(shell = calloc(2 * n_cmds + 4, sizeof(*shell)))) {
		code = cli_failf(NC_EXIT_FAILURE, "%s: out of memory", name);
		goto out;
	}
	size_t k = 0;
	shell[k++] = prog;
	if (!frr) {
		shell[k++] = "-s";
		shell[k++] = "/run/bird/bird.ctl";
	}
	for (size_t i = 0; i < n_cmds; i++) {
		if (frr)
			shell[k++] = "-c";
		shell[k++] = cmds[i];
	}

	nc_paths_from_env(&paths);
	if (nc_state_open(paths.state_root, proj.name, NC_STATE_READ, &st, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	if (!st) {
		code = cli_failf(NC_EXIT_FAILURE, "%s: project `%s` is not up", name, proj.name);
		goto out;
	}
	if (nc_info_read(st, service, &ci, &err) < 0) {
		code = err.errnum == ENOENT
			       ? cli_failf(NC_EXIT_FAILURE, "%s: no container `%s` in project `%s`", name, service, proj.name)
			       : cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	struct nc_exec_opts eo = { .argv = shell };
	if (nc_exec_prepare(&paths, &ci, &eo, &x, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	if (nc_exec_run(&x, isatty(STDIN_FILENO) ? 1 : 0, cli_tty_relay, &status, &err) < 0) {
		code = cli_fail(err.errnum == ENOENT ? 127 : NC_EXIT_FAILURE, &err);
		goto out;
	}
	code = status;
out:
	nc_exec_release(&x);
	nc_info_free(&ci);
	nc_state_close(st);
	nc_project_close(&proj);
	return code;
}
