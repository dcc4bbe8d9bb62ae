/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/arena.h"
#include "runtime/registry.h"

static void test_challenge(void **state)
{
	(void)state;
	struct rt_challenge c;
	nc_err err = { 0 };

	assert_int_equal(rt_challenge_parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
					    "scope=\"repository:library/nginx:pull\"",
					    &c, &err),
			 0);
	assert_int_equal(c.scheme, RT_AUTH_BEARER);
	assert_string_equal(c.realm, "https://auth.docker.io/token");
	assert_string_equal(c.service, "registry.docker.io");
	assert_string_equal(c.scope, "repository:library/nginx:pull");
	/* Unquoted values, spaces, other case, escapes in quotes. */
	assert_int_equal(rt_challenge_parse("bearer  Realm=http://127.0.0.1:8081/t , service=\"a\\\"b\"", &c, &err), 0);
	assert_string_equal(c.realm, "http://127.0.0.1:8081/t");
	assert_string_equal(c.service, "a\"b");
	assert_int_equal(rt_challenge_parse("Basic realm=\"Registry\"", &c, &err), 0);
	assert_int_equal(c.scheme, RT_AUTH_BASIC);
	assert_true(rt_challenge_parse("Negotiate abc", &c, &err) < 0);
	assert_non_null(strstr(err.msg, "neither Bearer nor Basic"));
	/* A token realm that is not a URL (file:, a path) is refused. */
	assert_true(rt_challenge_parse("Bearer realm=\"file:///etc/shadow\"", &c, &err) < 0);
	assert_true(rt_challenge_parse("Bearer service=x", &c, &err) < 0);
}

#define D(c) "sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static void test_manifest(void **state)
{
	(void)state;
	struct nc_arena a = NC_ARENA_INIT;
	struct rt_manifest m;
	nc_err err = { 0 };
	const char *oci = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
			  "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D("a") "\",\"size\":7},"
			  "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" D("b") "\",\"size\":123}]}";

	assert_int_equal(rt_manifest_parse(oci, NULL, &a, &m, &err), 0);
	assert_false(m.is_index);
	assert_int_equal(m.n_layers, 1);
	assert_int_equal(m.layers[0].size, 123);
	assert_int_equal(m.config.size, 7);
	/* Docker schema 2 without mediaType in the body: the header says. */
	const char *docker = "{\"schemaVersion\":2,\"config\":{\"digest\":\"" D("a") "\",\"size\":1},\"layers\":[]}";
	assert_int_equal(rt_manifest_parse(docker, "application/vnd.docker.distribution.manifest.v2+json", &a, &m, &err), 0);
	const char *index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.list.v2+json\","
			    "\"manifests\":[{\"digest\":\"" D("1") "\",\"size\":5,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}},"
			    "{\"digest\":\"" D("2") "\",\"size\":5,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\"}},"
			    "{\"digest\":\"" D("3") "\",\"size\":5,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}},"
			    "{\"digest\":\"" D("4") "\",\"size\":5,\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}";
	assert_int_equal(rt_manifest_parse(index, NULL, &a, &m, &err), 0);
	assert_true(m.is_index);
	assert_int_equal(m.n_manifests, 4);
	struct rt_platform p;
	size_t which;
	assert_int_equal(rt_platform_parse("linux/amd64", &p, &err), 0);
	assert_int_equal(rt_manifest_pick(&m, &p, &which, &err), 0);
	assert_int_equal(which, 2);
	assert_int_equal(rt_platform_parse("linux/arm64/v8", &p, &err), 0);
	assert_int_equal(rt_manifest_pick(&m, &p, &which, &err), 0);
	assert_int_equal(which, 1); /* arm64 without a variant is v8 */
	assert_int_equal(rt_platform_parse("linux/arm/v7", &p, &err), 0);
	assert_int_equal(rt_manifest_pick(&m, &p, &which, &err), 0);
	assert_int_equal(which, 0);
	assert_int_equal(rt_platform_parse("linux/s390x", &p, &err), 0);
	assert_true(rt_manifest_pick(&m, &p, &which, &err) < 0);
	assert_non_null(strstr(err.msg, "linux/arm/v7, linux/arm64, linux/amd64)"));
	assert_non_null(strstr(err.msg, "platform:"));

	/* Refusals: schema 1, bad digests, sizes, unknown types. */
	assert_true(rt_manifest_parse("{\"schemaVersion\":1,\"fsLayers\":[]}", NULL, &a, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "schema 1"));
	assert_true(rt_manifest_parse("{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:../../etc\",\"size\":1},\"layers\":[]}",
				      NULL, &a, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "not sha256"));
	assert_true(rt_manifest_parse("{\"config\":{\"digest\":\"" D("a") "\",\"size\":-1},\"layers\":[]}", NULL, &a, &m, &err) < 0);
	assert_true(rt_manifest_parse("{\"mediaType\":\"text/html\"}", NULL, &a, &m, &err) < 0);
	assert_true(rt_manifest_parse("[1]", NULL, &a, &m, &err) < 0);
	nc_arena_free(&a);
}

static void test_platform(void **state)
{
	(void)state;
	struct rt_platform p;
	nc_err err = { 0 };

	rt_platform_host(&p);
	assert_string_equal(p.os, "linux");
	assert_true(p.arch[0]);
	assert_int_equal(rt_platform_parse("Linux/x86_64", &p, &err), 0);
	assert_string_equal(p.os, "linux");
	assert_string_equal(p.arch, "amd64");
	assert_true(rt_platform_parse("linux", &p, &err) < 0);
	assert_true(rt_platform_parse("a/b/c/d", &p, &err) < 0);
}

static void test_creds(void **state)
{
	(void)state;
	struct nc_arena a = NC_ARENA_INIT;
	const char *u, *s, *h;
	nc_err err = { 0 };
	/* "alice:s3cr:et" and "bob:pw" */
	const char *conf = "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"YWxpY2U6czNjcjpldA==\"},"
			   "\"localhost:5000\":{\"auth\":\"Ym9iOnB3\"},\"reg.example\":{}},"
			   "\"credHelpers\":{\"ghcr.io\":\"gh\"}}";

	assert_int_equal(rt_creds_lookup(conf, "docker.io", &a, &u, &s, &h, &err), 1);
	assert_string_equal(u, "alice");
	assert_string_equal(s, "s3cr:et");
	assert_int_equal(rt_creds_lookup(conf, "localhost:5000", &a, &u, &s, &h, &err), 1);
	assert_string_equal(u, "bob");
	assert_int_equal(rt_creds_lookup(conf, "localhost:5001", &a, &u, &s, &h, &err), 0);
	assert_int_equal(rt_creds_lookup(conf, "reg.example", &a, &u, &s, &h, &err), 0);
	assert_int_equal(rt_creds_lookup(conf, "ghcr.io", &a, &u, &s, &h, &err), 2);
	assert_string_equal(h, "gh");
	assert_int_equal(rt_creds_lookup("{\"credsStore\":\"pass\"}", "quay.io", &a, &u, &s, &h, &err), 2);
	assert_string_equal(h, "pass");
	assert_true(rt_creds_lookup("{\"auths\":{\"quay.io\":{\"auth\":\"!!!\"}}}", "quay.io", &a, &u, &s, &h, &err) < 0);
	assert_non_null(strstr(err.msg, "base64"));
	nc_arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_platform),
		cmocka_unit_test(test_creds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
