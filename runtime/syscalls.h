/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * System calls newer than some C libraries we build against. We call them
 * by number with our own copies of their argument structs (the kernel ABI is
 * fixed and versioned by size), so the same code builds on glibc 2.31 and
 * 2.36 alike, and every caller has a fallback for ENOSYS on older kernels.
 * The numbers are the same on every architecture since Linux 5.1 unified
 * the tables for new calls.
 */
#ifndef NC_RUNTIME_SYSCALLS_H
#define NC_RUNTIME_SYSCALLS_H

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424 /* Linux 5.1 */
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434 /* Linux 5.3 */
#endif
#ifndef __NR_clone3
#define __NR_clone3 435 /* Linux 5.3; CLONE_INTO_CGROUP since 5.7 */
#endif
#ifndef __NR_close_range
#define __NR_close_range 436 /* Linux 5.9 */
#endif
#ifndef __NR_openat2
#define __NR_openat2 437 /* Linux 5.6 */
#endif
#ifndef __NR_fsopen
#define __NR_fsopen 430 /* Linux 5.2 */
#define __NR_fsconfig 431
#define __NR_fsmount 432
#endif
#ifndef __NR_mount_setattr
#define __NR_mount_setattr 442 /* Linux 5.12 */
#endif

/* include/uapi/linux/sched.h, CLONE_ARGS_SIZE_VER2 (88 bytes). */
struct rt_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};
#define RT_CLONE_INTO_CGROUP 0x200000000ULL

/* include/uapi/linux/openat2.h */
struct rt_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#define RT_RESOLVE_NO_MAGICLINKS 0x02
#define RT_RESOLVE_BENEATH 0x08
#define RT_RESOLVE_IN_ROOT 0x10

/* include/uapi/linux/mount.h */
struct rt_mount_attr {
	uint64_t attr_set;
	uint64_t attr_clr;
	uint64_t propagation;
	uint64_t userns_fd;
};
#define RT_MOUNT_ATTR_RDONLY 0x00000001
#define RT_MOUNT_ATTR_NODEV 0x00000004
#define RT_MOUNT_ATTR_IDMAP 0x00100000
#define RT_MOUNT_ATTR_NOSUID 0x00000002
#define RT_MOUNT_ATTR_NOEXEC 0x00000008
#define RT_FSOPEN_CLOEXEC 0x00000001
#define RT_FSMOUNT_CLOEXEC 0x00000001
#define RT_FSCONFIG_SET_FLAG 0
#define RT_FSCONFIG_SET_STRING 1
#define RT_FSCONFIG_CMD_CREATE 6
#define RT_OPEN_TREE_CLONE 1
#define RT_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static inline int rt_pidfd_open(pid_t pid)
{
	return (int)syscall(__NR_pidfd_open, pid, 0);
}

static inline int rt_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static inline int rt_openat2(int dirfd, const char *path, struct rt_open_how *how)
{
	return (int)syscall(__NR_openat2, dirfd, path, how, sizeof(*how));
}

static inline int rt_mount_setattr(int dirfd, const char *path, unsigned flags,
				   struct rt_mount_attr *attr)
{
	return (int)syscall(__NR_mount_setattr, dirfd, path, flags, attr, sizeof(*attr));
}

static inline int rt_fsopen(const char *fs, unsigned flags)
{
	return (int)syscall(__NR_fsopen, fs, flags);
}

static inline int rt_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(__NR_fsconfig, fd, cmd, key, value, aux);
}

static inline int rt_fsmount(int fd, unsigned flags, unsigned attr)
{
	return (int)syscall(__NR_fsmount, fd, flags, attr);
}

static inline int rt_open_tree(int dirfd, const char *path, unsigned flags)
{
	return (int)syscall(__NR_open_tree, dirfd, path, flags);
}

static inline int rt_move_mount(int from_dirfd, const char *from, int to_dirfd, const char *to, unsigned flags)
{
	return (int)syscall(__NR_move_mount, from_dirfd, from, to_dirfd, to, flags);
}

static inline int rt_close_range(unsigned first, unsigned last)
{
	return (int)syscall(__NR_close_range, first, last, 0);
}

static inline int rt_pivot_root_syscall(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

#endif
