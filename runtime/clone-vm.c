/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/clone-vm.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime/syscalls.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define STACK_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define STACK_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* The child's deepest path is the root filesystem's setup: a few PATH_MAX
 * buffers per frame. Untouched pages cost nothing. */
#define STACK_SIZE (512u * 1024u)
#define POOL_SIZE 8

static struct {
	pthread_mutex_t lock;
	struct rt_child_stack free[POOL_SIZE];
	size_t n;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

int rt_child_stack_get(struct rt_child_stack *s, nc_err *err)
{
	pthread_mutex_lock(&pool.lock);
	bool reused = pool.n > 0;
	if (reused)
		*s = pool.free[--pool.n];
	pthread_mutex_unlock(&pool.lock);
	if (reused)
		return 0;
	long page = sysconf(_SC_PAGESIZE);
	size_t size = STACK_SIZE + (size_t)page;
	void *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE,
		       -1, 0);
	if (m == MAP_FAILED)
		return nc_err_errno(err, errno, "map a stack for the container's init");
	/* Overflowing the stack faults instead of writing below it. */
	if (mprotect(m, (size_t)page, PROT_NONE) < 0) {
		int e = errno;
		munmap(m, size);
		return nc_err_errno(err, e, "protect the guard page of the init's stack");
	}
	*s = (struct rt_child_stack){ m, size };
	return 0;
}

void rt_child_stack_put(struct rt_child_stack *s)
{
	if (!s->map)
		return;
	/* The child left its frames poisoned in the sanitizer's shadow of
	 * this memory; the next child starts from a clean stack. */
	long page = sysconf(_SC_PAGESIZE);
	STACK_UNPOISON((char *)s->map + page, s->size - (size_t)page);
	pthread_mutex_lock(&pool.lock);
	bool kept = pool.n < POOL_SIZE;
	if (kept)
		pool.free[pool.n++] = *s;
	pthread_mutex_unlock(&pool.lock);
	if (!kept)
		munmap(s->map, s->size);
	*s = (struct rt_child_stack){ 0 };
}

#if defined(__x86_64__)
/* clone3 with a stack: the child starts after the syscall instruction with
 * its stack pointer at the top of the new stack, so no C code may run in it
 * before it calls fn (the C library's clone() does the same for clone). The
 * top is page-aligned, so the call leaves fn the ABI's alignment. */
static long clone3_call(struct rt_clone_args *args, int (*fn)(void *), void *arg)
{
	register long rax __asm__("rax") = __NR_clone3;
	register struct rt_clone_args *rdi __asm__("rdi") = args;
	register long rsi __asm__("rsi") = (long)sizeof(*args);
	register int (*r12)(void *) __asm__("r12") = fn;
	register void *r13 __asm__("r13") = arg;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 /* The child: no frame above this one. */
			 "xor %%ebp, %%ebp\n\t"
			 "mov %%r13, %%rdi\n\t"
			 "call *%%r12\n\t"
			 "mov %%eax, %%edi\n\t"
			 "mov %[nr_exit], %%eax\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:\n"
			 : "+r"(rax)
			 : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13), [nr_exit] "i"(__NR_exit)
			 : "rcx", "r11", "memory", "cc");
	return rax;
}
#endif

/* What the child starts with. Under AddressSanitizer the child tells it
 * that this thread (its record is our memory) now runs on another stack,
 * as a fiber switch; else it takes the stack for an overflow of ours and
 * warns of false positives. The parent switches back once it runs again. */
struct vm_start {
	int (*fn)(void *);
	void *arg;
	void *fake_stack;
	const void *from_bottom;
	size_t from_size;
};

static int vm_entry(void *a)
{
	struct vm_start *s = a;
#if defined(__SANITIZE_ADDRESS__)
	/* A new fiber: no fake stack of its own to restore. */
	__sanitizer_finish_switch_fiber(NULL, &s->from_bottom, &s->from_size);
#endif
	return s->fn(s->arg);
}

static void switch_to(struct vm_start *s, const void *low, size_t size)
{
#if defined(__SANITIZE_ADDRESS__)
	__sanitizer_start_switch_fiber(&s->fake_stack, low, size);
#else
	(void)s, (void)low, (void)size;
#endif
}

static void switch_back(struct vm_start *s)
{
#if defined(__SANITIZE_ADDRESS__)
	/* The child never ran: finish the switch it would have made, to
	 * learn where we came from. */
	if (!s->from_bottom)
		__sanitizer_finish_switch_fiber(NULL, &s->from_bottom, &s->from_size);
	/* Back: the child's fake stack (if any) goes, ours comes back. */
	__sanitizer_start_switch_fiber(NULL, s->from_bottom, s->from_size);
	__sanitizer_finish_switch_fiber(s->fake_stack, NULL, NULL);
#else
	(void)s;
#endif
}

static pid_t clone_on(uint64_t flags, int cgroup_fd, bool *in_cgroup, char *low, size_t size, struct vm_start *s);

pid_t rt_clone_vm(uint64_t flags, int cgroup_fd, bool *in_cgroup, const struct rt_child_stack *stack,
		  int (*fn)(void *), void *arg)
{
	long page = sysconf(_SC_PAGESIZE);
	char *low = (char *)stack->map + page;
	size_t size = stack->size - (size_t)page;
	struct vm_start s = { fn, arg, NULL, NULL, 0 };

	switch_to(&s, low, size);
	pid_t pid = clone_on(flags, cgroup_fd, in_cgroup, low, size, &s);
	int e = errno;
	switch_back(&s);
	errno = e;
	return pid;
}

static pid_t clone_on(uint64_t flags, int cgroup_fd, bool *in_cgroup, char *low, size_t size, struct vm_start *s)
{
	flags |= CLONE_VM | CLONE_VFORK;
#if defined(__x86_64__)
	if (cgroup_fd >= 0) {
		/* Before the child runs: it reads this (our memory). */
		*in_cgroup = true;
		struct rt_clone_args args = {
			.flags = flags | RT_CLONE_INTO_CGROUP,
			.exit_signal = SIGCHLD,
			.stack = (uint64_t)(uintptr_t)low,
			.stack_size = size,
			.cgroup = (uint64_t)cgroup_fd,
		};
		long pid = clone3_call(&args, vm_entry, s);
		if (pid > 0)
			return (pid_t)pid;
		errno = (int)-pid;
		/* As rt_raw_clone: any failure falls back to a plain clone;
		 * the caller joins the cgroup itself. */
	}
#else
	(void)cgroup_fd;
#endif
	*in_cgroup = false;
	return clone(vm_entry, low + size, (int)flags | SIGCHLD, s);
}
