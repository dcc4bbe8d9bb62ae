/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Formats as POSIX.1-2008 `pax` (ustar and the extended header) and the
 * GNU tar manual ("Basic Tar Format", "GNU Extensions") define them.
 */
#include "runtime/tar.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "common/cleanup.h"

#define BLOCK 512
#define IN_BUF (64 * 1024)

/* The largest zstd window we accept: 2^27 = 128 MiB, libzstd's own default
 * limit (what `zstd -d` accepts without --memory). The decoder allocates
 * the window the frame header asks for, so without a bound a crafted
 * 9-byte header could make us allocate gigabytes. Frames written with
 * `zstd --long=28` or more (or --ultra at a high level) are refused. */
#define ZSTD_WINDOW_LOG_MAX 27

/* Offsets of the ustar header fields. */
enum {
	H_NAME = 0, H_MODE = 100, H_UID = 108, H_GID = 116, H_SIZE = 124, H_MTIME = 136,
	H_CHKSUM = 148, H_TYPE = 156, H_LINKNAME = 157, H_MAGIC = 257, H_VERSION = 263,
	H_DEVMAJOR = 329, H_DEVMINOR = 337, H_PREFIX = 345,
};

/* What the extended headers before an entry override; NULL / false when not. */
struct overrides {
	char *path, *linkpath;          /* pax */
	char *gnu_path, *gnu_linkpath;  /* GNU 'L' / 'K' */
	bool has_size, has_uid, has_gid, has_mtime, sparse;
	uint64_t size;
	uint64_t uid, gid;
	struct timespec mtime;
};

struct rt_tar {
	int fd;
	struct nc_sha256 *hash; /* every byte read from fd, or NULL */
	bool raw_eof;
	uint8_t in[IN_BUF];
	size_t in_off, in_len;

	bool gz, z_ready, gz_end, gz_truncated;
	z_stream z;
	ZSTD_DStream *zs;          /* set when the input is zstd */
	bool zs_end;               /* at a frame boundary (no frame begun) */

	uint64_t offset;    /* bytes of tar stream consumed */
	uint64_t remaining; /* body bytes of the current entry not yet read */
	uint64_t pad;       /* zero bytes after that body */
	bool have_entry, done;
	int failed;         /* sticky error, with `last_err` */
	nc_err last_err;

	struct rt_tar_entry e;
	char *path, *linkpath; /* the current entry's, owned */
	char *prev;            /* the previous entry's path, for messages */
	struct overrides ov;
	uint8_t scratch[16 * 1024];
};

static void overrides_clear(struct overrides *ov)
{
	free(ov->path);
	free(ov->linkpath);
	free(ov->gnu_path);
	free(ov->gnu_linkpath);
	memset(ov, 0, sizeof(*ov));
}

void rt_tar_free(struct rt_tar *t)
{
	if (!t)
		return;
	if (t->z_ready)
		inflateEnd(&t->z);
	ZSTD_freeDStream(t->zs);
	overrides_clear(&t->ov);
	free(t->path);
	free(t->linkpath);
	free(t->prev);
	free(t);
}

static void rt_tar_freep(struct rt_tar **t)
{
	rt_tar_free(*t);
}

/* ---- input: the descriptor, inflated when it is gzip ------------------ */

/* Tops up the input buffer; 0 at end of file. */
static int raw_fill(struct rt_tar *t, nc_err *err)
{
	if (t->in_off == t->in_len)
		t->in_off = t->in_len = 0;
	if (t->raw_eof || t->in_len == sizeof(t->in))
		return 0;
	for (;;) {
		ssize_t n = read(t->fd, t->in + t->in_len, sizeof(t->in) - t->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return nc_err_errno(err, errno, "read");
		if (n == 0)
			t->raw_eof = true;
		if (t->hash && n > 0)
			nc_sha256_update(t->hash, t->in + t->in_len, (size_t)n);
		t->in_len += (size_t)n;
		return (int)(n > 0);
	}
}

static ssize_t plain_read(struct rt_tar *t, uint8_t *buf, size_t len, nc_err *err)
{
	if (t->in_off == t->in_len) {
		int r = raw_fill(t, err);
		if (r <= 0)
			return r;
	}
	size_t n = t->in_len - t->in_off < len ? t->in_len - t->in_off : len;
	memcpy(buf, t->in + t->in_off, n);
	t->in_off += n;
	return (ssize_t)n;
}

/* A gzip file may hold several members one after the other (RFC 1952
 * §2.2); bytes after the last one that are not a member are ignored, as
 * gzip(1) does. */
static int gz_next_member(struct rt_tar *t, nc_err *err)
{
	if (t->in_off == t->in_len) {
		int r = raw_fill(t, err);
		if (r <= 0)
			return r;
	}
	if (t->in[t->in_off] != 0x1f)
		return 0;
	if (inflateReset(&t->z) != Z_OK)
		return nc_err_msg(err, EBADMSG, "gzip: %s", t->z.msg ? t->z.msg : "reset failed");
	t->gz_end = false;
	return 1;
}

static ssize_t gz_read(struct rt_tar *t, uint8_t *buf, size_t len, nc_err *err)
{
	for (;;) {
		if (t->gz_end) {
			int r = gz_next_member(t, err);
			if (r <= 0)
				return r;
		}
		/* inflate() first even with no input: it may hold output back. */
		t->z.next_in = t->in + t->in_off;
		t->z.avail_in = (uInt)(t->in_len - t->in_off);
		t->z.next_out = buf;
		t->z.avail_out = (uInt)(len > UINT_MAX ? UINT_MAX : len);
		uInt before = t->z.avail_out;
		int zr = inflate(&t->z, Z_NO_FLUSH);
		t->in_off = t->in_len - t->z.avail_in;
		if (zr == Z_STREAM_END)
			t->gz_end = true;
		else if (zr == Z_MEM_ERROR)
			return nc_err_errno(err, ENOMEM, "gzip");
		else if (zr != Z_OK && zr != Z_BUF_ERROR)
			return nc_err_msg(err, EBADMSG, "gzip data is corrupt: %s",
					  t->z.msg ? t->z.msg : zError(zr));
		size_t got = before - t->z.avail_out;
		if (got)
			return (ssize_t)got;
		if (!t->gz_end && t->in_off == t->in_len) {
			int r = raw_fill(t, err);
			if (r < 0)
				return r;
			if (r == 0) {
				t->gz_truncated = true;
				return 0;
			}
		}
	}
}

static int zst_error(size_t zr, nc_err *err)
{
	if (ZSTD_getErrorCode(zr) == ZSTD_error_frameParameter_windowTooLarge)
		return nc_err_msg(err, EFBIG, "zstd frame needs a window larger than %u MiB, the most this reader allocates (written with `zstd --long` or crafted); recompress it without --long",
				  (1u << ZSTD_WINDOW_LOG_MAX) >> 20);
	if (ZSTD_getErrorCode(zr) == ZSTD_error_memory_allocation)
		return nc_err_errno(err, ENOMEM, "zstd");
	return nc_err_msg(err, EBADMSG, "zstd data is corrupt: %s", ZSTD_getErrorName(zr));
}

/* A zstd file may hold several frames one after the other (and skippable
 * frames, which libzstd passes over); unlike gzip(1), bytes after the last
 * frame that are no frame are an error, as `zstd -d` has it. Input that
 * ends inside a frame sets gz_truncated (reported by finish() or by the
 * tar layer as a truncated archive). */
static ssize_t zst_read(struct rt_tar *t, uint8_t *buf, size_t len, nc_err *err)
{
	for (;;) {
		if (t->in_off == t->in_len) {
			int r = raw_fill(t, err);
			if (r < 0)
				return r;
			if (r == 0) {
				/* libzstd may still hold decoded bytes back. */
				if (t->zs_end)
					return 0;
			}
		}
		ZSTD_inBuffer in = { t->in + t->in_off, t->in_len - t->in_off, 0 };
		ZSTD_outBuffer out = { buf, len, 0 };
		size_t zr = ZSTD_decompressStream(t->zs, &out, &in);
		t->in_off += in.pos;
		if (ZSTD_isError(zr))
			return zst_error(zr, err);
		t->zs_end = zr == 0;
		if (out.pos)
			return (ssize_t)out.pos;
		if (in.pos == 0 && in.size > 0)
			return nc_err_msg(err, EBADMSG, "zstd decoder made no progress");
		if (in.pos == 0 && t->raw_eof && t->in_off == t->in_len) {
			/* no input left, and the frame is not finished */
			t->gz_truncated = true;
			return 0;
		}
	}
}

/* Up to len bytes of the tar stream: > 0, 0 at its end, < 0. */
static ssize_t src_read(struct rt_tar *t, void *buf, size_t len, nc_err *err)
{
	ssize_t n = t->zs ? zst_read(t, buf, len, err)
		: t->gz ? gz_read(t, buf, len, err) : plain_read(t, buf, len, err);
	if (n > 0)
		t->offset += (uint64_t)n;
	return n;
}

/* Exactly len bytes; returns how many there were before the end (< len
 * only at the end of the input), or < 0. */
static ssize_t src_read_full(struct rt_tar *t, void *buf, size_t len, nc_err *err)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = src_read(t, (uint8_t *)buf + got, len - got, err);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int rt_tar_open(int fd, struct rt_tar **out, nc_err *err)
{
	return rt_tar_open_hashed(fd, NULL, out, err);
}

int rt_tar_open_hashed(int fd, struct nc_sha256 *hash, struct rt_tar **out, nc_err *err)
{
	_cleanup_(rt_tar_freep) struct rt_tar *t = calloc(1, sizeof(*t));
	if (!t)
		return nc_err_errno(err, ENOMEM, "tar reader");
	t->fd = fd;
	t->hash = hash;

	/* Enough bytes to tell the formats apart (a pipe may give fewer). */
	while (t->in_len < 6) {
		int r = raw_fill(t, err);
		if (r < 0)
			return r;
		if (r == 0)
			break;
	}
	const uint8_t *m = t->in;
	size_t n = t->in_len;
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
		if (inflateInit2(&t->z, 16 + MAX_WBITS) != Z_OK)
			return nc_err_errno(err, ENOMEM, "gzip");
		t->z_ready = t->gz = true;
	} else if (n >= 4 && !memcmp(m, "\x28\xb5\x2f\xfd", 4)) {
		t->zs = ZSTD_createDStream();
		if (!t->zs)
			return nc_err_errno(err, ENOMEM, "zstd");
		size_t zr = ZSTD_DCtx_setParameter(t->zs, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
		if (ZSTD_isError(zr))
			return nc_err_msg(err, EINVAL, "zstd: %s", ZSTD_getErrorName(zr));
		t->zs_end = true;
	} else if (n >= 6 && !memcmp(m, "\xfd" "7zXZ\0", 6)) {
		return nc_err_msg(err, ENOTSUP, "xz-compressed; only gzip, zstd and plain tar are supported");
	} else if (n >= 3 && !memcmp(m, "BZh", 3)) {
		return nc_err_msg(err, ENOTSUP, "bzip2-compressed; only gzip, zstd and plain tar are supported");
	}
	*out = TAKE_PTR(t);
	return 0;
}

/* ---- header fields --------------------------------------------------- */

/* Octal, optionally led by spaces and ended by a space or NUL; or GNU
 * base-256 (first byte 0x80 for positive, 0xff for negative numbers,
 * then big-endian two's complement). An empty field is 0. */
static int parse_number(const uint8_t *f, size_t len, int64_t *out)
{
	if (f[0] == 0x80 || f[0] == 0xff) {
		bool neg = f[0] == 0xff;
		uint64_t v = 0;
		for (size_t i = 1; i < len; i++) {
			if (v >> 56)
				return -ERANGE;
			v = v << 8 | (neg ? (uint8_t)~f[i] : f[i]);
		}
		if (v > INT64_MAX)
			return -ERANGE;
		*out = neg ? -(int64_t)v - 1 : (int64_t)v;
		return 0;
	}
	if (f[0] & 0x80)
		return -EINVAL;
	size_t i = 0;
	while (i < len && f[i] == ' ')
		i++;
	uint64_t v = 0;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v >> 60)
			return -ERANGE;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -EINVAL;
	if (v > INT64_MAX)
		return -ERANGE;
	*out = (int64_t)v;
	return 0;
}

static bool checksum_ok(const uint8_t *h)
{
	int64_t stored;
	if (parse_number(h + H_CHKSUM, 8, &stored) < 0)
		return false;
	uint64_t usum = 0;
	int64_t ssum = 0;
	for (int i = 0; i < BLOCK; i++) {
		bool in_field = i >= H_CHKSUM && i < H_CHKSUM + 8;
		usum += in_field ? ' ' : h[i];
		ssum += in_field ? ' ' : (signed char)h[i];
	}
	return (int64_t)usum == stored || ssum == stored;
}

static bool all_zero(const uint8_t *b)
{
	for (int i = 0; i < BLOCK; i++)
		if (b[i])
			return false;
	return true;
}

/* ---- messages -------------------------------------------------------- */

/* "header at offset N (after entry `x`)" as the subject of a message. */
static int header_err(struct rt_tar *t, uint64_t off, nc_err *err, const char *what)
{
	if (t->prev)
		return nc_err_msg(err, EBADMSG, "header at offset %llu (after entry `%s`): %s",
				  (unsigned long long)off, t->prev, what);
	return nc_err_msg(err, EBADMSG, "header at offset %llu: %s", (unsigned long long)off, what);
}

static int fail(struct rt_tar *t, int r, nc_err *err)
{
	t->failed = r;
	t->last_err = *err;
	return r;
}

/* ---- pax extended headers -------------------------------------------- */

static int pax_uint(const char *v, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	if (!len)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		unsigned d = (unsigned)(v[i] - '0');
		if (n > (max - d) / 10)
			return -ERANGE;
		n = n * 10 + d;
	}
	*out = n;
	return 0;
}

/* "[-]seconds[.fraction]" (POSIX pax, "mtime"). */
static int pax_time(const char *v, size_t len, struct timespec *out)
{
	bool neg = len && v[0] == '-';
	size_t i = neg, dot = i;
	while (dot < len && v[dot] != '.')
		dot++;
	uint64_t sec, ns = 0;
	if (pax_uint(v + i, dot - i, INT64_MAX, &sec) < 0)
		return -EINVAL;
	if (dot < len) {
		uint64_t scale = 100000000;
		for (size_t k = dot + 1; k < len; k++, scale /= 10) {
			if (v[k] < '0' || v[k] > '9')
				return -EINVAL;
			ns += (uint64_t)(v[k] - '0') * scale;
		}
	}
	out->tv_sec = (time_t)sec;
	out->tv_nsec = (long)ns;
	if (neg) {
		out->tv_sec = -out->tv_sec;
		if (ns) {
			out->tv_sec -= 1;
			out->tv_nsec = 1000000000L - (long)ns;
		}
	}
	return 0;
}

static int pax_string(const char *v, size_t len, char **slot)
{
	if (memchr(v, '\0', len) || len >= PATH_MAX)
		return -EINVAL;
	free(*slot);
	*slot = NULL;
	/* An empty value deletes the override (POSIX pax, "extended header"). */
	if (len && !(*slot = strndup(v, len)))
		return -ENOMEM;
	return 0;
}

/* Records "<len> <key>=<value>\n", len counting the whole record. */
static int parse_pax(struct overrides *ov, const char *p, size_t n, const char **bad)
{
	size_t pos = 0;
	while (pos < n) {
		size_t len = 0, i = pos;
		while (i < n && p[i] >= '0' && p[i] <= '9' && len <= n)
			len = len * 10 + (size_t)(p[i++] - '0');
		if (i == pos || i >= n || p[i] != ' ' || len > n - pos || len < 5 || p[pos + len - 1] != '\n')
			return *bad = "malformed pax record", -EBADMSG;
		const char *key = p + i + 1, *end = p + pos + len - 1;
		const char *eq = memchr(key, '=', (size_t)(end - key));
		if (!eq)
			return *bad = "malformed pax record", -EBADMSG;
		size_t klen = (size_t)(eq - key), vlen = (size_t)(end - eq - 1);
		const char *v = eq + 1;
#define KEY(s) (klen == sizeof(s) - 1 && !memcmp(key, s, klen))
		int r = 0;
		if (KEY("path"))
			r = pax_string(v, vlen, &ov->path), *bad = "bad pax path";
		else if (KEY("linkpath"))
			r = pax_string(v, vlen, &ov->linkpath), *bad = "bad pax linkpath";
		else if (KEY("size"))
			r = pax_uint(v, vlen, INT64_MAX, &ov->size), ov->has_size = true, *bad = "bad pax size";
		else if (KEY("uid"))
			r = pax_uint(v, vlen, UINT32_MAX - 1, &ov->uid), ov->has_uid = true, *bad = "bad pax uid";
		else if (KEY("gid"))
			r = pax_uint(v, vlen, UINT32_MAX - 1, &ov->gid), ov->has_gid = true, *bad = "bad pax gid";
		else if (KEY("mtime"))
			r = pax_time(v, vlen, &ov->mtime), ov->has_mtime = true, *bad = "bad pax mtime";
		else if (klen > 11 && !memcmp(key, "GNU.sparse.", 11))
			ov->sparse = true;
#undef KEY
		if (r < 0)
			return r == -ENOMEM ? r : -EBADMSG;
		pos += len;
	}
	return 0;
}

/* The body of an extended header, NUL-terminated. */
static int read_meta_body(struct rt_tar *t, int64_t size, uint64_t off, char **out, nc_err *err)
{
	if (size < 0 || (uint64_t)size > RT_TAR_PAX_MAX)
		return header_err(t, off, err, "extended header larger than 1 MiB");
	size_t padded = ((size_t)size + BLOCK - 1) / BLOCK * BLOCK;
	_cleanup_free_ char *buf = malloc(padded + 1);
	if (!buf)
		return nc_err_errno(err, ENOMEM, "extended header");
	ssize_t r = src_read_full(t, buf, padded, err);
	if (r < 0)
		return (int)r;
	if ((size_t)r < padded)
		return header_err(t, off, err, "truncated extended header");
	buf[size] = '\0';
	*out = TAKE_PTR(buf);
	return (int)size;
}

/* ---- entries --------------------------------------------------------- */

static int skip_body(struct rt_tar *t, const char *name, nc_err *err)
{
	uint64_t left = t->remaining + t->pad;
	while (left) {
		size_t want = left < sizeof(t->scratch) ? (size_t)left : sizeof(t->scratch);
		ssize_t n = src_read(t, t->scratch, want, err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			return nc_err_msg(err, EBADMSG, "entry `%s`: truncated (the input ends inside its data)",
					  name);
		left -= (uint64_t)n;
	}
	t->remaining = t->pad = 0;
	return 0;
}

static enum rt_tar_type type_of(char flag)
{
	switch (flag) {
	case '\0': case '0': case '7': return RT_TAR_FILE;
	case '1': return RT_TAR_HARDLINK;
	case '2': return RT_TAR_SYMLINK;
	case '3': return RT_TAR_CHAR;
	case '4': return RT_TAR_BLOCK;
	case '5': case 'D': return RT_TAR_DIR;
	case '6': return RT_TAR_FIFO;
	default: return RT_TAR_OTHER;
	}
}

static char *field_dup(const uint8_t *f, size_t len)
{
	return strndup((const char *)f, strnlen((const char *)f, len));
}

/* Fills t->e from header h and the pending overrides. */
static int make_entry(struct rt_tar *t, const uint8_t *h, uint64_t off, nc_err *err)
{
	struct overrides *ov = &t->ov;
	bool posix = !memcmp(h + H_MAGIC, "ustar\0", 6);
	bool gnu = !memcmp(h + H_MAGIC, "ustar ", 6);
	int64_t mode, uid, gid, size, mtime, major = 0, minor = 0;
	char flag = (char)h[H_TYPE];

	if (parse_number(h + H_MODE, 8, &mode) < 0 || parse_number(h + H_UID, 8, &uid) < 0 ||
	    parse_number(h + H_GID, 8, &gid) < 0 || parse_number(h + H_SIZE, 12, &size) < 0 ||
	    parse_number(h + H_MTIME, 12, &mtime) < 0)
		return header_err(t, off, err, "bad numeric field");
	if (flag == 'S' || flag == 'M')
		return header_err(t, off, err, "GNU sparse and multi-volume entries are not supported");

	free(t->path);
	free(t->linkpath);
	t->linkpath = NULL;
	if (ov->path)
		t->path = TAKE_PTR(ov->path);
	else if (ov->gnu_path)
		t->path = TAKE_PTR(ov->gnu_path);
	else if (posix && h[H_PREFIX]) {
		int pl = (int)strnlen((const char *)h + H_PREFIX, 155);
		int nl = (int)strnlen((const char *)h + H_NAME, 100);
		if (asprintf(&t->path, "%.*s/%.*s", pl, h + H_PREFIX, nl, h + H_NAME) < 0)
			t->path = NULL;
	} else
		t->path = field_dup(h + H_NAME, 100);
	if (!t->path)
		return nc_err_errno(err, ENOMEM, "tar entry");
	if (ov->linkpath)
		t->linkpath = TAKE_PTR(ov->linkpath);
	else if (ov->gnu_linkpath)
		t->linkpath = TAKE_PTR(ov->gnu_linkpath);
	else if (!(t->linkpath = field_dup(h + H_LINKNAME, 100)))
		return nc_err_errno(err, ENOMEM, "tar entry");

	if (!t->path[0])
		return header_err(t, off, err, "entry with an empty name");
	if (strlen(t->path) >= PATH_MAX || strlen(t->linkpath) >= PATH_MAX)
		return header_err(t, off, err, "name longer than PATH_MAX");
	if (ov->sparse)
		return nc_err_msg(err, ENOTSUP, "entry `%s`: pax sparse files are not supported", t->path);

	enum rt_tar_type type = type_of(flag);
	/* v7 had no directory type: a name ending in '/' was one. */
	if ((flag == '\0' || flag == '0') && t->path[strlen(t->path) - 1] == '/')
		type = RT_TAR_DIR;
	if ((type == RT_TAR_CHAR || type == RT_TAR_BLOCK) && (posix || gnu)) {
		if (parse_number(h + H_DEVMAJOR, 8, &major) < 0 || parse_number(h + H_DEVMINOR, 8, &minor) < 0 ||
		    major > UINT32_MAX || minor > UINT32_MAX)
			return header_err(t, off, err, "bad device number");
	}
	if (ov->has_uid)
		uid = (int64_t)ov->uid;
	if (ov->has_gid)
		gid = (int64_t)ov->gid;
	if (ov->has_size)
		size = (int64_t)ov->size;
	/* (uid_t)-1 would mean "leave unchanged" to chown(2). */
	if (uid < 0 || uid >= UINT32_MAX || gid < 0 || gid >= UINT32_MAX)
		return nc_err_msg(err, EBADMSG, "entry `%s`: owner out of range", t->path);
	if (size < 0)
		return nc_err_msg(err, EBADMSG, "entry `%s`: negative size", t->path);

	t->e = (struct rt_tar_entry){
		.type = type,
		.typeflag = flag,
		.path = t->path,
		.linkpath = t->linkpath,
		.mode = (mode_t)(mode & 07777),
		.uid = (uid_t)uid,
		.gid = (gid_t)gid,
		.mtime = ov->has_mtime ? ov->mtime : (struct timespec){ .tv_sec = (time_t)mtime },
		.devmajor = (unsigned)major,
		.devminor = (unsigned)minor,
	};
	/* A directory has no body whatever its size field says (GNU tar reads
	 * it so; 'D' dumpdirs do carry one). */
	uint64_t body = type == RT_TAR_DIR && flag != 'D' ? 0 : (uint64_t)size;
	t->e.size = body;
	t->remaining = body;
	t->pad = (BLOCK - body % BLOCK) % BLOCK;
	return 0;
}

/* After the end marker: inflate what is left so zlib checks the CRC and
 * length of the last member (libzstd, a frame's checksum if it has one). */
static int finish(struct rt_tar *t, nc_err *err)
{
	t->done = true;
	if (!t->gz && !t->zs)
		return 0;
	for (;;) {
		ssize_t n = src_read(t, t->scratch, sizeof(t->scratch), err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
	}
	if (t->gz_truncated)
		return nc_err_msg(err, EBADMSG, "%s stream truncated after the end of the archive",
				  t->zs ? "zstd" : "gzip");
	return 0;
}

static int next_header(struct rt_tar *t, nc_err *err)
{
	uint8_t h[BLOCK];

	for (;;) {
		uint64_t off = t->offset;
		ssize_t n = src_read_full(t, h, BLOCK, err);
		if (n < 0)
			return (int)n;
		if (n < BLOCK) {
			if (off == 0 && n == 0 && t->gz_truncated)
				return nc_err_msg(err, EBADMSG, "%s stream truncated before the first entry",
						  t->zs ? "zstd" : "gzip");
			if (off == 0 && n == 0)
				return nc_err_msg(err, EBADMSG, "empty archive");
			if (t->prev)
				return nc_err_msg(err, EBADMSG, "truncated after entry `%s` (no end-of-archive blocks)",
						  t->prev);
			return nc_err_msg(err, EBADMSG, "truncated (no end-of-archive blocks)");
		}
		if (all_zero(h)) {
			n = src_read_full(t, h, BLOCK, err);
			if (n < 0)
				return (int)n;
			/* GNU tar accepts one zero block at the end of the input. */
			if (n == 0 || (n == BLOCK && all_zero(h)))
				return finish(t, err);
			return header_err(t, off, err, "a lone zero block inside the archive");
		}
		if (!checksum_ok(h))
			return header_err(t, off, err, "bad header checksum (not a tar archive, or corrupt)");

		char flag = (char)h[H_TYPE];
		int64_t size;
		if (parse_number(h + H_SIZE, 12, &size) < 0)
			return header_err(t, off, err, "bad size field");
		if (flag == 'x' || flag == 'L' || flag == 'K') {
			_cleanup_free_ char *body = NULL;
			int len = read_meta_body(t, size, off, &body, err);
			if (len < 0)
				return len;
			if (flag == 'x') {
				const char *bad = "malformed pax record";
				int r = parse_pax(&t->ov, body, (size_t)len, &bad);
				if (r == -ENOMEM)
					return nc_err_errno(err, ENOMEM, "pax header");
				if (r < 0)
					return header_err(t, off, err, bad);
				continue;
			}
			/* GNU writes the name with a trailing NUL. */
			if (strlen(body) >= PATH_MAX)
				return header_err(t, off, err, "GNU long name longer than PATH_MAX");
			char **slot = flag == 'L' ? &t->ov.gnu_path : &t->ov.gnu_linkpath;
			free(*slot);
			*slot = TAKE_PTR(body);
			continue;
		}
		if (flag == 'g') {
			/* Global pax headers set defaults we do not need (charset,
			 * comments); git archive puts its commit id there. */
			if (size < 0)
				return header_err(t, off, err, "bad size field");
			t->remaining = (uint64_t)size;
			t->pad = (BLOCK - (uint64_t)size % BLOCK) % BLOCK;
			int r = skip_body(t, "(pax global header)", err);
			if (r < 0)
				return r;
			continue;
		}
		int r = make_entry(t, h, off, err);
		overrides_clear(&t->ov);
		if (r < 0)
			return r;
		t->have_entry = true;
		return 1;
	}
}

int rt_tar_next(struct rt_tar *t, const struct rt_tar_entry **entry, nc_err *err)
{
	if (t->failed) {
		*err = t->last_err;
		return t->failed;
	}
	if (t->done)
		return 0;
	if (t->have_entry) {
		int r = skip_body(t, t->path, err);
		if (r < 0)
			return fail(t, r, err);
		free(t->prev);
		t->prev = TAKE_PTR(t->path);
		t->have_entry = false;
	}
	int r = next_header(t, err);
	if (r < 0)
		return fail(t, r, err);
	if (r > 0)
		*entry = &t->e;
	return r;
}

ssize_t rt_tar_read(struct rt_tar *t, void *buf, size_t len, nc_err *err)
{
	if (t->failed) {
		*err = t->last_err;
		return t->failed;
	}
	if (!t->have_entry || !t->remaining || !len)
		return 0;
	if (len > t->remaining)
		len = (size_t)t->remaining;
	ssize_t n = src_read(t, buf, len, err);
	if (n == 0)
		n = nc_err_msg(err, EBADMSG, "entry `%s`: truncated (the input ends inside its data)", t->path);
	if (n < 0)
		return fail(t, (int)n, err);
	t->remaining -= (uint64_t)n;
	return n;
}

int rt_tar_drain(struct rt_tar *t, nc_err *err)
{
	if (t->failed) {
		*err = t->last_err;
		return t->failed;
	}
	for (;;) {
		t->in_off = t->in_len;
		int r = raw_fill(t, err);
		if (r < 0)
			return fail(t, r, err);
		if (r == 0)
			return 0;
	}
}
