/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/image-ref.h"

/* `in` normalises to `full`, which Docker prints familiar as `fam`. */
static void check(const char *in, const char *full, const char *fam)
{
	struct nc_image_ref r;
	char buf[NC_IMAGE_REF_STRLEN];
	nc_err err = { 0 };

	if (nc_image_ref_parse(in, &r, &err) < 0)
		fail_msg("%s: %s", in, err.msg);
	assert_string_equal(nc_image_ref_str(&r, buf), full);
	assert_string_equal(nc_image_ref_familiar(&r, buf), fam);
}

static void refused(const char *in, const char *words)
{
	struct nc_image_ref r;
	nc_err err = { 0 };

	if (nc_image_ref_parse(in, &r, &err) == 0)
		fail_msg("`%s` was accepted", in);
	if (!strstr(err.msg, words))
		fail_msg("`%s`: message `%s` lacks `%s`", in, err.msg, words);
}

static void test_docker_hub(void **state)
{
	(void)state;
	check("nginx", "docker.io/library/nginx:latest", "nginx:latest");
	check("nginx:1.27-alpine", "docker.io/library/nginx:1.27-alpine", "nginx:1.27-alpine");
	check("frrouting/frr:v8.4.0", "docker.io/frrouting/frr:v8.4.0", "frrouting/frr:v8.4.0");
	check("kathara/frr", "docker.io/kathara/frr:latest", "kathara/frr:latest");
	check("docker.io/nginx", "docker.io/library/nginx:latest", "nginx:latest");
	check("index.docker.io/library/nginx:1", "docker.io/library/nginx:1", "nginx:1");
	check("a__b/c--d.e_f", "docker.io/a__b/c--d.e_f:latest", "a__b/c--d.e_f:latest");
	/* No "/": a ":" is a tag, even when it looks like a port. */
	check("localhost:5000", "docker.io/library/localhost:5000", "localhost:5000");
}

static void test_registries(void **state)
{
	(void)state;
	check("localhost/app", "localhost/app:latest", "localhost/app:latest");
	check("localhost:5000/team/app:2", "localhost:5000/team/app:2", "localhost:5000/team/app:2");
	check("127.0.0.1:5000/app", "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest");
	check("[::1]:5000/app:x", "[::1]:5000/app:x", "[::1]:5000/app:x");
	check("quay.io/frrouting/frr:9.1.0", "quay.io/frrouting/frr:9.1.0", "quay.io/frrouting/frr:9.1.0");
	check("ghcr.io/srl-labs/network-multitool", "ghcr.io/srl-labs/network-multitool:latest",
	      "ghcr.io/srl-labs/network-multitool:latest");
	/* An upper-case first component is a registry (Docker's rule). */
	check("Registry/app", "Registry/app:latest", "Registry/app:latest");
}

static void test_digests(void **state)
{
	(void)state;
	const char *d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char in[256], out[256];

	snprintf(in, sizeof(in), "nginx@%s", d);
	snprintf(out, sizeof(out), "docker.io/library/nginx@%s", d);
	check(in, out, in); /* a digest alone: no tag is made up */
	snprintf(in, sizeof(in), "localhost:5000/app:1@%s", d);
	check(in, in, in);
	refused("nginx@sha256:0123", "64 hex digits");
	refused("nginx@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "lower-case");
	refused("nginx@sha256:zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "hexadecimal");
	refused("nginx@", "ALGORITHM:HEX");
}

static void test_bad(void **state)
{
	(void)state;
	refused("", "empty");
	refused("Nginx", "lower-case");
	refused("docker.io/Library/nginx", "lower-case");
	refused("nginx:", "tag");
	refused("nginx:-x", "tag");
	refused("nginx:a b", "tag");
	refused("a//b", "valid name component");
	refused("a/b/", "valid name component");
	refused("-a", "valid name component");
	refused("a..b", "valid name component");
	refused("a___b", "valid name component");
	refused("bad_host.:5000/x", "registry");
	refused("host:port/x", "registry");
	refused("[zz]:5000/x", "registry");
	refused("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "image ID");
	char tag[200];
	memset(tag, 'a', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	tag[0] = 'x';
	tag[1] = ':';
	refused(tag, "tag");
	char longname[400];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	refused(longname, "longer than");
}

static void test_loopback(void **state)
{
	(void)state;
	assert_true(nc_image_ref_domain_is_loopback("localhost"));
	assert_true(nc_image_ref_domain_is_loopback("localhost:5000"));
	assert_true(nc_image_ref_domain_is_loopback("127.0.0.1:5000"));
	assert_true(nc_image_ref_domain_is_loopback("127.8.9.10"));
	assert_true(nc_image_ref_domain_is_loopback("[::1]:5000"));
	assert_false(nc_image_ref_domain_is_loopback("docker.io"));
	assert_false(nc_image_ref_domain_is_loopback("localhost.example:5000"));
	assert_false(nc_image_ref_domain_is_loopback("128.0.0.1"));
	assert_false(nc_image_ref_domain_is_loopback("127.0.0.1.example"));
	assert_false(nc_image_ref_domain_is_loopback("[::2]:5000"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_hub),
		cmocka_unit_test(test_registries),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_loopback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
