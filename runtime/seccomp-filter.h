/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default seccomp filter: Docker's default profile as a denylist (see
 * docs/decisions.md, "Seccomp", for why a denylist and what it refuses).
 * Built with libseccomp in the parent and exported as classic BPF, so the
 * child only hands a ready program to the kernel.
 */
#ifndef NC_RUNTIME_SECCOMP_FILTER_H
#define NC_RUNTIME_SECCOMP_FILTER_H

#include <stdint.h>
#include <linux/filter.h>

#include "common/error.h"

/* A classic BPF program for SECCOMP_MODE_FILTER. len == 0 (the zeroed
 * struct) is "no filter": rt_seccomp_load does nothing. */
struct rt_seccomp {
	struct sock_filter *insns; /* malloc'ed */
	unsigned short len;        /* instructions, at most BPF_MAXINSNS */
};

/*
 * Parent side. The default profile for a process that keeps the
 * capabilities `caps` (bit CAP_x), as Docker's profile depends on them:
 * without CAP_SYS_ADMIN the mount API, setns, namespace flags of clone
 * and unshare are refused with EPERM and clone3 with ENOSYS (so the C
 * library falls back to clone, whose flags the filter can read); without
 * CAP_SYS_PTRACE kcmp and pidfd_getfd (ptrace itself is allowed, as in
 * Docker on 4.8+ kernels); and so on (seccomp-filter.c has the
 * table). Native, 32-bit and x32 system calls are all covered; any other
 * architecture kills the process. `*out` is zeroed first; free it with
 * rt_seccomp_free. Fails with ENOTSUP when built without libseccomp.
 */
int rt_seccomp_default(uint64_t caps, struct rt_seccomp *out, nc_err *err);

void rt_seccomp_free(struct rt_seccomp *s);

/*
 * Child side: no allocation, one prctl(PR_SET_SECCOMP). The kernel
 * accepts a filter only from a process that has set no_new_privs or holds
 * CAP_SYS_ADMIN (EACCES otherwise). So the caller does, in this order:
 *   no_new_privs on:  ... caps dropped, user set, PR_SET_NO_NEW_PRIVS,
 *                     fds closed, rt_seccomp_load, execve.
 *   no_new_privs off: rt_seccomp_load while CAP_SYS_ADMIN is still held,
 *                     i.e. before the capabilities are reduced and before
 *                     setresuid; every step after it (prctl, capset,
 *                     setgroups, setres[ug]id, chdir, sigaction,
 *                     close_range, execve) is allowed by the default
 *                     profile, for any `caps`.
 * The filter is inherited across fork and execve and cannot be removed.
 */
int rt_seccomp_load(const struct rt_seccomp *s, nc_err *err);

#endif
