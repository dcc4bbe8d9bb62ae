/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pull: the registry images of the file's services, fetched again. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "compose/cli/common.h"
#include "compose/lifecycle/pull.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] pull [--policy missing] [-q] [SERVICE...]\n\n"
	       "Pull the registry images (image: NAME[:TAG][@DIGEST]) of the services named,\n"
	       "or of all services, whether or not an earlier pull has them. Every blob is\n"
	       "checked against its digest; credentials come from ~/.docker/config.json\n"
	       "($DOCKER_CONFIG), mirrors and insecure registries from\n"
	       "/etc/ncompose/registries.json, else /etc/docker/daemon.json.\n\n"
	       "  --policy missing  only what no earlier pull has\n"
	       "  -q, --quiet       no progress\n"
	       "  -h, --help        this help\n");
}

int cli_pull(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	enum nc_pull_mode mode = NC_PULL_ALWAYS;
	bool quiet = false;
	int c;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'P':
			if (strcmp(optarg, "missing") && strcmp(optarg, "always"))
				return cli_failf(NC_EXIT_USAGE, "pull: --policy `%s`: missing or always", optarg);
			mode = strcmp(optarg, "missing") ? NC_PULL_ALWAYS : NC_PULL_MISSING;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "pull: see `ncompose pull --help`");
		}
	}
	const char *const *services = optind < argc ? (const char *const *)argv + optind : NULL;
	struct nc_project proj;
	struct nc_plan *plan = NULL;
	struct nc_paths paths;
	struct nc_report rep;
	bool usage;
	nc_err err;
	int code = NC_EXIT_OK;

	if (nc_project_open_named(&g->proj, NC_PROJECT_NEED_FILE | NC_PROJECT_NO_STATE, services, &proj, &usage,
				  &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	for (const char *const *s = services; s && *s; s++)
		if (!nc_model_service(proj.model, *s)) {
			code = cli_failf(NC_EXIT_USAGE, "pull: no service `%s` in %s", *s, proj.file);
			goto out;
		}
	if (nc_project_plan(&proj, false, &plan, &err) < 0) {
		code = cli_fail(NC_EXIT_USAGE, &err);
		goto out;
	}
	nc_paths_from_env(&paths);
	nc_report_init(&rep, g->arg_verbose);
	if (quiet)
		rep.tty = false;
	size_t n;
	if (nc_pull_images(plan, &paths, services, mode, &rep, &n, &err) < 0)
		code = cli_fail(NC_EXIT_FAILURE, &err);
	else if (!n && !quiet)
		fprintf(stderr, "ncompose: pull: no registry image to pull%s\n",
			mode == NC_PULL_MISSING ? " (all are here)" : "");
out:
	nc_plan_free(plan);
	nc_project_close(&proj);
	return code;
}
