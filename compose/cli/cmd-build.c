/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * build: the services' `build:` checked (Dockerfile, build arguments,
 * target, context), then built with ncompose's runtime and tagged
 * (compose/lifecycle/build.h); --check stops after the checks.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/strv.h"
#include "compose/cli/common.h"
#include "compose/lifecycle/build-check.h"
#include "compose/lifecycle/build.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/project.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] build [--check] [--no-cache] [--pull] [-q] [SERVICE...]\n\n"
	       "Build the services named, or all services that have `build:`. First\n"
	       "the checks: the Dockerfile is read (an unknown instruction, a heredoc or\n"
	       "ONBUILD is refused with its line), its ARG and ENV values substituted\n"
	       "with the build arguments, the target stage found, and every COPY or\n"
	       "ADD source looked up in the context (never above it, never through a\n"
	       "symlink that leaves it, never one .dockerignore leaves out).\n\n"
	       "Then each step runs (RUN in a container of ncompose's own, without a\n"
	       "network unless build.network is host), or is taken from the build\n"
	       "cache (CACHED) when neither it, what came before it nor what it copies\n"
	       "changed. The image is tagged with `image:`, or PROJECT-SERVICE, and\n"
	       "`up` runs it. A base image that is not in the store is pulled.\n\n"
	       "  --check     only check, exit 0 when all is well\n"
	       "  --no-cache  run every step again\n"
	       "  --pull      accepted for Compose's sake (a missing base is pulled)\n"
	       "  -q, --quiet no summary lines\n"
	       "  -h, --help  this help\n");
}

int cli_build(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "pull", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool check = false, quiet = false, no_cache = false;
	int c;

	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			check = true;
			break;
		case 'n':
			no_cache = true;
			break;
		case 'p':
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "build: see `ncompose build --help`");
		}
	}
	const char *const *services = optind < argc ? (const char *const *)argv + optind : NULL;
	struct nc_project proj;
	bool usage;
	nc_err err;
	int code = NC_EXIT_OK;
	size_t n_checked = 0;

	if (nc_project_open_named(&g->proj, NC_PROJECT_NEED_FILE | NC_PROJECT_NO_STATE, services, &proj, &usage,
				  &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	for (const char *const *s = services; s && *s; s++)
		if (!nc_model_service(proj.model, *s)) {
			code = cli_failf(NC_EXIT_USAGE, "build: no service `%s` in %s", *s, proj.file);
			goto out;
		}
	for (size_t i = 0; i < proj.model->n_services; i++) {
		const struct nc_service *s = &proj.model->services[i];
		if (!s->build.present || !nc_strv_selects(services, s->name))
			continue;
		struct nc_build_summary sum;
		int r = nc_build_check(proj.model, s, &sum, &err);
		if (r < 0) {
			code = cli_fail(r == -EINVAL ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
			goto out;
		}
		n_checked++;
		if (!quiet)
			fprintf(stderr,
				"ncompose: build: service `%s`: checked %zu stage%s, %zu instruction%s (%zu RUN); the image %s `%s%s%s`\n",
				s->name, sum.n_stages, sum.n_stages == 1 ? "" : "s", sum.n_steps,
				sum.n_steps == 1 ? "" : "s", sum.n_runs, check ? "would be" : "will be", s->image ? s->image : proj.model->project,
				s->image ? "" : "-", s->image ? "" : s->name);
	}
	if (!n_checked) {
		if (!quiet)
			fprintf(stderr, "ncompose: build: no service to build (none has `build:`)\n");
		goto out;
	}
	if (check)
		goto out;
	struct nc_paths paths;
	nc_paths_from_env(&paths);
	struct nc_build_opts bo = { .no_cache = no_cache, .out = stderr };
	for (size_t i = 0; i < proj.model->n_services; i++) {
		const struct nc_service *s = &proj.model->services[i];
		if (!s->build.present || !nc_strv_selects(services, s->name))
			continue;
		int r = nc_build_service(proj.model, s, &paths, &bo, &err);
		if (r < 0) {
			code = cli_fail(r == -EINVAL ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
			goto out;
		}
	}
out:
	nc_project_close(&proj);
	return code;
}
