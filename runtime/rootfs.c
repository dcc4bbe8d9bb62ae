/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan of the container's root filesystem (no image: the host's own
 * root, read-only, with private /dev, /proc, /sys, /tmp and /run, the
 * generated files bound in, and the host's private paths masked).
 *
 * Order matters and is the reason this is a table:
 *  1. "/" private first, so nothing we do propagates back to the host.
 *  2. The host root bound recursively onto the root directory; the copies
 *     of /proc, /dev, /run, /tmp and /sys detached with everything below
 *     them (the host's /run holds our state and every netns; its /tmp is
 *     its own).
 *  3. The rest made read-only recursively *before* the fresh filesystems
 *     are mounted, so that those stay writable.
 *  4. proc after the clone (it shows the container's PID namespace) and
 *     sysfs after setns() into the network namespace (sysfs shows the
 *     interfaces of the mounter's netns).
 *  5. /dev before the masks: the empty file that masks files lives there.
 *  6. The generated files after /run is a tmpfs (/etc/resolv.conf may be a
 *     symlink into it) and after the volumes, as Docker sorts its mounts by
 *     depth: a volume over /etc leaves them visible. One at a file's own
 *     path replaces that file (Docker then leaves its own out too).
 */
#include "runtime/rootfs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/cleanup.h"

int rt_rootfs_add(struct rt_rootfs_plan *plan, struct nc_arena *arena, enum rt_mnt_kind kind,
		  const char *source, const char *target, const char *fstype, unsigned long flags,
		  const char *data, mode_t mode, nc_err *err)
{
	if (plan->n_ops == plan->cap) {
		struct rt_mnt *ops = nc_arena_grow(arena, plan->ops, sizeof(*ops), &plan->cap, plan->n_ops + 1);
		if (!ops)
			return nc_err_errno(err, ENOMEM, "plan the root filesystem");
		plan->ops = ops;
	}
	/* The plan owns its strings: callers build paths in buffers of
	 * their own (a stack buffer once left a dangling target here). */
	if ((source && !(source = nc_arena_strdup(arena, source))) ||
	    (target && !(target = nc_arena_strdup(arena, target))) || (data && !(data = nc_arena_strdup(arena, data))))
		return nc_err_errno(err, ENOMEM, "plan the root filesystem");
	bool host = rt_mnt_kind_is_host(kind);
	const char *where = host ? target : nc_arena_printf(arena, "%s%s", plan->root, target);
	if (!where)
		return nc_err_errno(err, ENOMEM, "plan the root filesystem");
	plan->ops[plan->n_ops++] = (struct rt_mnt){
		.kind = kind,
		.source = source,
		.target = target,
		.where = where,
		.fstype = fstype,
		.flags = flags,
		.data = data,
		.mode = mode,
	};
	return 0;
}

#define ADD(kind, src, tgt, fs, fl, data, mode)                                            \
	do {                                                                                \
		if (rt_rootfs_add(plan, arena, kind, src, tgt, fs, fl, data, mode, err) < 0) \
			return nc_err_ret(err);                                             \
	} while (0)

/* Docker's masked and read-only paths of /proc and /sys (moby
 * oci/defaults.go), plus sysrq-trigger masked outright. */
static const char *const proc_masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/proc/sysrq-trigger", "/sys/firmware", "/sys/devices/virtual/powercap",
};
static const char *const proc_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
};

#define NOSUID_NODEV_NOEXEC (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static bool abs_path(const char *p)
{
	return p && p[0] == '/';
}

/* The directory every lower layer is in, when they share one and there
 * are several: the overlay is then mounted from there with the layers'
 * own names, since mount(2) takes one page of options and 120 layers'
 * full paths would not fit. NULL otherwise. */
static const char *common_parent(const struct rt_container_spec *spec, struct nc_arena *arena)
{
	if (spec->n_lower < 2)
		return NULL;
	const char *first = spec->lower_dirs[0], *slash = strrchr(first, '/');
	if (!slash || slash == first || !slash[1])
		return NULL;
	size_t len = (size_t)(slash - first) + 1;
	for (size_t i = 1; i < spec->n_lower; i++) {
		const char *d = spec->lower_dirs[i];
		if (strncmp(d, first, len) || !d[len] || strchr(d + len, '/'))
			return NULL;
	}
	return nc_arena_printf(arena, "%.*s", (int)len - 1, first);
}

/* Overlay options: "lowerdir=A:B,upperdir=U,workdir=W", with the
 * separators the kernel splits on escaped in the paths; A and B relative
 * to `cwd` when it is set. */
static const char *overlay_data(const struct rt_container_spec *spec, const char *cwd, struct nc_arena *arena)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputs("lowerdir=", f);
	for (size_t i = 0; i < spec->n_lower; i++) {
		if (i)
			fputc(':', f);
		for (const char *c = spec->lower_dirs[i] + (cwd ? strlen(cwd) + 1 : 0); *c; c++) {
			if (*c == ':' || *c == ',' || *c == '\\')
				fputc('\\', f);
			fputc(*c, f);
		}
	}
	fprintf(f, ",upperdir=%s,workdir=%s", spec->upper_dir, spec->work_dir);
	if (fclose(f) != 0)
		return NULL;
	return nc_arena_strdup(arena, buf);
}

static int check_spec(const struct rt_container_spec *spec, nc_err *err)
{
	for (size_t i = 0; i < spec->n_lower; i++)
		if (!abs_path(spec->lower_dirs[i]))
			return nc_err_msg(err, EINVAL, "container `%s`: image layer `%s` is not absolute", spec->name,
					  spec->lower_dirs[i] ? spec->lower_dirs[i] : "(null)");
	if (spec->n_lower && (!abs_path(spec->upper_dir) || !abs_path(spec->work_dir)))
		return nc_err_msg(err, EINVAL, "container `%s`: an image needs absolute upper and work directories",
				  spec->name);
	for (size_t i = 0; i < spec->n_files; i++) {
		const struct rt_bind_file *f = &spec->files[i];
		if (!abs_path(f->source) || !abs_path(f->target))
			return nc_err_msg(err, EINVAL, "container `%s`: file `%s` -> `%s`: paths must be absolute",
					  spec->name, f->source ? f->source : "(null)",
					  f->target ? f->target : "(null)");
	}
	for (size_t i = 0; i < spec->n_masked; i++)
		if (!abs_path(spec->masked[i]))
			return nc_err_msg(err, EINVAL, "container `%s`: masked path `%s` is not absolute",
					  spec->name, spec->masked[i] ? spec->masked[i] : "(null)");
	for (size_t i = 0; i < spec->n_devices; i++) {
		const struct rt_bind_file *d = &spec->devices[i];
		if (!abs_path(d->source))
			return nc_err_msg(err, EINVAL, "container `%s`: device `%s` is not an absolute path",
					  spec->name, d->source ? d->source : "(null)");
		if (rt_mount_target_check(d->target, err) < 0)
			return nc_err_prefix(err, "container `%s`: device `%s`", spec->name, d->source);
	}
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct rt_mount *m = &spec->mounts[i];
		if (rt_mount_target_check(m->target, err) < 0)
			return nc_err_prefix(err, "container `%s`", spec->name);
		if (m->type != RT_MOUNT_TMPFS && !abs_path(m->source))
			return nc_err_msg(err, EINVAL, "container `%s`: volume source `%s` is not absolute", spec->name,
					  m->source ? m->source : "(null)");
	}
	return 0;
}

static size_t depth(const char *path)
{
	size_t n = 0;
	for (; *path; path++)
		n += *path == '/';
	return n;
}

/* Parents before children (/data before /data/cache), as Docker sorts
 * them; file order among equals. */
static const struct rt_mount **mounts_by_depth(const struct rt_container_spec *spec, struct nc_arena *arena)
{
	const struct rt_mount **v = nc_arena_alloc(arena, (spec->n_mounts + 1) * sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		size_t k = i;
		while (k > 0 && depth(v[k - 1]->target) > depth(spec->mounts[i].target)) {
			v[k] = v[k - 1];
			k--;
		}
		v[k] = &spec->mounts[i];
	}
	return v;
}

/* Whether a volume's target is `path` itself ("/etc/hosts" and
 * "/etc//hosts/" are the same place). */
static bool mounted_at(const struct rt_container_spec *spec, const char *path)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const char *a = spec->mounts[i].target, *b = path;
		for (;;) {
			while (*a == '/' && (a[1] == '/' || !a[1]))
				a++;
			while (*b == '/' && (b[1] == '/' || !b[1]))
				b++;
			if (*a != *b)
				break;
			if (!*a)
				return true;
			a++;
			b++;
		}
	}
	return false;
}

/* The host's root shadowed as a whole: some mount point is missing
 * right under "/", and "/" itself can only be rebuilt, not stacked on
 * (a mount on the root directory would hide it from the descriptor every
 * later step resolves from). */
static bool host_root_needs_shadow(const struct rt_container_spec *spec)
{
	char anc[PATH_MAX];

	for (size_t i = 0; i < spec->n_mounts; i++) {
		const char *t = spec->mounts[i].target;
		if (!rt_path_is_fresh(t) && rt_host_missing_ancestor(t, anc, sizeof(anc)) == 1 && !strcmp(anc, "/"))
			return true;
	}
	return false;
}

static int plan_root(const struct rt_container_spec *spec, struct nc_arena *arena, struct rt_rootfs_plan *plan,
		     nc_err *err)
{
	static const char *const fresh[] = { "/proc", "/dev", "/run", "/tmp", "/sys" };

	ADD(RT_MNT_PRIVATE, NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, 0);
	if (spec->n_lower) {
		plan->lower_cwd = common_parent(spec, arena);
		const char *data = overlay_data(spec, plan->lower_cwd, arena);
		if (!data)
			return nc_err_errno(err, ENOMEM, "plan the root filesystem");
		ADD(RT_MNT_ROOT_FS, "overlay", plan->root, "overlay", spec->privileged ? 0 : MS_NODEV, data, 0);
		/* An image may lack any of them; the upper layer gets them. */
		for (size_t i = 0; i < sizeof(fresh) / sizeof(fresh[0]); i++)
			ADD(RT_MNT_ENSURE, NULL, fresh[i], NULL, 0, NULL, S_IFDIR);
		for (size_t i = 0; i < spec->n_files; i++)
			ADD(RT_MNT_ENSURE, NULL, spec->files[i].target, NULL, 0, NULL, S_IFREG);
	} else if (host_root_needs_shadow(spec)) {
		ADD(RT_MNT_ROOT_FS, "ncompose-shadow", plan->root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755", 0);
		if (rt_shadow_entries(plan, arena, "/", err) < 0)
			return nc_err_ret(err);
	} else {
		ADD(RT_MNT_RBIND, "/", plan->root, NULL, MS_BIND | MS_REC, NULL, 0);
		for (size_t i = 0; i < sizeof(fresh) / sizeof(fresh[0]); i++)
			ADD(RT_MNT_DETACH, NULL, fresh[i], NULL, 0, NULL, 0);
	}
	return 0;
}

int rt_rootfs_plan_build(const struct rt_container_spec *spec, struct nc_arena *arena,
			 struct rt_rootfs_plan *plan, nc_err *err)
{
	memset(plan, 0, sizeof(*plan));
	if (!abs_path(spec->root_dir))
		return nc_err_msg(err, EINVAL, "container `%s`: root directory `%s` is not absolute",
				  spec->name, spec->root_dir ? spec->root_dir : "(null)");
	if (check_spec(spec, err) < 0)
		return nc_err_ret(err);
	_cleanup_free_ char *real = realpath(spec->root_dir, NULL);
	if (!real)
		return nc_err_errno(err, errno, "root directory `%s`", spec->root_dir);
	if (!strcmp(real, "/"))
		return nc_err_msg(err, EINVAL, "container `%s`: the root directory cannot be `/`", spec->name);
	if (!(plan->root = nc_arena_strdup(arena, real)))
		return nc_err_errno(err, ENOMEM, "plan the root filesystem");
	plan->privileged = spec->privileged;
	plan->shm_size = spec->shm_size;
	plan->tmpfs_owner = spec->userns_size
				    ? nc_arena_printf(arena, ",uid=%u,gid=%u", spec->userns_base, spec->userns_base)
				    : "";
	if (!plan->tmpfs_owner)
		return nc_err_errno(err, ENOMEM, "plan the root filesystem");
	const struct rt_mount **mounts = mounts_by_depth(spec, arena);
	if (!mounts)
		return nc_err_errno(err, ENOMEM, "plan the root filesystem");
	bool host_root = spec->n_lower == 0;

	if (plan_root(spec, arena, plan, err) < 0)
		return nc_err_ret(err);
	/* Mount points while the root can still take them. */
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct rt_mount *m = mounts[i];
		struct stat st;
		bool dir = m->type != RT_MOUNT_BIND || (stat(m->source, &st) == 0 && S_ISDIR(st.st_mode));
		if (rt_mountpoint_plan(plan, arena, host_root, m->target, dir, err) < 0)
			return nc_err_prefix(err, "container `%s`", spec->name);
	}
	if (host_root || spec->read_only)
		ADD(RT_MNT_READONLY, NULL, "/", NULL, 0, NULL, 0);

	ADD(RT_MNT_FS, "proc", "/proc", "proc", NOSUID_NODEV_NOEXEC, NULL, 0);
	ADD(RT_MNT_FS, "sysfs", "/sys", "sysfs", NOSUID_NODEV_NOEXEC | (spec->privileged ? 0 : MS_RDONLY), NULL, 0);
	if (rt_devices_plan(plan, arena, err) < 0)
		return nc_err_ret(err);
	for (size_t i = 0; i < spec->n_devices; i++)
		ADD(RT_MNT_DEVICE, spec->devices[i].source, spec->devices[i].target, NULL, 0, NULL, 0);
	ADD(RT_MNT_FS, "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 0);
	const char *run = nc_arena_printf(arena, "mode=755%s", plan->tmpfs_owner);
	if (!run)
		return nc_err_errno(err, ENOMEM, "plan the root filesystem");
	ADD(RT_MNT_FS, "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, run, 0);

	for (size_t i = 0; i < spec->n_mounts; i++)
		if (rt_volume_plan(plan, arena, mounts[i], err) < 0)
			return nc_err_prefix(err, "container `%s`", spec->name);
	for (size_t i = 0; i < spec->n_files; i++)
		if (!mounted_at(spec, spec->files[i].target))
			ADD(RT_MNT_BIND_FILE, spec->files[i].source, spec->files[i].target, NULL, 0, NULL, 0);

	ADD(RT_MNT_MASK_SOURCE, NULL, "/dev/.ncompose-mask", NULL, 0, NULL, 0444);
	if (!spec->privileged) {
		for (size_t i = 0; i < sizeof(proc_masked) / sizeof(proc_masked[0]); i++)
			ADD(RT_MNT_MASK, NULL, proc_masked[i], NULL, 0, NULL, 0);
		for (size_t i = 0; i < sizeof(proc_readonly) / sizeof(proc_readonly[0]); i++)
			ADD(RT_MNT_RDONLY, NULL, proc_readonly[i], NULL, 0, NULL, 0);
	}
	for (size_t i = 0; i < spec->n_masked; i++)
		ADD(RT_MNT_MASK, NULL, spec->masked[i], NULL, 0, NULL, 0);
	ADD(RT_MNT_MASK_DONE, NULL, "/dev/.ncompose-mask", NULL, 0, NULL, 0);
	return 0;
}
