/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rt_exec_relay against a plain child on pipes, as rt_exec_start leaves
 * them: no privilege, no container. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/runtime.h"
#include "runtime/syscalls.h"

/* `sh -c script` with its stdin, stdout and stderr on pipes whose other
 * ends are in *proc. */
static void start(const char *script, struct rt_exec_proc *proc)
{
	int p[3][2];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pipe2(p[i], O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(p[0][0], 0);
		dup2(p[1][1], 1);
		dup2(p[2][1], 2);
		execl("/bin/sh", "sh", "-c", script, (char *)NULL);
		_exit(127);
	}
	close(p[0][0]);
	close(p[1][1]);
	close(p[2][1]);
	*proc = (struct rt_exec_proc){ .pid = pid, .pidfd = rt_pidfd_open(pid), .in_fd = p[0][1],
				       .out_fd = p[1][0], .err_fd = p[2][0] };
}

static int memfd_with(const char *data, size_t n)
{
	int fd = memfd_create("relay", MFD_CLOEXEC);
	assert_true(fd >= 0);
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, data + off, n - off);
		assert_true(w > 0);
		off += (size_t)w;
	}
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static char *contents(int fd)
{
	static char buf[4096];
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static int finish(struct rt_exec_proc *proc)
{
	nc_err err;
	int status = -1;
	assert_int_equal(rt_exec_wait(proc, &status, &err), 0);
	return status;
}

/* A megabyte in, counted; its EOF is what ends `wc`. */
static void test_stdin_to_eof(void **state)
{
	(void)state;
	struct rt_exec_proc proc;
	nc_err err;
	size_t n = 1 << 20;
	char *data = calloc(n, 1);
	assert_non_null(data);
	int in = memfd_with(data, n), out = memfd_with("", 0);
	free(data);

	start("wc -c", &proc);
	assert_int_equal(rt_exec_relay(&proc, in, out, -1, false, &err), 0);
	assert_int_equal(finish(&proc), 0);
	assert_string_equal(contents(out), "1048576\n");
	close(in);
	close(out);
}

/* No input at all; output dropped where asked, kept apart otherwise. */
static void test_no_input_dropped_output(void **state)
{
	(void)state;
	struct rt_exec_proc proc;
	nc_err err;
	int errf = memfd_with("", 0);

	start("cat; head -c 1000000 /dev/zero; echo done >&2; exit 3", &proc);
	assert_int_equal(rt_exec_relay(&proc, -1, -1, errf, false, &err), 0);
	assert_int_equal(finish(&proc), 3);
	assert_string_equal(contents(errf), "done\n");
	close(errf);
}

/* The caller's stdout is a pipe nobody reads: the command gets SIGPIPE,
 * as in a shell pipeline, and the caller does not. */
static void test_closed_output(void **state)
{
	(void)state;
	struct rt_exec_proc proc;
	nc_err err;
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	close(p[0]);

	start("while :; do echo y; done", &proc);
	assert_int_equal(rt_exec_relay(&proc, -1, p[1], -1, false, &err), 0);
	assert_int_equal(finish(&proc), 128 + SIGPIPE);
	sigset_t pending;
	sigpending(&pending);
	assert_false(sigismember(&pending, SIGPIPE));
	close(p[1]);
}

/* With forwarding, a signal to the caller reaches the command. */
static void test_forward(void **state)
{
	(void)state;
	struct rt_exec_proc proc;
	nc_err err;
	int out = memfd_with("", 0);

	/* The command says when its trap is set; the signal, sent to us by
	 * another process, waits blocked until the relay takes it. */
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	start("trap 'echo got; exit 5' USR1; echo ready >&2; while :; do sleep 0.1; done", &proc);
	char line[16];
	ssize_t n = read(proc.err_fd, line, sizeof(line));
	assert_true(n > 0);
	pid_t me = getpid();
	pid_t k = fork();
	if (k == 0) {
		kill(me, SIGUSR1);
		_exit(0);
	}
	assert_int_equal(rt_exec_relay(&proc, -1, out, -1, true, &err), 0);
	waitpid(k, NULL, 0);
	assert_int_equal(finish(&proc), 5);
	assert_string_equal(contents(out), "got\n");
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdin_to_eof),
		cmocka_unit_test(test_no_input_dropped_output),
		cmocka_unit_test(test_closed_output),
		cmocka_unit_test(test_forward),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
