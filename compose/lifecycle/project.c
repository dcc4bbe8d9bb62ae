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

static const char *const default_files[] = {
	"compose.yaml", "compose.yml", "ncompose.yaml", "ncompose.yml",
	"docker-compose.yaml", "docker-compose.yml",
};

static char *find_default_file(void)
{
	struct stat st;

	for (size_t i = 0; i < NC_ELEMENTSOF(default_files); i++)
		if (stat(default_files[i], &st) == 0 && S_ISREG(st.st_mode))
			return strdup(default_files[i]);
	return NULL;
}

static bool name_from_file(const char *file, char *out, size_t size)
{
	_cleanup_free_ char *copy = strdup(file);
	if (!copy)
		return false;
	char *base = basename(copy);
	char *dot = strrchr(base, '.');
	if (dot && (!strcmp(dot, ".yaml") || !strcmp(dot, ".yml")))
		*dot = '\0';
	return nc_project_name_normalise(base, out, size);
}

/* The compose file a running project was brought up from (its journal
 * says), for commands that need the file when given only -p. */
static char *recorded_file(const char *project)
{
	struct nc_paths paths;
	struct nc_records j;
	char path[PATH_MAX];
	nc_err e;
	char *file = NULL;

	nc_paths_from_env(&paths);
	if (nc_pathf(path, sizeof(path), "%s/%s/journal", paths.state_root, project) < 0 ||
	    nc_records_read_file(path, &j, &e) < 0)
		return NULL;
	for (size_t i = 0; i < j.n && !file; i++) {
		struct nc_jrec jr;
		nc_jrec_parse(&j.v[i], &jr);
		if (jr.kind == NC_JK_FILE)
			file = strdup(jr.file);
	}
	nc_records_free(&j);
	return file;
}

int nc_project_open(const char *file_opt, const char *project_opt, bool need_file,
		    struct nc_project *out, bool *usage, nc_err *err)
{
	return nc_project_open_named(file_opt, project_opt, need_file, NULL, out, usage, err);
}

int nc_project_open_named(const char *file_opt, const char *project_opt, bool need_file,
			  const char *const *named, struct nc_project *out, bool *usage, nc_err *err)
{
	int r;

	memset(out, 0, sizeof(*out));
	*usage = true;
	if (file_opt)
		out->file = strdup(file_opt);
	else
		out->file = find_default_file();
	if (file_opt && !out->file)
		return nc_err_errno(err, ENOMEM, "open project");
	if (!out->file && need_file && project_opt && nc_project_name_valid(project_opt))
		out->file = recorded_file(project_opt);

	if (!out->file && (need_file || !project_opt))
		return nc_err_msg(err, ENOENT,
				  "no compose file: none of compose.yaml, ncompose.yaml, docker-compose.yaml here; give one with -f FILE%s",
				  need_file ? "" : " or name the project with -p");

	if (out->file && (need_file || !project_opt)) {
		/* ${VAR} from the environment, then from a .env beside the file. */
		if ((r = nc_model_load_project(out->file, environ, named, &out->model, err)) < 0) {
			*usage = err->errnum != ENOMEM;
			nc_project_close(out);
			return r;
		}
	}

	const char *name = project_opt ? project_opt : out->model ? out->model->name : NULL;
	if (name) {
		if (!nc_project_name_valid(name) || strlen(name) >= sizeof(out->name)) {
			nc_project_close(out);
			return nc_err_msg(err, EINVAL,
					  "project name `%s` is not valid: use lower case letters, digits, '-' and '_', starting with a letter or digit (at most %d characters)",
					  name, NC_PROJECT_NAME_MAX - 1);
		}
		snprintf(out->name, sizeof(out->name), "%s", name);
	} else if (!name_from_file(out->file, out->name, sizeof(out->name))) {
		nc_err_msg(err, EINVAL,
			   "cannot derive a project name from `%s`; set `name:` in the file or use -p",
			   out->file);
		nc_project_close(out);
		return -EINVAL;
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
