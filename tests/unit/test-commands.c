/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the everyday commands compute without privilege: signal names
 * (kill -s), /proc parsing and ps's columns (top), cp's path cutting,
 * and the events' JSON and text lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "compose/file/model.h"
#include "compose/lifecycle/copy.h"
#include "compose/lifecycle/events.h"
#include "compose/lifecycle/top.h"

static void signal_names(void **state)
{
	(void)state;
	assert_int_equal(nc_signal_number("SIGKILL"), SIGKILL);
	assert_int_equal(nc_signal_number("KILL"), SIGKILL);
	assert_int_equal(nc_signal_number("term"), SIGTERM);
	assert_int_equal(nc_signal_number("15"), 15);
	assert_int_equal(nc_signal_number("SIGRTMIN+3"), SIGRTMIN + 3);
	assert_int_equal(nc_signal_number("HUP"), SIGHUP);
	assert_int_equal(nc_signal_number("NOPE"), -1);
	assert_int_equal(nc_signal_number("0"), -1);
	assert_int_equal(nc_signal_number("99999"), -1);
}

static void top_stat(void **state)
{
	struct nc_top_stat st;
	(void)state;
	/* comm with a space and a ')' in it */
	const char *text = "1234 (a) b) S 1200 1234 1234 34816 0 4194560 100 0 0 0 250 50 0 0 20 0 1 0 9876 1000 100\n";
	assert_int_equal(nc_top_parse_stat(text, &st), 0);
	assert_string_equal(st.comm, "a) b");
	assert_int_equal(st.ppid, 1200);
	assert_int_equal(st.tty_nr, 34816);
	assert_int_equal(st.utime, 250);
	assert_int_equal(st.stime, 50);
	assert_int_equal(st.starttime, 9876);
	assert_int_equal(nc_top_parse_stat("garbage", &st), -EINVAL);

	uid_t uid;
	assert_int_equal(nc_top_parse_uid("Name:\tx\nUid:\t1000\t33\t33\t33\nGid:\t0\n", &uid), 0);
	assert_int_equal(uid, 33);
}

static void top_columns(void **state)
{
	char b[64];
	(void)state;
	nc_top_tty(0, b, sizeof(b));
	assert_string_equal(b, "?");
	nc_top_tty((int)makedev(136, 2), b, sizeof(b));
	assert_string_equal(b, "pts/2");
	nc_top_tty((int)makedev(4, 1), b, sizeof(b));
	assert_string_equal(b, "tty1");
	nc_top_cputime(0, b, sizeof(b));
	assert_string_equal(b, "00:00:00");
	nc_top_cputime(3723, b, sizeof(b));
	assert_string_equal(b, "01:02:03");
	nc_top_cputime(90061, b, sizeof(b));
	assert_string_equal(b, "1-01:01:01");
	nc_top_cmd("sleep\0" "1000\0", 11, "sleep", b, sizeof(b));
	assert_string_equal(b, "sleep 1000");
	nc_top_cmd("", 0, "kworker", b, sizeof(b));
	assert_string_equal(b, "[kworker]");
	setenv("TZ", "UTC", 1);
	nc_top_stime(1764955200 /* 2025-12-05 17:20 */, 1764955200 + 60, b, sizeof(b));
	assert_string_equal(b, "17:20");
	nc_top_stime(1764955200 - 3 * 86400, 1764955200, b, sizeof(b));
	assert_string_equal(b, "Dec02");
}

static void copy_paths(void **state)
{
	struct nc_copy_path p;
	nc_err e;
	(void)state;
	assert_int_equal(nc_copy_path_split("/etc/hosts", &p, &e), 0);
	assert_string_equal(p.dir, "/etc");
	assert_string_equal(p.name, "hosts");
	assert_int_equal(nc_copy_path_split("/hosts", &p, &e), 0);
	assert_string_equal(p.dir, "/");
	assert_false(p.contents);
	assert_int_equal(nc_copy_path_split("/tmp/d/x/", &p, &e), 0);
	assert_string_equal(p.dir, "/tmp/d");
	assert_string_equal(p.name, "x");
	assert_int_equal(nc_copy_path_split("x", &p, &e), 0);
	assert_string_equal(p.dir, ".");
	assert_string_equal(p.name, "x");
	assert_int_equal(nc_copy_path_split("/tmp/d/.", &p, &e), 0);
	assert_true(p.contents);
	assert_string_equal(p.dir, "/tmp/d/.");
	assert_int_equal(nc_copy_path_split("/", &p, &e), 0);
	assert_true(p.contents);
	assert_int_equal(nc_copy_path_split("/a/..", &p, &e), 0);
	assert_true(p.contents);
	assert_int_not_equal(nc_copy_path_split("", &p, &e), 0);
}

static void event_lines(void **state)
{
	struct nc_strbuf b = NC_STRBUF_INIT, t = NC_STRBUF_INIT;
	const char *attrs[] = { "exitCode", "7", NULL };
	char svc[32];
	(void)state;
	nc_event_format(&b, 1764955200, 42, "lab", "r1", "die", attrs);
	assert_string_equal(nc_strbuf_str(&b),
			    "{\"time\":\"2025-12-05T17:20:00.000042Z\",\"type\":\"container\",\"action\":\"die\","
			    "\"project\":\"lab\",\"service\":\"r1\",\"attributes\":{\"exitCode\":\"7\"}}\n");
	b.s[b.len - 1] = '\0';
	assert_true(nc_event_text(b.s, &t));
	assert_string_equal(nc_strbuf_str(&t), "2025-12-05 17:20:00.000042 container die lab-r1 (exitCode=7)");
	assert_true(nc_event_service(b.s, svc, sizeof(svc)));
	assert_string_equal(svc, "r1");
	assert_false(nc_event_text("not json", &t));
	nc_strbuf_free(&b);
	nc_strbuf_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signal_names), cmocka_unit_test(top_stat), cmocka_unit_test(top_columns),
		cmocka_unit_test(copy_paths), cmocka_unit_test(event_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
