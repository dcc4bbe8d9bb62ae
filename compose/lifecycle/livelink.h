/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Links of a running lab, changed while it runs (`ncompose link`, and
 * `stop`/`start` of a node): administrative state and shaping, applied
 * from the host over netlink (no capability, no tool in the node), and
 * recorded in the project's state (<state>/<project>/links) so later
 * commands and `start` know what was cut. The kernel objects are the
 * lab's own veths: `down` removes them as before, and the record goes
 * with the state directory.
 *
 * Which end is acted on (the reasons are in docs/decisions.md, "Live
 * link control"):
 *  - an attachment to a network: the host end of its veth, so the
 *    container's interface stays up and loses its carrier, as when a
 *    cable is pulled from a switch; shaping on both ends, as at `up`;
 *  - a point-to-point link: both ends for `link down|up` (one cable,
 *    either name), only the node's own end when the node stops (its
 *    neighbour sees NO-CARRIER); shaping on both ends, as at `up`.
 */
#ifndef NC_COMPOSE_LIVELINK_H
#define NC_COMPOSE_LIVELINK_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "compose/lifecycle/info.h"
#include "compose/lifecycle/linkspec.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/state.h"
#include "netd/netd.h"

#define NC_LINKS_FILE "links"

/* Records of the links file (field 0 is the kind). */
#define NC_L_CUT "cut"         /* service ifname: `link down` */
#define NC_L_SHAPE "shape"     /* service ifname rate-bps delay-us jitter-us loss-pct: `link set` */
#define NC_L_STOPPED "stopped" /* service: `stop`ped, its interfaces down */

struct nc_live_iface {
	const char *service, *ifname, *segment; /* segment: network or link name */
	const char *netns;
	bool is_link;                    /* a point-to-point link end */
	char host_ifname[IF_NAMESIZE];   /* the host end of an attachment; "" for a link end */
	char peer[NC_LINK_SERVICE_MAX + IF_NAMESIZE + 1]; /* "svc:if" of the other end, or the network */
	size_t peer_index;               /* the other end of a link in nc_live.v; SIZE_MAX */
	size_t ci;                       /* its container in nc_live.ci */
	/* recorded */
	bool cut;                        /* `link down` */
	bool shaped;                     /* `link set` recorded `shape` */
	struct netd_shape shape;
	/* the kernel's, filled by nc_live_list */
	bool have_state, have_host;
	struct netd_link_state state;    /* the container's end */
	struct netd_link_state host;     /* the host end of an attachment */
};

struct nc_live {
	struct nc_state *st;
	struct nc_container_info *ci;
	bool *stopped;                   /* per container: recorded `stopped` */
	size_t n_ci;
	struct nc_live_iface *v;
	size_t n;
};

/* Every interface of the running `project` (in file order), with its
 * recorded live state and the kernel's. ENOENT with a message when the
 * project is not up. */
int nc_live_list(const char *project, const struct nc_paths *paths, struct nc_live **out,
		 nc_err *err);
void nc_live_free(struct nc_live *l);

/* `link down|up SERVICE:IFACE`: sets and records it; a second down (or
 * up) changes nothing. *changed (may be NULL) tells whether it did. */
int nc_live_set_up(const char *project, const struct nc_paths *paths,
		   const struct nc_link_target *t, bool up, bool *changed, nc_err *err);

/* `link set`: replaces the shaping of the interface's link (both ends);
 * NULL or an empty shape removes it. Delay, jitter and loss need
 * sch_netem: ENOTSUP with a message saying what to do when this kernel
 * cannot load it. */
int nc_live_shape(const char *project, const struct nc_paths *paths,
		  const struct nc_link_target *t, const struct netd_shape *s, nc_err *err);

/* The supervisor's `stop` (up = false, before the processes are
 * stopped) and `start` (up = true, before they start): the service's
 * interfaces down, or back up except those cut by `link down`. Goes on
 * past a failure and returns the first. */
int nc_live_node(const char *project, const struct nc_paths *paths, const char *service, bool up,
		 nc_err *err);

/* The host end of the veth of `service`'s `ifname` from the journal; ""
 * for a link end (or an interface the journal does not know). */
int nc_live_host_ifname(struct nc_state *st, const char *service, const char *ifname, char *out,
			size_t size, nc_err *err);

#endif
