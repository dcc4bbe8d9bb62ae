/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Rootfs tarballs into the content store: a small tree with every kind of
 * entry, the cached second call, and hostile archives, each of which must
 * leave nothing outside the target. Runs unprivileged; ownership and
 * device nodes are checked only as root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "common/sha256.h"
#include "runtime/copy-tree.h"
#include "runtime/image.h"
#include "no-openat2.h"
#include "tar-writer.h"

static char tmpdir[64], store[128], outside[128];
static nc_err err;

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nc-rt-image-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(store, sizeof(store), "%s/store", tmpdir);
	/* what hostile archives aim at: a file and a directory beside the store */
	snprintf(outside, sizeof(outside), "%s/outside", tmpdir);
	if (mkdir(outside, 0755) < 0)
		return -1;
	char p[256];
	snprintf(p, sizeof(p), "%s/victim", outside);
	FILE *f = fopen(p, "w");
	if (!f)
		return -1;
	fputs("host", f);
	return fclose(f);
}

static int teardown(void **state)
{
	(void)state;
	nc_err e;
	char cmd[128];
	/* unprivileged, the read-only directories of the images stop rm */
	snprintf(cmd, sizeof(cmd), "chmod -R u+rwX %s", tmpdir);
	if (geteuid() != 0 && system(cmd) != 0)
		return -1;
	return nc_rm_rf(tmpdir, &e) < 0 ? -1 : 0;
}

static void save(struct tw *w, const char *name, bool gz, char *path, size_t size)
{
	tw_end(w);
	assert_int_equal(nc_pathf(path, size, "%s/%s", tmpdir, name), 0);
	tw_save(w, path, gz);
	tw_free(w);
}

static void digest_of(const char *path, char hex[NC_SHA256_HEX_LEN])
{
	_cleanup_free_ char *data = NULL;
	size_t len;
	uint8_t d[NC_SHA256_LEN];
	assert_int_equal(nc_read_file(path, &data, &len, &err), 0);
	nc_sha256(data, len, d);
	nc_sha256_hex(d, hex);
}

/* A whiteout as overlayfs reads it: a character device 0/0. */
static bool is_whiteout(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0);
}

static bool is_opaque(const char *path)
{
	char v[2] = "";
	return lgetxattr(path, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y';
}

/* `rel` of the store entry `dir` as overlayfs would show it, in `out`:
 * the uppermost layer that has it; false when a whiteout or an opaque
 * directory hides it or no layer has it. A directory that is no store
 * entry is its own root. */
static bool layered(const char *dir, const char *rel, char out[512])
{
	char **dirs;
	size_t n;
	nc_err e;
	assert_int_equal(rt_image_lower_dirs(dir, &dirs, &n, &e), 0);
	bool found = false, hidden = false;
	for (size_t i = 0; i < n && !found && !hidden; i++) {
		char p[512];
		/* each ancestor in this layer: a whiteout hides, opaque stops */
		for (const char *c = rel;; c++) {
			if (*c != '/' && *c)
				continue;
			snprintf(p, sizeof(p), "%s/%.*s", dirs[i], (int)(c - rel), rel);
			if (is_whiteout(p)) {
				hidden = true;
				break;
			}
			if (!*c)
				break;
		}
		snprintf(p, sizeof(p), "%s/%s", dirs[i], rel);
		struct stat st;
		if (!hidden && lstat(p, &st) == 0) {
			found = true;
			snprintf(out, 512, "%s", p);
		}
		for (const char *c = rel; !found && !hidden && *c; c++)
			if (*c == '/') {
				snprintf(p, sizeof(p), "%s/%.*s", dirs[i], (int)(c - rel), rel);
				hidden = is_opaque(p);
			}
	}
	rt_image_lower_dirs_free(dirs, n);
	return found;
}

static void read_is(const char *dir, const char *rel, const char *want)
{
	char p[512];
	_cleanup_free_ char *data = NULL;
	assert_true(layered(dir, rel, p));
	assert_int_equal(nc_read_file(p, &data, NULL, &err), 0);
	assert_string_equal(data, want);
}

static bool exists(const char *dir, const char *rel)
{
	char p[512];
	return layered(dir, rel, p);
}

static struct stat stat_of(const char *dir, const char *rel)
{
	char p[512];
	struct stat st;
	assert_true(layered(dir, rel, p));
	assert_int_equal(lstat(p, &st), 0);
	return st;
}

/* Store entries other than .hints and the layers: unpacked images and
 * .tmp- leftovers. */
static size_t store_entries(void)
{
	size_t n = 0;
	DIR *d = opendir(store);
	if (!d)
		return 0;
	for (struct dirent *de; (de = readdir(d));)
		if ((de->d_name[0] != '.' && strcmp(de->d_name, "layers") && strcmp(de->d_name, "l")) ||
		    !strncmp(de->d_name, ".tmp-", 5))
			n++;
	closedir(d);
	return n;
}

/* Nothing but what setup made outside the store. */
static void outside_untouched(void)
{
	read_is(outside, "victim", "host");
	DIR *d = opendir(outside);
	assert_non_null(d);
	size_t n = 0;
	for (struct dirent *de; (de = readdir(d));)
		n++;
	closedir(d);
	assert_int_equal(n, 3); /* ".", "..", victim */
	d = opendir(tmpdir);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		assert_null(strstr(de->d_name, "evil"));
	closedir(d);
}

static void test_tree(void **state)
{
	(void)state;
	bool root = geteuid() == 0;
	struct tw w = { 0 };
	struct tw_hdr top = { .name = "./", .type = '5', .mode = 0755, .mtime = 1000 };
	tw_header(&w, &top);
	tw_entry(&w, "./bin/", '5', NULL);
	struct tw_hdr bb = { .name = "./bin/busybox", .type = '0', .mode = 04755, .size = 7,
			     .uid = 1000, .gid = 1000, .mtime = 1600000000 };
	tw_header(&w, &bb);
	tw_data(&w, "#!ELF\n\n", 7);
	tw_entry(&w, "./bin/sh", '2', "busybox");
	tw_entry(&w, "./bin/ls", '1', "./bin/busybox");
	tw_file(&w, "./etc/hostname", "box\n", 0644); /* no "etc/" entry: made 0755 */
	tw_entry(&w, "./run/", '5', NULL);
	tw_entry(&w, "./run/fifo", '6', NULL);
	struct tw_hdr ro = { .name = "./ro/", .type = '5', .mode = 0555, .mtime = 2000 };
	tw_header(&w, &ro);
	tw_file(&w, "./ro/inside", "in a read-only directory", 0444);
	struct tw_hdr null = { .name = "./dev/null", .type = '3', .mode = 0666, .major = 1, .minor = 3 };
	tw_header(&w, &null);
	struct tw_hdr sticky = { .name = "./tmp/", .type = '5', .mode = 01777 };
	tw_header(&w, &sticky);
	char path[512], hex[NC_SHA256_HEX_LEN], want[256];
	save(&w, "tree.tar.gz", true, path, sizeof(path));
	digest_of(path, hex);
	snprintf(want, sizeof(want), "%s/%s", store, hex);

	_cleanup_free_ char *dir = NULL;
	assert_int_equal(rt_image_unpack(path, store, &dir, &err), 0);
	assert_string_equal(dir, want);
	assert_int_equal(stat_of(store, ".").st_mode & 07777, 0700);

	struct stat st = stat_of(dir, ".");
	assert_int_equal(st.st_mode & 07777, 0755);
	assert_int_equal(st.st_mtime, 1000);
	read_is(dir, "bin/busybox", "#!ELF\n\n");
	st = stat_of(dir, "bin/busybox");
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(st.st_mtime, 1600000000);
	assert_int_equal(st.st_nlink, 2);
	if (root) {
		assert_int_equal(st.st_uid, 1000);
		assert_int_equal(st.st_gid, 1000);
	} else {
		assert_int_equal(st.st_uid, geteuid());
	}
	assert_int_equal(stat_of(dir, "bin/ls").st_ino, st.st_ino);
	char link[64] = { 0 };
	assert_true(layered(dir, "bin/sh", path));
	assert_int_equal(readlink(path, link, sizeof(link) - 1), 7);
	assert_string_equal(link, "busybox");
	read_is(dir, "etc/hostname", "box\n");
	assert_int_equal(stat_of(dir, "etc").st_mode & 07777, 0755);
	assert_true(S_ISFIFO(stat_of(dir, "run/fifo").st_mode));
	assert_int_equal(stat_of(dir, "run/fifo").st_mode & 07777, 0644);
	st = stat_of(dir, "ro");
	assert_int_equal(st.st_mode & 07777, 0555);
	assert_int_equal(st.st_mtime, 2000); /* set after its file went in */
	read_is(dir, "ro/inside", "in a read-only directory");
	assert_int_equal(stat_of(dir, "tmp").st_mode & 07777, 01777);
	/* Never made, even by root: no device node in the store. */
	assert_false(exists(dir, "dev/null"));
	(void)root;

	/* Second call: the same directory, nothing unpacked again. */
	snprintf(path, sizeof(path), "%s/marker", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/tree.tar.gz", tmpdir);
	_cleanup_free_ char *again = NULL;
	assert_int_equal(rt_image_unpack(path, store, &again, &err), 0);
	assert_string_equal(again, dir);
	snprintf(path, sizeof(path), "%s/marker", dir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/tree.tar.gz", tmpdir);
	/* A touched tarball misses the hint: hashed again, same entry. */
	assert_int_equal(utimensat(AT_FDCWD, path, NULL, 0), 0);
	_cleanup_free_ char *third = NULL;
	assert_int_equal(rt_image_unpack(path, store, &third, &err), 0);
	assert_string_equal(third, dir);
	snprintf(path, sizeof(path), "%s/marker", dir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(store_entries(), 1);
}

static void test_plain_tar(void **state)
{
	(void)state;
	struct tw w = { 0 };
	tw_file(&w, "hello", "plain", 0644);
	char path[256];
	save(&w, "plain.tar", false, path, sizeof(path));
	_cleanup_free_ char *dir = NULL;
	assert_int_equal(rt_image_unpack(path, store, &dir, &err), 0);
	read_is(dir, "hello", "plain");
	/* The entry removed (as `rmi` or `image prune` do) while the file's
	 * stat hint stays: the next unpack makes it again instead of
	 * trusting the hint and naming a missing directory. */
	assert_int_equal(nc_rm_rf(dir, &err), 0);
	free(dir);
	dir = NULL;
	assert_int_equal(rt_image_unpack(path, store, &dir, &err), 0);
	read_is(dir, "hello", "plain");
}

/* Unpacks a hostile archive; returns rt_image_unpack's result. */
static int unpack_hostile(struct tw *w, const char *name, char **dir)
{
	char path[256];
	size_t before = store_entries();
	save(w, name, true, path, sizeof(path));
	*dir = NULL;
	int r = rt_image_unpack(path, store, dir, &err);
	outside_untouched();
	/* a failure leaves no entry and no .tmp- behind */
	assert_int_equal(store_entries(), before + (r == 0));
	return r;
}

static void test_dotdot_refused(void **state)
{
	(void)state;
	struct tw w = { 0 };
	tw_file(&w, "ok", "", 0644);
	tw_file(&w, "../evil", "escaped", 0644);
	char *dir;
	assert_int_equal(unpack_hostile(&w, "dotdot.tgz", &dir), -EPERM);
	assert_non_null(strstr(err.msg, "image `"));
	assert_non_null(strstr(err.msg, "dotdot.tgz`: entry `../evil`: a `..` component (refused)"));

	/* hidden in the middle, and as a hard link's target */
	tw_file(&w, "a/../../evil", "escaped", 0644);
	assert_int_equal(unpack_hostile(&w, "dotdot2.tgz", &dir), -EPERM);
	tw_file(&w, "f", "x", 0644);
	tw_entry(&w, "h", '1', "a/../../f");
	assert_int_equal(unpack_hostile(&w, "dotdot3.tgz", &dir), -EPERM);
	assert_non_null(strstr(err.msg, "entry `h`: hard link to `a/../../f`: a `..` component"));
}

static void test_absolute_made_relative(void **state)
{
	(void)state;
	struct tw w = { 0 };
	tw_file(&w, "/abs-evil", "rooted", 0644);
	tw_entry(&w, "//etc/", '5', NULL);
	tw_file(&w, "/etc/./passwd", "root:x:0:0::/:/bin/sh\n", 0644);
	_cleanup_free_ char *dir = NULL;
	assert_int_equal(unpack_hostile(&w, "abs.tgz", &dir), 0);
	read_is(dir, "abs-evil", "rooted");
	read_is(dir, "etc/passwd", "root:x:0:0::/:/bin/sh\n");
}

/* link -> <outside dir>, then link/evil: resolved in the root. */
static void test_write_through_absolute_symlink(void **state)
{
	(void)state;
	struct tw w = { 0 };
	tw_entry(&w, "link", '2', outside);
	char name[256];
	snprintf(name, sizeof(name), "link/evil");
	tw_file(&w, name, "through the link", 0644);
	tw_entry(&w, "tmplink", '2', "/tmp");
	tw_file(&w, "tmplink/nc-image-evil", "through /tmp", 0644);
	_cleanup_free_ char *dir = NULL;
	assert_int_equal(unpack_hostile(&w, "abs-link.tgz", &dir), 0);
	/* the links are kept as they are ... */
	char link[256] = { 0 }, p[512];
	assert_true(layered(dir, "link", p));
	assert_true(readlink(p, link, sizeof(link) - 1) > 0);
	assert_string_equal(link, outside);
	/* ... and what went through them landed inside the root */
	snprintf(p, sizeof(p), "%s/evil", outside + 1);
	read_is(dir, p, "through the link");
	read_is(dir, "tmp/nc-image-evil", "through /tmp");
	assert_false(exists("/tmp", "nc-image-evil"));
}

/* up -> .., then up/evil: ".." of the root is the root. */
static void test_write_through_dotdot_symlink(void **state)
{
	(void)state;
	struct tw w = { 0 };
	tw_entry(&w, "up", '2', "..");
	tw_file(&w, "up/evil", "climbed", 0644);
	tw_entry(&w, "deep/", '5', NULL);
	tw_entry(&w, "deep/up", '2', "../../../../..");
	tw_file(&w, "deep/up/evil2", "climbed more", 0644);
	_cleanup_free_ char *dir = NULL;
	assert_int_equal(unpack_hostile(&w, "dotdot-link.tgz", &dir), 0);
	read_is(dir, "evil", "climbed");
	read_is(dir, "evil2", "climbed more");
	assert_false(exists(store, "evil"));
	assert_false(exists(store, "evil2"));
}

static void test_hardlink_outside(void **state)
{
	(void)state;
	struct tw w = { 0 };
	tw_entry(&w, "passwd", '1', "/etc/passwd");
	char *dir;
	assert_int_equal(unpack_hostile(&w, "hardlink.tgz", &dir), -ENOENT);
	assert_non_null(strstr(err.msg, "entry `passwd`: hard link to `/etc/passwd`: no such entry in the archive"));

	/* through a symlink that points out: still resolved in the root */
	char target[256];
	snprintf(target, sizeof(target), "l/victim");
	tw_entry(&w, "l", '2', outside);
	tw_entry(&w, "h", '1', target);
	assert_int_equal(unpack_hostile(&w, "hardlink2.tgz", &dir), -ENOENT);

	/* with the archive's own /etc/passwd, that one is linked */
	tw_entry(&w, "etc/", '5', NULL);
	tw_file(&w, "etc/passwd", "archive's own\n", 0644);
	tw_entry(&w, "passwd", '1', "/etc/passwd");
	_cleanup_free_ char *ok = NULL;
	assert_int_equal(unpack_hostile(&w, "hardlink3.tgz", &ok), 0);
	assert_int_equal(stat_of(ok, "passwd").st_ino, stat_of(ok, "etc/passwd").st_ino);
	assert_int_not_equal(stat_of(ok, "passwd").st_ino, stat_of("/etc", "passwd").st_ino);
}

/* An entry replacing a symlink (or a hard link to one) must not write
 * through it, and a directory entry replaces a symlink to a directory. */
static void test_replace_not_follow(void **state)
{
	(void)state;
	char victim[256];
	snprintf(victim, sizeof(victim), "%s/victim", outside);
	struct tw w = { 0 };
	tw_entry(&w, "f", '2', victim);
	tw_file(&w, "f", "pwned", 0644);
	tw_entry(&w, "s", '2', victim);
	tw_entry(&w, "h", '1', "s");
	tw_file(&w, "h", "pwned too", 0644);
	tw_entry(&w, "d", '2', outside);
	tw_entry(&w, "d/", '5', NULL);
	tw_file(&w, "d/evil", "in a real directory", 0644);
	struct tw_hdr fifo = { .name = "s", .type = '6', .mode = 0600 };
	tw_header(&w, &fifo);
	_cleanup_free_ char *dir = NULL;
	assert_int_equal(unpack_hostile(&w, "replace.tgz", &dir), 0);
	read_is(dir, "f", "pwned");
	read_is(dir, "h", "pwned too");
	assert_true(S_ISDIR(stat_of(dir, "d").st_mode));
	read_is(dir, "d/evil", "in a real directory");
	assert_true(S_ISFIFO(stat_of(dir, "s").st_mode));

	/* a directory in the way of a file is an error, not a removal */
	tw_entry(&w, "x/", '5', NULL);
	tw_file(&w, "x/keep", "", 0644);
	tw_file(&w, "x", "over a directory", 0644);
	char *bad;
	assert_int_equal(unpack_hostile(&w, "dir-in-way.tgz", &bad), -EISDIR);
	assert_non_null(strstr(err.msg, "entry `x`: create: Is a directory"));
}

static void test_limits(void **state)
{
	(void)state;
	struct tw w = { 0 };
	struct tw_hdr h = { .name = "huge", .type = '0', .size = (UINT64_C(1) << 40) + 1, .b256_size = true };
	tw_header(&w, &h);
	char *dir;
	assert_int_equal(unpack_hostile(&w, "huge.tgz", &dir), -EFBIG);
	assert_non_null(strstr(err.msg, "entry `huge`: larger than 1 TiB (refused)"));

	/* a name past PATH_MAX (pax lets it be that long) */
	static char longname[PATH_MAX + 16];
	memcpy(longname, "path=", 5);
	memset(longname + 5, 'a', PATH_MAX + 5);
	for (int i = 100; i < PATH_MAX; i += 100)
		longname[i] = '/';
	const char *kv[] = { longname, NULL };
	tw_pax(&w, 'x', kv);
	tw_file(&w, "short", "", 0644);
	assert_true(unpack_hostile(&w, "longname.tgz", &dir) < 0);
	assert_non_null(strstr(err.msg, "bad pax path"));

	tw_entry(&w, "label", 'V', NULL); /* skipped */
	tw_entry(&w, "cont", 'S', NULL);
	assert_true(unpack_hostile(&w, "sparse.tgz", &dir) < 0);
	assert_non_null(strstr(err.msg, "sparse"));

	/* A type no tar writes is refused, not unpacked as a regular file
	 * (POSIX's advice to readers, which Docker does not follow). */
	tw_file(&w, "before", "b", 0644);
	tw_entry(&w, "odd", 'Z', NULL);
	assert_int_equal(unpack_hostile(&w, "odd-type.tgz", &dir), -ENOTSUP);
	assert_non_null(strstr(err.msg, "entry `odd`: entry type `Z` is not supported"));
	/* control: the same archive with a regular file there unpacks */
	tw_file(&w, "before", "b", 0644);
	tw_entry(&w, "odd", '0', NULL);
	_cleanup_free_ char *ok = NULL;
	assert_int_equal(unpack_hostile(&w, "odd-type-control.tgz", &ok), 0);
	read_is(ok, "before", "b");
}

static void test_truncated(void **state)
{
	(void)state;
	struct tw w = { 0 };
	tw_file(&w, "etc/group", "root:x:0:\n", 0644);
	struct tw_hdr h = { .name = "etc/passwd", .type = '0', .size = 4000 };
	tw_header(&w, &h);
	char path[256];
	assert_int_equal(nc_pathf(path, sizeof(path), "%s/cut.tar", tmpdir), 0);
	tw_save(&w, path, false);
	tw_free(&w);
	char *dir = NULL;
	assert_true(rt_image_unpack(path, store, &dir, &err) < 0);
	assert_null(dir);
	char want[512];
	snprintf(want, sizeof(want), "image `%s`: entry `etc/passwd`: truncated (the input ends inside its data)",
		 path);
	assert_string_equal(err.msg, want);

	assert_int_equal(nc_pathf(path, sizeof(path), "%s/not-a-tar", tmpdir), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 100; i++)
		fputs("this is not a tar archive\n", f);
	fclose(f);
	assert_true(rt_image_unpack(path, store, &dir, &err) < 0);
	assert_non_null(strstr(err.msg, "header at offset 0: bad header checksum"));
	assert_true(rt_image_unpack(tmpdir, store, &dir, &err) < 0);
	assert_non_null(strstr(err.msg, "not a regular file"));
	outside_untouched();
}

/* Two unpacks of one tarball at once: both get the one entry, and the
 * loser's temporary directory is gone. */
static void test_concurrent(void **state)
{
	(void)state;
	struct tw w = { 0 };
	char name[64], content[4096];
	memset(content, 'z', sizeof(content) - 1);
	content[sizeof(content) - 1] = '\0';
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "d%d/f%d", i % 10, i);
		tw_file(&w, name, content, 0644);
	}
	char path[256];
	save(&w, "race.tgz", true, path, sizeof(path));
	size_t before = store_entries();
	pid_t kids[4];
	for (int i = 0; i < 4; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			char *dir = NULL;
			nc_err e;
			_exit(rt_image_unpack(path, store, &dir, &e) == 0 && exists(dir, "d9/f299") ? 0 : 1);
		}
	}
	for (int i = 0; i < 4; i++) {
		int st;
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	assert_int_equal(store_entries(), before + 1);
}

#define WALK_ENV "NC_TEST_IMAGE_NO_OPENAT2"

/* Read in main(): under valgrind, execve("/proc/self/exe") would start
 * valgrind's tool, but readlink() of it is answered with our path. */
static char self_exe[PATH_MAX];

/* The same tests on a kernel without openat2 (before 5.6): a child of ours
 * re-executed under a filter that fails openat2 with ENOSYS, so
 * rt_open_in_root() takes its component walk. */
static void test_without_openat2(void **state)
{
	(void)state;
	if (getenv(WALK_ENV))
		skip(); /* this is the child */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* its report goes to stderr: stdout is our TAP stream */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		setenv(WALK_ENV, "1", 1);
		setenv("CMOCKA_MESSAGE_OUTPUT", "STDOUT", 1);
		execl(self_exe, "test-runtime-image", (char *)NULL);
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}



/* ---- image archives: docker save, OCI layouts ---------------------------- */

static void tw_blob(struct tw *w, const char *name, const struct tw *inner)
{
	struct tw_hdr h = { .name = name, .type = '0', .size = inner->len, .mtime = 1700000000 };
	tw_header(w, &h);
	tw_data(w, inner->buf, inner->len);
}

/* Layer 1: a tree; layer 2: whiteouts over it and a new file. */
static void two_layers(struct tw *l1, struct tw *l2)
{
	memset(l1, 0, sizeof(*l1));
	memset(l2, 0, sizeof(*l2));
	tw_entry(l1, "etc/", '5', NULL);
	tw_file(l1, "etc/keep", "keep\n", 0644);
	tw_file(l1, "etc/gone", "gone\n", 0644);
	tw_entry(l1, "opt/", '5', NULL);
	tw_file(l1, "opt/old", "old\n", 0644);
	tw_entry(l1, "opt/sub/", '5', NULL);
	tw_file(l1, "opt/sub/deep", "deep\n", 0644);
	tw_end(l1);
	tw_entry(l2, "etc/", '5', NULL);
	tw_file(l2, "etc/.wh.gone", "", 0644);
	tw_entry(l2, "opt/", '5', NULL);
	tw_file(l2, "opt/.wh..wh..opq", "", 0644);
	tw_file(l2, "opt/new", "new\n", 0644);
	tw_end(l2);
}

static void test_docker_save_layers(void **state)
{
	(void)state;
	struct tw l1, l2, outer = { 0 };
	char path[256], *dir = NULL;
	if (geteuid() != 0)
		skip(); /* an opaque directory is a trusted.* xattr: root only */
	two_layers(&l1, &l2);
	tw_blob(&outer, "aaa/layer.tar", &l1);
	tw_blob(&outer, "bbb/layer.tar", &l2);
	tw_file(&outer, "manifest.json",
		"[{\"Config\":\"c.json\",\"RepoTags\":[\"t:1\"],\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\"]}]", 0644);
	save(&outer, "docker.tar", false, path, sizeof(path));
	tw_free(&l1);
	tw_free(&l2);
	assert_int_equal(rt_image_unpack(path, store, &dir, &err), 0);
	read_is(dir, "etc/keep", "keep\n");
	assert_false(exists(dir, "etc/gone"));
	assert_false(exists(dir, "etc/.wh.gone"));
	read_is(dir, "opt/new", "new\n");
	assert_false(exists(dir, "opt/old"));
	assert_false(exists(dir, "opt/sub"));
	assert_false(exists(dir, "manifest.json"));
	free(dir);
	outside_untouched();
}

/* The same layers as two images: each layer stored once, shared; its
 * whiteouts overlayfs's own; a hard link into the layer below refused. */
static void test_layers_shared(void **state)
{
	(void)state;
	struct tw l1, l2, top = { 0 }, a = { 0 }, b = { 0 }, c = { 0 };
	char path[256], pb[256], pc[256], p[512], *da = NULL, *db = NULL, *dc = NULL;
	if (geteuid() != 0)
		skip(); /* whiteouts: mknod and a trusted.* xattr */
	two_layers(&l1, &l2);
	tw_file(&top, "etc/mine", "b\n", 0644);
	tw_end(&top);
	tw_blob(&a, "aaa/layer.tar", &l1);
	tw_blob(&a, "bbb/layer.tar", &l2);
	tw_file(&a, "manifest.json", "[{\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\"]}]", 0644);
	save(&a, "shared-a.tar", false, path, sizeof(path));
	tw_blob(&b, "aaa/layer.tar", &l1);
	tw_blob(&b, "ccc/layer.tar", &top);
	tw_file(&b, "manifest.json", "[{\"Layers\":[\"aaa/layer.tar\",\"ccc/layer.tar\"]}]", 0644);
	save(&b, "shared-b.tar", false, pb, sizeof(pb));
	/* a layer whose hard link names a file of the layer below */
	struct tw evil = { 0 };
	tw_entry(&evil, "etc/", '5', NULL);
	tw_entry(&evil, "etc/keep2", '1', "etc/keep");
	tw_end(&evil);
	tw_blob(&c, "aaa/layer.tar", &l1);
	tw_blob(&c, "ddd/layer.tar", &evil);
	tw_file(&c, "manifest.json", "[{\"Layers\":[\"aaa/layer.tar\",\"ddd/layer.tar\"]}]", 0644);
	save(&c, "shared-c.tar", false, pc, sizeof(pc));
	tw_free(&l1);
	tw_free(&l2);
	tw_free(&top);
	tw_free(&evil);

	assert_int_equal(rt_image_unpack(path, store, &da, &err), 0);
	assert_int_equal(rt_image_unpack(pb, store, &db, &err), 0);
	char **va, **vb;
	size_t na, nb;
	assert_int_equal(rt_image_lower_dirs(da, &va, &na, &err), 0);
	assert_int_equal(rt_image_lower_dirs(db, &vb, &nb, &err), 0);
	assert_int_equal(na, 2);
	assert_int_equal(nb, 2);
	/* uppermost first; the base is one directory for both */
	assert_string_equal(va[1], vb[1]);
	assert_string_not_equal(va[0], vb[0]);
	read_is(db, "etc/mine", "b\n");
	read_is(db, "etc/gone", "gone\n");
	/* overlayfs's whiteouts, no .wh. file */
	snprintf(p, sizeof(p), "%s/etc/gone", va[0]);
	assert_true(is_whiteout(p));
	snprintf(p, sizeof(p), "%s/opt", va[0]);
	assert_true(is_opaque(p));
	assert_false(exists(va[0], "etc/.wh.gone"));
	assert_false(exists(va[0], "opt/.wh..wh..opq"));
	rt_image_lower_dirs_free(va, na);
	rt_image_lower_dirs_free(vb, nb);

	assert_true(rt_image_unpack(pc, store, &dc, &err) < 0);
	assert_non_null(strstr(err.msg, "hard link to `etc/keep`"));
	assert_null(dc);
	free(da);
	free(db);
	outside_untouched();
}

static void test_archive_errors(void **state)
{
	(void)state;
	static const struct {
		const char *manifest, *want;
	} bad[] = {
		{ "[{\"Layers\":[\"../outside/victim\"]}]", "layer `../outside/victim`" },
		{ "[{\"Layers\":[\"nope.tar\"]}]", "layer `nope.tar`" },
		{ "[{\"Layers\":[\"x\"]},{\"Layers\":[]}]", "2 images in one archive" },
		{ "{\"Layers\":[]}", "not a list of images" },
		{ "[{\"Layers\": [1,]}]", "manifest.json: line 1, column 16: expected a value" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tw outer = { 0 };
		char path[256], name[32], *dir = NULL;
		tw_file(&outer, "manifest.json", bad[i].manifest, 0644);
		snprintf(name, sizeof(name), "bad-%zu.tar", i);
		save(&outer, name, false, path, sizeof(path));
		assert_true(rt_image_unpack(path, store, &dir, &err) < 0);
		if (!strstr(err.msg, bad[i].want))
			fail_msg("`%s` not in: %s", bad[i].want, err.msg);
		assert_null(dir);
	}
	/* OCI: a zstd layer is no longer refused for its media type (its
	 * blob, missing here, is what fails), a digest that is not one is. */
	struct tw l1 = { 0 }, outer = { 0 };
	tw_file(&l1, "f", "x", 0644);
	tw_end(&l1);
	char mdig[96], path[256], *dir = NULL;
	const char *manifest = "{\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\","
			       "\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"}]}";
	uint8_t d[NC_SHA256_LEN];
	char hex[NC_SHA256_HEX_LEN];
	nc_sha256(manifest, strlen(manifest), d);
	nc_sha256_hex(d, hex);
	snprintf(mdig, sizeof(mdig), "blobs/sha256/%s", hex);
	char index[256];
	snprintf(index, sizeof(index), "{\"manifests\":[{\"digest\":\"sha256:%s\"}]}", hex);
	tw_file(&outer, "oci-layout", "{}", 0644);
	tw_file(&outer, "index.json", index, 0644);
	tw_file(&outer, mdig, manifest, 0644);
	save(&outer, "zstd.tar", false, path, sizeof(path));
	tw_free(&l1);
	assert_true(rt_image_unpack(path, store, &dir, &err) < 0);
	if (!strstr(err.msg, "0000000000000000000000000000000000000000000000000000000000000000`: missing")) fail_msg("got: %s", err.msg);
	struct tw o2 = { 0 };
	tw_file(&o2, "oci-layout", "{}", 0644);
	tw_file(&o2, "index.json", "{\"manifests\":[{\"digest\":\"sha256:../../x\"}]}", 0644);
	save(&o2, "baddigest.tar", false, path, sizeof(path));
	assert_true(rt_image_unpack(path, store, &dir, &err) < 0);
	assert_non_null(strstr(err.msg, "is not a sha256 digest"));
	outside_untouched();
	/* Nothing half-made is left in the store. */
	DIR *sd = opendir(store);
	assert_non_null(sd);
	for (struct dirent *de; (de = readdir(sd));)
		if (!strncmp(de->d_name, ".tmp-", 5))
			fail_msg("left over: %s", de->d_name);
	closedir(sd);
}


/* ---- seeding a volume from an image ---------------------------------------- */

static void test_copy_tree(void **state)
{
	(void)state;
	char root[256], dst[256], p[512];
	bool copied;
	snprintf(root, sizeof(root), "%s/seed-root", tmpdir);
	snprintf(dst, sizeof(dst), "%s/seed-dst", tmpdir);
	assert_int_equal(nc_mkdir_p(root, 0755, &err), 0);
	assert_int_equal(nc_mkdir_p(dst, 0755, &err), 0);
	snprintf(p, sizeof(p), "%s/srv/www/sub", root);
	assert_int_equal(nc_mkdir_p(p, 0750, &err), 0);
	snprintf(p, sizeof(p), "%s/srv/www/index.html", root);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("<h1>lab</h1>\n", f);
	fclose(f);
	assert_int_equal(chmod(p, 0640), 0);
	snprintf(p, sizeof(p), "%s/srv/www/sub/fifo", root);
	assert_int_equal(mkfifo(p, 0600), 0);
	snprintf(p, sizeof(p), "%s/srv/www/up", root);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	/* The target reached through a symlink of the image stays inside it. */
	snprintf(p, sizeof(p), "%s/web", root);
	assert_int_equal(symlink("/srv/www", p), 0);

	assert_int_equal(rt_copy_tree_in_root(root, "/web", dst, &copied, &err), 0);
	assert_true(copied);
	read_is(dst, "index.html", "<h1>lab</h1>\n");
	assert_int_equal(stat_of(dst, "index.html").st_mode & 07777, 0640);
	assert_true(S_ISFIFO(stat_of(dst, "sub/fifo").st_mode));
	assert_int_equal(stat_of(dst, "sub").st_mode & 07777, 0750);
	char link[64] = "";
	snprintf(p, sizeof(p), "%s/up", dst);
	assert_true(readlink(p, link, sizeof(link) - 1) > 0);
	assert_string_equal(link, "/etc/passwd"); /* kept as a link, not followed */

	/* Nothing at the target in the image: nothing to do. */
	assert_int_equal(rt_copy_tree_in_root(root, "/nope", dst, &copied, &err), 0);
	assert_false(copied);
	/* A file there is not a directory to seed from. */
	assert_int_equal(rt_copy_tree_in_root(root, "/srv/www/index.html", dst, &copied, &err), 0);
	assert_false(copied);
	outside_untouched();
}

/* The race of a shared volume, made deterministic: between the data and
 * the metadata of each entry, a "container" swaps the entry for a symlink
 * to a host file (or directory) of root's. The seeding must not change
 * what the symlink points at. */
struct swap {
	char victim_file[256], victim_dir[256];
	int swapped;
};

static void swap_entry(int dir, const char *name, void *ctx)
{
	struct swap *sw = ctx;
	const char *victim, *moved;
	if (!strcmp(name, "suid")) {
		victim = sw->victim_file;
		moved = "suid.moved";
	} else if (!strcmp(name, "d")) {
		victim = sw->victim_dir;
		moved = "d.moved";
	} else {
		return;
	}
	assert_int_equal(renameat(dir, name, dir, moved), 0);
	assert_int_equal(symlinkat(victim, dir, name), 0);
	sw->swapped++;
}

static void test_copy_tree_race(void **state)
{
	(void)state;
	char root[256], dst[256], p[512];
	struct swap sw = { 0 };
	bool copied;
	snprintf(root, sizeof(root), "%s/race-root", tmpdir);
	snprintf(dst, sizeof(dst), "%s/race-dst", tmpdir);
	snprintf(sw.victim_file, sizeof(sw.victim_file), "%s/shadow", tmpdir);
	snprintf(sw.victim_dir, sizeof(sw.victim_dir), "%s/host-dir", tmpdir);
	assert_int_equal(nc_mkdir_p(dst, 0755, &err), 0);
	snprintf(p, sizeof(p), "%s/data/d", root);
	assert_int_equal(nc_mkdir_p(p, 0755, &err), 0);
	assert_int_equal(chmod(p, 0777), 0);
	snprintf(p, sizeof(p), "%s/data/suid", root);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\n", f);
	fclose(f);
	assert_int_equal(chmod(p, 04777), 0);
	f = fopen(sw.victim_file, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(sw.victim_file, 0600), 0);
	assert_int_equal(mkdir(sw.victim_dir, 0700), 0);

	struct rt_copy_hooks hooks = { swap_entry, &sw };
	assert_int_equal(rt_copy_tree_in_root_hooked(root, "/data", dst, &hooks, &copied, &err), 0);
	assert_true(copied);
	assert_int_equal(sw.swapped, 2);
	/* The attack fails: the host's file and directory keep their modes;
	 * the metadata went to the entries we made, wherever they were moved. */
	assert_int_equal(stat_of(tmpdir, "shadow").st_mode & 07777, 0600);
	assert_int_equal(stat_of(tmpdir, "host-dir").st_mode & 07777, 0700);
	assert_int_equal(stat_of(dst, "suid.moved").st_mode & 07777, 04777);
	assert_int_equal(stat_of(dst, "d.moved").st_mode & 07777, 0777);

	/* Control: what the old code did at this point, a chmod by name,
	 * follows the planted link and makes the host's file setuid. */
	snprintf(p, sizeof(p), "%s/suid", dst);
	assert_int_equal(fchmodat(AT_FDCWD, p, 04777, 0), 0);
	assert_int_equal(stat_of(tmpdir, "shadow").st_mode & 07777, 04777);
	snprintf(p, sizeof(p), "%s/d", dst);
	assert_int_equal(fchmodat(AT_FDCWD, p, 0777, 0), 0);
	assert_int_equal(stat_of(tmpdir, "host-dir").st_mode & 07777, 0777);
	assert_int_equal(chmod(sw.victim_file, 0600), 0);
	assert_int_equal(chmod(sw.victim_dir, 0700), 0);
}

/* ---- OCI layouts on disk: blobs verified, nodes never opened ------------- */

static void put(const char *dir, const char *rel, const void *data, size_t len, char hex[NC_SHA256_HEX_LEN])
{
	char p[512];
	if (hex) {
		uint8_t d[NC_SHA256_LEN];
		nc_sha256(data, len, d);
		nc_sha256_hex(d, hex);
	}
	assert_int_equal(nc_pathf(p, sizeof(p), "%s/%s", dir, rel), 0);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* A one-layer layout in tmpdir/<name>; the layer's path in `layer`. */
static void make_layout(const char *name, char *dir, size_t size, char layer[512])
{
	struct tw l = { 0 };
	char lhex[NC_SHA256_HEX_LEN], chex[NC_SHA256_HEX_LEN], mhex[NC_SHA256_HEX_LEN], p[512], text[1024];
	snprintf(dir, size, "%s/%s", tmpdir, name);
	snprintf(p, sizeof(p), "%s/blobs/sha256", dir);
	assert_int_equal(nc_mkdir_p(p, 0755, &err), 0);
	tw_file(&l, "hello", "hello from the layer\n", 0644);
	tw_file(&l, "name", name, 0644); /* each layout its own index */
	tw_end(&l);
	put(dir, "layer.tmp", l.buf, l.len, lhex);
	tw_free(&l);
	snprintf(p, sizeof(p), "%s/layer.tmp", dir);
	snprintf(layer, 512, "%s/blobs/sha256/%s", dir, lhex);
	assert_int_equal(rename(p, layer), 0);
	const char *config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}";
	snprintf(p, sizeof(p), "blobs/sha256/config");
	put(dir, p, config, strlen(config), chex);
	char from[512], to[512];
	snprintf(from, sizeof(from), "%s/blobs/sha256/config", dir);
	snprintf(to, sizeof(to), "%s/blobs/sha256/%s", dir, chex);
	assert_int_equal(rename(from, to), 0);
	snprintf(text, sizeof(text), "{\"config\":{\"digest\":\"sha256:%s\"},\"layers\":[{\"digest\":\"sha256:%s\"}]}",
		 chex, lhex);
	put(dir, "blobs/sha256/manifest", text, strlen(text), mhex);
	snprintf(from, sizeof(from), "%s/blobs/sha256/manifest", dir);
	snprintf(to, sizeof(to), "%s/blobs/sha256/%s", dir, mhex);
	assert_int_equal(rename(from, to), 0);
	snprintf(text, sizeof(text), "{\"manifests\":[{\"digest\":\"sha256:%s\"}]}", mhex);
	put(dir, "index.json", text, strlen(text), NULL);
	put(dir, "oci-layout", "{}", 2, NULL);
}

static void no_tmp_in_store(void)
{
	DIR *sd = opendir(store);
	assert_non_null(sd);
	for (struct dirent *de; (de = readdir(sd));)
		if (!strncmp(de->d_name, ".tmp-", 5))
			fail_msg("left over: %s", de->d_name);
	closedir(sd);
}

static void flip_byte(const char *path, off_t at)
{
	int fd = open(path, O_RDWR);
	char c;
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &c, 1, at), 1);
	c ^= 0x20;
	assert_int_equal(pwrite(fd, &c, 1, at), 1);
	close(fd);
}

/* A builder's layer blob: stored once, its overlay directory under l/,
 * its bytes checked against the digest it is named by. */
static void test_layer_dir(void **state)
{
	(void)state;
	struct tw w = { 0 };
	char path[256], hex[NC_SHA256_HEX_LEN], digest[80], bad[80];
	tw_file(&w, "built", "from a builder\n", 0644);
	save(&w, "built.tar", false, path, sizeof(path));
	digest_of(path, hex);
	snprintf(digest, sizeof(digest), "sha256:%s", hex);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	char *dir = NULL, *again = NULL;
	if (rt_image_layer_dir(fd, digest, store, &dir, &err) < 0)
		fail_msg("%s", err.msg);
	char want[512];
	snprintf(want, sizeof(want), "%s/l/%.16s", store, hex);
	assert_string_equal(dir, want);
	read_is(dir, "built", "from a builder\n");
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	assert_int_equal(rt_image_layer_dir(fd, digest, store, &again, &err), 0); /* stored: the same */
	assert_string_equal(again, dir);
	free(again);
	free(dir);
	/* Named by another digest: refused, nothing returned. */
	snprintf(bad, sizeof(bad), "sha256:%064d", 0);
	assert_true(lseek(fd, 0, SEEK_SET) == 0);
	dir = (char *)"x";
	assert_true(rt_image_layer_dir(fd, bad, store, &dir, &err) < 0);
	assert_null(dir);
	assert_true(rt_image_layer_dir(fd, "md5:abc", store, &dir, &err) < 0);
	assert_non_null(strstr(err.msg, "not a sha256 digest"));
	close(fd);
	no_tmp_in_store();
}

static void test_oci_blob_verified(void **state)
{
	(void)state;
	char dir[256], layer[512], *root = NULL;
	make_layout("layout-tamper", dir, sizeof(dir), layer);
	/* One byte of the file's data (after the 512-byte header, so the
	 * tar stays valid): the layer's digest no longer matches. */
	flip_byte(layer, 512);
	size_t before = store_entries();
	assert_true(rt_image_unpack_oci_dir(dir, store, &root, &err) < 0);
	assert_null(root);
	if (!strstr(err.msg, "does not match its digest") || !strstr(err.msg, layer + strlen(dir) + 1))
		fail_msg("unexpected: %s", err.msg);
	assert_int_equal(store_entries(), before); /* nothing kept */
	no_tmp_in_store();
	/* Control: the same layout untampered is used. */
	flip_byte(layer, 512);
	assert_int_equal(rt_image_unpack_oci_dir(dir, store, &root, &err), 0);
	read_is(root, "hello", "hello from the layer\n");
	free(root);
	/* A changed manifest under the same index is refused the same way. */
	make_layout("layout-manifest", dir, sizeof(dir), layer);
	char text[1024];
	snprintf(text, sizeof(text), "{\"layers\":[{\"digest\":\"sha256:%s\"}]}", strrchr(layer, '/') + 1);
	char idx[512];
	snprintf(idx, sizeof(idx), "%s/index.json", dir);
	FILE *f = fopen(idx, "r");
	assert_non_null(f);
	char index[1024] = "";
	assert_true(fread(index, 1, sizeof(index) - 1, f) > 0);
	fclose(f);
	const char *mhex = strstr(index, "sha256:") + 7;
	char mpath[256];
	snprintf(mpath, sizeof(mpath), "blobs/sha256/%.64s", mhex);
	put(dir, mpath, text, strlen(text), NULL);
	assert_true(rt_image_unpack_oci_dir(dir, store, &root, &err) < 0);
	if (!strstr(err.msg, mpath) || !strstr(err.msg, "does not match its digest"))
		fail_msg("unexpected: %s", err.msg);
	no_tmp_in_store();
}

static void test_oci_nodes_not_opened(void **state)
{
	(void)state;
	char dir[256], layer[512], idx[512], *root = NULL;

	/* index.json a fifo: refused at once (the old open waited forever
	 * for a writer; a hang here fails the test on its timeout). */
	make_layout("layout-fifo", dir, sizeof(dir), layer);
	snprintf(idx, sizeof(idx), "%s/index.json", dir);
	assert_int_equal(unlink(idx), 0);
	assert_int_equal(mkfifo(idx, 0644), 0);
	assert_true(rt_image_unpack_oci_dir(dir, store, &root, &err) < 0);
	assert_non_null(strstr(err.msg, "index.json: not a regular file"));
	/* Control: a plain open of it, as before, blocks (cut by an alarm). */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(1);
		int fd = open(idx, O_RDONLY | O_CLOEXEC);
		_exit(fd >= 0 ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGALRM);

	/* A layer that is a character device (1:3, /dev/null: harmless for
	 * the control) is refused without being opened. */
	if (geteuid() != 0)
		return; /* mknod needs CAP_MKNOD */
	make_layout("layout-dev", dir, sizeof(dir), layer);
	assert_int_equal(unlink(layer), 0);
	assert_int_equal(mknod(layer, S_IFCHR | 0644, makedev(1, 3)), 0);
	struct stat before;
	assert_int_equal(stat(layer, &before), 0);
	assert_true(rt_image_unpack_oci_dir(dir, store, &root, &err) < 0);
	if (!strstr(err.msg, "not a regular file") || !strstr(err.msg, strrchr(layer, '/') + 1))
		fail_msg("unexpected: %s", err.msg);
	/* Control: the old open (O_RDONLY|O_NONBLOCK, type checked after)
	 * opens the device: for a watchdog that is already the harm. */
	int fd = open(layer, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	struct stat fst;
	assert_int_equal(fstat(fd, &fst), 0);
	assert_true(S_ISCHR(fst.st_mode));
	close(fd);
	no_tmp_in_store();
}

/* docker save: the config is named by its digest and its diff_ids vouch
 * for each layer.tar; a changed layer is refused, the intact one used. */
static void docker_save_with_ids(const char *name, bool tamper, char *path, size_t size)
{
	struct tw l1, l2, outer = { 0 };
	char h1[NC_SHA256_HEX_LEN], h2[NC_SHA256_HEX_LEN], chex[NC_SHA256_HEX_LEN];
	char config[512], cname[80], manifest[512];
	uint8_t d[NC_SHA256_LEN];
	if (geteuid() != 0)
		skip(); /* an opaque directory is a trusted.* xattr: root only */
	two_layers(&l1, &l2);
	tw_file(&l2, "marker", name, 0644); /* a different archive each time */
	nc_sha256(l1.buf, l1.len, d);
	nc_sha256_hex(d, h1);
	nc_sha256(l2.buf, l2.len, d);
	nc_sha256_hex(d, h2);
	snprintf(config, sizeof(config), "{\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:%s\",\"sha256:%s\"]}}", h1, h2);
	nc_sha256(config, strlen(config), d);
	nc_sha256_hex(d, chex);
	snprintf(cname, sizeof(cname), "%s.json", chex);
	if (tamper) {
		/* A byte of a file's data: the tar stays valid. */
		char *at = memmem(l2.buf, l2.len, "new\n", 4);
		assert_non_null(at);
		*at = 'N';
	}
	tw_blob(&outer, "aaa/layer.tar", &l1);
	tw_blob(&outer, "bbb/layer.tar", &l2);
	tw_file(&outer, cname, config, 0644);
	snprintf(manifest, sizeof(manifest), "[{\"Config\":\"%s\",\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\"]}]", cname);
	tw_file(&outer, "manifest.json", manifest, 0644);
	save(&outer, name, false, path, size);
	tw_free(&l1);
	tw_free(&l2);
}

static void test_docker_save_verified(void **state)
{
	(void)state;
	char path[256], *dir = NULL;
	docker_save_with_ids("ids-bad.tar", true, path, sizeof(path));
	assert_true(rt_image_unpack(path, store, &dir, &err) < 0);
	if (!strstr(err.msg, "layer `bbb/layer.tar`") || !strstr(err.msg, "does not match its digest"))
		fail_msg("unexpected: %s", err.msg);
	assert_null(dir);
	no_tmp_in_store();
	/* Control: the same archive untouched is used. */
	docker_save_with_ids("ids-good.tar", false, path, sizeof(path));
	assert_int_equal(rt_image_unpack(path, store, &dir, &err), 0);
	read_is(dir, "opt/new", "new\n");
	free(dir);
}

int main(void)
{
	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) < 0)
		return 1;
	if (getenv(WALK_ENV) && no_openat2() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_docker_save_layers),
		cmocka_unit_test(test_layers_shared),
		cmocka_unit_test(test_archive_errors),
		cmocka_unit_test(test_copy_tree),
		cmocka_unit_test(test_copy_tree_race),
		cmocka_unit_test(test_layer_dir),
		cmocka_unit_test(test_oci_blob_verified),
		cmocka_unit_test(test_oci_nodes_not_opened),
		cmocka_unit_test(test_docker_save_verified),
		cmocka_unit_test(test_plain_tar),
		cmocka_unit_test(test_dotdot_refused),
		cmocka_unit_test(test_absolute_made_relative),
		cmocka_unit_test(test_write_through_absolute_symlink),
		cmocka_unit_test(test_write_through_dotdot_symlink),
		cmocka_unit_test(test_hardlink_outside),
		cmocka_unit_test(test_replace_not_follow),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_concurrent),
		cmocka_unit_test(test_without_openat2),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
