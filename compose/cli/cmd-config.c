/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <getopt.h>
#include <stdio.h>

#include "common/strbuf.h"
#include "compose/cli/cli.h"
#include "compose/lab/checks-lint.h"
#include "compose/file/emit.h"
#include "compose/plan/plan-emit.h"
#include "compose/lifecycle/project.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] config [-q]\n\n"
	       "Validate the file and print the normalised model, followed by the plan\n"
	       "(under x-ncompose-plan): bridges, namespaces, interface names and the\n"
	       "addresses `up` would assign. Nothing is created.\n\n"
	       "  -q, --quiet  only validate; print nothing, exit 0 when the file is good\n"
	       "  -h, --help   this help\n");
}

int cli_config(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool quiet = false;
	int c;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "config: unknown option; see `ncompose config --help`");
		}
	}
	if (optind < argc)
		return cli_failf(NC_EXIT_USAGE, "config: unexpected argument `%s`", argv[optind]);

	struct nc_project proj;
	struct nc_plan *plan = NULL;
	struct nc_strbuf out = NC_STRBUF_INIT;
	bool usage;
	nc_err err;
	int code = NC_EXIT_OK;

	if (nc_project_open(&g->proj, NC_PROJECT_NEED_FILE | NC_PROJECT_NO_STATE, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	if (nc_project_plan(&proj, false, &plan, &err) < 0) {
		code = cli_fail(NC_EXIT_USAGE, &err);
		goto out;
	}
	/* Checks that cannot mean what they say: warned, not refused. */
	if (nc_checks_lint(plan, &out))
		fputs(nc_strbuf_str(&out), stderr);
	nc_strbuf_reset(&out);
	if (quiet)
		goto out;
	if (nc_model_emit_yaml(proj.model, &out, &err) < 0) {
		code = cli_fail(NC_EXIT_FAILURE, &err);
		goto out;
	}
	nc_plan_emit_yaml(plan, &out);
	if (!nc_strbuf_ok(&out)) {
		code = cli_failf(NC_EXIT_FAILURE, "config: out of memory");
		goto out;
	}
	fputs(nc_strbuf_str(&out), stdout);
out:
	nc_strbuf_free(&out);
	nc_plan_free(plan);
	nc_project_close(&proj);
	return code;
}
