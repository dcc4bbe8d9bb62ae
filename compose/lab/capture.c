/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lab/capture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "compose/lifecycle/info.h"
#include "compose/lifecycle/paths.h"
#include "netd/netd.h"

int nc_capture_open(const char *project, const char *service, const char *iface, int *out,
		    nc_err *err)
{
	struct nc_paths paths;
	struct nc_state *st = NULL;
	struct nc_container_info ci;
	struct netd *nd = NULL;
	int nsfd = -1, r;

	nc_paths_from_env(&paths);
	if ((r = nc_state_open(paths.state_root, project, NC_STATE_READ, &st, err)) < 0)
		return r;
	if (!st)
		return nc_err_msg(err, ENOENT, "capture: project `%s` is not up", project);
	r = nc_info_read(st, service, &ci, err);
	nc_state_close(st);
	if (r < 0)
		return r;
	if ((r = netd_netns_open(paths.netns_dir, ci.netns, &nsfd, err)) == 0 &&
	    (r = netd_open(&nd, err)) == 0)
		r = netd_ns_socket(nd, nsfd, AF_PACKET, SOCK_RAW, htons(ETH_P_ALL), out, err);
	nc_info_free(&ci);
	netd_close(nd);
	if (nsfd >= 0)
		close(nsfd);
	if (r < 0)
		return r;

	/* The socket lives in the container's namespace: its ioctls resolve
	 * interface names there. */
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (ioctl(*out, SIOCGIFINDEX, &ifr) < 0) {
		r = nc_err_errno(err, errno, "capture: no interface `%s` in `%s`", iface, service);
		close(*out);
		return r;
	}
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = ifr.ifr_ifindex };
	if (bind(*out, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		r = nc_err_errno(err, errno, "capture: bind to `%s` in `%s`", iface, service);
		close(*out);
		return r;
	}
	int one = 1;
	setsockopt(*out, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one));
	return 0;
}
