/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capability names and sets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <linux/capability.h>

#include "runtime/caps.h"
#include "runtime/runtime.h"

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(rt_cap_from_name("NET_ADMIN"), CAP_NET_ADMIN);
	assert_int_equal(rt_cap_from_name("CAP_NET_ADMIN"), CAP_NET_ADMIN);
	assert_int_equal(rt_cap_from_name("cap_net_admin"), CAP_NET_ADMIN);
	assert_int_equal(rt_cap_from_name("sys_admin"), CAP_SYS_ADMIN);
	assert_int_equal(rt_cap_from_name("CHOWN"), 0);
	assert_int_equal(rt_cap_from_name("CHECKPOINT_RESTORE"), 40);
	assert_int_equal(rt_cap_from_name("NET_ADMINX"), -1);
	assert_int_equal(rt_cap_from_name("CAP_"), -1);
	assert_int_equal(rt_cap_from_name(""), -1);
	assert_int_equal(rt_cap_from_name(NULL), -1);
	assert_string_equal(rt_cap_name(CAP_NET_RAW), "NET_RAW");
	assert_string_equal(rt_cap_name(CAP_AUDIT_READ), "AUDIT_READ");
	assert_null(rt_cap_name(-1));
	assert_null(rt_cap_name(64));
	/* every name round-trips */
	for (int c = 0; rt_cap_name(c); c++)
		assert_int_equal(rt_cap_from_name(rt_cap_name(c)), c);
}

static void test_default_set(void **state)
{
	(void)state;
	uint64_t d = rt_caps_default();
	const char *want[] = { "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID",
			       "SETUID", "SETFCAP", "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL",
			       "AUDIT_WRITE" };
	uint64_t m = 0;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		m |= UINT64_C(1) << rt_cap_from_name(want[i]);
	assert_int_equal(d, m);
	/* what Docker's containers show as CapEff */
	assert_int_equal(d, UINT64_C(0x00000000a80425fb));
	assert_false(d & (UINT64_C(1) << CAP_NET_ADMIN));
	assert_false(d & (UINT64_C(1) << CAP_SYS_ADMIN));
}

static void test_all(void **state)
{
	(void)state;
	int last = rt_cap_last();
	assert_true(last >= CAP_AUDIT_READ && last < 64);
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	if (f) {
		int k = -1;
		assert_int_equal(fscanf(f, "%d", &k), 1);
		fclose(f);
		assert_int_equal(last, k);
	}
	uint64_t all = rt_caps_all();
	assert_int_equal(all, (UINT64_C(1) << (last + 1)) - 1);
	assert_int_equal(all & rt_caps_default(), rt_caps_default());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_default_set),
		cmocka_unit_test(test_all),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
