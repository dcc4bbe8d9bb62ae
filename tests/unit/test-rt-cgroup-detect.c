/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup layout detection from text: v1, co-mounted v1, hybrid, unified. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/magic.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/cgroup-internal.h"

static char *data(const char *rel)
{
	char path[1024];
	char *text = NULL;
	nc_err err;
	snprintf(path, sizeof(path), "%s/cgroup/%s", NC_TEST_DATA, rel);
	assert_int_equal(nc_read_file(path, &text, NULL, &err), 0);
	return text;
}

static void layout_of(const char *dir, struct rt_cg_layout *l)
{
	char p[256];
	nc_err err;
	snprintf(p, sizeof(p), "%s/cgroups", dir);
	_cleanup_free_ char *pc = data(p);
	snprintf(p, sizeof(p), "%s/self-cgroup", dir);
	_cleanup_free_ char *sc = data(p);
	rt_cg_layout_init(l);
	assert_int_equal(rt_cg_parse_proc_cgroups(pc, l, &err), 0);
	assert_int_equal(rt_cg_parse_self_cgroup(sc, l, &err), 0);
}

static void test_legacy_comounted(void **state)
{
	(void)state;
	struct rt_cg_layout l;
	layout_of("legacy-comounted", &l);
	assert_int_equal(l.hier_id[RT_CG_CPU], 2);
	assert_string_equal(l.v1_name[RT_CG_CPU], "cpu,cpuacct");
	assert_int_equal(l.hier_id[RT_CG_MEMORY], 9);
	assert_string_equal(l.v1_name[RT_CG_MEMORY], "memory");
	assert_int_equal(l.hier_id[RT_CG_PIDS], 11);
	assert_string_equal(l.v1_name[RT_CG_PIDS], "pids");
	assert_int_equal(l.hier_id[RT_CG_FREEZER], 10);
}

static void test_hybrid_like_this_vm(void **state)
{
	(void)state;
	struct rt_cg_layout l;
	layout_of("hybrid", &l);
	assert_int_equal(l.hier_id[RT_CG_CPU], 1);
	assert_string_equal(l.v1_name[RT_CG_CPU], "cpu");
	assert_int_equal(l.hier_id[RT_CG_MEMORY], 4);
	assert_int_equal(l.hier_id[RT_CG_PIDS], 8);
	assert_int_equal(l.hier_id[RT_CG_FREEZER], 6);
	assert_string_equal(l.v1_name[RT_CG_FREEZER], "freezer");
	/* every v1 hierarchy, those with no controller we use too */
	assert_int_equal(l.n_v1, 9);
	assert_string_equal(l.v1_hier[0], "name=systemd");
	assert_string_equal(l.v1_hier[4], "devices");
}

static void test_mountinfo_find(void **state)
{
	(void)state;
	const char *mi =
		"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"35 30 0:32 / /sys/fs/cgroup/devices rw,relatime shared:9 - cgroup cgroup rw,devices\n"
		"39 30 0:36 / /run/old\\040cg rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
		"41 30 0:38 / /sys/fs/cgroup/net rw - cgroup cgroup rw,net_cls,net_prio\n"
		"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
	char out[256];
	assert_int_equal(rt_cg_mountinfo_find(mi, "devices", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/devices");
	assert_int_equal(rt_cg_mountinfo_find(mi, "name=systemd", out, sizeof(out)), 0);
	assert_string_equal(out, "/run/old cg");
	assert_int_equal(rt_cg_mountinfo_find(mi, "net_cls,net_prio", out, sizeof(out)), 0);
	assert_string_equal(out, "/sys/fs/cgroup/net");
	/* "net" is neither an option of a cgroup mount nor cgroup2's */
	assert_int_equal(rt_cg_mountinfo_find(mi, "net", out, sizeof(out)), -ENOENT);
	assert_int_equal(rt_cg_mountinfo_find(mi, "name=other", out, sizeof(out)), -ENOENT);
}

static void test_unified(void **state)
{
	(void)state;
	struct rt_cg_layout l;
	layout_of("unified", &l);
	for (int c = 0; c < RT_CG_NCTRL; c++) {
		assert_int_equal(l.hier_id[c], 0);
		assert_string_equal(l.v1_name[c], "");
	}
}

static void test_disabled_and_bad(void **state)
{
	(void)state;
	struct rt_cg_layout l;
	nc_err err;
	rt_cg_layout_init(&l);
	assert_int_equal(rt_cg_parse_proc_cgroups("#x\nmemory\t3\t1\t0\npids 4 1 1\n", &l, &err), 0);
	assert_int_equal(l.hier_id[RT_CG_MEMORY], -1);
	assert_int_equal(l.hier_id[RT_CG_PIDS], 4);
	assert_int_equal(l.hier_id[RT_CG_CPU], -1);

	assert_int_equal(rt_cg_parse_proc_cgroups("#x\nmemory three\n", &l, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "/proc/cgroups line 2"));
	assert_int_equal(rt_cg_parse_self_cgroup("4:memory/\n", &l, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 1"));
}

static void test_mode_from_magic(void **state)
{
	(void)state;
	enum rt_cgroup_mode m;
	nc_err err;
	assert_int_equal(rt_cg_mode_from_magic("/x", CGROUP2_SUPER_MAGIC, 0, &m, &err), 0);
	assert_int_equal(m, RT_CGROUP_UNIFIED);
	assert_int_equal(rt_cg_mode_from_magic("/x", TMPFS_MAGIC, CGROUP2_SUPER_MAGIC, &m, &err), 0);
	assert_int_equal(m, RT_CGROUP_HYBRID);
	assert_int_equal(rt_cg_mode_from_magic("/x", TMPFS_MAGIC, 0, &m, &err), 0);
	assert_int_equal(m, RT_CGROUP_LEGACY);
	assert_int_equal(rt_cg_mode_from_magic("/x", TMPFS_MAGIC, TMPFS_MAGIC, &m, &err), 0);
	assert_int_equal(m, RT_CGROUP_LEGACY);
	assert_int_equal(rt_cg_mode_from_magic("/x", EXT4_SUPER_MAGIC, 0, &m, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "`/x`"));
	assert_non_null(strstr(err.msg, "0xef53"));
}

static void test_small_parsers(void **state)
{
	(void)state;
	uint64_t v = 0;
	assert_int_equal(rt_cg_parse_keyed("oom 1\noom_kill 5\n", "oom_kill", &v), 0);
	assert_int_equal(v, 5);
	assert_int_equal(rt_cg_parse_keyed("oom_kill_disable 0\nunder_oom 0\noom_kill 7", "oom_kill", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(rt_cg_parse_keyed("oom_kill_disable 0\n", "oom_kill", &v), -ENOENT);
	assert_int_equal(rt_cg_parse_keyed("populated 0\nfrozen 1\n", "frozen", &v), 0);
	assert_int_equal(v, 1);

	pid_t *pids = NULL;
	size_t n = 0;
	nc_err err;
	assert_int_equal(rt_cg_parse_pids("1\n23\n456\n", &pids, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[2], 456);
	free(pids);
	assert_int_equal(rt_cg_parse_pids("", &pids, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(rt_cg_parse_pids("12\nx\n", &pids, &n, &err), -EINVAL);

	assert_true(rt_cg_list_has("cpu,cpuacct", "cpu", ','));
	assert_true(rt_cg_list_has("cpu,cpuacct", "cpuacct", ','));
	assert_false(rt_cg_list_has("cpu,cpuacct", "cpus", ','));
	assert_true(rt_cg_list_has("cpuset cpu io memory\n", "memory", ' '));
	assert_false(rt_cg_list_has("cpuset io", "cpu", ' '));
}

/* ---- the map from controllers to directories, on a fake root ---------- */

static char root[64];

static int setup_root(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/nc-rt-detect-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown_root(void **state)
{
	(void)state;
	nc_err err;
	assert_int_equal(nc_rm_rf(root, &err), 0);
	return 0;
}

static void mk(const char *rel)
{
	char p[256];
	nc_err err;
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(nc_mkdir_p(p, 0755, &err), 0);
}

static void ln(const char *to, const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(symlink(to, p), 0);
}

static const char *hier_of(struct rt_cgroups *cg, enum rt_cg_ctrl c)
{
	if (cg->ctrl_hier[c] < 0)
		return NULL;
	return cg->hier[cg->ctrl_hier[c]].dir + strlen(root);
}

static void test_map_comounted(void **state)
{
	(void)state;
	nc_err err;
	mk("cpu,cpuacct");
	ln("cpu,cpuacct", "cpu");
	ln("cpu,cpuacct", "cpuacct");
	mk("memory");
	mk("pids");
	mk("freezer");
	_cleanup_free_ char *pc = data("legacy-comounted/cgroups");
	_cleanup_free_ char *sc = data("legacy-comounted/self-cgroup");
	struct rt_cgroups *cg = NULL;
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_LEGACY, pc, sc, &cg, &err), 0);
	assert_int_equal(rt_cgroups_mode(cg), RT_CGROUP_LEGACY);
	assert_string_equal(hier_of(cg, RT_CG_CPU), "/cpu,cpuacct");
	assert_string_equal(hier_of(cg, RT_CG_MEMORY), "/memory");
	assert_string_equal(hier_of(cg, RT_CG_PIDS), "/pids");
	assert_string_equal(hier_of(cg, RT_CG_FREEZER), "/freezer");
	/* cpuacct is co-mounted with cpu: the same hierarchy, not a fifth;
	 * cpuset and blkio are compiled in but not mounted here */
	assert_string_equal(hier_of(cg, RT_CG_CPUACCT), "/cpu,cpuacct");
	assert_int_equal(cg->hier[cg->ctrl_hier[RT_CG_CPU]].ctrls,
			 RT_CG_BIT(RT_CG_CPU) | RT_CG_BIT(RT_CG_CPUACCT));
	assert_null(hier_of(cg, RT_CG_CPUSET));
	assert_null(hier_of(cg, RT_CG_BLKIO));
	assert_int_equal(cg->n_hier, 4);
	rt_cgroups_close(cg);

	/* Without /proc/self/cgroup's names: found by scanning, and the
	 * "cpu" symlink and "cpu,cpuacct" are one hierarchy. */
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_LEGACY, pc, "", &cg, &err), 0);
	assert_non_null(strstr(hier_of(cg, RT_CG_CPU), "cpu"));
	assert_int_equal(cg->n_hier, 4);
	rt_cgroups_close(cg);
}

static void test_map_hybrid(void **state)
{
	(void)state;
	nc_err err;
	mk("cpu");
	mk("memory");
	mk("pids");
	mk("freezer");
	mk("unified");
	char p[256];
	snprintf(p, sizeof(p), "%s/unified/cgroup.controllers", root);
	assert_int_equal(nc_write_file_atomic(p, "hugetlb\n", 8, 0644, &err), 0);
	_cleanup_free_ char *pc = data("hybrid/cgroups");
	_cleanup_free_ char *sc = data("hybrid/self-cgroup");
	struct rt_cgroups *cg = NULL;
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_HYBRID, pc, sc, &cg, &err), 0);
	assert_string_equal(hier_of(cg, RT_CG_MEMORY), "/memory");
	assert_string_equal(hier_of(cg, RT_CG_CPU), "/cpu");
	/* the unified hierarchy is used for tracking, with no controller */
	assert_int_equal(cg->n_hier, 5);
	assert_string_equal(cg->hier[4].dir + strlen(root), "/unified");
	assert_ptr_equal(cg->hier[4].ops, &rt_cgroup_v2_ops);
	assert_int_equal(cg->hier[4].ctrls, 0);
	rt_cgroups_close(cg);

	/* A hybrid host whose memory controller is on the v2 side. */
	assert_int_equal(nc_write_file_atomic(p, "hugetlb memory\n", 15, 0644, &err), 0);
	const char *pc2 = "memory 0 1 1\ncpu 1 1 1\npids 8 1 1\n";
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_HYBRID, pc2, sc, &cg, &err), 0);
	assert_string_equal(hier_of(cg, RT_CG_MEMORY), "/unified");
	assert_ptr_equal(cg->hier[cg->ctrl_hier[RT_CG_MEMORY]].ops, &rt_cgroup_v2_ops);
	assert_int_equal(hier_of(cg, RT_CG_FREEZER), NULL);
	rt_cgroups_close(cg);
}

/* A container must have a cgroup of its own in every v1 hierarchy: one
 * that stands at a hierarchy's root reaches its release_agent. */
static void test_every_v1_hierarchy(void **state)
{
	(void)state;
	nc_err err;
	mk("cpu");
	mk("memory");
	mk("pids");
	mk("freezer");
	mk("unified");
	char p[256];
	snprintf(p, sizeof(p), "%s/unified/cgroup.controllers", root);
	assert_int_equal(nc_write_file_atomic(p, "hugetlb\n", 8, 0644, &err), 0);
	const char *pc = "cpu 1 1 1\nmemory 4 9 1\ndevices 5 1 1\nfreezer 6 1 1\npids 8 1 1\nhugetlb 0 1 1\n";
	const char *sc = "9:name=systemd:/\n8:pids:/\n6:freezer:/\n5:devices:/\n4:memory:/process_api/x\n1:cpu:/\n0::/\n";
	struct rt_cgroups *cg = NULL;

	/* devices and name=systemd are listed, not mounted: no container
	 * may start */
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_HYBRID, pc, sc, &cg, &err), 0);
	assert_non_null(strstr(cg->unplaced, "devices"));
	assert_non_null(strstr(cg->unplaced, "name=systemd"));
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", NULL, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "release_agent"));
	assert_non_null(strstr(err.msg, "devices"));
	snprintf(p, sizeof(p), "%s/devices/ncompose", root);
	assert_int_equal(access(p, F_OK), -1);
	rt_cgroups_close(cg);

	/* mounted: each is a hierarchy of its own, with no controller */
	mk("devices");
	mk("systemd");
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_HYBRID, pc, sc, &cg, &err), 0);
	assert_string_equal(cg->unplaced, "");
	assert_int_equal(cg->n_hier, 7);
	bool devices = false, systemd = false;
	for (size_t i = 0; i < cg->n_hier; i++) {
		const char *d = cg->hier[i].dir + strlen(root);
		if (!strcmp(d, "/devices") || !strcmp(d, "/systemd")) {
			assert_int_equal(cg->hier[i].ctrls, 0);
			assert_ptr_equal(cg->hier[i].ops, &rt_cgroup_v1_ops);
			*(d[1] == 'd' ? &devices : &systemd) = true;
		}
	}
	assert_true(devices && systemd);
	assert_int_equal(rt_cgroup_create(cg, "ncompose/lab/r1", NULL, &err), 0);
	snprintf(p, sizeof(p), "%s/devices/ncompose/lab/r1", root);
	assert_int_equal(access(p, F_OK), 0);
	snprintf(p, sizeof(p), "%s/systemd/ncompose/lab/r1", root);
	assert_int_equal(access(p, F_OK), 0);
	rt_cgroups_close(cg);

	/* a pure v2 host that kept a named v1 hierarchy */
	snprintf(p, sizeof(p), "%s/cgroup.controllers", root);
	assert_int_equal(nc_write_file_atomic(p, "cpu pids\n", 9, 0644, &err), 0);
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_UNIFIED, NULL, "1:name=old:/\n0::/\n", &cg, &err), 0);
	assert_string_equal(cg->unplaced, "name=old");
	rt_cgroups_close(cg);
	mk("old");
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_UNIFIED, NULL, "1:name=old:/\n0::/\n", &cg, &err), 0);
	assert_string_equal(cg->unplaced, "");
	assert_int_equal(cg->n_hier, 2);
	assert_int_equal(rt_cgroup_clone_fd(cg, "x", &err), -EOPNOTSUPP); /* attached after the clone */
	rt_cgroups_close(cg);
}

static void test_map_unified(void **state)
{
	(void)state;
	nc_err err;
	char p[256];
	snprintf(p, sizeof(p), "%s/cgroup.controllers", root);
	assert_int_equal(nc_write_file_atomic(p, "cpuset cpu io pids\n", 19, 0644, &err), 0);
	struct rt_cgroups *cg = NULL;
	assert_int_equal(rt_cgroups_open_mode(root, RT_CGROUP_UNIFIED, NULL, NULL, &cg, &err), 0);
	assert_int_equal(cg->n_hier, 1);
	assert_string_equal(hier_of(cg, RT_CG_CPU), "");
	assert_string_equal(hier_of(cg, RT_CG_PIDS), "");
	assert_null(hier_of(cg, RT_CG_MEMORY)); /* not offered by this root */
	assert_null(hier_of(cg, RT_CG_FREEZER));
	assert_string_equal(hier_of(cg, RT_CG_BLKIO), ""); /* v2 calls it io */
	assert_string_equal(hier_of(cg, RT_CG_CPUSET), "");
	assert_null(hier_of(cg, RT_CG_CPUACCT)); /* v1 only */
	assert_string_equal(rt_cg_ctrl_v2_name(RT_CG_BLKIO), "io");
	assert_string_equal(rt_cg_ctrl_name(RT_CG_BLKIO), "blkio");
	assert_null(rt_cg_ctrl_v2_name(RT_CG_CPUACCT));
	rt_cgroups_close(cg);
}

static void test_open_real_host(void **state)
{
	(void)state;
	nc_err err;
	struct rt_cgroups *cg = NULL;
	/* Whatever this machine is, detection must succeed and find memory. */
	int r = rt_cgroups_open("/sys/fs/cgroup", NULL, NULL, &cg, &err);
	if (r < 0)
		fail_msg("%s", err.msg);
	assert_true(cg->ctrl_hier[RT_CG_MEMORY] >= 0);
	rt_cgroups_close(cg);
	assert_int_equal(rt_cgroups_open("relative", NULL, NULL, &cg, &err), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_comounted),
		cmocka_unit_test(test_hybrid_like_this_vm),
		cmocka_unit_test(test_mountinfo_find),
		cmocka_unit_test(test_unified),
		cmocka_unit_test(test_disabled_and_bad),
		cmocka_unit_test(test_mode_from_magic),
		cmocka_unit_test(test_small_parsers),
		cmocka_unit_test_setup_teardown(test_map_comounted, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_map_hybrid, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_map_unified, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_every_v1_hierarchy, setup_root, teardown_root),
		cmocka_unit_test(test_open_real_host),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
