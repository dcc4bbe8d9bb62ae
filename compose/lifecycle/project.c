/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/project.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/lifecycle/journal.h"
#include "compose/plan/naming.h"
#include "compose/lifecycle/paths.h"
#include "compose/lifecycle/state.h"
#include "netd/netd.h"

extern char **environ;

static bool same_files(const struct nc_model *m, char *const *rec)
{
	size_t n = 0;

	while (rec[n])
		n++;
	if (n != m->n_files)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(rec[i], m->files[i]))
			return false;
	return true;
}

static void list_files(char *buf, size_t size, const char *const *files, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "", files[i]);
}

/*
 * The lab the files here describe must be the lab the state of that name
 * holds: two directories whose projects end up with the same name (the
 * same `name:`, or the same directory name) would otherwise act on each
 * other's lab.
 */
static int check_recorded(const struct nc_project *p, nc_err *err)
{
	struct nc_paths paths;
	struct nc_project_record rec;
	char now[1024], then[1024];
	nc_err e;
	int r = 0;

	nc_paths_from_env(&paths);
	if (nc_project_recorded(paths.state_root, p->name, &rec, &e) < 0)
		return 0; /* not up */
	bool stdin_now = p->model->n_files && !strcmp(p->model->files[0], "-");
	if (rec.files[0] && !stdin_now && !same_files(p->model, rec.files)) {
		list_files(now, sizeof(now), p->model->files, p->model->n_files);
		size_t n = 0;
		while (rec.files[n])
			n++;
		list_files(then, sizeof(then), (const char *const *)rec.files, n);
		r = nc_err_msg(err, EEXIST,
			       "project `%s` is up from %s, not from %s: run the command in %s (or give its files with -f), or name this lab's project with -p NAME",
			       p->name, then, now, rec.dir ? rec.dir : "its directory");
	}
	nc_project_record_free(&rec);
	return r;
}

/* "a (DIR), b (DIR)" for the message that no file was found. */
static void running_projects(char *buf, size_t size)
{
	struct nc_paths paths;
	_cleanup_strv_ char **names = NULL;
	size_t used = 0;
	nc_err e;

	buf[0] = '\0';
	nc_paths_from_env(&paths);
	if (nc_projects_names(paths.state_root, &names, &e) < 0)
		return;
	for (size_t i = 0; names[i] && used < size; i++) {
		struct nc_project_record rec;
		bool have = nc_project_recorded(paths.state_root, names[i], &rec, &e) == 0;
		used += (size_t)snprintf(buf + used, size - used, "%s`%s`%s%s%s", i ? ", " : "", names[i],
					 have && rec.dir ? " (in " : "", have && rec.dir ? rec.dir : "",
					 have && rec.dir ? ")" : "");
		if (have)
			nc_project_record_free(&rec);
	}
}

static bool valid_name(const char *name)
{
	return nc_project_name_valid(name) && strlen(name) < NC_PROJECT_NAME_MAX;
}

int nc_project_open(const struct nc_project_opts *o, unsigned flags, struct nc_project *out,
		    bool *usage, nc_err *err)
{
	return nc_project_open_named(o, flags, NULL, out, usage, err);
}

int nc_project_open_named(const struct nc_project_opts *o, unsigned flags,
			  const char *const *named, struct nc_project *out, bool *usage, nc_err *err)
{
	struct nc_project_files pf = {
		.files = o->files, .n_files = o->n_files, .project_dir = o->project_dir,
		.env_files = o->env_files, .n_env_files = o->n_env_files, .name = o->project,
		.envp = environ, .named = named, .warnings = stderr,
	};
	bool need_file = flags & NC_PROJECT_NEED_FILE;
	bool explicit = o->n_files || getenv("COMPOSE_FILE");
	struct nc_project_record rec = { 0 };
	struct nc_paths paths;
	int r;

	memset(out, 0, sizeof(*out));
	*usage = true;
	if (o->project && !valid_name(o->project))
		return nc_err_msg(err, EINVAL,
				  "project name `%s` (-p) is not valid: use lower case letters, digits, `-` and `_`, starting with a letter or digit (at most %d characters)",
				  o->project, NC_PROJECT_NAME_MAX - 1);

	/* -p alone: the project's own files, wherever the command runs. */
	nc_paths_from_env(&paths);
	if (o->project && !explicit && !o->project_dir &&
	    nc_project_recorded(paths.state_root, o->project, &rec, err) == 0) {
		if (!need_file) {
			snprintf(out->name, sizeof(out->name), "%s", o->project);
			nc_project_record_free(&rec);
			*usage = false;
			return 0;
		}
		_cleanup_strv_ char **here = NULL;
		nc_err e;
		if (rec.files[0] && nc_project_find_files(NULL, &here, &e) < 0) {
			pf.files = (const char *const *)rec.files;
			while (rec.files[pf.n_files])
				pf.n_files++;
			pf.project_dir = rec.dir;
		}
	} else if (o->project && !explicit && !need_file) {
		/* Not up: a file here is not needed for the name. */
		snprintf(out->name, sizeof(out->name), "%s", o->project);
		*usage = false;
		return 0;
	}

	r = nc_model_load_files(&pf, &out->model, err);
	nc_project_record_free(&rec);
	/* The loader's own "no compose file" (not a missing --env-file). */
	if (r == -ENOENT && !explicit && !strncmp(err->msg, "no compose file", 15)) {
		char running[512];
		running_projects(running, sizeof(running));
		nc_project_close(out);
		return nc_err_msg(err, ENOENT,
				  "no compose file: none of compose.yaml, ncompose.yaml, docker-compose.yaml here; give one with -f FILE%s%s%s",
				  need_file ? "" : " or name a project with -p NAME",
				  *running ? "; projects up: " : "", running);
	}
	if (r < 0) {
		*usage = err->errnum != ENOMEM;
		nc_project_close(out);
		return r;
	}
	if (!valid_name(out->model->project)) {
		nc_err_msg(err, EINVAL, "project name `%s` is too long (at most %d characters)",
			   out->model->project, NC_PROJECT_NAME_MAX - 1);
		nc_project_close(out);
		return -EINVAL;
	}
	snprintf(out->name, sizeof(out->name), "%s", out->model->project);
	if (!(out->file = strdup(out->model->path))) {
		nc_project_close(out);
		return nc_err_errno(err, ENOMEM, "open project");
	}
	if (!(flags & NC_PROJECT_NO_STATE) && (r = check_recorded(out, err)) < 0) {
		nc_project_close(out);
		return r;
	}
	*usage = false;
	return 0;
}

void nc_project_close(struct nc_project *p)
{
	nc_model_free(p->model);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

/* Routes the host already has: automatic subnets steer around them
 * (except the routes of the bridges in `own`, the running project's). */
static int host_taken(const char *const *own, struct nc_prefix **out, size_t *n, nc_err *err)
{
	struct netd *nd = NULL;
	struct netd_host_route *routes = NULL;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = netd_open(&nd, err)) < 0)
		return r;
	r = netd_host_routes(nd, &routes, n, err);
	netd_close(nd);
	if (r < 0)
		return r;
	struct nc_prefix *v = calloc(*n + 1, sizeof(*v));
	if (!v) {
		free(routes);
		return nc_err_errno(err, ENOMEM, "list host routes");
	}
	size_t kept = 0;
	for (size_t i = 0; i < *n; i++) {
		bool mine = false;
		for (const char *const *o = own; o && *o && !mine; o++)
			mine = !strcmp(routes[i].dev, *o);
		if (!mine)
			v[kept++] = routes[i].dst;
	}
	*n = kept;
	free(routes);
	*out = v;
	return 0;
}

/* The bridges `external` networks name: whether they exist, and the
 * addresses they hold (their subnet and gateway for the lab). */
static int external_bridges(const struct nc_model *m, struct nc_plan_host_bridge **out, size_t *n,
			    nc_err *err)
{
	struct netd *nd = NULL;
	int r;

	*out = NULL;
	*n = 0;
	struct nc_plan_host_bridge *v = calloc(m->n_networks + 1, sizeof(*v));
	if (!v)
		return nc_err_errno(err, ENOMEM, "look up external networks");
	for (size_t i = 0; i < m->n_networks; i++) {
		const struct nc_network *net = &m->networks[i];
		struct nc_prefix *addrs = NULL;
		size_t na = 0;
		if (!net->external)
			continue;
		if (!nd && (r = netd_open(&nd, err)) < 0) {
			free(v);
			return r;
		}
		struct nc_plan_host_bridge *b = &v[(*n)++];
		b->name = net->bridge_name ? net->bridge_name : net->name;
		r = netd_link_addrs(nd, b->name, &addrs, &na, err);
		if (r == -ENODEV)
			continue;
		if (r < 0) {
			netd_close(nd);
			free(v);
			return r;
		}
		b->exists = true;
		for (size_t k = 0; k < na; k++) {
			struct nc_prefix *slot = addrs[k].ip.family == AF_INET ? &b->addr4 : &b->addr6;
			if (!slot->ip.family)
				*slot = addrs[k];
		}
		free(addrs);
	}
	netd_close(nd);
	*out = v;
	return 0;
}

int nc_project_plan(const struct nc_project *p, bool probe_host, struct nc_plan **out,
		    nc_err *err)
{
	return nc_project_plan_over(p, probe_host, NULL, out, err);
}

int nc_project_plan_over(const struct nc_project *p, bool probe_host, const char *const *own,
			 struct nc_plan **out, nc_err *err)
{
	struct nc_plan_host host = { .host_env = (const char *const *)environ };
	_cleanup_free_ struct nc_prefix *taken = NULL;
	_cleanup_free_ struct nc_plan_host_bridge *bridges = NULL;
	int r;

	if (probe_host) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		host.ncpus = n > 0 ? (unsigned)n : 0;
		if ((r = host_taken(own, &taken, &host.n_taken, err)) < 0 ||
		    (r = external_bridges(p->model, &bridges, &host.n_bridges, err)) < 0)
			return r;
		host.taken = taken;
		host.bridges = bridges;
	}
	return nc_plan_build(p->model, p->name, &host, out, err);
}
