/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/init-exe.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/caps.h"
#include "runtime/child-util.h"
#include "runtime/clone-vm.h"
#include "runtime/runtime.h"
#include "runtime/syscalls.h"

/* Generated from the ncompose-init executable (runtime/meson.build). */
extern const unsigned char rt_init_image[];
extern const size_t rt_init_image_size;

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: say so, or vm.memfd_noexec may refuse */
#endif

static int make(nc_err *err)
{
	_cleanup_close_ int fd = memfd_create("ncompose-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL) /* before 6.3 */
		fd = memfd_create("ncompose-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return nc_err_errno(err, errno, "create the memory file of the containers' init");
	int r = nc_write_all(fd, rt_init_image, rt_init_image_size);
	if (r < 0)
		return nc_err_errno(err, -r, "write the containers' init into its memory file");
	/* Execute-only for its owner (root): an exec by a process that lacks
	 * the capabilities to read it leaves that process non-dumpable from
	 * its first instruction (spawn.c drops them for the exec). */
	if (fchmod(fd, 0100) < 0)
		return nc_err_errno(err, errno, "chmod the containers' init");
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return nc_err_errno(err, errno, "seal the containers' init");
	/* The exec refuses a file open for writing (ETXTBSY): a read-only
	 * descriptor of it replaces ours. */
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	int ro = open(self, O_RDONLY | O_CLOEXEC);
	if (ro < 0)
		return nc_err_errno(err, errno, "reopen the containers' init read-only");
	return ro;
}

int rt_init_exe_exec(int fd, uint64_t permitted, char *const *argv, nc_err *err)
{
	static const uint64_t read_any = (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_DAC_READ_SEARCH);
	char *const envp[] = { NULL };

	if (rt_caps_set_split(permitted, permitted & ~read_any, err) < 0)
		return nc_err_ret(err);
	for (int tries = 0;; tries++) {
		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		if (errno != ETXTBSY || tries == 1000)
			break;
		struct timespec ms = { 0, 1000000 };
		nanosleep(&ms, NULL);
	}
	return rt_cerr(err, errno, "exec the container's init");
}

struct probe {
	int fd;
	uint64_t caps;
};

static int probe_main(void *arg)
{
	const struct probe *pr = arg;
	char *argv[] = { "ncompose-init", "--probe", NULL };
	nc_err err;

	rt_init_exe_exec(pr->fd, pr->caps, argv, &err);
	_exit(127);
}

/* Runs the program once as spawn.c will: it must start from memory
 * (an LSM or fapolicyd may refuse that) and be non-dumpable right away
 * (not so with fs.suid_dumpable = 1). */
static int probe(int fd, nc_err *err)
{
	struct rt_child_stack stack = { 0 };
	struct probe pr = { fd, rt_caps_held() };
	bool in_cgroup;
	int st = 0;

	if (rt_child_stack_get(&stack, err) < 0)
		return nc_err_ret(err);
	pid_t pid = rt_clone_vm(0, -1, &in_cgroup, &stack, probe_main, &pr);
	int e = errno;
	rt_child_stack_put(&stack);
	if (pid < 0)
		return nc_err_errno(err, e, "start the containers' init for a check");
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return nc_err_errno(err, errno, "wait for the containers' init check");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return nc_err_msg(err, EPERM, "the containers' init cannot run from memory here, or not non-dumpable (status %d)",
				  rt_status_code(st));
	return 0;
}

static struct {
	pthread_mutex_t lock;
	bool done;
	int fd;
	nc_err err;
} exe = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

int rt_init_exe_fd(nc_err *err)
{
	pthread_mutex_lock(&exe.lock);
	if (!exe.done) {
		exe.done = true;
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			exe.fd = nc_err_errno(&exe.err, errno, "make ncompose non-dumpable");
		else
			exe.fd = make(&exe.err);
		if (exe.fd >= 0 && probe(exe.fd, &exe.err) < 0) {
			close(exe.fd);
			exe.fd = nc_err_ret(&exe.err);
		}
	}
	int fd = exe.fd;
	if (fd < 0)
		*err = exe.err;
	pthread_mutex_unlock(&exe.lock);
	return fd;
}
