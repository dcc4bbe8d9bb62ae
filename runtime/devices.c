/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's /dev: a small tmpfs with the usual device nodes bound
 * from the host (bind, not mknod, so the same code works in a user
 * namespace later), the /proc/self/fd links, its own devpts instance, shm
 * and mqueue.
 */
#include <errno.h>
#include <sys/mount.h>

#include "runtime/rootfs.h"

static const char *const devices[] = { "null", "zero", "full", "random", "urandom", "tty" };

static const struct {
	const char *name, *to;
} links[] = {
	{ "/dev/fd", "/proc/self/fd" },
	{ "/dev/stdin", "/proc/self/fd/0" },
	{ "/dev/stdout", "/proc/self/fd/1" },
	{ "/dev/stderr", "/proc/self/fd/2" },
	{ "/dev/ptmx", "pts/ptmx" },
};

#define ADD(kind, src, tgt, fs, fl, data, mode)                                            \
	do {                                                                                \
		if (rt_rootfs_add(plan, arena, kind, src, tgt, fs, fl, data, mode, err) < 0) \
			return nc_err_ret(err);                                             \
	} while (0)

int rt_devices_plan(struct rt_rootfs_plan *plan, struct nc_arena *arena, nc_err *err)
{
	const char *dev = nc_arena_printf(arena, "mode=755,size=65536k%s", plan->tmpfs_owner ? plan->tmpfs_owner : "");
	if (!dev)
		return nc_err_errno(err, ENOMEM, "plan /dev");
	/* nodev, as every filesystem the container can write to: a node it
	 * makes with CAP_MKNOD (Docker's default set) cannot be opened, so
	 * `mknod /dev/x b 8 0` does not give it the host's disk. Docker
	 * relies on the device cgroup instead, which v2 only offers as a BPF
	 * program. The nodes below are bind mounts of the host's, mounts of
	 * their own that keep the host's /dev flags. Privileged: none. */
	ADD(RT_MNT_FS, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME | (plan->privileged ? 0 : MS_NODEV), dev,
	    0);
	for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++) {
		const char *src = nc_arena_printf(arena, "/dev/%s", devices[i]);
		const char *dst = nc_arena_printf(arena, "/dev/%s", devices[i]);
		if (!src || !dst)
			return nc_err_errno(err, ENOMEM, "plan /dev");
		ADD(RT_MNT_DEVICE, src, dst, NULL, 0, NULL, 0);
	}
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		ADD(RT_MNT_SYMLINK, links[i].to, links[i].name, NULL, 0, NULL, 0);
	ADD(RT_MNT_MKDIR, NULL, "/dev/pts", NULL, 0, NULL, 0755);
	/* gid 5 is "tty" on Debian, Fedora and Alpine alike, as Docker assumes. */
	ADD(RT_MNT_FS, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620,gid=5", 0);
	ADD(RT_MNT_MKDIR, NULL, "/dev/shm", NULL, 0, NULL, 01777);
	const char *shm = nc_arena_printf(arena, "mode=1777,size=%llu%s",
					  plan->shm_size ? (unsigned long long)plan->shm_size : 64ULL << 20,
					  plan->tmpfs_owner ? plan->tmpfs_owner : "");
	if (!shm)
		return nc_err_errno(err, ENOMEM, "plan /dev");
	ADD(RT_MNT_FS, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm, 0);
	/* mqueue belongs to the IPC namespace of the mounter: ours. */
	ADD(RT_MNT_MKDIR, NULL, "/dev/mqueue", NULL, 0, NULL, 0755);
	ADD(RT_MNT_FS, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0);
	return 0;
}
