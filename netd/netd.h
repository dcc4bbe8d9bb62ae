/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * netd: the network layer. Network namespaces, bridges, veth pairs,
 * addresses, routes and sysctls over rtnetlink; NAT and filtering in one
 * nftables table per project.
 *
 * netd knows nothing of YAML or of containers: it is handed plain specs
 * (names, addresses) and builds exactly those. It holds no global state;
 * every call goes through a `struct netd` that one thread owns, so a future
 * privileged daemon can serve several users from the same code. It never
 * prints and never exits: every failure fills `nc_err` with the object and
 * the kernel's reason (errno and extended ACK text).
 */
#ifndef NC_NETD_H
#define NC_NETD_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/inet.h"

#define NETD_ALIAS_MAX 256 /* IFALIASZ */

struct netd;    /* a netlink session in the caller's (host) network namespace */
struct netd_ns; /* a netlink session inside one network namespace */

/* Opens a session bound to the calling thread's current network namespace
 * (the "host" side of the lab): links, sysctls and nftables of the session
 * act there, whichever namespace the thread stands in later. One session
 * is used by one thread at a time; several threads use several sessions. */
int netd_open(struct netd **out, nc_err *err);
void netd_close(struct netd *nd);

/* ---- named network namespaces (iproute2-compatible) ------------------- */

/*
 * Creates the named namespace `dir`/`name` (dir is normally /run/netns) the
 * way `ip netns add` does, so `ip netns exec` and nsenter work on it. `lo`
 * inside is brought up and carries `label` as its interface alias: that is
 * how `down` recognises a namespace of its project without a state file.
 * On success *nsfd_out (if not NULL) is an O_CLOEXEC fd of the namespace.
 * EEXIST when the name is taken. On failure nothing is left behind.
 */
int netd_netns_create(struct netd *nd, const char *dir, const char *name, const char *label,
		      int *nsfd_out, nc_err *err);

/* Opens an existing named namespace (O_RDONLY|O_CLOEXEC). */
int netd_netns_open(const char *dir, const char *name, int *nsfd_out, nc_err *err);

/* Unmounts and unlinks `dir`/`name`. A missing namespace is success. */
int netd_netns_delete(const char *dir, const char *name, nc_err *err);

/* Reads the alias of `lo` in the namespace (the label given at creation)
 * into buf; "" when there is none. */
int netd_netns_label(struct netd *nd, int nsfd, char *buf, size_t size, nc_err *err);

/* ---- links in the host namespace ------------------------------------- */

struct netd_bridge_spec {
	const char *name;  /* <= 15 chars */
	const char *alias; /* label: project and object */
	uint32_t group;    /* link group for bulk deletion, 0 = none */
	uint32_t mtu;      /* 0 = kernel default */
	const struct nc_prefix *addrs; /* gateway addresses with prefix length */
	size_t n_addrs;
	bool no_ipv6;      /* disable IPv6 on it before it comes up (no link-local) */
};

/* Creates the bridge (up, with its group and MTU in the creating request;
 * with no_ipv6, down until IPv6 is off on it), then labels it and sets its
 * addresses. EEXIST when the name is taken:
 * the link holding it is not touched. */
int netd_bridge_create(struct netd *nd, const struct netd_bridge_spec *spec, nc_err *err);

struct netd_veth_spec {
	const char *host_name;  /* host end, <= 15 chars */
	const char *host_alias; /* label of the host end */
	const char *bridge;     /* host end is enslaved here and brought up */
	uint32_t group;         /* link group of the host end, 0 = none */
	int peer_nsfd;          /* the peer is created directly in this netns */
	const char *peer_name;  /* its name there ("eth0"), <= 15 chars */
	const uint8_t *peer_mac;/* 6 bytes, or NULL for a random one */
	uint32_t mtu;           /* both ends; 0 = the bridge's / default */
};

/* One RTM_NEWLINK: the pair with the peer born inside its namespace
 * (VETH_INFO_PEER + IFLA_NET_NS_FD), the host end in the bridge, in its
 * group and up. Then its alias, in a request of its own once the creation
 * succeeded (the kernel ignores an alias given at creation). The peer is
 * left down; configure it with netd_ns_*. EEXIST when a name is taken;
 * nothing is created then. */
int netd_veth_create(struct netd *nd, const struct netd_veth_spec *spec, nc_err *err);

/* Deletes a link by name; a missing link is success. */
int netd_link_delete(struct netd *nd, const char *name, nc_err *err);

/* Deletes every link of `group` in one request (the kernel's bulk
 * unregister). No link in the group is success. */
int netd_link_delete_group(struct netd *nd, uint32_t group, nc_err *err);

/* Calls fn for each link of the host namespace whose alias starts with
 * `alias_prefix`. Used by `down` to find leftovers by label. */
typedef int (*netd_link_fn)(const char *name, const char *alias, void *data, nc_err *err);
int netd_link_foreach_alias(struct netd *nd, const char *alias_prefix, netd_link_fn fn,
			    void *data, nc_err *err);

/* Global-scope addresses (with prefix length) of an existing link of the
 * host namespace; -ENODEV when there is no such link. *out is malloc'ed. */
int netd_link_addrs(struct netd *nd, const char *name, struct nc_prefix **out, size_t *n,
		    nc_err *err);

/* True if a link of that name exists in the host namespace. */
int netd_link_exists(struct netd *nd, const char *name, bool *exists, nc_err *err);

/* Writes a sysctl of the host namespace, e.g. "net/ipv4/ip_forward" = "1". */
int netd_sysctl_set(struct netd *nd, const char *key, const char *value, nc_err *err);

/* ---- inside a namespace ---------------------------------------------- */

/* A session inside the namespace `nsfd` (the fd is not taken): its netlink
 * socket is created there, so it acts there from any thread. */
int netd_ns_open(struct netd *nd, int nsfd, struct netd_ns **out, nc_err *err);
void netd_ns_close(struct netd_ns *ns);

/*
 * Pipelining. After netd_ns_batch(), the netd_ns_link_*, netd_ns_addr_add
 * and netd_ns_route_add calls below only queue their request (and return
 * 0 unless the input is invalid); netd_ns_commit() sends them together and
 * returns the first failure, named by its own object. The kernel applies
 * them in order, so an address may come before the route that needs it; it
 * does not stop at a failure. An interface index the session has not yet
 * looked up is fetched when a call needs it, which sends what is queued so
 * far (a failure among those is then returned by that call). Sysctls and
 * shaping are never queued.
 */
void netd_ns_batch(struct netd_ns *ns);
int netd_ns_commit(struct netd_ns *ns, nc_err *err);

int netd_ns_link_up(struct netd_ns *ns, const char *ifname, nc_err *err);
int netd_ns_link_set_mtu(struct netd_ns *ns, const char *ifname, uint32_t mtu, nc_err *err);
int netd_ns_link_set_alias(struct netd_ns *ns, const char *ifname, const char *alias, nc_err *err);

/* Adds addr/len on ifname (IPv4 or IPv6; IPv6 without duplicate address
 * detection, so it is usable at once). */
int netd_ns_addr_add(struct netd_ns *ns, const char *ifname, const struct nc_prefix *addr,
		     nc_err *err);

/* Adds a route to `dst` (len 0 = default) via `gateway` (family 0 = on-link
 * through `dev`). `dev` may be NULL when the gateway is on a connected
 * subnet; the kernel then picks the interface. */
int netd_ns_route_add(struct netd_ns *ns, const struct nc_prefix *dst, const struct nc_ip *gateway,
		      const char *dev, nc_err *err);

/* The same, where the route may be there already (EEXIST) or its
 * interface still down (ENETDOWN, ENETUNREACH): both are success, for
 * putting back routes the kernel dropped with their interface. */
int netd_ns_route_restore(struct netd_ns *ns, const struct nc_prefix *dst,
			  const struct nc_ip *gateway, const char *dev, nc_err *err);

/* Writes a net.* sysctl inside the namespace; key in slash or dot form
 * ("net.ipv4.ip_forward" or "net/ipv4/ip_forward"). Only net.* keys are
 * namespaced by the network namespace; others are refused with EPERM. */
int netd_ns_sysctl_set(struct netd_ns *ns, const char *key, const char *value, nc_err *err);

/* A socket created inside the namespace `nsfd` (it stays bound there):
 * raw ICMP for probes, AF_PACKET for captures, TCP/UDP for checks. */
int netd_ns_socket(struct netd *nd, int nsfd, int domain, int type, int protocol, int *fd,
		   nc_err *err);

/* ---- ICMP probes ------------------------------------------------------- */

enum netd_probe_result {
	NETD_PROBE_NO_ANSWER,    /* nothing came back in time */
	NETD_PROBE_REPLY,        /* echo reply from the target */
	NETD_PROBE_TTL_EXCEEDED, /* a router on the path (`from`) said time exceeded */
	NETD_PROBE_UNREACHABLE,  /* a destination-unreachable answer */
	NETD_PROBE_NO_ROUTE,     /* the source has no route: nothing was sent */
};

struct netd_probe {
	size_t src;         /* index into the nsfds given to netd_icmp_probe */
	struct nc_ip dst;
	uint8_t ttl;        /* 0 = 255, the most there is */
	/* results */
	enum netd_probe_result result;
	struct nc_ip from;  /* who answered */
	uint8_t icmp_type, icmp_code;
	uint32_t rtt_us;
	/* internal */
	bool done;
	uint64_t sent_us;
};

/* Sends one echo request per probe from inside its source namespace (all
 * at once) and collects answers for up to timeout_ms. */
int netd_icmp_probe(struct netd *nd, const int *nsfds, size_t n_src, struct netd_probe *probes,
		    size_t n, unsigned timeout_ms, nc_err *err);

/* ---- what the host routes -------------------------------------------- */

struct netd_host_route {
	struct nc_prefix dst;
	int oif;
	char dev[IF_NAMESIZE]; /* "" when unknown */
};

/* Routes of the host namespace's main table, except the default routes,
 * IPv6 link-local and multicast: what a lab's subnets must not overlap.
 * *out is malloc'ed. */
int netd_host_routes(struct netd *nd, struct netd_host_route **out, size_t *n, nc_err *err);

/* ---- what the host's own processes listen on ------------------------- */

struct nlmsghdr;

/* A socket waiting for anyone's traffic: a listening TCP socket, or a
 * bound and unconnected UDP socket. */
struct netd_host_socket {
	uint8_t proto;      /* IPPROTO_TCP or IPPROTO_UDP */
	struct nc_ip addr;  /* local address (AF_INET or AF_INET6); all zeros: any */
	uint16_t port;
	bool v6only;        /* IPv6 only; a [::] socket without it takes IPv4 too */
	uint32_t inode;     /* the socket's inode, 0 when unknown */
	uint32_t uid;
};

/* Those sockets in the session's namespace, over NETLINK_SOCK_DIAG
 * (inet_diag), IPv4 and IPv6. *out is malloc'ed. */
int netd_host_sockets(struct netd *nd, struct netd_host_socket **out, size_t *n, nc_err *err);

/* One inet_diag answer (SOCK_DIAG_BY_FAMILY) of a dump of `proto` into
 * *out. Pure; -EINVAL when it is no such answer. Exposed for tests. */
int netd_sockdiag_parse(const struct nlmsghdr *nlh, uint8_t proto, struct netd_host_socket *out);

/* The process holding socket `inode`, by its /proc/PID/fd links under
 * proc_root ("/proc"): its pid and comm. False when not found within a
 * bounded walk (no such socket, another PID namespace, too many files). */
bool netd_socket_owner(const char *proc_root, uint32_t inode, int *pid, char *comm, size_t size);

/* ---- the neighbour tables (host-wide) -------------------------------- */

struct netd_neigh_limits {
	uint32_t thresh[3]; /* gc_thresh1, 2, 3 */
	uint32_t entries;   /* entries now, in every namespace together */
};

/* The IPv4 (ARP) or IPv6 (ND) table's limits and size, over rtnetlink:
 * answered in any namespace, since the table is the machine's. */
int netd_neigh_limits(struct netd *nd, int family, struct netd_neigh_limits *out, nc_err *err);

/* One RTM_NEWNEIGHTBL answer of `family`; -ENOENT for a message without
 * thresholds (the per-device ones). Pure; exposed for tests. */
int netd_neigh_parse_table(const struct nlmsghdr *nlh, int family, struct netd_neigh_limits *out);

/* Writes gc_thresh3, 2 and 1 (in that order) under
 * sysctl_root/net/ipv{4,6}/neigh/default/. The kernel has those files
 * only in the initial network namespace: elsewhere this fails with
 * ENOENT. */
int netd_neigh_set_limits(const char *sysctl_root, int family, const uint32_t thresh[3], nc_err *err);

/* ---- point-to-point links -------------------------------------------- */

struct netd_p2p_end {
	int nsfd;
	const char *name;    /* <= 15 chars, in that namespace */
	const uint8_t *mac;  /* 6 bytes or NULL */
};

struct netd_p2p_spec {
	struct netd_p2p_end a, b;
	uint32_t mtu; /* 0 = default */
};

/* One veth pair with each end born in its own namespace; both down. */
int netd_p2p_create(struct netd *nd, const struct netd_p2p_spec *spec, nc_err *err);

/* ---- shaping ---------------------------------------------------------- */

struct netd_shape {
	uint64_t rate_bps;  /* 0 = unlimited */
	uint32_t delay_us;
	uint32_t jitter_us;
	double loss_pct;    /* 0..100 */
};

/* True when the shape needs sch_netem (delay, jitter or loss). */
bool netd_shape_needs_netem(const struct netd_shape *s);

/* Root qdisc on the egress of `ifname`: tbf for a rate alone, netem
 * otherwise. A shape with nothing set does nothing. */
int netd_ns_shape(struct netd_ns *ns, const char *ifname, const struct netd_shape *s, nc_err *err);
int netd_shape(struct netd *nd, const char *ifname, const struct netd_shape *s, nc_err *err);

/* Removes the root qdisc of `ifname` (back to the kernel's default, no
 * shaping). No qdisc of ours there is success. */
int netd_ns_unshape(struct netd_ns *ns, const char *ifname, nc_err *err);
int netd_unshape(struct netd *nd, const char *ifname, nc_err *err);

/* Whether this kernel runs qdisc `kind` ("netem", "tbf"): tried on `lo` of
 * a throw-away namespace. *ok false with the kernel's reason in `why`. */
int netd_qdisc_probe(struct netd *nd, const char *kind, bool *ok, char *why, size_t why_size,
		     nc_err *err);

/* ---- live state of a link ---------------------------------------------- */

struct netd_link_state {
	bool up;            /* administratively up (IFF_UP) */
	bool carrier;       /* the lower layer is up (IFF_LOWER_UP): for a veth,
			       its peer is up */
	uint8_t operstate;  /* IF_OPER_* (RFC 2863) */
	char qdisc[16];     /* kind of the root qdisc ("noqueue", "netem", "tbf") */
	struct netd_shape shape; /* what a root netem or tbf applies; zero otherwise */
};

/* Sets a link's administrative state (nothing else changes). Setting the
 * state it already has is success. */
int netd_link_set_up(struct netd *nd, const char *ifname, bool up, nc_err *err);
int netd_ns_link_set_up(struct netd_ns *ns, const char *ifname, bool up, nc_err *err);

/* Reads a link's state and the shaping of its root qdisc; -ENODEV when
 * there is no such link. */
int netd_link_state(struct netd *nd, const char *ifname, struct netd_link_state *out,
		    nc_err *err);
int netd_ns_link_state(struct netd_ns *ns, const char *ifname, struct netd_link_state *out,
		       nc_err *err);

/* RFC 2863 operstate name as `ip link` prints it ("UP", "DOWN",
 * "LOWERLAYERDOWN", "UNKNOWN"...). */
const char *netd_operstate_name(uint8_t operstate);

/* ---- nftables -------------------------------------------------------- */

struct netd_fw_masq {
	const char *bridge;      /* traffic from this bridge ... */
	struct nc_prefix subnet; /* ... with a source in this subnet is masqueraded
				    when it leaves through any other interface */
};

/* A published port: traffic to a host address (or any) on host_port goes
 * to addr:port of a container. */
struct netd_fw_port {
	uint8_t proto;        /* IPPROTO_TCP or IPPROTO_UDP */
	struct nc_ip host_ip; /* family 0: every address of the host */
	uint16_t host_port;
	struct nc_ip addr;    /* the container's address (its family decides v4/v6) */
	uint16_t port;
};

/* A bridge port of a network with anti-spoofing: what comes in on it
 * must carry its container's own MAC and addresses. */
struct netd_fw_guard {
	const char *port;     /* the host end of the container's veth */
	uint8_t mac[6];       /* the container's MAC */
	struct nc_ip addr4;   /* family 0: the port may send no IPv4 (nor ARP) */
	struct nc_ip addr6;   /* family 0: none but its link-local address */
};

struct netd_fw {
	const char *table;   /* "nc_<project>" (family inet; and bridge, see guards) */
	const char *comment; /* label: project */
	const char *const *bridges; /* every bridge of the project */
	size_t n_bridges;
	const char *const *internal; /* the bridges of internal networks */
	size_t n_internal;
	const struct netd_fw_masq *masq;
	size_t n_masq;
	const struct netd_fw_port *ports;
	size_t n_ports;
	const struct netd_fw_guard *guards; /* in a table of family bridge */
	size_t n_guards;
};

/*
 * Renders the project's table as nft text: a delete-and-recreate that the
 * kernel applies as one transaction. Pure (no I/O); returns a malloc'ed
 * string in *out. The table:
 *  - NATs what leaves the host from a non-internal network;
 *  - publishes ports (DNAT from any host address, also from the host itself
 *    and 127.0.0.1, which needs route_localnet on the bridge; hairpin from a
 *    container of the project is masqueraded so replies come back through
 *    the host);
 *  - isolates: no forwarding between two bridges of the project, nothing
 *    in or out of an internal network, nothing started from outside (or
 *    from another project) into a lab network except published ports;
 *  - with guards, a table of family bridge of the same name lets each
 *    guarded port send only with its container's MAC and addresses, ARP
 *    sender fields and neighbour advertisements included (the inet part
 *    never sees ARP, nor frames bridged between two ports);
 *  - guards the host: nothing from an internal network is delivered to
 *    it, and nothing from a bridge reaches its 127.0.0.0/8 (which
 *    route_localnet would let in) except replies to its own connections.
 */
int netd_fw_render(const struct netd_fw *fw, char **out, nc_err *err);

/* Applies text produced by netd_fw_render (one transaction). Errors carry
 * the first line of libnftables' own message. */
int netd_fw_apply(struct netd *nd, const char *text, nc_err *err);

/* Deletes `table` (families inet and bridge); a missing table is success. */
int netd_fw_delete(struct netd *nd, const char *table, nc_err *err);

/* Whether a base chain of *another* table (not "nc_*") hooks forward with
 * policy drop; `where` names the first ("table ip filter chain FORWARD"). */
int netd_fw_forward_drop(struct netd *nd, char *where, size_t size, bool *found, nc_err *err);

/* The parser behind it, on `nft list chains` text; returns how many. */
int netd_fw_parse_forward_drop(const char *listing, const char *own_prefix, char *where,
			       size_t size);

/* Whether br_netfilter sends bridged IPv4 through the IP hooks here. */
int netd_br_netfilter_on(bool *on);

/* True if table `table` (family inet) exists. */
int netd_fw_exists(struct netd *nd, const char *table, bool *exists, nc_err *err);

#endif
