/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A COPY source's digest in a build context, in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/fsutil.h"
#include "compose/lifecycle/build-context.h"
#include "no-openat2.h"

static char dir[64];
static int ctx = -1;

static void put(const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/nc-test-ctx.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char p[256];
	snprintf(p, sizeof(p), "%s/src", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/src/sub", dir);
	mkdir(p, 0755);
	put("a.txt", "a\n");
	put("b.txt", "b\n");
	put("src/one", "1\n");
	put("src/sub/two", "2\n");
	put("src/skip.log", "log\n");
	snprintf(p, sizeof(p), "%s/src/link", dir);
	if (symlink("one", p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/out", dir);
	if (symlink("/etc", p) < 0)
		return -1;
	ctx = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return ctx < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	nc_err err;
	close(ctx);
	return nc_rm_rf(dir, &err) < 0 ? -1 : 0;
}

static struct nc_dockerignore ig(const char *text)
{
	struct nc_dockerignore d;
	nc_err err;
	assert_int_equal(nc_dockerignore_parse(&d, text, strlen(text), &err), 0);
	return d;
}

static int digest(const struct nc_dockerignore *d, const char *src, char hex[NC_SHA256_HEX_LEN], size_t *n)
{
	nc_err err;
	return nc_ctx_digest(ctx, d, src, hex, n, &err);
}

static void test_digest(void **state)
{
	(void)state;
	struct nc_dockerignore none = ig(""), logs = ig("**/*.log\n");
	char h1[NC_SHA256_HEX_LEN], h2[NC_SHA256_HEX_LEN], h3[NC_SHA256_HEX_LEN];
	size_t n;

	assert_int_equal(digest(&none, "src", h1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(digest(&none, "src", h2, &n), 0);
	assert_string_equal(h1, h2); /* stable */

	/* Times do not count; content, names and modes do. */
	char p[256];
	snprintf(p, sizeof(p), "%s/src/one", dir);
	struct timeval tv[2] = { { 1000, 0 }, { 1000, 0 } };
	assert_int_equal(utimes(p, tv), 0);
	assert_int_equal(digest(&none, "src", h2, &n), 0);
	assert_string_equal(h1, h2);
	put("src/one", "changed\n");
	assert_int_equal(digest(&none, "src", h2, &n), 0);
	assert_string_not_equal(h1, h2);
	put("src/one", "1\n");
	assert_int_equal(digest(&none, "src", h2, &n), 0);
	assert_string_equal(h1, h2);
	assert_int_equal(chmod(p, 0700), 0);
	assert_int_equal(digest(&none, "src", h2, &n), 0);
	assert_string_not_equal(h1, h2);
	assert_int_equal(chmod(p, 0644), 0);

	/* A file .dockerignore leaves out does not count. */
	assert_int_equal(digest(&logs, "src", h1, &n), 0);
	put("src/skip.log", "other\n");
	assert_int_equal(digest(&logs, "src", h2, &n), 0);
	assert_string_equal(h1, h2);
	assert_int_equal(digest(&none, "src", h3, &n), 0);
	assert_string_not_equal(h1, h3);

	/* Patterns: what they match, never across `/`. */
	assert_int_equal(digest(&none, "*.txt", h1, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(digest(&none, "src/*", h1, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(digest(&logs, "src/*", h1, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(digest(&none, "*.nothing", h1, &n), -ENOENT);

	/* Never outside the context; a symlink inside it is an entry. */
	assert_int_equal(digest(&none, "out", h1, &n), -EXDEV);
	assert_int_equal(digest(&none, "out/passwd", h1, &n), -EXDEV);
	assert_int_equal(digest(&none, "src/link", h1, &n), 0);
	assert_int_equal(digest(&none, "missing", h1, &n), -ENOENT);
	assert_int_equal(digest(&logs, "src/skip.log", h1, &n), -ENOENT);
	nc_dockerignore_free(&none);
	nc_dockerignore_free(&logs);
}


/* The fallback walk, forced: a child without openat2 gets the digests
 * and the refusals the parent gets. Exit codes name the step that went
 * wrong. */
static void test_digest_without_openat2(void **state)
{
	(void)state;
	struct nc_dockerignore none = ig("");
	char want[NC_SHA256_HEX_LEN];
	size_t n;

	assert_int_equal(digest(&none, "src", want, &n), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char h[NC_SHA256_HEX_LEN];
		if (no_openat2() < 0)
			_exit(2);
		if (digest(&none, "src", h, &n) != 0 || strcmp(h, want))
			_exit(3);
		if (digest(&none, "src/../src/sub/../one", h, &n) != 0)
			_exit(4);
		if (digest(&none, "out", h, &n) != -EXDEV || digest(&none, "out/passwd", h, &n) != -EXDEV)
			_exit(5);
		if (digest(&none, "src/../../etc", h, &n) != -EXDEV)
			_exit(6);
		if (digest(&none, "missing", h, &n) != -ENOENT)
			_exit(7);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	nc_dockerignore_free(&none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_digest_without_openat2),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
