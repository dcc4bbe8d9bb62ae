/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.<s>: the keys that shape a container's process and limits. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compose/file/load.h"
#include "compose/file/units.h"

static int svc_command(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		       void *obj)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_words(ld, k, v, &s->command, &s->n_command)) < 0)
		return r;
	s->has_command = true;
	s->command_mark = v->mark;
	return 0;
}

static int svc_environment(struct nc_loader *ld, const struct nc_yt_node *k,
			   const struct nc_yt_node *v, void *obj)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_kvs(ld, k, v, false, &s->environment, &s->n_environment)) < 0)
		return r;
	/* A name is what comes before the first `=` of "NAME=value" in the
	 * process's environment: an `=` in it would change both; white space
	 * and control characters are refused by Docker's own check. */
	for (size_t i = 0; i < s->n_environment; i++) {
		const struct nc_kv *e = &s->environment[i];
		for (const char *c = e->key; *c; c++) {
			if (*c == '=' || *c == ' ' || (unsigned char)*c < 0x20 || *c == 0x7f) {
				char shown[128];
				nc_text_oneline(shown, sizeof(shown), e->key);
				return nc_ld_fail_key(ld, k, e->mark,
						      "`%s` is not a variable name: it contains %s; use letters, digits and `_`",
						      shown, *c == '=' ? "`=`" : *c == ' ' ? "a space" : "a control character");
			}
		}
	}
	return 0;
}

static int svc_hostname(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, k, v, &s->hostname)) < 0)
		return r;
	if (!nc_ld_valid_hostname(s->hostname))
		return nc_ld_fail_key(ld, k, v->mark,
				      "`%s` is not a valid host name: labels of letters, digits and `-` (not at either end), at most 63 characters each, joined by `.`, at most 64 in all",
				      s->hostname);
	s->hostname_mark = v->mark;
	return 0;
}

int nc_ld_bytes(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		int64_t *out)
{
	int r;

	if (v->kind == NC_YT_SCALAR && v->type == NC_YT_FLOAT)
		return nc_ld_fail_key(ld, k, v->mark,
				      "%s is not a whole number of bytes; give a unit, such as 1.5g",
				      v->text);
	if (v->kind != NC_YT_SCALAR || (v->type != NC_YT_INT && v->type != NC_YT_STR))
		return nc_ld_type(ld, k, v, "a size such as 512m or a number of bytes");
	if (v->type == NC_YT_INT)
		r = nc_ld_parse_int(v, out);
	else
		r = nc_parse_bytes(v->text, out);
	if (r == -ERANGE || (r == 0 && *out < 0))
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is out of range", v->text);
	if (r < 0)
		return nc_ld_fail_key(ld, k, v->mark,
				      "`%s` is not a size: expected a number with an optional unit b, k, m, g, t or p (1k = 1024), such as 512m or 1.5g",
				      v->text);
	return 0;
}

static int svc_mem_limit(struct nc_loader *ld, const struct nc_yt_node *k,
			 const struct nc_yt_node *v, void *obj)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_bytes(ld, k, v, &s->mem_limit)) < 0)
		return r;
	/* Docker reads a limit of 0 as "no limit". */
	if (s->mem_limit == 0)
		s->mem_limit = NC_UNSET;
	s->mem_limit_mark = v->mark;
	return 0;
}

static int svc_mem_reservation(struct nc_loader *ld, const struct nc_yt_node *k,
			       const struct nc_yt_node *v, void *obj)
{
	struct nc_service *s = obj;
	s->mem_reservation_mark = v->mark;
	return nc_ld_bytes(ld, k, v, &s->mem_reservation);
}

int nc_ld_cpus(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
	       double *out, struct nc_mark *mark)
{
	if (v->kind != NC_YT_SCALAR ||
	    (v->type != NC_YT_INT && v->type != NC_YT_FLOAT && v->type != NC_YT_STR))
		return nc_ld_type(ld, k, v, "a number of CPUs such as 0.5");
	int r = v->text[0] == '-' ? -ERANGE : nc_parse_cpus(v->text, out);
	if (r == -ERANGE)
		return nc_ld_fail_key(ld, k, v->mark,
				      "the number of CPUs must be greater than 0, not %s", v->text);
	if (r < 0)
		return nc_ld_fail_key(ld, k, v->mark, "`%s` is not a number of CPUs such as 0.5",
				      v->text);
	*mark = v->mark;
	return 0;
}

static int svc_cpus(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	struct nc_service *s = obj;
	return nc_ld_cpus(ld, k, v, &s->cpus, &s->cpus_mark);
}

static int svc_pids_limit(struct nc_loader *ld, const struct nc_yt_node *k,
			  const struct nc_yt_node *v, void *obj)
{
	struct nc_service *s = obj;
	int r;

	/* Docker: 0 and -1 both mean unlimited. */
	if ((r = nc_ld_int(ld, k, v, -1, INT64_MAX, &s->pids_limit)) < 0)
		return r;
	s->pids_limit_mark = v->mark;
	return 0;
}

static int svc_sysctls(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_yt_node *v, void *obj)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_kvs(ld, k, v, true, &s->sysctls, &s->n_sysctls)) < 0)
		return r;
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (strpbrk(s->sysctls[i].key, " \t\n"))
			return nc_ld_fail_key(ld, k, s->sysctls[i].mark,
					      "`%s` is not a sysctl name", s->sysctls[i].key);
	return 0;
}

static int svc_caps(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		    void *obj)
{
	struct nc_service *s = obj;

	if (!strcmp(k->text, "cap_add")) {
		s->cap_add_mark = v->mark;
		return nc_load_capabilities(ld, k, v, &s->cap_add, &s->n_cap_add);
	}
	s->cap_drop_mark = v->mark;
	return nc_load_capabilities(ld, k, v, &s->cap_drop, &s->n_cap_drop);
}

static int svc_networks(struct nc_loader *ld, const struct nc_yt_node *k,
			const struct nc_yt_node *v, void *obj)
{
	return nc_load_attachments(ld, k, v, obj);
}

static int svc_routes(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		      void *obj)
{
	return nc_load_routes(ld, k, v, obj);
}

#define UNSUPPORTED(name) { name, NULL, NC_LD_UNSUPPORTED }

/* Compose's service keys, sorted. UNSUPPORTED: part of the format, not
 * read, so "not supported yet" rather than an unknown key. */
static const struct nc_ld_key service_keys[] = {
	UNSUPPORTED("annotations"),
	UNSUPPORTED("attach"),
	{ "blkio_config", nc_svc_blkio_config, 0 },
	{ "build", nc_svc_build, 0 },
	{ "cap_add", svc_caps, 0 },
	{ "cap_drop", svc_caps, 0 },
	UNSUPPORTED("cgroup"),
	UNSUPPORTED("cgroup_parent"),
	{ "command", svc_command, 0 },
	{ "configs", nc_svc_file_refs, 0 },
	{ "container_name", nc_svc_container_name, 0 },
	UNSUPPORTED("cpu_count"),
	UNSUPPORTED("cpu_percent"),
	{ "cpu_period", nc_svc_cpu_cfs, 0 },
	{ "cpu_quota", nc_svc_cpu_cfs, 0 },
	UNSUPPORTED("cpu_rt_period"),
	UNSUPPORTED("cpu_rt_runtime"),
	{ "cpu_shares", nc_svc_cpu_shares, 0 },
	{ "cpus", svc_cpus, 0 },
	{ "cpuset", nc_svc_cpuset, 0 },
	UNSUPPORTED("credential_spec"),
	{ "depends_on", nc_svc_depends_on, 0 },
	{ "deploy", nc_svc_deploy, 0 },
	UNSUPPORTED("develop"),
	UNSUPPORTED("device_cgroup_rules"),
	{ "devices", nc_svc_devices, 0 },
	{ "dns", nc_svc_dns, 0 },
	{ "dns_opt", nc_svc_resolv, 0 },
	{ "dns_search", nc_svc_resolv, 0 },
	{ "domainname", nc_svc_domainname, 0 },
	{ "entrypoint", nc_svc_entrypoint, 0 },
	{ "env_file", nc_svc_env_file, 0 },
	{ "environment", svc_environment, 0 },
	{ "expose", nc_svc_expose, 0 },
	UNSUPPORTED("extends"),
	UNSUPPORTED("external_links"),
	{ "extra_hosts", nc_svc_extra_hosts, 0 },
	UNSUPPORTED("gpus"),
	{ "group_add", nc_svc_group_add, 0 },
	{ "healthcheck", nc_svc_healthcheck, 0 },
	{ "hostname", svc_hostname, 0 },
	{ "image", nc_svc_image, 0 },
	{ "init", nc_svc_flag, 0 },
	UNSUPPORTED("ipc"),
	UNSUPPORTED("isolation"),
	{ "labels", nc_svc_labels, 0 },
	{ "links", nc_svc_legacy_links, 0 },
	{ "logging", nc_svc_logging, 0 },
	UNSUPPORTED("mac_address"),
	{ "mem_limit", svc_mem_limit, 0 },
	{ "mem_reservation", svc_mem_reservation, 0 },
	UNSUPPORTED("mem_swappiness"),
	{ "memswap_limit", nc_svc_memswap_limit, 0 },
	{ "network_mode", nc_svc_network_mode, 0 },
	{ "networks", svc_networks, 0 },
	UNSUPPORTED("oom_kill_disable"),
	{ "oom_score_adj", nc_svc_oom_score_adj, 0 },
	UNSUPPORTED("pid"),
	{ "pids_limit", svc_pids_limit, 0 },
	{ "platform", nc_svc_platform, 0 },
	{ "ports", nc_svc_ports, 0 },
	UNSUPPORTED("post_start"),
	UNSUPPORTED("pre_stop"),
	{ "privileged", nc_svc_flag, 0 },
	{ "profiles", nc_svc_profiles, 0 },
	{ "pull_policy", nc_svc_pull_policy, 0 },
	{ "read_only", nc_svc_flag, 0 },
	{ "restart", nc_svc_restart, 0 },
	{ "router", nc_svc_router, 0 },
	{ "routes", svc_routes, 0 },
	UNSUPPORTED("runtime"),
	UNSUPPORTED("scale"),
	{ "secrets", nc_svc_file_refs, 0 },
	{ "security_opt", nc_svc_security_opt, 0 },
	{ "shm_size", nc_svc_shm_size, 0 },
	{ "stdin_open", nc_svc_flag, 0 },
	{ "stop_grace_period", nc_svc_stop_grace_period, 0 },
	{ "stop_signal", nc_svc_stop_signal, 0 },
	UNSUPPORTED("storage_opt"),
	{ "sysctls", svc_sysctls, 0 },
	{ "tmpfs", nc_svc_tmpfs, 0 },
	{ "tty", nc_svc_flag, 0 },
	{ "ulimits", nc_svc_ulimits, 0 },
	{ "user", nc_svc_user, 0 },
	{ "userns_mode", nc_svc_userns_mode, 0 },
	UNSUPPORTED("uts"),
	{ "volumes", nc_svc_volumes, 0 },
	UNSUPPORTED("volumes_from"),
	{ "working_dir", nc_svc_working_dir, 0 },
};

int nc_load_services(struct nc_loader *ld, const struct nc_yt_node *key,
		     const struct nc_yt_node *val)
{
	struct nc_model *m = ld->m;
	int r;

	if (val->kind == NC_YT_SCALAR && val->type == NC_YT_NULL)
		return 0;
	if (val->kind != NC_YT_MAP)
		return nc_ld_type(ld, key, val, "a mapping of service names");
	if (!(m->services = nc_arena_calloc(ld->a, val->n_pairs ? val->n_pairs : 1,
					    sizeof(*m->services))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_pairs; i++) {
		const struct nc_yt_node *k = val->pairs[i].key, *v = val->pairs[i].value;
		struct nc_service *s = &m->services[m->n_services];

		int rn = nc_ld_entry_name(ld, k, "service", &s->name);
		if (rn > 0)
			continue;
		if (rn < 0)
			return rn;
		s->mark = k->mark;
		s->mem_limit = NC_UNSET;
		s->mem_reservation = NC_UNSET;
		s->shm_size = NC_UNSET;
		s->logging.max_size = s->logging.max_file = NC_UNSET;
		s->oom_score_adj = s->cpu_period = s->cpu_quota = NC_UNSET;
		s->pids_limit = NC_UNSET;
		s->limits.memory = s->limits.pids = NC_UNSET;
		s->reservations.memory = s->reservations.pids = NC_UNSET;
		s->stop_grace_period_ns = NC_UNSET;
		s->healthcheck.retries = NC_UNSET;
		s->healthcheck.interval_ns = s->healthcheck.timeout_ns = NC_UNSET;
		s->healthcheck.start_period_ns = s->healthcheck.start_interval_ns = NC_UNSET;
		if (!(v->kind == NC_YT_SCALAR && v->type == NC_YT_NULL)) {
			const char *where = nc_arena_printf(ld->a, "service `%s`", s->name);
			if (!where)
				return nc_ld_oom(ld);
			ld->where = where;
			if ((r = nc_ld_map(ld, k, v, service_keys, NC_ELEMENTSOF(service_keys), s)) < 0 ||
			    (r = nc_router_finish(ld, s)) < 0)
				return r;
			ld->where = NULL;
		}
		m->n_services++;
	}
	return 0;
}
