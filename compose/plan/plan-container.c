/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/plan/plan-container.h"

#include "common/cleanup.h"
#include "common/hash.h"
#include "compose/file/dotenv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OOM(err) nc_err_errno(err, ENOMEM, "plan the lab")

static size_t link_ends_of(const struct nc_model *m, const char *service)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n_links; i++)
		for (size_t e = 0; e < 2; e++)
			n += !strcmp(m->links[i].ends[e].service, service);
	return n;
}

/* Shaping as netd takes it; remembers the first one that needs netem. */
void nc_plan_shape(struct nc_plan *p, const struct nc_plan_container *pc, struct nc_plan_iface *pi,
		   const struct nc_shaping *sh)
{
	if (!sh->set)
		return;
	pi->shape = (struct netd_shape){
		.rate_bps = sh->rate,
		.delay_us = (uint32_t)(sh->delay_ns / 1000),
		.jitter_us = (uint32_t)(sh->jitter_ns / 1000),
		.loss_pct = sh->loss,
	};
	pi->shape_mark = sh->delay_ns ? sh->delay_mark : sh->jitter_ns ? sh->jitter_mark
					  : sh->loss > 0 ? sh->loss_mark : sh->rate_mark;
	if (netd_shape_needs_netem(&pi->shape) && !p->netem_user) {
		p->netem_user = pi;
		p->netem_user_container = pc;
	}
}

static int plan_ifaces(struct nc_plan *p, const struct nc_service *s, struct nc_plan_container *pc,
		       nc_err *err)
{
	size_t room = s->n_networks + link_ends_of(p->model, s->name);
	pc->ifaces = nc_arena_calloc(&p->arena, room ? room : 1, sizeof(*pc->ifaces));
	if (!pc->ifaces)
		return OOM(err);
	for (size_t i = 0; i < s->n_networks; i++) {
		const struct nc_attach *a = &s->networks[i];
		struct nc_plan_iface *pi = &pc->ifaces[pc->n_ifaces++];
		char label[NC_LABEL_MAX];

		pi->attach = a;
		pi->net = nc_plan_network_by_name(p, a->network);
		if (!pi->net)
			return nc_model_error(p->model, a->mark, err, "service `%s`: undefined network `%s`",
					      s->name, a->network);
		pi->segment = pi->net->name;
		nc_plan_shape(p, pc, pi, &a->shaping);
		if (a->interface_name)
			snprintf(pi->ifname, sizeof(pi->ifname), "%s", a->interface_name);
		else
			snprintf(pi->ifname, sizeof(pi->ifname), "eth%u", (unsigned)(i % 100000));
		for (size_t j = 0; j + 1 < pc->n_ifaces; j++)
			if (!strcmp(pc->ifaces[j].ifname, pi->ifname))
				return nc_model_error(p->model, a->mark, err,
						      "service `%s`: interface `%s` is used twice (networks `%s` and `%s`); set interface_name",
						      s->name, pi->ifname, pc->ifaces[j].net->name,
						      pi->net->name);
		nc_name_veth(p->project, s->name, (unsigned)i, pi->host_ifname);
		nc_label_iface(p->project, s->name, pi->ifname, label, sizeof(label));
		if (!(pi->label = nc_arena_strdup(&p->arena, label)))
			return OOM(err);
		if (a->mac_address) {
			unsigned b[6];
			char tail;
			if (sscanf(a->mac_address, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
				   &b[4], &b[5], &tail) != 6 || (b[0] & 1))
				return nc_model_error(p->model, a->mark, err,
						      "service `%s`: mac_address `%s` is not a unicast MAC (aa:bb:cc:dd:ee:ff)",
						      s->name, a->mac_address);
			for (int k = 0; k < 6; k++)
				pi->mac[k] = (uint8_t)b[k];
		} else {
			nc_mac_for(p->project, s->name, pi->ifname, pi->mac);
		}
		pi->mtu = pi->net->mtu;
	}
	return 0;
}

static const char *host_getenv(const struct nc_plan_host *host, const char *key)
{
	size_t kl = strlen(key);

	if (!host || !host->host_env)
		return NULL;
	for (const char *const *e = host->host_env; *e; e++)
		if (!strncmp(*e, key, kl) && (*e)[kl] == '=')
			return *e + kl + 1;
	return NULL;
}

/* The environment being built: `seen` maps each key (the head of its
 * "KEY=VALUE" string) to its index, so that 80 000 entries do not take a
 * scan each. */
struct env_build {
	const char **env;
	size_t n, cap;
	struct nc_strmap seen;
};

/* Later entries override earlier ones with the same key, in their place,
 * as in Docker. */
static int env_put(struct nc_plan *p, struct env_build *b, const char *key, const char *value, nc_err *err)
{
	size_t kl = strlen(key), at = b->n;
	const char *kv = nc_arena_printf(&p->arena, "%s=%s", key, value);

	if (!kv)
		return OOM(err);
	int r = nc_strmap_put(&b->seen, kv, kl, &at);
	if (r < 0)
		return OOM(err);
	if (r == 0 && b->n == b->cap)
		return nc_err_msg(err, E2BIG, "service environment: more entries than counted (%zu)", b->cap);
	b->env[at] = kv;
	b->n += r == 0;
	return 0;
}

static void env_build_freep(struct env_build *b)
{
	nc_strmap_free(&b->seen);
}

/* Compose without an image: the entrypoint, then the command, each as
 * written (the image would supply whichever is missing; there is none). */
static int plan_argv(struct nc_plan *p, const struct nc_service *s, struct nc_plan_container *pc,
		     nc_err *err)
{
	size_t ne = s->has_entrypoint ? s->n_entrypoint : 0;
	size_t nc = s->has_command ? s->n_command : 0;

	if (ne + nc == 0)
		return 0;
	const char **argv = nc_arena_calloc(&p->arena, ne + nc + 1, sizeof(*argv));
	if (!argv)
		return OOM(err);
	for (size_t i = 0; i < ne; i++)
		argv[i] = s->entrypoint[i];
	for (size_t i = 0; i < nc; i++)
		argv[ne + i] = s->command[i];
	pc->argv = argv;
	return 0;
}

/* env_file: paths are relative to the compose file's directory; values
 * come before `environment`, which overrides them (Compose's order). */
static int plan_env_files(struct nc_plan *p, const struct nc_service *s, struct env_build *b, nc_err *err)
{
	_cleanup_free_ char *dir = strdup(p->model->path ? p->model->path : ".");
	int r;

	if (!dir)
		return OOM(err);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	if (p->model->dir) {
		/* The project directory when the files were merged. */
		free(dir);
		if (!(dir = strdup(p->model->dir)))
			return OOM(err);
		slash = dir;
	}
	for (size_t i = 0; i < s->n_env_files; i++) {
		const struct nc_env_file *ef = &s->env_files[i];
		struct nc_dotenv d = NC_DOTENV_INIT;
		char path[4096];
		snprintf(path, sizeof(path), "%s%s%s", ef->path[0] == '/' ? "" : slash ? dir : ".",
			 ef->path[0] == '/' ? "" : "/", ef->path);
		if ((r = nc_dotenv_load(path, !ef->required, NULL, NULL, &d, err)) < 0)
			return nc_model_error(p->model, ef->mark, err, "service `%s`: env_file: %s", s->name,
					      err->msg);
		for (size_t k = 0; k < d.n && r == 0; k++)
			r = env_put(p, b, d.vars[k].key, d.vars[k].value ? d.vars[k].value : "", err);
		nc_dotenv_free(&d);
		if (r < 0)
			return r;
	}
	return 0;
}

static size_t env_file_vars(const struct nc_plan *p, const struct nc_service *s)
{
	/* An upper bound for the environment array: count lines. */
	size_t n = 0;
	for (size_t i = 0; i < s->n_env_files; i++) {
		struct nc_dotenv d = NC_DOTENV_INIT;
		char path[4096];
		nc_err e;
		const char *base = p->model->path ? p->model->path : ".";
		const char *slash = strrchr(base, '/');
		if (p->model->dir) {
			base = p->model->dir;
			slash = base + strlen(base);
		}
		if (s->env_files[i].path[0] == '/')
			snprintf(path, sizeof(path), "%s", s->env_files[i].path);
		else
			snprintf(path, sizeof(path), "%.*s/%s", slash ? (int)(slash - base) : 1,
				 slash ? base : ".", s->env_files[i].path);
		if (nc_dotenv_load(path, true, NULL, NULL, &d, &e) == 0)
			n += d.n;
		nc_dotenv_free(&d);
	}
	return n;
}

/* userns_mode: auto gives the container 65536 host ids of its own: one of
 * 16384 ranges from 2^30 up (far above the ids of real users and of
 * /etc/subuid's usual 100000+), picked by a hash of project and service
 * so a container keeps its ids, and its files' owners, from one `up` to
 * the next. Two containers hashing to one range would share ids; the
 * odds are in docs/decisions.md. */
#define USERNS_FIRST (UINT32_C(1) << 30)
#define USERNS_SIZE UINT32_C(65536)
#define USERNS_SLOTS 16384

static int plan_userns(struct nc_plan *p, const struct nc_service *s, struct nc_plan_container *pc,
		       nc_err *err)
{
	if (!s->userns_mode || strcmp(s->userns_mode, "auto"))
		return 0;
	if (s->privileged)
		return nc_model_error(p->model, s->mark, err,
				      "service `%s`: privileged and userns_mode: auto contradict each other; drop one",
				      s->name);
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const char *c = p->project; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	h = (h ^ '/') * 16777619u;
	for (const char *c = s->name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	pc->userns_base = USERNS_FIRST + (h % USERNS_SLOTS) * USERNS_SIZE;
	pc->userns_size = USERNS_SIZE;
	return 0;
}

/* ulimits by Docker's names; soft above hard is refused at its place. */
static int plan_ulimits(struct nc_plan *p, const struct nc_service *s, struct nc_plan_container *pc,
			nc_err *err)
{
	if (!s->n_ulimits)
		return 0;
	if (!(pc->ulimits = nc_arena_calloc(&p->arena, s->n_ulimits, sizeof(*pc->ulimits))))
		return OOM(err);
	for (size_t i = 0; i < s->n_ulimits; i++) {
		const struct nc_ulimit *u = &s->ulimits[i];
		nc_err e;
		if (rt_ulimit_make(u->name, u->soft, u->hard, &pc->ulimits[i], &e) < 0)
			return nc_model_error(p->model, u->mark, err, "service `%s`: %s", s->name, e.msg);
	}
	pc->n_ulimits = s->n_ulimits;
	return 0;
}

/* security_opt: no-new-privileges and seccomp=unconfined are honoured;
 * the rest is refused. */
static int plan_security(struct nc_plan *p, const struct nc_service *s,
			 struct nc_plan_container *pc, nc_err *err)
{
	pc->no_new_privs = true;
	pc->user = s->user;
	pc->tty = s->tty;
	pc->stdin_open = s->stdin_open;
	pc->groups = s->group_add;
	pc->n_groups = s->n_group_add;
	pc->has_oom_score_adj = s->oom_score_adj != NC_UNSET;
	pc->oom_score_adj = (int)s->oom_score_adj;
	pc->no_log = s->logging.driver && !strcmp(s->logging.driver, "none");
	pc->log_max_size = (uint64_t)(s->logging.max_size != NC_UNSET ? s->logging.max_size : NC_LOG_DEFAULT_MAX_SIZE);
	pc->log_max_files = (unsigned)(s->logging.max_file != NC_UNSET ? s->logging.max_file : NC_LOG_DEFAULT_MAX_FILE);
	for (size_t i = 0; i < s->n_security_opt; i++) {
		const char *o = s->security_opt[i];
		if (!strcmp(o, "no-new-privileges") || !strcmp(o, "no-new-privileges:true") ||
		    !strcmp(o, "no-new-privileges=true"))
			pc->no_new_privs = true;
		else if (!strcmp(o, "no-new-privileges:false") || !strcmp(o, "no-new-privileges=false"))
			pc->no_new_privs = false;
		else if (!strcmp(o, "seccomp=unconfined") || !strcmp(o, "seccomp:unconfined"))
			pc->seccomp_unconfined = true;
		else
			return nc_model_error(p->model, s->mark, err,
					      "service `%s`: security_opt `%s` is not supported yet (no-new-privileges and seccomp=unconfined are)",
					      s->name, o);
	}
	return 0;
}

static int plan_process(struct nc_plan *p, const struct nc_service *s,
			const struct nc_plan_host *host, struct nc_plan_container *pc, nc_err *err)
{
	int r;

	if ((r = plan_argv(p, s, pc, err)) < 0 || (r = plan_security(p, s, pc, err)) < 0 ||
	    (r = plan_ulimits(p, s, pc, err)) < 0 || (r = plan_userns(p, s, pc, err)) < 0)
		return r;
	pc->cwd = s->working_dir;

	_cleanup_(env_build_freep) struct env_build b = { .cap = s->n_environment + env_file_vars(p, s) + 3 };
	if (!(b.env = nc_arena_calloc(&p->arena, b.cap + 1, sizeof(*b.env))))
		return OOM(err);
	if ((r = env_put(p, &b, "PATH", NC_DEFAULT_PATH, err)) < 0 ||
	    (r = env_put(p, &b, "HOSTNAME", pc->hostname, err)) < 0 ||
	    /* With a user, the runtime takes HOME from its passwd entry. */
	    (!s->user && (r = env_put(p, &b, "HOME", "/root", err)) < 0))
		return r;
	/* env_put replaces an entry by a new string: the same pointer at
	 * the end means the service did not set it. */
	const char *def_path = b.env[0], *def_home = s->user ? NULL : b.env[2];
	if ((r = plan_env_files(p, s, &b, err)) < 0)
		return r;
	for (size_t i = 0; i < s->n_environment; i++) {
		const struct nc_kv *kv = &s->environment[i];
		/* `- FOO` without a value takes FOO from the caller's
		 * environment, and is left out when unset (Compose). */
		const char *v = kv->value ? kv->value : host_getenv(host, kv->key);
		if (v && (r = env_put(p, &b, kv->key, v, err)) < 0)
			return r;
	}
	pc->env = b.env;
	pc->env_default_path = b.env[0] == def_path;
	pc->env_default_home = def_home && b.env[2] == def_home;
	return 0;
}

static int cap_bits(const struct nc_plan *p, const struct nc_service *s, const char *const *names,
		    size_t n, struct nc_mark mark, bool *all, uint64_t *bits, nc_err *err)
{
	*all = false;
	*bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], "ALL")) {
			*all = true;
			continue;
		}
		int c = rt_cap_from_name(names[i]);
		if (c < 0)
			return nc_model_error(p->model, mark, err,
					      "service `%s`: unknown capability `%s`", s->name, names[i]);
		*bits |= 1ULL << c;
	}
	return 0;
}

/* Docker's order: start from the default set; `cap_add: [ALL]` gives every
 * capability; `cap_drop: [ALL]` leaves only what cap_add names; otherwise
 * drops apply, then adds. */
static int plan_caps(const struct nc_plan *p, const struct nc_service *s,
		     struct nc_plan_container *pc, nc_err *err)
{
	bool add_all, drop_all;
	uint64_t add, drop;
	int r;

	if ((r = cap_bits(p, s, s->cap_add, s->n_cap_add, s->cap_add_mark, &add_all, &add, err)) < 0 ||
	    (r = cap_bits(p, s, s->cap_drop, s->n_cap_drop, s->cap_drop_mark, &drop_all, &drop, err)) < 0)
		return r;
	uint64_t caps = rt_caps_default();
	if (add_all)
		caps = rt_caps_held();
	if (drop_all)
		caps = add_all ? rt_caps_held() & ~drop : 0;
	else
		caps &= ~drop;
	caps |= add;
	pc->caps = caps & rt_caps_all();
	return 0;
}

static int plan_limits(const struct nc_plan *p, const struct nc_service *s,
		       const struct nc_plan_host *host, struct nc_plan_container *pc, nc_err *err)
{
	struct rt_limits lim = RT_LIMITS_INIT;

	/* deploy.resources.limits stand in for the short keys left unset. */
	int64_t mem = s->mem_limit != NC_UNSET ? s->mem_limit : s->limits.memory;
	double cpus = s->cpus > 0 ? s->cpus : s->limits.cpus;
	int64_t pids = s->pids_limit != NC_UNSET ? s->pids_limit : s->limits.pids;
	struct nc_mark mem_mark = s->mem_limit != NC_UNSET ? s->mem_limit_mark : s->limits.memory_mark;
	struct nc_mark cpus_mark = s->cpus > 0 ? s->cpus_mark : s->limits.cpus_mark;

	/* A reservation is a soft limit: the kernel reclaims above it
	 * first under pressure. Reserved CPUs mean nothing without a
	 * scheduler that places containers (Docker ignores them too). */
	int64_t low = s->mem_reservation != NC_UNSET ? s->mem_reservation : s->reservations.memory;
	if (low != NC_UNSET && low > 0)
		lim.memory_low = low;
	if (mem != NC_UNSET && mem > 0) {
		/* The kernel refuses limits below a few pages, and a container
		 * cannot even start its init in less than about 1 MiB. */
		if (mem < 6 * 1024 * 1024)
			return nc_model_error(p->model, mem_mark, err,
					      "service `%s`: a memory limit below 6 MiB cannot hold a container",
					      s->name);
		lim.memory_max = mem;
	}
	if (s->has_memswap_limit && s->memswap_limit > 0) {
		if (lim.memory_max < 0 || s->memswap_limit < lim.memory_max)
			return nc_model_error(p->model, s->memswap_limit_mark, err,
					      "service `%s`: memswap_limit is memory plus swap: it needs mem_limit and must not be below it",
					      s->name);
		lim.memory_swap_max = s->memswap_limit;
	}
	if (cpus > 0 && host && host->ncpus && cpus > host->ncpus)
		return nc_model_error(p->model, cpus_mark, err,
				      "service `%s`: cpus %.2f is more than the %u CPUs of this host", s->name, cpus,
				      host->ncpus);
	if (s->cpu_quota != NC_UNSET && cpus > 0)
		return nc_model_error(p->model, s->cpu_quota_mark, err,
				      "service `%s`: cpu_quota and cpus say the same thing; keep one", s->name);
	if (s->cpu_quota != NC_UNSET) {
		lim.cpu_quota_us = (uint64_t)s->cpu_quota;
		lim.cpu_period_us = s->cpu_period != NC_UNSET ? (uint64_t)s->cpu_period : 100000;
	} else if (s->cpu_period != NC_UNSET && cpus > 0) {
		/* Docker: cpus is quota over the default period; a period
		 * given beside it scales the quota. */
		lim.cpu_period_us = (uint64_t)s->cpu_period;
		lim.cpu_quota_us = (uint64_t)(cpus * (double)s->cpu_period + 0.5);
	} else if (cpus > 0) {
		lim.cpu_period_us = 100000;
		lim.cpu_quota_us = (uint64_t)(cpus * 100000.0 + 0.5);
		if (lim.cpu_quota_us < 1000)
			return nc_model_error(p->model, cpus_mark, err,
					      "service `%s`: cpus must be at least 0.01", s->name);
	}
	if (pids != NC_UNSET && pids > 0)
		lim.pids_max = pids;
	if (lim.memory_low > 0 && lim.memory_max > 0 && lim.memory_low > lim.memory_max) {
		struct nc_mark m = s->mem_reservation != NC_UNSET ? s->mem_reservation_mark
								   : s->reservations.memory_mark;
		return nc_model_error(p->model, m, err,
				      "service `%s`: the memory reservation is above the memory limit", s->name);
	}
	lim.cpu_shares = (uint64_t)s->cpu_shares;
	lim.cpuset_cpus = s->cpuset;
	lim.blkio_weight = s->blkio_weight;
	pc->limits = lim;
	return 0;
}

/* Docker's (20.10+) defaults in a container's own network namespace: a
 * non-root user may ping (ICMP sockets) and bind ports below 1024. */
static const struct nc_kv default_sysctls[] = {
	{ .key = "net.ipv4.ping_group_range", .value = "0 2147483647" },
	{ .key = "net.ipv4.ip_unprivileged_port_start", .value = "0" },
};

static bool sysctl_given(const struct nc_service *s, const char *key)
{
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (!strcmp(s->sysctls[i].key, key))
			return true;
	return false;
}

static int plan_sysctls(struct nc_plan *p, const struct nc_service *s,
			struct nc_plan_container *pc, nc_err *err)
{
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (strncmp(s->sysctls[i].key, "net.", 4) != 0)
			return nc_model_error(p->model, s->sysctls[i].mark, err,
					      "service `%s`: sysctl `%s` is not supported: only net.* sysctls, which belong to the container's network namespace",
					      s->name, s->sysctls[i].key);
	struct nc_kv *all = nc_arena_calloc(&p->arena, s->n_sysctls + NC_ELEMENTSOF(default_sysctls), sizeof(*all));
	size_t n = 0;
	if (!all)
		return OOM(err);
	for (size_t i = 0; i < NC_ELEMENTSOF(default_sysctls); i++)
		if (!sysctl_given(s, default_sysctls[i].key))
			all[n++] = default_sysctls[i];
	if (s->n_sysctls)
		memcpy(all + n, s->sysctls, s->n_sysctls * sizeof(*all));
	pc->net_sysctls = all;
	pc->n_net_sysctls = n + s->n_sysctls;
	pc->extra_hosts = s->extra_hosts;
	pc->n_extra_hosts = s->n_extra_hosts;
	pc->dns = s->dns;
	pc->n_dns = s->n_dns;
	pc->dns_search = s->dns_search;
	pc->n_dns_search = s->n_dns_search;
	pc->dns_opt = s->dns_opt;
	pc->n_dns_opt = s->n_dns_opt;
	return 0;
}

int nc_plan_container_build(struct nc_plan *p, const struct nc_service *s,
			    const struct nc_plan_host *host, struct nc_plan_container *pc,
			    nc_err *err)
{
	char buf[NC_LABEL_MAX];
	int r;

	pc->svc = s;
	pc->name = s->name;
	pc->hostname = s->hostname ? s->hostname : s->name;
	if ((r = nc_name_netns(p->project, s->name, buf, sizeof(buf), err)) < 0)
		return nc_model_error(p->model, s->mark, err, "%s", err->msg);
	if (!(pc->netns = nc_arena_strdup(&p->arena, buf)))
		return OOM(err);
	nc_label_service(p->project, s->name, buf, sizeof(buf));
	if (!(pc->label = nc_arena_strdup(&p->arena, buf)))
		return OOM(err);
	if ((r = nc_name_cgroup(p->project, s->name, buf, sizeof(buf), err)) < 0)
		return r;
	if (!(pc->cgroup = nc_arena_strdup(&p->arena, buf)))
		return OOM(err);

	if ((r = plan_ifaces(p, s, pc, err)) < 0 || (r = plan_process(p, s, host, pc, err)) < 0 ||
	    (r = plan_caps(p, s, pc, err)) < 0 || (r = plan_limits(p, s, host, pc, err)) < 0 ||
	    (r = plan_sysctls(p, s, pc, err)) < 0 || (r = nc_plan_container_fs(p, s, host, pc, err)) < 0 ||
	    (r = nc_plan_router(p, s, host, pc, err)) < 0)
		return r;
	return 0;
}

static const struct nc_plan_iface *default_iface(const struct nc_plan_container *pc, int family)
{
	const struct nc_plan_iface *best = NULL;

	for (size_t i = 0; i < pc->n_ifaces; i++) {
		const struct nc_plan_iface *pi = &pc->ifaces[i];
		if (!pi->net)
			continue; /* a link end has no gateway */
		const struct nc_ip *gw = family == AF_INET ? &pi->net->gateway4 : &pi->net->gateway6;
		if (!pi->net->gateway_on_host || !gw->family)
			continue;
		if (!best || pi->attach->gw_priority > best->attach->gw_priority)
			best = pi;
	}
	return best;
}

static bool on_own_subnet(const struct nc_plan_container *pc, const struct nc_ip *via)
{
	for (size_t i = 0; i < pc->n_ifaces; i++) {
		const struct nc_plan_iface *pi = &pc->ifaces[i];
		const struct nc_prefix *a = via->family == AF_INET ? &pi->addr4 : &pi->addr6;
		if (a->ip.family && nc_prefix_contains(a, via) && !nc_ip_equal(&a->ip, via))
			return true;
	}
	return false;
}

int nc_plan_container_routes(struct nc_plan *p, struct nc_plan_container *pc, nc_err *err)
{
	const struct nc_service *s = pc->svc;
	bool user_default4 = false, user_default6 = false;

	pc->routes = nc_arena_calloc(&p->arena, s->n_routes + 2, sizeof(*pc->routes));
	if (!pc->routes)
		return OOM(err);
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct nc_route *rt = &s->routes[i];
		struct nc_plan_route *pr = &pc->routes[pc->n_routes++];
		char via[NC_IP_STRLEN];

		pr->via = rt->via;
		if (rt->is_default) {
			pr->dst = (struct nc_prefix){ .ip.family = rt->via.family, .len = 0 };
			if (rt->via.family == AF_INET)
				user_default4 = true;
			else
				user_default6 = true;
		} else {
			pr->dst = nc_prefix_network(&rt->to);
		}
		if (!on_own_subnet(pc, &rt->via))
			return nc_model_error(p->model, rt->via_mark, err,
					      "service `%s`: route via `%s` is not on any network of `%s`; a gateway must be a neighbour on one of its subnets",
					      s->name, nc_ip_str(&rt->via, via), s->name);
		for (size_t j = 0; j + 1 < pc->n_routes; j++)
			if (pc->routes[j].dst.len == pr->dst.len &&
			    nc_ip_equal(&pc->routes[j].dst.ip, &pr->dst.ip))
				return nc_model_error(p->model, rt->mark, err,
						      "service `%s`: two routes to the same destination",
						      s->name);
	}

	const struct nc_plan_iface *d4 = user_default4 ? NULL : default_iface(pc, AF_INET);
	const struct nc_plan_iface *d6 = user_default6 ? NULL : default_iface(pc, AF_INET6);
	if (d4)
		pc->routes[pc->n_routes++] = (struct nc_plan_route){
			.dst = { .ip.family = AF_INET }, .via = d4->net->gateway4, .dev = d4->ifname };
	if (d6 && d6->addr6.ip.family)
		pc->routes[pc->n_routes++] = (struct nc_plan_route){
			.dst = { .ip.family = AF_INET6 }, .via = d6->net->gateway6, .dev = d6->ifname };
	return 0;
}
