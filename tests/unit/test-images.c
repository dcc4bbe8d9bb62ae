/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The image store as `images`, `rmi` and `image prune` see it, on a store
 * and a state directory laid out by hand in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/sha256.h"
#include "compose/lifecycle/images.h"

static char tmpdir[] = "/tmp/nc-images-XXXXXX";
static char lib[256], state[256];
static struct nc_paths paths;
static nc_err err;

static void put(const char *path, const char *data)
{
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(nc_mkdir_p(dir, 0700, &err), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(data, f);
	fclose(f);
}

static void hex_of(const char *s, char hex[NC_SHA256_HEX_LEN])
{
	uint8_t d[NC_SHA256_LEN];
	nc_sha256(s, strlen(s), d);
	nc_sha256_hex(d, hex);
}

/* A pulled reference: its layout (one blob linked from registry/blobs),
 * and its unpacked root when `unpacked`. Returns the blob's path. */
static void pulled(const char *name, const char *blob, bool unpacked, char blob_path[512])
{
	char rhex[NC_SHA256_HEX_LEN], bhex[NC_SHA256_HEX_LEN], ihex[NC_SHA256_HEX_LEN], p[512], index[512];
	hex_of(name, rhex);
	hex_of(blob, bhex);
	snprintf(blob_path, 512, "%s/registry/blobs/sha256/%s", lib, bhex);
	put(blob_path, blob);
	snprintf(p, sizeof(p), "%s/registry/refs/%s/blobs/sha256/%s", lib, rhex, bhex);
	put(p, "");
	assert_int_equal(unlink(p), 0);
	assert_int_equal(link(blob_path, p), 0);
	snprintf(index, sizeof(index),
		 "{\"manifests\":[{\"digest\":\"sha256:%s\",\"annotations\":{\"org.opencontainers.image.ref.name\":\"%s\"}}]}\n",
		 bhex, name);
	snprintf(p, sizeof(p), "%s/registry/refs/%s/index.json", lib, rhex);
	put(p, index);
	if (unpacked) {
		hex_of(index, ihex);
		snprintf(p, sizeof(p), "%s/images/oci-%s/etc/hostname", lib, ihex);
		put(p, "root of the image\n");
	}
}

static void uses(const char *project, const char *service, const char *what)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s/containers/%s/" NC_IMAGE_USE_FILE, state, project, service);
	put(p, what);
}

static int setup(void **st)
{
	(void)st;
	assert_non_null(mkdtemp(tmpdir));
	snprintf(lib, sizeof(lib), "%s/lib", tmpdir);
	snprintf(state, sizeof(state), "%s/run", tmpdir);
	paths = (struct nc_paths){ .state_root = state, .lib_dir = lib };
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	return nc_rm_rf(tmpdir, &err);
}

static void test_list_find_remove(void **state_)
{
	(void)state_;
	char blob_a[512], blob_b[512], local[512], p[600];
	pulled("docker.io/library/nginx:latest", "nginx layer", true, blob_a);
	pulled("127.0.0.1:5000/lab/frr:1", "frr layer", false, blob_b);
	snprintf(local, sizeof(local), "%s/images/%s", lib,
		 "00000000000000000000000000000000000000000000000000000000000000aa");
	snprintf(p, sizeof(p), "%s/bin/sh", local);
	put(p, "#!");
	/* Its config, kept beside it: not an image of its own. */
	snprintf(p, sizeof(p), "%s.config.json", local);
	put(p, "{}");
	/* A blob no layout links, and things that are no image. */
	snprintf(p, sizeof(p), "%s/registry/blobs/sha256/%s", lib,
		 "1111111111111111111111111111111111111111111111111111111111111111");
	put(p, "orphan");
	snprintf(p, sizeof(p), "%s/images/.tmp-abc/x", lib);
	put(p, "half");

	struct nc_image_list l;
	assert_int_equal(nc_images_list(&paths, &l, &err), 0);
	assert_int_equal(l.n, 3);
	/* tagged first, by name; untagged last */
	assert_string_equal(l.v[0].name, "127.0.0.1:5000/lab/frr:1");
	assert_null(l.v[0].root);
	assert_string_equal(l.v[1].name, "docker.io/library/nginx:latest");
	assert_non_null(l.v[1].root);
	assert_int_equal(l.v[1].size, strlen("nginx layer") + strlen("root of the image\n"));
	assert_null(l.v[2].name);
	assert_string_equal(l.v[2].root, local);
	assert_int_equal(l.n_orphans, 1);
	assert_int_equal(l.orphan_bytes, strlen("orphan"));
	size_t k;
	/* By name as a file writes it, canonical, or an ID prefix. */
	assert_int_equal(nc_image_find(&l, "nginx", &k, &err), 0);
	assert_int_equal(k, 1);
	assert_int_equal(nc_image_find(&l, "docker.io/library/nginx:latest", &k, &err), 0);
	assert_int_equal(k, 1);
	assert_int_equal(nc_image_find(&l, "0000000000", &k, &err), 0);
	assert_int_equal(k, 2);
	assert_int_equal(nc_image_find(&l, "nginx:2", &k, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "no such image in the store"));
	assert_int_equal(nc_image_find(&l, "000", &k, &err), -ENOENT); /* too short */
	nc_image_list_free(&l);

	/* Users: by the store paths a container's state names. */
	char root[600];
	snprintf(root, sizeof(root), "%s\n", local);
	uses("lab1", "r1", root);
	uses("lab2", "r9", root);
	assert_int_equal(nc_images_list(&paths, &l, &err), 0);
	assert_int_equal(l.v[2].n_users, 2);
	assert_int_equal(l.v[1].n_users, 0);
	char layout[600];
	snprintf(layout, sizeof(layout), "%s\n", l.v[1].layout);
	uses("lab1", "web", layout);
	nc_image_list_free(&l);
	assert_int_equal(nc_images_list(&paths, &l, &err), 0);
	assert_int_equal(l.v[1].n_users, 1);
	assert_string_equal(l.v[1].users[0], "lab1/web");

	/* Removing frr (not unpacked): its layout goes, its blob too (no
	 * other link), and so does the orphan; nginx's blob stays. */
	uint64_t freed = 0;
	assert_int_equal(nc_image_remove(&paths, &l.v[0], &freed, &err), 0);
	assert_int_equal(freed, strlen("frr layer") + strlen("orphan"));
	assert_int_equal(access(blob_b, F_OK), -1);
	assert_int_equal(access(blob_a, F_OK), 0);
	/* Removing the local copy gives back its root. */
	freed = 0;
	assert_int_equal(nc_image_remove(&paths, &l.v[2], &freed, &err), 0);
	assert_int_equal(freed, 2 + 2);
	assert_int_equal(access(local, F_OK), -1);
	snprintf(p, sizeof(p), "%s.config.json", local);
	assert_int_equal(access(p, F_OK), -1);
	nc_image_list_free(&l);
	assert_int_equal(nc_images_list(&paths, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].name, "docker.io/library/nginx:latest");
	nc_image_list_free(&l);
}

static void test_ambiguous_and_lock(void **state_)
{
	(void)state_;
	char p[512];
	snprintf(p, sizeof(p), "%s/images/abcd000000000000000000000000000000000000000000000000000000000001/f", lib);
	put(p, "1");
	snprintf(p, sizeof(p), "%s/images/abcd000000000000000000000000000000000000000000000000000000000002/f", lib);
	put(p, "2");
	struct nc_image_list l;
	size_t k;
	assert_int_equal(nc_images_list(&paths, &l, &err), 0);
	assert_int_equal(nc_image_find(&l, "abcd", &k, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "names 2 images"));
	assert_int_equal(nc_image_find(&l, "abcd0000000000000000000000000000000000000000000000000000000000002", &k, &err),
			 -ENOENT); /* 65 digits */
	assert_int_equal(nc_image_find(&l, "abcd000000000000000000000000000000000000000000000000000000000002", &k, &err), 0);
	nc_image_list_free(&l);
	/* Shared holders do not exclude each other. */
	int a = -1, b = -1;
	assert_int_equal(nc_images_lock(&paths, false, &a, &err), 0);
	assert_int_equal(nc_images_lock(&paths, false, &b, &err), 0);
	close(a);
	close(b);
	assert_int_equal(nc_images_lock(&paths, true, &a, &err), 0);
	close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_find_remove),
		cmocka_unit_test(test_ambiguous_and_lock),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
