/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/cleanup.h"
#include "compose/cli/cli.h"
#include "compose/cli/compat.h"
#include "config.h"

static const struct cli_command commands[] = {
	{ "up", cli_up, "build the lab; -d returns once every container runs" },
	{ "down", cli_down, "stop and remove everything of the project" },
	{ "ps", cli_ps, "list containers: name, state, pid, addresses, uptime" },
	{ "exec", cli_exec, "run a command inside a container" },
	{ "config", cli_config, "validate the file and print the normalised model" },
	{ "logs", cli_logs, "what containers printed" },
	{ "inspect", cli_inspect, "one container in detail, as JSON" },
	{ "stop", cli_stop, "stop services" },
	{ "start", cli_start, "start stopped services" },
	{ "restart", cli_restart, "restart services" },
	{ "graph", cli_graph, "draw the topology (ascii, dot, svg)" },
	{ "capture", cli_capture, "capture a container's interface as pcap" },
	{ "pingall", cli_pingall, "reachability matrix between all containers" },
	{ "stats", cli_stats, "cgroup usage per container" },
	{ "test", cli_test, "run the file's checks: and report each" },
};

const char *cli_prog(void)
{
	return "ncompose";
}

int cli_fail(int code, const nc_err *err)
{
	fprintf(stderr, "%s: %s\n", cli_prog(), err->msg);
	return code;
}

int cli_failf(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli_prog());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] [--profile NAME]... [--verbose] COMMAND [ARGS]\n\n"
	       "Build network labs of containers from one YAML file.\n\n"
	       "Options:\n"
	       "  -f, --file FILE        compose file (default: compose.yaml, ncompose.yaml, ...)\n"
	       "  -p, --project-name P   project name (default: name: in the file, else the file's name)\n"
	       "  -v, --verbose          say every step\n"
	       "      --profile NAME     enable the services of profile NAME (repeatable;\n"
	       "                         default: COMPOSE_PROFILES)\n"
	       "  -h, --help             this help\n"
	       "      --version          print the version\n\n"
	       "Commands:\n");
	for (size_t i = 0; i < NC_ELEMENTSOF(commands); i++)
		printf("  %-9s %s\n", commands[i].name, commands[i].summary);
	printf("\nRun `ncompose COMMAND --help` for a command's options.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "project-name", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "profile", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct cli_global g = { 0 };
	struct nc_strbuf profiles = NC_STRBUF_INIT;
	int c;

	/* Compose's global options that make no sense here (compat.c). */
	if (cli_compat_filter(NULL, &argc, argv, true, cli_compat_global_valued, stderr))
		return NC_EXIT_USAGE;
	/* "+": stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+f:p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			g.arg_file = optarg;
			break;
		case 'p':
			g.arg_project = optarg;
			break;
		case 'v':
			g.arg_verbose = true;
			break;
		case 'P':
			/* As Compose: --profile wins over COMPOSE_PROFILES, which
			 * the loader reads (the environment, then .env). */
			nc_strbuf_printf(&profiles, "%s%s", profiles.len ? "," : "", optarg);
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		case 'V':
			printf("ncompose %s\n", NC_VERSION);
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "unknown option; see `ncompose --help`");
		}
	}
	if (profiles.len) {
		int r = nc_strbuf_ok(&profiles) ? setenv("COMPOSE_PROFILES", nc_strbuf_str(&profiles), 1) : -1;
		nc_strbuf_free(&profiles);
		if (r < 0)
			return cli_failf(NC_EXIT_FAILURE, "--profile: out of memory");
	}
	if (optind >= argc)
		return cli_failf(NC_EXIT_USAGE, "no command given; see `ncompose --help`");

	const char *cmd = argv[optind];
	for (size_t i = 0; i < NC_ELEMENTSOF(commands); i++) {
		if (strcmp(commands[i].name, cmd))
			continue;
		char **sub = argv + optind;
		int subc = argc - optind;
		int gate = cli_compat_gate(cmd, &subc, sub);
		if (gate)
			return gate;
		optind = 0; /* reset getopt for the command's own table */
		return commands[i].run(&g, subc, sub);
	}
	const struct cli_compat *no = cli_compat_command(cmd);
	if (no)
		return cli_failf(NC_EXIT_USAGE, "`%s` is not a command here: %s", cmd, no->why);
	return cli_failf(NC_EXIT_USAGE, "unknown command `%s`; see `ncompose --help`", cmd);
}
