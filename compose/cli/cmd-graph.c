/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/strbuf.h"
#include "compose/cli/common.h"
#include "compose/lab/graph.h"
#include "compose/lifecycle/project.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] graph [--format ascii|dot|svg]\n\n"
	       "Draw the topology: networks with their subnets and bridges, containers with\n"
	       "their interface names and addresses, the host's gateways. Nothing is\n"
	       "created; the lab need not be up.\n\n"
	       "  --format FORMAT  ascii (default on a terminal), dot (Graphviz), or svg\n"
	       "                   (rendered by Graphviz's `dot`, which must be installed:\n"
	       "                   apt-get install graphviz)\n"
	       "  -h, --help       this help\n\n"
	       "Example: ncompose graph --format svg > lab.svg\n");
}

/* SVG through Graphviz's own renderer: DOT in on a pipe, SVG out on our
 * stdout. Not a shell: execvp of `dot` with fixed arguments. */
static int render_svg(const char *dot, size_t len)
{
	int in[2];

	if (pipe2(in, O_CLOEXEC) < 0)
		return cli_failf(NC_EXIT_FAILURE, "graph: pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		return cli_failf(NC_EXIT_FAILURE, "graph: fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		execlp("dot", "dot", "-Tsvg", (char *)NULL);
		if (errno == ENOENT)
			fprintf(stderr, "ncompose: graph: SVG needs Graphviz's `dot`, which is not installed; apt-get install graphviz (or use --format dot)\n");
		else
			fprintf(stderr, "ncompose: graph: run `dot`: %s\n", strerror(errno));
		_exit(NC_EXIT_FAILURE);
	}
	close(in[0]);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(in[1], dot + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	close(in[1]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return WIFEXITED(status) && WEXITSTATUS(status) == NC_EXIT_FAILURE
			       ? NC_EXIT_FAILURE
			       : cli_failf(NC_EXIT_FAILURE, "graph: `dot` failed");
	return NC_EXIT_OK;
}

int cli_graph(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	static const char *const formats[] = { "ascii", "dot", "svg", NULL };
	const char *format = "ascii";
	int c, code0;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if ((code0 = cli_parse_choice("graph", "--format", optarg, formats, &format)))
				return code0;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "graph: unknown option; see `ncompose graph --help`");
		}
	}
	if (optind < argc)
		return cli_failf(NC_EXIT_USAGE, "graph: unexpected argument `%s`", argv[optind]);

	struct nc_project proj;
	struct nc_plan *plan = NULL;
	struct nc_strbuf out = NC_STRBUF_INIT;
	bool usage;
	nc_err err;
	int code = NC_EXIT_OK;

	if (nc_project_open(&g->proj, NC_PROJECT_NEED_FILE, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	if (nc_project_plan(&proj, false, &plan, &err) < 0) {
		code = cli_fail(NC_EXIT_USAGE, &err);
		goto out;
	}
	if (!strcmp(format, "ascii")) {
		setlocale(LC_CTYPE, "");
		nc_graph_ascii(plan, !strcmp(nl_langinfo(CODESET), "UTF-8"), &out);
	} else {
		nc_graph_dot(plan, &out);
	}
	if (!nc_strbuf_ok(&out)) {
		code = cli_failf(NC_EXIT_FAILURE, "graph: out of memory");
		goto out;
	}
	if (!strcmp(format, "svg")) {
		fflush(stdout);
		code = render_svg(out.s, out.len);
	} else {
		fputs(nc_strbuf_str(&out), stdout);
	}
out:
	nc_strbuf_free(&out);
	nc_plan_free(plan);
	nc_project_close(&proj);
	return code;
}
