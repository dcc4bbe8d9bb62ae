/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Volume images formatted in-process: the result is read back with
 * libext2fs and judged by `e2fsck -fn` (e2fsprogs). No root needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/ext-image.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static char dir[64];

static int setup(void **state)
{
	(void)state;
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/nc-ext-image-XXXXXX", t && strlen(t) < 32 ? t : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	nc_err err;
	return nc_rm_rf(dir, &err) < 0 ? -1 : 0;
}

static void path_of(char *buf, size_t size, const char *name)
{
	assert_int_equal(nc_pathf(buf, size, "%s/%s", dir, name), 0);
}

/* Nothing but the named files in dir: no .tmp- leftovers. */
static size_t count_entries(void)
{
	size_t n = 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *de; (de = readdir(d));)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* e2fsck -fn: forced full check, answering no; 0 = clean. Its output is
 * shown when it is not. */
static void assert_fsck_clean(const char *img)
{
	char out[256];
	path_of(out, sizeof(out), "fsck.out");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		execlp("e2fsck", "e2fsck", "-fn", img, (char *)NULL);
		execl("/sbin/e2fsck", "e2fsck", "-fn", img, (char *)NULL);
		_exit(127);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	char *text = NULL;
	nc_err err;
	if (nc_read_file(out, &text, NULL, &err) < 0)
		text = strdup("");
	unlink(out);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "%s", text);
		free(text);
		fail_msg("e2fsck -fn %s: status %#x", img, st);
	}
	free(text);
}

static void assert_dir(ext2_filsys fs, const char *name, ext2_ino_t want_ino, unsigned mode)
{
	ext2_ino_t ino;
	struct ext2_inode inode;

	assert_int_equal(ext2fs_lookup(fs, EXT2_ROOT_INO, name, (int)strlen(name), NULL, &ino), 0);
	if (want_ino)
		assert_int_equal(ino, want_ino);
	assert_int_equal(ext2fs_read_inode(fs, ino, &inode), 0);
	assert_int_equal(inode.i_mode, LINUX_S_IFDIR | mode);
	assert_int_equal(inode_uid(inode), 0);
	assert_int_equal(inode_gid(inode), 0);
}

/* Opens the image with the stock unix I/O manager and checks what mke2fs
 * would have made. */
static void assert_ext4(const char *img, uint64_t size, bool journal)
{
	ext2_filsys fs;
	assert_int_equal(ext2fs_open(img, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs), 0);
	struct ext2_super_block *sb = fs->super;
	assert_int_equal(sb->s_magic, EXT2_SUPER_MAGIC);
	assert_int_equal(fs->blocksize, 4096);
	assert_int_equal(ext2fs_blocks_count(sb), size / 4096);
	assert_true(ext2fs_has_feature_extents(sb));
	assert_true(ext2fs_has_feature_filetype(sb));
	assert_true(ext2fs_has_feature_dir_index(sb));
	assert_true(ext2fs_has_feature_sparse_super(sb));
	assert_true(ext2fs_has_feature_large_file(sb));
	assert_true(ext2fs_has_feature_huge_file(sb));
	assert_true(ext2fs_has_feature_flex_bg(sb));
	assert_true(ext2fs_has_feature_64bit(sb));
	assert_true(ext2fs_has_feature_metadata_csum(sb));
	assert_int_equal(ext2fs_has_feature_journal(sb) != 0, journal);
	assert_int_equal(ext2fs_r_blocks_count(sb), 0);
	static const unsigned char zero[16];
	assert_memory_not_equal(sb->s_uuid, zero, sizeof(zero));
	assert_true(sb->s_state & EXT2_VALID_FS);

	assert_int_equal(ext2fs_read_bitmaps(fs), 0);
	assert_dir(fs, ".", EXT2_ROOT_INO, 0755);
	assert_dir(fs, "lost+found", 0, 0700);
	assert_int_equal(ext2fs_close_free(&fs), 0);
	assert_null(fs);
}

static void create_and_check(const char *name, uint64_t size, bool journal)
{
	char img[256];
	bool created = false;
	nc_err err;
	struct stat st;

	path_of(img, sizeof(img), name);
	if (rt_ext_image_ensure(img, size, &created, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(created);
	assert_int_equal(stat(img, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal((uint64_t)st.st_size, size);
	/* sparse: metadata only (journal blocks are a hole as well) */
	uint64_t used = (uint64_t)st.st_blocks * 512;
	if (size >= 64 * MiB)
		assert_true(used < size / 50);
	assert_ext4(img, size, journal);
	assert_fsck_clean(img);
	assert_int_equal(count_entries(), 1);
	assert_int_equal(unlink(img), 0);
}

static void test_create_64m(void **state)
{
	(void)state;
	create_and_check("vol.img", 64 * MiB, true);
}

static void test_create_minimum(void **state)
{
	(void)state;
	create_and_check("tiny.img", RT_EXT_IMAGE_MIN_SIZE, false);
}

static void test_create_odd_size(void **state)
{
	(void)state;
	char img[256];
	bool created;
	nc_err err;
	struct stat st;

	/* not a multiple of the block size: the file is what was asked for,
	 * the filesystem the whole blocks in it */
	path_of(img, sizeof(img), "odd.img");
	uint64_t size = 9 * MiB + 1234;
	if (rt_ext_image_ensure(img, size, &created, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(stat(img, &st), 0);
	assert_int_equal((uint64_t)st.st_size, size);
	ext2_filsys fs;
	assert_int_equal(ext2fs_open(img, EXT2_FLAG_64BITS, 0, 0, unix_io_manager, &fs), 0);
	assert_int_equal(ext2fs_blocks_count(fs->super), size / 4096);
	assert_true(ext2fs_has_feature_journal(fs->super));
	ext2fs_close_free(&fs);
	assert_fsck_clean(img);
	unlink(img);
}

static void test_create_10g_sparse(void **state)
{
	(void)state;
	create_and_check("big.img", 10 * GiB, true);
}

static uint32_t crc_of_file(const char *p, struct stat *st)
{
	_cleanup_close_ int fd = open(p, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, st), 0);
	char buf[65536];
	uint32_t crc = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		crc = ext2fs_crc32c_le(crc, (unsigned char *)buf, (size_t)n);
	assert_int_equal(n, 0);
	return crc;
}

static void test_existing_untouched(void **state)
{
	(void)state;
	char img[256];
	bool created;
	nc_err err;
	struct stat a, b;

	path_of(img, sizeof(img), "keep.img");
	if (rt_ext_image_ensure(img, 16 * MiB, &created, &err) < 0)
		fail_msg("%s", err.msg);
	assert_true(created);
	uint32_t before = crc_of_file(img, &a);

	/* a different size changes nothing either */
	created = true;
	if (rt_ext_image_ensure(img, 32 * MiB, &created, &err) < 0)
		fail_msg("%s", err.msg);
	assert_false(created);
	/* and no size at all is fine for an existing image */
	if (rt_ext_image_ensure(img, 0, &created, &err) < 0)
		fail_msg("%s", err.msg);
	assert_false(created);
	assert_int_equal(crc_of_file(img, &b), before);
	assert_int_equal(a.st_size, b.st_size);
	assert_int_equal(a.st_mtim.tv_sec, b.st_mtim.tv_sec);
	assert_int_equal(a.st_mtim.tv_nsec, b.st_mtim.tv_nsec);
	assert_int_equal(count_entries(), 1);
	unlink(img);
}

static void write_file(const char *p, const char *data, size_t len)
{
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
}

static void test_not_ext(void **state)
{
	(void)state;
	char img[256], want[512];
	bool created = true;
	nc_err err;
	struct stat st;

	path_of(img, sizeof(img), "junk.img");
	/* long enough to have bytes where the magic would be */
	static char junk[8192];
	memset(junk, 'x', sizeof(junk));
	write_file(img, junk, sizeof(junk));
	uint32_t before = crc_of_file(img, &st);
	assert_int_equal(rt_ext_image_ensure(img, 64 * MiB, &created, &err), -EINVAL);
	assert_false(created);
	snprintf(want, sizeof(want),
		 "volume image `%s` exists but holds no ext filesystem; remove it or point the volume elsewhere",
		 img);
	assert_string_equal(err.msg, want);
	assert_int_equal(crc_of_file(img, &st), before);
	assert_int_equal(st.st_size, (off_t)sizeof(junk));

	/* too short to hold a superblock at all */
	write_file(img, "short", 5);
	assert_int_equal(rt_ext_image_ensure(img, 64 * MiB, &created, &err), -EINVAL);
	assert_string_equal(err.msg, want);

	/* empty */
	write_file(img, "", 0);
	assert_int_equal(rt_ext_image_ensure(img, 64 * MiB, &created, &err), -EINVAL);
	assert_string_equal(err.msg, want);
	unlink(img);

	/* a directory */
	path_of(img, sizeof(img), "adir.img");
	assert_int_equal(mkdir(img, 0700), 0);
	assert_int_equal(rt_ext_image_ensure(img, 64 * MiB, &created, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "is not a regular file"));
	rmdir(img);
	assert_int_equal(count_entries(), 0);
}

static void test_too_small(void **state)
{
	(void)state;
	char img[256];
	bool created = true;
	nc_err err;

	path_of(img, sizeof(img), "small.img");
	const uint64_t sizes[] = { 0, 1, 4096, RT_EXT_IMAGE_MIN_SIZE - 1 };
	for (size_t i = 0; i < NC_ELEMENTSOF(sizes); i++) {
		assert_int_equal(rt_ext_image_ensure(img, sizes[i], &created, &err), -EINVAL);
		assert_false(created);
		assert_non_null(strstr(err.msg, "the minimum is 1 MiB"));
		assert_non_null(strstr(err.msg, img));
		assert_int_equal(access(img, F_OK), -1);
	}
	assert_int_equal(count_entries(), 0);
}

static void test_missing_directory(void **state)
{
	(void)state;
	char img[256], want[512];
	bool created = true;
	nc_err err;

	path_of(img, sizeof(img), "nowhere/vol.img");
	assert_int_equal(rt_ext_image_ensure(img, 16 * MiB, &created, &err), -ENOENT);
	assert_false(created);
	snprintf(want, sizeof(want), "create volume image `%s`: its directory does not exist", img);
	assert_string_equal(err.msg, want);
	assert_int_equal(count_entries(), 0);
}

/* Several ncompose processes creating the same volume at once: one makes
 * it, the others use that one, and nothing is left half-made. */
static void test_concurrent_create(void **state)
{
	(void)state;
	char img[256];
	pid_t pids[6];
	int created = 0, existed = 0;

	path_of(img, sizeof(img), "contended.img");
	for (size_t i = 0; i < NC_ELEMENTSOF(pids); i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			bool c;
			nc_err err;
			if (rt_ext_image_ensure(img, 256 * MiB, &c, &err) < 0) {
				fprintf(stderr, "%s\n", err.msg);
				_exit(2);
			}
			_exit(c ? 0 : 1);
		}
	}
	for (size_t i = 0; i < NC_ELEMENTSOF(pids); i++) {
		int st;
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_true(WEXITSTATUS(st) <= 1);
		created += WEXITSTATUS(st) == 0;
		existed += WEXITSTATUS(st) == 1;
	}
	assert_int_equal(created, 1);
	assert_int_equal(existed, (int)NC_ELEMENTSOF(pids) - 1);
	assert_int_equal(count_entries(), 1);
	assert_fsck_clean(img);
	unlink(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_64m),
		cmocka_unit_test(test_create_minimum),
		cmocka_unit_test(test_create_odd_size),
		cmocka_unit_test(test_create_10g_sparse),
		cmocka_unit_test(test_existing_untouched),
		cmocka_unit_test(test_not_ext),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_missing_directory),
		cmocka_unit_test(test_concurrent_create),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
