/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tar reader of our own (not libarchive, which turns unknown types into
 * regular files, skips the gzip CRC and stops at the end blocks: see
 * docs/decisions.md): ustar, GNU long names and long links ('L'/'K'),
 * pax extended headers ('x': path, linkpath, size, uid, gid, mtime; 'g'
 * is skipped), old v7 headers, base-256 numbers. Every
 * header checksum is verified (the unsigned sum, or the signed one some
 * old tars wrote). Input is a descriptor; gzip (1f 8b) and zstd
 * (28 b5 2f fd) are recognised by their magic bytes, never by the file's
 * name or a media type, and decompressed on the fly (zstd with a bounded
 * window, see tar.c).
 *
 * Iterator style: rt_tar_next() gives one entry, then its body is read
 * with rt_tar_read() or left unread (the next call skips it). Errors name
 * the entry, or the header's offset in the (uncompressed) stream and the
 * entry before it. The reader checks the format only: whether a name is
 * safe to create is the caller's business (see image-store.c).
 */
#ifndef NC_RUNTIME_TAR_H
#define NC_RUNTIME_TAR_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "common/error.h"
#include "common/sha256.h"

/* Longest GNU 'L'/'K' body or pax header we hold in memory. */
#define RT_TAR_PAX_MAX (1u << 20)

enum rt_tar_type {
	RT_TAR_FILE,     /* '0', '\0', '7' (contiguous) */
	RT_TAR_HARDLINK, /* '1': linkpath names an earlier entry */
	RT_TAR_SYMLINK,  /* '2' */
	RT_TAR_CHAR,     /* '3' */
	RT_TAR_BLOCK,    /* '4' */
	RT_TAR_DIR,      /* '5', GNU 'D', or a v7 regular file named "x/" */
	RT_TAR_FIFO,     /* '6' */
	RT_TAR_OTHER,    /* anything else; `typeflag` says what (e.g. 'V') */
};

struct rt_tar_entry {
	enum rt_tar_type type;
	char typeflag;        /* the header's own byte */
	const char *path;     /* pax path > GNU 'L' > ustar prefix/name; never empty */
	const char *linkpath; /* "" when the header has none */
	mode_t mode;          /* permission bits with setuid/setgid/sticky (07777) */
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
	uint64_t size;        /* bytes of body (0 for directories) */
	unsigned devmajor, devminor; /* RT_TAR_CHAR and RT_TAR_BLOCK only */
};

struct rt_tar;

/* Starts reading `fd` (not closed by the reader; read from its current
 * offset). xz and bzip2 input are refused with a message that says so. */
int rt_tar_open(int fd, struct rt_tar **out, nc_err *err);

/* The same, and every byte read from `fd` also goes into `hash` (the
 * stored, possibly compressed, bytes): a blob is verified while it is
 * unpacked, never read twice. After the end, rt_tar_drain() reads what
 * follows the archive in the file (padding), so the hash covers it all. */
int rt_tar_open_hashed(int fd, struct nc_sha256 *hash, struct rt_tar **out, nc_err *err);
int rt_tar_drain(struct rt_tar *t, nc_err *err);

/* The next entry: returns 1 and sets *entry (valid until the next call),
 * 0 at the end of the archive (two zero blocks, or one at the end of the
 * input), or < 0. An archive that ends without its end marker is
 * truncated, hence an error. After the end, the rest of a gzip or zstd
 * stream is decompressed so its checksum is checked. Errors are sticky. */
int rt_tar_next(struct rt_tar *t, const struct rt_tar_entry **entry, nc_err *err);

/* Up to `len` bytes of the current entry's body: > 0, 0 at its end, or < 0
 * (truncated input is an error naming the entry). */
ssize_t rt_tar_read(struct rt_tar *t, void *buf, size_t len, nc_err *err);

void rt_tar_free(struct rt_tar *t);

#endif
