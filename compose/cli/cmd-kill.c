/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kill [-s SIGNAL], pause, unpause [SERVICE...]: asked of the supervisor,
 * which owns the containers (a killed container is not restarted by its
 * policy; a paused one has its cgroup frozen and its probes held). No
 * service named means all of them, as in Compose. */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "compose/cli/ask.h"
#include "compose/file/model.h"

/* Says what was done, one service a line, on stderr (as Compose's
 * progress lines); `none` when nothing was. */
static void said(const struct nc_records *reply, const char *done, const char *none)
{
	size_t n = 0;

	for (size_t i = 1; i < reply->n; i++)
		if (!strcmp(reply->v[i].f[0], "did") && nc_record_field(&reply->v[i], 1)) {
			fprintf(stderr, "%s %s\n", reply->v[i].f[1], done);
			n++;
		}
	if (!n && none)
		fprintf(stderr, "%s\n", none);
}

static int ask(const struct cli_global *g, const char *verb, const char *sig, int argc, char **argv,
	       const char *done, const char *none)
{
	_cleanup_free_ const char **f = calloc((size_t)argc + 3, sizeof(char *));
	struct nc_records reply;
	size_t n = 0;

	if (!f)
		return cli_failf(NC_EXIT_FAILURE, "%s: out of memory", verb);
	f[n++] = verb;
	if (sig)
		f[n++] = sig;
	for (int i = optind; i < argc; i++)
		f[n++] = argv[i];
	int code = cli_ask_supervisor(g, verb, f, n, &reply);
	if (code == NC_EXIT_OK) {
		said(&reply, done, none);
		nc_records_free(&reply);
	}
	return code;
}

int cli_kill(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "signal", required_argument, NULL, 's' },
		{ "remove-orphans", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *signame = "SIGKILL";
	int c;

	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			signame = optarg;
			break;
		case 'O':
			return cli_failf(NC_EXIT_USAGE, "kill: --remove-orphans is not supported (`up --remove-orphans` is)");
		case 'h':
			printf("Usage: ncompose [-f FILE] [-p PROJECT] kill [-s SIGNAL] [SERVICE...]\n\n"
			       "Send a signal to the services' containers (all when none is named). A\n"
			       "container that ends after it is not restarted by its restart policy.\n\n"
			       "  -s, --signal SIGNAL  SIGKILL (default), SIGTERM, TERM, 15, SIGRTMIN+3...\n"
			       "  -h, --help           this help\n");
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "kill: unknown option; see `ncompose kill --help`");
		}
	}
	int sig = nc_signal_number(signame);
	if (sig <= 0)
		return cli_failf(NC_EXIT_USAGE, "kill: `%s` is not a signal (SIGKILL, TERM, 15...)", signame);
	char num[16];
	snprintf(num, sizeof(num), "%d", sig);
	return ask(g, "kill", num, argc, argv, "killed", "no running container to kill");
}

static int freezer(const struct cli_global *g, int argc, char **argv, const char *verb, const char *done,
		   const char *what)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: ncompose [-f FILE] [-p PROJECT] %s [SERVICE...]\n\n%s\n\n"
			       "  -h, --help  this help\n",
			       verb, what);
			return NC_EXIT_OK;
		}
		return cli_failf(NC_EXIT_USAGE, "%s: unknown option; see `ncompose %s --help`", verb, verb);
	}
	return ask(g, verb, NULL, argc, argv, done, NULL);
}

int cli_pause(const struct cli_global *g, int argc, char **argv)
{
	return freezer(g, argc, argv, "pause", "paused",
		       "Freeze every process of the services' containers (all when none is named)\n"
		       "with the cgroup freezer; `ps` shows them paused, their healthchecks wait.");
}

int cli_unpause(const struct cli_global *g, int argc, char **argv)
{
	return freezer(g, argc, argv, "unpause", "unpaused",
		       "Thaw the services' paused containers (all when none is named).");
}
