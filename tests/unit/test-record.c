/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "compose/lifecycle/journal.h"
#include "compose/lifecycle/record.h"

static void test_round_trip(void **state)
{
	(void)state;
	struct nc_strbuf b = NC_STRBUF_INIT;
	const char *r1[] = { "env", "A=b c", "" };
	const char *r2[] = { "x%y", "line\nbreak", "tab\there", "ü" };
	nc_record_append(&b, r1, 3);
	nc_record_append(&b, r2, 4);
	assert_true(nc_strbuf_ok(&b));
	assert_string_equal(b.s, "env A=b%20c %-\nx%25y line%0Abreak tab%09here %C3%BC\n");

	struct nc_records rs;
	nc_err e;
	assert_int_equal(nc_records_parse(b.s, b.len, &rs, &e), 0);
	assert_int_equal(rs.n, 2);
	assert_int_equal(rs.v[0].n, 3);
	assert_string_equal(rs.v[0].f[1], "A=b c");
	assert_string_equal(rs.v[0].f[2], "");
	assert_null(rs.v[0].f[3]);
	assert_string_equal(rs.v[1].f[0], "x%y");
	assert_string_equal(rs.v[1].f[1], "line\nbreak");
	assert_string_equal(rs.v[1].f[3], "ü");
	assert_null(nc_record_field(&rs.v[0], 7));
	nc_records_free(&rs);
	nc_strbuf_free(&b);
}

static void test_torn_last_line_is_ignored(void **state)
{
	(void)state;
	const char *text = "netns lab-r1 r1\nveth nc-lab-r1-0 r1 eth0\nbridge nc-la";
	struct nc_records rs;
	nc_err e;
	assert_int_equal(nc_records_parse(text, strlen(text), &rs, &e), 0);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.v[1].f[0], "veth");
	nc_records_free(&rs);
}

static void test_odd_escapes_are_kept(void **state)
{
	(void)state;
	const char *text = "a %zz %4 b%\n\n";
	struct nc_records rs;
	nc_err e;
	assert_int_equal(nc_records_parse(text, strlen(text), &rs, &e), 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.v[0].f[1], "%zz");
	assert_string_equal(rs.v[0].f[2], "%4");
	assert_string_equal(rs.v[0].f[3], "b%");
	nc_records_free(&rs);
}

/* Journal records, typed: each kind's fields by name; unknown kinds and
 * records too short for their kind are UNKNOWN, so readers skip them. */
static void test_journal_records(void **state)
{
	(void)state;
	const char text[] = "project lab 0.1.0\n"
			    "group 7\n"
			    "veth nc-lab-r1-0 r1 eth0\n"
			    "port udp * 5353 6\n"
			    "port tcp 127.0.0.1 8080\n"
			    "table ncompose-lab\n"
			    "container r1\n"
			    "up-done\n"
			    "port tcp *\n"
			    "netns\n"
			    "future-kind a b\n";
	struct nc_records rs;
	struct nc_jrec jr;
	nc_err err;

	assert_int_equal(nc_records_parse(text, strlen(text), &rs, &err), 0);
	assert_int_equal(rs.n, 11);
	nc_jrec_parse(&rs.v[0], &jr);
	assert_int_equal(jr.kind, NC_JK_PROJECT);
	assert_string_equal(jr.project.name, "lab");
	assert_string_equal(jr.project.version, "0.1.0");
	nc_jrec_parse(&rs.v[1], &jr);
	assert_int_equal(jr.kind, NC_JK_GROUP);
	assert_int_equal(jr.group, 7);
	nc_jrec_parse(&rs.v[2], &jr);
	assert_int_equal(jr.kind, NC_JK_VETH);
	assert_string_equal(jr.veth.host_ifname, "nc-lab-r1-0");
	assert_string_equal(jr.veth.service, "r1");
	assert_string_equal(jr.veth.ifname, "eth0");
	nc_jrec_parse(&rs.v[3], &jr);
	assert_int_equal(jr.kind, NC_JK_PORT);
	assert_string_equal(jr.port.proto, "udp");
	assert_string_equal(jr.port.host_ip, "*");
	assert_int_equal(jr.port.host_port, 5353);
	assert_int_equal(jr.port.family, 6);
	nc_jrec_parse(&rs.v[4], &jr);
	assert_int_equal(jr.kind, NC_JK_PORT);
	assert_int_equal(jr.port.family, 0);
	nc_jrec_parse(&rs.v[5], &jr);
	assert_int_equal(jr.kind, NC_JK_TABLE);
	assert_string_equal(jr.table, "ncompose-lab");
	nc_jrec_parse(&rs.v[6], &jr);
	assert_int_equal(jr.kind, NC_JK_CONTAINER);
	assert_string_equal(jr.container, "r1");
	nc_jrec_parse(&rs.v[7], &jr);
	assert_int_equal(jr.kind, NC_JK_UP_DONE);
	for (size_t i = 8; i < 11; i++) {
		nc_jrec_parse(&rs.v[i], &jr);
		assert_int_equal(jr.kind, NC_JK_UNKNOWN);
	}
	nc_records_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_torn_last_line_is_ignored),
		cmocka_unit_test(test_odd_escapes_are_kept),
		cmocka_unit_test(test_journal_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
