/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/up.h"

#include <errno.h>
#include <stdatomic.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/lifecycle/record.h"
#include "compose/lifecycle/runtime-spec.h"
#include "compose/lifecycle/fault.h"
#include "compose/lifecycle/host-neigh.h"
#include "compose/lifecycle/host-ports.h"
#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/parallel.h"
#include "compose/lifecycle/reconcile.h"
#include "compose/lifecycle/state.h"
#include "compose/lifecycle/teardown.h"
#include "compose/plan/etcfiles.h"
#include "config.h"
#include "netd/netd.h"

struct up_ctx {
	const struct nc_plan *p;
	const struct nc_paths *paths;
	struct nc_report *rep;
	struct nc_state *st;
	struct netd *nd;
	struct rt_cgroups *cg;
	struct nc_fault own_fault;
	struct nc_fault *fault;
	struct nc_teardown td;
	int *nsfd; /* per container */
	uint32_t group;
	char *host_resolv;
	bool refused;
	bool (*cancelled)(void);
	unsigned workers;
	struct netd **nds; /* one per worker; nds[0] is nd */
	atomic_size_t done;
	/* nc_up_partial: only these containers and networks are made
	 * (NULL: all, as for a first `up`). */
	const bool *only;
	const bool *new_net;
	/* /etc/hosts texts rendered once per view (step_prepare): hosts[g]
	 * for the containers whose hosts_of is g; SIZE_MAX renders its own. */
	struct nc_strbuf *hosts;
	size_t n_hosts;
	size_t *hosts_of;
	size_t *hosts_by; /* hosts_by[g]: a container of view g */
};

static bool skip_container(const struct up_ctx *c, size_t i)
{
	return c->only && !c->only[i];
}

static int check_cancelled(struct up_ctx *c, nc_err *err)
{
	if (c->cancelled && c->cancelled())
		return nc_err_msg(err, ECANCELED, "interrupted");
	return 0;
}

struct up_step {
	const char *name;
	int (*run)(struct up_ctx *c, nc_err *err);
	int (*undo)(struct nc_teardown *t, nc_err *err);
};

/* ---- check the host --------------------------------------------------- */

/* `up` will not start: the host holds something in the way (cause NULL:
 * EEXIST), or the host cannot do what the file asks (cause: why, with its
 * errno). */
static int refuse(struct up_ctx *c, nc_err *err, const nc_err *cause, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int refuse(struct up_ctx *c, nc_err *err, const nc_err *cause, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	if (cause) {
		char what[NC_ERR_MSG_MAX];
		vsnprintf(what, sizeof(what), fmt, ap);
		r = nc_err_wrap(err, cause, "%s", what);
	} else {
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		err->errnum = EEXIST;
		r = -EEXIST;
	}
	va_end(ap);
	c->refused = true;
	return r;
}

static int check_link_free(struct up_ctx *c, const char *name, const char *what, nc_err *err)
{
	bool exists;
	int r = netd_link_exists(c->nd, name, &exists, err);

	if (r < 0)
		return r;
	if (exists)
		return refuse(c, err, NULL,
			      "%s: interface name `%s` is already taken on this host; remove it or rename the %s",
			      what, name, strchr(what, '`') ? "object" : "network");
	return 0;
}

static const struct nc_mark *subnet_mark(const struct nc_network *n, const struct nc_prefix *s)
{
	for (size_t i = 0; i < n->n_ipam; i++)
		if (n->ipam[i].subnet.ip.family == s->ip.family)
			return &n->ipam[i].subnet_mark;
	return &n->mark;
}

/* A subnet overlapping a host route (other than the default
 * route) would make the host send one of them the wrong way. Automatic
 * subnets already steer around these; written ones are refused. */
static int check_host_routes(struct up_ctx *c, nc_err *err)
{
	struct netd_host_route *routes = NULL;
	size_t n = 0;
	int r = netd_host_routes(c->nd, &routes, &n, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < c->p->n_networks && r == 0; i++) {
		const struct nc_plan_network *pn = &c->p->networks[i];
		const struct nc_prefix *subnets[] = { pn->auto_subnet4 ? NULL : &pn->subnet4,
						      &pn->subnet6 };
		for (size_t k = 0; k < 2 && r == 0; k++) {
			const struct nc_prefix *s = subnets[k];
			if (!s || !s->ip.family || pn->external)
				continue;
			for (size_t j = 0; j < n; j++) {
				char a[NC_PREFIX_STRLEN], b[NC_PREFIX_STRLEN];
				if (!nc_prefix_overlaps(s, &routes[j].dst))
					continue;
				r = nc_model_error(c->p->model, *subnet_mark(pn->model, s), err,
						   "subnet %s of network `%s` overlaps the host's route to %s%s%s; pick a subnet the host does not use",
						   nc_prefix_str(s, a), pn->name, nc_prefix_str(&routes[j].dst, b),
						   routes[j].dev[0] ? " via " : "", routes[j].dev);
				c->refused = true;
				break;
			}
		}
	}
	free(routes);
	return r;
}

/* Another firewall whose forward chain drops by default (Docker's does)
 * overrides our accepts. With br_netfilter on, even two containers on one
 * bridge could not talk: refuse. Without it, only traffic that leaves the
 * lab is affected: say so. */
static int check_forward_policy(struct up_ctx *c, nc_err *err)
{
	char where[256];
	bool drop, brnf;
	int r = netd_fw_forward_drop(c->nd, where, sizeof(where), &drop, err);

	if (r < 0 || !drop)
		return r;
	netd_br_netfilter_on(&brnf);
	if (brnf)
		return refuse(c, err, NULL,
			      "another firewall drops forwarded traffic (%s, policy drop) and br_netfilter sends bridged traffic through it, so containers of one network could not reach each other; allow the ncompose bridges there (e.g. iifname \"nc*\" accept), or run `sysctl -w net.bridge.bridge-nf-call-iptables=0`",
			      where);
	if (c->p->needs_forwarding)
		nc_report_warn(c->rep,
			       "another firewall drops forwarded traffic (%s, policy drop): traffic leaving the lab through NAT will be dropped unless it allows the ncompose bridges",
			       where);
	return 0;
}

/* delay, jitter and loss need sch_netem. Asked of the kernel before
 * anything is built (this VM's kernel has none). */
static int check_netem(struct up_ctx *c, nc_err *err)
{
	char why[256];
	bool ok;
	int r;

	if (!c->p->netem_user)
		return 0;
	if ((r = netd_qdisc_probe(c->nd, "netem", &ok, why, sizeof(why), err)) < 0)
		return r;
	if (ok)
		return 0;
	c->refused = true;
	const struct nc_plan_iface *pi = c->p->netem_user;
	return nc_model_error(c->p->model, pi->shape_mark, err,
			      "service `%s` interface `%s`: delay, jitter and loss need the kernel's netem queueing discipline (sch_netem), which this kernel cannot load (%s); keep only `rate`, or use a kernel with CONFIG_NET_SCH_NETEM",
			      c->p->netem_user_container->name, pi->ifname, why);
}

/* Limits this host cannot apply (a cpuset of CPUs it lacks, a missing
 * controller) refuse the lab before anything exists. A block I/O weight
 * needs a scheduler with weights (BFQ, or CFQ on old kernels): without
 * one the kernel has no file to write and Docker ignores it too, so we
 * say so and go on. */
static int check_limits(struct up_ctx *c, const struct nc_plan_container *pc, nc_err *err)
{
	struct rt_limits lim = pc->limits;

	if (lim.blkio_weight && !rt_cgroup_supports(c->cg, RT_LIMIT_BLKIO_WEIGHT)) {
		nc_report_warn(c->rep,
			       "service `%s`: blkio_config.weight is ignored: no block device of this host has a scheduler with weights (BFQ)",
			       pc->name);
		lim.blkio_weight = 0;
	}
	nc_err e;
	if (rt_cgroup_check(c->cg, &lim, &e) < 0)
		return refuse(c, err, &e, "service `%s`", pc->name);
	return 0;
}

/* A port another project already publishes (its journal says so). */
static int check_ports_free(struct up_ctx *c, nc_err *err)
{
	_cleanup_strv_ char **projects = NULL;
	int r = 0;

	if (!c->p->n_ports)
		return 0;
	if ((r = nc_state_list_projects(c->paths->state_root, &projects, err)) < 0)
		return r;
	for (char **pr = projects; *pr && r == 0; pr++) {
		char path[PATH_MAX];
		struct nc_records j;
		nc_err e;
		if (!strcmp(*pr, c->p->project) ||
		    nc_pathf(path, sizeof(path), "%s/%s/journal", c->paths->state_root, *pr) < 0 ||
		    nc_records_read_file(path, &j, &e) < 0)
			continue;
		for (size_t i = 0; i < j.n && r == 0; i++) {
			struct nc_jrec jr;
			nc_jrec_parse(&j.v[i], &jr);
			if (jr.kind != NC_JK_PORT)
				continue;
			for (size_t k = 0; k < c->p->n_ports; k++) {
				const struct nc_plan_port *pp = &c->p->ports[k];
				char ip[NC_IP_STRLEN] = "*";
				if (pp->host_ip.family)
					nc_ip_str(&pp->host_ip, ip);
				bool same_ip = !strcmp(jr.port.host_ip, "*") || !strcmp(ip, "*") ||
					       !strcmp(jr.port.host_ip, ip);
				if (strcmp(jr.port.proto, pp->proto == 17 ? "udp" : "tcp") || !same_ip ||
				    jr.port.host_port != pp->host_port)
					continue;
				c->refused = true;
				r = nc_model_error(c->p->model, pp->model->mark, err,
						   "port %s/%u is already published by project `%s`; pick another host port or bring `%s` down",
						   jr.port.proto, pp->host_port, *pr, *pr);
				break;
			}
		}
		nc_records_free(&j);
	}
	return r;
}

/* A port a host process already listens on (compose/lifecycle/host-ports.h). */
static int check_host_sockets(struct up_ctx *c, nc_err *err)
{
	bool held;
	int r = nc_host_ports_check(c->p, c->nd, "/proc", &held, err);

	if (r < 0 && !held) {
		/* A kernel without inet_diag: the check is lost, not the lab. */
		nc_report_warn(c->rep, "cannot check the host's sockets against the published ports: %s",
			       err->msg);
		return 0;
	}
	c->refused |= held;
	return r;
}

static int step_check(struct up_ctx *c, nc_err *err)
{
	const struct nc_plan *p = c->p;
	char what[256];
	bool any;
	int r;

	if (c->td.journal && c->td.journal->n > 0) {
		bool done = false;
		for (size_t i = 0; i < c->td.journal->n; i++) {
			struct nc_jrec jr;
			nc_jrec_parse(&c->td.journal->v[i], &jr);
			done |= jr.kind == NC_JK_UP_DONE;
		}
		return refuse(c, err, NULL,
			      done ? "project `%s` is already up; run `ncompose -p %s down` first"
				   : "project `%s` has leftovers of an `up` that did not finish; run `ncompose -p %s down` to clean them",
			      p->project, p->project);
	}
	if ((r = nc_teardown_leftovers(&c->td, &any, what, sizeof(what), err)) < 0)
		return r;
	if (any)
		return refuse(c, err, NULL,
			      "project `%s` has leftovers from an earlier run (%s); run `ncompose -p %s down` to clean them",
			      p->project, what, p->project);

	for (size_t i = 0; i < p->n_networks; i++) {
		const struct nc_plan_network *pn = &p->networks[i];
		snprintf(what, sizeof(what), "network `%s`", pn->name);
		if (!pn->external && (r = check_link_free(c, pn->bridge, what, err)) < 0)
			return r;
	}
	if ((r = check_host_routes(c, err)) < 0 || (r = check_forward_policy(c, err)) < 0 ||
	    (r = check_netem(c, err)) < 0 || (r = check_ports_free(c, err)) < 0 ||
	    (r = check_host_sockets(c, err)) < 0)
		return r;
	for (size_t i = 0; i < p->n_containers; i++) {
		const struct nc_plan_container *pc = &p->containers[i];
		char path[PATH_MAX];
		struct stat sb;

		snprintf(path, sizeof(path), "%s/%s", c->paths->netns_dir, pc->netns);
		if (lstat(path, &sb) == 0)
			return refuse(c, err, NULL,
				      "service `%s`: network namespace `%s` already exists; delete it (`ip netns del %s`) or rename the project",
				      pc->name, pc->netns, pc->netns);
		if ((r = check_limits(c, pc, err)) < 0)
			return r;
		for (size_t k = 0; k < pc->n_ifaces; k++) {
			if (!pc->ifaces[k].net)
				continue; /* a link end has no host side */
			snprintf(what, sizeof(what), "service `%s` interface `%s`", pc->name,
				 pc->ifaces[k].ifname);
			if ((r = check_link_free(c, pc->ifaces[k].host_ifname, what, err)) < 0)
				return r;
		}
	}
	return 0;
}

/* ---- journal header, forwarding --------------------------------------- */

static int step_journal(struct up_ctx *c, nc_err *err)
{
	char group[16];

	c->group = nc_link_group(c->p->project, 0);
	snprintf(group, sizeof(group), "%" PRIu32, c->group);
	int r = nc_state_journal(c->st, err, NC_J_PROJECT, c->p->project, NC_VERSION, NULL);
	if (r < 0)
		return r;
	/* So that `test` and `graph` work with -p alone, as ps and exec do,
	 * and so that a command run elsewhere knows whose lab this is. */
	const struct nc_model *m = c->p->model;
	for (size_t i = 0; i < m->n_files; i++)
		if (strcmp(m->files[i], "-") &&
		    (r = nc_state_journal(c->st, err, NC_J_FILE, m->files[i], NULL)) < 0)
			return r;
	_cleanup_free_ char *file = !m->n_files && m->path ? realpath(m->path, NULL) : NULL;
	if (file && (r = nc_state_journal(c->st, err, NC_J_FILE, file, NULL)) < 0)
		return r;
	if (m->dir && (r = nc_state_journal(c->st, err, NC_J_DIR, m->dir, NULL)) < 0)
		return r;
	if ((r = nc_state_journal(c->st, err, NC_J_GROUP, group, NULL)) < 0)
		return r;
	/* What each service runs, for a second `up` to compare with. */
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	if ((r = nc_reconcile_records(c->p, c->paths, &b, err)) < 0)
		return r;
	return b.len ? nc_state_journal_raw(c->st, b.s, b.len, err) : 0;
}

static int step_forwarding(struct up_ctx *c, nc_err *err)
{
	bool v6 = false;
	int r;

	if (!c->p->needs_forwarding)
		return 0;
	/* As Docker does: NAT to the outside needs the host to forward. It is
	 * a host-wide switch, so it is left on at `down`. */
	nc_report_verbose(c->rep, "enable IPv4 forwarding on the host (net.ipv4.ip_forward=1)");
	if ((r = netd_sysctl_set(c->nd, "net.ipv4.ip_forward", "1", err)) < 0)
		return r;
	for (size_t i = 0; i < c->p->n_networks; i++)
		v6 |= !c->p->networks[i].internal && c->p->networks[i].subnet6.ip.family;
	if (v6) {
		nc_report_verbose(c->rep, "enable IPv6 forwarding on the host (net.ipv6.conf.all.forwarding=1)");
		if ((r = netd_sysctl_set(c->nd, "net.ipv6.conf.all.forwarding", "1", err)) < 0)
			return r;
	}
	return 0;
}

/* A big flat lab outgrows the host-wide neighbour tables: raised here, or
 * the user is told what to set (compose/lifecycle/host-neigh.h). Host-wide
 * like forwarding, so not undone. */
static int step_neigh(struct up_ctx *c, nc_err *err)
{
	(void)err;
	nc_neigh_fit(c->p, c->nd, "/proc/sys", c->rep);
	return 0;
}

/* ---- bridges, namespaces, veths --------------------------------------- */

static int step_bridges(struct up_ctx *c, nc_err *err)
{
	int r;

	for (size_t i = 0; i < c->p->n_networks; i++) {
		const struct nc_plan_network *pn = &c->p->networks[i];
		struct nc_prefix gw[2];
		size_t n = 0;

		if (pn->external || (c->new_net && !c->new_net[i]))
			continue;
		if (pn->gateway_on_host && pn->gateway4.family)
			gw[n++] = (struct nc_prefix){ pn->gateway4, pn->subnet4.len };
		if (pn->gateway_on_host && pn->gateway6.family)
			gw[n++] = (struct nc_prefix){ pn->gateway6, pn->subnet6.len };
		struct netd_bridge_spec spec = {
			.name = pn->bridge, .alias = pn->label, .group = c->group,
			.mtu = pn->mtu, .addrs = gw, .n_addrs = n,
			/* The host is no member of an internal network. */
			.no_ipv6 = pn->internal,
		};
		nc_report_verbose(c->rep, "create bridge %s for network %s", pn->bridge, pn->name);
		if ((r = nc_state_journal(c->st, err, NC_J_BRIDGE, pn->bridge, pn->name, NULL)) < 0 ||
		    (r = nc_fault_step(c->fault, "create bridge", err)) < 0 ||
		    (r = netd_bridge_create(c->nd, &spec, err)) < 0)
			return nc_err_prefix(err, "network `%s`", pn->name);
	}
	return 0;
}

/* ---- wiring one container (on a worker) ------------------------------- */

/* Each worker has its own netlink session: a netd is bound to the thread
 * that moves between namespaces with it. */
static int worker_netd(struct up_ctx *c, unsigned w, struct netd **nd, nc_err *err)
{
	if (!c->nds[w]) {
		int r = netd_open(&c->nds[w], err);
		if (r < 0)
			return r;
	}
	*nd = c->nds[w];
	return 0;
}

static void progress(struct up_ctx *c, const char *what)
{
	size_t done = atomic_fetch_add(&c->done, 1) + 1;
	nc_report_progress(c->rep, what, done, c->p->n_containers);
}

/* A `net.ipv4.conf.default.*` (or ipv6) key only reaches the interfaces
 * registered after it is written: the kernel copies `default` into each
 * interface as it arrives. So the lab's defaults go in while the namespace
 * holds nothing but lo, before its veths move in; otherwise every
 * interface keeps the value the namespace inherited from the host's
 * initial namespace (rp_filter=1 on many hosts), whatever the lab says. */
static bool conf_default_key(const char *key)
{
	static const char *const prefixes[] = { "net.ipv4.conf.default.", "net.ipv6.conf.default.",
						"net/ipv4/conf/default/", "net/ipv6/conf/default/" };
	for (size_t k = 0; k < NC_ELEMENTSOF(prefixes); k++)
		if (!strncmp(key, prefixes[k], strlen(prefixes[k])))
			return true;
	return false;
}

static int set_conf_defaults(struct up_ctx *c, struct netd *nd, size_t i, nc_err *err)
{
	const struct nc_plan_container *pc = &c->p->containers[i];
	struct netd_ns *ns = NULL;
	int r = 0;

	for (size_t k = 0; k < pc->n_net_sysctls && r >= 0; k++) {
		const struct nc_kv *kv = &pc->net_sysctls[k];
		if (!conf_default_key(kv->key))
			continue;
		if (!ns && (r = netd_ns_open(nd, c->nsfd[i], &ns, err)) < 0)
			return r;
		nc_report_verbose(c->rep, "%s: sysctl %s=%s (before its interfaces)", pc->name, kv->key,
				  kv->value);
		r = netd_ns_sysctl_set(ns, kv->key, kv->value, err);
	}
	if (ns)
		netd_ns_close(ns);
	return r;
}

static int create_netns(struct up_ctx *c, struct netd *nd, size_t i, nc_err *err)
{
	const struct nc_plan_container *pc = &c->p->containers[i];
	int r;

	nc_report_verbose(c->rep, "create network namespace %s", pc->netns);
	uint64_t t = nc_report_clock(c->rep);
	if ((r = nc_state_journal(c->st, err, NC_J_NETNS, pc->netns, pc->name, NULL)) < 0)
		return r;
	t = nc_report_time(c->rep, "  journal (per container)", t);
	if ((r = nc_fault_step(c->fault, "create network namespace", err)) < 0 ||
	    (r = netd_netns_create(nd, c->paths->netns_dir, pc->netns, pc->label, &c->nsfd[i],
				   err)) < 0)
		return r;
	nc_report_time(c->rep, "  create netns (summed)", t);
	return set_conf_defaults(c, nd, i, err);
}

static int create_veths(struct up_ctx *c, struct netd *nd, size_t i, nc_err *err)
{
	const struct nc_plan_container *pc = &c->p->containers[i];
	int r;

	for (size_t k = 0; k < pc->n_ifaces; k++) {
		const struct nc_plan_iface *pi = &pc->ifaces[k];
		if (!pi->net)
			continue; /* a link end: made with the link */
		struct netd_veth_spec spec = {
			.host_name = pi->host_ifname, .host_alias = pi->label,
			.bridge = pi->net->bridge, .group = c->group,
			.peer_nsfd = c->nsfd[i], .peer_name = pi->ifname,
			.peer_mac = pi->mac, .mtu = pi->mtu,
		};
		nc_report_verbose(c->rep, "create veth %s <-> %s:%s in bridge %s", pi->host_ifname,
				  pc->name, pi->ifname, pi->net->bridge);
		uint64_t t = nc_report_clock(c->rep);
		if ((r = nc_state_journal(c->st, err, NC_J_VETH, pi->host_ifname, pc->name,
					  pi->ifname, NULL)) < 0)
			return r;
		t = nc_report_time(c->rep, "  journal (per container)", t);
		if ((r = nc_fault_step(c->fault, "create veth", err)) < 0 ||
		    (r = netd_veth_create(nd, &spec, err)) < 0)
			return r;
		nc_report_time(c->rep, "  create veth (summed)", t);
		/* Traffic toward the container leaves the host end: shaped
		 * there, as the container's own egress is shaped inside. */
		if ((r = netd_shape(nd, pi->host_ifname, &pi->shape, err)) < 0)
			return r;
	}
	return 0;
}

/* ---- inside each namespace ------------------------------------------- */

static int configure_ns(struct up_ctx *c, const struct nc_plan_container *pc, struct netd_ns *ns,
			nc_err *err)
{
	int r;

	/* sysctls first: some change how addresses behave once added. */
	for (size_t k = 0; k < pc->n_net_sysctls; k++) {
		nc_report_verbose(c->rep, "%s: sysctl %s=%s", pc->name, pc->net_sysctls[k].key,
				  pc->net_sysctls[k].value);
		if ((r = netd_ns_sysctl_set(ns, pc->net_sysctls[k].key, pc->net_sysctls[k].value,
					    err)) < 0)
			return r;
	}
	for (size_t k = 0; k < pc->n_ifaces; k++) {
		const struct nc_plan_iface *pi = &pc->ifaces[k];
		char a[NC_PREFIX_STRLEN];

		if ((r = netd_ns_link_set_alias(ns, pi->ifname, pi->label, err)) < 0)
			return r;
		if (pi->addr4.ip.family) {
			nc_report_verbose(c->rep, "%s: address %s on %s", pc->name,
					  nc_prefix_str(&pi->addr4, a), pi->ifname);
			if ((r = netd_ns_addr_add(ns, pi->ifname, &pi->addr4, err)) < 0)
				return r;
		}
		if (pi->addr6.ip.family) {
			nc_report_verbose(c->rep, "%s: address %s on %s", pc->name,
					  nc_prefix_str(&pi->addr6, a), pi->ifname);
			if ((r = netd_ns_addr_add(ns, pi->ifname, &pi->addr6, err)) < 0)
				return r;
		}
		if ((r = netd_ns_link_up(ns, pi->ifname, err)) < 0 ||
		    (r = netd_ns_shape(ns, pi->ifname, &pi->shape, err)) < 0)
			return r;
	}
	for (size_t k = 0; k < pc->n_routes; k++) {
		const struct nc_plan_route *rt = &pc->routes[k];
		char d[NC_PREFIX_STRLEN], v[NC_IP_STRLEN];

		nc_report_verbose(c->rep, "%s: route %s via %s", pc->name,
				  rt->dst.len ? nc_prefix_str(&rt->dst, d) : "default",
				  nc_ip_str(&rt->via, v));
		if ((r = netd_ns_route_add(ns, &rt->dst, &rt->via, rt->dev, err)) < 0)
			return r;
	}
	return 0;
}

static int configure(struct up_ctx *c, struct netd *nd, size_t i, nc_err *err)
{
	const struct nc_plan_container *pc = &c->p->containers[i];
	struct netd_ns *ns = NULL;
	int r;

	uint64_t t = nc_report_clock(c->rep);
	if ((r = nc_fault_step(c->fault, "configure network namespace", err)) < 0 ||
	    (r = netd_ns_open(nd, c->nsfd[i], &ns, err)) < 0)
		return r;
	t = nc_report_time(c->rep, "  enter netns (summed)", t);
	r = configure_ns(c, pc, ns, err);
	t = nc_report_time(c->rep, "  addresses, routes, up (summed)", t);
	netd_ns_close(ns);
	nc_report_time(c->rep, "  leave netns (summed)", t);
	return r;
}

/* A link needs both namespaces, so links come after every container's
 * namespace exists and before anything is configured inside. */
static int create_links(struct up_ctx *c, nc_err *err)
{
	int r;

	for (size_t i = 0; i < c->p->n_links; i++) {
		const struct nc_plan_link *pl = &c->p->links[i];
		const struct nc_plan_container *a = &c->p->containers[pl->container[0]];
		const struct nc_plan_container *b = &c->p->containers[pl->container[1]];
		const struct nc_plan_iface *ia = &a->ifaces[pl->iface[0]];
		const struct nc_plan_iface *ib = &b->ifaces[pl->iface[1]];
		if (skip_container(c, pl->container[0]) || skip_container(c, pl->container[1])) {
			/* Its other end runs and is kept (--no-recreate). */
			if (c->only)
				nc_report_warn(c->rep, "link `%s` is not made: one of its ends is kept running as it is",
					       pl->name);
			continue;
		}
		struct netd_p2p_spec spec = {
			.a = { c->nsfd[pl->container[0]], ia->ifname, ia->mac },
			.b = { c->nsfd[pl->container[1]], ib->ifname, ib->mac },
			.mtu = pl->mtu,
		};
		nc_report_verbose(c->rep, "create link %s", pl->name);
		if ((r = nc_fault_step(c->fault, "create link", err)) < 0 ||
		    (r = netd_p2p_create(c->nd, &spec, err)) < 0)
			return nc_err_prefix(err, "link `%s`", pl->name);
	}
	return 0;
}

static int plumb_one(void *ctx, unsigned w, size_t i, nc_err *err)
{
	struct up_ctx *c = ctx;
	struct netd *nd;
	int r;

	if ((r = check_cancelled(c, err)) < 0)
		return r;
	if (skip_container(c, i))
		return 0;
	if ((r = worker_netd(c, w, &nd, err)) < 0 || (r = create_netns(c, nd, i, err)) < 0 ||
	    (r = create_veths(c, nd, i, err)) < 0)
		return nc_err_prefix(err, "service `%s`", c->p->containers[i].name);
	return 0;
}

static int configure_one(void *ctx, unsigned w, size_t i, nc_err *err)
{
	struct up_ctx *c = ctx;
	struct netd *nd;
	int r;

	if (skip_container(c, i))
		return 0;
	if ((r = worker_netd(c, w, &nd, err)) < 0 || (r = configure(c, nd, i, err)) < 0)
		return nc_err_prefix(err, "service `%s`", c->p->containers[i].name);
	progress(c, "wiring containers");
	return 0;
}

static int step_wire(struct up_ctx *c, nc_err *err)
{
	int r;

	atomic_store(&c->done, 0);
	if ((r = nc_parallel_for(c->p->n_containers, c->workers, plumb_one, c, err)) == 0 &&
	    (r = create_links(c, err)) == 0)
		r = nc_parallel_for(c->p->n_containers, c->workers, configure_one, c, err);
	nc_report_progress_end(c->rep);
	return r;
}

static int undo_wire(struct nc_teardown *t, nc_err *err)
{
	int r = nc_teardown_links(t, err);
	nc_err e;
	if (nc_teardown_netns(t, &e) < 0 && r == 0) {
		*err = e;
		r = nc_err_ret(err);
	}
	return r;
}

/* ---- firewall, cgroups ------------------------------------------------ */

/* Published ports reached from the host's own 127.0.0.1 are routed out of
 * a bridge with a loopback source, which the kernel drops as martian
 * unless the bridge has route_localnet (Docker sets it too). */
static int allow_localnet(struct up_ctx *c, nc_err *err)
{
	int r;

	if (!c->p->n_ports)
		return 0;
	for (size_t i = 0; i < c->p->n_networks; i++) {
		const struct nc_plan_network *pn = &c->p->networks[i];
		char key[128];
		if (pn->external || pn->internal)
			continue;
		snprintf(key, sizeof(key), "net/ipv4/conf/%s/route_localnet", pn->bridge);
		if ((r = netd_sysctl_set(c->nd, key, "1", err)) < 0)
			return r;
	}
	return 0;
}

static int journal_ports(struct up_ctx *c, nc_err *err)
{
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;

	for (size_t i = 0; i < c->p->n_ports; i++) {
		const struct nc_plan_port *pp = &c->p->ports[i];
		char port[8], ip[NC_IP_STRLEN] = "*";
		snprintf(port, sizeof(port), "%u", pp->host_port);
		if (pp->host_ip.family)
			nc_ip_str(&pp->host_ip, ip);
		const char *f[] = { NC_J_PORT, pp->proto == 17 ? "udp" : "tcp", ip, port,
				    pp->addr.family == AF_INET6 ? "6" : "4" };
		nc_record_append(&b, f, NC_ELEMENTSOF(f));
	}
	if (!nc_strbuf_ok(&b))
		return nc_err_errno(err, ENOMEM, "journal ports");
	return b.len ? nc_state_journal_raw(c->st, b.s, b.len, err) : 0;
}

static int step_firewall(struct up_ctx *c, nc_err *err)
{
	const struct nc_plan *p = c->p;
	_cleanup_free_ const char **bridges = calloc(p->n_networks + 1, sizeof(char *));
	_cleanup_free_ const char **internal = calloc(p->n_networks + 1, sizeof(char *));
	_cleanup_free_ struct netd_fw_masq *masq = calloc(2 * p->n_networks + 1, sizeof(*masq));
	_cleanup_free_ struct netd_fw_port *ports = calloc(p->n_ports + 1, sizeof(*ports));
	size_t n_ifaces = 0, ng = 0;
	for (size_t i = 0; i < p->n_containers; i++)
		n_ifaces += p->containers[i].n_ifaces;
	_cleanup_free_ struct netd_fw_guard *guards = calloc(n_ifaces + 1, sizeof(*guards));
	_cleanup_free_ char *text = NULL;
	char comment[NC_LABEL_MAX];
	size_t nb = 0, ni = 0, nm = 0;
	int r;

	if (!bridges || !internal || !masq || !ports || !guards)
		return nc_err_errno(err, ENOMEM, "firewall of `%s`", p->project);
	for (size_t i = 0; i < p->n_networks; i++) {
		const struct nc_plan_network *pn = &p->networks[i];
		if (pn->external)
			continue; /* someone else's bridge: not ours to filter or NAT */
		bridges[nb++] = pn->bridge;
		if (pn->internal) {
			internal[ni++] = pn->bridge;
			continue;
		}
		if (pn->subnet4.ip.family)
			masq[nm++] = (struct netd_fw_masq){ pn->bridge, pn->subnet4 };
		if (pn->subnet6.ip.family)
			masq[nm++] = (struct netd_fw_masq){ pn->bridge, pn->subnet6 };
	}
	for (size_t i = 0; i < p->n_ports; i++)
		ports[i] = (struct netd_fw_port){ p->ports[i].proto, p->ports[i].host_ip,
						  p->ports[i].host_port, p->ports[i].addr,
						  p->ports[i].port };
	for (size_t i = 0; i < p->n_containers; i++)
		for (size_t k = 0; k < p->containers[i].n_ifaces; k++) {
			const struct nc_plan_iface *pi = &p->containers[i].ifaces[k];
			if (!pi->net || pi->net->external || !pi->net->model->anti_spoofing)
				continue;
			struct netd_fw_guard *g = &guards[ng++];
			g->port = pi->host_ifname;
			memcpy(g->mac, pi->mac, sizeof(g->mac));
			g->addr4 = pi->addr4.ip;
			g->addr6 = pi->addr6.ip;
		}
	if (!nb && !p->n_ports) {
		/* Nothing to filter, NAT or publish: no table (libnftables
		 * takes ~10 ms to add one and as long to delete it). */
		nc_report_verbose(c->rep, "no nftables table: no network of ours, no published port");
		return 0;
	}
	snprintf(comment, sizeof(comment), "%sproject", p->label_prefix);
	struct netd_fw fw = {
		.table = p->table, .comment = comment, .bridges = bridges, .n_bridges = nb,
		.internal = internal, .n_internal = ni, .masq = masq, .n_masq = nm,
		.ports = ports, .n_ports = p->n_ports, .guards = guards, .n_guards = ng,
	};
	nc_report_verbose(c->rep, "apply nftables table inet %s", p->table);
	if ((r = allow_localnet(c, err)) < 0 || (r = netd_fw_render(&fw, &text, err)) < 0 ||
	    (r = journal_ports(c, err)) < 0 ||
	    (r = nc_state_journal(c->st, err, NC_J_TABLE, p->table, NULL)) < 0 ||
	    (r = nc_fault_step(c->fault, "apply nftables table", err)) < 0 ||
	    (r = netd_fw_apply(c->nd, text, err)) < 0)
		return r;
	return 0;
}

/* cgroup and files of one container. */
static int prepare_one(void *ctx, unsigned w, size_t i, nc_err *err)
{
	struct up_ctx *c = ctx;
	const struct nc_plan_container *pc = &c->p->containers[i];
	int r;

	(void)w;
	if (skip_container(c, i))
		return 0;
	nc_report_verbose(c->rep, "create cgroup %s", pc->cgroup);
	uint64_t t = nc_report_clock(c->rep);
	if ((r = nc_state_journal(c->st, err, NC_J_CGROUP, pc->cgroup, pc->name, NULL)) < 0 ||
	    (r = nc_state_journal(c->st, err, NC_J_CONTAINER, pc->name, NULL)) < 0)
		return nc_err_prefix(err, "service `%s`", pc->name);
	t = nc_report_time(c->rep, "  journal (per container)", t);
	if ((r = nc_fault_step(c->fault, "create cgroup", err)) < 0 ||
	    (r = rt_cgroup_create(c->cg, pc->cgroup, &pc->limits, err)) < 0)
		return nc_err_prefix(err, "service `%s`", pc->name);
	t = nc_report_time(c->rep, "  create cgroup (summed)", t);
	const struct nc_strbuf *hosts = c->hosts_of[i] == SIZE_MAX ? NULL : &c->hosts[c->hosts_of[i]];
	if ((r = nc_container_files_write(c->p, pc, c->st, c->host_resolv, hosts, err)) < 0)
		return nc_err_prefix(err, "service `%s`", pc->name);
	nc_report_time(c->rep, "  hosts, resolv.conf files (summed)", t);
	return 0;
}

/* Past this many views, a container renders its own file: finding its
 * view would scan them all (a lab of point-to-point links has about one
 * view a container), and one render each is what that costs anyway. */
#define HOSTS_VIEWS_MAX 64

static int render_hosts(void *ctx, unsigned w, size_t g, nc_err *err)
{
	struct up_ctx *c = ctx;

	(void)w;
	nc_etc_hosts(c->p, &c->p->containers[c->hosts_by[g]], &c->hosts[g]);
	if (!nc_strbuf_ok(&c->hosts[g]))
		return nc_err_errno(err, ENOMEM, "render /etc/hosts of `%s`",
				    c->p->containers[c->hosts_by[g]].name);
	return 0;
}

/* Containers that see the same /etc/hosts (all of them, on one network)
 * share one rendering: rendering it per container is N files of N lines. */
static int group_hosts(struct up_ctx *c, nc_err *err)
{
	const struct nc_plan *p = c->p;
	size_t n = p->n_containers;

	if (!(c->hosts_of = malloc((n + 1) * sizeof(size_t))) ||
	    !(c->hosts_by = malloc(HOSTS_VIEWS_MAX * sizeof(size_t))) ||
	    !(c->hosts = calloc(HOSTS_VIEWS_MAX, sizeof(struct nc_strbuf))))
		return nc_err_errno(err, ENOMEM, "up `%s`", p->project);
	for (size_t i = 0; i < n; i++) {
		const struct nc_plan_container *pc = &p->containers[i];
		c->hosts_of[i] = SIZE_MAX;
		if (skip_container(c, i) || !nc_etc_hosts_shareable(pc))
			continue;
		size_t g = 0;
		while (g < c->n_hosts && !nc_etc_hosts_same(&p->containers[c->hosts_by[g]], pc))
			g++;
		if (g == c->n_hosts) {
			if (g == HOSTS_VIEWS_MAX)
				continue;
			c->hosts_by[c->n_hosts++] = i;
		}
		c->hosts_of[i] = g;
	}
	return 0;
}

static int step_prepare(struct up_ctx *c, nc_err *err)
{
	uint64_t t = nc_report_clock(c->rep);
	int r;

	if ((r = group_hosts(c, err)) < 0 ||
	    (r = nc_parallel_for(c->n_hosts, c->workers, render_hosts, c, err)) < 0)
		return r;
	nc_report_time(c->rep, "  render hosts files once per view", t);
	return nc_parallel_for(c->p->n_containers, c->workers, prepare_one, c, err);
}

static const struct up_step steps[] = {
	{ "check the host", step_check, NULL },
	{ "write the journal", step_journal, NULL },
	{ "enable forwarding", step_forwarding, NULL },
	{ "size the neighbour tables", step_neigh, NULL },
	{ "create bridges", step_bridges, nc_teardown_links },
	{ "wire the containers", step_wire, undo_wire },
	{ "apply the firewall", step_firewall, nc_teardown_firewall },
	{ "create cgroups and files", step_prepare, nc_teardown_cgroups },
};

static void rollback(struct up_ctx *c, size_t failed)
{
	nc_err e;

	nc_report_progress_end(c->rep);
	for (size_t i = failed + 1; i-- > 0;) {
		if (!steps[i].undo)
			continue;
		nc_report_verbose(c->rep, "roll back: %s", steps[i].name);
		if (steps[i].undo(&c->td, &e) < 0)
			nc_report_warn(c->rep, "rollback of `%s` failed: %s", steps[i].name, e.msg);
	}
	if (nc_teardown_layers(&c->td, &e) < 0)
		nc_report_warn(c->rep, "%s", e.msg);
	if (nc_state_remove(c->st, &e) < 0)
		nc_report_warn(c->rep, "%s", e.msg);
}

static void up_ctx_release(struct up_ctx *c)
{
	for (size_t g = 0; c->hosts && g < c->n_hosts; g++)
		nc_strbuf_free(&c->hosts[g]);
	free(c->hosts);
	free(c->hosts_of);
	free(c->hosts_by);

	for (unsigned w = 1; c->nds && w < c->workers; w++)
		netd_close(c->nds[w]);
	free(c->nds);

	for (size_t i = 0; c->nsfd && i < c->p->n_containers; i++)
		if (c->nsfd[i] >= 0)
			close(c->nsfd[i]);
	free(c->nsfd);
	free(c->host_resolv);
	if (c->cg)
		rt_cgroups_close(c->cg);
	if (c->nd)
		netd_close(c->nd);
}

int nc_up(const struct nc_plan *p, struct nc_state *st, const struct nc_up_opts *o,
	  enum nc_up_failure *how, nc_err *err)
{
	_cleanup_(up_ctx_release) struct up_ctx c = { .p = p, .paths = o->paths, .rep = o->rep,
						      .st = st, .cancelled = o->cancelled };
	struct nc_records journal = { 0 };
	char state_dir[PATH_MAX];
	nc_err ignore;
	int r;

	*how = NC_UP_REFUSED;
	c.fault = o->fault;
	if (!c.fault) {
		nc_fault_init(&c.own_fault);
		c.fault = &c.own_fault;
	}
	if (!(c.nsfd = malloc((p->n_containers + 1) * sizeof(int))))
		return nc_err_errno(err, ENOMEM, "up `%s`", p->project);
	for (size_t i = 0; i < p->n_containers; i++)
		c.nsfd[i] = -1;

	if ((r = nc_state_read_journal(st, &journal, err)) < 0)
		return r;
	c.workers = nc_parallel_default();
	if (c.workers > p->n_containers)
		c.workers = p->n_containers ? (unsigned)p->n_containers : 1;
	if (!(c.nds = calloc(c.workers, sizeof(*c.nds))))
		return nc_err_errno(err, ENOMEM, "up `%s`", p->project);
	if ((r = netd_open(&c.nd, err)) < 0 ||
	    (r = rt_cgroups_open(o->paths->cgroup_root, NULL, NULL, &c.cg, err)) < 0) {
		*how = NC_UP_FAILED;
		nc_records_free(&journal);
		return r;
	}
	c.nds[0] = c.nd; /* worker 0 is this thread */
	/* A missing resolv.conf just means no DNS in the containers. */
	if (nc_read_file("/etc/resolv.conf", &c.host_resolv, NULL, &ignore) < 0)
		c.host_resolv = NULL;

	snprintf(state_dir, sizeof(state_dir), "%s", st->dir);
	c.td = (struct nc_teardown){
		.project = p->project, .paths = o->paths, .journal = &journal,
		.state_dir = state_dir, .nd = c.nd, .cg = c.cg, .rep = o->rep, .grace_ms = 2000,
	};

	bool had_state = journal.n > 0;
	for (size_t i = 0; i < NC_ELEMENTSOF(steps); i++) {
		struct timespec t0, t1;
		uint64_t tt = nc_report_clock(o->rep);
		nc_report_verbose(o->rep, "== %s", steps[i].name);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		r = check_cancelled(&c, err);
		if (r == 0)
			r = steps[i].run(&c, err);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		nc_report_time(o->rep, steps[i].name, tt);
		nc_report_verbose(o->rep, "== %s: %.1f ms", steps[i].name,
				  (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
		if (r >= 0)
			continue;
		if (c.refused) {
			/* Nothing was changed. A state directory this call made
			 * is dropped; one that was there is not ours to touch. */
			if (!had_state)
				nc_state_remove(st, &ignore);
			nc_records_free(&journal);
			return r;
		}
		*how = NC_UP_FAILED;
		nc_err_prefix(err, "%s", steps[i].name);
		/* Roll back from what this `up` recorded before each object. */
		nc_records_free(&journal);
		if (nc_state_read_journal(st, &journal, &ignore) < 0)
			journal = (struct nc_records){ 0 };
		rollback(&c, i);
		nc_records_free(&journal);
		return r;
	}
	nc_records_free(&journal);
	*how = NC_UP_OK;
	return 0;
}

/* ---- a second `up`: some containers, some networks ---------------------- */

static int step_journal_config(struct up_ctx *c, nc_err *err)
{
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;
	int r;

	c->group = nc_link_group(c->p->project, 0);
	if ((r = nc_reconcile_records(c->p, c->paths, &b, err)) < 0)
		return r;
	return b.len ? nc_state_journal_raw(c->st, b.s, b.len, err) : 0;
}

static const struct up_step partial_steps[] = {
	{ "write the journal", step_journal_config, NULL },
	{ "enable forwarding", step_forwarding, NULL },
	{ "create bridges", step_bridges, NULL },
	{ "wire the containers", step_wire, NULL },
	{ "apply the firewall", step_firewall, NULL },
	{ "create cgroups and files", step_prepare, NULL },
};

int nc_up_partial(const struct nc_plan *p, struct nc_state *st, const struct nc_up_opts *o,
		  const bool *only, const bool *new_net, nc_err *err)
{
	_cleanup_(up_ctx_release) struct up_ctx c = { .p = p, .paths = o->paths, .rep = o->rep,
						      .st = st, .only = only, .new_net = new_net };
	nc_err ignore;
	int r;

	c.fault = o->fault;
	if (!c.fault) {
		nc_fault_init(&c.own_fault);
		c.fault = &c.own_fault;
	}
	if (!(c.nsfd = malloc((p->n_containers + 1) * sizeof(int))))
		return nc_err_errno(err, ENOMEM, "up `%s`", p->project);
	for (size_t i = 0; i < p->n_containers; i++)
		c.nsfd[i] = -1;
	c.workers = nc_parallel_default();
	if (c.workers > p->n_containers)
		c.workers = p->n_containers ? (unsigned)p->n_containers : 1;
	if (!(c.nds = calloc(c.workers, sizeof(*c.nds))))
		return nc_err_errno(err, ENOMEM, "up `%s`", p->project);
	if ((r = netd_open(&c.nd, err)) < 0 ||
	    (r = rt_cgroups_open(o->paths->cgroup_root, NULL, NULL, &c.cg, err)) < 0)
		return r;
	c.nds[0] = c.nd;
	if (nc_read_file("/etc/resolv.conf", &c.host_resolv, NULL, &ignore) < 0)
		c.host_resolv = NULL;
	for (size_t i = 0; i < NC_ELEMENTSOF(partial_steps); i++) {
		nc_report_verbose(o->rep, "== %s", partial_steps[i].name);
		if ((r = partial_steps[i].run(&c, err)) < 0)
			return nc_err_prefix(err, "%s", partial_steps[i].name);
	}
	return 0;
}

int nc_up_remove(const struct nc_plan *p, struct nc_state *st, const struct nc_paths *paths,
		 struct nc_report *rep, const bool *containers, const bool *networks, nc_err *err)
{
	struct netd *nd = NULL;
	struct rt_cgroups *cg = NULL;
	int r, ret = 0;
	nc_err e;

	if ((r = netd_open(&nd, err)) < 0)
		return r;
	if ((r = rt_cgroups_open(paths->cgroup_root, NULL, NULL, &cg, err)) < 0) {
		netd_close(nd);
		return r;
	}
	for (size_t i = 0; containers && i < p->n_containers; i++) {
		const struct nc_plan_container *pc = &p->containers[i];
		char dir[PATH_MAX];
		if (!containers[i])
			continue;
		/* The namespace would take its interfaces with it, but only
		 * once the kernel has cleaned it up, later: the host ends are
		 * deleted now (with their peers), so a container made again
		 * at once can have the same names. */
		r = 0;
		for (size_t k = 0; k < pc->n_ifaces && r == 0; k++) {
			if (!pc->ifaces[k].net)
				continue;
			nc_report_verbose(rep, "delete link %s", pc->ifaces[k].host_ifname);
			r = netd_link_delete(nd, pc->ifaces[k].host_ifname, &e);
		}
		nc_report_verbose(rep, "delete netns %s", pc->netns);
		if (r == 0)
			r = netd_netns_delete(paths->netns_dir, pc->netns, &e);
		if (r == 0) {
			nc_report_verbose(rep, "delete cgroup %s", pc->cgroup);
			r = rt_cgroup_remove(cg, pc->cgroup, NULL, &e);
		}
		if (r == 0 && nc_pathf(dir, sizeof(dir), "%s/containers/%s/%s", paths->lib_dir,
				       p->project, pc->name) == 0)
			r = nc_rm_rf(dir, &e);
		if (r == 0 && nc_state_container_dir(st, pc->name, false, dir, sizeof(dir), &e) == 0)
			r = nc_rm_rf(dir, &e);
		if (r < 0 && ret == 0) {
			*err = e;
			ret = nc_err_prefix(err, "remove service `%s`", pc->name);
		}
	}
	for (size_t i = 0; networks && i < p->n_networks; i++) {
		const struct nc_plan_network *pn = &p->networks[i];
		if (!networks[i] || pn->external)
			continue;
		nc_report_verbose(rep, "delete bridge %s", pn->bridge);
		if ((r = netd_link_delete(nd, pn->bridge, &e)) < 0 && ret == 0) {
			*err = e;
			ret = nc_err_prefix(err, "remove network `%s`", pn->name);
		}
	}
	rt_cgroups_close(cg);
	netd_close(nd);
	return ret;
}
