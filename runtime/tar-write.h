/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing a layer as a plain (uncompressed) tar stream, hashed as it is
 * written so the blob's digest is known when it ends: ustar headers, with
 * a pax header ('x') for what ustar cannot hold (a path or link target
 * over 100 bytes, an id over 2097151, a size over 8 GiB).
 *
 * rt_tarw_tree adds a directory tree as it is on disk, in name order:
 * the layer form the image store reads back (tar.h, image.h). With
 * `overlay`, the tree is an overlayfs upper directory and overlayfs's own
 * markers become the layer's: a character device 0/0 is the whiteout
 * `.wh.NAME`, a directory with the xattr trusted.overlay.opaque=y gets
 * `.wh..wh..opq`. Other devices and sockets are left out (the store never
 * creates a device node); a file linked twice is written twice.
 */
#ifndef NC_RUNTIME_TAR_WRITE_H
#define NC_RUNTIME_TAR_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/sha256.h"
#include "runtime/tar.h"

struct rt_tarw {
	int fd;
	struct nc_sha256 h;
	uint64_t bytes;
	size_t used;
	char buf[65536];
};

void rt_tarw_init(struct rt_tarw *w, int fd);

/* One entry. A regular file's `size` bytes are read from body_fd (from its
 * current offset); a file that turns out shorter is an error. Only path,
 * type, linkpath, mode, uid, gid, mtime and size are used. */
int rt_tarw_add(struct rt_tarw *w, const struct rt_tar_entry *e, int body_fd, nc_err *err);

/* The same with the body in memory. */
int rt_tarw_add_mem(struct rt_tarw *w, const struct rt_tar_entry *e, const void *body, nc_err *err);

/* The same in parts, for a body that comes in pieces: the header, then
 * exactly e->size bytes, then the padding. */
int rt_tarw_begin(struct rt_tarw *w, const struct rt_tar_entry *e, nc_err *err);
int rt_tarw_write(struct rt_tarw *w, const void *data, size_t len, nc_err *err);
int rt_tarw_end(struct rt_tarw *w, uint64_t size, nc_err *err);

/* The end marker, flushed; `hex` gets the sha256 of all bytes written. */
int rt_tarw_finish(struct rt_tarw *w, char hex[NC_SHA256_HEX_LEN], nc_err *err);

/* What a tree's entries get on the way (rt_tarw_tree). */
struct rt_tarw_tree_opts {
	const char *prefix; /* prepended to every path ("usr/share"); "" or NULL: none */
	bool overlay;       /* convert overlayfs whiteouts (see above) */
	bool chown;         /* every entry owned by uid:gid instead of its own */
	uid_t uid;
	gid_t gid;
};

/* Every entry below the directory `dirfd` (not itself). */
int rt_tarw_tree(struct rt_tarw *w, int dirfd, const struct rt_tarw_tree_opts *o, nc_err *err);

#endif
