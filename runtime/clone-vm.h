/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A child that borrows our memory until it calls execve() or exits
 * (CLONE_VM | CLONE_VFORK, as posix_spawn does), on a stack of its own.
 *
 * Why: a fork copies the caller's page tables and write-protects every
 * private page, so the caller then takes a copy-on-write fault (and, being
 * multi-threaded, a TLB shootdown on every CPU) for each page it writes
 * afterwards. At scale that was a third of the CPU time of starting
 * containers (bench/README.md). A borrowing child costs none of it.
 *
 * The rules for the child are those of child-util.h, and more: it writes
 * into the caller's memory, so it must never return past the function it
 * was started in, never change what the caller's stack frames hold, and
 * leave the caller's command line and environment alone. The caller's
 * thread is suspended until the child's execve() or exit; the caller's
 * other threads run on. errno is the caller's thread's: its value after
 * the call is the child's last one.
 */
#ifndef NC_RUNTIME_CLONE_VM_H
#define NC_RUNTIME_CLONE_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

struct rt_child_stack {
	void *map;   /* the mapping, a guard page at its low end */
	size_t size; /* of the mapping */
};

/* A stack for one child at a time, from a small pool shared by the
 * caller's threads (its pages stay faulted in between starts). */
int rt_child_stack_get(struct rt_child_stack *s, nc_err *err);
/* Back to the pool once the child has exec'd or exited. */
void rt_child_stack_put(struct rt_child_stack *s);

/* Runs fn(arg) in a new child sharing our memory, on `stack`, with
 * `flags` (CLONE_NEW* bits) and SIGCHLD as its exit signal; returns when
 * it has exec'd or exited. With cgroup_fd >= 0 the child is born in that
 * cgroup when the kernel can (clone3 CLONE_INTO_CGROUP, x86-64; else it
 * is not and *in_cgroup says so: it is set before the child runs, so the
 * child may read it too). fn must not return. Returns the pid, or -1 with
 * errno. */
pid_t rt_clone_vm(uint64_t flags, int cgroup_fd, bool *in_cgroup, const struct rt_child_stack *stack,
		  int (*fn)(void *), void *arg);

#endif
