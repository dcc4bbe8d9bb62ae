/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The error shape: context goes in front, the errno of the cause stays. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "common/error.h"

static void test_wrap_keeps_errno(void **state)
{
	(void)state;
	nc_err cause, err;

	assert_int_equal(nc_err_errno(&cause, EACCES, "open `x`"), -EACCES);
	assert_int_equal(nc_err_wrap(&err, &cause, "start `%s`", "web"), -EACCES);
	assert_int_equal(err.errnum, EACCES);
	assert_string_equal(err.msg, "start `web`: open `x`: Permission denied");

	/* The cause may be the error itself (nc_err_prefix). */
	assert_int_equal(nc_err_wrap(&err, &err, "up"), -EACCES);
	assert_string_equal(err.msg, "up: start `web`: open `x`: Permission denied");
	assert_int_equal(nc_err_prefix(&err, "lab"), -EACCES);
	assert_string_equal(err.msg, "lab: up: start `web`: open `x`: Permission denied");

	/* A cause without errno returns -EIO, and keeps 0. */
	nc_err_clear(&cause);
	strcpy(cause.msg, "odd");
	assert_int_equal(nc_err_wrap(&err, &cause, "x"), -EIO);
	assert_int_equal(err.errnum, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_keeps_errno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
