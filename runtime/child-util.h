/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the container's processes may use between clone() and execve().
 *
 * Those processes are created with a raw clone(2) of the caller, which may
 * be (or become) multi-threaded: another thread may hold the malloc arena
 * lock, a stdio lock or the locale lock at that instant, and the child gets
 * a copy of the locked lock. So the child path never calls malloc(),
 * stdio, strerror() (locale, gettext), raise()/abort() (they use the
 * parent's cached thread id) or glibc's fork() (atfork handlers take the
 * malloc locks). Everything it needs is prepared by the parent; these
 * helpers are the few things it does on its own.
 */
#ifndef NC_RUNTIME_CHILD_UTIL_H
#define NC_RUNTIME_CHILD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* nc_err_errno for the child: "fmt: reason", with the reason from
 * strerrordesc_np() (no locale, no allocation). Returns -errnum. Only plain
 * %s/%d/%u/%x conversions: glibc's printf may allocate for positional
 * arguments and large widths. */
int rt_cerr(nc_err *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A fork-like clone without the C library: no atfork handlers, no locks.
 * `flags` are CLONE_NEW* bits; the child's exit signal is SIGCHLD. With
 * cgroup_fd >= 0, clone3(CLONE_INTO_CGROUP) is tried first and *in_cgroup
 * tells the parent whether the child was born in that cgroup. Returns the
 * pid in the parent, 0 in the child, -1 with errno on failure. */
pid_t rt_raw_clone(uint64_t flags, int cgroup_fd, bool *in_cgroup);

/* Closes every descriptor >= 3 except those in keep[] (close_range(2), or
 * /proc/self/fd before Linux 5.9). */
void rt_close_fds_except(const int *keep, size_t n_keep);

/* Every signal disposition back to SIG_DFL: handlers of the caller survive
 * clone(), and an inherited SIG_IGN would even survive execve(). */
void rt_signals_default(void);

/* Child side: what `ps` shows as our command line becomes `name`. A
 * child cloned without exec still shows its parent's (`ncompose up -d
 * lab.yaml` as PID 1 of every container); the kernel reads it from our
 * memory between arg_start and arg_end (/proc/self/stat), which we
 * overwrite. Best effort: nothing happens when that cannot be read. */
void rt_set_cmdline(const char *name);

/* Child side: the environment strings we were cloned with (the caller's,
 * which /proc/PID/environ shows) overwritten with zeros. A child that
 * never calls execve() keeps them otherwise, and nothing of the caller's
 * environment belongs to a container. The C library's environ pointers
 * then point to empty strings; nothing here reads them. Best effort, as
 * rt_set_cmdline. */
void rt_clear_environ(void);

/* The peer of the pseudo-terminal master `m`, unlocked first, opened by
 * descriptor (Linux 4.13+: no path lookup a container could race),
 * close-on-exec. Returns it, or -1 with errno set. Child-safe. */
int rt_pty_peer(int m);
void rt_signals_unblock_all(void);

/* Moves *fd to a number >= 3 (close-on-exec), so that a child's dup2() onto
 * 0, 1 and 2 cannot clobber it when the caller runs with a closed stdio. */
int rt_fd_above_stdio(int *fd, nc_err *err);

/* waitpid() status as a shell reports it: the exit code, or 128 + signal. */
int rt_status_code(int wstatus);

#endif
