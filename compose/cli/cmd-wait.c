/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wait SERVICE...: until each named container has exited; its exit code
 * is printed, one line per service in the order named (as docker wait).
 * wait --converged: until the lab's routing daemons converged. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/cleanup.h"
#include "compose/cli/common.h"
#include "compose/cli/converged.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] wait [--down-project] SERVICE...\n"
	       "       ncompose [-f FILE] [-p PROJECT] wait --converged [--wait-timeout SECONDS]\n\n"
	       "Block until the services' containers have exited, then print each exit\n"
	       "code, one line per service in the order named. A container that restarts\n"
	       "counts as exited at its first end.\n\n"
	       "  --down-project  then take the whole project down (`down`)\n"
	       "  --converged     instead: wait until the lab's routing daemons (FRR, BIRD)\n"
	       "                  converged, as `up --wait` does; exit 1 naming the node that\n"
	       "                  has not when the time is up\n"
	       "  --wait-timeout SECONDS  with --converged: how long (default 300)\n"
	       "  -h, --help      this help\n");
}

int cli_wait(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "down-project", no_argument, NULL, 'D' },
		{ "converged", no_argument, NULL, 'C' },
		{ "wait-timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool down = false, converged = false;
	long timeout_s = CLI_CONVERGE_TIMEOUT_S;
	_cleanup_free_ int *codes = NULL;
	_cleanup_free_ bool *done = NULL;
	struct cli_running run;
	struct rt_cgroups *cg = NULL;
	nc_err err;
	int c, code;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			down = true;
			break;
		case 'C':
			converged = true;
			break;
		case 'T':
			if ((timeout_s = cli_parse_seconds(optarg)) < 0)
				return cli_failf(NC_EXIT_USAGE,
						 "wait: --wait-timeout `%s` is not a number of seconds (0..86400)", optarg);
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "wait: unknown option; see `ncompose wait --help`");
		}
	}
	if (converged) {
		if (optind < argc || down)
			return cli_failf(NC_EXIT_USAGE, "wait: --converged waits for the whole lab; it takes no service and no --down-project");
		if ((code = cli_open_running(g, "wait", &run)))
			return code;
		code = cli_wait_converged(&run.paths, NULL, run.proj.name, (unsigned)timeout_s, "wait", g->arg_verbose);
		cli_close_running(&run);
		return code;
	}
	if (optind >= argc)
		return cli_failf(NC_EXIT_USAGE, "wait: name at least one service");
	if ((code = cli_open_running(g, "wait", &run)))
		return code;
	for (int i = optind; i < argc; i++) {
		bool known = false;
		for (size_t k = 0; k < run.n_services; k++)
			known |= !strcmp(run.services[k], argv[i]);
		if (!known) {
			code = cli_failf(NC_EXIT_USAGE, "wait: no service `%s` in project `%s`", argv[i], run.proj.name);
			goto out;
		}
	}
	if (nc_info_cgroups_open(&run.paths, &cg, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	int n = argc - optind;
	codes = calloc((size_t)n + 1, sizeof(int));
	done = calloc((size_t)n + 1, sizeof(bool));
	if (!codes || !done) {
		code = cli_failf(NC_EXIT_FAILURE, "wait: out of memory");
		goto out;
	}
	/* The supervisor records an exit in the container's record, which is
	 * replaced atomically: reading it again is all it takes. */
	for (int left = n; left;) {
		for (int i = 0; i < n; i++) {
			if (done[i])
				continue;
			int r = cli_container_ended(run.st, cg, argv[optind + i], &codes[i]);
			if (r < 0) {
				code = NC_EXIT_FAILURE;
				goto out;
			}
			if (r) {
				done[i] = true;
				left--;
			}
		}
		struct stat st;
		if (left && (fstat(run.st->dirfd, &st) < 0 || st.st_nlink == 0)) {
			code = cli_failf(NC_EXIT_FAILURE, "wait: project `%s` went down", run.proj.name);
			goto out;
		}
		if (left) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	for (int i = 0; i < n; i++)
		printf("%d\n", codes[i]);
	fflush(stdout);
out:
	nc_info_cgroups_close(cg);
	cli_close_running(&run);
	if (code == NC_EXIT_OK && down) {
		char *dargv[] = { (char *)"down", NULL };
		optind = 0;
		code = cli_down(g, 1, dargv);
	}
	return code;
}
