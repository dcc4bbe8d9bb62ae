/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which containers may start from a mount namespace template: the path
 * checks, without making one (that needs root: itest-runtime does). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/mnt-template.h"
#include "runtime/rootfs.h"
#include "runtime/runtime.h"

/* The overlap test is mountpoints.c's rt_path_under, both ways, on
 * resolved paths (never a trailing slash but "/" itself). */
static void test_within(void **state)
{
	(void)state;
	assert_true(rt_path_under("/run/netns", "/run/netns"));
	assert_true(rt_path_under("/run/netns/x", "/run/netns"));
	assert_true(rt_path_under("/anything", "/"));
	assert_true(rt_path_under("/", "/"));
	assert_false(rt_path_under("/run/netnsx", "/run/netns"));
	assert_false(rt_path_under("/run", "/run/netns"));
	assert_false(rt_path_under("/srv", "/run/netns"));
}

static char dir[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	char made[] = "/tmp/nc-mnt-tmpl-XXXXXX", real[PATH_MAX];
	/* resolved, as rt_mnt_template_open leaves its hidden directories */
	if (!mkdtemp(made) || !realpath(made, real) || strlen(real) >= sizeof(dir))
		return -1;
	memcpy(dir, real, strlen(real) + 1);
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s/pins", dir);
	if (mkdir(p, 0755) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/pins/a", dir);
	if (mkdir(p, 0755) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/data", dir);
	if (mkdir(p, 0755) < 0)
		return -1;
	/* a way into the hidden directory that does not name it */
	snprintf(p, sizeof(p), "%s/link", dir);
	return symlink("pins/a", p);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* spec with one bind from `source` (a path under dir) fits t? */
static bool bind_fits(const struct rt_mnt_template *t, const char *source)
{
	char src[PATH_MAX + 16];
	snprintf(src, sizeof(src), "%s%s", dir, source);
	struct rt_mount m = { .type = RT_MOUNT_BIND, .source = src, .target = "/mnt" };
	struct rt_container_spec s = { .mounts = &m, .n_mounts = 1 };
	return rt_mnt_template_fits(t, &s);
}

static void test_fits(void **state)
{
	(void)state;
	/* as rt_mnt_template_open leaves it, with a stand-in descriptor */
	char pins[PATH_MAX + 16];
	snprintf(pins, sizeof(pins), "%s/pins", dir);
	struct rt_mnt_template t = { .fd = 0, .hide = pins };
	struct rt_container_spec none = { 0 };

	assert_true(rt_mnt_template_fits(&t, &none));
	assert_true(bind_fits(&t, "/data"));
	assert_false(bind_fits(&t, "/pins"));   /* the hidden directory */
	assert_false(bind_fits(&t, "/pins/a")); /* under it */
	assert_false(bind_fits(&t, ""));        /* above it */
	assert_false(bind_fits(&t, "/link"));   /* into it by a symbolic link */
	assert_false(bind_fits(&t, "/missing")); /* cannot tell */

	struct rt_bind_file dev = { pins, "/dev/x" };
	struct rt_container_spec with_dev = { .devices = &dev, .n_devices = 1 };
	assert_false(rt_mnt_template_fits(&t, &with_dev));

	assert_false(rt_mnt_template_fits(NULL, &none));
	t.fd = -1;
	assert_false(rt_mnt_template_fits(&t, &none));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_within),
		cmocka_unit_test(test_fits),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
