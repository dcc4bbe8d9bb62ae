/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rt_cgroup_stats against the fake trees of tests/data/cgroup (v1 with
 * cpu,cpuacct co-mounted, hybrid with them apart, v2): the same numbers
 * in every mode, unknown fields for missing files, and the pure parsers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test-rt-cgroup-tree.h"

static int teardown(void **state)
{
	(void)state;
	tree_remove();
	return 0;
}

#define R1 "ncompose/lab/r1"

static void stats_of(struct rt_cgroups *cg, struct rt_cgroup_stats *st)
{
	nc_err err;
	if (rt_cgroup_stats(cg, R1, st, &err) < 0)
		fail_msg("%s", err.msg);
}

/* The numbers every tree holds, whatever the files are called. */
static void assert_tree_numbers(const struct rt_cgroup_stats *st)
{
	assert_int_equal(st->cpu_usage_ns, UINT64_C(2500000000));
	assert_int_equal(st->cpu_nr_periods, 120);
	assert_int_equal(st->cpu_nr_throttled, 31);
	assert_int_equal(st->cpu_throttled_ns, UINT64_C(1523000000));
	assert_int_equal(st->memory_current, 52428800);
	assert_int_equal(st->memory_limit, RT_STAT_UNLIMITED);
	assert_int_equal(st->memory_peak, 60817408);
	assert_int_equal(st->memory_cache, 8388608);
	assert_int_equal(st->memory_anon, 41943040);
	assert_int_equal(st->pids_current, 3);
	assert_int_equal(st->pids_max, RT_STAT_UNLIMITED);
	assert_int_equal(st->io_read_bytes, 1048576 + 4096);
	assert_int_equal(st->io_write_bytes, 2097152 + 8192);
}

static void test_v1(void **state)
{
	(void)state;
	struct rt_cgroup_stats st;
	nc_err err;
	tree_copy("tree-v1");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_LEGACY);
	stats_of(cg, &st);
	assert_tree_numbers(&st);
	assert_int_equal(st.oom_kills, 1);

	/* limits read back as set */
	struct rt_limits lim = RT_LIMITS_INIT;
	lim.memory_max = 64 << 20;
	lim.pids_max = 100;
	assert_int_equal(rt_cgroup_create(cg, R1, &lim, &err), 0);
	stats_of(cg, &st);
	assert_int_equal(st.memory_limit, 64 << 20);
	assert_int_equal(st.pids_max, 100);
	rt_cgroups_close(cg);
}

static void test_hybrid(void **state)
{
	(void)state;
	struct rt_cgroup_stats st;
	tree_copy("tree-hybrid");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_HYBRID);
	stats_of(cg, &st);
	assert_tree_numbers(&st); /* cpuacct.usage wins over unified cpu.stat */
	assert_int_equal(st.oom_kills, 1);
	/* without cpuacct the unified tree's base cpu.stat still counts */
	drop("cpuacct/" R1 "/cpuacct.usage");
	stats_of(cg, &st);
	assert_int_equal(st.cpu_usage_ns, UINT64_C(2600000000));
	rt_cgroups_close(cg);
}

static void test_v2(void **state)
{
	(void)state;
	struct rt_cgroup_stats st;
	nc_err err;
	tree_copy("tree-v2");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_UNIFIED);
	stats_of(cg, &st);
	assert_tree_numbers(&st); /* microseconds turned into ns */
	assert_int_equal(st.oom_kills, 2);

	put(R1 "/memory.max", "1073741824\n");
	put(R1 "/pids.max", "64\n");
	stats_of(cg, &st);
	assert_int_equal(st.memory_limit, 1073741824);
	assert_int_equal(st.pids_max, 64);
	/* an empty io.stat: nothing done yet, not unknown */
	put(R1 "/io.stat", "");
	stats_of(cg, &st);
	assert_int_equal(st.io_read_bytes, 0);
	assert_int_equal(st.io_write_bytes, 0);
	(void)err;
	rt_cgroups_close(cg);
}

static void assert_unknown_but_usage(const struct rt_cgroup_stats *st)
{
	assert_int_equal(st->cpu_nr_periods, RT_STAT_UNKNOWN);
	assert_int_equal(st->cpu_nr_throttled, RT_STAT_UNKNOWN);
	assert_int_equal(st->cpu_throttled_ns, RT_STAT_UNKNOWN);
	assert_int_equal(st->memory_peak, RT_STAT_UNKNOWN);
	assert_int_equal(st->oom_kills, RT_STAT_UNKNOWN);
	assert_int_equal(st->pids_current, RT_STAT_UNKNOWN);
	assert_int_equal(st->pids_max, RT_STAT_LIMIT_UNKNOWN);
	assert_int_equal(st->io_read_bytes, RT_STAT_UNKNOWN);
	assert_int_equal(st->io_write_bytes, RT_STAT_UNKNOWN);
	/* the rest is still there */
	assert_int_equal(st->memory_current, 52428800);
	assert_int_equal(st->memory_anon, 41943040);
}

/* Missing files (an old kernel, a controller not enabled) are unknown
 * fields, never errors. */
static void test_missing_files(void **state)
{
	(void)state;
	struct rt_cgroup_stats st;
	tree_copy("tree-v2");
	drop(R1 "/memory.peak");  /* before 5.19 */
	drop(R1 "/io.stat");      /* io not enabled */
	drop(R1 "/pids.current"); /* pids not enabled */
	drop(R1 "/pids.max");
	/* without the cpu controller only the base stats are there */
	put(R1 "/cpu.stat", "usage_usec 10\nuser_usec 6\nsystem_usec 4\n");
	put(R1 "/memory.events", "low 0\nhigh 0\nmax 0\noom 0\n"); /* before 4.13 */
	struct rt_cgroups *cg = tree_open(RT_CGROUP_UNIFIED);
	stats_of(cg, &st);
	assert_unknown_but_usage(&st);
	assert_int_equal(st.cpu_usage_ns, 10000);
	rt_cgroups_close(cg);
	tree_remove();

	tree_copy("tree-v1");
	drop("memory/" R1 "/memory.max_usage_in_bytes");
	drop("cpu,cpuacct/" R1 "/cpu.stat");
	drop("pids/" R1 "/pids.current");
	drop("pids/" R1 "/pids.max");
	drop("blkio/" R1 "/blkio.throttle.io_service_bytes_recursive");
	put("memory/" R1 "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
	cg = tree_open(RT_CGROUP_LEGACY);
	stats_of(cg, &st);
	assert_unknown_but_usage(&st);
	assert_int_equal(st.cpu_usage_ns, UINT64_C(2500000000));
	drop("cpu,cpuacct/" R1 "/cpuacct.usage");
	stats_of(cg, &st);
	assert_int_equal(st.cpu_usage_ns, RT_STAT_UNKNOWN);
	rt_cgroups_close(cg);
	tree_remove();

	/* no blkio hierarchy at all, and a controller (cpuset) mounted
	 * after the cgroup was made: its directory is missing */
	tree_copy("tree-v1");
	nc_err err;
	char p[512];
	snprintf(p, sizeof(p), "%s/blkio", root);
	assert_int_equal(nc_rm_rf(p, &err), 0);
	snprintf(p, sizeof(p), "%s/cpuset/ncompose", root);
	assert_int_equal(nc_rm_rf(p, &err), 0);
	static const char *pc = "cpuset 6 1 1\ncpu 2 1 1\ncpuacct 2 1 1\nmemory 9 1 1\npids 11 1 1\nfreezer 10 1 1\n";
	static const char *sc = "11:pids:/\n10:freezer:/\n9:memory:/\n6:cpuset:/\n2:cpu,cpuacct:/\n";
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_LEGACY, pc, sc, &cg, &err), 0);
	stats_of(cg, &st);
	assert_int_equal(st.io_read_bytes, RT_STAT_UNKNOWN);
	assert_int_equal(st.memory_current, 52428800);
	assert_int_equal(st.cpu_usage_ns, UINT64_C(2500000000));
	rt_cgroups_close(cg);
}

/* A missing cgroup is an error; so is a file that is there but garbled. */
static void test_errors(void **state)
{
	(void)state;
	struct rt_cgroup_stats st;
	nc_err err;
	tree_copy("tree-v1");
	struct rt_cgroups *cg = tree_open(RT_CGROUP_LEGACY);
	assert_int_equal(rt_cgroup_stats(cg, "ncompose/lab/nope", &st, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/memory/ncompose/lab/nope`: No such file or directory"));
	assert_int_equal(rt_cgroup_stats(cg, "../x", &st, &err), -EINVAL);

	put("memory/" R1 "/memory.usage_in_bytes", "lots\n");
	assert_int_equal(rt_cgroup_stats(cg, R1, &st, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "/memory/ncompose/lab/r1/memory.usage_in_bytes`: not a number: `lots`"));
	put("memory/" R1 "/memory.usage_in_bytes", "1\n");
	put("cpu,cpuacct/" R1 "/cpu.stat", "nr_periods x\n");
	assert_int_equal(rt_cgroup_stats(cg, R1, &st, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "/cpu.stat`: bad `nr_periods` line"));
	put("cpu,cpuacct/" R1 "/cpu.stat", "nr_periods 1\n");
	put("blkio/" R1 "/blkio.throttle.io_service_bytes_recursive", "8:0 Read\n");
	assert_int_equal(rt_cgroup_stats(cg, R1, &st, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "blkio.throttle.io_service_bytes_recursive`: cannot parse"));
	rt_cgroups_close(cg);
}

static void test_parse_limit(void **state)
{
	(void)state;
	int64_t v;
	uint64_t u;
	assert_int_equal(rt_cg_parse_limit("max\n", &v), 0);
	assert_int_equal(v, RT_STAT_UNLIMITED);
	assert_int_equal(rt_cg_parse_limit("67108864\n", &v), 0);
	assert_int_equal(v, 67108864);
	assert_int_equal(rt_cg_parse_limit("0", &v), 0);
	assert_int_equal(v, 0);
	/* v1's "unlimited" with 4 KiB and 64 KiB pages, and res_counter's */
	assert_int_equal(rt_cg_parse_limit("9223372036854771712\n", &v), 0);
	assert_int_equal(v, RT_STAT_UNLIMITED);
	assert_int_equal(rt_cg_parse_limit("9223372036854710272\n", &v), 0);
	assert_int_equal(v, RT_STAT_UNLIMITED);
	assert_int_equal(rt_cg_parse_limit("18446744073709551615\n", &v), 0);
	assert_int_equal(v, RT_STAT_UNLIMITED);
	/* a real limit of a few TiB stays a number */
	assert_int_equal(rt_cg_parse_limit("4398046511104", &v), 0);
	assert_int_equal(v, INT64_C(4398046511104));
	assert_int_equal(rt_cg_parse_limit("maximum", &v), -EINVAL);
	assert_int_equal(rt_cg_parse_limit("-1", &v), -EINVAL);
	assert_int_equal(rt_cg_parse_limit("", &v), -EINVAL);
	assert_int_equal(rt_cg_parse_u64(" 42\n", &u), 0);
	assert_int_equal(u, 42);
	assert_int_equal(rt_cg_parse_u64("42 43", &u), -EINVAL);
	assert_int_equal(rt_cg_parse_u64("99999999999999999999", &u), -EINVAL);
}

static void test_parse_io(void **state)
{
	(void)state;
	uint64_t r = 1, w = 1;
	assert_int_equal(rt_cg_parse_blkio_v1("Total 0\n", &r, &w), 0);
	assert_int_equal(r, 0);
	assert_int_equal(w, 0);
	assert_int_equal(rt_cg_parse_blkio_v1("8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\n8:0 Async 0\n8:0 Discard 5\n"
					      "8:0 Total 30\n253:1 Read 1\n253:1 Write 2\nTotal 33\n",
					      &r, &w),
			 0);
	assert_int_equal(r, 11);
	assert_int_equal(w, 22);
	assert_int_equal(rt_cg_parse_blkio_v1("Read 10\n", &r, &w), -EINVAL);
	assert_int_equal(rt_cg_parse_blkio_v1("8:0 Read x\n", &r, &w), -EINVAL);

	assert_int_equal(rt_cg_parse_io_v2("", &r, &w), 0);
	assert_int_equal(r, 0);
	assert_int_equal(rt_cg_parse_io_v2("8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0 cost.vrate=1.5\n"
					   "259:0 rbytes=1 wbytes=2\n",
					   &r, &w),
			 0);
	assert_int_equal(r, 101);
	assert_int_equal(w, 202);
	assert_int_equal(rt_cg_parse_io_v2("rbytes=1\n", &r, &w), -EINVAL);
	assert_int_equal(rt_cg_parse_io_v2("8:0 rbytes\n", &r, &w), -EINVAL);
	assert_int_equal(rt_cg_parse_io_v2("8:0 rbytes=x\n", &r, &w), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_v1, teardown),
		cmocka_unit_test_teardown(test_hybrid, teardown),
		cmocka_unit_test_teardown(test_v2, teardown),
		cmocka_unit_test_teardown(test_missing_files, teardown),
		cmocka_unit_test_teardown(test_errors, teardown),
		cmocka_unit_test(test_parse_limit),
		cmocka_unit_test(test_parse_io),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
