/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The build cache's keys: what changes a step's key, and what does not. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "compose/lifecycle/build-internal.h"

static const char *words[] = { "conf/", "/srv/" };
static struct nc_df_kv scope[] = { { "GREETING", "hello" } };

static void step_of(struct nc_df_instr *in, struct nc_df_step *st, enum nc_df_kind kind)
{
	memset(in, 0, sizeof(*in));
	memset(st, 0, sizeof(*st));
	in->kind = kind;
	st->in = in;
	st->words = words;
	st->n_words = 2;
	st->scope = scope;
	st->n_scope = 1;
	st->copy_from_stage = -1;
}

static void key(const char *parent, const struct nc_df_step *st, const char *content, char out[NC_SHA256_HEX_LEN])
{
	nc_bcache_key(parent, st, content, out);
	assert_int_equal(strlen(out), 64);
}

static void test_same_inputs_same_key(void **state)
{
	(void)state;
	struct nc_df_instr in;
	struct nc_df_step st;
	char a[NC_SHA256_HEX_LEN], b[NC_SHA256_HEX_LEN];
	step_of(&in, &st, NC_DF_COPY);
	key("p", &st, "c", a);
	key("p", &st, "c", b);
	assert_string_equal(a, b);
}

static void test_parent_content_and_words_change_it(void **state)
{
	(void)state;
	struct nc_df_instr in;
	struct nc_df_step st;
	char base[NC_SHA256_HEX_LEN], k[NC_SHA256_HEX_LEN];
	step_of(&in, &st, NC_DF_COPY);
	key("p", &st, "c", base);
	key("q", &st, "c", k);
	assert_string_not_equal(base, k);
	key("p", &st, "d", k);
	assert_string_not_equal(base, k);
	key("p", &st, NULL, k);
	assert_string_not_equal(base, k);
	st.n_words = 1;
	key("p", &st, "c", k);
	assert_string_not_equal(base, k);
	st.n_words = 2;
	st.chown = "1000";
	key("p", &st, "c", k);
	assert_string_not_equal(base, k);
	st.chown = NULL;
	in.kind = NC_DF_ADD;
	key("p", &st, "c", k);
	assert_string_not_equal(base, k);
}

/* Two words joined are not one word: no ambiguity between fields. */
static void test_fields_do_not_run_together(void **state)
{
	(void)state;
	struct nc_df_instr in;
	struct nc_df_step st;
	static const char *ab[] = { "a", "b" }, *joined[] = { "a\0b" };
	char k1[NC_SHA256_HEX_LEN], k2[NC_SHA256_HEX_LEN];
	step_of(&in, &st, NC_DF_WORKDIR);
	st.words = ab;
	key("p", &st, NULL, k1);
	st.words = joined;
	st.n_words = 1;
	key("p", &st, NULL, k2);
	assert_string_not_equal(k1, k2);
}

/* RUN sees the build's variables; COPY does not. */
static void test_scope_counts_for_run_only(void **state)
{
	(void)state;
	struct nc_df_instr in;
	struct nc_df_step st;
	struct nc_df_kv other[] = { { "GREETING", "bye" } };
	char k1[NC_SHA256_HEX_LEN], k2[NC_SHA256_HEX_LEN];
	step_of(&in, &st, NC_DF_RUN);
	key("p", &st, NULL, k1);
	st.scope = other;
	key("p", &st, NULL, k2);
	assert_string_not_equal(k1, k2);
	in.kind = NC_DF_COPY;
	key("p", &st, "c", k1);
	st.scope = scope;
	key("p", &st, "c", k2);
	assert_string_equal(k1, k2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_inputs_same_key),
		cmocka_unit_test(test_parent_content_and_words_change_it),
		cmocka_unit_test(test_fields_do_not_run_together),
		cmocka_unit_test(test_scope_counts_for_run_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
