/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compose's `ulimits:`: Docker's names, the parent-side checks, and
 * setrlimit in a forked child (lowering a limit needs no privilege; the
 * child reports what it saw through its exit status).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/ulimits.h"

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

static const struct {
	const char *name;
	int resource;
} docker[] = {
	{ "core", RLIMIT_CORE },	   { "cpu", RLIMIT_CPU },
	{ "data", RLIMIT_DATA },	   { "fsize", RLIMIT_FSIZE },
	{ "locks", RLIMIT_LOCKS },	   { "memlock", RLIMIT_MEMLOCK },
	{ "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
	{ "nofile", RLIMIT_NOFILE },	   { "nproc", RLIMIT_NPROC },
	{ "rss", RLIMIT_RSS },		   { "rtprio", RLIMIT_RTPRIO },
	{ "rttime", RLIMIT_RTTIME },	   { "sigpending", RLIMIT_SIGPENDING },
	{ "stack", RLIMIT_STACK },	   { "as", RLIMIT_AS },
};

static void test_names(void **state)
{
	(void)state;

	for (size_t i = 0; i < NC_ELEMENTSOF(docker); i++) {
		assert_int_equal(rt_ulimit_from_name(docker[i].name), docker[i].resource);
		assert_string_equal(rt_ulimit_name(docker[i].resource), docker[i].name);
	}
	/* every resource the kernel has, each under one name */
	for (int r = 0; r < RLIM_NLIMITS; r++) {
		const char *name = rt_ulimit_name(r);
		assert_non_null(name);
		assert_int_equal(rt_ulimit_from_name(name), r);
	}
	assert_int_equal(NC_ELEMENTSOF(docker), RLIM_NLIMITS);

	/* exact spelling only */
	const char *unknown[] = { "", "NOFILE", "Nofile", "nofile ", " nofile", "nofil", "nofiles",
				  "RLIMIT_NOFILE", "openfiles", "vmem", "a" };
	for (size_t i = 0; i < NC_ELEMENTSOF(unknown); i++)
		assert_int_equal(rt_ulimit_from_name(unknown[i]), -1);
	assert_int_equal(rt_ulimit_from_name(NULL), -1);
	assert_null(rt_ulimit_name(-1));
	assert_null(rt_ulimit_name(RLIM_NLIMITS));
	assert_null(rt_ulimit_name(1000));
}

static void make_ok(const char *name, int64_t soft, int64_t hard, uint64_t want_soft, uint64_t want_hard)
{
	nc_err err;
	struct rt_ulimit u;

	if (rt_ulimit_make(name, soft, hard, &u, &err) < 0)
		fail_msg("%s %lld:%lld: %s", name, (long long)soft, (long long)hard, err.msg);
	assert_int_equal(u.resource, rt_ulimit_from_name(name));
	assert_true(u.soft == want_soft);
	assert_true(u.hard == want_hard);
}

static void make_fails(const char *name, int64_t soft, int64_t hard, const char *msg)
{
	nc_err err = { 0 };
	struct rt_ulimit u;

	assert_int_equal(rt_ulimit_make(name, soft, hard, &u, &err), -EINVAL);
	assert_int_equal(err.errnum, EINVAL);
	if (strcmp(err.msg, msg))
		fail_msg("%s %lld:%lld: message `%s`, want `%s`", name ? name : "(null)", (long long)soft,
			 (long long)hard, err.msg, msg);
}

static void test_make(void **state)
{
	(void)state;
	const uint64_t inf = RT_ULIMIT_UNLIMITED;

	make_ok("nofile", 1024, 2048, 1024, 2048);
	make_ok("nofile", 0, 0, 0, 0);
	make_ok("nproc", 65535, 65535, 65535, 65535);
	make_ok("core", -1, -1, inf, inf);
	make_ok("memlock", 100, -1, 100, inf);
	make_ok("as", INT64_MAX, INT64_MAX, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX);
	make_ok("stack", 8388608, INT64_MAX, 8388608, (uint64_t)INT64_MAX);

	/* -1 is the largest value, so it cannot be a soft limit under a
	 * finite hard one */
	make_fails("nofile", -1, 100, "ulimit `nofile`: soft limit unlimited is above the hard limit 100");
	make_fails("nproc", 10, 5, "ulimit `nproc`: soft limit 10 is above the hard limit 5");
	make_fails("as", INT64_MAX, INT64_MAX - 1,
		   "ulimit `as`: soft limit 9223372036854775807 is above the hard limit 9223372036854775806");
	make_fails("core", -2, 5, "ulimit `core`: -2 is not a limit (-1 is unlimited)");
	make_fails("core", 5, -2, "ulimit `core`: -2 is not a limit (-1 is unlimited)");
	make_fails("fsize", INT64_MIN, -1,
		   "ulimit `fsize`: -9223372036854775808 is not a limit (-1 is unlimited)");
	make_fails("bogus", 1, 1, "unknown ulimit `bogus`");
	make_fails("NOFILE", 1, 1, "unknown ulimit `NOFILE`");
	make_fails("", 1, 1, "unknown ulimit ``");
	make_fails(NULL, 1, 1, "unknown ulimit ``");
	/* the name is checked before the values */
	make_fails("bogus", -5, -9, "unknown ulimit `bogus`");
}

static void check_fails(const struct rt_ulimit *u, size_t n, const char *msg)
{
	nc_err err = { 0 };

	assert_int_equal(rt_ulimits_check(u, n, &err), -EINVAL);
	assert_int_equal(err.errnum, EINVAL);
	if (strcmp(err.msg, msg))
		fail_msg("message `%s`, want `%s`", err.msg, msg);
}

static void test_check(void **state)
{
	(void)state;
	nc_err err;
	const uint64_t inf = RT_ULIMIT_UNLIMITED;

	assert_int_equal(rt_ulimits_check(NULL, 0, &err), 0);

	struct rt_ulimit all[NC_ELEMENTSOF(docker)];
	for (size_t i = 0; i < NC_ELEMENTSOF(docker); i++)
		all[i] = (struct rt_ulimit){ docker[i].resource, i, i == 3 ? inf : i + 1 };
	assert_int_equal(rt_ulimits_check(all, NC_ELEMENTSOF(all), &err), 0);

	struct rt_ulimit u[] = {
		{ RLIMIT_NOFILE, 1024, 2048 },
		{ RLIMIT_CORE, 0, 0 },
		{ RLIMIT_NPROC, inf, inf },
		{ RLIMIT_NOFILE, 10, 10 },
	};
	assert_int_equal(rt_ulimits_check(u, 3, &err), 0);
	check_fails(u, 4, "ulimit `nofile` is given twice");
	/* a duplicate is one even with the same values */
	u[3] = (struct rt_ulimit){ RLIMIT_NPROC, inf, inf };
	check_fails(u, 4, "ulimit `nproc` is given twice");

	u[1].soft = 1;
	check_fails(u, 3, "ulimit `core`: soft limit 1 is above the hard limit 0");
	u[1] = (struct rt_ulimit){ RLIMIT_CORE, inf, 100 };
	check_fails(u, 3, "ulimit `core`: soft limit unlimited is above the hard limit 100");
	u[1] = (struct rt_ulimit){ 99, 0, 0 };
	check_fails(u, 3, "ulimit: unknown resource 99");
	u[1] = (struct rt_ulimit){ -1, 0, 0 };
	check_fails(u, 3, "ulimit: unknown resource -1");
}

/* ---- in a child ------------------------------------------------------------ */

/* What a child found wrong: its exit status. */
enum {
	CHILD_OK = 0,
	CHILD_APPLY_FAILED = 10,
	CHILD_GETRLIMIT_FAILED,
	CHILD_SOFT_WRONG,
	CHILD_HARD_WRONG,
	CHILD_NOT_ENFORCED,
	CHILD_SHOULD_FAIL,
	CHILD_WRONG_ERRNO,
	CHILD_WRONG_MESSAGE,
	CHILD_SETUP_FAILED,
};

static const char *child_says(int code)
{
	switch (code) {
	case CHILD_APPLY_FAILED: return "rt_ulimits_apply failed";
	case CHILD_GETRLIMIT_FAILED: return "getrlimit failed";
	case CHILD_SOFT_WRONG: return "the soft limit is not the one applied";
	case CHILD_HARD_WRONG: return "the hard limit is not the one applied";
	case CHILD_NOT_ENFORCED: return "the limit is not enforced";
	case CHILD_SHOULD_FAIL: return "rt_ulimits_apply succeeded where it should fail";
	case CHILD_WRONG_ERRNO: return "wrong errno";
	case CHILD_WRONG_MESSAGE: return "wrong error message";
	case CHILD_SETUP_FAILED: return "the test's own setup failed";
	default: return "?";
	}
}

typedef int (*child_fn)(void);

static void run_in_child(child_fn fn)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn());
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status))
		fail_msg("the child died of signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) != CHILD_OK)
		fail_msg("in the child: %s (%d)", child_says(WEXITSTATUS(status)), WEXITSTATUS(status));
}

static int limits_are(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit rl;

	if (getrlimit(resource, &rl) < 0)
		return CHILD_GETRLIMIT_FAILED;
	if (rl.rlim_cur != soft)
		return CHILD_SOFT_WRONG;
	if (rl.rlim_max != hard)
		return CHILD_HARD_WRONG;
	return CHILD_OK;
}

/* Both nofile limits lowered, and the soft one enforced. */
static int lower_nofile(void)
{
	nc_err err;
	struct rlimit cur;

	if (getrlimit(RLIMIT_NOFILE, &cur) < 0 || cur.rlim_max < 64)
		return CHILD_SETUP_FAILED;
	/* valgrind keeps RLIMIT_NOFILE to itself (it reserves the top
	 * descriptors) and refuses any hard limit but the one it reports,
	 * with EPERM (coregrind/m_syswrap, prlimit64): there only the soft
	 * limit can be lowered. */
	struct rt_ulimit u = { RLIMIT_NOFILE, 32, RUNNING_ON_VALGRIND ? cur.rlim_max : 64 };

	if (rt_ulimits_apply(&u, 1, &err) < 0)
		return CHILD_APPLY_FAILED;
	int r = limits_are(RLIMIT_NOFILE, 32, u.hard);
	if (r != CHILD_OK)
		return r;
	/* no descriptor 32: F_DUPFD fails with EINVAL (valgrind: EMFILE) */
	_cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return CHILD_SETUP_FAILED;
	int fd31 = fcntl(fd, F_DUPFD_CLOEXEC, 31);
	if (fd31 != 31)
		return CHILD_NOT_ENFORCED;
	close(fd31);
	if (fcntl(fd, F_DUPFD_CLOEXEC, 32) >= 0 || (errno != EINVAL && errno != EMFILE))
		return CHILD_NOT_ENFORCED;
	return CHILD_OK;
}

static void test_apply_lowers_nofile(void **state)
{
	(void)state;
	run_in_child(lower_nofile);
}

/* Several at once, in order, with unlimited where the hard limit already
 * is unlimited (no privilege needed to keep it). */
static int lower_several(void)
{
	nc_err err;
	struct rlimit fsize;

	if (getrlimit(RLIMIT_FSIZE, &fsize) < 0)
		return CHILD_SETUP_FAILED;
	const struct rt_ulimit u[] = {
		{ RLIMIT_CORE, 0, 0 },
		{ RLIMIT_MSGQUEUE, 4096, 8192 },
		{ RLIMIT_FSIZE, fsize.rlim_max == RLIM_INFINITY ? RT_ULIMIT_UNLIMITED : fsize.rlim_max,
		  fsize.rlim_max == RLIM_INFINITY ? RT_ULIMIT_UNLIMITED : fsize.rlim_max },
		{ RLIMIT_MSGQUEUE, 1024, 2048 }, /* the later one wins */
	};
	if (rt_ulimits_apply(u, NC_ELEMENTSOF(u), &err) < 0)
		return CHILD_APPLY_FAILED;
	int r = limits_are(RLIMIT_CORE, 0, 0);
	if (r == CHILD_OK)
		r = limits_are(RLIMIT_MSGQUEUE, 1024, 2048);
	if (r == CHILD_OK)
		r = limits_are(RLIMIT_FSIZE, fsize.rlim_max, fsize.rlim_max);
	return r;
}

static void test_apply_several(void **state)
{
	(void)state;
	run_in_child(lower_several);
}

/* The kernel's refusal, with the limit named; the ones before it stay. */
static int refused(void)
{
	nc_err err = { 0 };
	char want[128];

	/* soft above hard: EINVAL */
	const struct rt_ulimit inverted[] = {
		{ RLIMIT_CORE, 0, 0 },
		{ RLIMIT_MSGQUEUE, RT_ULIMIT_UNLIMITED, 100 },
	};
	if (rt_ulimits_apply(inverted, 2, &err) >= 0)
		return CHILD_SHOULD_FAIL;
	if (err.errnum != EINVAL)
		return CHILD_WRONG_ERRNO;
	if (strncmp(err.msg, "set ulimit `msgqueue` to unlimited:100: ", 40))
		return CHILD_WRONG_MESSAGE;
	int r = limits_are(RLIMIT_CORE, 0, 0);
	if (r != CHILD_OK)
		return r;

	/* nofile above fs.nr_open: EPERM, even with CAP_SYS_RESOURCE */
	unsigned long nr_open = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");
	if (!f)
		return CHILD_SETUP_FAILED;
	int n = fscanf(f, "%lu", &nr_open);
	fclose(f);
	if (n != 1)
		return CHILD_SETUP_FAILED;
	const struct rt_ulimit big = { RLIMIT_NOFILE, nr_open + 1, nr_open + 1 };
	if (rt_ulimits_apply(&big, 1, &err) >= 0)
		return CHILD_SHOULD_FAIL;
	if (err.errnum != EPERM)
		return CHILD_WRONG_ERRNO;
	snprintf(want, sizeof(want), "set ulimit `nofile` to %lu:%lu: ", nr_open + 1, nr_open + 1);
	if (strncmp(err.msg, want, strlen(want)))
		return CHILD_WRONG_MESSAGE;
	return CHILD_OK;
}

static void test_apply_refused(void **state)
{
	(void)state;
	run_in_child(refused);
}

static void test_apply_nothing(void **state)
{
	(void)state;
	nc_err err;
	assert_int_equal(rt_ulimits_apply(NULL, 0, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_make),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_apply_lowers_nofile),
		cmocka_unit_test(test_apply_several),
		cmocka_unit_test(test_apply_refused),
		cmocka_unit_test(test_apply_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
