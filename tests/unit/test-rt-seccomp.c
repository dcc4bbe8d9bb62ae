/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default seccomp filter, two ways:
 *  - in the kernel: a forked child sets no_new_privs, loads the filter and
 *    makes each call directly (harmless arguments: a call the filter let
 *    through fails in the kernel with a known errno, never EPERM);
 *  - in a small classic-BPF interpreter, for what this machine cannot
 *    run: every ABI (x86-64, i386, x32), foreign architectures, and
 *    personality() over many values.
 * No privilege needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "runtime/caps.h"
#include "runtime/runtime.h"
#include "runtime/seccomp-filter.h"
#include "tests/lib/skip.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#define BIT(c) (UINT64_C(1) << (c))
#define SELF (-0x5e1fL) /* an argument replaced by getpid() */
#define RET_EPERM (SECCOMP_RET_ERRNO | EPERM)
#define RET_ENOSYS (SECCOMP_RET_ERRNO | ENOSYS)
#define NS_BITS                                                                                    \
	{ CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID, \
	  CLONE_NEWNET }

/* ---- the calls ---------------------------------------------------------- */

struct call {
	const char *name;
	long a[6];
	int kernel_errno; /* what the kernel says when the filter lets it through */
};

/* Refused by the default profile with Docker's default capabilities.
 * Arguments are chosen so that the call would fail harmlessly anyway
 * (bad pointers, bad flags), even run as root without the filter. */
static const struct call refused[] = {
	{ .name = "init_module", .a = { 0, 0, 0 } },
	{ .name = "finit_module", .a = { -1, 0, 0 } },
	{ .name = "delete_module", .a = { 1, 0 } },
	{ .name = "kexec_load", .a = { 0, 0, 0, 0xdead0000L } },
	{ .name = "kexec_file_load", .a = { -1, -1, 0, 0, 0xdead0000L } },
	{ .name = "keyctl", .a = { 9999 } },
	{ .name = "add_key", .a = { 1, 1, 0, 0, 0 } },
	{ .name = "request_key", .a = { 1, 1, 1, 0 } },
	{ .name = "bpf", .a = { 9999, 0, 0 } },
	{ .name = "perf_event_open", .a = { 1, 0, -1, -1, 0 } },
	{ .name = "reboot", .a = { 0, 0, 0, 0 } },
	{ .name = "swapon", .a = { 1, 0 } },
	{ .name = "swapoff", .a = { 1 } },
	{ .name = "syslog", .a = { 9999, 0, 0 } },
	{ .name = "acct", .a = { 1 } },
	{ .name = "mount", .a = { 0, 1, 0, 0, 0 } },
	{ .name = "umount2", .a = { 1, 0xffff0000L } },
	{ .name = "pivot_root", .a = { 1, 1 } },
	{ .name = "setns", .a = { -1, 0 } },
	{ .name = "fsopen", .a = { 1, 0 } },
	{ .name = "fsconfig", .a = { -1, 0, 0, 0, 0 } },
	{ .name = "fsmount", .a = { -1, 0, 0 } },
	{ .name = "fspick", .a = { -1, 1, 0 } },
	{ .name = "open_tree", .a = { -1, 1, 0 } },
	{ .name = "move_mount", .a = { -1, 1, -1, 1, 0 } },
	{ .name = "mount_setattr", .a = { -1, 1, 0, 0, 0 } },
	{ .name = "quotactl", .a = { 0, 1, 0, 0 } },
	{ .name = "quotactl_fd", .a = { -1, 0, 0, 0 } },
	{ .name = "sethostname", .a = { 1, 100000 } },
	{ .name = "setdomainname", .a = { 1, 100000 } },
	{ .name = "fanotify_init", .a = { ~0L, 0 } },
	{ .name = "lookup_dcookie", .a = { 0, 0, 0 } },
	{ .name = "open_by_handle_at", .a = { -1, 0, 0 } },
	{ .name = "name_to_handle_at", .a = { -1, 0, 0, 0, 0 } },
	{ .name = "process_madvise", .a = { -1, 0, 0, 0, 0 } },
	{ .name = "pidfd_getfd", .a = { -1, -1, 0 } },
	{ .name = "kcmp", .a = { SELF, SELF, 9999, 0, 0 } },
	{ .name = "userfaultfd", .a = { ~0L } },
	{ .name = "io_uring_setup", .a = { 0, 0 } },
	{ .name = "iopl", .a = { 4 } },
	{ .name = "ioperm", .a = { 0x10000, 1, 1 } },
	{ .name = "settimeofday", .a = { 0, 0 } },
	{ .name = "clock_settime", .a = { 9999, 0 } },
	{ .name = "adjtimex", .a = { 0 } },
	{ .name = "clock_adjtime", .a = { 9999, 0 } },
	{ .name = "mbind", .a = { 0, 0, 0, 0, 0, 0 } },
	{ .name = "set_mempolicy", .a = { 9999, 0, 0 } },
	{ .name = "get_mempolicy", .a = { 0, 0, 0, 0, 0 } },
	{ .name = "move_pages", .a = { SELF, 0, 0, 0, 0, 0 } },
	{ .name = "migrate_pages", .a = { SELF, 0, 0, 0 } },
	{ .name = "uselib", .a = { 0 } },
	{ .name = "ustat", .a = { 0, 0 } },
	{ .name = "sysfs", .a = { 9999, 0, 0 } },
	{ .name = "_sysctl", .a = { 0 } },
	{ .name = "nfsservctl", .a = { 0, 0, 0 } },
	{ .name = "create_module", .a = { 0, 0 } },
	{ .name = "get_kernel_syms", .a = { 0 } },
	{ .name = "query_module", .a = { 0, 0, 0, 0, 0 } },
	{ .name = "afs_syscall", .a = { 0 } },
	{ .name = "tuxcall", .a = { 0 } },
	{ .name = "security", .a = { 0 } },
	{ .name = "vserver", .a = { 0 } },
	{ .name = "getpmsg", .a = { 0 } },
	{ .name = "putpmsg", .a = { 0 } },
	{ .name = "personality", .a = { 0x0040000 /* ADDR_NO_RANDOMIZE */ } },
	{ .name = "personality", .a = { 0x0400000 /* READ_IMPLIES_EXEC */ } },
	{ .name = "personality", .a = { 0x100000000L /* truncated to 0 by the kernel */ } },
	{ .name = "socket", .a = { 40 /* AF_VSOCK */, SOCK_STREAM, 0 } },
};

/* Let through once the process keeps CAP_SYS_ADMIN (and, for the last
 * ones, the capability named); the kernel's errno is independent of
 * privilege. */
static const struct call admin_allowed[] = {
	{ .name = "mount", .a = { 0, 1, 0, 0, 0 }, .kernel_errno = EFAULT },
	{ .name = "umount2", .a = { 1, 0xffff0000L }, .kernel_errno = EINVAL },
	{ .name = "setns", .a = { -1, 0 }, .kernel_errno = EBADF },
	{ .name = "unshare", .a = { CLONE_NEWUSER | CLONE_PARENT }, .kernel_errno = EINVAL },
	{ .name = "unshare", .a = { CLONE_NEWNET | CLONE_PARENT }, .kernel_errno = EINVAL },
	{ .name = "clone", .a = { CLONE_NEWUSER | CLONE_SIGHAND }, .kernel_errno = EINVAL },
	{ .name = "clone", .a = { CLONE_NEWPID | CLONE_SIGHAND }, .kernel_errno = EINVAL },
	{ .name = "clone3", .a = { 0, 0 }, .kernel_errno = EINVAL },
	{ .name = "bpf", .a = { 9999, 0, 0 }, .kernel_errno = EINVAL },
	{ .name = "perf_event_open", .a = { 1, 0, -1, -1, 0 }, .kernel_errno = EFAULT },
};

static const struct call ptrace_allowed[] = {
	{ .name = "kcmp", .a = { SELF, SELF, 9999, 0, 0 }, .kernel_errno = EINVAL },
};

static const struct call time_allowed[] = {
	{ .name = "clock_settime", .a = { 9999, 0 }, .kernel_errno = EINVAL },
	{ .name = "adjtimex", .a = { 0 }, .kernel_errno = EFAULT },
};

/* ---- running calls in a filtered child ----------------------------------- */

struct report {
	int fd;
	int bad;
};

static void say(struct report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct report *rep, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdprintf(rep->fd, fmt, ap);
	va_end(ap);
	rep->bad++;
}

static long arg(long a)
{
	return a == SELF ? (long)getpid() : a;
}

/* want_errno 0: success expected. */
static void expect_call(struct report *rep, const struct call *c, int want_errno)
{
	int nr = seccomp_syscall_resolve_name(c->name);
	if (nr < 0)
		return; /* not a call of this architecture */
	errno = 0;
	long r = syscall(nr, arg(c->a[0]), arg(c->a[1]), arg(c->a[2]), arg(c->a[3]), arg(c->a[4]),
			 arg(c->a[5]));
	int e = r < 0 ? errno : 0;
	if (e != want_errno)
		say(rep, "%s(0x%lx): got %ld errno %d (%s), want errno %d (%s)\n", c->name, c->a[0], r, e,
		    strerrorname_np(e) ? strerrorname_np(e) : "0", want_errno,
		    strerrorname_np(want_errno) ? strerrorname_np(want_errno) : "0");
}

typedef void (*child_fn)(struct report *rep, const void *arg);

/* cmocka catches these signals in every process of the test, the forked
 * children included, and turns them into a failed test and exit 1. A child
 * must die of its signal instead, so that its parent can tell a fault the
 * kernel raised (an ABI this kernel lacks) from a check that failed. */
static void default_fault_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGSYS };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

/* Forks; the child sets no_new_privs, loads the filter built for `caps`,
 * runs fn and reports what went wrong on a pipe. Returns the child's
 * wait status. */
static int run_filtered(uint64_t caps, child_fn fn, const void *fn_arg)
{
	struct rt_seccomp f;
	nc_err err;
	int p[2];

	assert_int_equal(rt_seccomp_default(caps, &f, &err), 0);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct report rep = { .fd = p[1] };
		close(p[0]);
		default_fault_signals();
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			say(&rep, "no_new_privs: %s\n", strerror(errno));
		else if (rt_seccomp_load(&f, &err) < 0)
			say(&rep, "%s\n", err.msg);
		else
			fn(&rep, fn_arg);
		_exit(rep.bad ? 1 : 0);
	}
	close(p[1]);
	rt_seccomp_free(&f);
	char buf[8192];
	size_t n = 0;
	ssize_t k;
	while (n < sizeof(buf) - 1 && (k = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
	close(p[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (n)
		fail_msg("in the filtered child:\n%s", buf);
	return status;
}

static void must_exit_0(int status)
{
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ---- in the kernel -------------------------------------------------------- */

static void refused_calls(struct report *rep, const void *unused)
{
	(void)unused;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		expect_call(rep, &refused[i], EPERM);

	const unsigned long ns[] = NS_BITS;
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		/* Invalid for the kernel too (CLONE_SIGHAND without
		 * CLONE_VM, CLONE_PARENT for unshare): nothing is created
		 * if the filter let them through. */
		struct call c = { .name = "clone", .a = { (long)(ns[i] | CLONE_SIGHAND) } };
		expect_call(rep, &c, EPERM);
		struct call u = { .name = "unshare", .a = { (long)(ns[i] | CLONE_PARENT) } };
		expect_call(rep, &u, EPERM);
	}
	struct call nt = { .name = "unshare", .a = { 0x80 /* CLONE_NEWTIME */ | CLONE_PARENT } };
	expect_call(rep, &nt, EPERM);
	struct call c3 = { .name = "clone3", .a = { 0, 0 } };
	expect_call(rep, &c3, ENOSYS);
#ifdef __x86_64__
	/* The x32 ABI: x86-64 numbers with bit 30 set. Refused by the filter
	 * whether or not the kernel has x32 (ENOSYS without the filter). */
	errno = 0;
	long r = syscall(__X32_SYSCALL_BIT | SYS_keyctl, 9999, 0, 0, 0, 0);
	if (r != -1 || errno != EPERM)
		say(rep, "x32 keyctl: got %ld errno %d, want EPERM\n", r, errno);
	errno = 0;
	r = syscall(__X32_SYSCALL_BIT | SYS_mount, 0, 1, 0, 0, 0);
	if (r != -1 || errno != EPERM)
		say(rep, "x32 mount: got %ld errno %d, want EPERM\n", r, errno);
#endif
}

static void *thread_main(void *p)
{
	return p;
}

static void allowed_calls(struct report *rep, const void *unused)
{
	(void)unused;
	if (syscall(SYS_getpid) != getpid())
		say(rep, "getpid\n");
	if (write(rep->fd, "", 0) != 0)
		say(rep, "write: %s\n", strerror(errno));
	/* fork() is clone(SIGCHLD) without namespace flags. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
		say(rep, "fork: %s\n", strerror(errno));
	/* glibc 2.34+ tries clone3 first: ENOSYS must send it to clone. */
	pthread_t t;
	void *ret = NULL;
	int e = pthread_create(&t, NULL, thread_main, (void *)rep);
	if (e || pthread_join(t, &ret) || ret != rep)
		say(rep, "pthread_create: %s\n", strerror(e));
	if (unshare(0) < 0 || unshare(CLONE_FS | CLONE_FILES) < 0)
		say(rep, "unshare without namespaces: %s\n", strerror(errno));
	int cur = personality(0xffffffff);
	if (cur < 0 || personality(PER_LINUX32) < 0 || personality(PER_LINUX32 | UNAME26) < 0 ||
	    personality(UNAME26) < 0 || personality(PER_LINUX) < 0)
		say(rep, "personality with an allowed value: %s\n", strerror(errno));
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		say(rep, "socket(AF_INET): %s\n", strerror(errno));
	else
		close(s);
	/* ptrace and process_vm_readv: let through (Docker, 4.8+); the
	 * kernel answers for a pid that does not exist. */
	struct call pt = { .name = "ptrace", .a = { PTRACE_PEEKDATA, 999999, 0, 0 } };
	expect_call(rep, &pt, ESRCH);
	struct call pv = { .name = "process_vm_readv", .a = { SELF, 0, 0, 0, 0, 1 } };
	expect_call(rep, &pv, EINVAL); /* flags must be 0 */
	/* CAP_SYS_CHROOT is in Docker's default set: the kernel answers. */
	struct call ch = { .name = "chroot", .a = { (long)"/nonexistent-nc-test" } };
	expect_call(rep, &ch, ENOENT);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_CAPBSET_READ, 0, 0, 0, 0) < 0)
		say(rep, "prctl: %s\n", strerror(errno));
}

struct allowed_set {
	const struct call *calls;
	size_t n;
	const struct call *still_refused;
	size_t n_refused;
};

static void allowed_with_caps(struct report *rep, const void *p)
{
	const struct allowed_set *set = p;
	for (size_t i = 0; i < set->n; i++)
		expect_call(rep, &set->calls[i], set->calls[i].kernel_errno);
	for (size_t i = 0; i < set->n_refused; i++)
		expect_call(rep, &set->still_refused[i], EPERM);
}

static void test_kernel_refuses(void **state)
{
	(void)state;
	must_exit_0(run_filtered(rt_caps_default(), refused_calls, NULL));
}

static void test_kernel_allows(void **state)
{
	(void)state;
	must_exit_0(run_filtered(rt_caps_default(), allowed_calls, NULL));
}

static void test_kernel_with_sys_admin(void **state)
{
	(void)state;
	static const struct call still[] = {
		{ .name = "keyctl", .a = { 9999 } },
		{ .name = "pivot_root", .a = { 1, 1 } },
		{ .name = "kexec_load", .a = { 0, 0, 0, 0xdead0000L } },
		{ .name = "personality", .a = { 0x0040000 } },
		{ .name = "userfaultfd", .a = { ~0L } },
	};
	struct allowed_set set = { admin_allowed, sizeof(admin_allowed) / sizeof(admin_allowed[0]), still,
				   sizeof(still) / sizeof(still[0]) };
	must_exit_0(run_filtered(rt_caps_default() | BIT(CAP_SYS_ADMIN), allowed_with_caps, &set));
}

static void test_kernel_with_other_caps(void **state)
{
	(void)state;
	struct allowed_set pt = { ptrace_allowed, sizeof(ptrace_allowed) / sizeof(ptrace_allowed[0]),
				  admin_allowed, 3 /* mount, umount2, setns: still refused */ };
	must_exit_0(run_filtered(rt_caps_default() | BIT(CAP_SYS_PTRACE), allowed_with_caps, &pt));
	struct allowed_set tm = { time_allowed, sizeof(time_allowed) / sizeof(time_allowed[0]), ptrace_allowed,
				  sizeof(ptrace_allowed) / sizeof(ptrace_allowed[0]) };
	must_exit_0(run_filtered(rt_caps_default() | BIT(CAP_SYS_TIME), allowed_with_caps, &tm));
	/* bpf and perf_event_open with their own capabilities, not SYS_ADMIN. */
	struct allowed_set bp = { admin_allowed + 8, 2, admin_allowed, 1 };
	must_exit_0(run_filtered(rt_caps_default() | BIT(CAP_BPF) | BIT(CAP_PERFMON), allowed_with_caps, &bp));
	/* With no capability at all, chroot goes too (vhangup as well, but
	 * if the filter let it through it would hang up our terminal). */
	static const struct call none[] = { { .name = "chroot", .a = { (long)"/nonexistent-nc-test" } },
					    { .name = "sethostname", .a = { 1, 100000 } } };
	struct allowed_set nc = { NULL, 0, none, 2 };
	must_exit_0(run_filtered(0, allowed_with_caps, &nc));
}

#ifdef __x86_64__
/* A 32-bit system call from a 64-bit process: i386 numbers, arguments in
 * ebx, ecx, edx. */
static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "0"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static void i386_calls(struct report *rep, const void *unused)
{
	(void)unused;
	long r = int80(20 /* getpid */, 0, 0, 0);
	if (r != getpid())
		say(rep, "i386 getpid: %ld\n", r);
	if ((r = int80(288 /* keyctl */, 9999, 0, 0)) != -EPERM)
		say(rep, "i386 keyctl: %ld, want -EPERM\n", r);
	if ((r = int80(21 /* mount */, 0, 1, 0)) != -EPERM)
		say(rep, "i386 mount: %ld, want -EPERM\n", r);
	if ((r = int80(113 /* vm86old */, 0, 0, 0)) != -EPERM)
		say(rep, "i386 vm86old: %ld, want -EPERM\n", r);
	if ((r = int80(136 /* personality */, 0x0040000, 0, 0)) != -EPERM)
		say(rep, "i386 personality(ADDR_NO_RANDOMIZE): %ld, want -EPERM\n", r);
}

/* Can this process make an i386 system call at all? Asked in a child
 * without any filter: without IA32 emulation (a kernel built without it,
 * ia32_emulation=0, some hypervisors) `int $0x80` kills the caller with
 * SIGSEGV. Returns 0, or the signal that killed the probe. */
static int i386_probe(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		default_fault_signals();
		_exit(int80(20 /* getpid */, 0, 0, 0) == getpid() ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	must_exit_0(status); /* it ran, and gave a wrong pid: a real failure */
	return 0;
}
#endif

static void test_kernel_i386(void **state)
{
	(void)state;
#ifdef __x86_64__
	int sig = i386_probe();
	if (sig)
		nc_skip("no IA32 emulation in this kernel: int $0x80 kills a 64-bit process (%s); "
			"the interpreter tests cover the i386 ABI",
			strsignal(sig));
	/* The ABI works here: from now on a signal in the filtered child is a
	 * failure, not a missing feature. */
	must_exit_0(run_filtered(rt_caps_default(), i386_calls, NULL));
#else
	nc_skip("not an x86-64 machine: no i386 ABI to try");
#endif
}

/* ---- in the interpreter ---------------------------------------------------- */

/* The classic BPF subset libseccomp emits, on struct seccomp_data. */
static uint32_t run_bpf(const struct rt_seccomp *f, const struct seccomp_data *d)
{
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = { 0 };

	for (unsigned pc = 0; pc < f->len; pc++) {
		const struct sock_filter *i = &f->insns[pc];
		uint32_t k = i->k;
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			assert_true(k % 4 == 0 && k + 4 <= sizeof(*d));
			memcpy(&A, (const char *)d + k, 4);
			break;
		case BPF_LD | BPF_IMM: A = k; break;
		case BPF_LDX | BPF_IMM: X = k; break;
		case BPF_LD | BPF_MEM: A = M[k]; break;
		case BPF_LDX | BPF_MEM: X = M[k]; break;
		case BPF_ST: M[k] = A; break;
		case BPF_STX: M[k] = X; break;
		case BPF_ALU | BPF_AND | BPF_K: A &= k; break;
		case BPF_ALU | BPF_OR | BPF_K: A |= k; break;
		case BPF_ALU | BPF_AND | BPF_X: A &= X; break;
		case BPF_MISC | BPF_TAX: X = A; break;
		case BPF_MISC | BPF_TXA: A = X; break;
		case BPF_JMP | BPF_JA: pc += k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += A == k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGT | BPF_K: pc += A > k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += A >= k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JSET | BPF_K: pc += (A & k) ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JEQ | BPF_X: pc += A == X ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGT | BPF_X: pc += A > X ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGE | BPF_X: pc += A >= X ? i->jt : i->jf; break;
		case BPF_RET | BPF_K: return k;
		case BPF_RET | BPF_A: return A;
		default: fail_msg("unknown BPF instruction 0x%x at %u", i->code, pc);
		}
	}
	fail_msg("the filter runs off its end");
	return 0;
}

static uint32_t verdict(const struct rt_seccomp *f, uint32_t arch, int nr, uint64_t a0)
{
	/* libseccomp's x32 token is its own: the kernel says x86-64 and sets
	 * bit 30 of the number (which libseccomp's x32 numbers carry). */
	struct seccomp_data d = { .nr = nr, .arch = arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch, .args = { a0 } };
	return run_bpf(f, &d);
}

/* libseccomp's architecture tokens are the kernel's AUDIT_ARCH values,
 * but for x32 (see verdict()). */
static const uint32_t x86_arches[] = { SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32 };

/* What the brief and Docker's profile require refused (without caps). */
static const char *const must_refuse[] = {
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "keyctl",
	"add_key", "request_key", "bpf", "perf_event_open", "reboot", "swapon", "swapoff", "syslog",
	"acct", "mount", "umount", "umount2", "pivot_root", "setns", "fsopen", "fsmount", "open_tree",
	"move_mount", "userfaultfd", "kcmp", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"open_by_handle_at", "lookup_dcookie", "quotactl", "nfsservctl", "uselib", "vm86", "vm86old",
	"get_kernel_syms", "create_module", "query_module", "_sysctl", "iopl", "ioperm",
	"settimeofday", "clock_settime", "stime", "adjtimex", "name_to_handle_at", "ustat", "sysfs",
};

static const char *const must_allow[] = {
	"read", "write", "openat", "close", "execve", "exit_group", "getpid", "mmap", "futex",
	"socket", "sendto", "wait4", "prctl", "capset", "setgroups", "setresuid", "setresgid",
	"chdir", "rt_sigaction", "close_range", "fchmodat2", "clone",
};

static void test_bpf_every_abi(void **state)
{
	(void)state;
	struct rt_seccomp f;
	nc_err err;

	assert_int_equal(rt_seccomp_default(rt_caps_default(), &f, &err), 0);
	assert_true(f.len > 0 && f.len <= BPF_MAXINSNS);
	if (seccomp_arch_native() != SCMP_ARCH_X86_64) {
		rt_seccomp_free(&f);
		nc_skip("the interpreter holds x86 filters only: this machine is not x86-64");
	}
	for (size_t a = 0; a < 3; a++) {
		uint32_t arch = x86_arches[a];
		for (size_t i = 0; i < sizeof(must_refuse) / sizeof(must_refuse[0]); i++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, must_refuse[i]);
			if (nr < 0)
				continue; /* umount, vm86, stime: i386 only */
			if (verdict(&f, arch, nr, 0) != RET_EPERM)
				fail_msg("%s on arch 0x%x (nr %d) is not refused", must_refuse[i], arch, nr);
		}
		for (size_t i = 0; i < sizeof(must_allow) / sizeof(must_allow[0]); i++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, must_allow[i]);
			if (nr < 0)
				continue;
			if (verdict(&f, arch, nr, 0) != SECCOMP_RET_ALLOW)
				fail_msg("%s on arch 0x%x (nr %d) is not allowed", must_allow[i], arch, nr);
		}
		int clone = seccomp_syscall_resolve_name_arch(arch, "clone");
		int clone3 = seccomp_syscall_resolve_name_arch(arch, "clone3");
		const unsigned long ns[] = NS_BITS;
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
			assert_int_equal(verdict(&f, arch, clone, ns[i] | CLONE_VM | SIGCHLD), RET_EPERM);
		assert_int_equal(verdict(&f, arch, clone, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
							  CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT_SETTID |
							  CLONE_CHILD_CLEARTID),
				 SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(&f, arch, clone3, 0), RET_ENOSYS);
	}
	/* Every native entry must resolve here, or the table has a typo. */
	for (size_t i = 0; i < sizeof(must_refuse) / sizeof(must_refuse[0]); i++) {
		bool anywhere = false;
		for (size_t a = 0; a < 3; a++)
			anywhere |= seccomp_syscall_resolve_name_arch(x86_arches[a], must_refuse[i]) >= 0;
		if (!anywhere)
			fail_msg("`%s` is no call of x86-64, i386 or x32", must_refuse[i]);
	}
	/* The x32 bit with an i386 number, a foreign architecture. */
	assert_int_equal(verdict(&f, AUDIT_ARCH_AARCH64, 0, 0), SECCOMP_RET_KILL_PROCESS);
	assert_int_equal(verdict(&f, AUDIT_ARCH_ARM, 0, 0), SECCOMP_RET_KILL_PROCESS);
	rt_seccomp_free(&f);
	assert_null(f.insns);
}

static void test_bpf_caps(void **state)
{
	(void)state;
	struct rt_seccomp all, none;
	nc_err err;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		nc_skip("the interpreter holds x86 filters only: this machine is not x86-64");
	assert_int_equal(rt_seccomp_default(UINT64_MAX, &all, &err), 0);
	assert_int_equal(rt_seccomp_default(0, &none, &err), 0);
	static const char *const gated[] = {
		"init_module", "reboot", "bpf", "perf_event_open", "syslog", "acct", "mount", "umount2",
		"setns", "fsopen", "open_tree", "kcmp", "iopl", "ioperm",
		"settimeofday", "clock_settime", "adjtimex", "open_by_handle_at", "chroot", "vhangup",
		"unshare", "clone3", "mbind", "sethostname",
	};
	static const char *const always[] = {
		"kexec_load", "keyctl", "add_key", "request_key", "pivot_root", "swapon", "userfaultfd",
		"uselib", "_sysctl", "move_pages", "io_uring_setup", "io_uring_enter", "io_uring_register",
	};
	for (size_t a = 0; a < 3; a++) {
		uint32_t arch = x86_arches[a];
		for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, gated[i]);
			if (nr < 0)
				continue; /* not on this ABI (x32 lacks a few) */
			if (verdict(&all, arch, nr, CLONE_NEWUSER) != SECCOMP_RET_ALLOW)
				fail_msg("%s on arch 0x%x refused with every capability", gated[i], arch);
			if ((verdict(&none, arch, nr, CLONE_NEWUSER) & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_ERRNO)
				fail_msg("%s on arch 0x%x allowed without capabilities", gated[i], arch);
		}
		for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, always[i]);
			if (nr < 0)
				continue;
			assert_int_equal(verdict(&all, arch, nr, 0), RET_EPERM);
		}
		int clone = seccomp_syscall_resolve_name_arch(arch, "clone");
		assert_int_equal(verdict(&all, arch, clone, CLONE_NEWUSER | CLONE_NEWNS), SECCOMP_RET_ALLOW);
		/* unshare without namespaces is harmless and stays allowed. */
		int unshare = seccomp_syscall_resolve_name_arch(arch, "unshare");
		assert_int_equal(verdict(&none, arch, unshare, CLONE_FS | CLONE_FILES), SECCOMP_RET_ALLOW);
		assert_int_equal(verdict(&none, arch, unshare, 0x80 /* CLONE_NEWTIME */), RET_EPERM);
	}
	rt_seccomp_free(&all);
	rt_seccomp_free(&none);
}

static bool personality_ok(uint64_t v)
{
	return v == 0 || v == 8 || v == 0x20000 || v == 0x20008 || v == 0xffffffff;
}

/* Docker's personality rule, exactly: five values and nothing else. */
static void test_bpf_personality(void **state)
{
	(void)state;
	struct rt_seccomp f;
	nc_err err;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		nc_skip("the interpreter holds x86 filters only: this machine is not x86-64");
	assert_int_equal(rt_seccomp_default(rt_caps_default(), &f, &err), 0);
	for (size_t a = 0; a < 3; a++) {
		uint32_t arch = x86_arches[a];
		int nr = seccomp_syscall_resolve_name_arch(arch, "personality");
		uint64_t lim = arch == SCMP_ARCH_X86_64 ? UINT64_MAX : UINT32_MAX;
		uint64_t vals[] = { 0, 8, 0x20000, 0x20008, 0xffffffff, 1, 7, 9, 0x1ffff, 0x20001, 0x20007,
				    0x20009, 0xfffffffe, 0x7fffffff, 0x80000000, 0x40000, 0x400000, 0x100000,
				    0x0000000c, 0x00030008, 0x100000000, 0x1ffffffff, 0xffffffff00000000, UINT64_MAX };
		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			if (vals[i] > lim)
				continue;
			uint32_t want = personality_ok(vals[i]) ? SECCOMP_RET_ALLOW : RET_EPERM;
			if (verdict(&f, arch, nr, vals[i]) != want)
				fail_msg("personality(0x%llx) on arch 0x%x", (unsigned long long)vals[i], arch);
		}
		/* Every value with at most three bits set or clear, then
		 * pseudo-random ones. */
		for (int b = 0; b < 32; b++)
			for (int c = b; c < 32; c++)
				for (int d = c; d < 32; d++) {
					uint64_t v = (UINT64_C(1) << b) | (UINT64_C(1) << c) | (UINT64_C(1) << d);
					uint64_t w = ~v & 0xffffffff;
					assert_int_equal(verdict(&f, arch, nr, v),
							 personality_ok(v) ? SECCOMP_RET_ALLOW : RET_EPERM);
					assert_int_equal(verdict(&f, arch, nr, w),
							 personality_ok(w) ? SECCOMP_RET_ALLOW : RET_EPERM);
				}
		uint64_t x = 0x9e3779b97f4a7c15;
		for (int i = 0; i < 20000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			uint64_t v = (i & 1) ? (x & 0x2ffff) : (x & 0xffffffff);
			assert_int_equal(verdict(&f, arch, nr, v), personality_ok(v) ? SECCOMP_RET_ALLOW : RET_EPERM);
		}
	}
	rt_seccomp_free(&f);
}

static void test_no_filter(void **state)
{
	(void)state;
	struct rt_seccomp none = { 0 };
	nc_err err;

	/* The zeroed struct is "unconfined": loading it does nothing. */
	assert_int_equal(rt_seccomp_load(&none, &err), 0);
	assert_int_equal(rt_seccomp_load(NULL, &err), 0);
	rt_seccomp_free(&none);
	rt_seccomp_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_filter),
		cmocka_unit_test(test_bpf_every_abi),
		cmocka_unit_test(test_bpf_caps),
		cmocka_unit_test(test_bpf_personality),
		cmocka_unit_test(test_kernel_refuses),
		cmocka_unit_test(test_kernel_allows),
		cmocka_unit_test(test_kernel_with_sys_admin),
		cmocka_unit_test(test_kernel_with_other_caps),
		cmocka_unit_test(test_kernel_i386),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
