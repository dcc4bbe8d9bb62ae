/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rm [-f] [-s] [SERVICE...]: forget stopped containers (their writable
 * layer, log and record), through the supervisor, which owns them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "compose/cli/ask.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] rm [-f] [-s] [SERVICE...]\n\n"
	       "Remove the services' stopped containers (all services when none is named):\n"
	       "their writable layer, log and record go; running containers are left alone.\n"
	       "Their network wiring stays with the project until `down`; `start` or `up`\n"
	       "makes them anew.\n\n"
	       "  -f, --force  do not ask (asked only on a terminal)\n"
	       "  -s, --stop   stop running containers first, then remove them\n"
	       "  -v, --volumes  accepted; anonymous volumes go with `down`\n"
	       "  -h, --help   this help\n");
}

int cli_rm(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "stop", no_argument, NULL, 's' },
		{ "volumes", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool force = false, stop = false;
	int c;

	while ((c = getopt_long(argc, argv, "fsvh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 's':
			stop = true;
			break;
		case 'v':
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "rm: unknown option; see `ncompose rm --help`");
		}
	}
	if (!force && isatty(STDIN_FILENO)) {
		char line[16] = "";
		fprintf(stderr, "Going to remove the %scontainers of %s. Are you sure? [y/N] ",
			stop ? "" : "stopped ", optind < argc ? "the services named" : "every service");
		if (!fgets(line, sizeof(line), stdin) || (line[0] != 'y' && line[0] != 'Y'))
			return NC_EXIT_OK;
	}
	_cleanup_free_ const char **f = calloc((size_t)argc + 3, sizeof(char *));
	struct nc_records reply;
	size_t n = 0;
	if (!f)
		return cli_failf(NC_EXIT_FAILURE, "rm: out of memory");
	f[n++] = "rm";
	f[n++] = stop ? "stop" : "keep";
	for (int i = optind; i < argc; i++)
		f[n++] = argv[i];
	int code = cli_ask_supervisor(g, "rm", f, n, &reply);
	if (code != NC_EXIT_OK)
		return code;
	size_t removed = 0;
	for (size_t i = 1; i < reply.n; i++)
		if (!strcmp(reply.v[i].f[0], "did") && nc_record_field(&reply.v[i], 1)) {
			fprintf(stderr, "%s removed\n", reply.v[i].f[1]);
			removed++;
		}
	if (!removed)
		fprintf(stderr, "No stopped containers\n");
	nc_records_free(&reply);
	return NC_EXIT_OK;
}
