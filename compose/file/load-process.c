/* SPDX-License-Identifier: GPL-2.0-or-later */
/* services.<s>: the image, the process, its identity and its lifecycle. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/image-ref.h"
#include "compose/file/load.h"

static bool has_space(const char *s)
{
	return strpbrk(s, " \t\n\r") != NULL;
}

NC_LD_READER(nc_svc_image)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, key, val, &s->image)) < 0)
		return r;
	if (!*s->image)
		return nc_ld_fail_key(ld, key, val->mark, "the image name is empty");
	if (has_space(s->image))
		return nc_ld_fail_key(ld, key, val->mark,
				      "`%s` is not an image: a directory, an archive, an OCI layout or NAME[:TAG]",
				      s->image);
	s->image_mark = val->mark;
	/* Compose's rule: a path starts with `/`, `./`, `../` or `~` (or is
	 * `.`, `..`); anything else names an image of a registry. */
	if (s->image[0] != '/' && s->image[0] != '~' && strncmp(s->image, "./", 2) &&
	    strncmp(s->image, "../", 3) && strcmp(s->image, ".") && strcmp(s->image, "..")) {
		struct nc_image_ref ref;
		nc_err e;
		if (nc_image_ref_parse(s->image, &ref, &e) < 0)
			return nc_ld_fail_key(ld, key, val->mark, "%s", e.msg);
	}
	return 0;
}

NC_LD_READER(nc_svc_platform)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, key, val, &s->platform)) < 0)
		return r;
	const char *slash = strchr(s->platform, '/');
	if (!slash || slash == s->platform || !slash[1] || slash[1] == '/')
		return nc_ld_fail_key(ld, key, val->mark,
				      "`%s` is not OS/ARCH[/VARIANT] (e.g. linux/amd64, linux/arm64/v8)", s->platform);
	s->platform_mark = val->mark;
	return 0;
}

NC_LD_READER(nc_svc_pull_policy)
{
	static const char *const ok[] = { "always", "missing", "never", "build", "if_not_present", NULL };
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, key, val, &s->pull_policy)) < 0)
		return r;
	for (size_t i = 0; ok[i]; i++)
		if (!strcmp(s->pull_policy, ok[i])) {
			/* Compose's old spelling of `missing`. */
			if (!strcmp(s->pull_policy, "if_not_present"))
				s->pull_policy = "missing";
			return 0;
		}
	return nc_ld_fail_key(ld, key, val->mark, "`%s` is not one of always, missing, never, build",
			      s->pull_policy);
}

NC_LD_READER(nc_svc_entrypoint)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_words(ld, key, val, &s->entrypoint, &s->n_entrypoint)) < 0)
		return r;
	s->has_entrypoint = true;
	s->entrypoint_mark = val->mark;
	return 0;
}

static int env_file_path(struct nc_loader *ld, const struct nc_yt_node *k,
			 const struct nc_yt_node *v, void *obj)
{
	struct nc_env_file *f = obj;
	int r;

	if ((r = nc_ld_string(ld, k, v, &f->path)) < 0)
		return r;
	if (!*f->path)
		return nc_ld_fail_key(ld, k, v->mark, "the path is empty");
	return 0;
}

static int env_file_required(struct nc_loader *ld, const struct nc_yt_node *k,
			     const struct nc_yt_node *v, void *obj)
{
	struct nc_env_file *f = obj;
	return nc_ld_bool(ld, k, v, &f->required);
}

static const struct nc_ld_key env_file_keys[] = {
	{ "format", NULL, NC_LD_UNSUPPORTED },
	{ "path", env_file_path, 0 },
	{ "required", env_file_required, 0 },
};

/* A path, a list of paths, or a list of {path, required}. */
NC_LD_READER(nc_svc_env_file)
{
	struct nc_service *s = obj;
	bool one = val->kind == NC_YT_SCALAR;
	size_t n = one ? 1 : val->n_items;
	int r;

	if (val->kind == NC_YT_MAP || (one && val->type == NC_YT_NULL))
		return nc_ld_type(ld, key, val, "a path or a list of paths");
	if (!(s->env_files = nc_arena_calloc(ld->a, n ? n : 1, sizeof(*s->env_files))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < n; i++) {
		const struct nc_yt_node *it = one ? val : val->items[i];
		struct nc_env_file *f = &s->env_files[i];
		f->required = true;
		f->mark = it->mark;
		if (it->kind == NC_YT_MAP) {
			const char *outer = ld->where;
			ld->where = nc_arena_printf(ld->a, "an `env_file` entry of service `%s`", s->name);
			if (!ld->where)
				return nc_ld_oom(ld);
			r = nc_ld_map(ld, key, it, env_file_keys, NC_ELEMENTSOF(env_file_keys), f);
			ld->where = outer;
			if (r < 0)
				return r;
			if (!f->path)
				return nc_ld_fail_key(ld, key, it->mark, "an entry has no `path`");
		} else if ((r = env_file_path(ld, key, it, f)) < 0) {
			return r;
		}
	}
	s->n_env_files = n;
	return 0;
}

NC_LD_READER(nc_svc_working_dir)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, key, val, &s->working_dir)) < 0)
		return r;
	if (s->working_dir[0] != '/')
		return nc_ld_fail_key(ld, key, val->mark, "`%s` is not an absolute path",
				      s->working_dir);
	return 0;
}

/* "uid", "uid:gid", "name", "name:group" (Docker's --user). */
NC_LD_READER(nc_svc_user)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, key, val, &s->user)) < 0)
		return r;
	const char *colon = strchr(s->user, ':');
	if (!*s->user || has_space(s->user) || s->user[0] == ':' ||
	    (colon && (!colon[1] || strchr(colon + 1, ':'))))
		return nc_ld_fail_key(ld, key, val->mark,
				      "`%s` is not a user: expected USER or USER:GROUP, by name or number",
				      s->user);
	return 0;
}

/* "host" is Docker's (no remapping, our default too); "auto" is
 * Podman's: a user namespace with a range of host ids of its own. */
NC_LD_READER(nc_svc_userns_mode)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, key, val, &s->userns_mode)) < 0)
		return r;
	if (strcmp(s->userns_mode, "host") && strcmp(s->userns_mode, "auto"))
		return nc_ld_fail_key(ld, key, val->mark,
				      "userns_mode `%s` is not supported: `host` (no user namespace, the default) or `auto` (root inside is an unprivileged range of host ids)",
				      s->userns_mode);
	return 0;
}

NC_LD_READER(nc_svc_domainname)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, key, val, &s->domainname)) < 0)
		return r;
	if (!nc_ld_valid_hostname(s->domainname))
		return nc_ld_fail_key(ld, key, val->mark, "`%s` is not a valid domain name",
				      s->domainname);
	return 0;
}

NC_LD_READER(nc_svc_network_mode)
{
	struct nc_service *s = obj;
	const char *mode;
	int r;

	if ((r = nc_ld_string(ld, key, val, &mode)) < 0)
		return r;
	if (strcmp(mode, "none"))
		return nc_ld_fail_key(ld, key, val->mark,
				      "`%s` is not supported: only `none` (every container has its own network namespace)",
				      mode);
	s->network_mode_none = true;
	s->network_mode_mark = val->mark;
	return 0;
}

/* Docker's --device forms. PERMS (a cgroup's business in Docker) must
 * allow read and write: without a device cgroup we could not hold a
 * container to less (planner, docs/decisions.md). */
NC_LD_READER(nc_svc_devices)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_strlist(ld, key, val, &s->devices, &s->n_devices, &s->device_marks)) < 0)
		return r;
	for (size_t i = 0; i < s->n_devices; i++) {
		const char *d = s->devices[i];
		const char *c1 = strchr(d, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		const char *perms = c2 ? c2 + 1 : NULL;
		if (d[0] != '/' || (c1 && c1[1] != '/') || (c2 && strchr(perms, ':')))
			return nc_ld_fail_key(ld, key, s->device_marks[i],
					      "`%s` is not a device: expected HOST[:CONTAINER[:PERMS]] with absolute paths, e.g. /dev/net/tun",
					      d);
		if (perms && (!*perms || strspn(perms, "rwm") != strlen(perms)))
			return nc_ld_fail_key(ld, key, s->device_marks[i],
					      "`%s`: permissions are letters of r, w and m", d);
		if (perms && (!strchr(perms, 'r') || !strchr(perms, 'w')))
			return nc_ld_fail_key(ld, key, s->device_marks[i],
					      "`%s`: a device is always readable and writable here (there is no device cgroup to hold it to `%s`); use rw or rwm",
					      d, perms);
	}
	return 0;
}

/* logging: the drivers that mean "a file ncompose logs reads" and
 * `none`; the size options of Docker's json-file and local drivers. */
static int lg_driver(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val, void *obj)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, key, val, &s->logging.driver)) < 0)
		return r;
	if (strcmp(s->logging.driver, "json-file") && strcmp(s->logging.driver, "local") &&
	    strcmp(s->logging.driver, "none"))
		return nc_ld_fail_key(ld, key, val->mark,
				      "logging driver `%s` is not supported: json-file or local (a log file, rotated), or none",
				      s->logging.driver);
	return 0;
}

static int lg_max_size(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val, void *obj)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_bytes(ld, key, val, &s->logging.max_size)) < 0)
		return r;
	if (s->logging.max_size < 4096)
		return nc_ld_fail_key(ld, key, val->mark, "logging max-size must be at least 4k");
	return 0;
}

static int lg_max_file(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val, void *obj)
{
	return nc_ld_int(ld, key, val, 1, NC_LOG_MAX_FILES, &((struct nc_service *)obj)->logging.max_file);
}

static const struct nc_ld_key logging_option_keys[] = {
	{ "max-file", lg_max_file, 0 },
	{ "max-size", lg_max_size, 0 },
};

static int lg_options(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val, void *obj)
{
	return nc_ld_map(ld, key, val, logging_option_keys, NC_ELEMENTSOF(logging_option_keys), obj);
}

static const struct nc_ld_key logging_keys[] = {
	{ "driver", lg_driver, 0 },
	{ "options", lg_options, 0 },
};

NC_LD_READER(nc_svc_logging)
{
	struct nc_service *s = obj;
	if (val->kind != NC_YT_MAP)
		return nc_ld_type(ld, key, val, "a mapping");
	s->logging.present = true;
	return nc_ld_map(ld, key, val, logging_keys, NC_ELEMENTSOF(logging_keys), s);
}

NC_LD_READER(nc_svc_shm_size)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_bytes(ld, key, val, &s->shm_size)) < 0)
		return r;
	s->shm_size_mark = val->mark;
	if (s->shm_size < 4096)
		return nc_ld_fail_key(ld, key, val->mark, "shm_size must be at least 4k");
	return 0;
}

/* A string or a list of them (dns_search, dns_opt). */
static int one_or_list(struct nc_loader *ld, const struct nc_yt_node *key, const struct nc_yt_node *val,
		       const char ***out, size_t *n)
{
	if (val->kind == NC_YT_SCALAR && val->type == NC_YT_STR) {
		const char **v = nc_arena_calloc(ld->a, 2, sizeof(*v));
		if (!v)
			return nc_ld_oom(ld);
		/* The tree goes with the loader; the model keeps copies. */
		if (!(v[0] = nc_arena_strdup(ld->a, val->text)))
			return nc_ld_oom(ld);
		*out = v;
		*n = 1;
		return 0;
	}
	return nc_ld_strlist(ld, key, val, out, n, NULL);
}

NC_LD_READER(nc_svc_resolv)
{
	struct nc_service *s = obj;
	const char ***v = !strcmp(key->text, "dns_search") ? &s->dns_search : &s->dns_opt;
	size_t *n = !strcmp(key->text, "dns_search") ? &s->n_dns_search : &s->n_dns_opt;
	int r;

	if ((r = one_or_list(ld, key, val, v, n)) < 0)
		return r;
	for (size_t i = 0; i < *n; i++)
		if (!(*v)[i][0] || strpbrk((*v)[i], " \t\n"))
			return nc_ld_fail_key(ld, key, val->mark, "`%s` is not one word", (*v)[i]);
	return 0;
}

/* Docker's container name; here one more host name of the container
 * (Docker's DNS answers it too). Names stay the service's elsewhere. */
NC_LD_READER(nc_svc_container_name)
{
	struct nc_service *s = obj;
	int r;

	if ((r = nc_ld_string(ld, key, val, &s->container_name)) < 0)
		return r;
	if (!nc_ld_valid_hostname(s->container_name))
		return nc_ld_fail_key(ld, key, val->mark,
				      "`%s` is not a valid container name here: it is used as a host name (letters, digits, `-`, `.`)",
				      s->container_name);
	return 0;
}

NC_LD_READER(nc_svc_profiles)
{
	struct nc_service *s = obj;
	int r;

	s->profiles_mark = val->mark;
	if ((r = nc_ld_strlist(ld, key, val, &s->profiles, &s->n_profiles, NULL)) < 0)
		return r;
	for (size_t i = 0; i < s->n_profiles; i++)
		if (!s->profiles[i][0] || strpbrk(s->profiles[i], ", \t\n"))
			return nc_ld_fail_key(ld, key, val->mark, "`%s` is not a profile name", s->profiles[i]);
	return 0;
}

NC_LD_READER(nc_svc_labels)
{
	struct nc_service *s = obj;
	return nc_ld_kvs(ld, key, val, false, &s->labels, &s->n_labels);
}

/* gids or group names, looked up in the container's /etc/group at start. */
NC_LD_READER(nc_svc_group_add)
{
	struct nc_service *s = obj;

	if (val->kind != NC_YT_SEQ)
		return nc_ld_type(ld, key, val, "a list of groups (names or gids)");
	if (!(s->group_add = nc_arena_calloc(ld->a, val->n_items + 1, sizeof(*s->group_add))))
		return nc_ld_oom(ld);
	for (size_t i = 0; i < val->n_items; i++) {
		const struct nc_yt_node *it = val->items[i];
		if (it->kind != NC_YT_SCALAR || it->type == NC_YT_NULL)
			return nc_ld_type(ld, key, it, "a group name or gid");
		if (!it->text[0] || strpbrk(it->text, ": \t\n"))
			return nc_ld_fail_key(ld, key, it->mark, "`%s` is not a group name or gid", it->text);
		if (!(s->group_add[i] = nc_arena_strdup(ld->a, it->text)))
			return nc_ld_oom(ld);
	}
	s->n_group_add = val->n_items;
	return 0;
}

NC_LD_READER(nc_svc_oom_score_adj)
{
	struct nc_service *s = obj;
	return nc_ld_int(ld, key, val, -1000, 1000, &s->oom_score_adj);
}

/* CFS period and quota in microseconds, Docker's --cpu-period/--cpu-quota. */
NC_LD_READER(nc_svc_cpu_cfs)
{
	struct nc_service *s = obj;
	if (!strcmp(key->text, "cpu_period"))
		return nc_ld_int(ld, key, val, 1000, 1000000, &s->cpu_period);
	s->cpu_quota_mark = val->mark;
	return nc_ld_int(ld, key, val, 1000, INT64_MAX / 1000, &s->cpu_quota);
}

NC_LD_READER(nc_svc_flag)
{
	struct nc_service *s = obj;

	if (!strcmp(key->text, "privileged"))
		return nc_ld_bool(ld, key, val, &s->privileged);
	if (!strcmp(key->text, "read_only"))
		return nc_ld_bool(ld, key, val, &s->read_only);
	if (!strcmp(key->text, "tty"))
		return nc_ld_bool(ld, key, val, &s->tty);
	if (!strcmp(key->text, "stdin_open"))
		return nc_ld_bool(ld, key, val, &s->stdin_open);
	s->has_init = true;
	return nc_ld_bool(ld, key, val, &s->init);
}

/* Docker's --security-opt names; the value after `=` (or the older `:`)
 * is the runtime's business. */
NC_LD_READER(nc_svc_security_opt)
{
	static const char *const names[] = { "apparmor",	   "label",	      "no-new-privileges",
					     "seccomp",		   "systempaths", "writable-cgroups" };
	struct nc_service *s = obj;
	struct nc_mark *marks;
	int r;

	if ((r = nc_ld_strlist(ld, key, val, &s->security_opt, &s->n_security_opt, &marks)) < 0)
		return r;
	for (size_t i = 0; i < s->n_security_opt; i++) {
		const char *o = s->security_opt[i];
		size_t n = strcspn(o, "=:");
		size_t j;
		for (j = 0; j < NC_ELEMENTSOF(names); j++)
			if (strlen(names[j]) == n && !strncmp(o, names[j], n))
				break;
		if (j < NC_ELEMENTSOF(names) && (o[n] || !strcmp(names[j], "no-new-privileges")))
			continue;
		char word[64];
		snprintf(word, sizeof(word), "%.*s", (int)(n < 63 ? n : 63), o);
		const char *sug = nc_ld_suggest(word, names, NC_ELEMENTSOF(names));
		char hint[96] = "";
		if (sug)
			snprintf(hint, sizeof(hint), " (did you mean `%s`?)", sug);
		return nc_ld_fail_key(ld, key, marks[i],
				      "`%s` is not a security option: NAME=VALUE with NAME one of apparmor, label, no-new-privileges, seccomp, systempaths, writable-cgroups%s",
				      o, hint);
	}
	return 0;
}

NC_LD_READER(nc_svc_restart)
{
	struct nc_service *s = obj;
	const char *v;
	int r;

	if ((r = nc_ld_string(ld, key, val, &v)) < 0)
		return r;
	if (!strcmp(v, "no"))
		s->restart = NC_RESTART_NO;
	else if (!strcmp(v, "always"))
		s->restart = NC_RESTART_ALWAYS;
	else if (!strcmp(v, "unless-stopped"))
		s->restart = NC_RESTART_UNLESS_STOPPED;
	else if (!strncmp(v, "on-failure", 10) && (!v[10] || v[10] == ':')) {
		s->restart = NC_RESTART_ON_FAILURE;
		if (v[10]) {
			char *end;
			errno = 0;
			long long n = strtoll(v + 11, &end, 10);
			if (errno || *end || end == v + 11 || n < 0 || v[11] == '-' || v[11] == '+')
				return nc_ld_fail_key(ld, key, val->mark,
						      "`%s`: the retry count after `on-failure:` is a number >= 0",
						      v);
			s->restart_max = n;
		}
	} else {
		return nc_ld_fail_key(ld, key, val->mark,
				      "`%s` is not a restart policy: no, always, on-failure[:N] or unless-stopped",
				      v);
	}
	return 0;
}

int nc_signal_number(const char *s)
{
	char *end;

	if (s[0] >= '0' && s[0] <= '9') {
		long n = strtol(s, &end, 10);
		return (*end || n < 1 || n >= NSIG) ? -1 : (int)n;
	}
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int i = 1; i < NSIG; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (abbrev && !strcasecmp(s, abbrev))
			return i;
	}
	int base = !strncasecmp(s, "RTMIN", 5) ? SIGRTMIN : !strncasecmp(s, "RTMAX", 5) ? SIGRTMAX : 0;
	if (!base)
		return -1;
	if (!s[5])
		return base;
	if (s[5] != (base == SIGRTMIN ? '+' : '-') || s[6] < '0' || s[6] > '9')
		return -1;
	long n = strtol(s + 6, &end, 10);
	long sig = base == SIGRTMIN ? base + n : base - n;
	return (*end || sig < SIGRTMIN || sig > SIGRTMAX) ? -1 : (int)sig;
}

NC_LD_READER(nc_svc_stop_signal)
{
	struct nc_service *s = obj;

	if (val->kind != NC_YT_SCALAR || (val->type != NC_YT_STR && val->type != NC_YT_INT))
		return nc_ld_type(ld, key, val, "a signal name such as SIGTERM");
	int sig = nc_signal_number(val->text);
	/* SIGKILL is fine (Docker allows it); SIGSTOP would never stop. */
	if (sig < 0 || sig == SIGSTOP)
		return nc_ld_fail_key(ld, key, val->mark, "`%s` is not a signal that stops a process",
				      val->text);
	s->stop_signal = sig;
	s->stop_signal_mark = val->mark;
	return 0;
}

NC_LD_READER(nc_svc_stop_grace_period)
{
	struct nc_service *s = obj;
	return nc_ld_duration(ld, key, val, &s->stop_grace_period_ns);
}

static int hc_test(struct nc_loader *ld, const struct nc_yt_node *k, const struct nc_yt_node *v,
		   void *obj)
{
	struct nc_healthcheck *h = obj;
	const char **w;
	size_t n;
	int r;

	/* A string is CMD-SHELL. */
	if (v->kind == NC_YT_SCALAR && v->type != NC_YT_NULL) {
		if (!(h->test = nc_arena_calloc(ld->a, 2, sizeof(*h->test))) ||
		    !(h->test[0] = nc_arena_strdup(ld->a, v->text)))
			return nc_ld_oom(ld);
		h->n_test = 1;
		h->shell = true;
		return 0;
	}
	if (v->kind != NC_YT_SEQ)
		return nc_ld_type(ld, k, v, "a string or a list such as [CMD, ping, -c1, x]");
	if ((r = nc_ld_strlist(ld, k, v, &w, &n, NULL)) < 0)
		return r;
	if (n == 1 && !strcmp(w[0], "NONE")) {
		h->disable = true;
		return 0;
	}
	if (n >= 2 && !strcmp(w[0], "CMD")) {
		h->test = w + 1;
		h->n_test = n - 1;
		return 0;
	}
	if (n == 2 && !strcmp(w[0], "CMD-SHELL")) {
		h->test = w + 1;
		h->n_test = 1;
		h->shell = true;
		return 0;
	}
	return nc_ld_fail_key(ld, k, v->mark,
			      "a list starts with CMD (then the command and its arguments), CMD-SHELL (then one command line) or NONE (alone)");
}

static int hc_duration(struct nc_loader *ld, const struct nc_yt_node *k,
		       const struct nc_yt_node *v, void *obj)
{
	struct nc_healthcheck *h = obj;
	int64_t *field = !strcmp(k->text, "interval")	      ? &h->interval_ns
			 : !strcmp(k->text, "timeout")	      ? &h->timeout_ns
			 : !strcmp(k->text, "start_period") ? &h->start_period_ns
							      : &h->start_interval_ns;
	int r;

	if ((r = nc_ld_duration(ld, k, v, field)) < 0)
		return r;
	/* Docker refuses anything between 0 (the default) and 1ms. */
	if (*field > 0 && *field < 1000000)
		return nc_ld_fail_key(ld, k, v->mark, "%s is shorter than 1ms", v->text);
	return 0;
}

static int hc_retries(struct nc_loader *ld, const struct nc_yt_node *k,
		      const struct nc_yt_node *v, void *obj)
{
	struct nc_healthcheck *h = obj;
	return nc_ld_int(ld, k, v, 0, INT32_MAX, &h->retries);
}

static int hc_disable(struct nc_loader *ld, const struct nc_yt_node *k,
		      const struct nc_yt_node *v, void *obj)
{
	struct nc_healthcheck *h = obj;
	bool d;
	int r;

	if ((r = nc_ld_bool(ld, k, v, &d)) < 0)
		return r;
	h->disable |= d;
	return 0;
}

static const struct nc_ld_key healthcheck_keys[] = {
	{ "disable", hc_disable, 0 },	    { "interval", hc_duration, 0 },
	{ "retries", hc_retries, 0 },	    { "start_interval", hc_duration, 0 },
	{ "start_period", hc_duration, 0 }, { "test", hc_test, 0 },
	{ "timeout", hc_duration, 0 },
};

NC_LD_READER(nc_svc_healthcheck)
{
	struct nc_service *s = obj;
	struct nc_healthcheck *h = &s->healthcheck;
	const char *outer = ld->where;
	int r;

	if (val->kind != NC_YT_MAP)
		return nc_ld_type(ld, key, val, "a mapping");
	*h = (struct nc_healthcheck){ .present = true, .mark = val->mark, .retries = NC_UNSET,
				      .interval_ns = NC_UNSET, .timeout_ns = NC_UNSET,
				      .start_period_ns = NC_UNSET, .start_interval_ns = NC_UNSET };
	if (!(ld->where = nc_arena_printf(ld->a, "`healthcheck` of service `%s`", s->name)))
		return nc_ld_oom(ld);
	r = nc_ld_map(ld, key, val, healthcheck_keys, NC_ELEMENTSOF(healthcheck_keys), h);
	ld->where = outer;
	if (r < 0)
		return r;
	const struct nc_yt_node *test = nc_yt_get(val, "test");
	const struct nc_yt_node *disable = nc_yt_get(val, "disable");
	/* Compose refuses a test next to `disable: true`. */
	if (test && disable && h->disable && h->n_test)
		return nc_ld_fail_key(ld, key, disable->mark, "`disable: true` and a `test` exclude each other");
	return 0;
}
