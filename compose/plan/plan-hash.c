/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/plan/plan-hash.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Canonical text: one field a line, "key value"; strings carry their
 * length first, so no value can imitate a line break or a later field. */

static void put_s(struct nc_strbuf *o, const char *key, const char *v)
{
	if (!v)
		nc_strbuf_printf(o, "%s -\n", key);
	else
		nc_strbuf_printf(o, "%s %zu:%s\n", key, strlen(v), v);
}

static void put_u(struct nc_strbuf *o, const char *key, uint64_t v)
{
	nc_strbuf_printf(o, "%s %" PRIu64 "\n", key, v);
}

static void put_i(struct nc_strbuf *o, const char *key, int64_t v)
{
	nc_strbuf_printf(o, "%s %" PRId64 "\n", key, v);
}

static void put_prefix(struct nc_strbuf *o, const char *key, const struct nc_prefix *p)
{
	char b[NC_PREFIX_STRLEN];
	put_s(o, key, p->ip.family ? nc_prefix_str(p, b) : NULL);
}

static void put_ip(struct nc_strbuf *o, const char *key, const struct nc_ip *ip)
{
	char b[NC_IP_STRLEN];
	put_s(o, key, ip->family ? nc_ip_str(ip, b) : NULL);
}

static void put_argv(struct nc_strbuf *o, const char *key, const char *const *v)
{
	size_t n = 0;
	if (!v) {
		put_s(o, key, NULL);
		return;
	}
	while (v[n])
		n++;
	put_u(o, key, n);
	for (size_t i = 0; i < n; i++)
		put_s(o, key, v[i]);
}

static void put_strs(struct nc_strbuf *o, const char *key, const char *const *v, size_t n)
{
	put_u(o, key, n);
	for (size_t i = 0; i < n; i++)
		put_s(o, key, v[i]);
}

static void put_shape(struct nc_strbuf *o, const struct netd_shape *s)
{
	nc_strbuf_printf(o, "shape %" PRIu64 " %" PRIu32 " %" PRIu32 " %.6f\n", s->rate_bps,
			 s->delay_us, s->jitter_us, s->loss_pct);
}

static void image_text(const struct nc_plan_container *c, struct nc_strbuf *o)
{
	put_s(o, "image", c->image);
	put_u(o, "tar", c->image_is_tar);
	put_u(o, "oci-dir", c->image_is_oci_dir);
	if (c->image_is_fs) /* only then: the hashes of other containers stay as they were */
		put_u(o, "fs", c->image_is_fs);
	put_u(o, "read-only", c->read_only);
}

static void process_text(const struct nc_plan_container *c, struct nc_strbuf *o)
{
	put_argv(o, "argv", c->argv);
	put_argv(o, "env", c->env);
	put_s(o, "cwd", c->cwd);
	put_s(o, "user", c->user);
	put_strs(o, "group", c->groups, c->n_groups);
	put_s(o, "hostname", c->hostname);
	put_s(o, "domainname", c->domainname);
	put_u(o, "tty", c->tty);
	put_u(o, "stdin", c->stdin_open);
}

static void limits_text(const struct nc_plan_container *c, struct nc_strbuf *o)
{
	const struct rt_limits *l = &c->limits;
	put_i(o, "memory", l->memory_max);
	put_i(o, "memory-swap", l->memory_swap_max);
	put_i(o, "memory-low", l->memory_low);
	put_u(o, "cpu-quota", l->cpu_quota_us);
	put_u(o, "cpu-period", l->cpu_period_us);
	put_u(o, "cpu-shares", l->cpu_shares);
	put_i(o, "pids", l->pids_max);
	put_s(o, "cpuset", l->cpuset_cpus);
	put_s(o, "cpuset-mems", l->cpuset_mems);
	put_u(o, "blkio-weight", l->blkio_weight);
	put_u(o, "ulimits", c->n_ulimits);
	for (size_t i = 0; i < c->n_ulimits; i++)
		nc_strbuf_printf(o, "ulimit %d %" PRIu64 " %" PRIu64 "\n", c->ulimits[i].resource,
				 c->ulimits[i].soft, c->ulimits[i].hard);
	put_u(o, "shm", c->shm_size);
	put_i(o, "oom-score-adj", c->has_oom_score_adj ? c->oom_score_adj : INT64_MIN);
	put_u(o, "userns", (uint64_t)c->userns_base << 32 | c->userns_size);
}

static void mounts_text(const struct nc_plan_container *c, struct nc_strbuf *o)
{
	put_u(o, "mounts", c->n_mounts);
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct nc_plan_mount *m = &c->mounts[i];
		put_u(o, "type", (uint64_t)m->type);
		put_s(o, "source", m->source);
		put_s(o, "volume", m->volume);
		put_u(o, "flags", (uint64_t)m->is_volume | (uint64_t)m->external << 1 |
					  (uint64_t)m->create << 2 | (uint64_t)m->nocopy << 3 |
					  (uint64_t)m->read_only << 4 | (uint64_t)m->exec << 5);
		put_s(o, "inline", m->inline_data);
		put_s(o, "inline-name", m->inline_name);
		put_s(o, "target", m->target);
		put_u(o, "size", m->size);
		put_u(o, "mode", m->mode);
		put_s(o, "data", m->data);
		put_u(o, "mflags", m->flags);
		/* Only for `router:`'s copy, so other mounts hash as before. */
		if (m->copy) {
			put_s(o, "copy-from", m->copy_from);
			put_s(o, "copy-daemons", m->copy_daemons);
		}
	}
	put_u(o, "devices", c->n_devices);
	for (size_t i = 0; i < c->n_devices; i++) {
		put_s(o, "device", c->devices[i].source);
		put_s(o, "device-target", c->devices[i].target);
	}
}

static void security_text(const struct nc_plan_container *c, struct nc_strbuf *o)
{
	nc_strbuf_printf(o, "caps %016" PRIx64 "\n", c->caps);
	put_u(o, "no-new-privs", c->no_new_privs);
	put_u(o, "privileged", c->privileged);
	put_u(o, "seccomp-unconfined", c->seccomp_unconfined);
}

/* A network's definition: what its bridge is, as far as a container on
 * it can tell. A change here changes every container on it. */
static void network_text(const struct nc_plan_network *n, struct nc_strbuf *o)
{
	put_s(o, "network", n->name);
	put_s(o, "bridge", n->bridge);
	put_u(o, "internal", n->internal);
	if (n->layer2) /* only when set: the hashes of other labs stay as they were */
		put_u(o, "layer2", n->layer2);
	put_u(o, "external", n->external);
	put_u(o, "anti-spoofing", n->model ? n->model->anti_spoofing : 0);
	put_prefix(o, "subnet4", &n->subnet4);
	put_prefix(o, "subnet6", &n->subnet6);
	put_prefix(o, "range4", &n->range4);
	put_prefix(o, "range6", &n->range6);
	put_ip(o, "gateway4", &n->gateway4);
	put_ip(o, "gateway6", &n->gateway6);
	put_u(o, "gateway-on-host", n->gateway_on_host);
	put_u(o, "mtu", n->mtu);
}

static void networks_text(const struct nc_plan_container *c, struct nc_strbuf *o)
{
	size_t n_att = 0;
	for (size_t k = 0; k < c->n_ifaces; k++)
		n_att += c->ifaces[k].net != NULL;
	put_u(o, "attachments", n_att);
	for (size_t k = 0; k < c->n_ifaces; k++) {
		const struct nc_plan_iface *f = &c->ifaces[k];
		char mac[18];
		if (!f->net)
			continue; /* a link end: part "links" */
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", f->mac[0], f->mac[1],
			 f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
		put_s(o, "ifname", f->ifname);
		put_s(o, "host-ifname", f->host_ifname);
		put_s(o, "mac", mac);
		put_prefix(o, "addr4", &f->addr4);
		put_prefix(o, "addr6", &f->addr6);
		put_u(o, "mtu", f->mtu);
		put_shape(o, &f->shape);
		put_u(o, "aliases", f->attach ? f->attach->n_aliases : 0);
		for (size_t a = 0; f->attach && a < f->attach->n_aliases; a++)
			put_s(o, "alias", f->attach->aliases[a]);
		network_text(f->net, o);
	}
	put_u(o, "routes", c->n_routes);
	for (size_t k = 0; k < c->n_routes; k++) {
		put_prefix(o, "route", &c->routes[k].dst);
		put_ip(o, "via", &c->routes[k].via);
		put_s(o, "dev", c->routes[k].dev);
	}
	put_u(o, "sysctls", c->n_net_sysctls);
	for (size_t k = 0; k < c->n_net_sysctls; k++) {
		put_s(o, "sysctl", c->net_sysctls[k].key);
		put_s(o, "value", c->net_sysctls[k].value);
	}
	put_u(o, "dns", c->n_dns);
	for (size_t k = 0; k < c->n_dns; k++)
		put_ip(o, "dns", &c->dns[k]);
	put_strs(o, "dns-search", c->dns_search, c->n_dns_search);
	put_strs(o, "dns-opt", c->dns_opt, c->n_dns_opt);
	put_u(o, "extra-hosts", c->n_extra_hosts);
	for (size_t k = 0; k < c->n_extra_hosts; k++) {
		put_s(o, "host", c->extra_hosts[k].name);
		put_ip(o, "ip", &c->extra_hosts[k].ip);
		put_u(o, "host-gateway", c->extra_hosts[k].host_gateway);
	}
}

/* Each link end with what is at the other end: a link to a peer that was
 * renamed or re-addressed is another link. */
static void links_text(const struct nc_plan *p, const struct nc_plan_container *c,
		       struct nc_strbuf *o)
{
	size_t n = 0;
	for (size_t k = 0; k < c->n_ifaces; k++)
		n += c->ifaces[k].link != NULL;
	put_u(o, "links", n);
	for (size_t k = 0; k < c->n_ifaces; k++) {
		const struct nc_plan_iface *f = &c->ifaces[k];
		const struct nc_plan_link *l = f->link;
		char mac[18];
		if (!l)
			continue;
		int me = &p->containers[l->container[0]] == c && l->iface[0] == k ? 0 : 1;
		const struct nc_plan_container *peer = &p->containers[l->container[!me]];
		const struct nc_plan_iface *pf = &peer->ifaces[l->iface[!me]];
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", f->mac[0], f->mac[1],
			 f->mac[2], f->mac[3], f->mac[4], f->mac[5]);
		put_s(o, "link", l->name);
		put_s(o, "ifname", f->ifname);
		put_s(o, "mac", mac);
		put_prefix(o, "addr4", &f->addr4);
		put_prefix(o, "addr6", &f->addr6);
		put_u(o, "mtu", l->mtu);
		put_shape(o, &f->shape);
		put_s(o, "peer", peer->name);
		put_s(o, "peer-ifname", pf->ifname);
	}
}

static void ports_text(const struct nc_plan *p, size_t i, struct nc_strbuf *o)
{
	size_t n = 0;
	for (size_t k = 0; k < p->n_ports; k++)
		n += p->ports[k].container == i;
	put_u(o, "ports", n);
	for (size_t k = 0; k < p->n_ports; k++) {
		const struct nc_plan_port *pp = &p->ports[k];
		if (pp->container != i)
			continue;
		put_u(o, "proto", pp->proto);
		put_ip(o, "host-ip", &pp->host_ip);
		put_u(o, "host-port", pp->host_port);
		put_ip(o, "addr", &pp->addr);
		put_u(o, "port", pp->port);
	}
}

static void life_text(const struct nc_plan_container *c, struct nc_strbuf *o)
{
	const struct nc_service *s = c->svc;
	const struct nc_healthcheck *h = &s->healthcheck;

	put_u(o, "healthcheck", h->present);
	if (h->present) {
		put_u(o, "disable", h->disable);
		put_u(o, "shell", h->shell);
		put_strs(o, "test", h->test, h->n_test);
		put_i(o, "interval", h->interval_ns);
		put_i(o, "timeout", h->timeout_ns);
		put_i(o, "start-period", h->start_period_ns);
		put_i(o, "start-interval", h->start_interval_ns);
		put_i(o, "retries", h->retries);
	}
	put_u(o, "restart", (uint64_t)s->restart);
	put_i(o, "restart-max", s->restart_max);
	put_i(o, "stop-signal", s->stop_signal);
	put_i(o, "stop-grace", s->stop_grace_period_ns);
	put_u(o, "init", (uint64_t)s->init << 1 | s->has_init);
	put_u(o, "no-log", c->no_log);
	put_u(o, "log-max-size", c->log_max_size);
	put_u(o, "log-max-files", c->log_max_files);
}

static const char *const part_names[NC_HP_COUNT] = {
	[NC_HP_IMAGE] = "image",       [NC_HP_PROCESS] = "process",
	[NC_HP_LIMITS] = "limits",     [NC_HP_MOUNTS] = "mounts",
	[NC_HP_SECURITY] = "security", [NC_HP_NETWORKS] = "networks",
	[NC_HP_LINKS] = "links",       [NC_HP_PORTS] = "ports",
	[NC_HP_LIFE] = "lifecycle",
};

const char *nc_hash_part_name(enum nc_hash_part part)
{
	return (unsigned)part < NC_HP_COUNT ? part_names[part] : "?";
}

void nc_plan_hash_text(const struct nc_plan *p, size_t i, enum nc_hash_part part,
		       struct nc_strbuf *o)
{
	const struct nc_plan_container *c = &p->containers[i];

	switch (part) {
	case NC_HP_IMAGE: image_text(c, o); break;
	case NC_HP_PROCESS: process_text(c, o); break;
	case NC_HP_LIMITS: limits_text(c, o); break;
	case NC_HP_MOUNTS: mounts_text(c, o); break;
	case NC_HP_SECURITY: security_text(c, o); break;
	case NC_HP_NETWORKS: networks_text(c, o); break;
	case NC_HP_LINKS: links_text(p, c, o); break;
	case NC_HP_PORTS: ports_text(p, i, o); break;
	case NC_HP_LIFE: life_text(c, o); break;
	case NC_HP_COUNT: break;
	}
}

int nc_plan_hash(const struct nc_plan *p, size_t i, const char *image_stamp,
		 struct nc_plan_hash *out)
{
	struct nc_sha256 all;
	uint8_t d[NC_SHA256_LEN];

	nc_sha256_init(&all);
	/* A version, so a change of this text's format is a change of hash
	 * (and recreates) rather than a silent equality. */
	nc_sha256_update(&all, "ncompose-hash 1\n", 16);
	for (int k = 0; k < NC_HP_COUNT; k++) {
		struct nc_strbuf b = NC_STRBUF_INIT;
		nc_plan_hash_text(p, i, (enum nc_hash_part)k, &b);
		if (k == NC_HP_IMAGE)
			put_s(&b, "stamp", image_stamp);
		if (!nc_strbuf_ok(&b)) {
			nc_strbuf_free(&b);
			return -ENOMEM;
		}
		nc_sha256(b.s, b.len, d);
		nc_strbuf_free(&b);
		nc_sha256_hex(d, out->part[k]);
		nc_sha256_update(&all, out->part[k], NC_SHA256_HEX_LEN - 1);
	}
	nc_sha256_final(&all, d);
	nc_sha256_hex(d, out->all);
	return 0;
}

int nc_plan_network_hash(const struct nc_plan_network *n, char out[NC_SHA256_HEX_LEN])
{
	struct nc_strbuf b = NC_STRBUF_INIT;
	uint8_t d[NC_SHA256_LEN];

	network_text(n, &b);
	if (!nc_strbuf_ok(&b)) {
		nc_strbuf_free(&b);
		return -ENOMEM;
	}
	nc_sha256(b.s, b.len, d);
	nc_strbuf_free(&b);
	nc_sha256_hex(d, out);
	return 0;
}
