/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The tar reader: each header kind, long names, pax, base-256, checksums,
 * truncation, gzip and plain input. Archives are built byte by byte
 * (tar-writer.h); archives written by Python's tarfile and GNU tar are read
 * too when those tools exist (skipped otherwise).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "common/cleanup.h"
#include "common/fsutil.h"
#include "runtime/tar.h"
#include "tar-writer.h"
#include "tests/lib/skip.h"

#define MAXGOT 16

struct got {
	enum rt_tar_type type;
	char typeflag;
	char path[4096], link[4096];
	unsigned mode, major, minor;
	uint32_t uid, gid;
	int64_t sec;
	long nsec;
	uint64_t size;
	char body[256];
};

static struct got got[MAXGOT];
static size_t n_got;
static nc_err err;

static int mem_fd(const void *p, size_t n)
{
	int fd = memfd_create("tar", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* gzip (RFC 1952) of a buffer, appended to *out. */
static void gzip_append(struct tw *out, const void *p, size_t n)
{
	z_stream z = { 0 };
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, (uLong)n) + 64;
	unsigned char *buf = malloc(cap);
	assert_non_null(buf);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	tw_append(out, buf, cap - z.avail_out);
	deflateEnd(&z);
	free(buf);
}

/* Reads every entry; bodies of up to 255 bytes are kept. */
static int read_fd(int fd)
{
	struct rt_tar *t = NULL;
	int r = rt_tar_open(fd, &t, &err);
	n_got = 0;
	if (r < 0)
		return r;
	const struct rt_tar_entry *e;
	while ((r = rt_tar_next(t, &e, &err)) > 0) {
		assert_true(n_got < MAXGOT);
		struct got *g = &got[n_got++];
		memset(g, 0, sizeof(*g));
		g->type = e->type;
		g->typeflag = e->typeflag;
		snprintf(g->path, sizeof(g->path), "%s", e->path);
		snprintf(g->link, sizeof(g->link), "%s", e->linkpath);
		g->mode = e->mode;
		g->uid = e->uid;
		g->gid = e->gid;
		g->sec = e->mtime.tv_sec;
		g->nsec = e->mtime.tv_nsec;
		g->size = e->size;
		g->major = e->devmajor;
		g->minor = e->devminor;
		if (e->size < sizeof(g->body)) {
			size_t off = 0;
			ssize_t k;
			/* small reads on purpose: the body comes in pieces */
			while ((k = rt_tar_read(t, g->body + off, 7, &err)) > 0)
				off += (size_t)k;
			if (k < 0) {
				r = (int)k;
				break;
			}
			assert_int_equal(off, e->size);
		}
	}
	rt_tar_free(t);
	return r;
}

static int read_mem(const struct tw *w, bool gz)
{
	struct tw z = { 0 };
	if (gz)
		gzip_append(&z, w->buf, w->len);
	_cleanup_close_ int fd = gz ? mem_fd(z.buf, z.len) : mem_fd(w->buf, w->len);
	tw_free(&z);
	return read_fd(fd);
}

static int read_buf(const struct tw *z)
{
	int fd = mem_fd(z->buf, z->len);
	int r = read_fd(fd);
	close(fd);
	return r;
}

/* `w` and 1 MiB of zeros after its end marker (a big tar record's
 * padding), to compress and cut far past the end marker. */
static void padded_archive(const struct tw *w, struct tw *out)
{
	static const char pad[1 << 20];
	tw_append(out, w->buf, w->len);
	tw_append(out, pad, sizeof(pad));
}

static void test_ustar_kinds(void **state)
{
	(void)state;
	struct tw w = { 0 };
	tw_entry(&w, "dir/", '5', NULL);
	struct tw_hdr f = { .name = "dir/file", .type = '0', .mode = 04755, .uid = 1000, .gid = 100,
			    .mtime = 1234567890, .size = 5 };
	tw_header(&w, &f);
	tw_data(&w, "hello", 5);
	tw_entry(&w, "dir/sym", '2', "file");
	tw_entry(&w, "dir/hard", '1', "dir/file");
	struct tw_hdr c = { .name = "dev/null", .type = '3', .mode = 0666, .major = 1, .minor = 3 };
	tw_header(&w, &c);
	struct tw_hdr b = { .name = "dev/loop0", .type = '4', .mode = 0660, .major = 7, .minor = 0 };
	tw_header(&w, &b);
	tw_entry(&w, "fifo", '6', NULL);
	tw_file(&w, "empty", "", 0600);
	tw_end(&w);

	for (int gz = 0; gz <= 1; gz++) {
		assert_int_equal(read_mem(&w, gz), 0);
		assert_int_equal(n_got, 8);
		assert_int_equal(got[0].type, RT_TAR_DIR);
		assert_string_equal(got[0].path, "dir/");
		assert_int_equal(got[0].mode, 0755);
		assert_int_equal(got[1].type, RT_TAR_FILE);
		assert_string_equal(got[1].path, "dir/file");
		assert_int_equal(got[1].mode, 04755);
		assert_int_equal(got[1].uid, 1000);
		assert_int_equal(got[1].gid, 100);
		assert_int_equal(got[1].sec, 1234567890);
		assert_int_equal(got[1].size, 5);
		assert_string_equal(got[1].body, "hello");
		assert_int_equal(got[2].type, RT_TAR_SYMLINK);
		assert_string_equal(got[2].link, "file");
		assert_int_equal(got[3].type, RT_TAR_HARDLINK);
		assert_string_equal(got[3].link, "dir/file");
		assert_int_equal(got[4].type, RT_TAR_CHAR);
		assert_int_equal(got[4].major, 1);
		assert_int_equal(got[4].minor, 3);
		assert_int_equal(got[5].type, RT_TAR_BLOCK);
		assert_int_equal(got[5].major, 7);
		assert_int_equal(got[6].type, RT_TAR_FIFO);
		assert_int_equal(got[7].size, 0);
		assert_string_equal(got[7].link, "");
	}
	tw_free(&w);
}

/* ustar splits names over 100 bytes into prefix "/" name. */
static void test_ustar_prefix(void **state)
{
	(void)state;
	char prefix[151], name[100], want[260];
	memset(prefix, 'p', 150);
	prefix[150] = '\0';
	memset(name, 'n', 99);
	name[99] = '\0';
	snprintf(want, sizeof(want), "%s/%s", prefix, name);

	struct tw w = { 0 };
	struct tw_hdr h = { .name = name, .prefix = prefix, .type = '0' };
	tw_header(&w, &h);
	/* GNU headers have atime/ctime there, not a prefix. */
	struct tw_hdr g = { .name = "gnu", .prefix = "ignored", .type = '0', .fmt = TW_GNU };
	tw_header(&w, &g);
	tw_end(&w);
	assert_int_equal(read_mem(&w, false), 0);
	assert_int_equal(n_got, 2);
	assert_string_equal(got[0].path, want);
	assert_string_equal(got[1].path, "gnu");
	tw_free(&w);
}

static void test_gnu_long_names(void **state)
{
	(void)state;
	char longname[1001], longlink[801];
	memset(longname, 'a', 1000);
	longname[1000] = '\0';
	for (int i = 100; i < 1000; i += 100)
		longname[i] = '/';
	memset(longlink, 'b', 800);
	longlink[800] = '\0';

	struct tw w = { 0 };
	tw_gnu_long(&w, 'L', longname);
	tw_gnu_long(&w, 'K', longlink);
	struct tw_hdr h = { .name = "truncated-name", .type = '2', .link = "truncated-link", .fmt = TW_GNU };
	tw_header(&w, &h);
	tw_file(&w, "after", "x", 0);
	tw_end(&w);
	assert_int_equal(read_mem(&w, true), 0);
	assert_int_equal(n_got, 2);
	assert_string_equal(got[0].path, longname);
	assert_string_equal(got[0].link, longlink);
	/* the long name applies to one entry only */
	assert_string_equal(got[1].path, "after");
	assert_string_equal(got[1].link, "");
	tw_free(&w);
}

static void test_pax(void **state)
{
	(void)state;
	struct tw w = { 0 };
	const char *g[] = { "comment=global headers are ignored", "path=not-this", NULL };
	tw_pax(&w, 'g', g);
	const char *x[] = { "path=p\xc3\xa4x/name with spaces and = sign", "linkpath=target\nwith newline",
			    "uid=3000000000", "gid=4000000000", "mtime=1700000000.123456789",
			    "SCHILY.xattr.user.x=ignored", NULL };
	tw_pax(&w, 'x', x);
	struct tw_hdr h = { .name = "short", .type = '2', .link = "short-link" };
	tw_header(&w, &h);
	/* size from pax overrides the header's (files over 8 GiB) */
	const char *s[] = { "size=11", "mtime=-1.5", NULL };
	tw_pax(&w, 'x', s);
	struct tw_hdr f = { .name = "sized", .type = '0', .size = 0 };
	tw_header(&w, &f);
	tw_data(&w, "eleven char", 11);
	tw_file(&w, "plain", "p", 0);
	tw_end(&w);

	assert_int_equal(read_mem(&w, false), 0);
	assert_int_equal(n_got, 3);
	assert_string_equal(got[0].path, "p\xc3\xa4x/name with spaces and = sign");
	assert_string_equal(got[0].link, "target\nwith newline");
	assert_int_equal(got[0].uid, 3000000000u);
	assert_int_equal(got[0].gid, 4000000000u);
	assert_int_equal(got[0].sec, 1700000000);
	assert_int_equal(got[0].nsec, 123456789);
	assert_string_equal(got[1].path, "sized");
	assert_int_equal(got[1].size, 11);
	assert_string_equal(got[1].body, "eleven char");
	assert_int_equal(got[1].sec, -2);
	assert_int_equal(got[1].nsec, 500000000);
	assert_string_equal(got[2].path, "plain");
	assert_int_equal(got[2].sec, 1700000000);
	tw_free(&w);
}

static void test_pax_bad(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "uid=4294967295", "bad pax uid" }, /* (uid_t)-1: chown's "unchanged" */
		{ "size=-1", "bad pax size" },
		{ "mtime=12x", "bad pax mtime" },
		{ "GNU.sparse.major=1", "sparse files are not supported" },
	};
	for (size_t i = 0; i < NC_ELEMENTSOF(cases); i++) {
		struct tw w = { 0 };
		const char *kv[] = { cases[i][0], NULL };
		tw_pax(&w, 'x', kv);
		tw_file(&w, "f", "", 0);
		tw_end(&w);
		assert_true(read_mem(&w, false) < 0);
		assert_non_null(strstr(err.msg, cases[i][1]));
		tw_free(&w);
	}
	/* a record whose length is wrong */
	struct tw w = { 0 };
	const char body[] = "99 path=x\n";
	struct tw_hdr h = { .name = "x", .type = 'x', .size = sizeof(body) - 1 };
	tw_header(&w, &h);
	tw_data(&w, body, sizeof(body) - 1);
	tw_end(&w);
	assert_true(read_mem(&w, false) < 0);
	assert_non_null(strstr(err.msg, "header at offset 0: malformed pax record"));
	tw_free(&w);

	/* A path with a NUL in it is refused, not cut at the NUL (a reader
	 * that cut it would name the entry `evil`, another would not). */
	const char nul[] = "18 path=evil\0tail\n";
	struct tw_hdr hn = { .name = "x", .type = 'x', .size = sizeof(nul) - 1 };
	tw_header(&w, &hn);
	tw_data(&w, nul, sizeof(nul) - 1);
	tw_file(&w, "f", "", 0);
	tw_end(&w);
	assert_true(read_mem(&w, false) < 0);
	assert_non_null(strstr(err.msg, "header at offset 0: bad pax path"));
	tw_free(&w);
	/* control: the same record without the NUL names the entry */
	const char ok[] = "18 path=evil-tail\n";
	struct tw_hdr ho = { .name = "x", .type = 'x', .size = sizeof(ok) - 1 };
	tw_header(&w, &ho);
	tw_data(&w, ok, sizeof(ok) - 1);
	tw_file(&w, "f", "", 0);
	tw_end(&w);
	assert_int_equal(read_mem(&w, false), 0);
	assert_int_equal(n_got, 1);
	assert_string_equal(got[0].path, "evil-tail");
	tw_free(&w);
}

/* A size given other than by the header or pax `size` (star's
 * SCHILY.realsize, meant for sparse files) is not followed: a reader that
 * took it would make 100 MB of zeros out of a one-byte body. The body
 * that is stored is the entry. */
static void test_pax_realsize_ignored(void **state)
{
	(void)state;
	struct tw w = { 0 };
	const char *kv[] = { "SCHILY.realsize=100000000", NULL };
	tw_pax(&w, 'x', kv);
	tw_file(&w, "f", "x", 0);
	tw_end(&w);
	assert_int_equal(read_mem(&w, false), 0);
	assert_int_equal(n_got, 1);
	assert_int_equal(got[0].size, 1);
	assert_string_equal(got[0].body, "x");
	tw_free(&w);
}

static void test_base256(void **state)
{
	(void)state;
	struct tw w = { 0 };
	struct tw_hdr h = { .name = "big", .type = '0', .size = 3, .b256_size = true, .uid = 2097152,
			    .gid = 70000000, .b256_uid = true, .mtime = -100, .b256_mtime = true };
	tw_header(&w, &h);
	tw_data(&w, "abc", 3);
	tw_end(&w);
	assert_int_equal(read_mem(&w, false), 0);
	assert_int_equal(n_got, 1);
	assert_int_equal(got[0].size, 3);
	assert_string_equal(got[0].body, "abc");
	assert_int_equal(got[0].uid, 2097152);
	assert_int_equal(got[0].gid, 70000000);
	assert_int_equal(got[0].sec, -100);
	tw_free(&w);

	/* a negative size is refused */
	struct tw n = { 0 };
	struct tw_hdr neg = { .name = "neg", .type = '0', .size = (uint64_t)-5, .b256_size = true };
	tw_header(&n, &neg);
	tw_end(&n);
	assert_true(read_mem(&n, false) < 0);
	assert_non_null(strstr(err.msg, "size"));
	tw_free(&n);
}

static void test_v7(void **state)
{
	(void)state;
	struct tw w = { 0 };
	struct tw_hdr d = { .name = "olddir/", .type = '\0', .fmt = TW_V7, .mode = 0755 };
	tw_header(&w, &d);
	struct tw_hdr f = { .name = "olddir/f", .type = '\0', .fmt = TW_V7, .size = 2 };
	tw_header(&w, &f);
	tw_data(&w, "v7", 2);
	struct tw_hdr l = { .name = "olddir/l", .type = '1', .fmt = TW_V7, .link = "olddir/f" };
	tw_header(&w, &l);
	tw_end(&w);
	assert_int_equal(read_mem(&w, false), 0);
	assert_int_equal(n_got, 3);
	assert_int_equal(got[0].type, RT_TAR_DIR);
	assert_int_equal(got[1].type, RT_TAR_FILE);
	assert_string_equal(got[1].body, "v7");
	assert_int_equal(got[2].type, RT_TAR_HARDLINK);
	tw_free(&w);
}

static void test_checksums(void **state)
{
	(void)state;
	/* Old tars summed signed chars; bytes >= 0x80 tell the two apart. */
	struct tw w = { 0 };
	struct tw_hdr s = { .name = "\xe9t\xe9", .type = '0', .signed_sum = true };
	tw_header(&w, &s);
	tw_end(&w);
	assert_int_equal(read_mem(&w, false), 0);
	assert_string_equal(got[0].path, "\xe9t\xe9");
	tw_free(&w);

	struct tw b = { 0 };
	tw_file(&b, "good", "1", 0);
	struct tw_hdr bad = { .name = "bad", .type = '0', .bad_sum = true };
	tw_header(&b, &bad);
	tw_end(&b);
	assert_true(read_mem(&b, false) < 0);
	assert_string_equal(err.msg, "header at offset 1024 (after entry `good`): bad header checksum "
				     "(not a tar archive, or corrupt)");
	tw_free(&b);
}

static void test_truncated(void **state)
{
	(void)state;
	struct tw w = { 0 };
	tw_file(&w, "first", "1", 0);
	struct tw_hdr h = { .name = "etc/passwd", .type = '0', .size = 2000 };
	tw_header(&w, &h);
	char data[2000];
	memset(data, 'x', sizeof(data));
	tw_data(&w, data, sizeof(data));
	tw_end(&w);

	/* inside the body, read or skipped, plain or gzip */
	for (int gz = 0; gz <= 1; gz++) {
		struct tw cut = { 0 };
		tw_append(&cut, w.buf, 1024 + 1000);
		assert_true(read_mem(&cut, gz) < 0);
		assert_string_equal(err.msg, "entry `etc/passwd`: truncated (the input ends inside its data)");
		tw_free(&cut);
	}
	/* inside a header */
	struct tw cut = { 0 };
	tw_append(&cut, w.buf, 1024 + 100);
	assert_true(read_mem(&cut, false) < 0);
	assert_non_null(strstr(err.msg, "after entry `first`"));
	tw_free(&cut);
	/* no end-of-archive blocks */
	tw_append(&cut, w.buf, w.len - 1024);
	assert_true(read_mem(&cut, true) < 0);
	assert_string_equal(err.msg, "truncated after entry `etc/passwd` (no end-of-archive blocks)");
	tw_free(&cut);
	/* one zero block at the very end is accepted, as GNU tar does */
	tw_append(&cut, w.buf, w.len - 512);
	assert_int_equal(read_mem(&cut, false), 0);
	assert_int_equal(n_got, 2);
	tw_free(&cut);
	/* ... but not in the middle */
	tw_append(&cut, w.buf, 512 * 2);
	tw_append(&cut, w.buf + w.len - 512, 512);
	tw_append(&cut, w.buf, w.len);
	assert_true(read_mem(&cut, false) < 0);
	assert_non_null(strstr(err.msg, "lone zero block"));
	tw_free(&cut);
	/* nothing at all */
	assert_true(read_mem(&cut, false) < 0);
	assert_string_equal(err.msg, "empty archive");
	tw_free(&w);
}

static void test_gzip(void **state)
{
	(void)state;
	struct tw w = { 0 };
	char big[100000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 23);
	struct tw_hdr h = { .name = "big", .type = '0', .size = sizeof(big) };
	tw_header(&w, &h);
	tw_data(&w, big, sizeof(big));
	tw_file(&w, "small", "s", 0);
	tw_end(&w);

	/* two gzip members, split inside an entry, then trailing zeros */
	struct tw z = { 0 };
	gzip_append(&z, w.buf, 50000);
	gzip_append(&z, w.buf + 50000, w.len - 50000);
	static const char zeros[100];
	tw_append(&z, zeros, sizeof(zeros));
	int fd = mem_fd(z.buf, z.len);
	assert_int_equal(read_fd(fd), 0);
	close(fd);
	assert_int_equal(n_got, 2);
	assert_int_equal(got[0].size, sizeof(big));
	assert_string_equal(got[1].body, "s");

	/* a corrupt CRC at the end is found after the end marker */
	struct tw one = { 0 };
	gzip_append(&one, w.buf, w.len);
	one.buf[one.len - 6] ^= 0xff;
	fd = mem_fd(one.buf, one.len);
	assert_true(read_fd(fd) < 0);
	close(fd);
	assert_non_null(strstr(err.msg, "gzip data is corrupt"));
	/* and a cut stream */
	one.buf[one.len - 6] ^= 0xff;
	fd = mem_fd(one.buf, one.len - 4);
	assert_true(read_fd(fd) < 0);
	close(fd);
	assert_non_null(strstr(err.msg, "gzip stream truncated"));
	tw_free(&one);

	/* The end marker, then 1 MiB of zero padding (a big tar record), the
	 * stream cut inside the padding: found, though no entry is missing.
	 * (A reader that stops at the end marker never sees the cut.) */
	struct tw padded = { 0 }, pz = { 0 };
	padded_archive(&w, &padded);
	gzip_append(&pz, padded.buf, padded.len);
	assert_int_equal(read_buf(&pz), 0); /* control: whole, it reads */
	assert_int_equal(n_got, 2);
	pz.len -= 100;
	assert_true(read_buf(&pz) < 0);
	assert_string_equal(err.msg, "gzip stream truncated after the end of the archive");
	tw_free(&pz);
	tw_free(&padded);
	tw_free(&z);
	tw_free(&w);
}

/* ---- zstd ---- */

/* zstd (RFC 8878) of a buffer by libzstd, with a checksum, appended. */
static void zstd_append(struct tw *out, const void *p, size_t n)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	assert_non_null(c);
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)));
	size_t cap = ZSTD_compressBound(n);
	unsigned char *buf = malloc(cap);
	assert_non_null(buf);
	size_t clen = ZSTD_compress2(c, buf, cap, p, n);
	assert_false(ZSTD_isError(clen));
	tw_append(out, buf, clen);
	ZSTD_freeCCtx(c);
	free(buf);
}

/* A zstd frame written by hand: its window descriptor says 2^window_log
 * bytes, whatever the data needs, and the data follows in raw (stored)
 * blocks. Only the header differs between two such frames. */
static void zstd_raw_frame(struct tw *out, const void *p, size_t n, unsigned window_log)
{
	static const unsigned char magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
	tw_append(out, magic, sizeof(magic));
	/* descriptor: no content size, not single-segment, no checksum, no
	 * dictionary; then the window: exponent in the top 5 bits, mantissa 0 */
	unsigned char hdr[2] = { 0x00, (unsigned char)((window_log - 10) << 3) };
	tw_append(out, hdr, sizeof(hdr));
	const unsigned char *q = p;
	size_t off = 0;
	do {
		size_t len = n - off > 65536 ? 65536 : n - off;
		bool last = off + len == n;
		uint32_t bh = (uint32_t)last | 0u << 1 | (uint32_t)len << 3; /* raw block */
		unsigned char b[3] = { (unsigned char)bh, (unsigned char)(bh >> 8), (unsigned char)(bh >> 16) };
		tw_append(out, b, sizeof(b));
		tw_append(out, q + off, len);
		off += len;
	} while (off < n);
}

/* The test archive of test_gzip and test_zstd: a body that spans blocks. */
static void big_archive(struct tw *w)
{
	static char big[100000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 23);
	struct tw_hdr h = { .name = "big", .type = '0', .size = sizeof(big) };
	tw_header(w, &h);
	tw_data(w, big, sizeof(big));
	tw_file(w, "small", "s", 0);
	tw_end(w);
}

static void test_zstd(void **state)
{
	(void)state;
	struct tw w = { 0 }, g = { 0 }, z = { 0 };
	big_archive(&w);
	gzip_append(&g, w.buf, w.len);
	assert_int_equal(read_buf(&g), 0);
	struct got from_gzip[2];
	assert_int_equal(n_got, 2);
	memcpy(from_gzip, got, sizeof(from_gzip));

	/* The same archive zstd-compressed reads entry for entry the same. */
	zstd_append(&z, w.buf, w.len);
	assert_int_equal(read_buf(&z), 0);
	assert_int_equal(n_got, 2);
	assert_memory_equal(got, from_gzip, sizeof(from_gzip));
	assert_string_equal(got[1].body, "s");
	tw_free(&z);

	/* Two frames, split inside an entry (zstd -c a b > ab does this). */
	zstd_append(&z, w.buf, 50000);
	zstd_append(&z, w.buf + 50000, w.len - 50000);
	assert_int_equal(read_buf(&z), 0);
	assert_int_equal(n_got, 2);
	assert_memory_equal(got, from_gzip, sizeof(from_gzip));
	tw_free(&z);

	/* A corrupt stream: a flipped byte of the last frame's checksum is
	 * found after the end marker; one inside the compressed data fails
	 * with the same clear message. */
	zstd_append(&z, w.buf, w.len);
	z.buf[z.len - 2] ^= 0xff;
	assert_true(read_buf(&z) < 0);
	assert_non_null(strstr(err.msg, "zstd data is corrupt"));
	z.buf[z.len - 2] ^= 0xff;
	z.buf[z.len / 2] ^= 0xff;
	assert_true(read_buf(&z) < 0);
	if (!strstr(err.msg, "zstd data is corrupt") && !strstr(err.msg, "checksum"))
		fail_msg("unexpected: %s", err.msg);
	z.buf[z.len / 2] ^= 0xff;
	/* A cut stream: inside its only block (nothing decoded), then inside
	 * the last frame's trailer (after the tar's end marker). */
	size_t full = z.len;
	z.len = full / 2;
	assert_true(read_buf(&z) < 0);
	assert_string_equal(err.msg, "zstd stream truncated before the first entry");
	z.len = full - 2;
	assert_true(read_buf(&z) < 0);
	assert_string_equal(err.msg, "zstd stream truncated after the end of the archive");
	/* and, in raw blocks decoded as they come, inside an entry's data */
	struct tw raw = { 0 };
	zstd_raw_frame(&raw, w.buf, w.len, 20);
	raw.len = 70000;
	assert_true(read_buf(&raw) < 0);
	assert_string_equal(err.msg, "entry `big`: truncated (the input ends inside its data)");
	tw_free(&raw);
	/* The end marker, then 1 MiB of zero padding, the frame cut inside
	 * the padding (far past what a reader stopping at the end marker
	 * would decode ahead). */
	struct tw padded = { 0 }, pz = { 0 };
	padded_archive(&w, &padded);
	zstd_append(&pz, padded.buf, padded.len);
	assert_int_equal(read_buf(&pz), 0); /* control: whole, it reads */
	assert_int_equal(n_got, 2);
	pz.len -= 12;
	assert_true(read_buf(&pz) < 0);
	assert_string_equal(err.msg, "zstd stream truncated after the end of the archive");
	tw_free(&pz);
	tw_free(&padded);
	/* Bytes after the last frame that are no frame are refused. */
	z.len = full;
	tw_append(&z, "junk", 4);
	assert_true(read_buf(&z) < 0);
	assert_non_null(strstr(err.msg, "zstd data is corrupt"));
	tw_free(&z);
	tw_free(&g);
	tw_free(&w);
}

static void test_zstd_window_limit(void **state)
{
	(void)state;
	struct tw w = { 0 }, z = { 0 };
	big_archive(&w);
	/* A frame that asks for a 2 GiB window (a 9-byte header could make a
	 * decoder allocate that) is refused before anything is allocated. */
	zstd_raw_frame(&z, w.buf, w.len, 31);
	assert_int_equal(read_buf(&z), -EFBIG);
	assert_non_null(strstr(err.msg, "zstd frame needs a window larger than 128 MiB"));
	tw_free(&z);
	/* One step over the limit is refused too. */
	zstd_raw_frame(&z, w.buf, w.len, 28);
	assert_int_equal(read_buf(&z), -EFBIG);
	tw_free(&z);
	/* Control: the same frame but for its window, at the limit, is read:
	 * the window limit, not the hand-made frame, refused the others. */
	zstd_raw_frame(&z, w.buf, w.len, 27);
	assert_int_equal(read_buf(&z), 0);
	assert_int_equal(n_got, 2);
	assert_int_equal(got[0].size, 100000);
	assert_string_equal(got[1].body, "s");
	tw_free(&z);
	tw_free(&w);
}

static void test_other_compressors(void **state)
{
	(void)state;
	static const char xz[] = "\xfd" "7zXZ\0\0\0\0\0\0\0\0";
	int fd = mem_fd(xz, sizeof(xz));
	assert_int_equal(read_fd(fd), -ENOTSUP);
	close(fd);
	assert_string_equal(err.msg, "xz-compressed; only gzip, zstd and plain tar are supported");
}

static void test_unsupported_types(void **state)
{
	(void)state;
	struct tw w = { 0 };
	tw_entry(&w, "sparse", 'S', NULL);
	tw_end(&w);
	assert_true(read_mem(&w, false) < 0);
	assert_non_null(strstr(err.msg, "sparse"));
	tw_free(&w);

	/* unknown types are reported as they are, for the caller to judge */
	tw_entry(&w, "label", 'V', NULL);
	tw_end(&w);
	assert_int_equal(read_mem(&w, false), 0);
	assert_int_equal(got[0].type, RT_TAR_OTHER);
	assert_int_equal(got[0].typeflag, 'V');
	tw_free(&w);
	/* ... a type no tar writes too (POSIX says to read it as a regular
	 * file; Docker refuses it, and so does our caller) */
	tw_entry(&w, "odd", 'Z', NULL);
	tw_end(&w);
	assert_int_equal(read_mem(&w, false), 0);
	assert_int_equal(got[0].type, RT_TAR_OTHER);
	assert_int_equal(got[0].typeflag, 'Z');
	tw_free(&w);
}

/* ---- archives written by real tools --------------------------------- */

static char tmpdir[64];

static bool have(const char *tool)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static int run(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* 243 bytes: ustar splits it (prefix 146, name 96), GNU needs 'L', pax a path. */
static const char *long_name =
	"deep/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/"
	"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/"
	"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";

/* Each format Python writes: the same three entries come back. */
static void test_python_tarfile(void **state)
{
	(void)state;
	if (!have("python3"))
		nc_skip_unless_must_work("no python3 on this machine (scripts/bootstrap installs it)");
	static const char *const formats[] = { "USTAR_FORMAT", "GNU_FORMAT", "PAX_FORMAT" };
	for (size_t i = 0; i < NC_ELEMENTSOF(formats); i++) {
		for (int gz = 0; gz <= 1; gz++) {
			char path[128], cmd[2048];
			snprintf(path, sizeof(path), "%s/py%zu.tar%s", tmpdir, i, gz ? ".gz" : "");
			snprintf(cmd, sizeof(cmd),
				 "python3 - '%s' '%s' %s %s <<'EOF'\n"
				 "import io, sys, tarfile\n"
				 "path, name, fmt, gz = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == '1'\n"
				 "with tarfile.open(path, 'w:gz' if gz else 'w', format=getattr(tarfile, fmt)) as t:\n"
				 "    d = tarfile.TarInfo('deep'); d.type = tarfile.DIRTYPE; d.mode = 0o1777; t.addfile(d)\n"
				 "    f = tarfile.TarInfo(name); data = b'payload' * 100; f.size = len(data)\n"
				 "    f.uid = 1234; f.mtime = 1600000000; f.mode = 0o2755; t.addfile(f, io.BytesIO(data))\n"
				 "    s = tarfile.TarInfo('deep/link'); s.type = tarfile.SYMTYPE\n"
				 "    s.linkname = name if fmt != 'USTAR_FORMAT' else name[-99:]\n"
				 "    t.addfile(s)\n"
				 "EOF",
				 path, long_name, formats[i], gz ? "1" : "0");
			assert_int_equal(run(cmd), 0);
			_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
			assert_true(fd >= 0);
			assert_int_equal(read_fd(fd), 0);
			assert_int_equal(n_got, 3);
			const char *want = long_name;
			assert_int_equal(strlen(want), 243);
			assert_int_equal(got[0].type, RT_TAR_DIR);
			assert_int_equal(got[0].mode, 01777);
			assert_string_equal(got[1].path, want);
			assert_int_equal(got[1].size, 700);
			assert_int_equal(got[1].uid, 1234);
			assert_int_equal(got[1].mode, 02755);
			assert_int_equal(got[1].sec, 1600000000);
			assert_int_equal(got[2].type, RT_TAR_SYMLINK);
			/* ustar has no room for a long link */
			assert_string_equal(got[2].link, i == 0 ? want + 243 - 99 : want);
		}
	}
}

/* GNU tar's own formats, from a real tree. */
static void test_gnu_tar(void **state)
{
	(void)state;
	if (!have("tar"))
		nc_skip_unless_must_work("no tar on this machine");
	static const char *const formats[] = { "gnu", "posix", "ustar", "v7" };
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p src/sub; printf data > src/sub/file; "
		 "ln -s sub/file src/sym; ln src/sub/file src/hard; mkfifo src/fifo", tmpdir);
	assert_int_equal(run(cmd), 0);
	for (size_t i = 0; i < NC_ELEMENTSOF(formats); i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/gnu-%s.tgz", tmpdir, formats[i]);
		/* v7 has no fifos */
		bool v7 = !strcmp(formats[i], "v7");
		snprintf(cmd, sizeof(cmd), "tar -C %s/src --format=%s --sort=name %s -czf %s .",
			 tmpdir, formats[i], v7 ? "--exclude=./fifo" : "", path);
		assert_int_equal(run(cmd), 0);
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(read_fd(fd), 0);
		assert_int_equal(n_got, v7 ? 5 : 6);
		size_t k = 0;
		assert_string_equal(got[k].path, "./");
		assert_int_equal(got[k++].type, RT_TAR_DIR);
		if (!v7) {
			assert_string_equal(got[k].path, "./fifo");
			assert_int_equal(got[k++].type, RT_TAR_FIFO);
		}
		assert_string_equal(got[k].path, "./hard");
		assert_int_equal(got[k++].type, RT_TAR_FILE);
		assert_string_equal(got[k++].path, "./sub/");
		assert_string_equal(got[k].path, "./sub/file");
		assert_int_equal(got[k].type, RT_TAR_HARDLINK);
		assert_string_equal(got[k++].link, "./hard");
		assert_string_equal(got[k].link, "sub/file");
		assert_int_equal(got[k++].type, RT_TAR_SYMLINK);
		assert_string_equal(got[1 + !v7].body, "data");
	}
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nc-rt-tar-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	nc_err e;
	return nc_rm_rf(tmpdir, &e) < 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ustar_kinds),
		cmocka_unit_test(test_ustar_prefix),
		cmocka_unit_test(test_gnu_long_names),
		cmocka_unit_test(test_pax),
		cmocka_unit_test(test_pax_bad),
		cmocka_unit_test(test_pax_realsize_ignored),
		cmocka_unit_test(test_base256),
		cmocka_unit_test(test_v7),
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zstd),
		cmocka_unit_test(test_zstd_window_limit),
		cmocka_unit_test(test_other_compressors),
		cmocka_unit_test(test_unsupported_types),
		cmocka_unit_test(test_python_tarfile),
		cmocka_unit_test(test_gnu_tar),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
