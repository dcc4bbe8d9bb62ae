/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The public cgroup API: one module for v1, v2 and the hybrid of both.
 *
 * Each controller is used where the host mounts it (crun refuses hybrid
 * hosts whose unified hierarchy has controllers; we do not): the layout
 * maps memory, cpu, pids (and, on v1, the freezer) to a hierarchy, and
 * each hierarchy carries its version's operations. On a hybrid host the
 * cgroup is also created in the unified hierarchy, with no controllers, as
 * systemd does: it tracks the processes and gives us cgroup.kill and
 * cgroup.events there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/cgroup-internal.h"

/* How long kill waits for the cgroup to empty after SIGKILL. */
#define KILL_TIMEOUT_MS 10000

/* a/b into buf. Roots are at most PATH_MAX/4 and paths PATH_MAX/2 long
 * (checked on entry), so this cannot truncate; the check keeps it so. */
static const char *join(char *buf, size_t size, const char *a, const char *b)
{
	int n = snprintf(buf, size, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= size)
		buf[0] = '\0';
	return buf;
}

static void cg_freep(struct rt_cgroups **p)
{
	if (*p)
		rt_cgroups_close(*p);
}

void rt_cgroups_close(struct rt_cgroups *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->n_hier; i++)
		free(cg->hier[i].dir);
	free(cg->root);
	free(cg);
}

enum rt_cgroup_mode rt_cgroups_mode(const struct rt_cgroups *cg)
{
	return cg->mode;
}

/* The index of the hierarchy at `dir`, added when new. */
static int add_hier(struct rt_cgroups *cg, const char *dir, const struct rt_cgroup_ops *ops,
		    nc_err *err)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return nc_err_errno(err, errno, "cgroup hierarchy `%s`", dir);
	for (size_t i = 0; i < cg->n_hier; i++)
		if (cg->hier[i].dev == st.st_dev && cg->hier[i].ino == st.st_ino)
			return (int)i;
	if (cg->n_hier == RT_CG_MAX_HIER)
		return nc_err_msg(err, E2BIG, "too many cgroup hierarchies under `%s`", cg->root);
	struct rt_cg_hier *h = &cg->hier[cg->n_hier];
	h->dir = strdup(dir);
	if (!h->dir)
		return nc_err_errno(err, ENOMEM, "cgroup hierarchy `%s`", dir);
	h->ops = ops;
	h->ctrls = 0;
	h->dev = st.st_dev;
	h->ino = st.st_ino;
	return (int)cg->n_hier++;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The v1 directory of controller `name`: the one /proc/self/cgroup names,
 * else the directory whose comma-separated name lists the controller. */
static int find_v1_dir(const char *root, const char *listed, const char *name, char *out, size_t size)
{
	if (listed[0]) {
		join(out, size, root, listed);
		if (is_dir(out))
			return 0;
	}
	DIR *d = opendir(root);
	if (!d)
		return -errno;
	int r = -ENOENT;
	for (struct dirent *de; (de = readdir(d));) {
		if (de->d_name[0] == '.' || !rt_cg_list_has(de->d_name, name, ','))
			continue;
		join(out, size, root, de->d_name);
		if (is_dir(out)) {
			r = 0;
			break;
		}
	}
	closedir(d);
	return r;
}

static int read_text(const char *given, const char *path, char **owned, const char **text, nc_err *err)
{
	if (given) {
		*text = given;
		return 0;
	}
	int r = nc_read_file(path, owned, NULL, err);
	if (r < 0)
		return nc_err_errno(err, -r, "read `%s`", path);
	*text = *owned;
	return 0;
}

/* The directory of the v1 hierarchy `list` ("devices", "net_cls,net_prio",
 * "name=systemd"): <root>/<list>, <root>/<name> for a named one, a
 * directory of <root> whose name lists one of its controllers, else (on
 * the host itself) wherever mountinfo says it is mounted. */
static int find_hier_dir(const struct rt_cgroups *cg, const char *list, const char *mountinfo, char *out,
			 size_t size)
{
	join(out, size, cg->root, list);
	if (is_dir(out))
		return 0;
	if (!strncmp(list, "name=", 5) && !strchr(list, ',')) {
		join(out, size, cg->root, list + 5);
		if (is_dir(out))
			return 0;
	}
	for (const char *q = list; *q;) {
		const char *e = strchrnul(q, ',');
		char item[128];
		snprintf(item, sizeof(item), "%.*s", (int)(e - q), q);
		if (strncmp(item, "name=", 5) && find_v1_dir(cg->root, "", item, out, size) == 0)
			return 0;
		q = *e ? e + 1 : e;
	}
	if (mountinfo && rt_cg_mountinfo_find(mountinfo, list, out, size) == 0 && is_dir(out))
		return 0;
	return -ENOENT;
}

/*
 * A cgroup of the container's own in every v1 hierarchy, not only those
 * of the controllers we set limits with: the container unshares its
 * cgroup namespace where it stands, and where it stands at a hierarchy's
 * root (devices, name=systemd, net_cls, ...), a CAP_SYS_ADMIN container
 * mounts that hierarchy and finds the root's release_agent, which the
 * kernel runs as root in the host's namespaces (CVE-2022-0492; the kernel
 * fix only checks capabilities, which such a container has). Below the
 * root, a mount shows the namespace's root, which has no release_agent,
 * and the kernel refuses to make new hierarchies outside the initial
 * cgroup namespace. These hierarchies carry no controller we use (ctrls
 * 0), like the unified one on a hybrid host.
 */
static int add_every_v1(struct rt_cgroups *cg, const struct rt_cg_layout *l, bool host, nc_err *err)
{
	_cleanup_free_ char *mountinfo = NULL;
	char dir[PATH_MAX];

	if (host && l->n_v1 && nc_read_file("/proc/self/mountinfo", &mountinfo, NULL, err) < 0)
		return nc_err_errno(err, err->errnum, "read `/proc/self/mountinfo`");
	for (size_t i = 0; i < l->n_v1; i++) {
		if (find_hier_dir(cg, l->v1_hier[i], mountinfo, dir, sizeof(dir)) < 0) {
			size_t n = strlen(cg->unplaced);
			snprintf(cg->unplaced + n, sizeof(cg->unplaced) - n, "%s%s", n ? ", " : "", l->v1_hier[i]);
			continue;
		}
		if (add_hier(cg, dir, &rt_cgroup_v1_ops, err) < 0)
			return nc_err_ret(err);
	}
	return 0;
}

static int open_unified(struct rt_cgroups *cg, const char *self_cgroup, bool host, nc_err *err)
{
	_cleanup_free_ char *avail = NULL;
	char path[PATH_MAX];

	join(path, sizeof(path), cg->root, "cgroup.controllers");
	int r = nc_read_file(path, &avail, NULL, err);
	if (r < 0)
		return nc_err_errno(err, -r, "read `%s`", path);
	int i = add_hier(cg, cg->root, &rt_cgroup_v2_ops, err);
	if (i < 0)
		return i;
	for (int c = 0; c < RT_CG_NCTRL; c++) {
		const char *name = rt_cg_ctrl_v2_name(c);
		if (!name || !rt_cg_list_has(avail, name, ' '))
			continue;
		cg->hier[i].ctrls |= RT_CG_BIT(c);
		cg->ctrl_hier[c] = i;
	}
	/* Named v1 hierarchies can outlive the switch to v2 (name=systemd
	 * mounted for old containers). Fake trees describe their own. */
	if (!self_cgroup && !host)
		return 0;
	_cleanup_free_ char *sc_owned = NULL;
	const char *sc = NULL;
	struct rt_cg_layout l;
	rt_cg_layout_init(&l);
	if (read_text(self_cgroup, "/proc/self/cgroup", &sc_owned, &sc, err) < 0 ||
	    rt_cg_parse_self_cgroup(sc, &l, err) < 0)
		return nc_err_ret(err);
	return add_every_v1(cg, &l, host, err);
}

static int open_v1(struct rt_cgroups *cg, const char *proc_cgroups, const char *self_cgroup, bool host,
		   nc_err *err)
{
	_cleanup_free_ char *pc_owned = NULL, *sc_owned = NULL, *uavail = NULL;
	const char *pc = NULL, *sc = NULL;
	struct rt_cg_layout l;
	char dir[PATH_MAX], unified[PATH_MAX];

	rt_cg_layout_init(&l);
	if (read_text(proc_cgroups, "/proc/cgroups", &pc_owned, &pc, err) < 0 ||
	    read_text(self_cgroup, "/proc/self/cgroup", &sc_owned, &sc, err) < 0 ||
	    rt_cg_parse_proc_cgroups(pc, &l, err) < 0 || rt_cg_parse_self_cgroup(sc, &l, err) < 0)
		return nc_err_ret(err);

	join(unified, sizeof(unified), cg->root, "unified");
	if (cg->mode == RT_CGROUP_HYBRID) {
		char p[PATH_MAX];
		join(p, sizeof(p), unified, "cgroup.controllers");
		if (nc_read_file(p, &uavail, NULL, err) < 0)
			return nc_err_errno(err, err->errnum, "read `%s`", p);
	}
	for (int c = 0; c < RT_CG_NCTRL; c++) {
		const char *name = rt_cg_ctrl_name(c);
		int i = -1;
		if (l.hier_id[c] > 0) {
			if (find_v1_dir(cg->root, l.v1_name[c], name, dir, sizeof(dir)) < 0)
				continue; /* compiled in, not mounted */
			i = add_hier(cg, dir, &rt_cgroup_v1_ops, err);
		} else if (l.hier_id[c] == 0 && uavail && rt_cg_ctrl_v2_name(c) &&
			   rt_cg_list_has(uavail, rt_cg_ctrl_v2_name(c), ' ')) {
			i = add_hier(cg, unified, &rt_cgroup_v2_ops, err);
		} else {
			continue;
		}
		if (i < 0)
			return i;
		cg->hier[i].ctrls |= RT_CG_BIT(c);
		cg->ctrl_hier[c] = i;
	}
	if (cg->mode == RT_CGROUP_HYBRID && add_hier(cg, unified, &rt_cgroup_v2_ops, err) < 0)
		return nc_err_ret(err);
	return add_every_v1(cg, &l, host, err);
}

/* `host`: the texts are the real files, and mountinfo may be read too. */
static int open_mode(const char *root, enum rt_cgroup_mode mode, const char *proc_cgroups,
		     const char *self_cgroup, bool host, struct rt_cgroups **out, nc_err *err)
{
	if (!root || root[0] != '/' || strlen(root) >= PATH_MAX / 4)
		return nc_err_msg(err, EINVAL, "cgroup root `%s`: must be an absolute path", root ? root : "(null)");
	_cleanup_(cg_freep) struct rt_cgroups *cg = calloc(1, sizeof(*cg));
	if (!cg || !(cg->root = strdup(root)))
		return nc_err_errno(err, ENOMEM, "cgroups under `%s`", root);
	for (size_t n = strlen(cg->root); n > 1 && cg->root[n - 1] == '/'; n--)
		cg->root[n - 1] = '\0';
	cg->mode = mode;
	for (int c = 0; c < RT_CG_NCTRL; c++)
		cg->ctrl_hier[c] = -1;

	int r = mode == RT_CGROUP_UNIFIED ? open_unified(cg, self_cgroup, host, err)
					  : open_v1(cg, proc_cgroups, self_cgroup, host, err);
	if (r < 0)
		return r;
	if (cg->n_hier == 0)
		return nc_err_msg(err, ENOENT,
				  "no cgroup hierarchy with memory, cpu, cpuset, blkio, pids or freezer under `%s`",
				  cg->root);
	*out = TAKE_PTR(cg);
	return 0;
}

int rt_cgroups_open_mode(const char *root, enum rt_cgroup_mode mode, const char *proc_cgroups,
			 const char *self_cgroup, struct rt_cgroups **out, nc_err *err)
{
	return open_mode(root, mode, proc_cgroups, self_cgroup, false, out, err);
}

int rt_cgroups_open(const char *root, const char *proc_cgroups, const char *self_cgroup,
		    struct rt_cgroups **out, nc_err *err)
{
	struct statfs st;
	char unified[PATH_MAX];
	enum rt_cgroup_mode mode;

	if (!root || root[0] != '/' || strlen(root) >= PATH_MAX / 4)
		return nc_err_msg(err, EINVAL, "cgroup root `%s`: must be an absolute path", root ? root : "(null)");
	if (statfs(root, &st) < 0)
		return nc_err_errno(err, errno, "statfs `%s`", root);
	long root_magic = (long)st.f_type, unified_magic = 0;
	join(unified, sizeof(unified), root, "unified");
	if (root_magic != CGROUP2_SUPER_MAGIC && statfs(unified, &st) == 0)
		unified_magic = (long)st.f_type;
	if (rt_cg_mode_from_magic(root, root_magic, unified_magic, &mode, err) < 0)
		return nc_err_ret(err);
	return open_mode(root, mode, proc_cgroups, self_cgroup, !proc_cgroups && !self_cgroup, out, err);
}

int rt_cg_check_path(const char *path, nc_err *err)
{
	if (!path || !*path || path[0] == '/' || strlen(path) >= PATH_MAX / 2)
		return nc_err_msg(err, EINVAL, "cgroup path `%s`: must be relative and not empty",
				  path ? path : "(null)");
	for (const char *p = path; *p;) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
		    n > NAME_MAX)
			return nc_err_msg(err, EINVAL, "cgroup path `%s`: bad component", path);
		p = *e ? e + 1 : e;
	}
	return 0;
}

struct rt_cg_hier *rt_cg_ctrl_hier(struct rt_cgroups *cg, enum rt_cg_ctrl c)
{
	return cg->ctrl_hier[c] >= 0 ? &cg->hier[cg->ctrl_hier[c]] : NULL;
}

static struct rt_cg_hier *ctrl(struct rt_cgroups *cg, enum rt_cg_ctrl c)
{
	return rt_cg_ctrl_hier(cg, c);
}

static int need(struct rt_cgroups *cg, enum rt_cg_ctrl c, const char *path, nc_err *err)
{
	if (ctrl(cg, c))
		return 0;
	return nc_err_msg(err, EOPNOTSUPP, "cgroup `%s`: no %s controller under `%s`", path,
			  rt_cg_ctrl_name(c), cg->root);
}

typedef int (*set_fn)(int dfd, const char *where, const struct rt_limits *lim, nc_err *err);

/* The writer of controller `c` when `lim` sets something it holds. */
static set_fn writer(const struct rt_cgroup_ops *ops, enum rt_cg_ctrl c, const struct rt_limits *lim)
{
	if (!rt_cg_limits_use(lim, c))
		return NULL;
	switch (c) {
	case RT_CG_MEMORY:
		return ops->set_memory;
	case RT_CG_CPU:
		return ops->set_cpu;
	case RT_CG_CPUSET:
		return ops->set_cpuset;
	case RT_CG_PIDS:
		return ops->set_pids;
	case RT_CG_BLKIO:
		return ops->set_blkio;
	default:
		return NULL;
	}
}

/*
 * The controllers to make usable in `h` for `lim`. On v2 cpuset is turned
 * on only along the path of a cgroup that sets one: a controller enabled
 * in a parent's subtree_control is on for all its children, the other
 * projects' included, and systemd too leaves cpuset off unless a unit
 * asks (AllowedCPUs=). io stays on, for io.stat.
 */
static unsigned wanted_ctrls(const struct rt_cg_hier *h, const struct rt_limits *lim)
{
	unsigned ctrls = h->ctrls;
	if (h->ops == &rt_cgroup_v2_ops && !rt_cg_limits_use(lim, RT_CG_CPUSET))
		ctrls &= ~RT_CG_BIT(RT_CG_CPUSET);
	return ctrls;
}

/* How many leading components of `path` already exist in h. */
static size_t existing_depth(const struct rt_cg_hier *h, const char *path)
{
	_cleanup_close_ int hdfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char rel[PATH_MAX];
	size_t depth = 0;
	struct stat st;

	if (hdfd < 0)
		return 0;
	for (const char *p = path; *p;) {
		const char *e = strchrnul(p, '/');
		snprintf(rel, sizeof(rel), "%.*s", (int)(e - path), path);
		if (fstatat(hdfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			break;
		depth++;
		p = *e ? e + 1 : e;
	}
	return depth;
}

/* A failed create takes back the directories it made in h: the components
 * of `path` deeper than `keep`, leaf first. Best effort: they are new and
 * empty (nothing was attached yet), so rmdir only fails if someone else
 * moved in, and then the directory is theirs too. */
static void undo_create(const struct rt_cg_hier *h, const char *path, size_t keep)
{
	_cleanup_close_ int hdfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char rel[PATH_MAX];
	size_t depth = 1;

	if (hdfd < 0)
		return;
	for (const char *p = path; *p; p++)
		depth += *p == '/';
	snprintf(rel, sizeof(rel), "%s", path);
	for (; depth > keep; depth--) {
		unlinkat(hdfd, rel, AT_REMOVEDIR);
		char *slash = strrchr(rel, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
}

int rt_cgroup_create(struct rt_cgroups *cg, const char *path, const struct rt_limits *lim,
		     nc_err *err)
{
	struct rt_limits none = RT_LIMITS_INIT;
	char where[PATH_MAX];
	size_t had[RT_CG_MAX_HIER];
	size_t made = 0; /* hierarchies whose create was tried */
	int r = 0;

	if (rt_cg_check_path(path, err) < 0)
		return nc_err_ret(err);
	if (!lim)
		lim = &none;
	if (rt_cgroup_check(cg, lim, err) < 0)
		return nc_err_prefix(err, "cgroup `%s`", path);
	if (cg->unplaced[0])
		return nc_err_msg(err, ENOENT,
				  "cgroup `%s`: the cgroup v1 hierarchies %s are not mounted under `%s` nor anywhere "
				  "else: a container would stand at their root, where a CAP_SYS_ADMIN container reaches "
				  "release_agent; mount each one (as `%s/<name>`) or unmount it",
				  path, cg->unplaced, cg->root, cg->root);

	for (size_t i = 0; i < cg->n_hier; i++)
		had[i] = existing_depth(&cg->hier[i], path);
	for (; made < cg->n_hier; made++)
		if ((r = cg->hier[made].ops->create(&cg->hier[made], path,
						    wanted_ctrls(&cg->hier[made], lim), err)) < 0) {
			made++;
			goto fail;
		}

	for (int c = 0; c < RT_CG_NCTRL; c++) {
		struct rt_cg_hier *h = ctrl(cg, c);
		set_fn set = h ? writer(h->ops, c, lim) : NULL;
		if (!set)
			continue;
		_cleanup_close_ int dfd = -1;
		if ((r = rt_cg_open(h, path, &dfd, where, sizeof(where), err)) < 0)
			goto fail;
		r = set(dfd, where, lim, err);
		if (r == -EOPNOTSUPP && c == RT_CG_BLKIO)
			continue; /* no weight file: discarded, as Docker does */
		if (r < 0)
			goto fail;
	}
	return 0;
fail:
	for (size_t i = 0; i < made; i++)
		undo_create(&cg->hier[i], path, had[i]);
	return r;
}

int rt_cgroup_attach(struct rt_cgroups *cg, const char *path, pid_t pid, nc_err *err)
{
	char where[PATH_MAX], v[16];

	if (rt_cg_check_path(path, err) < 0)
		return nc_err_ret(err);
	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < cg->n_hier; i++) {
		_cleanup_close_ int dfd = -1;
		if (rt_cg_open(&cg->hier[i], path, &dfd, where, sizeof(where), err) < 0 ||
		    rt_cg_write(dfd, where, "cgroup.procs", v, err) < 0)
			return nc_err_ret(err);
	}
	return 0;
}

int rt_cgroup_procs_fds(struct rt_cgroups *cg, const char *path, int *fds, nc_err *err)
{
	char where[PATH_MAX];
	size_t n = 0;

	if (rt_cg_check_path(path, err) < 0)
		return nc_err_ret(err);
	for (size_t i = 0; i < cg->n_hier; i++) {
		_cleanup_close_ int dfd = -1;
		if (rt_cg_open(&cg->hier[i], path, &dfd, where, sizeof(where), err) < 0)
			goto fail;
		fds[n] = openat(dfd, "cgroup.procs", O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fds[n] < 0) {
			nc_err_errno(err, errno, "open `%s/cgroup.procs`", where);
			goto fail;
		}
		n++;
	}
	return (int)n;
fail:
	while (n)
		close(fds[--n]);
	return nc_err_ret(err);
}

int rt_cgroup_clone_fd(struct rt_cgroups *cg, const char *path, nc_err *err)
{
	char where[PATH_MAX];
	int dfd;

	if (cg->mode != RT_CGROUP_UNIFIED || cg->n_hier != 1)
		return -EOPNOTSUPP;
	if (rt_cg_open(&cg->hier[0], path, &dfd, where, sizeof(where), err) < 0)
		return nc_err_ret(err);
	return dfd;
}

struct rt_cg_hier *rt_cg_list_hier(struct rt_cgroups *cg)
{
	struct rt_cg_hier *h = ctrl(cg, RT_CG_MEMORY);
	if (!h)
		h = ctrl(cg, RT_CG_PIDS);
	return h ? h : &cg->hier[0];
}

int rt_cgroup_pids(struct rt_cgroups *cg, const char *path, pid_t **pids, size_t *n, nc_err *err)
{
	char where[PATH_MAX];
	_cleanup_close_ int dfd = -1;

	if (rt_cg_check_path(path, err) < 0)
		return nc_err_ret(err);
	struct rt_cg_hier *h = rt_cg_list_hier(cg);
	if (rt_cg_open(h, path, &dfd, where, sizeof(where), err) < 0)
		return nc_err_ret(err);
	return rt_cg_read_pids(dfd, where, pids, n, err);
}

int rt_cgroup_has_pid(struct rt_cgroups *cg, const char *path, pid_t pid, bool *has, nc_err *err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	*has = false;
	int r = rt_cgroup_pids(cg, path, &pids, &n, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (size_t i = 0; i < n && !*has; i++)
		*has = pids[i] == pid;
	return 0;
}

/* The hierarchy that freezes: the v1 freezer controller's, else the first
 * v2 one (hybrid hosts have both; the v1 freezer is the one a v1 kill
 * uses, so pause and kill agree). */
static struct rt_cg_hier *freezer_hier(struct rt_cgroups *cg)
{
	struct rt_cg_hier *fh = ctrl(cg, RT_CG_FREEZER);

	for (size_t i = 0; !fh && i < cg->n_hier; i++)
		if (cg->hier[i].ops == &rt_cgroup_v2_ops)
			fh = &cg->hier[i];
	return fh;
}

/* SIGKILL everything in one hierarchy's view of the cgroup. The freezer
 * (v1 controller, or v2 cgroup.freeze) stops the members first, so that a
 * fork bomb cannot add processes between our reading cgroup.procs and
 * signalling them; the kills take effect on thaw. */
static int kill_by_signal(struct rt_cgroups *cg, const char *path, nc_err *err)
{
	char where[PATH_MAX];
	struct rt_cg_hier *fh = freezer_hier(cg);
	_cleanup_close_ int fdfd = -1;
	bool frozen = false;
	if (fh && rt_cg_open(fh, path, &fdfd, where, sizeof(where), err) == 0)
		frozen = fh->ops->freeze(fdfd, where, true, err) == 0;

	struct rt_cg_hier *lh = frozen ? fh : rt_cg_list_hier(cg);
	_cleanup_close_ int ldfd = -1;
	if (rt_cg_open(lh, path, &ldfd, where, sizeof(where), err) < 0)
		return err->errnum == ENOENT ? 0 : nc_err_ret(err);
	int r = 0;
	for (int round = 0; round < 100; round++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if ((r = rt_cg_read_pids(ldfd, where, &pids, &n, err)) < 0 || n == 0)
			break;
		rt_cg_kill_pids(pids, n);
		if (frozen)
			break; /* nobody can fork while frozen */
	}
	if (frozen) {
		nc_err thaw_err;
		join(where, sizeof(where), fh->dir, path);
		if (fh->ops->freeze(fdfd, where, false, &thaw_err) < 0 && r == 0) {
			*err = thaw_err;
			r = nc_err_ret(err);
		}
	}
	return r;
}

int rt_cgroup_freeze(struct rt_cgroups *cg, const char *path, bool frozen, nc_err *err)
{
	char where[PATH_MAX];
	_cleanup_close_ int dfd = -1;

	if (rt_cg_check_path(path, err) < 0)
		return nc_err_ret(err);
	struct rt_cg_hier *fh = freezer_hier(cg);
	if (!fh)
		return nc_err_msg(err, EOPNOTSUPP, "%s `%s`: this host has no cgroup freezer (neither the v1 freezer controller nor cgroup v2)",
				  frozen ? "freeze" : "thaw", path);
	if (rt_cg_open(fh, path, &dfd, where, sizeof(where), err) < 0)
		return nc_err_ret(err);
	int r = fh->ops->freeze(dfd, where, frozen, err);
	if (r == -EOPNOTSUPP)
		return nc_err_msg(err, EOPNOTSUPP, "%s `%s`: no freezer file there (cgroup.freeze needs Linux 5.2)",
				  frozen ? "freeze" : "thaw", where);
	return r;
}

bool rt_cgroup_frozen(struct rt_cgroups *cg, const char *path)
{
	char where[PATH_MAX];
	_cleanup_close_ int dfd = -1;
	_cleanup_free_ char *text = NULL;
	nc_err e;

	struct rt_cg_hier *fh = freezer_hier(cg);
	if (!fh || rt_cg_check_path(path, &e) < 0 || rt_cg_open(fh, path, &dfd, where, sizeof(where), &e) < 0)
		return false;
	if (fh->ops == &rt_cgroup_v2_ops)
		return rt_cg_read_opt(dfd, where, "cgroup.freeze", &text, &e) == 0 && text && text[0] == '1';
	/* v1: FREEZING counts, it is on its way. */
	return rt_cg_read_opt(dfd, where, "freezer.state", &text, &e) == 0 && text &&
	       strncmp(text, "THAWED", 6) != 0;
}

int rt_cgroup_kill(struct rt_cgroups *cg, const char *path, nc_err *err)
{
	char where[PATH_MAX];
	bool killed = false;

	if (rt_cg_check_path(path, err) < 0)
		return nc_err_ret(err);
	for (size_t i = 0; !killed && i < cg->n_hier; i++) {
		struct rt_cg_hier *h = &cg->hier[i];
		_cleanup_close_ int dfd = -1;
		if (h->ops != &rt_cgroup_v2_ops || rt_cg_open(h, path, &dfd, where, sizeof(where), err) < 0)
			continue;
		int r = h->ops->kill_all(dfd, where, err);
		if (r == 0)
			killed = true;
		else if (r != -EOPNOTSUPP)
			return r;
	}
	if (!killed && kill_by_signal(cg, path, err) < 0)
		return nc_err_ret(err);

	int64_t deadline = rt_cg_now_ms() + KILL_TIMEOUT_MS;
	for (size_t i = 0; i < cg->n_hier; i++) {
		struct rt_cg_hier *h = &cg->hier[i];
		_cleanup_close_ int dfd = -1;
		if (rt_cg_open(h, path, &dfd, where, sizeof(where), err) < 0) {
			if (err->errnum == ENOENT)
				continue;
			return nc_err_ret(err);
		}
		int64_t left = deadline - rt_cg_now_ms();
		if (h->ops->wait_empty(dfd, where, left > 0 ? (int)left : 0, err) < 0)
			return nc_err_ret(err);
	}
	return 0;
}

/* rmdir of a cgroup. Right after its last task exited, rmdir can still
 * fail with EBUSY: until Linux 5.17 ("cgroup: Iterate tasks that did not
 * finish do_exit()") a task still in do_exit() populated the cgroup while
 * cgroup.procs no longer listed it, and v1 drops the css_set reference
 * asynchronously. That window is short; retry briefly, only on the leaf. */
static int remove_dir(int hdfd, const char *rel, const char *where, bool leaf, nc_err *err)
{
	for (int attempt = 0;; attempt++) {
		if (unlinkat(hdfd, rel, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno == EBUSY && leaf && attempt < 100) {
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
			continue;
		}
		if (!leaf && (errno == EBUSY || errno == ENOTEMPTY || errno == EEXIST))
			return 1; /* in use by a sibling: stop climbing */
		return nc_err_errno(err, errno, "remove cgroup `%s`", where);
	}
}

int rt_cgroup_remove(struct rt_cgroups *cg, const char *path, const char *stop_at, nc_err *err)
{
	char rel[PATH_MAX], where[PATH_MAX];

	if (rt_cg_check_path(path, err) < 0)
		return nc_err_ret(err);
	size_t stop_len = stop_at ? strlen(stop_at) : 0;
	while (stop_len && stop_at[stop_len - 1] == '/')
		stop_len--;
	if (stop_len && (strncmp(path, stop_at, stop_len) || path[stop_len] != '/'))
		return nc_err_msg(err, EINVAL, "remove cgroup `%s`: `%s` is not one of its ancestors", path,
				  stop_at);
	for (size_t i = 0; i < cg->n_hier; i++) {
		struct rt_cg_hier *h = &cg->hier[i];
		_cleanup_close_ int hdfd = open(h->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (hdfd < 0)
			return nc_err_errno(err, errno, "open cgroup hierarchy `%s`", h->dir);
		memcpy(rel, path, strlen(path) + 1);
		for (bool leaf = true;; leaf = false) {
			join(where, sizeof(where), h->dir, rel);
			int r = remove_dir(hdfd, rel, where, leaf, err);
			if (r < 0)
				return r;
			if (r > 0)
				break;
			char *slash = strrchr(rel, '/');
			if (!slash)
				break;
			*slash = '\0';
			if (stop_len && strlen(rel) <= stop_len)
				break;
		}
	}
	return 0;
}

static int strv_add(char ***v, size_t *n, const char *s, nc_err *err)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return 0;
	char **nv = realloc(*v, (*n + 2) * sizeof(char *));
	if (!nv)
		return nc_err_errno(err, ENOMEM, "list cgroups");
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return nc_err_errno(err, ENOMEM, "list cgroups");
	nv[++*n] = NULL;
	return 0;
}

int rt_cgroup_children(struct rt_cgroups *cg, const char *path, char ***names, nc_err *err)
{
	char where[PATH_MAX];
	_cleanup_strv_ char **v = calloc(1, sizeof(char *));
	size_t n = 0;

	if (!v)
		return nc_err_errno(err, ENOMEM, "list cgroups");
	if (rt_cg_check_path(path, err) < 0)
		return nc_err_ret(err);
	for (size_t i = 0; i < cg->n_hier; i++) {
		join(where, sizeof(where), cg->hier[i].dir, path);
		DIR *d = opendir(where);
		if (!d) {
			if (errno == ENOENT)
				continue;
			return nc_err_errno(err, errno, "list cgroup `%s`", where);
		}
		int r = 0;
		for (struct dirent *de; r == 0 && (de = readdir(d));) {
			if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
				continue;
			struct stat st;
			if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
				r = strv_add(&v, &n, de->d_name, err);
		}
		closedir(d);
		if (r < 0)
			return r;
	}
	*names = TAKE_PTR(v);
	return 0;
}

int rt_cgroup_oom_kills(struct rt_cgroups *cg, const char *path, uint64_t *count, nc_err *err)
{
	char where[PATH_MAX];
	_cleanup_close_ int dfd = -1;

	if (rt_cg_check_path(path, err) < 0 || need(cg, RT_CG_MEMORY, path, err) < 0)
		return nc_err_ret(err);
	struct rt_cg_hier *h = ctrl(cg, RT_CG_MEMORY);
	if (rt_cg_open(h, path, &dfd, where, sizeof(where), err) < 0)
		return nc_err_ret(err);
	return h->ops->oom_kills(dfd, where, count, err);
}
