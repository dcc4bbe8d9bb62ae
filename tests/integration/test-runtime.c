/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runtime for real: containers on the host's root, inside
 * tests/lib/sandbox (root, private net/mount/PID namespaces and /run).
 * What a container sees is checked from inside, by a `sh -c` workload
 * writing to its log or by rt_exec exit codes.
 *
 *   tests/lib/sandbox build-runtime/tests/integration/itest-runtime
 *   NC_ITEST_FILTER='*memory*' ... runs a subset (cmocka pattern)
 *
 * cgroups are real and not isolated by the sandbox: every test works
 * below ncompose-itest-<pid>/ and the last test checks it is gone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/cgroup-internal.h"
#include "runtime/child-util.h"
#include "runtime/clone-vm.h"
#include "runtime/logfmt.h"
#include "runtime/mnt-template.h"
#include "runtime/rootfs.h"
#include "runtime/runtime.h"
#include "tests/lib/skip.h"

#define NETNS "nc-rt-itest"
#define STATE "/run/nc-rt-itest"

static struct rt_cgroups *cg;
static char base[64];       /* ncompose-itest-<pid> */
static char marker[128];    /* a file in the host's /tmp */

struct ctr {
	char name[32];
	char cgroup[128];
	char root[128];
	char log[128];
	pid_t pid;
};

static const char *const env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				    "HOME=/", NULL };

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sh(const char *cmd)
{
	int r = system(cmd);
	if (r != 0)
		fail_msg("`%s` failed (%d)", cmd, r);
}

static void ctr_init(struct ctr *c, const char *name, const struct rt_limits *lim)
{
	nc_err err;
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->cgroup, sizeof(c->cgroup), "%s/%s", base, name);
	snprintf(c->root, sizeof(c->root), STATE "/%s/root", name);
	snprintf(c->log, sizeof(c->log), STATE "/%s/log", name);
	if (nc_mkdir_p(c->root, 0755, &err) < 0)
		fail_msg("%s", err.msg);
	if (rt_cgroup_create(cg, c->cgroup, lim, &err) < 0)
		fail_msg("%s", err.msg);
}

static void spec_of(struct ctr *c, struct rt_container_spec *s, const char *const *argv)
{
	static const struct rt_bind_file files[] = {
		{ STATE "/hosts", "/etc/hosts" },
		{ STATE "/hostname", "/etc/hostname" },
	};
	/* what compose masks on the host's root (and a missing one) */
	static const char *const masked[] = {
		"/root", "/home", "/etc/shadow", "/etc/gshadow", "/var/lib/ncompose", "/nonexistent/nc-rt",
	};
	size_t n = sizeof(masked) / sizeof(masked[0]);

	memset(s, 0, sizeof(*s));
	s->name = c->name;
	s->netns_path = "/run/netns/" NETNS;
	s->root_dir = c->root;
	s->hostname = c->name;
	s->argv = argv;
	s->env = env;
	s->caps = rt_caps_default();
	s->no_new_privs = true;
	s->files = files;
	s->n_files = 2;
	s->masked = masked;
	s->n_masked = n;
	s->log_path = c->log;
	s->cgroups = cg;
	s->cgroup = c->cgroup;
}

static void ctr_start(struct ctr *c, const char *const *argv)
{
	struct rt_container_spec s;
	nc_err err;
	spec_of(c, &s, argv);
	if (rt_container_start(&s, &c->pid, &err) < 0)
		fail_msg("start %s: %s", c->name, err.msg);
}

static void ctr_start_sh(struct ctr *c, const char *script)
{
	const char *argv[] = { "sh", "-c", script, NULL };
	ctr_start(c, argv);
}

/* The init's exit status as a shell reports it. */
static int ctr_wait(struct ctr *c)
{
	int st;
	assert_int_equal(waitpid(c->pid, &st, 0), c->pid);
	c->pid = 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* What the workload wrote: the text of each log record (logfmt.h). */
static char *ctr_log(struct ctr *c)
{
	_cleanup_free_ char *s = NULL;
	nc_err err;
	if (nc_read_file(c->log, &s, NULL, &err) < 0)
		return strdup("");
	char *out = malloc(strlen(s) + 1), *w = out;
	assert_non_null(out);
	for (char *line = s, *nl; *line; line = nl + 1) {
		nl = strchrnul(line, '\n');
		struct rt_log_entry e;
		rt_log_parse(line, (size_t)(nl - line), &e);
		memcpy(w, e.text, e.text_len);
		w += e.text_len;
		*w++ = '\n';
		if (!*nl)
			break;
	}
	*w = '\0';
	return out;
}

static bool wait_log(struct ctr *c, const char *what, int timeout_ms)
{
	for (int64_t end = now_ms() + timeout_ms; now_ms() < end;) {
		_cleanup_free_ char *log = ctr_log(c);
		if (strstr(log, what))
			return true;
		struct timespec ts = { 0, 10 * 1000000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

static size_t ctr_npids(struct ctr *c)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	nc_err err;
	if (rt_cgroup_pids(cg, c->cgroup, &pids, &n, &err) < 0)
		fail_msg("%s", err.msg);
	return n;
}

/* Kills what is left, reaps the init, removes cgroup and directories. */
static void ctr_done(struct ctr *c)
{
	nc_err err;
	if (rt_container_stop(cg, c->cgroup, c->pid, SIGKILL, 0, &err) < 0)
		fail_msg("stop %s: %s", c->name, err.msg);
	if (c->pid > 0)
		waitpid(c->pid, NULL, 0);
	c->pid = 0;
	if (rt_cgroup_remove(cg, c->cgroup, base, &err) < 0)
		fail_msg("%s", err.msg);
	char dir[160];
	snprintf(dir, sizeof(dir), STATE "/%s", c->name);
	if (nc_rm_rf(dir, &err) < 0)
		fail_msg("%s", err.msg);
}

#define assert_has(hay, needle)                                                      \
	do {                                                                         \
		if (!strstr((hay), (needle)))                                        \
			fail_msg("`%s` not found in:\n%s", (needle), (hay));        \
	} while (0)

/* ---- tests -------------------------------------------------------------- */

static void test_inside_view(void **state)
{
	(void)state;
	struct ctr c;
	char script[2048], inside[128];
	snprintf(inside, sizeof(inside), "/tmp/nc-rt-inside-%d", (int)getpid());
	ctr_init(&c, "view", NULL);
	snprintf(script, sizeof(script),
		 "echo pid=$$; echo init=$(cat /proc/1/comm); echo host=$(hostname);"
		 "echo hosts=$(cat /etc/hosts);"
		 "if touch /etc/nc-rt-probe 2>/dev/null; then echo etc=rw; else echo etc=ro; fi;"
		 "if touch /usr/nc-rt-probe 2>/dev/null; then echo usr=rw; else echo usr=ro; fi;"
		 "touch %s && echo tmp=rw;"
		 "if [ -e %s ]; then echo marker=visible; else echo marker=hidden; fi;"
		 "echo root=$(ls -A /root | wc -l); echo shadow=$(wc -c < /etc/shadow);"
		 "if touch /root/x 2>/dev/null; then echo rootdir=rw; else echo rootdir=ro; fi;"
		 "echo ifaces=$(ls /sys/class/net | tr '\\n' ' ');"
		 "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status;"
		 "echo init$(grep CapEff /proc/1/status);"
		 "echo kcore=$(cat /proc/kcore 2>/dev/null | wc -c) timer_list=$(wc -c < /proc/timer_list);"
		 "if echo 1 > /proc/sys/net/ipv4/ip_forward; then echo procsys=rw; else echo procsys=ro; fi;"
		 "echo run=$(ls -A /run | wc -l); echo devs=$(ls /dev | tr '\\n' ' ');"
		 "echo pids=$(ls /proc | grep '^[0-9]' | sort -n | head -2);"
		 "echo cgroup=$(cut -d: -f3 /proc/self/cgroup | sort -u | tr '\\n' ' ')",
		 inside, marker);
	ctr_start_sh(&c, script);
	assert_int_equal(ctr_wait(&c), 0);
	_cleanup_free_ char *log = ctr_log(&c);
	assert_has(log, "pid=2\n");
	assert_has(log, "init=ncompose-init\n");
	assert_has(log, "host=view\n");
	assert_has(log, "hosts=127.0.0.1 localhost 10.0.0.2 view\n");
	assert_has(log, "etc=ro\n");
	assert_has(log, "usr=ro\n");
	assert_has(log, "tmp=rw\n");
	assert_has(log, "marker=hidden\n");
	assert_has(log, "root=0\n");
	assert_has(log, "shadow=0\n");
	assert_has(log, "rootdir=ro\n");
	assert_has(log, "ifaces=eth0 lo\n");
	assert_has(log, "CapEff:\t00000000a80425fb\n");
	assert_has(log, "CapBnd:\t00000000a80425fb\n");
	assert_has(log, "NoNewPrivs:\t1\n");
	assert_has(log, "initCapEff: 00000000a80425fb\n"); /* the init holds no more */
	assert_has(log, "kcore=0 timer_list=0\n"); /* masked (kcore may not exist) */
	assert_has(log, "procsys=ro\n");
	assert_has(log, "run=0\n");
	assert_has(log, "devs=fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero\n");
	assert_has(log, "pids=1 2\n"); /* the init and the shell */
	assert_has(log, "cgroup=/\n"); /* the cgroup namespace is rooted at ours */
	/* the container's /tmp is not the host's */
	struct stat st;
	assert_int_equal(stat(inside, &st), -1);
	ctr_done(&c);
}

static void test_memory_oom(void **state)
{
	(void)state;
	struct ctr c;
	nc_err err;
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.memory_max = 32 << 20;
	lim.memory_swap_max = 32 << 20; /* no swap: the hog must be killed */
	ctr_init(&c, "oom", &lim);
	ctr_start_sh(&c, "dd if=/dev/zero of=/dev/null bs=128M count=1 2>/dev/null; echo dd=$?;"
			 "dd if=/dev/zero of=/dev/null bs=4M count=1 2>/dev/null; echo small=$?");
	int code = ctr_wait(&c);
	_cleanup_free_ char *log = ctr_log(&c);
	assert_has(log, "dd=137\n"); /* SIGKILLed by the OOM killer ... */
	assert_has(log, "small=0\n"); /* ... inside its cgroup: the shell lives on */
	assert_int_equal(code, 0);
	uint64_t ooms = 0;
	assert_int_equal(rt_cgroup_oom_kills(cg, c.cgroup, &ooms, &err), 0);
	assert_true(ooms >= 1);
	print_message("# memory: oom_kill=%llu in `%s` (%s)\n", (unsigned long long)ooms, c.cgroup,
		      rt_cgroups_mode(cg) == RT_CGROUP_UNIFIED ? "v2" : "v1");
	ctr_done(&c);
}

/* One fork bomb, contained by pids_max, then killed through `killer`. */
static void bomb_round(struct ctr *c, struct rt_cgroups *killer, const char *how, int64_t max)
{
	nc_err err;
	/* Every shell forks copies of itself forever. bash retries a failed
	 * fork (dash would exit and let the bomb die out), so the cgroup stays
	 * full. The workload itself only waits (builtins, no fork), so it
	 * lives until the kill. */
	const char *argv[] = { "bash", "-c",
			       "exec 2>/dev/null; b() { while :; do b & done; }; b & while :; do wait; done", NULL };
	ctr_start(c, argv);
	size_t peak = 0;
	for (int64_t end = now_ms() + 10000; now_ms() < end && peak < (size_t)max - 2;) {
		size_t n = ctr_npids(c);
		if (n > peak)
			peak = n;
	}
	for (int i = 0; i < 50; i++) {
		size_t n = ctr_npids(c);
		if (n > peak)
			peak = n;
	}
	/* cgroup.procs misses the tasks being forked or reaped at that
	 * instant; the kernel's count (pids.current) is what max caps. */
	if (peak > (size_t)max || peak < (size_t)max * 3 / 4)
		fail_msg("peak of %zu processes with pids_max %lld", peak, (long long)max);
	int64_t t0 = now_ms();
	if (rt_cgroup_kill(killer, c->cgroup, &err) < 0)
		fail_msg("kill: %s", err.msg);
	print_message("# fork bomb: %zu processes (pids_max %lld), killed in %lld ms (%s)\n", peak,
		      (long long)max, (long long)(now_ms() - t0), how);
	assert_int_equal(ctr_npids(c), 0);
	assert_int_equal(ctr_wait(c), 137);
}

static void test_fork_bomb(void **state)
{
	(void)state;
	struct ctr c;
	nc_err err;
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.pids_max = 24;
	ctr_init(&c, "bomb", &lim);
	bomb_round(&c, cg, rt_cgroups_mode(cg) == RT_CGROUP_LEGACY ? "v1 freezer" : "cgroup.kill", lim.pids_max);
	if (rt_cgroups_mode(cg) == RT_CGROUP_HYBRID) {
		/* Again through a legacy view of the same tree: the v1 freezer
		 * path, as on hosts without a unified hierarchy. */
		struct rt_cgroups *legacy = NULL;
		if (rt_cgroups_open_mode("/sys/fs/cgroup", RT_CGROUP_LEGACY, NULL, NULL, &legacy, &err) < 0)
			fail_msg("%s", err.msg);
		bomb_round(&c, legacy, "v1 freezer", lim.pids_max);
		rt_cgroups_close(legacy);
	}
	ctr_done(&c);
}

static void test_exec(void **state)
{
	(void)state;
	struct ctr c;
	nc_err err;
	int status = -1;
	ctr_init(&c, "exec", NULL);
	ctr_start(&c, NULL); /* no workload: the init idles */
	struct rt_exec_spec x = {
		.init_pid = c.pid, .cgroups = cg, .cgroup = c.cgroup, .env = env,
		.caps = rt_caps_default(), .no_new_privs = true,
	};
	const char *check[] = {
		"sh", "-c",
		"test \"$(cat /proc/1/comm)\" = ncompose-init || exit 10;"
		"test \"$(hostname)\" = exec || exit 11;"
		"test \"$(cut -d: -f3 /proc/self/cgroup | sort -u)\" = / || exit 12;"
		"grep -q '^CapEff:.00000000a80425fb' /proc/self/status || exit 13;"
		"grep -q '^NoNewPrivs:.1' /proc/self/status || exit 14;"
		"test \"$(ls /sys/class/net | tr '\\n' ' ')\" = 'eth0 lo ' || exit 15;"
		"test \"$(pwd)\" = /tmp || exit 16;"
		"exit 42",
		NULL,
	};
	x.argv = check;
	x.cwd = "/tmp";
	if (rt_exec(&x, &status, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(status, 42);

	x.cwd = NULL;
	const char *killed[] = { "sh", "-c", "kill -9 $$", NULL };
	x.argv = killed;
	assert_int_equal(rt_exec(&x, &status, &err), 0);
	assert_int_equal(status, 137);

	const char *missing[] = { "/nonexistent/cmd", NULL };
	x.argv = missing;
	assert_int_equal(rt_exec(&x, &status, &err), -ENOENT);
	assert_string_equal(err.msg, "exec `/nonexistent/cmd`: No such file or directory");
	const char *nopath[] = { "nc-no-such-command", NULL };
	x.argv = nopath;
	assert_int_equal(rt_exec(&x, &status, &err), -ENOENT);
	assert_string_equal(err.msg, "exec `nc-no-such-command`: No such file or directory");
	const char *noexec[] = { "/etc/hostname", NULL };
	x.argv = noexec;
	assert_int_equal(rt_exec(&x, &status, &err), -EACCES);

	/* SIGTERM to an idle init: it exits 0 */
	if (rt_container_stop(cg, c.cgroup, c.pid, SIGTERM, 5000, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(ctr_wait(&c), 0);
	assert_int_equal(ctr_npids(&c), 0);

	/* exec into a container that is gone */
	x.argv = check;
	assert_true(rt_exec(&x, &status, &err) < 0);
	ctr_done(&c);
}

static void test_stop_forwards_sigterm(void **state)
{
	(void)state;
	struct ctr c;
	nc_err err;
	ctr_init(&c, "stop", NULL);
	ctr_start_sh(&c, "trap 'echo got-term; exit 7' TERM; sleep 1000 & echo ready; wait");
	assert_true(wait_log(&c, "ready", 5000));
	assert_true(ctr_npids(&c) == 3); /* init, sh, sleep */
	int64_t t0 = now_ms();
	if (rt_container_stop(cg, c.cgroup, c.pid, SIGTERM, 5000, &err) < 0)
		fail_msg("%s", err.msg);
	int64_t took = now_ms() - t0;
	assert_true(took < 4000); /* ended by the signal, not by the grace period */
	assert_int_equal(ctr_wait(&c), 7);
	_cleanup_free_ char *log = ctr_log(&c);
	assert_has(log, "got-term\n");
	assert_int_equal(ctr_npids(&c), 0); /* the background sleep went with the init */
	print_message("# stop with SIGTERM: %lld ms\n", (long long)took);

	/* a workload that ignores SIGTERM is killed after the grace period */
	unlink(c.log);
	ctr_start_sh(&c, "trap '' TERM; echo ready; while :; do sleep 1; done");
	assert_true(wait_log(&c, "ready", 5000));
	t0 = now_ms();
	if (rt_container_stop(cg, c.cgroup, c.pid, SIGTERM, 300, &err) < 0)
		fail_msg("%s", err.msg);
	took = now_ms() - t0;
	assert_true(took >= 300);
	assert_int_equal(ctr_wait(&c), 137);
	assert_int_equal(ctr_npids(&c), 0);

	/* A stale init pid, now some other process: left alone. */
	pid_t stranger = fork();
	if (stranger == 0) {
		pause();
		_exit(0);
	}
	assert_int_equal(rt_container_stop(cg, c.cgroup, stranger, SIGTERM, 100, &err), 0);
	struct rt_exec_spec x = { .init_pid = stranger, .cgroups = cg, .cgroup = c.cgroup };
	const char *argv[] = { "true", NULL };
	x.argv = argv;
	int status;
	assert_int_equal(rt_exec(&x, &status, &err), -ESRCH);
	assert_int_equal(waitpid(stranger, NULL, WNOHANG), 0); /* still alive */
	kill(stranger, SIGKILL);
	waitpid(stranger, NULL, 0);
	ctr_done(&c);
}

static void test_start_errors(void **state)
{
	(void)state;
	struct ctr c;
	struct rt_container_spec s;
	nc_err err;
	pid_t pid = 0;
	ctr_init(&c, "errors", NULL);

	const char *missing[] = { "/nonexistent/bin/x", NULL };
	spec_of(&c, &s, missing);
	assert_int_equal(rt_container_start(&s, &pid, &err), -ENOENT);
	assert_string_equal(err.msg, "exec `/nonexistent/bin/x`: No such file or directory");
	assert_int_equal(ctr_npids(&c), 0); /* the init was killed */

	const char *nopath[] = { "nc-no-such-command", NULL };
	spec_of(&c, &s, nopath);
	assert_int_equal(rt_container_start(&s, &pid, &err), -ENOENT);
	assert_string_equal(err.msg, "exec `nc-no-such-command`: No such file or directory");

	/* errors of the child's own steps come back as they are */
	const char *ok[] = { "true", NULL };
	spec_of(&c, &s, ok);
	s.hostname = "a-hostname-that-is-much-longer-than-the-sixty-four-bytes-the-kernel-allows";
	assert_int_equal(rt_container_start(&s, &pid, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "set hostname `a-hostname-that"));
	assert_non_null(strstr(err.msg, "Invalid argument"));

	spec_of(&c, &s, ok);
	const struct rt_bind_file bad[] = { { "/nonexistent/hosts", "/etc/hosts" } };
	s.files = bad;
	s.n_files = 1;
	assert_int_equal(rt_container_start(&s, &pid, &err), -ENOENT);
	char want[256];
	snprintf(want, sizeof(want), "bind `/nonexistent/hosts` on `%s/etc/hosts`: No such file or directory",
		 c.root);
	assert_string_equal(err.msg, want);

	spec_of(&c, &s, ok);
	s.cwd = "/nonexistent";
	assert_int_equal(rt_container_start(&s, &pid, &err), -ENOENT);
	assert_string_equal(err.msg, "working directory `/nonexistent`: No such file or directory");

	spec_of(&c, &s, ok);
	s.netns_path = "/run/netns/nc-rt-none";
	assert_int_equal(rt_container_start(&s, &pid, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "`/run/netns/nc-rt-none`"));
	ctr_done(&c);
}

/* /etc/resolv.conf as a symlink into /run, as systemd-resolved makes it:
 * the target is created in the container's private /run. */
static void test_file_through_symlink_into_run(void **state)
{
	(void)state;
	struct ctr c;
	struct rt_container_spec s;
	nc_err err;
	/* A private tmpfs on /mnt (sandbox mount namespace) stands for a
	 * host whose /etc/resolv.conf is such a link. */
	sh("mount -t tmpfs nc-rt-mnt /mnt && ln -s ../run/nc-rt-dns/resolv.conf /mnt/resolv.conf");
	sh("echo 'nameserver 192.0.2.53' > " STATE "/resolv.conf");
	ctr_init(&c, "dns", NULL);
	const char *argv[] = { "sh", "-c", "cat /mnt/resolv.conf; ls /run/nc-rt-dns", NULL };
	spec_of(&c, &s, argv);
	const struct rt_bind_file files[] = { { STATE "/resolv.conf", "/mnt/resolv.conf" } };
	s.files = files;
	s.n_files = 1;
	if (rt_container_start(&s, &c.pid, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(ctr_wait(&c), 0);
	_cleanup_free_ char *log = ctr_log(&c);
	assert_string_equal(log, "nameserver 192.0.2.53\nresolv.conf\n");
	/* the host side is untouched */
	struct stat st;
	assert_int_equal(lstat("/mnt/resolv.conf", &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat("/run/nc-rt-dns", &st), -1);
	sh("umount /mnt");
	ctr_done(&c);
}

/* The read-only pass used before Linux 5.12, in a throw-away mount ns. */
static void test_readonly_fallback(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		nc_err err;
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(10);
		mkdir(STATE "/ro", 0755);
		if (mount("tmpfs", STATE "/ro", "tmpfs", MS_NOSUID, NULL) < 0 || mkdir(STATE "/ro/sub dir", 0755) < 0 ||
		    mount("tmpfs", STATE "/ro/sub dir", "tmpfs", MS_NODEV, NULL) < 0)
			_exit(11);
		if (rt_readonly_tree_fallback(STATE "/ro", &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			_exit(12);
		}
		if (mkdir(STATE "/ro/x", 0755) == 0 || errno != EROFS)
			_exit(13);
		if (mkdir(STATE "/ro/sub dir/x", 0755) == 0 || errno != EROFS)
			_exit(14);
		/* the other flags survive the remount */
		struct statvfs v1, v2;
		if (statvfs(STATE "/ro", &v1) < 0 || statvfs(STATE "/ro/sub dir", &v2) < 0)
			_exit(15);
		if (!(v1.f_flag & ST_RDONLY) || !(v1.f_flag & ST_NOSUID) || !(v2.f_flag & ST_NODEV))
			_exit(16);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	rmdir(STATE "/ro");
}

/* On a unified host the child is born in its cgroup (clone3
 * CLONE_INTO_CGROUP, 5.7), with no window outside its limits. */
static void test_clone_into_cgroup(void **state)
{
	(void)state;
	struct ctr c;
	nc_err err;
	if (rt_cgroups_mode(cg) != RT_CGROUP_UNIFIED)
		nc_skip("CLONE_INTO_CGROUP needs a pure cgroup v2 host; this one is hybrid "
			"(tests/vm/cgroup2-tests runs it)");
	ctr_init(&c, "clone3", NULL);
	int fd = rt_cgroup_clone_fd(cg, c.cgroup, &err);
	assert_true(fd >= 0);
	bool in = false;
	pid_t pid = rt_raw_clone(0, fd, &in);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	close(fd);
	assert_true(pid > 0);
	assert_true(in);
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	assert_int_equal(rt_cgroup_pids(cg, c.cgroup, &pids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], pid);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ctr_done(&c);
}

/* A borrowed child (clone-vm.h) writes into our memory, and we run again
 * only once it has exited: what it wrote late is there when the call
 * returns. It reads its own cgroup into our memory too. */
struct borrowed {
	int wrote;
	char cgroup[256];
};

static int borrowed_child(void *arg)
{
	struct borrowed *b = arg;
	struct timespec t = { 0, 50 * 1000 * 1000 };
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, b->cgroup, sizeof(b->cgroup) - 1);
		b->cgroup[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	nanosleep(&t, NULL);
	b->wrote = 42;
	_exit(0);
}

static void test_clone_vm_borrows(void **state)
{
	(void)state;
	struct rt_child_stack stack = { 0 };
	struct borrowed b = { 0 };
	nc_err err;
	bool in = true;

	assert_int_equal(rt_child_stack_get(&stack, &err), 0);
	pid_t pid = rt_clone_vm(0, -1, &in, &stack, borrowed_child, &b);
	assert_true(pid > 0);
	assert_false(in);
	assert_int_equal(b.wrote, 42); /* no wait needed: the call waited */
	int st = -1;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	rt_child_stack_put(&stack);
}

/* On a unified host the borrowed child is born in its cgroup too (the
 * clone3 trampoline, x86-64). */
static void test_clone_vm_into_cgroup(void **state)
{
	(void)state;
	struct ctr c;
	struct rt_child_stack stack = { 0 };
	struct borrowed b = { 0 };
	nc_err err;
	if (rt_cgroups_mode(cg) != RT_CGROUP_UNIFIED)
		nc_skip("CLONE_INTO_CGROUP needs a pure cgroup v2 host; this one is hybrid "
			"(tests/vm/cgroup2-tests runs it)");
#if !defined(__x86_64__)
	nc_skip("the borrowed clone uses CLONE_INTO_CGROUP on x86-64 only");
#endif
	ctr_init(&c, "clone-vm", NULL);
	int fd = rt_cgroup_clone_fd(cg, c.cgroup, &err);
	assert_true(fd >= 0);
	assert_int_equal(rt_child_stack_get(&stack, &err), 0);
	bool in = false;
	pid_t pid = rt_clone_vm(0, fd, &in, &stack, borrowed_child, &b);
	close(fd);
	assert_true(pid > 0);
	assert_true(in);
	assert_int_equal(b.wrote, 42);
	waitpid(pid, NULL, 0);
	rt_child_stack_put(&stack);
	if (!strstr(b.cgroup, c.cgroup))
		fail_msg("the child was in `%s`, not in `%s`", b.cgroup, c.cgroup);
	ctr_done(&c);
}

/* ---- the mount namespace template (mnt-template.h) ---------------------- */

#define TMPL STATE "/tmpl"            /* a shared mount, as / and /run on a systemd host */
#define TMPL_PINS TMPL "/pins"        /* hidden: a mount holding a pinned file, as /run/netns */
#define TMPL_PIN TMPL_PINS "/pin"
#define TMPL_OTHER TMPL "/other"      /* not hidden */
#define TMPL_PRIV STATE "/tmpl-priv"  /* a private mount */

/* Whether `path` is a mount point in the mount namespace of `pid` (0: ours). */
static bool mounted_in(pid_t pid, const char *path)
{
	char mi[64], line[4096], field[4096];
	snprintf(mi, sizeof(mi), pid ? "/proc/%d/mountinfo" : "/proc/self/mountinfo", (int)pid);
	FILE *f = fopen(mi, "re");
	bool found = false;
	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %*s %*s %4095s", field) == 1 && !strcmp(field, path);
	fclose(f);
	return found;
}

static void tmpl_setup(void)
{
	sh("mkdir -p " TMPL " " TMPL_PRIV " && mount -t tmpfs nc-tmpl " TMPL " && mount --make-shared " TMPL
	   " && mkdir " TMPL_PINS " " TMPL_OTHER " && mount -t tmpfs nc-pins " TMPL_PINS " && touch " TMPL_PIN
	   " && mount --bind " TMPL_PIN " " TMPL_PIN " && mount -t tmpfs nc-other " TMPL_OTHER
	   " && touch " TMPL_OTHER "/marker && mount -t tmpfs nc-priv " TMPL_PRIV " && mount --make-private " TMPL_PRIV
	   " && mkdir " TMPL_PRIV "/sub");
}

static void tmpl_teardown(void)
{
	sh("umount -R " TMPL " && umount -R " TMPL_PRIV " && rmdir " TMPL " " TMPL_PRIV);
}

/* A child in the namespace `fd`: bit 0 set when the pin is mounted
 * there, bit 1 when the other mount is, bit 2 when something is mounted
 * on the private mount's sub. */
static int seen_from(int fd)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setns(fd, CLONE_NEWNS) < 0)
			_exit(100);
		_exit((mounted_in(0, TMPL_PIN) ? 1 : 0) | (mounted_in(0, TMPL_OTHER) ? 2 : 0) |
		      (mounted_in(0, TMPL_PRIV "/sub") ? 4 : 0));
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static ino_t ns_ino(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/*
 * The template lacks the hidden mounts and keeps the others, and making
 * it leaves ours alone, though they are shared. Control: a copy detached
 * without being made a slave first takes our pins with it. What ours
 * mounts later under a shared mount reaches the template (as it reached
 * each clone of ours); under a private one it does not.
 */
static void test_mnt_template_hides(void **state)
{
	(void)state;
	struct rt_mnt_template t;
	nc_err err;

	tmpl_setup();
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(unshare(CLONE_NEWNS) < 0 || umount2(TMPL_PINS, MNT_DETACH) < 0 ? 1 : 0);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_false(mounted_in(0, TMPL_PIN)); /* the control: gone from ours too */
	tmpl_teardown();

	tmpl_setup();
	if (rt_mnt_template_open(TMPL_PINS, &t, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(seen_from(t.fd), 2);
	assert_true(mounted_in(0, TMPL_PIN));
	assert_true(mounted_in(0, TMPL_OTHER));
	sh("umount " TMPL_OTHER " && mount -t tmpfs nc-priv-late " TMPL_PRIV "/sub");
	assert_int_equal(seen_from(t.fd), 0); /* the unmount reached it, the private mount not */
	rt_mnt_template_close(&t);
	assert_int_equal(t.fd, -1);
	sh("umount " TMPL_PRIV "/sub");
	tmpl_teardown();
}

/*
 * Containers of a batch start from the template, each in a copy of its
 * own: a mount made in ours after it, under a private mount, is not in
 * theirs. One that binds the hidden directory does not fit it and starts
 * from ours, pins and all.
 */
static void test_mnt_template_starts(void **state)
{
	(void)state;
	struct rt_mnt_template t;
	struct rt_container_spec s;
	struct ctr a[2], b;
	nc_err err;

	tmpl_setup();
	if (rt_mnt_template_open(TMPL_PINS, &t, &err) < 0)
		fail_msg("%s", err.msg);
	sh("mount -t tmpfs nc-priv-late " TMPL_PRIV "/sub && touch " TMPL_PRIV "/sub/late");
	char tmpl_ns[64];
	snprintf(tmpl_ns, sizeof(tmpl_ns), "/proc/self/fd/%d", t.fd);
	ino_t tmpl_ino = ns_ino(tmpl_ns), our_ino = ns_ino("/proc/self/ns/mnt");

	const struct rt_mount binds[] = {
		{ .type = RT_MOUNT_BIND, .source = TMPL_OTHER, .target = "/mnt/other" },
		{ .type = RT_MOUNT_BIND, .source = TMPL_PRIV, .target = "/mnt/priv" },
	};
	const char *argv_a[] = { "sh", "-c", "echo other=$(ls /mnt/other) sub=$(ls /mnt/priv/sub); exec sleep 60",
				 NULL };
	ino_t seen[2];
	for (int k = 0; k < 2; k++) {
		ctr_init(&a[k], k ? "tmpl-a2" : "tmpl-a1", NULL);
		spec_of(&a[k], &s, argv_a);
		s.mounts = binds;
		s.n_mounts = 2;
		s.mnt_template = &t;
		assert_true(rt_mnt_template_fits(&t, &s));
		if (rt_container_start(&s, &a[k].pid, &err) < 0)
			fail_msg("start %s: %s", a[k].name, err.msg);
		assert_true(wait_log(&a[k], "other=", 10000));
		_cleanup_free_ char *log = ctr_log(&a[k]);
		assert_has(log, "other=marker sub=\n"); /* not `late`: ours has it */
		char ns[64];
		snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)a[k].pid);
		seen[k] = ns_ino(ns);
		assert_true(seen[k] != tmpl_ino && seen[k] != our_ino);
	}
	assert_true(seen[0] != seen[1]);
	assert_int_equal(seen_from(t.fd), 2); /* the starts mounted nothing in it */
	for (int k = 0; k < 2; k++)
		ctr_done(&a[k]);

	const struct rt_mount pins = { .type = RT_MOUNT_BIND, .source = TMPL_PINS, .target = "/mnt/pins" };
	const char *argv_b[] = { "sh", "-c", "grep -c ' /mnt/pins/pin ' /proc/self/mountinfo", NULL };
	ctr_init(&b, "tmpl-b", NULL);
	spec_of(&b, &s, argv_b);
	s.mounts = &pins;
	s.n_mounts = 1;
	s.mnt_template = &t;
	assert_false(rt_mnt_template_fits(&t, &s));
	if (rt_container_start(&s, &b.pid, &err) < 0)
		fail_msg("start %s: %s", b.name, err.msg);
	assert_int_equal(ctr_wait(&b), 0);
	_cleanup_free_ char *log_b = ctr_log(&b);
	assert_has(log_b, "1\n");
	ctr_done(&b);

	rt_mnt_template_close(&t);
	sh("umount " TMPL_PRIV "/sub");
	tmpl_teardown();
}

/* ---- cgroup limits and stats (helper-cg) -------------------------------- */

/* The text of `file` in the cgroup of `c` where controller `ctrl` lives;
 * NULL when the file is missing. */
static char *cg_file(struct ctr *c, enum rt_cg_ctrl ctrl, const char *file)
{
	struct rt_cg_hier *h = rt_cg_ctrl_hier(cg, ctrl);
	char p[512];
	char *s = NULL;
	nc_err err;
	if (!h)
		fail_msg("no %s controller", rt_cg_ctrl_name(ctrl));
	snprintf(p, sizeof(p), "%s/%s/%s", h->dir, c->cgroup, file);
	if (nc_read_file(p, &s, NULL, &err) < 0)
		return NULL;
	return s;
}

static bool cg_v2(enum rt_cg_ctrl ctrl)
{
	struct rt_cg_hier *h = rt_cg_ctrl_hier(cg, ctrl);
	return h && h->ops == &rt_cgroup_v2_ops;
}

#define assert_cg_file(c, ctrl, file, want)                                          \
	do {                                                                         \
		_cleanup_free_ char *_s = cg_file((c), (ctrl), (file));              \
		if (!_s || strcmp(_s, (want)))                                       \
			fail_msg("`%s` is `%s`, not `%s`", (file), _s ? _s : "(missing)", (want)); \
	} while (0)

static struct rt_cgroup_stats ctr_stats(struct ctr *c)
{
	struct rt_cgroup_stats st;
	nc_err err;
	if (rt_cgroup_stats(cg, c->cgroup, &st, &err) < 0)
		fail_msg("stats: %s", err.msg);
	return st;
}

/* cpu_shares, cpuset, memory_low (and the blkio weight where the kernel
 * has a file for it) written to a real cgroup and read back. */
static void test_cgroup_limits_readback(void **state)
{
	(void)state;
	struct ctr c;
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.memory_max = 128 << 20;
	lim.memory_low = 16 << 20;
	lim.cpu_shares = 512;
	lim.cpuset_cpus = "0";
	lim.cpuset_mems = "0";
	bool weight = rt_cgroup_supports(cg, RT_LIMIT_BLKIO_WEIGHT);
	if (weight)
		lim.blkio_weight = 300;
	ctr_init(&c, "itest-cg-limits", &lim);

	if (cg_v2(RT_CG_CPU))
		assert_cg_file(&c, RT_CG_CPU, "cpu.weight", "20\n"); /* 512 shares */
	else
		assert_cg_file(&c, RT_CG_CPU, "cpu.shares", "512\n");
	assert_cg_file(&c, RT_CG_CPUSET, "cpuset.cpus", "0\n");
	assert_cg_file(&c, RT_CG_CPUSET, "cpuset.mems", "0\n");
	if (cg_v2(RT_CG_MEMORY))
		assert_cg_file(&c, RT_CG_MEMORY, "memory.low", "16777216\n");
	else
		assert_cg_file(&c, RT_CG_MEMORY, "memory.soft_limit_in_bytes", "16777216\n");
	const char *wfile = "none";
	if (weight) {
		static const char *const files[] = { "io.bfq.weight", "io.weight", "blkio.bfq.weight", "blkio.weight" };
		for (size_t i = 0; i < NC_ELEMENTSOF(files); i++) {
			_cleanup_free_ char *s = cg_file(&c, RT_CG_BLKIO, files[i]);
			if (!s)
				continue;
			assert_true(strstr(s, i == 1 ? "2930" : "300") != NULL);
			wfile = files[i];
			break;
		}
		assert_string_not_equal(wfile, "none");
	}

	/* the workload runs on CPU 0 only */
	ctr_start_sh(&c, "grep Cpus_allowed_list /proc/self/status");
	assert_int_equal(ctr_wait(&c), 0);
	_cleanup_free_ char *log = ctr_log(&c);
	assert_has(log, "Cpus_allowed_list:\t0\n");
	print_message("# limits read back (%s): shares, cpuset 0/0, memory low; blkio weight in `%s`\n",
		      cg_v2(RT_CG_CPU) ? "v2" : "v1", wfile);
	ctr_done(&c);
}

/* cpus: 0.5 with a busy loop: the kernel throttles it, and the stats say so. */
static void test_stats_cpu_throttled(void **state)
{
	(void)state;
	struct ctr c;
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.cpu_quota_us = 50000;
	lim.cpu_period_us = 100000;
	ctr_init(&c, "itest-cg-throttle", &lim);
	ctr_start_sh(&c, "while :; do :; done");
	struct rt_cgroup_stats st = { 0 };
	for (int64_t end = now_ms() + 20000; now_ms() < end;) {
		st = ctr_stats(&c);
		if (st.cpu_nr_throttled != RT_STAT_UNKNOWN && st.cpu_nr_throttled > 0 && st.cpu_throttled_ns > 0)
			break;
		struct timespec ts = { 0, 50 * 1000000 };
		nanosleep(&ts, NULL);
	}
	assert_true(st.cpu_nr_periods != RT_STAT_UNKNOWN && st.cpu_nr_periods > 0);
	assert_true(st.cpu_nr_throttled != RT_STAT_UNKNOWN && st.cpu_nr_throttled > 0);
	assert_true(st.cpu_throttled_ns != RT_STAT_UNKNOWN && st.cpu_throttled_ns > 0);
	assert_true(st.cpu_nr_throttled <= st.cpu_nr_periods);

	/* the rate over one second: about half a CPU, never a whole one */
	struct rt_cgroup_stats a = ctr_stats(&c);
	int64_t t0 = now_ms();
	struct timespec ts = { 1, 0 };
	nanosleep(&ts, NULL);
	struct rt_cgroup_stats b = ctr_stats(&c);
	double cpus = (double)(b.cpu_usage_ns - a.cpu_usage_ns) / 1e6 / (double)(now_ms() - t0);
	print_message("# cpus 0.5: %.2f CPU used; nr_periods %llu, nr_throttled %llu, throttled %.1f ms\n", cpus,
		      (unsigned long long)b.cpu_nr_periods, (unsigned long long)b.cpu_nr_throttled,
		      (double)b.cpu_throttled_ns / 1e6);
	assert_true(a.cpu_usage_ns != RT_STAT_UNKNOWN && b.cpu_usage_ns > a.cpu_usage_ns);
	assert_true(cpus < 0.7);
	ctr_done(&c);
}

/* A container that holds 48 MiB: memory current counts it. */
static void test_stats_memory(void **state)
{
	(void)state;
	struct ctr c;
	nc_err err;
	const int64_t held = 48 << 20;
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.memory_max = 256 << 20;
	lim.pids_max = 64;
	ctr_init(&c, "itest-cg-memory", &lim);
	ctr_start_sh(&c, "exec python3 -c 'import time; b = bytearray(b\"x\") * (48 << 20); "
			 "print(\"ready\", flush=True); time.sleep(1000)'");
	if (!wait_log(&c, "ready", 30000)) {
		_cleanup_free_ char *log = ctr_log(&c);
		fail_msg("no `ready` from the workload: %s", log);
	}
	struct rt_cgroup_stats st = ctr_stats(&c);
	print_message("# memory: current %llu, anon %llu, cache %llu, peak %llu, limit %lld; pids %llu/%lld; "
		      "cpu %.1f ms; io r %llu w %llu\n",
		      (unsigned long long)st.memory_current, (unsigned long long)st.memory_anon,
		      (unsigned long long)st.memory_cache, (unsigned long long)st.memory_peak,
		      (long long)st.memory_limit, (unsigned long long)st.pids_current, (long long)st.pids_max,
		      (double)st.cpu_usage_ns / 1e6, (unsigned long long)st.io_read_bytes,
		      (unsigned long long)st.io_write_bytes);
	assert_true(st.memory_current != RT_STAT_UNKNOWN && st.memory_current > (uint64_t)held);
	assert_true(st.memory_anon != RT_STAT_UNKNOWN && st.memory_anon >= (uint64_t)held);
	assert_true(st.memory_cache != RT_STAT_UNKNOWN);
	if (st.memory_peak != RT_STAT_UNKNOWN)
		assert_true(st.memory_peak >= st.memory_current);
	assert_int_equal(st.memory_limit, 256 << 20);
	assert_int_equal(st.oom_kills, 0);
	assert_true(st.pids_current != RT_STAT_UNKNOWN && st.pids_current >= 2); /* init, python */
	assert_int_equal(st.pids_max, 64);
	assert_true(st.cpu_usage_ns != RT_STAT_UNKNOWN && st.cpu_usage_ns > 0);
	assert_true(st.io_read_bytes != RT_STAT_UNKNOWN && st.io_write_bytes != RT_STAT_UNKNOWN);
	ctr_done(&c);

	/* gone: an error, not a row of unknowns */
	assert_int_equal(rt_cgroup_stats(cg, c.cgroup, &st, &err), -ENOENT);
}

static void test_cgroups_gone(void **state)
{
	(void)state;
	nc_err err;
	assert_int_equal(rt_cgroup_remove(cg, base, NULL, &err), 0);
	for (size_t i = 0; i < cg->n_hier; i++) {
		char p[512];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", cg->hier[i].dir, base);
		if (stat(p, &st) == 0)
			fail_msg("`%s` is still there", p);
	}
}

/* ---- fixture ------------------------------------------------------------ */

static int setup(void **state)
{
	(void)state;
	nc_err err;
	snprintf(base, sizeof(base), "ncompose-itest-%d", (int)getpid());
	if (rt_cgroups_open("/sys/fs/cgroup", NULL, NULL, &cg, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	print_message("# cgroup mode: %s\n", rt_cgroups_mode(cg) == RT_CGROUP_UNIFIED ? "unified"
					     : rt_cgroups_mode(cg) == RT_CGROUP_HYBRID ? "hybrid" : "legacy");
	sh("ip netns add " NETNS " && ip link add nc-rt-v0 type veth peer name eth0 netns " NETNS " && "
	   "ip -n " NETNS " link set eth0 up && ip -n " NETNS " link set lo up");
	sh("mkdir -p " STATE " && printf '127.0.0.1 localhost 10.0.0.2 view\\n' > " STATE "/hosts && "
	   "echo r1 > " STATE "/hostname");
	snprintf(marker, sizeof(marker), "/tmp/nc-rt-marker-%d", (int)getpid());
	int fd = open(marker, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nc_err err;
	unlink(marker);
	if (system("ip netns del " NETNS) != 0)
		fprintf(stderr, "could not delete netns " NETNS "\n");
	nc_rm_rf(STATE, &err);
	if (cg) {
		/* what a failed test left behind */
		_cleanup_strv_ char **left = NULL;
		if (rt_cgroup_children(cg, base, &left, &err) == 0) {
			for (char **n = left; *n; n++) {
				char path[256];
				snprintf(path, sizeof(path), "%s/%s", base, *n);
				if (rt_cgroup_kill(cg, path, &err) < 0 || rt_cgroup_remove(cg, path, base, &err) < 0)
					fprintf(stderr, "%s\n", err.msg);
			}
		}
		if (rt_cgroup_remove(cg, base, NULL, &err) < 0)
			fprintf(stderr, "%s\n", err.msg);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		rt_cgroups_close(cg);
	}
	return 0;
}

int main(void)
{
	if (geteuid() != 0 || !getenv("NC_IN_SANDBOX")) {
		const char *must = getenv("NCOMPOSE_TEST_MUST_WORK");
		printf("1..0 # SKIP needs root inside tests/lib/sandbox\n");
		return must && !strcmp(must, "1") ? 1 : 77;
	}
	const char *filter = getenv("NC_ITEST_FILTER");
	if (filter)
		cmocka_set_test_filter(filter);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside_view),
		cmocka_unit_test(test_memory_oom),
		cmocka_unit_test(test_fork_bomb),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_stop_forwards_sigterm),
		cmocka_unit_test(test_start_errors),
		cmocka_unit_test(test_file_through_symlink_into_run),
		cmocka_unit_test(test_readonly_fallback),
		cmocka_unit_test(test_clone_into_cgroup),
		cmocka_unit_test(test_clone_vm_borrows),
		cmocka_unit_test(test_clone_vm_into_cgroup),
		cmocka_unit_test(test_mnt_template_hides),
		cmocka_unit_test(test_mnt_template_starts),
		cmocka_unit_test(test_cgroup_limits_readback),
		cmocka_unit_test(test_stats_cpu_throttled),
		cmocka_unit_test(test_stats_memory),
		cmocka_unit_test(test_cgroups_gone),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
