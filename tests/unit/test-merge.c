/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Several compose files as one (merge.c), and a project's files, name and
 * directory as Compose decides them (load-project.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/arena.h"
#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/file/merge.h"
#include "compose/file/model.h"
#include "compose/file/yaml-tree.h"

static void dump(const struct nc_yt_node *n, struct nc_strbuf *b)
{
	if (n->kind == NC_YT_SCALAR) {
		nc_strbuf_append(b, n->type == NC_YT_NULL && !n->quoted ? "~" : n->text);
	} else if (n->kind == NC_YT_SEQ) {
		nc_strbuf_putc(b, '[');
		for (size_t i = 0; i < n->n_items; i++) {
			if (i)
				nc_strbuf_append(b, ", ");
			dump(n->items[i], b);
		}
		nc_strbuf_putc(b, ']');
	} else {
		nc_strbuf_putc(b, '{');
		for (size_t i = 0; i < n->n_pairs; i++) {
			nc_strbuf_printf(b, "%s%s: ", i ? ", " : "", n->pairs[i].key->text);
			dump(n->pairs[i].value, b);
		}
		nc_strbuf_putc(b, '}');
	}
}

static struct nc_yt_node *parse(struct nc_arena *a, const char *path)
{
	char *text;
	size_t len;
	struct nc_yt_node *root;
	nc_err err;

	if (nc_read_file(path, &text, &len, &err) < 0)
		fail_msg("%s", err.msg);
	char *keep = nc_arena_strdup(a, path);
	if (nc_yt_parse(a, keep, text, len, &root, &err) < 0)
		fail_msg("%s", err.msg);
	free(text);
	return root;
}

/* tests/data/merge/CASE: 1.yaml and 2.yaml merged give `expect`. */
static void merge_case(const char *name)
{
	struct nc_arena a = NC_ARENA_INIT;
	struct nc_strbuf b = NC_STRBUF_INIT;
	char p1[PATH_MAX], p2[PATH_MAX], pe[PATH_MAX];
	struct nc_yt_node *out;
	char *want;
	nc_err err;

	snprintf(p1, sizeof(p1), "%s/merge/%s/1.yaml", NC_TEST_DATA, name);
	snprintf(p2, sizeof(p2), "%s/merge/%s/2.yaml", NC_TEST_DATA, name);
	snprintf(pe, sizeof(pe), "%s/merge/%s/expect", NC_TEST_DATA, name);
	struct nc_yt_node *r1 = parse(&a, p1), *r2 = parse(&a, p2);
	if (nc_yt_merge(&a, r1, r2, &out, &err) < 0)
		fail_msg("%s: %s", name, err.msg);
	nc_yt_strip_tags(out);
	dump(out, &b);
	nc_strbuf_putc(&b, '\n');
	assert_int_equal(nc_read_file(pe, &want, NULL, &err), 0);
	if (strcmp(want, nc_strbuf_str(&b)))
		fail_msg("%s:\n got  %s want %s", name, nc_strbuf_str(&b), want);
	free(want);
	nc_strbuf_free(&b);
	nc_arena_free(&a);
}

static void test_scalars_and_mappings(void **state)
{
	(void)state;
	merge_case("scalars");
}

static void test_lists(void **state)
{
	(void)state;
	merge_case("lists");
}

static void test_key_values(void **state)
{
	(void)state;
	merge_case("kv");
}

static void test_by_name(void **state)
{
	(void)state;
	merge_case("byname");
}

static void test_reset(void **state)
{
	(void)state;
	merge_case("reset");
}

static void test_override(void **state)
{
	(void)state;
	merge_case("override");
}

static void test_build_logging_ulimits(void **state)
{
	(void)state;
	merge_case("keys-build");
	merge_case("logging");
}

/* The inputs are DAGs shared by aliases: merging changes none of them. */
static void test_inputs_untouched(void **state)
{
	struct nc_arena a = NC_ARENA_INIT;
	struct nc_strbuf before = NC_STRBUF_INIT, after = NC_STRBUF_INIT;
	struct nc_yt_node *r1, *r2, *out;
	char p1[PATH_MAX], p2[PATH_MAX];
	nc_err err;

	(void)state;
	snprintf(p1, sizeof(p1), "%s/merge/kv/1.yaml", NC_TEST_DATA);
	snprintf(p2, sizeof(p2), "%s/merge/kv/2.yaml", NC_TEST_DATA);
	r1 = parse(&a, p1);
	r2 = parse(&a, p2);
	dump(r1, &before);
	assert_int_equal(nc_yt_merge(&a, r1, r2, &out, &err), 0);
	dump(r1, &after);
	assert_string_equal(nc_strbuf_str(&before), nc_strbuf_str(&after));
	nc_strbuf_free(&before);
	nc_strbuf_free(&after);
	nc_arena_free(&a);
}

/* ---- projects on disk ------------------------------------------------ */

static char tmp[PATH_MAX / 2];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/nc-merge-XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	/* A directory name Compose has to normalise. */
	strcat(tmp, "/My Lab.2");
	return mkdir(tmp, 0700);
}

static int teardown_dir(void **state)
{
	char cmd[PATH_MAX + 32];
	(void)state;
	*strrchr(tmp, '/') = '\0';
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

static int load(const char *const *files, size_t n, const char *name, char *const *envp,
		struct nc_model **m, nc_err *err)
{
	struct nc_project_files pf = { .files = files, .n_files = n, .name = name,
				       .envp = envp, .project_dir = n ? NULL : tmp };
	return nc_model_load_files(&pf, m, err);
}

static void test_project_name(void **state)
{
	struct nc_model *m;
	nc_err err;
	char f[PATH_MAX];
	const char *files[] = { f };
	char *const none[] = { NULL };
	char *const env[] = { "COMPOSE_PROJECT_NAME=fromenv", NULL };

	(void)state;
	put("compose.yaml", "services:\n  a:\n    hostname: h-${COMPOSE_PROJECT_NAME}\n");
	snprintf(f, sizeof(f), "%s/compose.yaml", tmp);

	/* The directory's name, as Compose normalises it. */
	assert_int_equal(load(files, 1, NULL, none, &m, &err), 0);
	assert_string_equal(m->project, "mylab2");
	assert_string_equal(m->services[0].hostname, "h-mylab2");
	assert_string_equal(m->dir, tmp);
	assert_string_equal(m->files[0], f);
	nc_model_free(m);

	/* name: wins over the directory... */
	put("compose.yaml", "name: fromfile\nservices:\n  a:\n    hostname: h-${COMPOSE_PROJECT_NAME}\n");
	assert_int_equal(load(files, 1, NULL, none, &m, &err), 0);
	assert_string_equal(m->project, "fromfile");
	nc_model_free(m);
	/* ...COMPOSE_PROJECT_NAME over name:, from the environment or .env... */
	assert_int_equal(load(files, 1, NULL, env, &m, &err), 0);
	assert_string_equal(m->project, "fromenv");
	assert_string_equal(m->services[0].hostname, "h-fromenv");
	nc_model_free(m);
	put(".env", "COMPOSE_PROJECT_NAME=dotenv\n");
	assert_int_equal(load(files, 1, NULL, none, &m, &err), 0);
	assert_string_equal(m->project, "dotenv");
	nc_model_free(m);
	/* ...and -p over all, also for ${COMPOSE_PROJECT_NAME}. */
	assert_int_equal(load(files, 1, "cli", env, &m, &err), 0);
	assert_string_equal(m->project, "cli");
	assert_string_equal(m->services[0].hostname, "h-cli");
	nc_model_free(m);
	/* A name that is not valid is refused, saying where it came from. */
	assert_true(load(files, 1, "Bad", none, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "`Bad` (-p) is not valid"));
	char *const badenv[] = { "COMPOSE_PROJECT_NAME=a.b", NULL };
	assert_true(load(files, 1, NULL, badenv, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "(COMPOSE_PROJECT_NAME) is not valid"));
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/.env", tmp);
	unlink(path);
}

static void test_dir_without_name(void **state)
{
	char out[64];
	(void)state;
	assert_true(nc_project_name_from_dir("/x/Hello World", out, sizeof(out)));
	assert_string_equal(out, "helloworld");
	assert_true(nc_project_name_from_dir("/x/_-a_b", out, sizeof(out)));
	assert_string_equal(out, "a_b");
	assert_false(nc_project_name_from_dir("/x/.._", out, sizeof(out)));
}

static void test_override_file_and_errors(void **state)
{
	struct nc_model *m;
	nc_err err;
	char *const none[] = { NULL };
	char f2[PATH_MAX], want[PATH_MAX + 64];

	(void)state;
	put("compose.yaml", "services:\n  a:\n    hostname: one\n");
	put("compose.override.yaml", "services:\n  a:\n    hostname: two\n");
	/* No -f: the default file and its override beside it. */
	assert_int_equal(load(NULL, 0, NULL, none, &m, &err), 0);
	assert_int_equal(m->n_files, 2);
	assert_string_equal(m->services[0].hostname, "two");
	nc_model_free(m);

	/* An error in the second file names the second file. */
	put("compose.override.yaml", "services:\n  a:\n    hostname: [x]\n");
	assert_true(load(NULL, 0, NULL, none, &m, &err) < 0);
	snprintf(f2, sizeof(f2), "%s/compose.override.yaml", tmp);
	snprintf(want, sizeof(want), "%s:3:15:", f2);
	if (strncmp(err.msg, want, strlen(want)))
		fail_msg("got `%s`, want it to start with `%s`", err.msg, want);
	unlink(f2);

	/* COMPOSE_FILE names them, relative to the project directory. */
	put("b.yaml", "services:\n  b:\n    hostname: bee\n");
	char *const env[] = { "COMPOSE_FILE=compose.yaml,b.yaml", "COMPOSE_PATH_SEPARATOR=,", NULL };
	assert_int_equal(load(NULL, 0, NULL, env, &m, &err), 0);
	assert_int_equal(m->n_services, 2);
	nc_model_free(m);
}

/* No -f: the default file of the current directory, else of the nearest
 * parent (Compose's rule); a directory given is looked in alone. */
static void test_parent_directories(void **state)
{
	struct nc_model *m;
	nc_err err;
	char *const none[] = { NULL };
	char sub[PATH_MAX], deeper[PATH_MAX], cwd[PATH_MAX];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	put("compose.yaml", "services:\n  a:\n    hostname: top\n");
	put("compose.override.yaml", "services:\n  a:\n    hostname: over\n");
	snprintf(sub, sizeof(sub), "%s/configs", tmp);
	snprintf(deeper, sizeof(deeper), "%s/configs/r1", tmp);
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(mkdir(deeper, 0700), 0);

	assert_int_equal(chdir(deeper), 0);
	struct nc_project_files pf = { .envp = none };
	int r = nc_model_load_files(&pf, &m, &err);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(r, 0);
	assert_string_equal(m->dir, tmp);
	assert_string_equal(m->project, "mylab2");
	assert_int_equal(m->n_files, 2);
	assert_string_equal(m->services[0].hostname, "over");
	nc_model_free(m);

	/* --project-directory names the one directory to look in. */
	pf.project_dir = deeper;
	assert_true(nc_model_load_files(&pf, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "no compose file"));

	/* The nearest file wins over one further up. */
	char near[PATH_MAX + 16];
	snprintf(near, sizeof(near), "%s/compose.yml", sub);
	FILE *f = fopen(near, "w");
	assert_non_null(f);
	fputs("services:\n  b:\n    hostname: near\n", f);
	fclose(f);
	assert_int_equal(chdir(deeper), 0);
	pf.project_dir = NULL;
	r = nc_model_load_files(&pf, &m, &err);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(r, 0);
	assert_string_equal(m->dir, sub);
	assert_int_equal(m->n_files, 1);
	assert_string_equal(m->services[0].name, "b");
	nc_model_free(m);
}

static void test_extends(void **state)
{
	struct nc_model *m;
	nc_err err;
	char *const none[] = { NULL };
	char sub[PATH_MAX], want[PATH_MAX];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/sub", tmp);
	assert_int_equal(mkdir(sub, 0700), 0);
	put("sub/common.yaml", "services:\n  base:\n    hostname: fromcommon\n    environment: {A: \"1\"}\n"
			       "    env_file: ./x.env\n");
	put("compose.yaml", "services:\n  b0:\n    hostname: h0\n    cap_add: [NET_ADMIN]\n"
			    "  a:\n    extends: {file: sub/common.yaml, service: base}\n    environment: {B: \"2\"}\n"
			    "  c:\n    extends: a\n    hostname: cc\n"
			    "  d:\n    extends: {service: b0}\n    cap_add: [SYS_ADMIN]\n");
	assert_int_equal(load(NULL, 0, NULL, none, &m, &err), 0);
	const struct nc_service *a = nc_model_service(m, "a"), *c = nc_model_service(m, "c"),
				*d = nc_model_service(m, "d");
	assert_non_null(a);
	assert_string_equal(a->hostname, "fromcommon");
	assert_int_equal(a->n_environment, 2);
	/* The other file's relative path is its directory's. */
	snprintf(want, sizeof(want), "%s/sub/./x.env", tmp);
	assert_string_equal(a->env_files[0].path, want);
	assert_string_equal(c->hostname, "cc");
	assert_int_equal(c->n_environment, 2);
	assert_string_equal(d->hostname, "h0");
	assert_int_equal(d->n_cap_add, 2);
	nc_model_free(m);

	put("compose.yaml", "services:\n  a:\n    extends: b\n  b:\n    extends: a\n");
	assert_true(load(NULL, 0, NULL, none, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "compose.yaml:3:14: `extends` chain"));
	put("compose.yaml", "services:\n  a:\n    extends: {file: nope.yaml, service: x}\n");
	assert_true(load(NULL, 0, NULL, none, &m, &err) < 0);
	assert_non_null(strstr(err.msg, "compose.yaml:3:"));
	assert_non_null(strstr(err.msg, "nope.yaml"));
	put("sub/common.yaml", "");
	put("sub/x.env", "");
}

static void test_include(void **state)
{
	struct nc_model *m;
	nc_err err;
	char *const none[] = { NULL };
	char sub[PATH_MAX], want[PATH_MAX];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/db", tmp);
	assert_int_equal(mkdir(sub, 0700), 0);
	put("db/.env", "DBNAME=pg\n");
	put("db/x.env", "");
	put("db/compose.yaml", "services:\n  db:\n    hostname: ${DBNAME}\n    env_file: ./x.env\n"
			       "networks:\n  back: {}\n");
	put("compose.yaml", "include:\n  - db/compose.yaml\nservices:\n  web:\n    networks: [back]\n");
	assert_int_equal(load(NULL, 0, NULL, none, &m, &err), 0);
	const struct nc_service *db = nc_model_service(m, "db");
	assert_non_null(db);
	/* The included project's .env, and its directory for relative paths. */
	assert_string_equal(db->hostname, "pg");
	snprintf(want, sizeof(want), "%s/db/./x.env", tmp);
	assert_string_equal(db->env_files[0].path, want);
	assert_non_null(nc_model_network(m, "back"));
	nc_model_free(m);

	/* The long form; a name both define is an error naming both. */
	put("compose.yaml", "include:\n  - path: [db/compose.yaml]\n    project_directory: db\n"
			    "services:\n  db:\n    hostname: w\n");
	assert_true(load(NULL, 0, NULL, none, &m, &err) < 0);
	snprintf(want, sizeof(want), "compose.yaml:5:3: service `db` is also defined by the included file %s/db/compose.yaml:2:3", tmp);
	if (!strstr(err.msg, want))
		fail_msg("got `%s`", err.msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars_and_mappings),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_key_values),
		cmocka_unit_test(test_by_name),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_build_logging_ulimits),
		cmocka_unit_test(test_inputs_untouched),
		cmocka_unit_test(test_dir_without_name),
		cmocka_unit_test_setup_teardown(test_project_name, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_override_file_and_errors, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_parent_directories, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_extends, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_include, setup_dir, teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
