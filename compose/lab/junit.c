/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lab/junit.h"

#include <string.h>

#include "compose/file/model.h"

static void esc(struct nc_strbuf *o, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': nc_strbuf_append(o, "&amp;"); break;
		case '<': nc_strbuf_append(o, "&lt;"); break;
		case '>': nc_strbuf_append(o, "&gt;"); break;
		case '"': nc_strbuf_append(o, "&quot;"); break;
		case '\'': nc_strbuf_append(o, "&apos;"); break;
		default:
			/* XML 1.0 has no place for other control characters. */
			if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n')
				nc_strbuf_putc(o, '?');
			else
				nc_strbuf_putc(o, *s);
		}
	}
}

static const char *set_of(const struct nc_check_result *r)
{
	return r->check->set ? r->check->set : "checks";
}

static bool same_set(const struct nc_check_result *a, const struct nc_check_result *b)
{
	return !strcmp(set_of(a), set_of(b));
}

/* Checks run side by side: a suite's time is its slowest check's. */
static double suite_time(const struct nc_check_result *r, size_t n)
{
	double t = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].elapsed_us / 1e6 > t)
			t = r[i].elapsed_us / 1e6;
	return t;
}

static void counts(const struct nc_check_result *r, size_t n, size_t *failures, size_t *errors)
{
	*failures = *errors = 0;
	for (size_t i = 0; i < n; i++)
		if (!r[i].passed) {
			*errors += r[i].error;
			*failures += !r[i].error;
		}
}

static void testcase(struct nc_strbuf *o, const char *project, const struct nc_check_result *r)
{
	nc_strbuf_append(o, "    <testcase classname=\"ncompose.");
	esc(o, project);
	nc_strbuf_putc(o, '.');
	esc(o, set_of(r));
	nc_strbuf_append(o, "\" name=\"");
	esc(o, r->name);
	nc_strbuf_printf(o, "\" time=\"%.3f\"", r->elapsed_us / 1e6);
	if (r->passed) {
		nc_strbuf_append(o, "/>\n");
		return;
	}
	const char *tag = r->error ? "error" : "failure";
	nc_strbuf_printf(o, ">\n      <%s message=\"", tag);
	esc(o, r->detail);
	nc_strbuf_printf(o, "\" type=\"%s\">", r->error ? "NotRunnable" : "CheckFailed");
	esc(o, r->name);
	if (*r->target) {
		nc_strbuf_append(o, " (");
		esc(o, r->target);
		nc_strbuf_putc(o, ')');
	}
	nc_strbuf_append(o, ": ");
	esc(o, r->detail);
	nc_strbuf_printf(o, "\nline %d of the file, %u round%s", r->check->mark.line, r->rounds,
			 r->rounds == 1 ? "" : "s");
	nc_strbuf_printf(o, "</%s>\n    </testcase>\n", tag);
}

void nc_junit_write(struct nc_strbuf *o, const char *project, const char *hostname,
		    time_t started, const struct nc_check_result *r, size_t n)
{
	char ts[32];
	struct tm tm;
	size_t failures, errors;

	/* Local time without a zone: the form the Jenkins schema's pattern takes. */
	localtime_r(&started, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	counts(r, n, &failures, &errors);
	nc_strbuf_append(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"");
	esc(o, project);
	nc_strbuf_printf(o, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n", n,
			 failures, errors, suite_time(r, n));
	for (size_t i = 0, id = 0; i < n; id++) {
		size_t k = i;
		while (k < n && same_set(&r[i], &r[k]))
			k++;
		counts(r + i, k - i, &failures, &errors);
		nc_strbuf_append(o, "  <testsuite name=\"");
		esc(o, set_of(&r[i]));
		nc_strbuf_printf(o, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"%.3f\" timestamp=\"%s\" hostname=\"",
				 k - i, failures, errors, suite_time(r + i, k - i), ts);
		esc(o, hostname);
		nc_strbuf_printf(o, "\" id=\"%zu\" package=\"ncompose.", id);
		esc(o, project);
		nc_strbuf_append(o, "\">\n");
		for (size_t t = i; t < k; t++)
			testcase(o, project, &r[t]);
		nc_strbuf_append(o, "  </testsuite>\n");
		i = k;
	}
	nc_strbuf_append(o, "</testsuites>\n");
}
