/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Docker's default seccomp profile, turned around into a denylist: every
 * system call is allowed except those Docker's allowlist leaves out (or
 * grants only with a capability), which fail with EPERM. runtime/README.md
 * ("Security") says why.
 */
#include "config.h"
#include "runtime/seccomp-filter.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/seccomp.h>

#include "common/cleanup.h"
#include "runtime/child-util.h"

#if HAVE_SECCOMP
#include <seccomp.h>
#endif

void rt_seccomp_free(struct rt_seccomp *s)
{
	if (!s)
		return;
	free(s->insns);
	s->insns = NULL;
	s->len = 0;
}

int rt_seccomp_load(const struct rt_seccomp *s, nc_err *err)
{
	if (!s || !s->len)
		return 0;
	struct sock_fprog prog = { .len = s->len, .filter = s->insns };
	/* prctl rather than seccomp(2): the same on every kernel since 3.5,
	 * and no flag is wanted (no TSYNC: the child has one thread). */
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		if (errno == EACCES)
			return rt_cerr(err, errno, "load the seccomp filter without no_new_privs or CAP_SYS_ADMIN");
		return rt_cerr(err, errno, "load the seccomp filter");
	}
	return 0;
}

#if HAVE_SECCOMP

#ifndef CAP_PERFMON
#define CAP_PERFMON 38 /* Linux 5.8 */
#endif
#ifndef CAP_BPF
#define CAP_BPF 39 /* Linux 5.8 */
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080 /* Linux 5.6; unshare(2) only */
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

#define CAP(c) (UINT64_C(1) << CAP_##c)
#define ALWAYS UINT64_C(0)

/* A system call refused with EPERM unless the process keeps one of the
 * capabilities in `unless` (0: always refused). Those gated by a
 * capability are the ones Docker's profile allows with it; the kernel
 * checks the capability itself too, the filter only removes the code
 * behind the check from reach. */
struct refusal {
	const char *name;
	uint64_t unless;
};

static const struct refusal refusals[] = {
	/* Code into the kernel, another kernel, the machine's power. */
	{ "init_module", CAP(SYS_MODULE) },
	{ "finit_module", CAP(SYS_MODULE) },
	{ "delete_module", CAP(SYS_MODULE) },
	{ "create_module", ALWAYS },
	{ "get_kernel_syms", ALWAYS },
	{ "query_module", ALWAYS },
	{ "kexec_load", ALWAYS },
	{ "kexec_file_load", ALWAYS },
	{ "reboot", CAP(SYS_BOOT) },
	{ "swapon", ALWAYS },
	{ "swapoff", ALWAYS },
	/* The key rings are not namespaced. */
	{ "keyctl", ALWAYS },
	{ "add_key", ALWAYS },
	{ "request_key", ALWAYS },
	/* Mounts, namespaces and what reaches the host's identity. */
	{ "mount", CAP(SYS_ADMIN) },
	{ "umount", CAP(SYS_ADMIN) },
	{ "umount2", CAP(SYS_ADMIN) },
	{ "fsopen", CAP(SYS_ADMIN) },
	{ "fsconfig", CAP(SYS_ADMIN) },
	{ "fsmount", CAP(SYS_ADMIN) },
	{ "fspick", CAP(SYS_ADMIN) },
	{ "open_tree", CAP(SYS_ADMIN) },
	{ "move_mount", CAP(SYS_ADMIN) },
	{ "mount_setattr", CAP(SYS_ADMIN) },
	{ "pivot_root", ALWAYS }, /* Docker refuses it even with SYS_ADMIN */
	{ "setns", CAP(SYS_ADMIN) },
	{ "quotactl", CAP(SYS_ADMIN) },
	{ "quotactl_fd", CAP(SYS_ADMIN) },
	{ "sethostname", CAP(SYS_ADMIN) },
	{ "setdomainname", CAP(SYS_ADMIN) },
	{ "fanotify_init", CAP(SYS_ADMIN) },
	{ "lookup_dcookie", CAP(SYS_ADMIN) },
	/* File handles bypass the mount namespace (the "shocker" escape). */
	{ "open_by_handle_at", CAP(DAC_READ_SEARCH) },
	{ "name_to_handle_at", CAP(DAC_READ_SEARCH) },
	/* Other processes' memory. */
	/* ptrace and process_vm_readv/writev: allowed, as Docker's profile
	 * does on kernels from 4.8 (where ptrace can no longer be used to
	 * get around a filter), so strace and gdb work on the container's
	 * own processes; the kernel's ptrace rules still apply (the init is
	 * not dumpable). */
	{ "process_madvise", CAP(SYS_PTRACE) },
	{ "pidfd_getfd", CAP(SYS_PTRACE) },
	{ "kcmp", CAP(SYS_PTRACE) },
	/* Large kernel attack surface reachable without privilege. */
	{ "bpf", CAP(BPF) | CAP(SYS_ADMIN) },
	{ "perf_event_open", CAP(PERFMON) | CAP(SYS_ADMIN) },
	{ "userfaultfd", ALWAYS },
	/* io_uring runs its operations from kernel threads, where this
	 * filter never sees them, and has been the way into several kernel
	 * escapes; Docker's default profile dropped it in 25.0. */
	{ "io_uring_setup", ALWAYS },
	{ "io_uring_enter", ALWAYS },
	{ "io_uring_register", ALWAYS },
	{ "syslog", CAP(SYSLOG) | CAP(SYS_ADMIN) },
	{ "acct", CAP(SYS_PACCT) },
	{ "iopl", CAP(SYS_RAWIO) },
	{ "ioperm", CAP(SYS_RAWIO) },
	/* The clock is the host's. adjtimex and clock_adjtime also read it,
	 * and Docker allows them for that; we refuse them as the writes they
	 * usually are. */
	{ "settimeofday", CAP(SYS_TIME) },
	{ "stime", CAP(SYS_TIME) },
	{ "clock_settime", CAP(SYS_TIME) },
	{ "clock_settime64", CAP(SYS_TIME) },
	{ "adjtimex", CAP(SYS_TIME) },
	{ "clock_adjtime", CAP(SYS_TIME) },
	{ "clock_adjtime64", CAP(SYS_TIME) },
	/* NUMA placement of memory the host shares. */
	{ "mbind", CAP(SYS_NICE) },
	{ "set_mempolicy", CAP(SYS_NICE) },
	{ "get_mempolicy", CAP(SYS_NICE) },
	{ "set_mempolicy_home_node", CAP(SYS_NICE) },
	{ "move_pages", ALWAYS },
	{ "migrate_pages", ALWAYS },
	{ "chroot", CAP(SYS_CHROOT) },
	{ "vhangup", CAP(SYS_TTY_CONFIG) },
	/* Obsolete or never implemented: no program needs them, old kernels
	 * still carry some. */
	{ "uselib", ALWAYS },
	{ "ustat", ALWAYS },
	{ "sysfs", ALWAYS },
	{ "_sysctl", ALWAYS },
	{ "nfsservctl", ALWAYS },
	{ "vm86", ALWAYS },
	{ "vm86old", ALWAYS },
	{ "afs_syscall", ALWAYS },
	{ "getpmsg", ALWAYS },
	{ "putpmsg", ALWAYS },
	{ "security", ALWAYS },
	{ "tuxcall", ALWAYS },
	{ "vserver", ALWAYS },
};

/* The namespace bits Docker's clone rule masks (0x7e020000). */
static const uint64_t clone_ns_bits[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
};

/* s390 passes clone's stack first and its flags second. */
#if defined(__s390__) || defined(__s390x__)
#define CLONE_FLAGS_ARG 1
#else
#define CLONE_FLAGS_ARG 0
#endif

static inline void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

static int refuse(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n_cmp,
		  const struct scmp_arg_cmp *cmp, nc_err *err)
{
	int nr = seccomp_syscall_resolve_name(name);

	/* Unknown to this libseccomp: newer than its tables, so also newer
	 * than anything it could name for the kernel; nothing to refuse. */
	if (nr == __NR_SCMP_ERROR)
		return 0;
	/* Names missing on the native architecture (vm86, stime on x86-64)
	 * resolve to libseccomp's negative pseudo numbers, which it maps to
	 * the real number on each architecture that has the call. */
	int r = seccomp_rule_add_array(ctx, action, nr, n_cmp, cmp);
	if (r < 0)
		return nc_err_errno(err, -r, "seccomp rule for `%s`", name);
	return 0;
}

/*
 * A call with a namespace bit in its flags argument, one rule per bit: a
 * libseccomp rule cannot test one argument twice, so "flags & MASK != 0"
 * is the union of "flags & bit == bit".
 */
static int refuse_ns_flags(scmp_filter_ctx ctx, const char *name, unsigned arg, bool newtime,
			   nc_err *err)
{
	for (size_t i = 0; i < NC_ELEMENTSOF(clone_ns_bits) + newtime; i++) {
		uint64_t bit = i < NC_ELEMENTSOF(clone_ns_bits) ? clone_ns_bits[i] : CLONE_NEWTIME;
		struct scmp_arg_cmp cmp = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, bit, bit);
		int r = refuse(ctx, SCMP_ACT_ERRNO(EPERM), name, 1, &cmp, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * personality(2): Docker allows PER_LINUX (0), PER_LINUX32 (8), each with
 * UNAME26 (0x20000), and the query 0xffffffff; anything else (such as
 * ADDR_NO_RANDOMIZE or READ_IMPLIES_EXEC) is refused. With one comparison
 * per rule, the complement of that set is built as:
 *  - a0 > 0xffffffff (the kernel truncates to 32 bits, so high bits
 *    could smuggle any persona past an equality test);
 *  - for every bit b other than 3 and 17: bit b set and bit b+1 (mod 32)
 *    clear; and for b = 2 and 16 also bit b set and bit b+2 clear
 *    (33 rules in all).
 * Every refused 32-bit value has a set bit outside {3, 17} and a clear
 * bit; walking up from that set bit, the last set bit e before the first
 * clear one is either outside {3, 17} (rule (e, e+1)) or is 3 or 17, whose
 * predecessor 2 or 16 was walked over and is set (rule (e-1, e+1)). An
 * allowed value has no set bit outside {3, 17} or no clear bit, so no
 * rule matches it. The unit test checks this over many values.
 */
static int refuse_personality(scmp_filter_ctx ctx, nc_err *err)
{
	const uint32_t allowed_bits = 0x00020008; /* PER_LINUX32, UNAME26 */
	struct scmp_arg_cmp hi = SCMP_A0(SCMP_CMP_GT, UINT64_C(0xffffffff));
	int r = refuse(ctx, SCMP_ACT_ERRNO(EPERM), "personality", 1, &hi, err);

	for (unsigned b = 0; b < 32 && r >= 0; b++) {
		if (allowed_bits & (UINT32_C(1) << b))
			continue;
		for (unsigned step = 1; step <= 2 && r >= 0; step++) {
			unsigned c = (b + step) % 32;
			if (step == 2 && !(allowed_bits & (UINT32_C(1) << ((b + 1) % 32))))
				break;
			uint64_t set = UINT64_C(1) << b, clear = UINT64_C(1) << c;
			struct scmp_arg_cmp cmp = SCMP_A0(SCMP_CMP_MASKED_EQ, set | clear, set);
			r = refuse(ctx, SCMP_ACT_ERRNO(EPERM), "personality", 1, &cmp, err);
		}
	}
	return r;
}

static int add_rules(scmp_filter_ctx ctx, uint64_t caps, nc_err *err)
{
	int r;

	for (size_t i = 0; i < NC_ELEMENTSOF(refusals); i++) {
		if (refusals[i].unless & caps)
			continue;
		if ((r = refuse(ctx, SCMP_ACT_ERRNO(EPERM), refusals[i].name, 0, NULL, err)) < 0)
			return r;
	}
	if (!(caps & CAP(SYS_ADMIN))) {
		/* A new user namespace gives every capability inside it, and
		 * with them the mount and namespace code the rules above keep
		 * out of reach. clone3 passes its flags in memory a filter
		 * cannot read: ENOSYS, as Docker does, makes glibc (2.34+)
		 * fall back to clone. */
		if ((r = refuse_ns_flags(ctx, "clone", CLONE_FLAGS_ARG, false, err)) < 0 ||
		    (r = refuse_ns_flags(ctx, "unshare", 0, true, err)) < 0 ||
		    (r = refuse(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL, err)) < 0)
			return r;
	}
	/* vsock reaches the hypervisor, not the container's network. */
	struct scmp_arg_cmp vsock = SCMP_A0(SCMP_CMP_EQ, AF_VSOCK);
	if ((r = refuse(ctx, SCMP_ACT_ERRNO(EPERM), "socket", 1, &vsock, err)) < 0)
		return r;
	return refuse_personality(ctx, err);
}

/*
 * Every ABI the CPU can enter the kernel with gets the same rules, or a
 * 32-bit int 0x80 (i386 numbers) or an x32 call (x86-64 numbers with bit
 * 30 set) would reach what the native numbers refuse. Architectures not
 * listed cannot occur on the host's kernel; the filter kills a process
 * that shows one anyway.
 */
static int add_arches(scmp_filter_ctx ctx, nc_err *err)
{
	uint32_t native = seccomp_arch_native(), extra[2];
	size_t n = 0;

	if (native == SCMP_ARCH_X86_64) {
		extra[n++] = SCMP_ARCH_X86;
		extra[n++] = SCMP_ARCH_X32;
	} else if (native == SCMP_ARCH_AARCH64) {
		extra[n++] = SCMP_ARCH_ARM;
	}
	for (size_t i = 0; i < n; i++) {
		int r = seccomp_arch_add(ctx, extra[i]);
		if (r < 0 && r != -EEXIST)
			return nc_err_errno(err, -r, "seccomp: add architecture 0x%x", extra[i]);
	}
	return 0;
}

/* libseccomp 2.5 exports only to a descriptor (seccomp_export_bpf_mem is
 * 2.6): a memfd, read back whole. */
static int export_bpf(scmp_filter_ctx ctx, struct rt_seccomp *out, nc_err *err)
{
	_cleanup_close_ int fd = memfd_create("ncompose-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return nc_err_errno(err, errno, "seccomp: memfd_create");
	int r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return nc_err_errno(err, -r, "seccomp: export the filter");
	off_t size = lseek(fd, 0, SEEK_END);
	if (size < 0)
		return nc_err_errno(err, errno, "seccomp: size of the exported filter");
	size_t n = (size_t)size / sizeof(struct sock_filter);
	if (size == 0 || (size_t)size % sizeof(struct sock_filter) || n > BPF_MAXINSNS)
		return nc_err_msg(err, E2BIG, "seccomp: the exported filter has %lld bytes, not 1 to %d instructions",
				  (long long)size, BPF_MAXINSNS);
	_cleanup_free_ struct sock_filter *insns = malloc((size_t)size);
	if (!insns)
		return nc_err_errno(err, ENOMEM, "seccomp: read the exported filter");
	for (size_t got = 0; got < (size_t)size;) {
		ssize_t k = pread(fd, (char *)insns + got, (size_t)size - got, (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return nc_err_errno(err, k < 0 ? errno : EIO, "seccomp: read the exported filter");
		got += (size_t)k;
	}
	out->insns = TAKE_PTR(insns);
	out->len = (unsigned short)n;
	return 0;
}

static int build_default(uint64_t caps, struct rt_seccomp *out, nc_err *err)
{
	int r;

	*out = (struct rt_seccomp){ 0 };
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return nc_err_errno(err, ENOMEM, "seccomp: create a filter");
	/* KILL_PROCESS (4.14) rather than libseccomp's default KILL_THREAD,
	 * which would leave the rest of a process running. */
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0)
		return nc_err_errno(err, -r, "seccomp: action for a foreign architecture");
	/* A binary tree over the call numbers instead of a linear list:
	 * optional, older libseccomp lacks it. */
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if ((r = add_arches(ctx, err)) < 0 || (r = add_rules(ctx, caps, err)) < 0)
		return r;
	return export_bpf(ctx, out, err);
}

/* Building a filter costs about 2 ms of libseccomp, and a lab's
 * containers mostly share a few capability sets: the programs are kept,
 * by capability set, for the life of the process (parallel starts share
 * them, hence the lock). A full cache just builds again. */
#define CACHE_SLOTS 16
static struct {
	pthread_mutex_t lock;
	size_t n;
	struct {
		uint64_t caps;
		struct rt_seccomp prog;
	} slot[CACHE_SLOTS];
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int copy_prog(const struct rt_seccomp *from, struct rt_seccomp *to, nc_err *err)
{
	size_t size = from->len * sizeof(*from->insns);
	if (!(to->insns = malloc(size)))
		return nc_err_errno(err, ENOMEM, "seccomp: copy the filter");
	memcpy(to->insns, from->insns, size);
	to->len = from->len;
	return 0;
}

int rt_seccomp_default(uint64_t caps, struct rt_seccomp *out, nc_err *err)
{
	int r = 1;

	*out = (struct rt_seccomp){ 0 };
	pthread_mutex_lock(&cache.lock);
	for (size_t i = 0; i < cache.n && r > 0; i++)
		if (cache.slot[i].caps == caps)
			r = copy_prog(&cache.slot[i].prog, out, err);
	pthread_mutex_unlock(&cache.lock);
	if (r <= 0)
		return r;

	if ((r = build_default(caps, out, err)) < 0)
		return r;
	pthread_mutex_lock(&cache.lock);
	if (cache.n < CACHE_SLOTS) {
		nc_err ignore;
		cache.slot[cache.n].caps = caps;
		if (copy_prog(out, &cache.slot[cache.n].prog, &ignore) == 0)
			cache.n++;
	}
	pthread_mutex_unlock(&cache.lock);
	return 0;
}

#else /* !HAVE_SECCOMP */

int rt_seccomp_default(uint64_t caps, struct rt_seccomp *out, nc_err *err)
{
	(void)caps;
	*out = (struct rt_seccomp){ 0 };
	return nc_err_msg(err, ENOTSUP, "no seccomp filter: ncompose was built without libseccomp");
}

#endif
