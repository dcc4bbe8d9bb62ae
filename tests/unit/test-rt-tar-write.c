/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Layers written by the builder's tar writer, read back by the store's
 * reader: long names through pax, and an overlayfs upper directory's
 * whiteouts (a character device 0/0, the opaque xattr) as .wh. entries. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "runtime/tar-write.h"
#include "runtime/tar.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/nc-test-tarw.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	nc_err e;
	return nc_rm_rf(dir, &e) < 0 ? -1 : 0;
}

/* The entries of the tar in `fd`, "path type [body]" a line. */
static void listing(int fd, char *out, size_t size)
{
	struct rt_tar *t;
	const struct rt_tar_entry *e;
	nc_err err;
	size_t o = 0;
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(rt_tar_open(fd, &t, &err), 0);
	int r;
	while ((r = rt_tar_next(t, &e, &err)) > 0) {
		char body[64] = "";
		if (e->type == RT_TAR_FILE) {
			ssize_t n = rt_tar_read(t, body, sizeof(body) - 1, &err);
			assert_true(n >= 0);
			body[n] = '\0';
		}
		o += (size_t)snprintf(out + o, size - o, "%s %d %s%s%s\n", e->path, (int)e->type, body,
				      e->type == RT_TAR_SYMLINK ? "->" : "", e->linkpath);
	}
	assert_int_equal(r, 0);
	rt_tar_free(t);
}

static int tmpfile_fd(void)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/out.tar", dir);
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	return fd;
}

static void test_entries_and_long_names(void **state)
{
	(void)state;
	int fd = tmpfile_fd();
	struct rt_tarw w;
	nc_err err;
	char hex[NC_SHA256_HEX_LEN], longname[300], out[4096], want[4096];
	memset(longname, 'n', 250);
	memcpy(longname, "d/", 2);
	longname[250] = '\0';
	rt_tarw_init(&w, fd);
	struct rt_tar_entry d = { .type = RT_TAR_DIR, .path = "d", .linkpath = "", .mode = 0755 };
	struct rt_tar_entry f = { .type = RT_TAR_FILE, .path = longname, .linkpath = "", .mode = 0644, .size = 2,
				  .uid = 3000000 };
	struct rt_tar_entry l = { .type = RT_TAR_SYMLINK, .path = "d/link", .linkpath = "../target", .mode = 0777 };
	assert_int_equal(rt_tarw_add(&w, &d, -1, &err), 0);
	assert_int_equal(rt_tarw_add_mem(&w, &f, "hi", &err), 0);
	assert_int_equal(rt_tarw_add(&w, &l, -1, &err), 0);
	assert_int_equal(rt_tarw_finish(&w, hex, &err), 0);
	assert_int_equal(strlen(hex), 64);
	listing(fd, out, sizeof(out));
	snprintf(want, sizeof(want), "d %d \n%s %d hi\nd/link %d ->../target\n", RT_TAR_DIR, longname, RT_TAR_FILE,
		 RT_TAR_SYMLINK);
	assert_string_equal(out, want);
	close(fd);
}

static void test_overlay_whiteouts(void **state)
{
	(void)state;
	char up[128], p[256], out[4096], want[4096];
	snprintf(up, sizeof(up), "%s/upper", dir);
	assert_int_equal(mkdir(up, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc", up);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/etc/gone", up);
	if (mknod(p, S_IFCHR | 0, makedev(0, 0)) < 0)
		skip(); /* no CAP_MKNOD: the build suite covers it */
	snprintf(p, sizeof(p), "%s/opt", up);
	assert_int_equal(mkdir(p, 0755), 0);
	if (setxattr(p, "trusted.overlay.opaque", "y", 1, 0) < 0)
		skip(); /* trusted.* needs CAP_SYS_ADMIN */
	snprintf(p, sizeof(p), "%s/opt/new", up);
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs("new", fp);
	fclose(fp);
	/* Another device: left out, never a device in a layer. */
	snprintf(p, sizeof(p), "%s/etc/null", up);
	assert_int_equal(mknod(p, S_IFCHR | 0666, makedev(1, 3)), 0);

	int fd = tmpfile_fd(), ufd = open(up, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(ufd >= 0);
	struct rt_tarw w;
	nc_err err;
	char hex[NC_SHA256_HEX_LEN];
	rt_tarw_init(&w, fd);
	struct rt_tarw_tree_opts o = { .overlay = true };
	assert_int_equal(rt_tarw_tree(&w, ufd, &o, &err), 0);
	assert_int_equal(rt_tarw_finish(&w, hex, &err), 0);
	listing(fd, out, sizeof(out));
	snprintf(want, sizeof(want), "etc %d \netc/.wh.gone %d \nopt %d \nopt/.wh..wh..opq %d \nopt/new %d new\n",
		 RT_TAR_DIR, RT_TAR_FILE, RT_TAR_DIR, RT_TAR_FILE, RT_TAR_FILE);
	assert_string_equal(out, want);

	/* Control: without `overlay` the device 0/0 is no whiteout. */
	close(fd);
	fd = tmpfile_fd();
	rt_tarw_init(&w, fd);
	o.overlay = false;
	assert_int_equal(rt_tarw_tree(&w, ufd, &o, &err), 0);
	assert_int_equal(rt_tarw_finish(&w, hex, &err), 0);
	listing(fd, out, sizeof(out));
	assert_null(strstr(out, ".wh."));
	close(fd);
	close(ufd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_and_long_names),
		cmocka_unit_test(test_overlay_whiteouts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
