/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Normalised output of more service keys (emit-service.c orders
 * them). */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "compose/file/emit-internal.h"
#include "compose/file/emit.h"

static const char *proto_name(enum nc_proto p)
{
	return p == NC_PROTO_UDP ? "udp" : "tcp";
}

static void range(struct nc_strbuf *out, uint16_t lo, uint16_t hi)
{
	if (hi > lo)
		nc_strbuf_printf(out, "%u-%u", lo, hi);
	else
		nc_strbuf_printf(out, "%u", lo);
}

NC_EMIT_WRITER(nc_emit_svc_blkio_config)
{
	if (!s->blkio_weight)
		return;
	nc_emit_key(out, 2, "blkio_config");
	nc_strbuf_printf(out, " {weight: %u}\n", s->blkio_weight);
}

NC_EMIT_WRITER(nc_emit_svc_cpu_shares)
{
	if (s->cpu_shares)
		nc_emit_int(out, 2, "cpu_shares", s->cpu_shares);
}

NC_EMIT_WRITER(nc_emit_svc_cpuset)
{
	if (s->cpuset)
		nc_emit_kv(out, 2, "cpuset", s->cpuset);
}

NC_EMIT_WRITER(nc_emit_svc_depends_on)
{
	static const char *const cond[] = { "service_started", "service_healthy",
					    "service_completed_successfully" };
	if (!s->n_depends_on)
		return;
	nc_emit_key(out, 2, "depends_on");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < s->n_depends_on; i++) {
		const struct nc_depend *d = &s->depends_on[i];
		nc_emit_key(out, 3, d->service);
		nc_strbuf_printf(out, " {condition: %s, required: %s, restart: %s}\n",
				 cond[d->condition], d->required ? "true" : "false",
				 d->restart ? "true" : "false");
	}
}

static bool resources_set(const struct nc_resources *r)
{
	return r->cpus > 0 || r->memory != NC_UNSET || r->pids != NC_UNSET;
}

static void resources(struct nc_strbuf *out, const char *key, const struct nc_resources *r)
{
	if (!resources_set(r))
		return;
	nc_emit_key(out, 4, key);
	nc_strbuf_putc(out, '\n');
	if (r->cpus > 0)
		nc_emit_double(out, 5, "cpus", r->cpus);
	if (r->memory != NC_UNSET)
		nc_emit_int(out, 5, "memory", r->memory);
	if (r->pids != NC_UNSET)
		nc_emit_int(out, 5, "pids", r->pids);
}

NC_EMIT_WRITER(nc_emit_svc_deploy)
{
	if (!resources_set(&s->limits) && !resources_set(&s->reservations))
		return;
	nc_emit_key(out, 2, "deploy");
	nc_strbuf_putc(out, '\n');
	nc_emit_key(out, 3, "resources");
	nc_strbuf_putc(out, '\n');
	resources(out, "limits", &s->limits);
	resources(out, "reservations", &s->reservations);
}

NC_EMIT_WRITER(nc_emit_svc_dns)
{
	char buf[NC_IP_STRLEN];

	if (!s->n_dns)
		return;
	nc_emit_key(out, 2, "dns");
	nc_strbuf_append(out, " [");
	for (size_t i = 0; i < s->n_dns; i++) {
		if (i)
			nc_strbuf_append(out, ", ");
		nc_emit_scalar(out, nc_ip_str(&s->dns[i], buf));
	}
	nc_strbuf_append(out, "]\n");
}

NC_EMIT_WRITER(nc_emit_svc_userns_mode)
{
	if (s->userns_mode)
		nc_emit_kv(out, 2, "userns_mode", s->userns_mode);
}

NC_EMIT_WRITER(nc_emit_svc_devices)
{
	if (s->n_devices)
		nc_emit_flow_list(out, 2, "devices", s->devices, s->n_devices);
}

NC_EMIT_WRITER(nc_emit_svc_logging)
{
	if (!s->logging.present)
		return;
	nc_emit_key(out, 2, "logging");
	nc_strbuf_putc(out, '\n');
	if (s->logging.driver)
		nc_emit_kv(out, 3, "driver", s->logging.driver);
	if (s->logging.max_size == NC_UNSET && s->logging.max_file == NC_UNSET)
		return;
	nc_emit_key(out, 3, "options");
	nc_strbuf_putc(out, '\n');
	if (s->logging.max_file != NC_UNSET)
		nc_emit_int(out, 4, "max-file", s->logging.max_file);
	if (s->logging.max_size != NC_UNSET)
		nc_emit_int(out, 4, "max-size", s->logging.max_size);
}

NC_EMIT_WRITER(nc_emit_svc_shm_size)
{
	if (s->shm_size != NC_UNSET)
		nc_emit_int(out, 2, "shm_size", s->shm_size);
}

static void file_refs_at(struct nc_strbuf *out, int level, const char *key, const struct nc_file_ref *v, size_t n)
{
	if (!n)
		return;
	nc_emit_key(out, level, key);
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < n; i++) {
		nc_emit_indent(out, level + 1);
		nc_strbuf_append(out, "- {source: ");
		nc_emit_scalar(out, v[i].source);
		if (v[i].target) {
			nc_strbuf_append(out, ", target: ");
			nc_emit_scalar(out, v[i].target);
		}
		nc_strbuf_append(out, "}\n");
	}
}

static void file_refs(struct nc_strbuf *out, const char *key, const struct nc_file_ref *v, size_t n)
{
	file_refs_at(out, 2, key, v, n);
}

NC_EMIT_WRITER(nc_emit_svc_secrets)
{
	file_refs(out, "secrets", s->secrets, s->n_secrets);
}

NC_EMIT_WRITER(nc_emit_svc_configs)
{
	file_refs(out, "configs", s->configs, s->n_configs);
}

NC_EMIT_WRITER(nc_emit_svc_container_name)
{
	if (s->container_name)
		nc_emit_kv(out, 2, "container_name", s->container_name);
}

NC_EMIT_WRITER(nc_emit_svc_tty)
{
	if (s->tty)
		nc_emit_bool(out, 2, "tty", true);
}

NC_EMIT_WRITER(nc_emit_svc_stdin_open)
{
	if (s->stdin_open)
		nc_emit_bool(out, 2, "stdin_open", true);
}

NC_EMIT_WRITER(nc_emit_svc_profiles)
{
	if (s->n_profiles)
		nc_emit_flow_list(out, 2, "profiles", s->profiles, s->n_profiles);
}

NC_EMIT_WRITER(nc_emit_svc_labels)
{
	if (s->n_labels)
		nc_emit_kvs(out, 2, "labels", s->labels, s->n_labels);
}

NC_EMIT_WRITER(nc_emit_svc_dns_search)
{
	if (s->n_dns_search)
		nc_emit_flow_list(out, 2, "dns_search", s->dns_search, s->n_dns_search);
}

NC_EMIT_WRITER(nc_emit_svc_dns_opt)
{
	if (s->n_dns_opt)
		nc_emit_flow_list(out, 2, "dns_opt", s->dns_opt, s->n_dns_opt);
}

NC_EMIT_WRITER(nc_emit_svc_group_add)
{
	if (s->n_group_add)
		nc_emit_flow_list(out, 2, "group_add", s->group_add, s->n_group_add);
}

NC_EMIT_WRITER(nc_emit_svc_oom_score_adj)
{
	if (s->oom_score_adj != NC_UNSET)
		nc_emit_int(out, 2, "oom_score_adj", s->oom_score_adj);
}

NC_EMIT_WRITER(nc_emit_svc_cpu_period)
{
	if (s->cpu_period != NC_UNSET)
		nc_emit_int(out, 2, "cpu_period", s->cpu_period);
}

NC_EMIT_WRITER(nc_emit_svc_cpu_quota)
{
	if (s->cpu_quota != NC_UNSET)
		nc_emit_int(out, 2, "cpu_quota", s->cpu_quota);
}

NC_EMIT_WRITER(nc_emit_svc_domainname)
{
	if (s->domainname)
		nc_emit_kv(out, 2, "domainname", s->domainname);
}

NC_EMIT_WRITER(nc_emit_svc_entrypoint)
{
	if (s->has_entrypoint)
		nc_emit_flow_list(out, 2, "entrypoint", s->entrypoint, s->n_entrypoint);
}

NC_EMIT_WRITER(nc_emit_svc_env_file)
{
	if (!s->n_env_files)
		return;
	nc_emit_key(out, 2, "env_file");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < s->n_env_files; i++) {
		nc_emit_indent(out, 3);
		nc_strbuf_append(out, "- {path: ");
		nc_emit_scalar(out, s->env_files[i].path);
		nc_strbuf_printf(out, ", required: %s}\n", s->env_files[i].required ? "true" : "false");
	}
}

NC_EMIT_WRITER(nc_emit_svc_expose)
{
	if (!s->n_expose)
		return;
	nc_emit_key(out, 2, "expose");
	nc_strbuf_append(out, " [");
	for (size_t i = 0; i < s->n_expose; i++) {
		nc_strbuf_append(out, i ? ", " : "");
		range(out, s->expose[i].target, s->expose[i].target_end);
		nc_strbuf_printf(out, "/%s", proto_name(s->expose[i].proto));
	}
	nc_strbuf_append(out, "]\n");
}

NC_EMIT_WRITER(nc_emit_svc_extra_hosts)
{
	char buf[NC_IP_STRLEN];

	if (!s->n_extra_hosts)
		return;
	nc_emit_key(out, 2, "extra_hosts");
	nc_strbuf_append(out, " [");
	for (size_t i = 0; i < s->n_extra_hosts; i++) {
		const struct nc_host_entry *e = &s->extra_hosts[i];
		char entry[300];
		snprintf(entry, sizeof(entry), "%s=%s", e->name,
			 e->host_gateway ? "host-gateway" : nc_ip_str(&e->ip, buf));
		nc_strbuf_append(out, i ? ", " : "");
		nc_emit_scalar(out, entry);
	}
	nc_strbuf_append(out, "]\n");
}

NC_EMIT_WRITER(nc_emit_svc_healthcheck)
{
	const struct nc_healthcheck *h = &s->healthcheck;

	/* `router:` implies its own; written, it would come back as the
	 * file's and outlive a later change of the router key. */
	if (!h->present || h->implied)
		return;
	nc_emit_key(out, 2, "healthcheck");
	nc_strbuf_putc(out, '\n');
	if (h->disable)
		nc_emit_bool(out, 3, "disable", true);
	if (h->interval_ns != NC_UNSET)
		nc_emit_duration(out, 3, "interval", h->interval_ns);
	if (h->retries != NC_UNSET)
		nc_emit_int(out, 3, "retries", h->retries);
	if (h->start_interval_ns != NC_UNSET)
		nc_emit_duration(out, 3, "start_interval", h->start_interval_ns);
	if (h->start_period_ns != NC_UNSET)
		nc_emit_duration(out, 3, "start_period", h->start_period_ns);
	if (h->n_test) {
		nc_emit_key(out, 3, "test");
		nc_strbuf_append(out, h->shell ? " [CMD-SHELL" : " [CMD");
		for (size_t i = 0; i < h->n_test; i++) {
			nc_strbuf_append(out, ", ");
			nc_emit_scalar(out, h->test[i]);
		}
		nc_strbuf_append(out, "]\n");
	}
	if (h->timeout_ns != NC_UNSET)
		nc_emit_duration(out, 3, "timeout", h->timeout_ns);
	/* `healthcheck: {}` keeps its meaning (the image's own check). */
	if (nc_strbuf_ok(out) && !h->disable && h->interval_ns == NC_UNSET && h->retries == NC_UNSET &&
	    h->start_interval_ns == NC_UNSET && h->start_period_ns == NC_UNSET && !h->n_test &&
	    h->timeout_ns == NC_UNSET) {
		out->len -= 1;
		nc_strbuf_append(out, " {}\n");
	}
}

NC_EMIT_WRITER(nc_emit_svc_image)
{
	if (s->image)
		nc_emit_kv(out, 2, "image", s->image);
}

NC_EMIT_WRITER(nc_emit_svc_init)
{
	if (s->has_init)
		nc_emit_bool(out, 2, "init", s->init);
}

NC_EMIT_WRITER(nc_emit_svc_memswap_limit)
{
	if (s->has_memswap_limit)
		nc_emit_int(out, 2, "memswap_limit", s->memswap_limit);
}

NC_EMIT_WRITER(nc_emit_svc_network_mode)
{
	if (s->network_mode_none)
		nc_emit_kv(out, 2, "network_mode", "none");
}

/* Short syntax, the one form that holds ranges on both sides:
 * "[HOST_IP:][PUBLISHED]:TARGET/PROTO". */
NC_EMIT_WRITER(nc_emit_svc_ports)
{
	if (!s->n_ports)
		return;
	nc_emit_key(out, 2, "ports");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < s->n_ports; i++) {
		const struct nc_port *p = &s->ports[i];
		struct nc_strbuf t = NC_STRBUF_INIT;
		char ip[NC_IP_STRLEN];
		if (p->host_ip.family == AF_INET6)
			nc_strbuf_printf(&t, "[%s]:", nc_ip_str(&p->host_ip, ip));
		else if (p->host_ip.family)
			nc_strbuf_printf(&t, "%s:", nc_ip_str(&p->host_ip, ip));
		if (p->published)
			range(&t, p->published, p->published_end);
		if (p->published || p->host_ip.family)
			nc_strbuf_putc(&t, ':');
		range(&t, p->target, p->target_end);
		nc_strbuf_printf(&t, "/%s", proto_name(p->proto));
		nc_emit_indent(out, 3);
		nc_strbuf_append(out, "- ");
		nc_emit_scalar(out, nc_strbuf_str(&t));
		nc_strbuf_putc(out, '\n');
		out->oom |= t.oom;
		nc_strbuf_free(&t);
	}
}

NC_EMIT_WRITER(nc_emit_svc_privileged)
{
	if (s->privileged)
		nc_emit_bool(out, 2, "privileged", true);
}

NC_EMIT_WRITER(nc_emit_svc_read_only)
{
	if (s->read_only)
		nc_emit_bool(out, 2, "read_only", true);
}

NC_EMIT_WRITER(nc_emit_svc_restart)
{
	static const char *const names[] = { "no", "always", "on-failure", "unless-stopped" };
	char buf[48];

	if (s->restart == NC_RESTART_NO)
		return;
	if (s->restart == NC_RESTART_ON_FAILURE && s->restart_max)
		snprintf(buf, sizeof(buf), "on-failure:%" PRId64, s->restart_max);
	else
		snprintf(buf, sizeof(buf), "%s", names[s->restart]);
	nc_emit_kv(out, 2, "restart", buf);
}

NC_EMIT_WRITER(nc_emit_svc_security_opt)
{
	if (s->n_security_opt)
		nc_emit_flow_list(out, 2, "security_opt", s->security_opt, s->n_security_opt);
}

NC_EMIT_WRITER(nc_emit_svc_stop_grace_period)
{
	if (s->stop_grace_period_ns != NC_UNSET)
		nc_emit_duration(out, 2, "stop_grace_period", s->stop_grace_period_ns);
}

NC_EMIT_WRITER(nc_emit_svc_stop_signal)
{
	char buf[32];

	if (!s->stop_signal)
		return;
	const char *abbrev = sigabbrev_np(s->stop_signal);
	if (abbrev) {
		snprintf(buf, sizeof(buf), "SIG%s", abbrev);
	} else if (s->stop_signal >= SIGRTMIN) {
		snprintf(buf, sizeof(buf), "SIGRTMIN+%d", s->stop_signal - SIGRTMIN);
	} else {
		/* The kernel's 32 and 33, below glibc's SIGRTMIN: no name. */
		nc_emit_int(out, 2, "stop_signal", s->stop_signal);
		return;
	}
	nc_emit_kv(out, 2, "stop_signal", buf);
}

NC_EMIT_WRITER(nc_emit_svc_tmpfs)
{
	if (!s->n_tmpfs)
		return;
	nc_emit_key(out, 2, "tmpfs");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < s->n_tmpfs; i++) {
		const struct nc_mount *t = &s->tmpfs[i];
		struct nc_strbuf e = NC_STRBUF_INIT;
		char sep = ':';
		nc_strbuf_append(&e, t->target);
		if (t->size) {
			nc_strbuf_printf(&e, "%csize=%" PRId64, sep, t->size);
			sep = ',';
		}
		if (t->mode) {
			nc_strbuf_printf(&e, "%cmode=%o", sep, t->mode);
			sep = ',';
		}
		if (t->options)
			nc_strbuf_printf(&e, "%c%s", sep, t->options);
		nc_emit_indent(out, 3);
		nc_strbuf_append(out, "- ");
		nc_emit_scalar(out, nc_strbuf_str(&e));
		nc_strbuf_putc(out, '\n');
		out->oom |= e.oom;
		nc_strbuf_free(&e);
	}
}

NC_EMIT_WRITER(nc_emit_svc_ulimits)
{
	if (!s->n_ulimits)
		return;
	nc_emit_key(out, 2, "ulimits");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < s->n_ulimits; i++) {
		nc_emit_key(out, 3, s->ulimits[i].name);
		nc_strbuf_printf(out, " {hard: %" PRId64 ", soft: %" PRId64 "}\n", s->ulimits[i].hard,
				 s->ulimits[i].soft);
	}
}

NC_EMIT_WRITER(nc_emit_svc_user)
{
	if (s->user)
		nc_emit_kv(out, 2, "user", s->user);
}

/* Long syntax, keys in alphabetical order. */
NC_EMIT_WRITER(nc_emit_svc_volumes)
{
	static const char *const types[] = { "", "bind", "volume", "tmpfs", "image" };

	if (!s->n_volumes)
		return;
	nc_emit_key(out, 2, "volumes");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < s->n_volumes; i++) {
		const struct nc_mount *v = &s->volumes[i];
		nc_emit_indent(out, 3);
		nc_strbuf_append(out, "- {");
		if (v->type == NC_MOUNT_BIND)
			nc_strbuf_printf(out, "bind: {create_host_path: %s}, ",
					 v->create_host_path ? "true" : "false");
		if (v->type == NC_MOUNT_IMAGE && v->size)
			nc_strbuf_printf(out, "image: {size: %" PRId64 "}, ", v->size);
		nc_strbuf_printf(out, "read_only: %s, ", v->read_only ? "true" : "false");
		if (v->source) {
			nc_strbuf_append(out, "source: ");
			nc_emit_scalar(out, v->source);
			nc_strbuf_append(out, ", ");
		}
		nc_strbuf_append(out, "target: ");
		nc_emit_scalar(out, v->target);
		if (v->type == NC_MOUNT_TMPFS && (v->size || v->mode)) {
			nc_strbuf_append(out, ", tmpfs: {");
			if (v->mode)
				nc_strbuf_printf(out, "mode: %o%s", v->mode, v->size ? ", " : "");
			if (v->size)
				nc_strbuf_printf(out, "size: %" PRId64, v->size);
			nc_strbuf_putc(out, '}');
		}
		nc_strbuf_printf(out, ", type: %s", types[v->type]);
		if (v->nocopy)
			nc_strbuf_append(out, ", volume: {nocopy: true}");
		nc_strbuf_append(out, "}\n");
	}
}

NC_EMIT_WRITER(nc_emit_svc_working_dir)
{
	if (s->working_dir)
		nc_emit_kv(out, 2, "working_dir", s->working_dir);
}

static void flow_list_if(struct nc_strbuf *out, const char *key, const char *const *v, size_t n)
{
	if (n)
		nc_emit_flow_list(out, 3, key, v, n);
}

/* build: always the long form, as `docker compose config` prints it. */
NC_EMIT_WRITER(nc_emit_svc_build)
{
	const struct nc_build *b = &s->build;

	if (!b->present)
		return;
	nc_emit_key(out, 2, "build");
	nc_strbuf_putc(out, '\n');
	if (b->n_args)
		nc_emit_kvs(out, 3, "args", b->args, b->n_args);
	flow_list_if(out, "cache_from", b->cache_from, b->n_cache_from);
	flow_list_if(out, "cache_to", b->cache_to, b->n_cache_to);
	nc_emit_kv(out, 3, "context", b->context);
	if (b->dockerfile)
		nc_emit_kv(out, 3, "dockerfile", b->dockerfile);
	if (b->dockerfile_inline)
		nc_emit_kv(out, 3, "dockerfile_inline", b->dockerfile_inline);
	if (b->n_labels)
		nc_emit_kvs(out, 3, "labels", b->labels, b->n_labels);
	if (b->network)
		nc_emit_kv(out, 3, "network", b->network);
	if (b->no_cache)
		nc_emit_bool(out, 3, "no_cache", true);
	flow_list_if(out, "platforms", b->platforms, b->n_platforms);
	if (b->pull)
		nc_emit_bool(out, 3, "pull", true);
	file_refs_at(out, 3, "secrets", b->secrets, b->n_secrets);
	if (b->shm_size != NC_UNSET)
		nc_emit_int(out, 3, "shm_size", b->shm_size);
	flow_list_if(out, "tags", b->tags, b->n_tags);
	if (b->target)
		nc_emit_kv(out, 3, "target", b->target);
}

NC_EMIT_WRITER(nc_emit_svc_links)
{
	if (!s->n_svc_links)
		return;
	nc_emit_key(out, 2, "links");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < s->n_svc_links; i++) {
		nc_emit_indent(out, 3);
		nc_strbuf_append(out, "- ");
		nc_emit_scalar(out, s->svc_links[i].text);
		nc_strbuf_putc(out, '\n');
	}
}

