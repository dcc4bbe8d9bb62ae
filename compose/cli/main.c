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
	{ "ls", cli_ls, "list the projects: name, status, config files" },
	{ "top", cli_top, "the processes of each container" },
	{ "port", cli_port, "the public address of a published port" },
	{ "cp", cli_cp, "copy files between a container and the host" },
	{ "kill", cli_kill, "send a signal (default SIGKILL) to containers" },
	{ "pause", cli_pause, "freeze containers (cgroup freezer)" },
	{ "unpause", cli_unpause, "thaw paused containers" },
	{ "rm", cli_rm, "remove stopped containers" },
	{ "wait", cli_wait, "block until containers exit; print their codes" },
	{ "images", cli_images, "the images in the store and who uses them (a project's with -p)" },
	{ "rmi", cli_rmi, "remove images from the store (never one in use)" },
	{ "image", cli_image, "image ls, image rm, image prune (unused images)" },
	{ "version", cli_version, "print the version" },
	{ "pull", cli_pull, "pull the services' registry images" },
	{ "build", cli_build, "build the services' images from their Dockerfiles (--check: only check)" },
	{ "events", cli_events, "follow the containers' events" },
	{ "link", cli_link, "cut, restore, shape and list links while the lab runs" },
	{ "run", cli_run, "run a command in a new one-off container of a service" },
	{ "import", cli_import, "translate a Kathará lab or containerlab topology into a compose file" },
	{ "vtysh", cli_vtysh, "the routing shell of a router service (vtysh, birdc)" },
	{ "birdc", cli_vtysh, "the same as vtysh" },
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
	printf("Usage: ncompose [-f FILE]... [-p PROJECT] [--profile NAME]... [--verbose] COMMAND [ARGS]\n\n"
	       "Build network labs of containers from one YAML file.\n\n"
	       "Options:\n"
	       "  -f, --file FILE        compose file; several are merged in order; `-` reads\n"
	       "                         standard input (default: COMPOSE_FILE, else compose.yaml,\n"
	       "                         ncompose.yaml, docker-compose.yaml here or in the nearest\n"
	       "                         parent directory, and its .override file)\n"
	       "  -p, --project-name P   project name (default: COMPOSE_PROJECT_NAME, name: in the\n"
	       "                         file, else the project directory's name)\n"
	       "      --project-directory DIR\n"
	       "                         where relative paths and .env are (default: the first\n"
	       "                         file's directory)\n"
	       "      --env-file FILE    variables for ${VAR} instead of .env (repeatable; later wins)\n"
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
		{ "project-directory", required_argument, NULL, 'D' },
		{ "env-file", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	struct cli_global g = { 0 };
	struct nc_strbuf profiles = NC_STRBUF_INIT;
	/* Each option's values in order; argv outlives the command. */
	_cleanup_free_ const char **files = calloc((size_t)argc + 1, sizeof(*files));
	_cleanup_free_ const char **env_files = calloc((size_t)argc + 1, sizeof(*env_files));
	int c;

	if (!files || !env_files)
		return cli_failf(NC_EXIT_FAILURE, "out of memory");
	g.proj.files = files;
	g.proj.env_files = env_files;
	/* Compose's global options that make no sense here (compat.c). */
	if (cli_compat_filter(NULL, &argc, argv, true, cli_compat_global_valued, stderr))
		return NC_EXIT_USAGE;
	/* "+": stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+f:p:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!g.arg_file)
				g.arg_file = optarg;
			files[g.proj.n_files++] = optarg;
			break;
		case 'p':
			g.arg_project = g.proj.project = optarg;
			break;
		case 'D':
			g.proj.project_dir = optarg;
			break;
		case 'E':
			env_files[g.proj.n_env_files++] = optarg;
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
