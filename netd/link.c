/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Links of the host namespace: bridges, veth pairs, deletion (one, by
 * group), lookups. */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netd/netd-internal.h"

static int index_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		*(int *)data = ((const struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index;
	return 0;
}

int netd_ifindex(struct nc_nl *nl, const char *name, int *index, nc_err *err)
{
	int r;

	*index = 0;
	netd_msg_getlink(nl, name);
	if ((r = nc_nl_flush_cb(nl, NULL, index_cb, index, err)) < 0)
		return r;
	if (!*index)
		return nc_err_msg(err, ENODEV, "look up interface `%s`: no answer", name);
	return 0;
}

/* IPv6 off on a bridge that is still down, so that it never holds an
 * address (not even link-local) and drops IPv6 addressed to itself
 * (ip6_rcv_core checks disable_ipv6 of the receiving device); bridging
 * between its ports is not affected. A host without IPv6 has no such
 * sysctl: nothing to do. Then up. */
static int ipv6_off(struct netd *nd, const char *name, nc_err *err)
{
	char key[96];
	int r;

	snprintf(key, sizeof(key), "net/ipv6/conf/%s/disable_ipv6", name);
	r = netd_sysctl_set(nd, key, "1", err);
	if (r < 0 && r != -ENOENT)
		return nc_err_prefix(err, "bridge `%s`", name);
	netd_msg_up(&nd->nl, name);
	return nc_nl_flush(&nd->nl, NULL, err);
}

int netd_bridge_create(struct netd *nd, const struct netd_bridge_spec *spec, nc_err *err)
{
	int index, r;

	if ((r = netd_check_ifname(spec->name, "create bridge", err)) < 0)
		return r;
	/* Created alone: if the name is taken (EEXIST) nothing else of this
	 * call may touch the link that holds it. */
	netd_msg_bridge(&nd->nl, spec);
	if ((r = nc_nl_flush(&nd->nl, NULL, err)) < 0)
		return r;
	if (spec->no_ipv6 && (r = ipv6_off(nd, spec->name, err)) < 0)
		return r;

	/* The alias is not applied at creation (rtnl_newlink_create() sets
	 * name, MTU, address, group and flags, never IFLA_IFALIAS; seen on
	 * 6.18 too), so it follows, with the lookup of the index that
	 * addresses need, in one exchange. */
	if (spec->alias)
		netd_msg_alias(&nd->nl, spec->name, spec->alias);
	if ((r = netd_ifindex(&nd->nl, spec->name, &index, err)) < 0)
		return r;
	for (size_t i = 0; i < spec->n_addrs; i++)
		netd_msg_addr(&nd->nl, index, spec->name, &spec->addrs[i]);
	return nc_nl_flush(&nd->nl, NULL, err);
}

int netd_veth_create(struct netd *nd, const struct netd_veth_spec *spec, nc_err *err)
{
	int master = 0, r;

	if ((r = netd_check_ifname(spec->host_name, "create veth", err)) < 0 ||
	    (r = netd_check_ifname(spec->peer_name, "create veth peer", err)) < 0)
		return r;
	if (spec->bridge && (r = netd_ifindex(&nd->nl, spec->bridge, &master, err)) < 0)
		return nc_err_prefix(err, "create veth `%s`", spec->host_name);
	netd_msg_veth(&nd->nl, spec, master);
	if ((r = nc_nl_flush(&nd->nl, NULL, err)) < 0)
		return r;
	/* After the creation succeeded, never in the same batch: the kernel
	 * goes on after a failed request, and an EEXIST would let our label
	 * land on somebody else's link, which `down` would then delete. */
	if (!spec->host_alias)
		return 0;
	netd_msg_alias(&nd->nl, spec->host_name, spec->host_alias);
	return nc_nl_flush(&nd->nl, NULL, err);
}

int netd_p2p_create(struct netd *nd, const struct netd_p2p_spec *spec, nc_err *err)
{
	int r;

	if ((r = netd_check_ifname(spec->a.name, "create link", err)) < 0 ||
	    (r = netd_check_ifname(spec->b.name, "create link", err)) < 0)
		return r;
	netd_msg_p2p(&nd->nl, spec);
	return nc_nl_flush(&nd->nl, NULL, err);
}

int netd_link_delete(struct netd *nd, const char *name, nc_err *err)
{
	static const int gone[] = { ENODEV, 0 };
	int r;

	if ((r = netd_check_ifname(name, "delete interface", err)) < 0)
		return r;
	netd_msg_dellink(&nd->nl, name);
	return nc_nl_flush(&nd->nl, gone, err);
}

int netd_link_delete_group(struct netd *nd, uint32_t group, nc_err *err)
{
	/* The kernel answers ENODEV when no link is in the group. */
	static const int gone[] = { ENODEV, 0 };

	if (!group)
		return nc_err_msg(err, EINVAL, "refusing to delete link group 0 (every link is in it)");
	netd_msg_delgroup(&nd->nl, group);
	return nc_nl_flush(&nd->nl, gone, err);
}

struct alias_dump {
	const char *prefix;
	size_t prefix_len;
	char (*names)[IF_NAMESIZE];
	char (*aliases)[NETD_ALIAS_MAX];
	size_t n, cap;
	bool oom;
};

static int alias_cb(const struct nlmsghdr *nlh, void *data)
{
	struct alias_dump *d = data;
	const char *name = NULL, *alias = NULL;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
	{
		if (mnl_attr_get_type(a) == IFLA_IFNAME)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == IFLA_IFALIAS)
			alias = mnl_attr_get_str(a);
	}
	if (!name || !alias || strncmp(alias, d->prefix, d->prefix_len))
		return 0;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 32;
		void *nn = realloc(d->names, ncap * sizeof(*d->names));
		if (nn)
			d->names = nn;
		void *na = nn ? realloc(d->aliases, ncap * sizeof(*d->aliases)) : NULL;
		if (na)
			d->aliases = na;
		if (!nn || !na) {
			d->oom = true;
			return 0;
		}
		d->cap = ncap;
	}
	snprintf(d->names[d->n], IF_NAMESIZE, "%s", name);
	snprintf(d->aliases[d->n], NETD_ALIAS_MAX, "%s", alias);
	d->n++;
	return 0;
}

int netd_link_foreach_alias(struct netd *nd, const char *alias_prefix, netd_link_fn fn,
			    void *data, nc_err *err)
{
	struct alias_dump d = { .prefix = alias_prefix, .prefix_len = strlen(alias_prefix) };
	int r;

	/* A link created or deleted while the kernel walks the list marks
	 * the dump interrupted; a few fresh walks settle it. */
	for (int tries = 0;; tries++) {
		d.n = 0;
		netd_msg_dumplinks(&nd->nl);
		r = nc_nl_dump(&nd->nl, alias_cb, &d, err);
		if (r != -EAGAIN || tries == 3)
			break;
	}
	if (r == 0 && d.oom)
		r = nc_err_errno(err, ENOMEM, "list interfaces");
	/* Collected first, acted on after: fn may delete links, which must
	 * not interleave with the dump on this socket. */
	for (size_t i = 0; r == 0 && i < d.n; i++)
		r = fn(d.names[i], d.aliases[i], data, err);
	free(d.names);
	free(d.aliases);
	return r;
}

int netd_link_exists(struct netd *nd, const char *name, bool *exists, nc_err *err)
{
	int index, r;

	if ((r = netd_check_ifname(name, "look up interface", err)) < 0)
		return r;
	r = netd_ifindex(&nd->nl, name, &index, err);
	if (r == -ENODEV) {
		*exists = false;
		return 0;
	}
	if (r < 0)
		return r;
	*exists = true;
	return 0;
}
