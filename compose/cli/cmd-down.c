/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/fsutil.h"
#include "compose/cli/cli.h"
#include "compose/file/containerlab.h"
#include "compose/file/kathara.h"
#include "compose/lifecycle/down.h"
#include "compose/lifecycle/project.h"

static void help(void)
{
	printf("Usage: ncompose [-f FILE] [-p PROJECT] down [-v] [-t SECONDS] [LAB_DIR]\n\n"
	       "Stop and remove every container, namespace, interface, bridge, nftables\n"
	       "table, cgroup and state file of the project. Idempotent; also works after\n"
	       "`up` was killed, and without a state directory (objects carry labels).\n"
	       "Named volumes are kept for the next `up`, as in Compose. LAB_DIR: the\n"
	       "Kathará lab directory (or containerlab FILE.clab.yml) given to `up` (as -f).\n\n"
	       "  -v, --volumes          also remove the project's named volumes\n"
	       "  -t, --timeout SECONDS  grace period between the stop signal and SIGKILL\n"
	       "                         (default: each service's stop_grace_period, else 10)\n"
	       "  -h, --help             this help\n");
}

int cli_down(const struct cli_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "volumes", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned grace_ms = 0; /* each service's stop_grace_period */
	bool volumes = false;
	int c;

	while ((c = getopt_long(argc, argv, "t:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			volumes = true;
			break;
		case 't': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v > 3600)
				return cli_failf(NC_EXIT_USAGE, "down: --timeout wants seconds (0..3600), not `%s`", optarg);
			grace_ms = v ? (unsigned)v * 1000 : 1; /* 0 s: at once */
			break;
		}
		case 'h':
			help();
			return NC_EXIT_OK;
		default:
			return cli_failf(NC_EXIT_USAGE, "down: unknown option; see `ncompose down --help`");
		}
	}
	/* `down DIR` for the Kathará lab `up DIR` brought up, `down
	 * FILE.clab.yml` for a containerlab topology. */
	struct nc_project_opts po = g->proj;
	const char *lab[1];
	if (optind + 1 == argc && !po.n_files &&
	    (nc_kat_is_lab_dir(argv[optind]) || nc_clab_is_topology_name(argv[optind]))) {
		lab[0] = argv[optind++];
		po.files = lab;
		po.n_files = 1;
	}
	if (optind < argc)
		return cli_failf(NC_EXIT_USAGE, "down: unexpected argument `%s`", argv[optind]);

	struct nc_project proj;
	struct nc_paths paths;
	struct nc_report rep;
	bool usage;
	nc_err err;

	if (nc_project_open(&po, 0, &proj, &usage, &err) < 0)
		return cli_fail(usage ? NC_EXIT_USAGE : NC_EXIT_FAILURE, &err);
	nc_paths_from_env(&paths);
	nc_report_init(&rep, g->arg_verbose);
	int r = nc_down(proj.name, &paths, &rep, grace_ms, &err);
	char dir[PATH_MAX];
	if (r == 0 && volumes) {
		if (nc_pathf(dir, sizeof(dir), "%s/volumes/%s", paths.lib_dir, proj.name) < 0)
			r = nc_err_errno(&err, ENAMETOOLONG, "volumes of `%s`", proj.name);
		else
			r = nc_rm_rf(dir, &err);
	}
	nc_project_close(&proj);
	if (r < 0)
		return cli_fail(NC_EXIT_FAILURE, &err);
	return NC_EXIT_OK;
}
