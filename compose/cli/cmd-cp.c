/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cp SERVICE:SRC DEST and cp SRC SERVICE:DEST, as docker compose cp. The
 * container's side is resolved inside its root (compose/lifecycle/copy.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "compose/cli/common.h"
#include "compose/lifecycle/copy.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] cp SERVICE:SRC_PATH DEST_PATH\n"
	       "       ncompose [-f FILE] [-p PROJECT] cp SRC_PATH SERVICE:DEST_PATH\n\n"
	       "Copy files or directories between a running container and the host. An\n"
	       "existing directory DEST_PATH receives SRC_PATH under its own name; SRC_PATH\n"
	       "ending in /. copies a directory's contents. Symlinks are copied as links;\n"
	       "the container's paths are resolved inside its root, never on the host.\n\n"
	       "  -a, --archive  accepted: owners, modes and times are always kept\n"
	       "      --index N  the container of the service (1: each service has one)\n"
	       "  -h, --help     this help\n");
}

/* "svc:/path": the service part, when there is one (a ':' before any '/'). */
static const char *split_service(const char *arg, char *svc, size_t size)
{
	const char *colon = strchr(arg, ':'), *slash = strchr(arg, '/');
	if (!colon || colon == arg || (slash && slash < colon) || (size_t)(colon - arg) >= size)
		return NULL;
	snprintf(svc, size, "%.*s", (int)(colon - arg), arg);
	return colon + 1;
}

int cli_cp(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "archive", no_argument, NULL, 'a' },
		{ "follow-link", no_argument, NULL, 'L' },
		{ "index", required_argument, NULL, 'i' },
		{ "all", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	char svc_src[256], svc_dst[256];
	struct cli_running run;
	struct rt_cgroups *cg = NULL;
	nc_err err;
	int c, code;

	while ((c = getopt_long(argc, argv, "aLh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
		case 'A':
			break;
		case 'L':
			return cli_failf(NC_EXIT_USAGE, "cp: -L is not supported: symlinks are copied as links");
		case 'i':
			if (strcmp(optarg, "1"))
				return cli_failf(NC_EXIT_USAGE, "cp: --index is 1 here, not `%s` (a service has one container)", optarg);
			break;
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "cp: unknown option; see `ncompose cp --help`");
		}
	}
	if (argc - optind != 2)
		return cli_failf(NC_EXIT_USAGE, "cp: give a source and a destination; see `ncompose cp --help`");
	const char *a = argv[optind], *b = argv[optind + 1];
	const char *in_src = split_service(a, svc_src, sizeof(svc_src));
	const char *in_dst = split_service(b, svc_dst, sizeof(svc_dst));
	if (!in_src == !in_dst)
		return cli_failf(NC_EXIT_USAGE, "cp: exactly one of the two paths is SERVICE:PATH");
	if (!strcmp(in_src ? b : a, "-"))
		return cli_failf(NC_EXIT_USAGE, "cp: tar streams (`-`) are not supported; copy to or from a path");
	const char *svc = in_src ? svc_src : svc_dst;

	if ((code = cli_open_running(g, "cp", &run)))
		return code;
	struct nc_container_info ci;
	if (nc_info_read(run.st, svc, &ci, &err) < 0) {
		bool known = false;
		for (size_t k = 0; k < run.n_services; k++)
			known |= !strcmp(run.services[k], svc);
		code = !known ? cli_failf(NC_EXIT_USAGE, "cp: no service `%s` in project `%s`", svc, run.proj.name)
		       : err.errnum == ENOENT ? cli_failf(NC_EXIT_FAILURE, "cp: service `%s` has no container yet", svc)
					       : cli_fail(NC_EXIT_FAILURE, &err);
		cli_close_running(&run);
		return code;
	}
	if (nc_info_cgroups_open(&run.paths, &cg, &err) < 0 ||
	    (in_src ? nc_copy_from(cg, &ci, in_src, b, &err) : nc_copy_to(cg, &ci, a, in_dst, &err)) < 0)
		code = cli_fail(NC_EXIT_FAILURE, &err);
	nc_info_cgroups_close(cg);
	nc_info_free(&ci);
	cli_close_running(&run);
	return code;
}
