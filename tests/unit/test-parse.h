/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the parser's unit tests (test-parse*.c). */
#ifndef NC_TEST_PARSE_H
#define NC_TEST_PARSE_H

#include <stdio.h>
#include <string.h>

#include "compose/file/model.h"

#define GOOD_DIR NC_TEST_DATA "/parse/good"

static inline struct nc_model *load(const char *yaml)
{
	struct nc_model *m = NULL;
	nc_err err = { 0 };

	if (nc_model_load_buffer("t.yaml", yaml, strlen(yaml), &m, &err) < 0)
		fail_msg("load: %s", err.msg);
	return m;
}

static inline struct nc_model *load_good(const char *name)
{
	char path[512];
	struct nc_model *m = NULL;
	nc_err err;

	snprintf(path, sizeof(path), "%s/%s", GOOD_DIR, name);
	if (nc_model_load_file(path, &m, &err) < 0)
		fail_msg("%s", err.msg);
	return m;
}

static inline void load_fails(const char *yaml, const char *want)
{
	struct nc_model *m = NULL;
	nc_err err = { 0 };

	assert_true(nc_model_load_buffer("t.yaml", yaml, strlen(yaml), &m, &err) < 0);
	assert_null(m);
	assert_string_equal(err.msg, want);
}

static inline const char *ip(const struct nc_ip *a)
{
	static char b[4][NC_IP_STRLEN];
	static int i;
	i = (i + 1) % 4;
	return a->family ? nc_ip_str(a, b[i]) : "-";
}

static inline const char *pfx(const struct nc_prefix *p)
{
	static char b[4][NC_PREFIX_STRLEN];
	static int i;
	i = (i + 1) % 4;
	return p->ip.family ? nc_prefix_str(p, b[i]) : "-";
}

#define assert_mark(m, l, c)                      \
	do {                                      \
		assert_int_equal((m).line, (l));  \
		assert_int_equal((m).col, (c));   \
	} while (0)

#endif
