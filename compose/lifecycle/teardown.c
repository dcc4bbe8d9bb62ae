/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/teardown.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/parallel.h"
#include "compose/plan/naming.h"
#include "compose/lifecycle/state.h"

/* Keeps the first error, lets the rest of the teardown go on. */
static void keep_first(int r, nc_err *first, int *ret, const nc_err *e)
{
	if (r < 0 && *ret == 0) {
		*ret = r;
		*first = *e;
	}
}

/* The names of a kind in the journal, deduplicated, in journal order. */
static size_t journal_netns(const struct nc_teardown *t, const char **out, size_t max)
{
	size_t n = 0;

	if (!t->journal)
		return 0;
	for (size_t i = 0; i < t->journal->n && n < max; i++) {
		struct nc_jrec jr;
		nc_jrec_parse(&t->journal->v[i], &jr);
		if (jr.kind != NC_JK_NETNS)
			continue;
		const char *name = jr.netns.name;
		bool dup = false;
		for (size_t k = 0; k < n && !dup; k++)
			dup = !strcmp(out[k], name);
		if (!dup)
			out[n++] = name;
	}
	return n;
}

static size_t journal_count(const struct nc_teardown *t)
{
	return t->journal ? t->journal->n : 0;
}

/* ---- containers ------------------------------------------------------ */

static pid_t container_pid(const struct nc_teardown *t, const char *service)
{
	char path[PATH_MAX];
	nc_err e;

	if (!t->state_dir)
		return 0;
	struct nc_records rs;
	if (nc_pathf(path, sizeof(path), "%s/containers/%s/record", t->state_dir, service) < 0 ||
	    nc_records_read_file(path, &rs, &e) < 0)
		return 0;
	pid_t pid = 0;
	for (size_t i = 0; i < rs.n; i++)
		if (!strcmp(rs.v[i].f[0], "pid") && nc_record_field(&rs.v[i], 1))
			pid = (pid_t)strtol(rs.v[i].f[1], NULL, 10);
	nc_records_free(&rs);
	return pid;
}

/* True when `pid` is one of the cgroup's processes: a pid from a stale
 * record may have been reused by an unrelated process. */
static bool pid_in_cgroup(struct rt_cgroups *cg, const char *cgroup, pid_t pid)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	nc_err e;

	if (pid <= 0 || rt_cgroup_pids(cg, cgroup, &pids, &n, &e) < 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

struct victim {
	char cgroup[PATH_MAX];
	pid_t pid;
	bool empty; /* no process left: nothing to stop */
};

static int collect_victims(struct nc_teardown *t, struct victim **out, size_t *n_out, nc_err *err)
{
	char proj[PATH_MAX];
	_cleanup_strv_ char **children = NULL;
	int r;

	*out = NULL;
	*n_out = 0;
	if ((r = nc_name_cgroup_project(t->project, proj, sizeof(proj), err)) < 0)
		return r;
	if ((r = rt_cgroup_children(t->cg, proj, &children, err)) < 0)
		return r;
	size_t n = 0;
	for (char **c = children; *c; c++)
		n++;
	struct victim *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return nc_err_errno(err, ENOMEM, "stop containers of `%s`", t->project);
	for (size_t i = 0; i < n; i++) {
		if (nc_pathf(v[i].cgroup, sizeof(v[i].cgroup), "%s/%s", proj, children[i]) < 0) {
			free(v);
			return nc_err_errno(err, ENAMETOOLONG, "cgroup `%s/%s`", proj, children[i]);
		}
		/* After the supervisor stopped them, every cgroup is empty: one
		 * read each tells so. A process the listing hierarchy misses
		 * keeps its cgroup busy, and cgroup removal kills it then. */
		_cleanup_free_ pid_t *pids = NULL;
		size_t np = 0;
		nc_err e;
		if (rt_cgroup_pids(t->cg, v[i].cgroup, &pids, &np, &e) == 0 && np == 0) {
			v[i].empty = true;
			continue;
		}
		pid_t pid = container_pid(t, children[i]);
		v[i].pid = pid_in_cgroup(t->cg, v[i].cgroup, pid) ? pid : 0;
	}
	*out = v;
	*n_out = n;
	return 0;
}

static unsigned long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000 + (unsigned long)ts.tv_nsec / 1000000;
}

int nc_teardown_containers(struct nc_teardown *t, nc_err *err)
{
	_cleanup_free_ struct victim *v = NULL;
	size_t n;
	int r, ret = 0;
	nc_err e;

	if ((r = collect_victims(t, &v, &n, err)) < 0)
		return r;
	/* Signal every container first, then wait: the grace periods run in
	 * parallel instead of adding up. */
	for (size_t i = 0; i < n; i++)
		if (v[i].pid > 0)
			kill(v[i].pid, SIGTERM);
	unsigned long deadline = now_ms() + t->grace_ms;
	for (size_t i = 0; i < n; i++) {
		if (v[i].empty)
			continue;
		unsigned long now = now_ms();
		unsigned left = now < deadline ? (unsigned)(deadline - now) : 0;
		nc_report_verbose(t->rep, "stop container cgroup %s", v[i].cgroup);
		if (v[i].pid > 0)
			r = rt_container_stop(t->cg, v[i].cgroup, v[i].pid, 0, left, &e);
		else
			r = rt_cgroup_kill(t->cg, v[i].cgroup, &e);
		keep_first(r, err, &ret, &e);
	}
	return ret;
}

/* ---- links ------------------------------------------------------------ */

static int delete_labelled(const char *name, const char *alias, void *data, nc_err *err)
{
	struct nc_teardown *t = data;

	(void)alias;
	nc_report_verbose(t->rep, "delete link %s", name);
	return netd_link_delete(t->nd, name, err);
}

int nc_teardown_links(struct nc_teardown *t, nc_err *err)
{
	char prefix[NC_LABEL_MAX];
	int r, ret = 0;
	nc_err e;

	/* Bulk first: the kernel unregisters the whole group in one batch,
	 * about 20 times faster than one request per link. */
	for (size_t i = 0; t->journal && i < t->journal->n; i++) {
		struct nc_jrec jr;
		nc_jrec_parse(&t->journal->v[i], &jr);
		if (jr.kind != NC_JK_GROUP)
			continue;
		uint32_t group = jr.group;
		nc_report_verbose(t->rep, "delete link group %u", group);
		r = netd_link_delete_group(t->nd, group, &e);
		keep_first(r, err, &ret, &e);
	}
	/* Then whatever still carries our label (a group lost with the state,
	 * or a link created before it joined the group). */
	uint64_t t0 = nc_report_clock(t->rep);
	nc_label_prefix(t->project, prefix, sizeof(prefix));
	r = netd_link_foreach_alias(t->nd, prefix, delete_labelled, t, &e);
	keep_first(r, err, &ret, &e);
	nc_report_time(t->rep, "  links left with our label", t0);
	return ret;
}

/* ---- network namespaces ---------------------------------------------- */

static int delete_netns(struct nc_teardown *t, const char *name, nc_err *err)
{
	nc_report_verbose(t->rep, "delete netns %s", name);
	return netd_netns_delete(t->paths->netns_dir, name, err);
}

/* A namespace named like ours whose `lo` carries our label: a leftover of
 * this project even though no journal names it. */
static bool netns_is_ours(struct nc_teardown *t, const char *name, const char *prefix)
{
	_cleanup_close_ int fd = -1;
	char label[NC_LABEL_MAX];
	nc_err e;

	if (netd_netns_open(t->paths->netns_dir, name, &fd, &e) < 0)
		return false;
	if (netd_netns_label(t->nd, fd, label, sizeof(label), &e) < 0)
		return false;
	return !strncmp(label, prefix, strlen(prefix));
}

int nc_teardown_netns(struct nc_teardown *t, nc_err *err)
{
	size_t max = journal_count(t);
	_cleanup_free_ const char **names = calloc(max ? max : 1, sizeof(char *));
	char prefix[NC_LABEL_MAX], stem[NAME_MAX];
	int r, ret = 0;
	nc_err e;

	if (!names)
		return nc_err_errno(err, ENOMEM, "delete namespaces of `%s`", t->project);
	uint64_t t0 = nc_report_clock(t->rep);
	size_t n = journal_netns(t, names, max);
	for (size_t i = 0; i < n; i++) {
		r = delete_netns(t, names[i], &e);
		keep_first(r, err, &ret, &e);
	}
	t0 = nc_report_time(t->rep, "  netns in the journal", t0);

	nc_label_prefix(t->project, prefix, sizeof(prefix));
	snprintf(stem, sizeof(stem), "%s-", t->project);
	DIR *d = opendir(t->paths->netns_dir);
	if (!d)
		return errno == ENOENT ? ret : nc_err_errno(err, errno, "list `%s`", t->paths->netns_dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, stem, strlen(stem)) || !netns_is_ours(t, de->d_name, prefix))
			continue;
		r = delete_netns(t, de->d_name, &e);
		keep_first(r, err, &ret, &e);
	}
	closedir(d);
	nc_report_time(t->rep, "  netns left with our label", t0);
	return ret;
}

/* ---- firewall --------------------------------------------------------- */

int nc_teardown_firewall(struct nc_teardown *t, nc_err *err)
{
	char table[64];

	/* A journal that never recorded the table (a project with no
	 * network and no port): nothing to ask libnftables. Without a
	 * journal (lost state) it is deleted by name, which is harmless. */
	if (t->journal && t->journal->n) {
		bool recorded = false;
		for (size_t i = 0; i < t->journal->n && !recorded; i++) {
			struct nc_jrec jr;
			nc_jrec_parse(&t->journal->v[i], &jr);
			recorded = jr.kind == NC_JK_TABLE;
		}
		if (!recorded)
			return 0;
	}
	nc_name_table(t->project, table, sizeof(table));
	nc_report_verbose(t->rep, "delete nftables table inet %s", table);
	return netd_fw_delete(t->nd, table, err);
}

/* ---- cgroups ---------------------------------------------------------- */

struct cgroup_job {
	struct nc_teardown *t;
	const char *proj;
	char **children;
	pthread_mutex_t lock;
	int ret;
	nc_err first;
};

/* One container's cgroup, on a worker. Every one is tried whatever the
 * others do: the first error is kept, and the item always succeeds so
 * that nc_parallel_for goes on. */
static int remove_cgroup_one(void *ctx, unsigned w, size_t i, nc_err *err)
{
	struct cgroup_job *j = ctx;
	char path[PATH_MAX * 2];
	nc_err e;
	int r;

	(void)w;
	(void)err;
	if (nc_pathf(path, sizeof(path), "%s/%s", j->proj, j->children[i]) < 0)
		return 0;
	nc_report_verbose(j->t->rep, "remove cgroup %s", path);
	r = rt_cgroup_remove(j->t->cg, path, NULL, &e);
	/* Busy: a process the leftover pass did not see (it lists one
	 * hierarchy); it goes, then the cgroup. */
	if (r == -EBUSY && rt_cgroup_kill(j->t->cg, path, &e) == 0)
		r = rt_cgroup_remove(j->t->cg, path, NULL, &e);
	pthread_mutex_lock(&j->lock);
	keep_first(r, &j->first, &j->ret, &e);
	pthread_mutex_unlock(&j->lock);
	return 0;
}

int nc_teardown_cgroups(struct nc_teardown *t, nc_err *err)
{
	char proj[PATH_MAX];
	_cleanup_strv_ char **children = NULL;
	int r, ret = 0;
	nc_err e;

	if ((r = nc_name_cgroup_project(t->project, proj, sizeof(proj), err)) < 0)
		return r;
	if ((r = rt_cgroup_children(t->cg, proj, &children, err)) < 0)
		return r;
	size_t n = 0;
	while (children[n])
		n++;
	/* rmdir of a cgroup waits in the kernel (memory cgroups most), and
	 * one thread a core overlaps those waits. */
	struct cgroup_job j = { .t = t, .proj = proj, .children = children };
	pthread_mutex_init(&j.lock, NULL);
	nc_parallel_for(n, nc_parallel_default(), remove_cgroup_one, &j, &e);
	pthread_mutex_destroy(&j.lock);
	if (j.ret < 0) {
		ret = j.ret;
		*err = j.first;
	}
	/* The project's and ncompose's own level go when empty; another
	 * project's cgroups keep the top level busy, which is fine. */
	r = rt_cgroup_remove(t->cg, proj, NULL, &e);
	keep_first(r, err, &ret, &e);
	return ret;
}

int nc_teardown_layers(struct nc_teardown *t, nc_err *err)
{
	char dir[PATH_MAX];

	if (nc_pathf(dir, sizeof(dir), "%s/containers/%s", t->paths->lib_dir, t->project) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "writable layers of `%s`", t->project);
	return nc_rm_rf(dir, err);
}

struct piece {
	const char *name;
	int (*run)(struct nc_teardown *, nc_err *);
	int r;
	nc_err e;
};

static void run_piece(struct nc_teardown *t, struct piece *p)
{
	uint64_t t0 = nc_report_clock(t->rep);
	p->r = p->run(t, &p->e);
	nc_report_time(t->rep, p->name, t0);
}

struct cgroup_thread {
	struct nc_teardown *t;
	struct piece *p;
};

static void *cgroups_thread(void *data)
{
	struct cgroup_thread *ct = data;
	run_piece(ct->t, ct->p);
	return NULL;
}

int nc_teardown_all(struct nc_teardown *t, nc_err *err)
{
	struct piece pieces[] = {
		{ "stop leftover processes", nc_teardown_containers, 0, { 0 } },
		{ "delete links", nc_teardown_links, 0, { 0 } },
		{ "delete network namespaces", nc_teardown_netns, 0, { 0 } },
		{ "delete the nftables table", nc_teardown_firewall, 0, { 0 } },
		{ "remove cgroups", nc_teardown_cgroups, 0, { 0 } },
	};
	struct piece *cgroups = &pieces[NC_ELEMENTSOF(pieces) - 1];
	int ret = 0;

	/* Processes first: a cgroup goes once empty, and a container's
	 * network stays until it has stopped. Then the cgroups go on a
	 * thread of their own while the network goes on this one: the
	 * kernel removes cgroups and links under different locks, so on two
	 * cores the two overlap. */
	run_piece(t, &pieces[0]);
	struct cgroup_thread ct = { t, cgroups };
	pthread_t th;
	bool threaded = pthread_create(&th, NULL, cgroups_thread, &ct) == 0;
	for (size_t i = 1; i + 1 < NC_ELEMENTSOF(pieces); i++)
		run_piece(t, &pieces[i]);
	if (threaded)
		pthread_join(th, NULL);
	else
		run_piece(t, cgroups);
	for (size_t i = 0; i < NC_ELEMENTSOF(pieces); i++)
		keep_first(pieces[i].r, err, &ret, &pieces[i].e);
	return ret;
}

static int found_link(const char *name, const char *alias, void *data, nc_err *err)
{
	char *what = data;

	(void)alias;
	(void)err;
	if (!*what)
		snprintf(what, 64, "interface `%s`", name);
	return 0;
}

int nc_teardown_leftovers(struct nc_teardown *t, bool *any, char *what, size_t size, nc_err *err)
{
	char prefix[NC_LABEL_MAX], table[64], proj[PATH_MAX], found[64] = "";
	_cleanup_strv_ char **children = NULL;
	bool exists = false;
	int r;

	*any = false;
	nc_label_prefix(t->project, prefix, sizeof(prefix));
	if ((r = netd_link_foreach_alias(t->nd, prefix, found_link, found, err)) < 0)
		return r;
	if (*found) {
		snprintf(what, size, "%s", found);
		*any = true;
		return 0;
	}
	nc_name_table(t->project, table, sizeof(table));
	if ((r = netd_fw_exists(t->nd, table, &exists, err)) < 0)
		return r;
	if (exists) {
		snprintf(what, size, "nftables table `inet %s`", table);
		*any = true;
		return 0;
	}
	if ((r = nc_name_cgroup_project(t->project, proj, sizeof(proj), err)) < 0 ||
	    (r = rt_cgroup_children(t->cg, proj, &children, err)) < 0)
		return r;
	if (children[0]) {
		snprintf(what, size, "cgroup `%s/%s`", proj, children[0]);
		*any = true;
		return 0;
	}
	return 0;
}
