/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The project's nftables table, through libnftables.
 *
 * One table per project (family inet), rendered as nft text and applied as
 * one transaction: "create if missing, delete, create anew" in one buffer
 * is one kernel batch, so the table is replaced atomically and no packet
 * sees half a ruleset. Rules are static and read sets (systemd's firewall
 * code does the same), so a later change only edits set elements.
 *
 * Quoting. Strings (interface names, the comment) go between double quotes;
 * nft's scanner knows no escape inside them, and a trailing '*' turns a
 * quoted interface name into a wildcard, so only a plain alphabet is let in
 * and anything else is refused, never escaped. Identifiers (table, set and
 * chain names) cannot be quoted at all in this nftables (1.0.6 answers
 * "unexpected quoted string"), so the table name is held to nft's
 * identifier alphabet. Nothing in the text asks for a host name; where
 * libnftables can forbid lookups (NFT_CTX_INPUT_NO_DNS, 1.0.7+) it is told
 * to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/strbuf.h"
#include "netd/netd-internal.h"

/* What may stand between double quotes: enough for interface names and
 * labels ("ncompose:lab/project"), nothing that could end the string,
 * escape, or make a wildcard. */
static bool quotable(const char *s, bool label)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || (label && (c == ':' || c == '/'))))
			return false;
	}
	return true;
}

/* A bare nft identifier: a letter, then letters, digits, '_' or '-'. */
static bool table_name_ok(const char *s)
{
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) || strlen(s) > 64)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return false;
	return true;
}

static void elements_ifname(struct nc_strbuf *b, const char *const *names, size_t n)
{
	if (!n)
		return;
	nc_strbuf_append(b, "\t\telements = { ");
	for (size_t i = 0; i < n; i++)
		nc_strbuf_printf(b, "%s\"%s\"", i ? ", " : "", names[i]);
	nc_strbuf_append(b, " }\n");
}

static void elements_prefix(struct nc_strbuf *b, const struct netd_fw *fw, int family)
{
	char p[NC_PREFIX_STRLEN];
	bool first = true;

	for (size_t i = 0; i < fw->n_masq; i++) {
		const struct nc_prefix *s = &fw->masq[i].subnet;
		if (s->ip.family != family)
			continue;
		struct nc_prefix net = nc_prefix_network(s);
		nc_strbuf_printf(b, "%s%s", first ? "\t\telements = { " : ", ", nc_prefix_str(&net, p));
		first = false;
	}
	if (!first)
		nc_strbuf_append(b, " }\n");
}

static const char *proto_name(uint8_t proto)
{
	return proto == 17 /* IPPROTO_UDP */ ? "udp" : "tcp";
}

/* The four port maps: by family, and with or without the host address
 * in the key (a port bound to one host address vs all of them). */
static void port_map(struct nc_strbuf *b, const struct netd_fw *fw, int family, bool with_ip)
{
	const char *addr_type = family == AF_INET ? "ipv4_addr" : "ipv6_addr";
	char h[NC_IP_STRLEN], a[NC_IP_STRLEN];
	bool first = true;

	nc_strbuf_printf(b, "\n\tmap dnat%d%s {\n\t\ttype %s%sinet_proto . inet_service : %s . inet_service\n",
			 family == AF_INET ? 4 : 6, with_ip ? "_ip" : "", with_ip ? addr_type : "",
			 with_ip ? " . " : "", addr_type);
	for (size_t i = 0; i < fw->n_ports; i++) {
		const struct netd_fw_port *p = &fw->ports[i];
		if (p->addr.family != family || (p->host_ip.family != 0) != with_ip)
			continue;
		nc_strbuf_append(b, first ? "\t\telements = { " : ",\n\t\t\t     ");
		if (with_ip)
			nc_strbuf_printf(b, "%s . ", nc_ip_str(&p->host_ip, h));
		nc_strbuf_printf(b, "%s . %u : %s . %u", proto_name(p->proto), p->host_port,
				 nc_ip_str(&p->addr, a), p->port);
		first = false;
	}
	if (!first)
		nc_strbuf_append(b, " }\n");
	nc_strbuf_append(b, "\t}\n");
}

/* `v6_guard` goes before the IPv6 rules: in output, the host's own
 * connections to [::1] are left alone. The kernel never routes a packet
 * from ::1 out of another interface (IPv6 has no route_localnet), so a
 * DNAT there would hang the client; untouched, it is refused at once by
 * the host (nothing listens) with a reset. */
static void dnat_rules(struct nc_strbuf *b, const char *v6_guard)
{
	nc_strbuf_append(b, "\t\tfib daddr type local dnat ip to ip daddr . meta l4proto . th dport map @dnat4_ip\n"
			    "\t\tfib daddr type local dnat ip to meta l4proto . th dport map @dnat4\n");
	nc_strbuf_printf(b, "\t\t%sfib daddr type local dnat ip6 to ip6 daddr . meta l4proto . th dport map @dnat6_ip\n"
			    "\t\t%sfib daddr type local dnat ip6 to meta l4proto . th dport map @dnat6\n",
			 v6_guard, v6_guard);
}

/* The link-local address a container's kernel makes from its MAC
 * (EUI-64, RFC 4291 appendix A: addr_gen_mode eui64, the default). */
static struct nc_ip link_local(const uint8_t mac[6])
{
	struct nc_ip ll = { .family = AF_INET6 };

	ll.a[0] = 0xfe;
	ll.a[1] = 0x80;
	ll.a[8] = mac[0] ^ 0x02;
	ll.a[9] = mac[1];
	ll.a[10] = mac[2];
	ll.a[11] = 0xff;
	ll.a[12] = 0xfe;
	ll.a[13] = mac[3];
	ll.a[14] = mac[4];
	ll.a[15] = mac[5];
	return ll;
}

static void hex128(struct nc_strbuf *b, const struct nc_ip *ip)
{
	nc_strbuf_append(b, "0x");
	for (int i = 0; i < 16; i++)
		nc_strbuf_printf(b, "%02x", ip->a[i]);
}

/*
 * Anti-spoofing (a network option, off by default as in Docker): each
 * guarded bridge port may send only with its container's MAC, IPv4
 * address (IP source and ARP sender), IPv6 addresses (its link-local one,
 * the file's, and :: for duplicate address detection) and neighbour
 * advertisements for those addresses only. In the bridge family, at
 * prerouting: it sees every frame that enters a port, bridged to another
 * port or for the host, whatever br_netfilter does; the inet family sees
 * neither ARP nor frames bridged between two ports. Frames of other types
 * (LLC for IS-IS, LLDP) pass with the port's own MAC.
 */
static void guard_rules(struct nc_strbuf *b, const struct netd_fw_guard *g)
{
	char m[18], a[NC_IP_STRLEN], l[NC_IP_STRLEN];
	struct nc_ip ll = link_local(g->mac);

	snprintf(m, sizeof(m), "%02x:%02x:%02x:%02x:%02x:%02x", g->mac[0], g->mac[1], g->mac[2],
		 g->mac[3], g->mac[4], g->mac[5]);
	nc_strbuf_printf(b, "\t\tiifname \"%s\" ether saddr != %s drop\n", g->port, m);
	nc_strbuf_printf(b, "\t\tiifname \"%s\" arp saddr ether != %s drop\n", g->port, m);
	if (g->addr4.family)
		nc_strbuf_printf(b, "\t\tiifname \"%s\" arp saddr ip != %s drop\n"
				    "\t\tiifname \"%s\" ether type ip ip saddr != %s drop\n",
				 g->port, nc_ip_str(&g->addr4, a), g->port, a);
	else
		nc_strbuf_printf(b, "\t\tiifname \"%s\" ether type { ip, arp } drop\n", g->port);
	nc_ip_str(&ll, l);
	nc_strbuf_printf(b, "\t\tiifname \"%s\" ether type ip6 ip6 saddr != { ::, %s", g->port, l);
	if (g->addr6.family)
		nc_strbuf_printf(b, ", %s", nc_ip_str(&g->addr6, a));
	nc_strbuf_printf(b, " } drop\n\t\tiifname \"%s\" icmpv6 type nd-neighbor-advert @th,64,128 != ",
			 g->port);
	hex128(b, &ll);
	if (g->addr6.family) {
		nc_strbuf_append(b, " @th,64,128 != ");
		hex128(b, &g->addr6);
	}
	nc_strbuf_append(b, " drop\n");
}

static void guard_table(struct nc_strbuf *b, const struct netd_fw *fw)
{
	/* Also when nothing is guarded now: a guard of an earlier `up` goes. */
	nc_strbuf_printf(b, "table bridge %s {}\ndelete table bridge %s\n", fw->table, fw->table);
	if (!fw->n_guards)
		return;
	nc_strbuf_printf(b, "table bridge %s {\n", fw->table);
	if (fw->comment)
		nc_strbuf_printf(b, "\tcomment \"%s\"\n", fw->comment);
	nc_strbuf_append(b, "\n\tchain prerouting {\n"
			    "\t\ttype filter hook prerouting priority filter; policy accept;\n");
	for (size_t i = 0; i < fw->n_guards; i++)
		guard_rules(b, &fw->guards[i]);
	nc_strbuf_append(b, "\t}\n}\n");
}

int netd_fw_render(const struct netd_fw *fw, char **out, nc_err *err)
{
	_cleanup_strbuf_ struct nc_strbuf b = NC_STRBUF_INIT;

	if (!table_name_ok(fw->table))
		return nc_err_msg(err, EINVAL, "invalid nftables table name `%s`", fw->table);
	if (fw->comment && !quotable(fw->comment, true))
		return nc_err_msg(err, EINVAL, "invalid nftables comment `%s`", fw->comment);
	for (size_t i = 0; i < fw->n_bridges; i++)
		if (!quotable(fw->bridges[i], false))
			return nc_err_msg(err, EINVAL, "invalid interface name `%s` for nftables",
					  fw->bridges[i]);
	for (size_t i = 0; i < fw->n_internal; i++)
		if (!quotable(fw->internal[i], false))
			return nc_err_msg(err, EINVAL, "invalid interface name `%s` for nftables",
					  fw->internal[i]);
	for (size_t i = 0; i < fw->n_masq; i++)
		if (fw->masq[i].bridge && !quotable(fw->masq[i].bridge, false))
			return nc_err_msg(err, EINVAL, "invalid interface name `%s` for nftables",
					  fw->masq[i].bridge);
	for (size_t i = 0; i < fw->n_guards; i++)
		if (!quotable(fw->guards[i].port, false))
			return nc_err_msg(err, EINVAL, "invalid interface name `%s` for nftables",
					  fw->guards[i].port);

	nc_strbuf_printf(&b, "table inet %s {}\ndelete table inet %s\n", fw->table, fw->table);
	nc_strbuf_printf(&b, "table inet %s {\n", fw->table);
	if (fw->comment)
		nc_strbuf_printf(&b, "\tcomment \"%s\"\n", fw->comment);

	nc_strbuf_append(&b, "\n\tset bridges {\n\t\ttype ifname\n");
	elements_ifname(&b, fw->bridges, fw->n_bridges);
	nc_strbuf_append(&b, "\t}\n");
	nc_strbuf_append(&b, "\n\tset internal {\n\t\ttype ifname\n");
	elements_ifname(&b, fw->internal, fw->n_internal);
	nc_strbuf_append(&b, "\t}\n");
	nc_strbuf_append(&b, "\n\tset nat4 {\n\t\ttype ipv4_addr\n\t\tflags interval\n");
	elements_prefix(&b, fw, AF_INET);
	nc_strbuf_append(&b, "\t}\n");
	nc_strbuf_append(&b, "\n\tset nat6 {\n\t\ttype ipv6_addr\n\t\tflags interval\n");
	elements_prefix(&b, fw, AF_INET6);
	nc_strbuf_append(&b, "\t}\n");
	port_map(&b, fw, AF_INET, false);
	port_map(&b, fw, AF_INET, true);
	port_map(&b, fw, AF_INET6, false);
	port_map(&b, fw, AF_INET6, true);

	/* Published ports, for traffic that arrives (prerouting) and for the
	 * host's own (output; NAT output has no "dstnat" keyword: -100). */
	nc_strbuf_append(&b, "\n\tchain prerouting {\n"
			     "\t\ttype nat hook prerouting priority dstnat; policy accept;\n");
	dnat_rules(&b, "");
	nc_strbuf_append(&b, "\t}\n\n\tchain output {\n"
			     "\t\ttype nat hook output priority -100; policy accept;\n");
	dnat_rules(&b, "ip6 daddr != ::1 ");
	nc_strbuf_append(&b, "\t}\n");

	/* What leaves a NATed network for anything but the project's own
	 * bridges goes out with the host's address. Published ports reached
	 * from the host's loopback or from a container of the project
	 * (hairpin) are masqueraded too, so the reply comes back through the
	 * host and is un-NATed. */
	nc_strbuf_append(&b, "\n\tchain postrouting {\n"
			     "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
			     "\t\tip saddr @nat4 oifname != @bridges masquerade\n"
			     "\t\tip6 saddr @nat6 oifname != @bridges masquerade\n"
			     "\t\tct status dnat oifname @bridges ip saddr 127.0.0.0/8 masquerade\n"
			     "\t\tct status dnat oifname @bridges ip saddr @nat4 masquerade\n"
			     "\t\tct status dnat oifname @bridges ip6 saddr @nat6 masquerade\n"
			     "\t}\n");

	/* Isolation: networks meet only through a container that routes. Same-bridge traffic is bridged, not forwarded, except with
	 * br_netfilter, where it arrives with iif = oif = the bridge: every
	 * drop below compares against the bridge itself, never "any bridge". */
	nc_strbuf_append(&b, "\n\tchain forward {\n"
			     "\t\ttype filter hook forward priority filter; policy accept;\n"
			     "\t\tiifname @bridges ct original ip daddr 127.0.0.0/8 drop\n"
			     "\t\tct state established,related accept\n");
	for (size_t i = 0; i < fw->n_internal; i++)
		nc_strbuf_printf(&b, "\t\tiifname \"%s\" oifname != \"%s\" drop\n"
				     "\t\toifname \"%s\" iifname != \"%s\" drop\n",
				 fw->internal[i], fw->internal[i], fw->internal[i], fw->internal[i]);
	nc_strbuf_append(&b, "\t\tct status dnat accept\n");
	for (size_t i = 0; i < fw->n_bridges; i++)
		nc_strbuf_printf(&b, "\t\tiifname \"%s\" oifname @bridges oifname != \"%s\" drop\n",
				 fw->bridges[i], fw->bridges[i]);
	nc_strbuf_append(&b, "\t\toifname @bridges iifname != @bridges drop\n"
			     "\t}\n");

	/*
	 * What containers send to the host itself. The host is no member of
	 * an internal network: nothing from one is delivered to it, on any
	 * of its addresses.
	 *
	 * The host's loopback (kube-proxy's CVE-2020-8558): route_localnet,
	 * which ports published to 127.0.0.1 need on the bridges, also lets
	 * the kernel accept 127.0.0.0/8 as a destination arriving on them; a
	 * container that sends a frame to the gateway's MAC addressed to
	 * 127.0.0.1 would reach every host service bound to loopback, and,
	 * through the prerouting DNAT, ports published on 127.0.0.1 only.
	 * Filtered here, in input and forward, not in prerouting: with
	 * br_netfilter, prerouting sees the bridge port as the input
	 * interface, input and forward see the bridge in both cases. The only
	 * packets that may arrive from a bridge for 127.0.0.0/8 are replies
	 * to the host's own connections to a published port (un-NATed to the
	 * client's 127.0.0.1 before input); replies are told apart by
	 * conntrack, so neither a new connection nor a packet that conntrack
	 * does not track gets through. The forward rule (first in its chain)
	 * catches what prerouting DNATed from 127.0.0.1 to a container.
	 * IPv6 needs no rule: ip6_rcv_core() drops ::1 from any interface
	 * but lo, before any hook.
	 */
	nc_strbuf_append(&b, "\n\tchain input {\n"
			     "\t\ttype filter hook input priority filter; policy accept;\n"
			     "\t\tiifname @internal drop\n"
			     "\t\tiifname @bridges ip daddr 127.0.0.0/8 ct direction reply ct status dnat accept\n"
			     "\t\tiifname @bridges ip daddr 127.0.0.0/8 drop\n"
			     "\t}\n}\n");
	guard_table(&b, fw);
	if (!nc_strbuf_ok(&b))
		return nc_err_errno(err, ENOMEM, "render nftables table `%s`", fw->table);
	*out = nc_strbuf_take(&b);
	return 0;
}

int netd_fw_apply(struct netd *nd, const char *text, nc_err *err)
{
	return netd_nft_run(nd, text, NULL, "apply nftables table", err);
}

int netd_fw_delete(struct netd *nd, const char *table, nc_err *err)
{
	char text[256], what[128];

	if (!table_name_ok(table))
		return nc_err_msg(err, EINVAL, "invalid nftables table name `%s`", table);
	/* "create if missing, then delete" in one transaction: idempotent
	 * without `destroy table`, which needs kernel 6.3. */
	snprintf(text, sizeof(text),
		 "table inet %s {}\ndelete table inet %s\ntable bridge %s {}\ndelete table bridge %s\n",
		 table, table, table, table);
	snprintf(what, sizeof(what), "delete nftables table `inet %s` (and `bridge %s`)", table, table);
	return netd_nft_run(nd, text, NULL, what, err);
}

int netd_fw_exists(struct netd *nd, const char *table, bool *exists, nc_err *err)
{
	_cleanup_free_ char *out = NULL;
	char line[256];

	if (!table_name_ok(table))
		return nc_err_msg(err, EINVAL, "invalid nftables table name `%s`", table);
	int r = netd_nft_run(nd, "list tables inet\n", &out, "list nftables tables", err);
	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "table inet %s", table);
	*exists = false;
	for (const char *p = out; *p;) {
		size_t n = strcspn(p, "\n");
		if (n == strlen(line) && !strncmp(p, line, n))
			*exists = true;
		p += n + (p[n] ? 1 : 0);
	}
	return 0;
}
