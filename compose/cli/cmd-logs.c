/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/cli/common.h"
#include "compose/lifecycle/follow.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] logs [-f] [-t] [-n N] [SERVICE...]\n\n"
	       "Print what the containers wrote (stdout and stderr), each line prefixed by\n"
	       "its service. The logs are kept in the project's state directory, so they\n"
	       "outlive the process that started the containers (until `down`).\n\n"
	       "  -f, --follow      keep printing new lines until Ctrl-C, `down`, or every\n"
	       "                    container followed has ended (and will not restart)\n"
	       "  -t, --timestamps  show when each line was written (UTC, RFC 3339)\n"
	       "  -n, --tail N      start with the last N lines of each service\n"
	       "      --no-log-prefix  no service column\n"
	       "  -h, --help        this help\n");
}

/* How often `logs -f` looks again whether the project is still there and
 * something it follows may still write (a restart, a `down`); an init
 * that ends is seen at once through its pidfd. */
#define RECHECK_MS 500

/*
 * Whether any of `names` may still write: it runs, or it ended and the
 * supervisor has not said what became of it yet, or it is to restart.
 * Services never started (no record) do not count. pidfds gets one pidfd
 * per running init (-1 elsewhere; the caller closes them).
 */
static bool any_alive(struct cli_running *run, struct rt_cgroups *cg, const char *const *names,
		      int *pidfds)
{
	char dir[PATH_MAX];
	struct stat sb;
	bool alive = false;
	nc_err err;

	/* `down` took the project away. */
	if (nc_pathf(dir, sizeof(dir), "%s/%s", run->paths.state_root, run->proj.name) < 0 ||
	    stat(dir, &sb) < 0)
		return false;
	for (size_t i = 0; names[i]; i++) {
		struct nc_container_info ci;
		pidfds[i] = -1;
		if (nc_info_read(run->st, names[i], &ci, &err) < 0)
			continue;
		bool running = nc_info_running(&ci, cg);
		if (running)
			pidfds[i] = (int)syscall(SYS_pidfd_open, ci.pid, 0);
		if (running || !ci.ended_as || !strcmp(ci.ended_as, "restarting"))
			alive = true;
		nc_info_free(&ci);
	}
	return alive;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

int cli_logs(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "timestamps", no_argument, NULL, 't' },
		{ "tail", required_argument, NULL, 'n' },
		{ "no-log-prefix", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct nc_follow_opts fo = { .tail = -1 };
	bool follow = false;
	int c;

	while ((c = getopt_long(argc, argv, "ftn:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			follow = true;
			break;
		case 't':
			fo.timestamps = true;
			break;
		case 'P':
			fo.no_prefix = true;
			break;
		case 'n': {
			char *end;
			errno = 0;
			fo.tail = strtol(optarg, &end, 10);
			if (!strcmp(optarg, "all"))
				fo.tail = -1;
			else if (errno || end == optarg || *end || fo.tail < 0)
				return cli_failf(NC_EXIT_USAGE, "logs: --tail wants a number of lines or `all`, not `%s`",
						 optarg);
			break;
		}
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "logs: unknown option; see `ncompose logs --help`");
		}
	}

	struct cli_running run;
	struct nc_follow *fl = NULL;
	_cleanup_free_ const char **names = NULL;
	_cleanup_free_ char (*logs)[PATH_MAX] = NULL;
	_cleanup_free_ const char **lp = NULL;
	nc_err err;
	int code;

	if ((code = cli_open_running(g, "logs", &run)))
		return code;
	code = NC_EXIT_FAILURE;
	char **all = run.services;
	size_t n_all = run.n_services, n = 0;
	names = calloc(n_all + 1, sizeof(char *));
	logs = calloc(n_all + 1, PATH_MAX);
	lp = calloc(n_all + 1, sizeof(char *));
	if (!names || !logs || !lp) {
		cli_failf(NC_EXIT_FAILURE, "logs: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_all; i++) {
		bool picked = optind >= argc;
		for (int k = optind; k < argc && !picked; k++)
			picked = !strcmp(argv[k], all[i]);
		if (!picked)
			continue;
		char dir[PATH_MAX];
		if (nc_state_container_dir(run.st, all[i], false, dir, sizeof(dir), &err) < 0 ||
		    nc_pathf(logs[n], PATH_MAX, "%s/log", dir) < 0)
			continue;
		if (access(logs[n], R_OK) < 0)
			continue; /* never started: nothing written yet */
		names[n] = all[i];
		lp[n] = logs[n];
		n++;
	}
	for (int k = optind; k < argc; k++) {
		bool known = false;
		for (size_t i = 0; i < n_all && !known; i++)
			known = !strcmp(argv[k], all[i]);
		if (!known) {
			cli_failf(NC_EXIT_USAGE, "logs: no service `%s` in project `%s`", argv[k], run.proj.name);
			code = NC_EXIT_USAGE;
			goto out;
		}
	}
	if (nc_follow_open(names, lp, stdout, &fo, &fl, &err) < 0) {
		cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	nc_follow_drain(fl);
	if (follow) {
		sigset_t mask;
		sigemptyset(&mask);
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGTERM);
		sigprocmask(SIG_BLOCK, &mask, NULL);
		_cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
		_cleanup_free_ struct pollfd *pfd = calloc(n + 2, sizeof(*pfd));
		_cleanup_free_ int *pidfds = calloc(n + 1, sizeof(int));
		struct rt_cgroups *cg = NULL;
		if (!pfd || !pidfds || nc_info_cgroups_open(&run.paths, &cg, &err) < 0) {
			cli_failf(NC_EXIT_FAILURE, "logs: %s", pfd && pidfds ? err.msg : "out of memory");
			goto out;
		}
		for (size_t i = 0; i < n; i++)
			pidfds[i] = -1;
		while (any_alive(&run, cg, names, pidfds)) {
			pfd[0] = (struct pollfd){ .fd = nc_follow_fd(fl), .events = POLLIN };
			pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
			for (size_t i = 0; i < n; i++)
				pfd[i + 2] = (struct pollfd){ .fd = pidfds[i], .events = POLLIN };
			int r = poll(pfd, n + 2, RECHECK_MS);
			close_all(pidfds, n);
			if (r < 0 && errno != EINTR)
				break;
			if (pfd[1].revents & POLLIN)
				break;
			nc_follow_drain(fl);
		}
		close_all(pidfds, n);
		nc_info_cgroups_close(cg);
		/* What the last inits wrote before they ended. */
		nc_follow_drain(fl);
	}
	code = NC_EXIT_OK;
out:
	nc_follow_close(fl);
	cli_close_running(&run);
	return code;
}
