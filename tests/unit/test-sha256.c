/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SHA-256 against the FIPS 180-2 appendix B vectors (and the 896-bit one
 * of the NIST examples), fed whole and in awkward pieces.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/sha256.h"

static const char *hex_of(const void *data, size_t len, char out[NC_SHA256_HEX_LEN])
{
	uint8_t d[NC_SHA256_LEN];
	nc_sha256(data, len, d);
	return nc_sha256_hex(d, out);
}

static void test_empty(void **state)
{
	(void)state;
	char hex[NC_SHA256_HEX_LEN];
	assert_string_equal(hex_of("", 0, hex),
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_abc(void **state)
{
	(void)state;
	char hex[NC_SHA256_HEX_LEN];
	assert_string_equal(hex_of("abc", 3, hex),
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* 448 bits: the padding no longer fits the first block. */
static void test_448_bits(void **state)
{
	(void)state;
	static const char m[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[NC_SHA256_HEX_LEN];
	assert_int_equal(strlen(m) * 8, 448);
	assert_string_equal(hex_of(m, strlen(m), hex),
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_896_bits(void **state)
{
	(void)state;
	static const char m[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	char hex[NC_SHA256_HEX_LEN];
	assert_string_equal(hex_of(m, strlen(m), hex),
			    "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_million_a(void **state)
{
	(void)state;
	static char chunk[1000];
	struct nc_sha256 s;
	uint8_t d[NC_SHA256_LEN];
	char hex[NC_SHA256_HEX_LEN];

	memset(chunk, 'a', sizeof(chunk));
	nc_sha256_init(&s);
	for (int i = 0; i < 1000; i++)
		nc_sha256_update(&s, chunk, sizeof(chunk));
	nc_sha256_final(&s, d);
	assert_string_equal(nc_sha256_hex(d, hex),
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Every split of a message spanning several blocks gives one digest. */
static void test_pieces(void **state)
{
	(void)state;
	uint8_t msg[200], whole[NC_SHA256_LEN], part[NC_SHA256_LEN];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (size_t len = 0; len <= sizeof(msg); len += 13) {
		nc_sha256(msg, len, whole);
		for (size_t step = 1; step <= 70; step += 3) {
			struct nc_sha256 s;
			nc_sha256_init(&s);
			for (size_t off = 0; off < len; off += step)
				nc_sha256_update(&s, msg + off, len - off < step ? len - off : step);
			nc_sha256_final(&s, part);
			assert_memory_equal(whole, part, sizeof(whole));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_abc),
		cmocka_unit_test(test_448_bits),
		cmocka_unit_test(test_896_bits),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_pieces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
