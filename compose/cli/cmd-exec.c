/* SPDX-License-Identifier: GPL-2.0-or-later */
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

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] exec [-i] [-t|-T] [-d] [-e KEY=VALUE]... [-w DIR] [-u USER]\n"
	       "                                       [--index N] SERVICE COMMAND [ARG...]\n\n"
	       "Run COMMAND inside a running container: in all its namespaces and its\n"
	       "cgroup, with its environment and capabilities. The exit status is COMMAND's.\n"
	       "When stdin is a terminal COMMAND gets a pseudo-terminal of the container\n"
	       "(an interactive `ncompose exec r1 sh` works, window size included);\n"
	       "otherwise its stdin, stdout and stderr are pipes that ncompose relays, and\n"
	       "signals sent to ncompose (^C) are passed on. COMMAND never holds this\n"
	       "terminal or any descriptor of the caller, and runs in a session of its own.\n\n"
	       "  -i, --interactive    keep stdin open (always so; accepted as Docker spells it)\n"
	       "  -t, --tty            allocate a pseudo-terminal even when stdin is not one\n"
	       "  -T, --no-TTY         never allocate one (plain pipes, for scripts)\n"
	       "  -e, --env KEY=VALUE  set an environment variable (repeatable)\n"
	       "  -w, --workdir DIR    working directory inside the container (default: the\n"
	       "                       service's working_dir, else /)\n"
	       "  -u, --user USER[:GROUP]  run as this user, by name or number, looked up in\n"
	       "                       the container's /etc/passwd (default: the service's\n"
	       "                       `user`, else root)\n"
	       "  -d, --detach         start COMMAND in the background (stdio: /dev/null)\n"
	       "                       and exit once it runs\n"
	       "      --index N        the container of the service (one per service: 1)\n"
	       "      --privileged     refused: COMMAND gets the container's capabilities\n"
	       "                       (give the service `privileged: true` or `cap_add`)\n"
	       "  -h, --help           this help\n");
}

int cli_exec(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "tty", no_argument, NULL, 't' },
		{ "no-TTY", no_argument, NULL, 'T' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "detach", no_argument, NULL, 'd' },
		{ "index", required_argument, NULL, 'I' },
		{ "privileged", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	_cleanup_free_ const char **extra_env = calloc((size_t)argc + 1, sizeof(char *));
	size_t n_extra = 0;
	const char *cwd = NULL, *user = NULL;
	int tty = isatty(STDIN_FILENO) ? 1 : 0;
	bool detach = false;
	int c;

	if (!extra_env)
		return cli_failf(NC_EXIT_FAILURE, "exec: out of memory");
	/* "+": options after SERVICE belong to COMMAND. */
	while ((c = getopt_long(argc, argv, "+e:w:u:tTidh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			tty = 1;
			break;
		case 'T':
			tty = 0;
			break;
		case 'i':
			break; /* stdin is always relayed, as Docker's -i asks */
		case 'd':
			detach = true;
			break;
		case 'I': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v != 1)
				return cli_failf(NC_EXIT_USAGE,
						 "exec: --index %s: a service has one container here (index 1)", optarg);
			break;
		}
		case 'P':
			return cli_failf(NC_EXIT_USAGE,
					 "exec: --privileged is refused: a command gets its container's capabilities; "
					 "give the service `privileged: true` or `cap_add` instead");
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return cli_failf(NC_EXIT_USAGE, "exec: -e wants KEY=VALUE, not `%s`", optarg);
			extra_env[n_extra++] = optarg;
			break;
		case 'w':
			cwd = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "exec: unknown option; see `ncompose exec --help`");
		}
	}
	if (argc - optind < 2)
		return cli_failf(NC_EXIT_USAGE, "exec: give a service and a command, e.g. `ncompose exec r1 ip addr`");
	const char *service = argv[optind];

	struct nc_project proj;
	struct nc_paths paths;
	struct nc_state *st = NULL;
	struct nc_container_info ci = { 0 };
	struct nc_exec x = { 0 };
	bool usage;
	nc_err err;
	int code, status = 0;

	if (nc_project_open(&g->proj, 0, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&paths);
	if (nc_state_open(paths.state_root, proj.name, NC_STATE_READ, &st, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	if (!st) {
		code = cli_failf(NC_EXIT_FAILURE, "exec: project `%s` is not up", proj.name);
		goto out;
	}
	if (nc_info_read(st, service, &ci, &err) < 0) {
		code = err.errnum == ENOENT
			       ? cli_failf(NC_EXIT_FAILURE, "exec: no container `%s` in project `%s`", service, proj.name)
			       : cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	struct nc_exec_opts eo = {
		.argv = (const char *const *)argv + optind + 1, .extra_env = extra_env, .n_extra = n_extra,
		.cwd = cwd, .user = user,
	};
	if (nc_exec_prepare(&paths, &ci, &eo, &x, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	if (detach) {
		if (nc_exec_detach(&x, &err) < 0) {
			int rc = err.errnum == ENOENT			       ? 127
				 : err.errnum == EACCES || err.errnum == ENOEXEC ? 126
										 : NC_EXIT_FAILURE;
			code = cli_fail(rc, &err);
		} else {
			code = NC_EXIT_OK;
		}
		goto out;
	}
	if (nc_exec_run(&x, tty, cli_tty_relay, &status, &err) < 0) {
		/* As a shell (and `docker exec`) reports a command it could
		 * not run: 127 not found, 126 found but not executable. */
		int rc = err.errnum == ENOENT			       ? 127
			 : err.errnum == EACCES || err.errnum == ENOEXEC ? 126
									 : NC_EXIT_FAILURE;
		code = cli_fail(rc, &err);
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
