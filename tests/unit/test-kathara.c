/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kathará labs: the lab.conf and lab.dep parsers, and the translation to a
 * compose file that loads (tests/data/kathara/two-hosts). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "compose/file/emit.h"
#include "compose/file/kathara.h"
#include "compose/file/model.h"

#define LAB_DIR NC_TEST_DATA "/kathara/two-hosts"

static int parse(struct nc_kat_lab *lab, const char *text, nc_err *err)
{
	*lab = (struct nc_kat_lab)NC_KAT_LAB_INIT;
	return nc_kat_parse_conf(lab, "lab.conf", text, strlen(text), err);
}

static void parse_fails(const char *text, const char *want)
{
	struct nc_kat_lab lab;
	nc_err err = { 0 };
	assert_true(parse(&lab, text, &err) < 0);
	if (strcmp(err.msg, want))
		fail_msg("got `%s`\nwant `%s`", err.msg, want);
	nc_kat_lab_free(&lab);
}

static void test_conf_devices_and_order(void **state)
{
	(void)state;
	struct nc_kat_lab lab;
	nc_err err = { 0 };
	assert_int_equal(parse(&lab,
			       "# comment\n"
			       "   # indented comment\n"
			       "LAB_DESCRIPTION=\"a lab, with = and # inside\"\n"
			       "LAB_VERSION=1.0\n"
			       "\n"
			       "r1[2]=\"C\"\n"
			       "r1[0]=A   # trailing comment\n"
			       "r1[1]='B/02:00:00:00:00:b1'\n"
			       "r1[image]=\"kathara/frr\"\n"
			       "r1[ipv6]=\"true\"\n"
			       "pc_1[0]=A\r\n"
			       "pc_1[bridged]=true\n"
			       "pc_1[exec]=\"echo hi\"\n",
			       &err),
			 0);
	assert_int_equal(lab.n_meta, 2);
	assert_string_equal(lab.meta[0].key, "LAB_DESCRIPTION");
	assert_string_equal(lab.meta[0].value, "a lab, with = and # inside");
	assert_string_equal(lab.meta[1].value, "1.0");
	assert_int_equal(lab.n_devices, 2);
	const struct nc_kat_device *r1 = &lab.devices[0];
	assert_string_equal(r1->name, "r1");
	assert_int_equal(r1->n_ifaces, 3);
	/* Sorted by number, whatever the order of the lines. */
	assert_int_equal(r1->ifaces[0].index, 0);
	assert_string_equal(r1->ifaces[0].cd, "A");
	assert_string_equal(r1->ifaces[1].cd, "B");
	assert_string_equal(r1->ifaces[1].mac, "02:00:00:00:00:b1");
	assert_string_equal(r1->ifaces[2].cd, "C");
	assert_int_equal(r1->ifaces[2].line, 6);
	assert_string_equal(r1->image, "kathara/frr");
	assert_true(r1->ipv6);
	const struct nc_kat_device *pc = &lab.devices[1];
	assert_string_equal(pc->name, "pc_1");
	assert_true(pc->bridged);
	assert_int_equal(pc->n_opts, 1);
	assert_string_equal(pc->opts[0].key, "exec");
	assert_string_equal(pc->opts[0].value, "echo hi");
	assert_int_equal(lab.n_warnings, 0);
	nc_kat_lab_free(&lab);
}

static void test_conf_unknown_keys_warn(void **state)
{
	(void)state;
	struct nc_kat_lab lab;
	nc_err err = { 0 };
	assert_int_equal(parse(&lab, "a[0]=A\na[frobnicate]=1\nOTHER=x\n", &err), 0);
	assert_int_equal(lab.n_warnings, 2);
	assert_string_equal(lab.warnings[0], "lab.conf:2: `a[frobnicate]` is not translated; ignored");
	assert_string_equal(lab.warnings[1], "lab.conf:3: `OTHER` is not a Kathará key; ignored");
	nc_kat_lab_free(&lab);
}

static void test_conf_bad_lines(void **state)
{
	(void)state;
	parse_fails("a[0]=A\njust words\n",
		    "lab.conf:2: expected DEVICE[N]=DOMAIN, DEVICE[KEY]=VALUE or LAB_KEY=VALUE, got `just words`");
	parse_fails("\n\na[0]=\"A\n", "lab.conf:3: unterminated \" quote; close it on the same line");
	parse_fails("a[0]=\"A\" B\n", "lab.conf:1: text after the closing quote: `B`");
	parse_fails("a[0]=A\na[0]=B\n",
		    "lab.conf:2: a[0] is given twice (line 1); one collision domain per interface");
	parse_fails("R1[0]=A\n", "lab.conf:1: device name `R1`: use lower case letters, digits, `_` and `-`");
	parse_fails("a[0=A\n", "lab.conf:1: `a[0`: expected DEVICE[KEY]");
	parse_fails("a[99999]=A\n", "lab.conf:1: `a[99999]`: an interface number is 0 to 1000");
	parse_fails("a[0]=\"\"\n", "lab.conf:1: a[0] names no collision domain");
	parse_fails("a[0]=\"x y\"\n", "lab.conf:1: collision domain `x y`: use letters, digits, `_`, `-` and `.`");
}

static void test_dep(void **state)
{
	(void)state;
	struct nc_kat_lab lab;
	nc_err err = { 0 };
	assert_int_equal(parse(&lab, "a[0]=A\nb[0]=A\nc[0]=A\n", &err), 0);
	const char dep[] = "# order\na: b c\n\nb:c # comment\n";
	assert_int_equal(nc_kat_parse_dep(&lab, "lab.dep", dep, strlen(dep), &err), 0);
	assert_int_equal(lab.devices[0].n_deps, 2);
	assert_string_equal(lab.devices[0].deps[0], "b");
	assert_string_equal(lab.devices[0].deps[1], "c");
	assert_int_equal(lab.devices[1].n_deps, 1);
	const char bad[] = "a: b\nd: a\n";
	assert_true(nc_kat_parse_dep(&lab, "lab.dep", bad, strlen(bad), &err) < 0);
	assert_string_equal(err.msg, "lab.dep:2: `d` is no device of lab.conf");
	nc_kat_lab_free(&lab);
}

/* The translation of the fixture lab loads as a compose file with what a
 * Kathará user expects: layer-2 domains, interfaces in lab.conf's order,
 * the startup and device files bound read-only, lab.dep as depends_on,
 * host images without `image:`. */
static void test_translate_loads(void **state)
{
	(void)state;
	const char *hosts[] = { "kathara/frr" };
	struct nc_kat_opts o = { .base = LAB_DIR, .host_images = hosts, .n_host_images = 1, .source = "lab" };
	struct nc_strbuf out = NC_STRBUF_INIT;
	nc_err err = { 0 };
	FILE *warnings = tmpfile();
	assert_non_null(warnings);
	if (nc_kat_import_dir(LAB_DIR, &o, warnings, &out, &err) < 0)
		fail_msg("%s", err.msg);
	rewind(warnings);
	char line[512] = "";
	assert_non_null(fgets(line, sizeof(line), warnings));
	assert_non_null(strstr(line, "lab.conf:14: `r1[num_terms]`: no terminal opens here"));
	assert_non_null(fgets(line, sizeof(line), warnings));
	assert_non_null(strstr(line, "lab.conf:18: `pc2[bogus]` is not translated; ignored"));
	fclose(warnings);

	struct nc_model *m = NULL;
	if (nc_model_load_buffer("t.yaml", out.s, out.len, &m, &err) < 0)
		fail_msg("%s\n%s", err.msg, out.s);
	assert_int_equal(m->n_networks, 2);
	assert_string_equal(m->networks[0].name, "A");
	assert_true(m->networks[0].layer2);
	assert_true(m->networks[1].layer2);
	assert_int_equal(m->n_services, 3);
	const struct nc_service *pc1 = nc_model_service(m, "pc1");
	const struct nc_service *r1 = nc_model_service(m, "r1");
	assert_non_null(pc1);
	assert_non_null(r1);
	assert_string_equal(pc1->image, "kathara/base");
	assert_null(r1->image);
	/* r1[1] came first in lab.conf; eth0 is still on A. */
	assert_int_equal(r1->n_networks, 2);
	assert_string_equal(r1->networks[0].network, "A");
	assert_string_equal(r1->networks[0].interface_name, "eth0");
	assert_string_equal(r1->networks[1].network, "B");
	assert_int_equal(pc1->n_depends_on, 1);
	assert_string_equal(pc1->depends_on[0].service, "r1");
	/* The shared volume first, then the lab's files bound read-only:
	 * shared/, shared.startup, the device's startup and its files. */
	static const char *const targets[] = { "/shared", "/shared/note.txt", "/kathara/shared.startup",
					       "/kathara/pc1.startup", "/etc/lab/motd" };
	assert_int_equal(pc1->n_volumes, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(pc1->volumes[i].target, targets[i]);
		assert_int_equal(pc1->volumes[i].read_only, i > 0);
		if (i > 0)
			assert_false(pc1->volumes[i].create_host_path);
	}
	assert_int_equal(m->n_volumes, 1);
	/* The startup's sysctl is in the file; Kathará's own defaults too. */
	bool redirects = false, forward = false;
	for (size_t i = 0; i < r1->n_sysctls; i++) {
		redirects |= !strcmp(r1->sysctls[i].key, "net.ipv4.conf.all.send_redirects") &&
			     !strcmp(r1->sysctls[i].value, "0");
		forward |= !strcmp(r1->sysctls[i].key, "net.ipv4.ip_forward") && !strcmp(r1->sysctls[i].value, "1");
	}
	assert_true(redirects);
	assert_true(forward);
	nc_model_free(m);
	nc_strbuf_free(&out);
}

static struct nc_model *translate_text(const char *conf)
{
	struct nc_kat_lab lab;
	struct nc_kat_opts o = { .base = ".", .source = "lab" };
	struct nc_strbuf out = NC_STRBUF_INIT;
	struct nc_model *m = NULL;
	nc_err err = { 0 };

	if (parse(&lab, conf, &err) < 0 || nc_kat_translate(&lab, &o, &out, &err) < 0)
		fail_msg("%s", err.msg);
	nc_kat_lab_free(&lab);
	if (nc_model_load_buffer("t.yaml", out.s, out.len, &m, &err) < 0)
		fail_msg("%s\n%s", err.msg, out.s);
	nc_strbuf_free(&out);
	return m;
}

/* Kathará lets a device on one collision domain twice: two interfaces on
 * one segment, each with its own name; `config` prints them back as a
 * list that loads the same. */
static void test_twice_on_one_domain(void **state)
{
	(void)state;
	struct nc_model *m = translate_text("sw[0]=A\nsw[2]=B\nsw[1]=\"A/02:00:00:00:00:0b\"\nh[0]=A\n");
	const struct nc_service *sw = nc_model_service(m, "sw");
	assert_int_equal(sw->n_networks, 3);
	assert_string_equal(sw->networks[0].network, "A");
	assert_string_equal(sw->networks[0].interface_name, "eth0");
	assert_string_equal(sw->networks[1].network, "A");
	assert_string_equal(sw->networks[1].interface_name, "eth1");
	assert_string_equal(sw->networks[1].mac_address, "02:00:00:00:00:0b");
	assert_string_equal(sw->networks[2].network, "B");

	struct nc_strbuf out = NC_STRBUF_INIT;
	nc_err err = { 0 };
	struct nc_model *again = NULL;
	assert_int_equal(nc_model_emit_yaml(m, &out, &err), 0);
	if (nc_model_load_buffer("config.yaml", out.s, out.len, &again, &err) < 0)
		fail_msg("%s\n%s", err.msg, out.s);
	const struct nc_service *sw2 = nc_model_service(again, "sw");
	assert_int_equal(sw2->n_networks, 3);
	assert_string_equal(sw2->networks[1].network, "A");
	assert_string_equal(sw2->networks[1].interface_name, "eth1");
	assert_string_equal(sw2->networks[1].mac_address, "02:00:00:00:00:0b");
	nc_model_free(again);
	nc_strbuf_free(&out);
	nc_model_free(m);
}

/* The list form needs a name on each interface; the mapping form stays
 * once per network. */
static void test_twice_needs_names(void **state)
{
	(void)state;
	static const struct {
		const char *yaml, *want;
	} bad[] = {
		{ "services:\n  a:\n    image: x\n    networks:\n      n:\n        - {interface_name: e0}\n        - {}\nnetworks:\n  n:\n",
		  "give each attachment an interface_name" },
		{ "services:\n  a:\n    image: x\n    networks:\n      n:\n        - {interface_name: e0}\n        - {interface_name: e0}\nnetworks:\n  n:\n",
		  "interface_name `e0` is given twice on network `n`" },
		{ "services:\n  a:\n    image: x\n    networks:\n      n:\n        - {interface_name: e0}\nnetworks:\n  n:\n",
		  "a list of two or more" },
		{ "services:\n  a:\n    image: x\n    networks: [n, n]\nnetworks:\n  n:\n",
		  "network `n` is listed twice in service `a`" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct nc_model *m = NULL;
		nc_err err = { 0 };
		assert_true(nc_model_load_buffer("t.yaml", bad[i].yaml, strlen(bad[i].yaml), &m, &err) < 0);
		if (!strstr(err.msg, bad[i].want))
			fail_msg("case %zu: got `%s`, want `%s`", i, err.msg, bad[i].want);
	}
}

static bool has_sysctl(const struct nc_service *s, const char *key, const char *value)
{
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (!strcmp(s->sysctls[i].key, key) && !strcmp(s->sysctls[i].value, value))
			return true;
	return false;
}

/* [ipv6] as Kathará sets it; without the key, the device is left as it is. */
static void test_ipv6(void **state)
{
	(void)state;
	struct nc_model *m = translate_text("a[0]=A\na[ipv6]=\"false\"\nb[0]=A\nb[ipv6]=true\nc[0]=A\n");
	const struct nc_service *a = nc_model_service(m, "a"), *b = nc_model_service(m, "b"),
				*c = nc_model_service(m, "c");
	assert_true(has_sysctl(a, "net.ipv6.conf.all.disable_ipv6", "1"));
	assert_true(has_sysctl(a, "net.ipv6.conf.default.disable_ipv6", "1"));
	assert_false(has_sysctl(a, "net.ipv6.conf.all.forwarding", "1"));
	assert_true(has_sysctl(b, "net.ipv6.conf.all.forwarding", "1"));
	assert_false(has_sysctl(b, "net.ipv6.conf.all.disable_ipv6", "1"));
	for (size_t i = 0; i < c->n_sysctls; i++)
		assert_null(strstr(c->sysctls[i].key, "ipv6"));
	nc_model_free(m);
}

/* [num_terms] is a warning of one line; [shell] runs the startup, unless
 * it is no plain absolute path. */
static void test_terminal_keys(void **state)
{
	(void)state;
	struct nc_kat_lab lab;
	nc_err err = { 0 };
	assert_int_equal(parse(&lab, "a[0]=A\na[num_terms]=2\na[shell]=\"/bin/sh\"\nb[shell]=\"sh; rm -rf /\"\n", &err), 0);
	assert_int_equal(lab.n_warnings, 2);
	assert_non_null(strstr(lab.warnings[0], "lab.conf:2: `a[num_terms]`: no terminal opens here"));
	assert_non_null(strstr(lab.warnings[1], "lab.conf:4: `b[shell]`: `sh; rm -rf /` is not an absolute path"));
	assert_true(nc_kat_shell_ok("/bin/sh"));
	assert_false(nc_kat_shell_ok("/bin/sh -x"));
	nc_kat_lab_free(&lab);
}

/* Without lab.conf, the lab's directories are its devices (shared/ and
 * hidden ones are not), as `kathara lstart -F` takes them. */
static void test_folder_lab(void **state)
{
	(void)state;
	const char *dir = NC_TEST_DATA "/kathara-labs/folders-only";
	struct nc_kat_opts o = { .base = dir, .source = "lab" };
	struct nc_strbuf out = NC_STRBUF_INIT;
	nc_err err = { 0 };
	FILE *warnings = tmpfile();
	assert_non_null(warnings);
	assert_true(nc_kat_is_lab_dir(dir));
	assert_false(nc_kat_is_lab_dir(NC_TEST_DATA "/kathara-labs"));
	if (nc_kat_import_dir(dir, &o, warnings, &out, &err) < 0)
		fail_msg("%s", err.msg);
	rewind(warnings);
	char line[512] = "";
	assert_non_null(fgets(line, sizeof(line), warnings));
	assert_non_null(strstr(line, "has no lab.conf, or an empty one: its 2 directories are the devices"));
	fclose(warnings);
	struct nc_model *m = NULL;
	if (nc_model_load_buffer("t.yaml", out.s, out.len, &m, &err) < 0)
		fail_msg("%s\n%s", err.msg, out.s);
	assert_int_equal(m->n_services, 2);
	assert_string_equal(m->services[0].name, "client");
	assert_string_equal(m->services[1].name, "server");
	assert_string_equal(m->services[1].volumes[m->services[1].n_volumes - 1].target, "/var/www/index.html");
	nc_model_free(m);
	nc_strbuf_free(&out);
}

/* A lab named with a trailing '/' and files named from "./.": the paths
 * of the file and of the messages are joined without "//", "/./" or
 * "././", and each warning is printed once. */
static void test_paths_tidy(void **state)
{
	(void)state;
	struct nc_kat_opts o = { .base = "./.", .source = "lab" };
	struct nc_strbuf out = NC_STRBUF_INIT;
	nc_err err = { 0 };
	FILE *warnings = tmpfile();
	assert_non_null(warnings);
	if (nc_kat_import_dir(LAB_DIR "/", &o, warnings, &out, &err) < 0)
		fail_msg("%s", err.msg);
	rewind(warnings);
	char line[512];
	size_t n = 0;
	while (fgets(line, sizeof(line), warnings)) {
		if (strstr(line, "//") || strstr(line, "/./"))
			fail_msg("a doubled path in: %s", line);
		n++;
	}
	fclose(warnings);
	assert_int_equal(n, 2);
	if (strstr(out.s, "././") || strstr(out.s, "/./") || strstr(out.s, "//"))
		fail_msg("a doubled path in the file:\n%s", out.s);
	assert_non_null(strstr(out.s, "source: ./pc1.startup\n"));
	assert_non_null(strstr(out.s, "source: ./shared/note.txt\n"));
	nc_strbuf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_devices_and_order),
		cmocka_unit_test(test_conf_unknown_keys_warn),
		cmocka_unit_test(test_conf_bad_lines),
		cmocka_unit_test(test_dep),
		cmocka_unit_test(test_translate_loads),
		cmocka_unit_test(test_twice_on_one_domain),
		cmocka_unit_test(test_twice_needs_names),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_terminal_keys),
		cmocka_unit_test(test_folder_lab),
		cmocka_unit_test(test_paths_tidy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
