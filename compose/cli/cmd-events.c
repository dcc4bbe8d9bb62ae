/* SPDX-License-Identifier: GPL-2.0-or-later */
/* events [--json] [SERVICE...]: the project's container events as they
 * happen, until the project goes down (compose/lifecycle/events.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "compose/cli/common.h"
#include "compose/lifecycle/events.h"

int cli_events(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool json = false;
	struct cli_running run;
	nc_err err;
	int c, code;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			printf("Usage: ncompose [-f FILE] [-p PROJECT] events [--json] [SERVICE...]\n\n"
			       "Follow the containers' events as they happen (start, die, stop, kill,\n"
			       "pause, unpause, destroy, health_status: ...), until the project goes down.\n\n"
			       "  --json      one JSON object a line: time, type, action, project,\n"
			       "              service, attributes\n"
			       "  -h, --help  this help\n");
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "events: unknown option; see `ncompose events --help`");
		}
	}
	if ((code = cli_open_running(g, "events", &run)))
		return code;
	for (int i = optind; i < argc; i++) {
		bool known = false;
		for (size_t k = 0; k < run.n_services; k++)
			known |= !strcmp(run.services[k], argv[i]);
		if (!known) {
			code = cli_failf(NC_EXIT_USAGE, "events: no service `%s` in project `%s`", argv[i], run.proj.name);
			cli_close_running(&run);
			return code;
		}
	}
	if (nc_events_follow(run.st->dir, optind < argc ? (const char *const *)argv + optind : NULL, json,
			     stdout, &err) < 0)
		code = cli_fail(NC_EXIT_FAILURE, &err);
	cli_close_running(&run);
	return code;
}
