/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Pulling from registries for real, inside tests/lib/sandbox (its own
 * network namespace: every registry here listens on its 127.0.0.1):
 *
 * - Debian's docker-registry, fed by skopeo with the busybox image of
 *   tests/lib/mkimage: the plain path, as a classroom cache would serve it;
 * - tests/lib/fakeregistry, which serves the same image but misbehaves on
 *   purpose: Bearer and Basic challenges, a tampered or overlong blob,
 *   503s, 429s, unknown manifests, a multi-platform index.
 *
 * Each attack test has its control beside it: the same pull from an
 * honest server succeeds, and the bytes the dishonest one sends really do
 * differ from what the manifest names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "common/image-ref.h"
#include "common/sha256.h"
#include "runtime/image.h"
#include "runtime/registry.h"
#include "tests/lib/skip.h"

static char work[64];       /* everything of this run */
static char layout[128];    /* the test image, an OCI layout */
static char store[128];     /* the pull store under test */
static char manifest[80];   /* the image's manifest digest */
static char layer1[80];     /* its first layer's digest */
static pid_t server;

static void run(const char *cmd)
{
	int st = system(cmd);
	if (st != 0)
		fail_msg("`%s` failed (%d)", cmd, st);
}

static void first_digests(void)
{
	char path[256], *text = NULL;
	size_t len;
	nc_err err;

	snprintf(path, sizeof(path), "%s/index.json", layout);
	assert_int_equal(nc_read_file(path, &text, &len, &err), 0);
	char *d = strstr(text, "sha256:");
	assert_non_null(d);
	snprintf(manifest, sizeof(manifest), "%.71s", d);
	free(text);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, manifest + 7);
	assert_int_equal(nc_read_file(path, &text, &len, &err), 0);
	d = strstr(text, "\"layers\"");
	assert_non_null(d);
	d = strstr(d, "sha256:");
	snprintf(layer1, sizeof(layer1), "%.71s", d);
	free(text);
}

static int setup(void **state)
{
	(void)state;
	char cmd[512];
	const char *src = getenv("NC_SRC");

	if (!src)
		return -1;
	strcpy(work, "/tmp/nc-registry-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	snprintf(layout, sizeof(layout), "%s/img", work);
	snprintf(cmd, sizeof(cmd), "%s/tests/lib/mkrootfs %s/rootfs >/dev/null && %s/tests/lib/mkimage oci %s/rootfs %s",
		 src, work, src, work, layout);
	if (system(cmd) != 0)
		return -1;
	/* lo is down in a fresh namespace. */
	if (system("ip link set lo up") != 0)
		return -1;
	first_digests();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nc_err err;
	nc_rm_rf(work, &err);
	return 0;
}

static int fresh_store(void **state)
{
	(void)state;
	static int n;
	nc_err err;
	snprintf(store, sizeof(store), "%s/store-%d", work, n++);
	return nc_mkdir_p(store, 0700, &err);
}

static void stop_server(void)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
		server = 0;
	}
}

static int after(void **state)
{
	(void)state;
	stop_server();
	unsetenv("DOCKER_CONFIG");
	return 0;
}

/* Waits until something accepts on 127.0.0.1:port. */
static void wait_port(int port)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/%d) 2>/dev/null && exit 0; sleep 0.05; done; exit 1", port);
	char *argv[] = { "bash", "-c", cmd, NULL };
	pid_t p = fork();
	if (p == 0) {
		execvp("bash", argv);
		_exit(127);
	}
	int st;
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fail_msg("nothing listens on 127.0.0.1:%d", port);
}

/* tests/lib/fakeregistry LAYOUT PORT ARGS... in the background. */
static void fake(int port, const char *const *args)
{
	char prog[256], portstr[16];
	const char *argv[16] = { 0 };
	size_t n = 0;

	snprintf(prog, sizeof(prog), "%s/tests/lib/fakeregistry", getenv("NC_SRC"));
	snprintf(portstr, sizeof(portstr), "%d", port);
	argv[n++] = prog;
	argv[n++] = layout;
	argv[n++] = portstr;
	for (; args && *args && n < 15; args++)
		argv[n++] = *args;
	server = fork();
	if (server == 0) {
		execv(prog, (char **)argv);
		_exit(127);
	}
	wait_port(port);
}

static int pull(const char *refstr, const struct rt_pull_opts *o, char **out, nc_err *err)
{
	struct nc_image_ref ref;
	char digest[80];

	assert_int_equal(nc_image_ref_parse(refstr, &ref, err), 0);
	return rt_registry_pull(&ref, store, o, out, digest, err);
}

/* The pulled layout unpacks to the image the test built. */
static void check_unpacks(const char *pulled)
{
	char rootdir[256], *rootfs = NULL, path[512];
	struct stat st;
	nc_err err;

	snprintf(rootdir, sizeof(rootdir), "%s/unpacked", store);
	if (rt_image_unpack_oci_dir(pulled, rootdir, &rootfs, &err) < 0)
		fail_msg("unpack: %s", err.msg);
	/* Two layers, uppermost first, for an overlay to stack. */
	char **dirs;
	size_t n;
	if (rt_image_lower_dirs(rootfs, &dirs, &n, &err) < 0)
		fail_msg("layers: %s", err.msg);
	assert_int_equal(n, 2);
	snprintf(path, sizeof(path), "%s/etc/layer2", dirs[0]);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/bin/busybox", dirs[1]);
	assert_int_equal(stat(path, &st), 0);
	/* the whiteout, as overlayfs reads it */
	snprintf(path, sizeof(path), "%s/etc/gone", dirs[0]);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	rt_image_lower_dirs_free(dirs, n);
	free(rootfs);
}

static void expect_fail(int r, const nc_err *err, const char *words)
{
	if (r == 0)
		fail_msg("the pull succeeded; expected `%s`", words);
	if (!strstr(err->msg, words))
		fail_msg("message `%s` lacks `%s`", err->msg, words);
}

/* No blob of the store is anything but a verified one. */
static size_t stray_files(void)
{
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/blobs", store);
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, ".part-", 6))
			n++;
	if (d)
		closedir(d);
	return n;
}

static bool stored(const char *digest)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", store, digest + 7);
	return stat(path, &st) == 0;
}

static void test_anonymous(void **state)
{
	(void)state;
	char *out = NULL;
	nc_err err;

	fake(5101, NULL);
	if (pull("127.0.0.1:5101/test/img:1", NULL, &out, &err) < 0)
		fail_msg("%s", err.msg);
	check_unpacks(out);
	/* Pulled again: the same layout, nothing half-written left. */
	free(out);
	if (pull("127.0.0.1:5101/test/img:1", NULL, &out, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(stray_files(), 0);
	char *again = NULL;
	struct nc_image_ref ref;
	assert_int_equal(nc_image_ref_parse("127.0.0.1:5101/test/img:1", &ref, &err), 0);
	assert_int_equal(rt_registry_pulled(&ref, store, &again, &err), 0);
	assert_string_equal(again, out);
	free(again);
	free(out);
	/* By digest. */
	char ref2[160];
	snprintf(ref2, sizeof(ref2), "127.0.0.1:5101/test/img@%s", manifest);
	if (pull(ref2, NULL, &out, &err) < 0)
		fail_msg("%s", err.msg);
	free(out);
}

static void write_config(const char *json)
{
	char dir[256], path[300];
	nc_err err;
	snprintf(dir, sizeof(dir), "%s/docker", store);
	assert_int_equal(nc_mkdir_p(dir, 0700, &err), 0);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	assert_int_equal(nc_write_file_atomic(path, json, strlen(json), 0600, &err), 0);
	setenv("DOCKER_CONFIG", dir, 1);
}

static void test_bearer(void **state)
{
	(void)state;
	const char *args[] = { "--auth", "bearer", "--token-user", NULL };
	char *out = NULL;
	nc_err err;

	fake(5102, args);
	/* Without credentials the token server refuses. */
	write_config("{}");
	expect_fail(pull("127.0.0.1:5102/test/img:1", NULL, &out, &err), &err, "unauthorized");
	assert_non_null(strstr(err.msg, "docker login"));
	/* With docker login's entry (alice:secret), the token flow works. */
	write_config("{\"auths\":{\"127.0.0.1:5102\":{\"auth\":\"YWxpY2U6c2VjcmV0\"}}}");
	if (pull("127.0.0.1:5102/test/img:1", NULL, &out, &err) < 0)
		fail_msg("%s", err.msg);
	check_unpacks(out);
	free(out);
}

static void test_basic(void **state)
{
	(void)state;
	const char *args[] = { "--auth", "basic", NULL };
	char *out = NULL;
	nc_err err;

	fake(5103, args);
	write_config("{}");
	expect_fail(pull("127.0.0.1:5103/test/img:1", NULL, &out, &err), &err, "wants a user and password");
	/* A credential helper on PATH, as credsStore names it. */
	char bin[256], helper[1024], path[1200];
	snprintf(bin, sizeof(bin), "%s/bin", store);
	snprintf(helper, sizeof(helper), "mkdir -p %s && printf '#!/bin/sh\\nread s\\n[ \"$s\" = 127.0.0.1:5103 ] && "
		 "echo \"{\\\\\"Username\\\\\":\\\\\"alice\\\\\",\\\\\"Secret\\\\\":\\\\\"secret\\\\\"}\"\\n' > %s/docker-credential-t && chmod +x %s/docker-credential-t",
		 bin, bin, bin);
	run(helper);
	snprintf(path, sizeof(path), "%s:%s", bin, getenv("PATH"));
	setenv("PATH", path, 1);
	write_config("{\"credsStore\":\"t\"}");
	if (pull("127.0.0.1:5103/test/img:1", NULL, &out, &err) < 0)
		fail_msg("%s", err.msg);
	free(out);
}

static void test_tampered_blob(void **state)
{
	(void)state;
	const char *args[] = { "--tamper", layer1, NULL };
	char *out = NULL, cmd[512];
	nc_err err;

	fake(5104, args);
	expect_fail(pull("127.0.0.1:5104/test/img:1", NULL, &out, &err), &err, "does not match its digest");
	assert_false(stored(layer1));
	assert_int_equal(stray_files(), 0);
	/* Control: the server really sends other bytes than the digest names. */
	snprintf(cmd, sizeof(cmd), "test \"sha256:$(curl -s http://127.0.0.1:5104/v2/test/img/blobs/%s | sha256sum | cut -d' ' -f1)\" != %s",
		 layer1, layer1);
	run(cmd);
}

static void test_overlong_blob(void **state)
{
	(void)state;
	const char *args[] = { "--longer", layer1, NULL };
	char *out = NULL;
	nc_err err;

	fake(5105, args);
	expect_fail(pull("127.0.0.1:5105/test/img:1", NULL, &out, &err), &err, "longer than");
	assert_false(stored(layer1));
	assert_int_equal(stray_files(), 0);
}

static void test_retries(void **state)
{
	(void)state;
	const char *args[] = { "--flaky", "2", NULL };
	char *out = NULL;
	nc_err err;

	fake(5106, args);
	if (pull("127.0.0.1:5106/test/img:1", NULL, &out, &err) < 0)
		fail_msg("%s", err.msg);
	free(out);
}

static void test_errors(void **state)
{
	(void)state;
	const char *rl[] = { "--ratelimit", NULL };
	char *out = NULL;
	nc_err err;

	fake(5107, NULL);
	expect_fail(pull("127.0.0.1:5107/test/img:2", NULL, &out, &err), &err, "manifest unknown");
	expect_fail(pull("127.0.0.1:5107/test/other:1", NULL, &out, &err), &err, "manifest unknown");
	stop_server();
	/* Nothing listens: said at once, naming the registry. */
	expect_fail(pull("127.0.0.1:5107/test/img:1", NULL, &out, &err), &err, "registry 127.0.0.1:5107 unreachable");
	fake(5108, rl);
	expect_fail(pull("127.0.0.1:5108/test/img:1", NULL, &out, &err), &err, "rate limited");
	assert_non_null(strstr(err.msg, "pull rate limit"));
}

/* An index of two platforms whose arm64 entry does not exist. */
static void test_platforms(void **state)
{
	(void)state;
	char index[600], path[256], hex[NC_SHA256_HEX_LEN], ref[200];
	uint8_t d[NC_SHA256_LEN];
	char *out = NULL;
	nc_err err;
	struct stat st;

	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, manifest + 7);
	assert_int_equal(stat(path, &st), 0);
	snprintf(index, sizeof(index),
		 "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
		 "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:%064d\",\"size\":10,"
		 "\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
		 "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%lld,"
		 "\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}",
		 0, manifest, (long long)st.st_size);
	nc_sha256(index, strlen(index), d);
	nc_sha256_hex(d, hex);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, hex);
	assert_int_equal(nc_write_file_atomic(path, index, strlen(index), 0644, &err), 0);
	snprintf(ref, sizeof(ref), "127.0.0.1:5109/test/img@sha256:%s", hex);

	fake(5109, NULL);
	struct rt_platform amd64, arm64, s390x;
	assert_int_equal(rt_platform_parse("linux/amd64", &amd64, &err), 0);
	assert_int_equal(rt_platform_parse("linux/arm64", &arm64, &err), 0);
	assert_int_equal(rt_platform_parse("linux/s390x", &s390x, &err), 0);
	struct rt_pull_opts o = { .platform = &amd64 };
	if (pull(ref, &o, &out, &err) < 0)
		fail_msg("%s", err.msg);
	check_unpacks(out);
	free(out);
	o.platform = &arm64; /* chosen, then missing: the registry says so */
	expect_fail(pull(ref, &o, &out, &err), &err, "manifest");
	o.platform = &s390x;
	expect_fail(pull(ref, &o, &out, &err), &err, "no image for platform linux/s390x");
	assert_non_null(strstr(err.msg, "linux/arm64/v8, linux/amd64") ? "" : strstr(err.msg, "linux/arm64, linux/amd64"));
}

/* Debian's docker-registry, fed by skopeo: a real registry's answers. */
static void test_real_registry(void **state)
{
	(void)state;
	char conf[256], cmd[1024], *out = NULL;
	nc_err err;

	if (system("command -v docker-registry >/dev/null && command -v skopeo >/dev/null") != 0)
		nc_skip_unless_must_work("docker-registry or skopeo is not installed (scripts/bootstrap installs both)");
	snprintf(conf, sizeof(conf), "%s/registry.yml", work);
	snprintf(cmd, sizeof(cmd),
		 "printf 'version: 0.1\\nstorage:\\n  filesystem:\\n    rootdirectory: %s/regdata\\nhttp:\\n  addr: 127.0.0.1:5110\\nlog:\\n  level: error\\n' > %s",
		 work, conf);
	run(cmd);
	server = fork();
	if (server == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execlp("docker-registry", "docker-registry", "serve", conf, (char *)NULL);
		_exit(127);
	}
	wait_port(5110);
	snprintf(cmd, sizeof(cmd), "skopeo copy -q --dest-tls-verify=false oci:%s docker://127.0.0.1:5110/course/busybox:1.0", layout);
	run(cmd);
	if (pull("127.0.0.1:5110/course/busybox:1.0", NULL, &out, &err) < 0)
		fail_msg("%s", err.msg);
	check_unpacks(out);
	free(out);
	/* skopeo can push Docker schema 2 as well. */
	snprintf(cmd, sizeof(cmd), "skopeo copy -q --format v2s2 --dest-tls-verify=false oci:%s docker://127.0.0.1:5110/course/busybox:v2s2", layout);
	run(cmd);
	if (pull("127.0.0.1:5110/course/busybox:v2s2", NULL, &out, &err) < 0)
		fail_msg("%s", err.msg);
	check_unpacks(out);
	free(out);
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "itest-registry: needs root (run inside tests/lib/sandbox)\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_anonymous, fresh_store, after),
		cmocka_unit_test_setup_teardown(test_bearer, fresh_store, after),
		cmocka_unit_test_setup_teardown(test_basic, fresh_store, after),
		cmocka_unit_test_setup_teardown(test_tampered_blob, fresh_store, after),
		cmocka_unit_test_setup_teardown(test_overlong_blob, fresh_store, after),
		cmocka_unit_test_setup_teardown(test_retries, fresh_store, after),
		cmocka_unit_test_setup_teardown(test_errors, fresh_store, after),
		cmocka_unit_test_setup_teardown(test_platforms, fresh_store, after),
		cmocka_unit_test_setup_teardown(test_real_registry, fresh_store, after),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
