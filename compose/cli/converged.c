/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/cli/converged.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "compose/cli/cli.h"
#include "compose/lab/converge.h"

int cli_wait_converged(const struct nc_paths *paths, const char *project, unsigned timeout_s, const char *cmd)
{
	struct nc_converge_opts o = { .timeout_s = timeout_s };
	struct nc_converge_result r;
	nc_err err;

	if (nc_converge_wait(paths, project, &o, &r, &err) < 0)
		return cli_failf(NC_EXIT_FAILURE, "%s: cannot tell whether the lab converged: %s", cmd, err.msg);
	if (r.converged) {
		if (r.n_nodes)
			fprintf(stderr, "converged after %.1f s (%zu routing node%s)\n", r.elapsed_s, r.n_nodes,
				r.n_nodes == 1 ? "" : "s");
		return NC_EXIT_OK;
	}
	if (*r.node)
		return cli_failf(NC_EXIT_FAILURE,
				 "%s: project `%s` did not converge within %u s: `%s` is not settled: %s; look with `ncompose vtysh %s` or `ncompose logs %s`",
				 cmd, project, timeout_s, r.node, r.waiting, r.node, r.node);
	return cli_failf(NC_EXIT_FAILURE, "%s: project `%s` did not converge within %u s: waiting for %s",
			 cmd, project, timeout_s, r.waiting);
}

long cli_parse_seconds(const char *arg)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > 86400)
		return -1;
	return v;
}
