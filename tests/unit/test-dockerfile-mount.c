/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RUN --mount options as BuildKit spells them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "compose/file/dockerfile-mount.h"

static struct nc_arena arena;

static int parse(const char *spec, struct nc_df_mount *m, char *why)
{
	return nc_df_mount_parse(&arena, spec, m, why, 256);
}

static void test_types(void **state)
{
	(void)state;
	struct nc_df_mount m;
	char why[256];

	assert_int_equal(parse("type=cache,target=/root/.cache/pip", &m, why), 0);
	assert_int_equal(m.type, NC_DF_MOUNT_CACHE);
	assert_string_equal(m.target, "/root/.cache/pip");
	assert_null(m.id);
	assert_false(m.read_only);

	/* bind is the default type, "." the default source, always read-only */
	assert_int_equal(parse("target=.", &m, why), 0);
	assert_int_equal(m.type, NC_DF_MOUNT_BIND);
	assert_string_equal(m.source, ".");
	assert_true(m.read_only);
	assert_int_equal(parse("type=bind,source=requirements.txt,target=requirements.txt", &m, why), 0);
	assert_string_equal(m.source, "requirements.txt");

	/* the type may come last: options are read after it */
	assert_int_equal(parse("target=/t,size=64m,type=tmpfs", &m, why), 0);
	assert_int_equal(m.type, NC_DF_MOUNT_TMPFS);
	assert_int_equal(m.size, 64ull << 20);

	assert_int_equal(parse("type=secret,id=npmrc,target=/root/.npmrc", &m, why), 0);
	assert_int_equal(m.type, NC_DF_MOUNT_SECRET);
	assert_false(m.required);
	assert_int_equal(parse("type=ssh,required", &m, why), 0);
	assert_true(m.required);
}

static void test_cache_options(void **state)
{
	(void)state;
	struct nc_df_mount m;
	char why[256];

	assert_int_equal(parse("type=cache,id=gomod,target=/go/pkg/mod,sharing=locked,mode=0700,uid=1000,gid=100,ro",
			       &m, why), 0);
	assert_string_equal(m.id, "gomod");
	assert_true(m.has_mode);
	assert_int_equal(m.mode, 0700);
	assert_int_equal(m.uid, 1000);
	assert_int_equal(m.gid, 100);
	assert_true(m.read_only);
	assert_int_equal(parse("type=cache,target=/c,readonly=false", &m, why), 0);
	assert_false(m.read_only);
}

static void test_refused(void **state)
{
	(void)state;
	struct nc_df_mount m;
	char why[256];

	assert_int_equal(parse("type=volume,target=/x", &m, why), -1);
	assert_string_equal(why, "unknown type `volume` (bind, cache, tmpfs, secret or ssh)");
	assert_int_equal(parse("type=cache", &m, why), -1);
	assert_string_equal(why, "type=cache needs target=PATH");
	assert_int_equal(parse("type=bind,target=/x,rw", &m, why), 0);
	assert_false(m.read_only);
	assert_int_equal(parse("rw=true,target=/x", &m, why), 0);
	assert_false(m.read_only);
	assert_int_equal(parse("type=bind,from=builder,target=/x", &m, why), -1);
	assert_non_null(strstr(why, "`from=builder`"));
	assert_int_equal(parse("type=cache,target=/x,color=red", &m, why), -1);
	assert_string_equal(why, "unknown option `color`");
	assert_int_equal(parse("type=cache,target=/x,mode=999", &m, why), -1);
	assert_int_equal(parse("type=cache,target=/x,uid=-1", &m, why), -1);
	assert_int_equal(parse("type=cache,target=/x,sharing=all", &m, why), -1);
	assert_int_equal(parse("type=tmpfs,target=/x,size=12q", &m, why), -1);
	assert_int_equal(parse("type=cache,target=", &m, why), -1);
	assert_int_equal(parse("type=secret,required=maybe", &m, why), -1);
}

static int teardown(void **state)
{
	(void)state;
	nc_arena_free(&arena);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_cache_options),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
