/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.<s> in the normalised output: one writer per key, in
 * alphabetical order (as `docker compose config` prints them). Writers
 * print nothing when the key is unset. */
#include <stdio.h>
#include <string.h>

#include "compose/file/emit-internal.h"
#include "compose/file/emit.h"

static bool attachment_empty(const struct nc_attach *a)
{
	const struct nc_shaping *sh = &a->shaping;
	return !a->n_aliases && !a->gw_priority && !a->interface_name && !a->ipv4_address.family &&
	       !a->ipv6_address.family && !a->mac_address && !sh->delay_ns && !sh->jitter_ns &&
	       !sh->loss_mark.line && !sh->rate;
}

/* The keys of one attachment at `ind`. Only what is printed counts: a
 * zero delay, jitter or rate means none and prints nothing. */
static void attachment_keys(struct nc_strbuf *out, const struct nc_attach *a, unsigned ind)
{
	const struct nc_shaping *sh = &a->shaping;

	if (a->n_aliases)
		nc_emit_flow_list(out, ind, "aliases", a->aliases, a->n_aliases);
	if (sh->delay_ns)
		nc_emit_duration(out, ind, "delay", sh->delay_ns);
	if (a->gw_priority)
		nc_emit_int(out, ind, "gw_priority", a->gw_priority);
	if (a->interface_name)
		nc_emit_kv(out, ind, "interface_name", a->interface_name);
	if (a->ipv4_address.family)
		nc_emit_ip(out, ind, "ipv4_address", &a->ipv4_address);
	if (a->ipv6_address.family)
		nc_emit_ip(out, ind, "ipv6_address", &a->ipv6_address);
	if (sh->jitter_ns)
		nc_emit_duration(out, ind, "jitter", sh->jitter_ns);
	if (sh->loss_mark.line)
		nc_emit_percent(out, ind, "loss", sh->loss);
	if (a->mac_address)
		nc_emit_kv(out, ind, "mac_address", a->mac_address);
	if (sh->rate)
		nc_emit_rate(out, ind, "rate", sh->rate);
}

/* Attachment i of `s`, or, for the first of several on one network, the
 * list of them all; the later ones print nothing. */
static void emit_attachment(struct nc_strbuf *out, const struct nc_service *s, size_t i)
{
	const struct nc_attach *a = &s->networks[i];
	size_t same = 0;

	for (size_t j = 0; j < s->n_networks; j++)
		if (!strcmp(s->networks[j].network, a->network)) {
			if (j < i)
				return;
			same++;
		}
	nc_emit_key(out, 3, a->network);
	if (same == 1 && attachment_empty(a)) {
		nc_strbuf_append(out, " {}\n");
		return;
	}
	nc_strbuf_putc(out, '\n');
	if (same == 1) {
		attachment_keys(out, a, 4);
		return;
	}
	for (size_t j = i; j < s->n_networks; j++) {
		if (strcmp(s->networks[j].network, a->network))
			continue;
		/* A list item: the first key after "- ", the others under it. */
		size_t at = out->len;
		attachment_keys(out, &s->networks[j], 5);
		if (nc_strbuf_ok(out) && out->len >= at + 10)
			memcpy(out->s + at + 8, "- ", 2);
	}
}

static void k_cap_add(struct nc_strbuf *out, const struct nc_service *s)
{
	if (s->n_cap_add)
		nc_emit_flow_list(out, 2, "cap_add", s->cap_add, s->n_cap_add);
}

static void k_cap_drop(struct nc_strbuf *out, const struct nc_service *s)
{
	if (s->n_cap_drop)
		nc_emit_flow_list(out, 2, "cap_drop", s->cap_drop, s->n_cap_drop);
}

static void k_command(struct nc_strbuf *out, const struct nc_service *s)
{
	if (s->has_command)
		nc_emit_flow_list(out, 2, "command", s->command, s->n_command);
}

static void k_cpus(struct nc_strbuf *out, const struct nc_service *s)
{
	if (s->cpus > 0)
		nc_emit_double(out, 2, "cpus", s->cpus);
}

static void k_environment(struct nc_strbuf *out, const struct nc_service *s)
{
	if (s->n_environment)
		nc_emit_kvs(out, 2, "environment", s->environment, s->n_environment);
}

static void k_hostname(struct nc_strbuf *out, const struct nc_service *s)
{
	if (s->hostname)
		nc_emit_kv(out, 2, "hostname", s->hostname);
}

static void k_mem_limit(struct nc_strbuf *out, const struct nc_service *s)
{
	if (s->mem_limit != NC_UNSET)
		nc_emit_int(out, 2, "mem_limit", s->mem_limit);
}

static void k_mem_reservation(struct nc_strbuf *out, const struct nc_service *s)
{
	if (s->mem_reservation != NC_UNSET)
		nc_emit_int(out, 2, "mem_reservation", s->mem_reservation);
}

/* Always printed: the implicit `default` attachment is part of the
 * normalised model. */
static void k_networks(struct nc_strbuf *out, const struct nc_service *s)
{
	if (!s->n_networks && !s->has_networks_key)
		return;
	nc_emit_key(out, 2, "networks");
	nc_strbuf_append(out, s->n_networks ? "\n" : " []\n");
	for (size_t i = 0; i < s->n_networks; i++)
		emit_attachment(out, s, i);
}

static void k_pids_limit(struct nc_strbuf *out, const struct nc_service *s)
{
	if (s->pids_limit != NC_UNSET)
		nc_emit_int(out, 2, "pids_limit", s->pids_limit);
}

static void k_routes(struct nc_strbuf *out, const struct nc_service *s)
{
	char to[NC_PREFIX_STRLEN], via[NC_IP_STRLEN];

	if (!s->n_routes)
		return;
	nc_emit_key(out, 2, "routes");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct nc_route *r = &s->routes[i];
		nc_emit_indent(out, 3);
		nc_strbuf_append(out, "- {to: ");
		nc_emit_scalar(out, r->is_default ? "default" : nc_prefix_str(&r->to, to));
		nc_strbuf_append(out, ", via: ");
		nc_emit_scalar(out, nc_ip_str(&r->via, via));
		nc_strbuf_append(out, "}\n");
	}
}

/* Always the long form, so that `config` shows what was decided. */
static void k_router(struct nc_strbuf *out, const struct nc_service *s)
{
	const struct nc_router *rt = &s->router;

	if (!rt->kind)
		return;
	nc_emit_key(out, 2, "router");
	nc_strbuf_putc(out, '\n');
	if (rt->config)
		nc_emit_kv(out, 3, "config", rt->config);
	nc_emit_kv(out, 3, "daemon", rt->kind == NC_ROUTER_FRR ? "frr" : "bird");
	if (rt->n_daemons)
		nc_emit_flow_list(out, 3, "daemons", rt->daemons, rt->n_daemons);
	if (rt->has_settle)
		nc_emit_duration(out, 3, "settle", rt->settle_ns);
}

static void k_sysctls(struct nc_strbuf *out, const struct nc_service *s)
{
	if (s->n_sysctls)
		nc_emit_kvs(out, 2, "sysctls", s->sysctls, s->n_sysctls);
}

static const struct {
	const char *key; /* only to keep the table visibly sorted */
	void (*fn)(struct nc_strbuf *out, const struct nc_service *s);
} writers[] = {
	{ "blkio_config", nc_emit_svc_blkio_config },
	{ "build", nc_emit_svc_build },
	{ "cap_add", k_cap_add },
	{ "cap_drop", k_cap_drop },
	{ "command", k_command },
	{ "configs", nc_emit_svc_configs },
	{ "container_name", nc_emit_svc_container_name },
	{ "cpu_period", nc_emit_svc_cpu_period },
	{ "cpu_quota", nc_emit_svc_cpu_quota },
	{ "cpu_shares", nc_emit_svc_cpu_shares },
	{ "cpus", k_cpus },
	{ "cpuset", nc_emit_svc_cpuset },
	{ "depends_on", nc_emit_svc_depends_on },
	{ "deploy", nc_emit_svc_deploy },
	{ "devices", nc_emit_svc_devices },
	{ "dns", nc_emit_svc_dns },
	{ "dns_opt", nc_emit_svc_dns_opt },
	{ "dns_search", nc_emit_svc_dns_search },
	{ "domainname", nc_emit_svc_domainname },
	{ "entrypoint", nc_emit_svc_entrypoint },
	{ "env_file", nc_emit_svc_env_file },
	{ "environment", k_environment },
	{ "expose", nc_emit_svc_expose },
	{ "extra_hosts", nc_emit_svc_extra_hosts },
	{ "healthcheck", nc_emit_svc_healthcheck },
	{ "group_add", nc_emit_svc_group_add },
	{ "hostname", k_hostname },
	{ "image", nc_emit_svc_image },
	{ "init", nc_emit_svc_init },
	{ "labels", nc_emit_svc_labels },
	{ "links", nc_emit_svc_links },
	{ "logging", nc_emit_svc_logging },
	{ "mem_limit", k_mem_limit },
	{ "mem_reservation", k_mem_reservation },
	{ "memswap_limit", nc_emit_svc_memswap_limit },
	{ "network_mode", nc_emit_svc_network_mode },
	{ "networks", k_networks },
	{ "oom_score_adj", nc_emit_svc_oom_score_adj },
	{ "pids_limit", k_pids_limit },
	{ "ports", nc_emit_svc_ports },
	{ "privileged", nc_emit_svc_privileged },
	{ "profiles", nc_emit_svc_profiles },
	{ "read_only", nc_emit_svc_read_only },
	{ "restart", nc_emit_svc_restart },
	{ "router", k_router },
	{ "routes", k_routes },
	{ "secrets", nc_emit_svc_secrets },
	{ "security_opt", nc_emit_svc_security_opt },
	{ "shm_size", nc_emit_svc_shm_size },
	{ "stdin_open", nc_emit_svc_stdin_open },
	{ "stop_grace_period", nc_emit_svc_stop_grace_period },
	{ "stop_signal", nc_emit_svc_stop_signal },
	{ "sysctls", k_sysctls },
	{ "tmpfs", nc_emit_svc_tmpfs },
	{ "tty", nc_emit_svc_tty },
	{ "ulimits", nc_emit_svc_ulimits },
	{ "user", nc_emit_svc_user },
	{ "userns_mode", nc_emit_svc_userns_mode },
	{ "volumes", nc_emit_svc_volumes },
	{ "working_dir", nc_emit_svc_working_dir },
};

void nc_emit_service(struct nc_strbuf *out, const struct nc_service *s)
{
	size_t before;

	nc_emit_key(out, 1, s->name);
	nc_strbuf_putc(out, '\n');
	before = out->len;
	for (size_t i = 0; i < sizeof(writers) / sizeof(writers[0]); i++)
		writers[i].fn(out, s);
	/* A service with nothing at all (network_mode: none). */
	if (out->len == before && nc_strbuf_ok(out)) {
		out->len -= 1;
		nc_strbuf_append(out, " {}\n");
	}
}
