/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mutated input, deterministically: the good files and a few .env texts
 * with bytes flipped, dropped and YAML tokens inserted (a fixed seed, so a
 * failure repeats). Whatever the parser makes of them it must not crash or
 * read past the buffer (each input sits in an allocation of its exact size,
 * for ASan and valgrind), its error must be one line with a place, and a
 * model it accepts must print, parse back and print the same.
 *
 * NC_MUTATE_ROUNDS=N raises the number of mutations per file (default 1000)
 * for a longer hunt; libFuzzer finds more, this keeps what it found fixed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fsutil.h"
#include "common/strbuf.h"
#include "compose/file/dotenv.h"
#include "compose/file/emit.h"
#include "compose/file/model.h"
#include "tests/unit/test-parse.h"

/* xorshift64: the same sequence on every machine. */
static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static const char *const tokens[] = {
	":", "- ", "[", "]", "{", "}", "&a ", "*a", "<<: ", "\n", " ", "\t", "'", "\"", "${", "$",
	"#", ",", "?", "!!str ", "~", "0", "1.5", "x-", "\\", "\xc3\xa9", "\xe2\x80\xa8", "\r",
	"10.0.0.1", "fd00::1", "/24", "eth0", "default",
};

/* One to four edits of `in` into `out` (which holds `cap` bytes). */
static size_t mutate(uint64_t *seed, const char *in, size_t len, char *out, size_t cap)
{
	size_t n = len < cap ? len : cap;
	memcpy(out, in, n);
	for (int k = 1 + (int)(next(seed) % 4); k > 0; k--) {
		size_t pos = n ? next(seed) % n : 0;
		switch (next(seed) % 3) {
		case 0:
			if (n)
				out[pos] = (char)(next(seed) % 128);
			break;
		case 1:
			if (n) {
				memmove(out + pos, out + pos + 1, n - pos - 1);
				n--;
			}
			break;
		default: {
			const char *t = tokens[next(seed) % (sizeof(tokens) / sizeof(tokens[0]))];
			size_t tl = strlen(t);
			if (n + tl <= cap) {
				memmove(out + pos + tl, out + pos, n - pos);
				memcpy(out + pos, t, tl);
				n += tl;
			}
		}
		}
	}
	return n;
}

static const char *lookup(void *ctx, const char *name)
{
	(void)ctx;
	return strlen(name) % 3 == 0 ? NULL : strlen(name) % 3 == 1 ? "" : "v";
}

/* `config` output is read back with interpolation (it writes `$` as `$$`);
 * nothing is set, so any `${X}` left in it would show as a change. */
static const char *lookup_none(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return NULL;
}

static void check_model(const char *label, const char *input, size_t len, struct nc_model *m)
{
	struct nc_load_opts again_opts = { .lookup = lookup_none };
	struct nc_strbuf a = NC_STRBUF_INIT, b = NC_STRBUF_INIT;
	struct nc_model *again = NULL;
	nc_err err;

	assert_int_equal(nc_model_emit_yaml(m, &a, &err), 0);
	if (nc_model_load_buffer_opts("again.yaml", a.s, a.len, &again_opts, &again, &err) < 0)
		fail_msg("%s: the output does not load: %s\n--- input\n%.*s\n--- output\n%s", label,
			 err.msg, (int)len, input, a.s);
	assert_int_equal(nc_model_emit_yaml(again, &b, &err), 0);
	if (strcmp(a.s, b.s))
		fail_msg("%s: printed twice differently\n--- input\n%.*s\n--- first\n%s--- second\n%s",
			 label, (int)len, input, a.s, b.s);
	nc_model_free(again);
	nc_strbuf_free(&a);
	nc_strbuf_free(&b);
}

static void check_error(const char *label, const nc_err *err)
{
	if (strchr(err->msg, '\n') || !strstr(err->msg, ".yaml"))
		fail_msg("%s: not a one-line message with its place: %s", label, err->msg);
}

static unsigned rounds(void)
{
	const char *s = getenv("NC_MUTATE_ROUNDS");
	return s && atoi(s) > 0 ? (unsigned)atoi(s) : 1000;
}

static void test_mutated_yaml(void **state)
{
	(void)state;
	static const char *const files[] = { "lab.yaml", "everything.yaml", "anchors.yaml",
					     "minimal.yaml", "keys.yaml" };
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	unsigned n_rounds = rounds(), accepted = 0;

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		char path[512], label[64];
		char *text;
		size_t len;
		nc_err err;
		snprintf(path, sizeof(path), "%s/%s", GOOD_DIR, files[f]);
		if (nc_read_file(path, &text, &len, &err) < 0)
			fail_msg("%s", err.msg);
		for (unsigned i = 0; i < n_rounds; i++) {
			size_t cap = len + 64;
			char *buf = malloc(cap);
			assert_non_null(buf);
			size_t n = mutate(&seed, text, len, buf, cap);
			/* Exactly n bytes, no NUL after them. */
			char *exact = malloc(n ? n : 1);
			assert_non_null(exact);
			memcpy(exact, buf, n);
			free(buf);

			struct nc_load_opts opts = { .lookup = i % 3 ? lookup : NULL };
			struct nc_model *m = NULL;
			snprintf(label, sizeof(label), "%s round %u", files[f], i);
			if (nc_model_load_buffer_opts("m.yaml", exact, n, &opts, &m, &err) == 0) {
				check_model(label, exact, n, m);
				nc_model_free(m);
				accepted++;
			} else {
				assert_null(m);
				check_error(label, &err);
			}
			free(exact);
		}
		free(text);
	}
	/* Some mutations must survive, or the round trip went untested. */
	assert_true(accepted > 0);
}

static void test_mutated_dotenv(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"# c\nA=1\nexport B = two words  \nC='single $A'\nD=\"d ${A} \\n \\\"q\\\"\"\n",
		"E=x # comment\nF=a#b\nG=\nH=\"multi\nline\"\nI=${A:-x}-${UNSET-y}\n",
	};
	uint64_t seed = 0x2545f4914f6cdd1dULL;
	unsigned n_rounds = rounds();

	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
		size_t len = strlen(texts[t]);
		for (unsigned i = 0; i < n_rounds; i++) {
			char buf[512];
			size_t n = mutate(&seed, texts[t], len, buf, sizeof(buf));
			char *exact = malloc(n ? n : 1);
			struct nc_dotenv d;
			nc_err err;
			assert_non_null(exact);
			memcpy(exact, buf, n);
			if (nc_dotenv_parse("m.env", exact, n, lookup, NULL, &d, &err) == 0)
				nc_dotenv_free(&d);
			else if (strchr(err.msg, '\n'))
				fail_msg("dotenv %zu round %u: %s", t, i, err.msg);
			free(exact);
		}
	}
}

/* Inputs libFuzzer found, kept as they were (exact size, no NUL after). */
static void test_found_by_fuzzing(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool dotenv;
	} found[] = {
		/* A flow scalar folded over lines quoted in a message. */
		{ "services:\n  a:\n    ports: [\"300ervices:\n  a:a   o\n\n00:80\"]\n", false },
		/* Shaping that prints nothing left an attachment without a value. */
		{ "services:\n  a:\n    networks:\n      default: {jitter: 0ms}\n", false },
		/* A signal between the kernel's SIGRTMIN (32) and glibc's. */
		{ "services:\n  a:\n   stop_signal: 33\n", false },
		/* An external network printed with settings it may not have. */
		{ "networks:\n up:\n    external: true\n", false },
		/* A UTF-8 sequence cut by the end of the buffer; `export` read past it. */
		{ "scale\xdf", true },
		{ "e", true },
		{ "expor", true },
	};

	for (size_t i = 0; i < sizeof(found) / sizeof(found[0]); i++) {
		size_t n = strlen(found[i].text);
		char *exact = malloc(n);
		char label[32];
		nc_err err;
		assert_non_null(exact);
		memcpy(exact, found[i].text, n);
		snprintf(label, sizeof(label), "found %zu", i);
		if (found[i].dotenv) {
			struct nc_dotenv d;
			if (nc_dotenv_parse("f.env", exact, n, NULL, NULL, &d, &err) == 0)
				nc_dotenv_free(&d);
			else if (strchr(err.msg, '\n'))
				fail_msg("%s: %s", label, err.msg);
		} else {
			struct nc_load_opts opts = { 0 };
			struct nc_model *m = NULL;
			if (nc_model_load_buffer_opts("f.yaml", exact, n, &opts, &m, &err) == 0) {
				check_model(label, exact, n, m);
				nc_model_free(m);
			} else {
				check_error(label, &err);
			}
		}
		free(exact);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_found_by_fuzzing),
		cmocka_unit_test(test_mutated_yaml),
		cmocka_unit_test(test_mutated_dotenv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
