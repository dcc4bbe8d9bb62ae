/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compose's `user:` against a container's passwd and group: Docker's six
 * forms, its supplementary-group rule, the lines that must be skipped, and
 * reading the files under a root whose symlinks must not reach the host.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/user.h"

/* Every line below the first entry of each kind is there to be skipped or
 * to lose against an earlier one. */
static const char passwd[] =
	"# comment:x:7:7::/c:/bin/sh\n"
	"+nis:x:8:8::/nis:/bin/sh\n"
	"-bob:x:8:8::/nis:/bin/sh\n"
	"\n"
	"root:x:0:0:root:/root:/bin/bash\n"
	"bob:x:1000:1000:Bob:/home/bob:/bin/sh\n"
	"123:x:2000:2001::/home/num:/bin/sh\n" /* named like a number */
	"nohome:x:1001:1001:::\n"
	"short:x:1002:1003\n" /* no gecos, home or shell */
	"bob:x:9999:9999::/dup:/bin/sh\n"
	"1000:x:7777:7777::/namedid:/bin/sh\n"
	"badid:x:12a:1::/bad:/bin/sh\n"
	"signed:x:-5:1::/bad:/bin/sh\n"
	"big:x:4294967295:1::/big:/bin/sh\n" /* (uid_t)-1 */
	"huge:x:99999999999:1::/big:/bin/sh\n"
	"biggid:x:3000:4294967295::/big:/bin/sh\n"
	"few:x:3001\n"
	"many:x:3002:3002:g:/h:/bin/sh:extra\n"
	":x:3003:3003::/noname:/bin/sh\n"
	"last:x:3004:3004::/last:/bin/sh"; /* no final newline */

static const char group[] =
	"# staff:x:60:bob\n"
	"+:::\n"
	"+nisgroup:x:61:bob\n"
	"-:x:62:bob\n"
	"root:x:0:\n"
	"daemon:x:1:bob\n"
	"bob:x:1000:\n"
	"bobby:x:70:bobby,alice\n" /* a longer name is not bob */
	"wheel:x:10:alice,bobx,xbob\n"
	"staff:x:50:alice,bob,carol\n"
	"\n"
	"audio:x:29:bob\n"
	"staff:x:51:bob\n" /* a second staff: first wins by name, both count */
	"again:x:50:bob\n" /* gid 50 again: not repeated */
	"primary:x:1000:bob\n" /* the primary gid: not repeated */
	"29:x:300:\n" /* named like a number */
	"badgid:x:4x:bob\n"
	"biggid:x:4294967295:bob\n"
	"toomany:x:80:bob:extra\n"
	"toofew:x\n"
	":x:82:bob\n"
	"empties:x:90:,,bob,\n"
	"nomembers:x:91\n" /* no member list: still a group */
	"123:x:92:123\n"
	"video:x:44:bob"; /* no final newline */

#define IDS(...) ((const gid_t[]){ __VA_ARGS__ }), NC_ELEMENTSOF(((const gid_t[]){ __VA_ARGS__ }))

static void check_groups(const struct rt_user *u, const gid_t *want, size_t n)
{
	assert_int_equal(u->n_groups, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(u->groups[i], want[i]);
}

/* Looks `spec` up in the files above; expects success. */
static void lookup_ok(const char *spec, struct rt_user *u)
{
	nc_err err;
	int r = rt_user_lookup(passwd, group, spec, u, &err);
	if (r < 0)
		fail_msg("`%s`: %s", spec, err.msg);
}

static void lookup_fails(const char *pw, const char *gr, const char *spec, int want, const char *msg)
{
	nc_err err = { 0 };
	struct rt_user u;

	memset(&u, 0x5a, sizeof(u));
	int r = rt_user_lookup(pw, gr, spec, &u, &err);
	if (r != want)
		fail_msg("`%s`: %d, want %d (%s)", spec ? spec : "(null)", r, want, r < 0 ? err.msg : "ok");
	assert_int_equal(err.errnum, -want);
	if (msg && !strstr(err.msg, msg))
		fail_msg("`%s`: message `%s` lacks `%s`", spec ? spec : "(null)", err.msg, msg);
	/* zeroed, and nothing to free */
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	assert_null(u.groups);
	assert_int_equal(u.n_groups, 0);
	assert_null(u.home);
	assert_null(u.name);
}

static void test_name(void **state)
{
	(void)state;
	struct rt_user u;

	/* primary gid first, then memberships in file order, each once */
	lookup_ok("bob", &u);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.name, "bob");
	assert_string_equal(u.home, "/home/bob");
	check_groups(&u, IDS(1000, 1, 50, 29, 51, 90, 44));
	rt_user_free(&u);

	lookup_ok("root", &u);
	assert_int_equal(u.uid, 0);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/root");
	check_groups(&u, IDS(0));
	rt_user_free(&u);

	/* an empty or missing home is "/" */
	lookup_ok("nohome", &u);
	assert_int_equal(u.uid, 1001);
	assert_string_equal(u.home, "/");
	rt_user_free(&u);
	lookup_ok("short", &u);
	assert_int_equal(u.uid, 1002);
	assert_int_equal(u.gid, 1003);
	assert_string_equal(u.home, "/");
	check_groups(&u, IDS(1003));
	rt_user_free(&u);

	lookup_ok("last", &u);
	assert_int_equal(u.uid, 3004);
	assert_string_equal(u.home, "/last");
	rt_user_free(&u);

	/* rt_user_free leaves a zeroed struct and may be called twice */
	rt_user_free(&u);
	assert_null(u.groups);
	rt_user_free(NULL);
}

static void test_uid(void **state)
{
	(void)state;
	struct rt_user u;

	/* a uid with an entry is that user, memberships included */
	lookup_ok("1000", &u);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.name, "bob");
	assert_string_equal(u.home, "/home/bob");
	check_groups(&u, IDS(1000, 1, 50, 29, 51, 90, 44));
	rt_user_free(&u);

	/* a number is always an id: "123" is uid 123 (no entry), not the user
	 * named 123 (uid 2000), and "2000" is that user */
	lookup_ok("123", &u);
	assert_int_equal(u.uid, 123);
	assert_int_equal(u.gid, 0);
	assert_null(u.name);
	assert_string_equal(u.home, "/");
	check_groups(&u, IDS(0));
	rt_user_free(&u);
	lookup_ok("2000", &u);
	assert_string_equal(u.name, "123");
	assert_int_equal(u.gid, 2001);
	assert_string_equal(u.home, "/home/num");
	check_groups(&u, IDS(2001, 92));
	rt_user_free(&u);

	/* no entry: gid 0, home "/", no memberships */
	lookup_ok("4242", &u);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 0);
	assert_null(u.name);
	assert_string_equal(u.home, "/");
	check_groups(&u, IDS(0));
	rt_user_free(&u);

	/* "0" and leading zeros are numbers too */
	lookup_ok("0", &u);
	assert_string_equal(u.name, "root");
	rt_user_free(&u);
	lookup_ok("01000", &u);
	assert_string_equal(u.name, "bob");
	rt_user_free(&u);

	/* the largest id; the unparsable "big" line (uid 4294967295) is no
	 * entry of anyone */
	lookup_ok("4294967294", &u);
	assert_int_equal(u.uid, RT_ID_MAX);
	assert_null(u.name);
	rt_user_free(&u);

	/* uid 3003's line has no name: skipped */
	lookup_ok("3003", &u);
	assert_null(u.name);
	assert_string_equal(u.home, "/");
	rt_user_free(&u);
}

static void test_explicit_group(void **state)
{
	(void)state;
	struct rt_user u;

	/* uid:gid */
	lookup_ok("1000:50", &u);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 50);
	assert_string_equal(u.name, "bob");
	assert_string_equal(u.home, "/home/bob");
	check_groups(&u, IDS(50)); /* Docker: no memberships */
	rt_user_free(&u);

	/* name:group, first "staff" wins */
	lookup_ok("bob:staff", &u);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 50);
	check_groups(&u, IDS(50));
	rt_user_free(&u);

	/* name:gid, even a gid no file knows, even root's */
	lookup_ok("bob:0", &u);
	assert_int_equal(u.gid, 0);
	check_groups(&u, IDS(0));
	rt_user_free(&u);
	lookup_ok("bob:5555", &u);
	assert_int_equal(u.gid, 5555);
	check_groups(&u, IDS(5555));
	rt_user_free(&u);

	/* a number is a gid, not the group named "29" (gid 300) */
	lookup_ok("bob:29", &u);
	assert_int_equal(u.gid, 29);
	rt_user_free(&u);

	/* uid:group for a uid with no entry */
	lookup_ok("4242:audio", &u);
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 29);
	assert_null(u.name);
	assert_string_equal(u.home, "/");
	check_groups(&u, IDS(29));
	rt_user_free(&u);
	lookup_ok("4242:7", &u);
	assert_int_equal(u.gid, 7);
	rt_user_free(&u);

	lookup_ok("root:4294967294", &u);
	assert_int_equal(u.gid, RT_ID_MAX);
	rt_user_free(&u);
	lookup_ok("bob:nomembers", &u);
	assert_int_equal(u.gid, 91);
	rt_user_free(&u);
	lookup_ok("root:video", &u); /* last line, no newline */
	assert_int_equal(u.gid, 44);
	rt_user_free(&u);
}

static void test_skipped_lines(void **state)
{
	(void)state;
	const char *unknown_users[] = { "nis", "+nis", "-bob", "badid", "signed", "big", "huge", "biggid",
					"few", "many", "# comment" };
	const char *unknown_groups[] = { "nisgroup", "+nisgroup", "badgid", "biggid", "toomany", "toofew",
					 "# staff", "+" };
	char spec[64];

	for (size_t i = 0; i < NC_ELEMENTSOF(unknown_users); i++)
		lookup_fails(passwd, group, unknown_users[i], -ENOENT, "not found in the container's /etc/passwd");
	for (size_t i = 0; i < NC_ELEMENTSOF(unknown_groups); i++) {
		snprintf(spec, sizeof(spec), "bob:%s", unknown_groups[i]);
		lookup_fails(passwd, group, spec, -ENOENT, "not found in the container's /etc/group");
	}

	/* The first bob wins over the later one, the user named "1000" is
	 * never reached by number, and no skipped group line makes bob a
	 * member (60, 61, 62, 80, 82 and the gid-less ones). */
	struct rt_user u;
	lookup_ok("bob", &u);
	assert_int_equal(u.uid, 1000);
	check_groups(&u, IDS(1000, 1, 50, 29, 51, 90, 44));
	rt_user_free(&u);
}

static void test_unknown(void **state)
{
	(void)state;
	lookup_fails(passwd, group, "alice", -ENOENT,
		     "user `alice` not found in the container's /etc/passwd");
	lookup_fails(passwd, group, "bo", -ENOENT, "user `bo` not found");
	lookup_fails(passwd, group, "bob:nogroup", -ENOENT,
		     "group `nogroup` not found in the container's /etc/group");
	lookup_fails(passwd, group, "4242:nogroup", -ENOENT, "group `nogroup` not found");
	/* the group is not looked up by the user's name */
	lookup_fails(passwd, group, "nohome:nohome", -ENOENT, "group `nohome` not found");
}

static void test_out_of_range(void **state)
{
	(void)state;
	lookup_fails(passwd, group, "4294967295", -ERANGE, "out of range");
	lookup_fails(passwd, group, "99999999999", -ERANGE, "uid `99999999999` is out of range");
	lookup_fails(passwd, group, "18446744073709551616", -ERANGE, "out of range");
	lookup_fails(passwd, group, "1000:4294967295", -ERANGE, "gid `4294967295` is out of range");
	lookup_fails(passwd, group, "bob:99999999999999999999", -ERANGE, "out of range");
}

static void test_malformed_spec(void **state)
{
	(void)state;
	const char *bad[] = { "", ":", "bob:", ":50", "bob:staff:x", "1:2:3", "bob\n", "bob:staff\n",
			      "\nbob" };

	for (size_t i = 0; i < NC_ELEMENTSOF(bad); i++)
		lookup_fails(passwd, group, bad[i], -EINVAL, "is not a user");
	lookup_fails(passwd, group, NULL, -EINVAL, "is not a user");
	/* a sign or a blank makes it a name, and no user has it */
	lookup_fails(passwd, group, "-1", -ENOENT, "user `-1` not found");
	lookup_fails(passwd, group, "+1000", -ENOENT, "not found");
	lookup_fails(passwd, group, " 1000", -ENOENT, "not found");
}

static void test_missing_files(void **state)
{
	(void)state;
	nc_err err;
	struct rt_user u;

	/* no passwd: ids still work, names do not */
	assert_int_equal(rt_user_lookup(NULL, group, "1000", &u, &err), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 0);
	assert_null(u.name);
	assert_string_equal(u.home, "/");
	check_groups(&u, IDS(0));
	rt_user_free(&u);
	assert_int_equal(rt_user_lookup(NULL, group, "1000:staff", &u, &err), 0);
	assert_int_equal(u.gid, 50);
	rt_user_free(&u);
	lookup_fails(NULL, group, "bob", -ENOENT, "user `bob` not found");
	lookup_fails("", group, "bob", -ENOENT, "user `bob` not found");

	/* no group: only the primary gid */
	assert_int_equal(rt_user_lookup(passwd, NULL, "bob", &u, &err), 0);
	assert_int_equal(u.gid, 1000);
	check_groups(&u, IDS(1000));
	rt_user_free(&u);
	assert_int_equal(rt_user_lookup(passwd, NULL, "bob:50", &u, &err), 0);
	check_groups(&u, IDS(50));
	rt_user_free(&u);
	lookup_fails(passwd, NULL, "bob:staff", -ENOENT, "group `staff` not found");

	assert_int_equal(rt_user_lookup(NULL, NULL, "0:0", &u, &err), 0);
	assert_int_equal(u.uid, 0);
	assert_string_equal(u.home, "/");
	check_groups(&u, IDS(0));
	rt_user_free(&u);
}

/* More memberships than setgroups(2) takes: an error, not a cut list.
 * (add_group's duplicate check is quadratic: about 2e9 comparisons here,
 * so only the failing side of the boundary is tried.) */
static void test_too_many_groups(void **state)
{
	(void)state;
	size_t size = (size_t)(NGROUPS_MAX + 1) * 32;
	_cleanup_free_ char *gr = malloc(size);
	size_t n = 0;

	assert_non_null(gr);
	/* the primary gid 1000 plus NGROUPS_MAX others */
	for (unsigned i = 0; i < NGROUPS_MAX; i++)
		n += (size_t)snprintf(gr + n, size - n, "g%u:x:%u:bob\n", i, 100000 + i);
	lookup_fails(passwd, gr, "bob", -E2BIG, "user `bob` is in more than 65536 groups");
}

/* ---- files under a root ---------------------------------------------------- */

static char root[64];

static void path_of(char *p, size_t size, const char *rel)
{
	assert_true(snprintf(p, size, "%s/%s", root, rel) < (int)size);
}

static void put(const char *rel, const char *content)
{
	char p[256];
	path_of(p, sizeof(p), rel);
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	fputs(content, f);
	assert_int_equal(fclose(f), 0);
}

static void mkd(const char *rel)
{
	char p[256];
	path_of(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void ln(const char *to, const char *rel)
{
	char p[256];
	path_of(p, sizeof(p), rel);
	assert_int_equal(symlink(to, p), 0);
}

static int setup_root(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/nc-rt-user-XXXXXX");
	assert_non_null(mkdtemp(root));
	mkd("etc");
	return 0;
}

static int teardown_root(void **state)
{
	(void)state;
	nc_err err;
	assert_int_equal(nc_rm_rf(root, &err), 0);
	return 0;
}

static void resolve_fails(const char *r, const char *spec, int want, const char *msg)
{
	nc_err err = { 0 };
	struct rt_user u;

	memset(&u, 0x5a, sizeof(u));
	assert_int_equal(rt_user_resolve(r, spec, &u, &err), want);
	if (!strstr(err.msg, msg))
		fail_msg("`%s`: message `%s` lacks `%s`", spec, err.msg, msg);
	assert_null(u.groups);
	assert_null(u.home);
	assert_null(u.name);
}

/*
 * etc/passwd -> /etc/passwd- and etc/group -> ../../../../../../etc/group-:
 * the host has both files (root is uid 0 there); inside the root they say
 * root is uid 4321. Resolved as "/" = the root, both links land inside.
 */
static void test_resolve_links_stay_inside(void **state)
{
	(void)state;
	nc_err err;
	struct rt_user u;

	put("etc/passwd-", "root:x:4321:4321:fake:/fakeroot:/bin/sh\n");
	put("etc/group-", "root:x:4321:\nwheel:x:4400:root\n");
	ln("/etc/passwd-", "etc/passwd");
	ln("../../../../../../etc/group-", "etc/group");

	if (rt_user_resolve(root, "root", &u, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(u.uid, 4321);
	assert_int_equal(u.gid, 4321);
	assert_string_equal(u.home, "/fakeroot");
	check_groups(&u, IDS(4321, 4400));
	rt_user_free(&u);

	/* the same through an already open root */
	_cleanup_close_ int rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	assert_int_equal(rt_user_resolve_at(rootfd, "0", &u, &err), 0);
	assert_null(u.name); /* uid 0 has no entry in this root */
	check_groups(&u, IDS(0));
	rt_user_free(&u);
	assert_int_equal(rt_user_resolve_at(rootfd, "root:wheel", &u, &err), 0);
	assert_int_equal(u.gid, 4400);
	rt_user_free(&u);
}

static void test_resolve_missing_files(void **state)
{
	(void)state;
	nc_err err;
	struct rt_user u;

	/* no etc/passwd, no etc/group */
	assert_int_equal(rt_user_resolve(root, "1000", &u, &err), 0);
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 0);
	assert_string_equal(u.home, "/");
	rt_user_free(&u);
	resolve_fails(root, "bob", -ENOENT, "user `bob` not found in the container's /etc/passwd");

	/* a dangling link is a missing file, even when the host has its target */
	ln("/etc/passwd-", "etc/passwd");
	ln("/etc/group-", "etc/group");
	resolve_fails(root, "root", -ENOENT, "user `root` not found");
	assert_int_equal(rt_user_resolve(root, "0:0", &u, &err), 0);
	assert_null(u.name);
	rt_user_free(&u);

	/* no etc at all */
	char p[256];
	path_of(p, sizeof(p), "etc");
	assert_int_equal(nc_rm_rf(p, &err), 0);
	assert_int_equal(rt_user_resolve(root, "5", &u, &err), 0);
	assert_int_equal(u.uid, 5);
	rt_user_free(&u);

	/* a missing root is an error naming it */
	path_of(p, sizeof(p), "nonexistent");
	resolve_fails(p, "5", -ENOENT, "open the root");
}

static void test_resolve_not_regular(void **state)
{
	(void)state;
	char p[256];

	/* a directory */
	mkd("etc/passwd");
	resolve_fails(root, "bob", -EINVAL, "user `bob`: the container's `/etc/passwd` is not a regular file");
	path_of(p, sizeof(p), "etc/passwd");
	assert_int_equal(rmdir(p), 0);

	/* a FIFO must not block the read */
	path_of(p, sizeof(p), "etc/group");
	assert_int_equal(mkfifo(p, 0644), 0);
	put("etc/passwd", "bob:x:1000:1000::/home/bob:/bin/sh\n");
	resolve_fails(root, "bob", -EINVAL, "`/etc/group` is not a regular file");
	assert_int_equal(unlink(p), 0);

	/* a symlink loop */
	ln("group", "etc/group");
	resolve_fails(root, "bob", -ELOOP, "user `bob`: ");
}

/* Files read whole, whatever their size, and with a NUL cutting them
 * short (which can only hide entries). */
static void test_resolve_reads_whole_file(void **state)
{
	(void)state;
	nc_err err;
	struct rt_user u;
	char p[256];

	/* 20000 filler lines before bob: well past any first read */
	path_of(p, sizeof(p), "etc/passwd");
	FILE *f = fopen(p, "we");
	assert_non_null(f);
	for (unsigned i = 0; i < 20000; i++)
		fprintf(f, "user%u:x:%u:%u::/home/user%u:/bin/sh\n", i, 10000 + i, 10000 + i, i);
	fputs("bob:x:1000:1000::/home/bob:/bin/sh", f);
	assert_int_equal(fclose(f), 0);
	put("etc/group", "audio:x:29:bob\n");

	assert_int_equal(rt_user_resolve(root, "bob", &u, &err), 0);
	assert_int_equal(u.uid, 1000);
	check_groups(&u, IDS(1000, 29));
	rt_user_free(&u);
	assert_int_equal(rt_user_resolve(root, "29999", &u, &err), 0);
	assert_string_equal(u.name, "user19999");
	rt_user_free(&u);

	/* an empty file */
	put("etc/passwd", "");
	resolve_fails(root, "bob", -ENOENT, "user `bob` not found");

	/* a NUL ends the text */
	f = fopen(p, "we");
	assert_non_null(f);
	static const char nul[] = "root:x:0:0::/root:/bin/sh\n\0bob:x:1000:1000::/:/bin/sh\n";
	assert_int_equal(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(rt_user_resolve(root, "root", &u, &err), 0);
	rt_user_free(&u);
	resolve_fails(root, "bob", -ENOENT, "user `bob` not found");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_uid),
		cmocka_unit_test(test_explicit_group),
		cmocka_unit_test(test_skipped_lines),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_malformed_spec),
		cmocka_unit_test(test_missing_files),
		cmocka_unit_test(test_too_many_groups),
		cmocka_unit_test_setup_teardown(test_resolve_links_stay_inside, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_resolve_missing_files, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_resolve_not_regular, setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_resolve_reads_whole_file, setup_root, teardown_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
