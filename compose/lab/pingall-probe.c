/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `pingall`'s probes, sent through netd from inside each container's
 * network namespace (pingall.c chooses the pairs and stays pure). */
#include "compose/lab/pingall.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "netd/netd.h"

int nc_pingall_run(struct nc_state *st, const struct nc_paths *paths, const char *const *services,
		   size_t n, unsigned timeout_ms, struct nc_container_info *ci,
		   struct nc_ping_pair **pairs, size_t *n_pairs, nc_err *err)
{
	struct netd *nd = NULL;
	struct netd_probe *probes = NULL;
	int *nsfd = calloc(n + 1, sizeof(int));
	size_t np = 0;
	int r = -1;

	*pairs = NULL;
	*n_pairs = 0;
	if (!nsfd)
		return nc_err_msg(err, ENOMEM, "pingall: out of memory");
	for (size_t i = 0; i < n; i++)
		nsfd[i] = -1;
	if ((r = netd_open(&nd, err)) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((r = nc_info_read(st, services[i], &ci[i], err)) < 0 ||
		    (r = netd_netns_open(paths->netns_dir, ci[i].netns, &nsfd[i], err)) < 0)
			goto out;
	if ((r = nc_pingall_pairs(ci, n, pairs, &np, err)) < 0)
		goto out;
	probes = calloc(np + 1, sizeof(*probes));
	if (!probes) {
		r = nc_err_msg(err, ENOMEM, "pingall: out of memory");
		goto out;
	}
	for (size_t i = 0; i < np; i++)
		probes[i] = (struct netd_probe){ .src = (*pairs)[i].from, .dst = (*pairs)[i].dst };
	if ((r = netd_icmp_probe(nd, nsfd, n, probes, np, timeout_ms, err)) < 0)
		goto out;
	for (size_t i = 0; i < np; i++) {
		(*pairs)[i].answered = probes[i].result == NETD_PROBE_REPLY;
		(*pairs)[i].rtt_us = probes[i].rtt_us;
	}
	*n_pairs = np;
out:
	for (size_t i = 0; i < n; i++)
		if (nsfd[i] >= 0)
			close(nsfd[i]);
	free(nsfd);
	free(probes);
	netd_close(nd);
	if (r < 0) {
		free(*pairs);
		*pairs = NULL;
	}
	return r;
}
