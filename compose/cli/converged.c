/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/cli/converged.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

#include "compose/cli/cli.h"
#include "compose/lab/converge.h"

/* Where a routing daemon's configuration sits in a container: a lab
 * that binds one there (Kathará's DEVICE/etc/frr, containerlab's binds)
 * may start the daemon from a script after `up` returned. */
static bool daemon_config_target(const char *t)
{
	static const char *const dirs[] = { "/etc/frr", "/etc/quagga", "/etc/zebra", "/etc/bird" };
	for (size_t i = 0; t && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		size_t n = strlen(dirs[i]);
		if (!strncmp(t, dirs[i], n) && (t[n] == '/' || t[n] == '\0' || (i == 3 && t[n] == '.')))
			return true;
	}
	return false;
}

static bool may_route(const struct nc_service *s)
{
	if (s->router.kind)
		return true;
	for (size_t i = 0; i < s->n_volumes; i++)
		if (daemon_config_target(s->volumes[i].target))
			return true;
	return false;
}

int cli_wait_converged(const struct nc_paths *paths, const struct nc_model *m, const char *project,
		       unsigned timeout_s, const char *cmd, bool verbose)
{
	struct nc_converge_opts o = { .timeout_s = timeout_s };
	struct nc_converge_result r;
	nc_err err;
	size_t n = m ? m->n_services : 0;
	_cleanup_free_ const char **names = calloc(n ? n : 1, sizeof(*names));
	_cleanup_free_ unsigned *ms = calloc(n ? n : 1, sizeof(*ms));

	if (!names || !ms)
		return cli_failf(NC_EXIT_FAILURE, "%s: wait for the lab to converge: %s", cmd, strerror(ENOMEM));
	bool any = !m;
	for (size_t i = 0; i < n; i++) {
		const struct nc_service *s = &m->services[i];
		any |= may_route(s);
		if (s->router.has_settle) {
			names[o.n_settle] = s->name;
			ms[o.n_settle++] = (unsigned)(s->router.settle_ns / 1000000);
		}
	}
	o.settle_names = names;
	o.settle_node_ms = ms;
	o.no_routers = !any;
	if (nc_converge_wait(paths, project, &o, &r, &err) < 0)
		return cli_failf(NC_EXIT_FAILURE, "%s: cannot tell whether the lab converged: %s", cmd, err.msg);
	if (r.converged && !r.n_nodes && o.no_routers && verbose)
		fprintf(stderr, "%s: no routing daemons (no router: service, no daemon configuration): nothing to converge\n",
			cmd);
	if (r.converged) {
		if (r.n_nodes)
			fprintf(stderr, "converged after %.1f s (%zu routing node%s, routes unchanged for %.1f s)\n",
				r.elapsed_s, r.n_nodes, r.n_nodes == 1 ? "" : "s", r.settle_ms / 1000.0);
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
