/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Volume images: a sparse file formatted as ext4 with libext2fs, in the
 * order mke2fs uses (misc/mke2fs.c, e2fsprogs 1.47): initialize, allocate
 * the group tables, inode tables, root, lost+found, reserved and bad-block
 * inodes, journal, close. The product runs no tools, and the
 * library is the part of mke2fs that matters.
 */
#include "runtime/ext-image.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>

#include "common/cleanup.h"
#include "common/fsutil.h"

#define BLOCK_SIZE_LOG 12 /* 4 KiB blocks */
#define INODE_SIZE 256
#define BYTES_PER_INODE 16384 /* mke2fs.conf's inode_ratio */
#define FLEX_BG_LOG 4         /* 16 groups per flex group, as mke2fs */
#define LPF_BYTES 16384       /* lost+found pre-sized so e2fsck need not grow it */

/* ---- errors ----------------------------------------------------------- */

/*
 * libext2fs returns errno values unchanged and its own codes from the
 * com_err table "ext2" (ext2_err.h). The table is read directly instead of
 * through error_message(): that one finds the text only once the table is
 * registered in libcom_err's process-wide list (initialize_ext2_error_table,
 * which libext2fs leaves to its programs), and runtime/ keeps no global
 * state. Same text, no registration.
 */
static int ext_err(nc_err *err, errcode_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int ext_err(nc_err *err, errcode_t code, const char *fmt, ...)
{
	char what[NC_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (code > 0 && code < 256)
		return nc_err_errno(err, (int)code, "%s", what);
	long idx = (long)(code - et_ext2_error_table.base);
	if (idx >= 0 && idx < et_ext2_error_table.n_msgs)
		return nc_err_msg(err, code == EXT2_ET_NO_MEMORY ? ENOMEM : EIO, "%s: %s", what,
				  et_ext2_error_table.msgs[idx]);
	return nc_err_msg(err, EIO, "%s: libext2fs error %ld", what, (long)code);
}

/* ---- an I/O manager on our own descriptor ----------------------------- */

/*
 * libext2fs's unix_io opens the image by name without O_CLOEXEC
 * (ext2fs_open_file in unix_io.c), so a fork+exec in another thread of a
 * daemon would inherit it; its unixfd_io_manager closes the descriptor it
 * is handed before 1.47.4 and not since (commit c14eb732), so ownership
 * depends on the version. This manager does pread/pwrite on our O_CLOEXEC
 * descriptor, named "/proc/self/fd/N" in the channel, and never closes it.
 * No cache: formatting writes a few hundred blocks.
 */
#define FDIO_PREFIX "/proc/self/fd/"

static const struct struct_io_manager fdio_manager;

static int fdio_fd(io_channel ch)
{
	return (int)(intptr_t)ch->private_data;
}

static errcode_t fdio_open(const char *name, int flags, io_channel *out)
{
	(void)flags;
	if (!name || strncmp(name, FDIO_PREFIX, strlen(FDIO_PREFIX)) != 0)
		return EXT2_ET_BAD_DEVICE_NAME;
	char *end;
	errno = 0;
	long fd = strtol(name + strlen(FDIO_PREFIX), &end, 10);
	if (errno || *end || fd < 0 || fd > INT_MAX)
		return EXT2_ET_BAD_DEVICE_NAME;

	io_channel ch = calloc(1, sizeof(*ch));
	if (!ch)
		return EXT2_ET_NO_MEMORY;
	ch->name = strdup(name);
	if (!ch->name) {
		free(ch);
		return EXT2_ET_NO_MEMORY;
	}
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = (io_manager)&fdio_manager;
	ch->block_size = 1024;
	ch->refcount = 1;
	ch->private_data = (void *)(intptr_t)fd;
	*out = ch;
	return 0;
}

static errcode_t fdio_close(io_channel ch)
{
	free(ch->name);
	free(ch);
	return 0;
}

static errcode_t fdio_set_blksize(io_channel ch, int blksize)
{
	ch->block_size = blksize;
	return 0;
}

/* count > 0: blocks; count < 0: bytes (libext2fs's convention). */
static errcode_t fdio_rw(io_channel ch, unsigned long long block, int count, void *buf, bool write)
{
	size_t size = count < 0 ? (size_t)-(long)count : (size_t)count * (size_t)ch->block_size;
	unsigned long long off = block * (unsigned long long)ch->block_size;
	char *p = buf;

	while (size > 0) {
		ssize_t n = write ? pwrite(fdio_fd(ch), p, size, (off_t)off)
				  : pread(fdio_fd(ch), p, size, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (n == 0) {
			if (write)
				return EXT2_ET_SHORT_WRITE;
			memset(p, 0, size);
			return EXT2_ET_SHORT_READ;
		}
		p += n;
		off += (unsigned long long)n;
		size -= (size_t)n;
	}
	return 0;
}

static errcode_t fdio_read_blk64(io_channel ch, unsigned long long block, int count, void *data)
{
	return fdio_rw(ch, block, count, data, false);
}

static errcode_t fdio_write_blk64(io_channel ch, unsigned long long block, int count, const void *data)
{
	return fdio_rw(ch, block, count, (void *)data, true);
}

static errcode_t fdio_read_blk(io_channel ch, unsigned long block, int count, void *data)
{
	return fdio_rw(ch, block, count, data, false);
}

static errcode_t fdio_write_blk(io_channel ch, unsigned long block, int count, const void *data)
{
	return fdio_rw(ch, block, count, (void *)data, true);
}

/* Writes go straight to the file; the caller fsyncs once, before the
 * image gets its name. */
static errcode_t fdio_flush(io_channel ch)
{
	(void)ch;
	return 0;
}

/* ext2fs_zero_blocks2() (new directory blocks, allocations) asks this
 * first and otherwise writes zeros from a buffer it keeps in a static
 * variable (mkjournal.c), shared by all threads. A hole reads as zeros
 * and keeps the image sparse; without hole punching, zeros are written. */
static errcode_t fdio_zeroout(io_channel ch, unsigned long long block, unsigned long long count)
{
	static const char zeros[4096];
	unsigned long long bs = (unsigned long long)ch->block_size;
	unsigned long long off = block * bs, end = (block + count) * bs;

	if (fallocate(fdio_fd(ch), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)(end - off)) == 0)
		return 0;
	while (off < end) {
		size_t n = end - off < sizeof(zeros) ? (size_t)(end - off) : sizeof(zeros);
		ssize_t w = pwrite(fdio_fd(ch), zeros, n, (off_t)off);
		if (w < 0 && errno != EINTR)
			return errno;
		if (w == 0)
			return EXT2_ET_SHORT_WRITE;
		if (w > 0)
			off += (unsigned long long)w;
	}
	return 0;
}

/* const: it is never written; io_manager is merely a non-const pointer. */
static const struct struct_io_manager fdio_manager = {
	.magic = EXT2_ET_MAGIC_IO_MANAGER,
	.name = "ncompose fd I/O manager",
	.open = fdio_open,
	.close = fdio_close,
	.set_blksize = fdio_set_blksize,
	.read_blk = fdio_read_blk,
	.write_blk = fdio_write_blk,
	.flush = fdio_flush,
	.read_blk64 = fdio_read_blk64,
	.write_blk64 = fdio_write_blk64,
	.zeroout = fdio_zeroout,
};

/* ---- formatting -------------------------------------------------------- */

static void ext2fs_freep(ext2_filsys *fs)
{
	if (*fs)
		ext2fs_free(*fs);
}

static int random_bytes(void *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = getrandom((char *)buf + got, len - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

/*
 * The features Debian 12's mke2fs gives ext4 (/etc/mke2fs.conf), all
 * mountable by Linux 3.18 and later, minus resize_inode: its reserved
 * GDT blocks serve online growth of a mounted filesystem, which nothing
 * here does (resize2fs offline works without them).
 */
static void set_features(struct ext2_super_block *sb)
{
	ext2fs_set_feature_xattr(sb);
	ext2fs_set_feature_dir_index(sb);
	ext2fs_set_feature_filetype(sb);
	ext2fs_set_feature_extents(sb);
	ext2fs_set_feature_flex_bg(sb);
	ext2fs_set_feature_64bit(sb);
	ext2fs_set_feature_sparse_super(sb);
	ext2fs_set_feature_large_file(sb);
	ext2fs_set_feature_huge_file(sb);
	ext2fs_set_feature_dir_nlink(sb);
	ext2fs_set_feature_extra_isize(sb);
	ext2fs_set_feature_metadata_csum(sb);
}

static int make_lost_found(ext2_filsys fs, const char *path, nc_err *err)
{
	static const char name[] = "lost+found";
	ext2_ino_t ino;

	fs->umask = 077; /* 0700, as mke2fs makes it */
	errcode_t e = ext2fs_mkdir(fs, EXT2_ROOT_INO, 0, name);
	fs->umask = 022;
	if (e)
		return ext_err(err, e, "format volume image `%s`: create lost+found", path);
	e = ext2fs_lookup(fs, EXT2_ROOT_INO, name, sizeof(name) - 1, NULL, &ino);
	if (e)
		return ext_err(err, e, "format volume image `%s`: look up lost+found", path);
	/* e2fsck moves orphans there without allocating blocks, which it
	 * might not find on a full filesystem. */
	for (unsigned have = fs->blocksize; have < LPF_BYTES; have += fs->blocksize) {
		e = ext2fs_expand_dir(fs, ino);
		if (e)
			return ext_err(err, e, "format volume image `%s`: expand lost+found", path);
	}
	return 0;
}

/* Inodes 1..10 are the filesystem's own; with metadata_csum each must
 * carry a valid checksum even while unused, so they are written zeroed
 * (the table itself is a hole). */
static int write_reserved_inodes(ext2_filsys fs, const char *path, nc_err *err)
{
	char zero[INODE_SIZE] __attribute__((aligned(8))) = { 0 };

	if (EXT2_INODE_SIZE(fs->super) > (int)sizeof(zero))
		return nc_err_msg(err, EINVAL, "format volume image `%s`: inode size %d", path,
				  EXT2_INODE_SIZE(fs->super));
	for (ext2_ino_t ino = 1; ino < EXT2_FIRST_INODE(fs->super); ino++) {
		errcode_t e = ext2fs_write_inode_full(fs, ino, (struct ext2_inode *)zero,
						      EXT2_INODE_SIZE(fs->super));
		if (e)
			return ext_err(err, e, "format volume image `%s`: write inode %u", path, ino);
	}
	return 0;
}

/* ... and counted as in use; inode 1 lists bad blocks (none). */
static int mark_reserved_inodes(ext2_filsys fs, const char *path, nc_err *err)
{
	for (ext2_ino_t ino = EXT2_ROOT_INO + 1; ino < EXT2_FIRST_INODE(fs->super); ino++)
		ext2fs_inode_alloc_stats2(fs, ino, +1, 0);
	ext2fs_mark_ib_dirty(fs);

	ext2fs_mark_inode_bitmap2(fs->inode_map, EXT2_BAD_INO);
	ext2fs_inode_alloc_stats2(fs, EXT2_BAD_INO, +1, 0);
	errcode_t e = ext2fs_update_bb_inode(fs, NULL);
	if (e)
		return ext_err(err, e, "format volume image `%s`: bad-block inode", path);
	return 0;
}

static void ext2fs_free_memp(char **p)
{
	if (*p)
		ext2fs_free_mem(p);
}

/*
 * A journal: the volume outlives containers that get SIGKILLed and hosts
 * that lose power, and without one an unclean ext4 must be fsck'ed (which
 * nothing here would run) before it is safe to write. mke2fs's size
 * (ext2fs_default_journal_size: 4 MiB from 8 MiB, 32 MiB at 1 GiB, 64 MiB
 * at 10 GiB, at most 1 GiB; none below 8 MiB). Its blocks are allocated
 * but never written: they stay a hole that reads as zeros, which is what
 * jbd2 expects of a fresh journal (mke2fs's lazy_journal_init), so the
 * journal costs no disk until used.
 *
 * Built from the public pieces rather than with ext2fs_add_journal_inode3,
 * which first asks whether the device is mounted (ext2fs_check_mount_point):
 * getmntent(3) on /proc/mounts, whose glibc buffer is shared by all
 * threads (`up` creates containers on several), plus files and loop
 * devices opened without O_CLOEXEC. The steps are its own: superblock,
 * extents near the middle of the disk, inode 8, the superblock's backup
 * of the journal's block map.
 */
static int add_journal(ext2_filsys fs, const char *path, nc_err *err)
{
	struct ext2fs_journal_params jp;
	struct ext2_inode inode;
	_cleanup_(ext2fs_free_memp) char *jsb = NULL;
	blk64_t first;

	errcode_t e = ext2fs_get_journal_params(&jp, fs);
	if (e == EXT2_ET_JOURNAL_TOO_SMALL)
		return 0;
	if (!e)
		e = ext2fs_create_journal_superblock2(fs, &jp, 0, &jsb);
	if (e)
		return ext_err(err, e, "format volume image `%s`: journal superblock", path);

	memset(&inode, 0, sizeof(inode));
	inode.i_mode = LINUX_S_IFREG | 0600;
	inode.i_links_count = 1;
	inode.i_flags = EXT4_EXTENTS_FL;
	e = ext2fs_inode_size_set(fs, &inode, (unsigned long long)fs->blocksize * jp.num_journal_blocks);
	if (!e)
		e = ext2fs_fallocate(fs, EXT2_FALLOCATE_FORCE_INIT, EXT2_JOURNAL_INO, &inode,
				     ext2fs_group_first_block2(fs, fs->group_desc_count / 2), 0,
				     jp.num_journal_blocks);
	if (!e)
		e = ext2fs_write_new_inode(fs, EXT2_JOURNAL_INO, &inode);
	if (!e)
		e = ext2fs_bmap2(fs, EXT2_JOURNAL_INO, &inode, NULL, 0, 0, NULL, &first);
	if (!e)
		e = io_channel_write_blk64(fs->io, first, 1, jsb);
	if (e)
		return ext_err(err, e, "format volume image `%s`: create the journal", path);

	struct ext2_super_block *sb = fs->super;
	memcpy(sb->s_jnl_blocks, inode.i_block, sizeof(inode.i_block));
	sb->s_jnl_blocks[15] = inode.i_size_high;
	sb->s_jnl_blocks[16] = inode.i_size;
	sb->s_jnl_backup_type = EXT3_JNL_BACKUP_BLOCKS;
	sb->s_journal_inum = EXT2_JOURNAL_INO;
	ext2fs_set_feature_journal(sb);
	ext2fs_mark_super_dirty(fs);
	return 0;
}

static int format(int fd, const char *path, uint64_t size, nc_err *err)
{
	struct ext2_super_block param;
	char name[sizeof(FDIO_PREFIX) + 12];
	int r;

	memset(&param, 0, sizeof(param));
	param.s_rev_level = EXT2_DYNAMIC_REV;
	param.s_log_block_size = BLOCK_SIZE_LOG - EXT2_MIN_BLOCK_LOG_SIZE;
	ext2fs_blocks_count_set(&param, size >> BLOCK_SIZE_LOG);
	param.s_inode_size = INODE_SIZE;
	uint64_t inodes = size / BYTES_PER_INODE;
	param.s_inodes_count = inodes > UINT32_MAX ? UINT32_MAX : (uint32_t)inodes;
	param.s_log_groups_per_flex = FLEX_BG_LOG;
	param.s_default_mount_opts = EXT2_DEFM_XATTR_USER | EXT2_DEFM_ACL;
	/* s_r_blocks_count stays 0, where mke2fs reserves 5 % for root: a
	 * volume holds data, not a system, and a non-root workload should
	 * get the size the file asked for. */
	set_features(&param);

	snprintf(name, sizeof(name), FDIO_PREFIX "%d", fd);
	_cleanup_(ext2fs_freep) ext2_filsys fs = NULL;
	errcode_t e = ext2fs_initialize(name, EXT2_FLAG_64BITS, &param, (io_manager)&fdio_manager, &fs);
	if (e)
		return ext_err(err, e, "format volume image `%s`", path);

	struct ext2_super_block *sb = fs->super;
	if (random_bytes(sb->s_uuid, sizeof(sb->s_uuid)) < 0 ||
	    random_bytes(sb->s_hash_seed, sizeof(sb->s_hash_seed)) < 0)
		return nc_err_errno(err, errno, "format volume image `%s`: getrandom", path);
	sb->s_uuid[6] = (sb->s_uuid[6] & 0x0f) | 0x40; /* RFC 4122 version 4 */
	sb->s_uuid[8] = (sb->s_uuid[8] & 0x3f) | 0x80;
	sb->s_def_hash_version = EXT2_HASH_HALF_MD4;
	sb->s_max_mnt_count = -1; /* no periodic fsck: nothing would run it */
	sb->s_checksum_type = EXT2_CRC32C_CHKSUM;
	ext2fs_init_csum_seed(fs); /* from the UUID: after it is set */

	e = ext2fs_allocate_tables(fs);
	if (e)
		return ext_err(err, e, "format volume image `%s`: allocate group tables", path);

	/* The file is new and sparse, so its inode tables already read as
	 * zeros: say so, and the kernel's ext4lazyinit thread will not fill
	 * the holes with zeros after the first mount. */
	for (dgrp_t g = 0; g < fs->group_desc_count; g++) {
		ext2fs_bg_flags_set(fs, g, EXT2_BG_INODE_ZEROED);
		ext2fs_group_desc_csum_set(fs, g);
	}
	r = write_reserved_inodes(fs, path, err);
	if (r < 0)
		return r;

	/* root 0755 (umask 022), owned by 0:0 */
	e = ext2fs_mkdir(fs, EXT2_ROOT_INO, EXT2_ROOT_INO, NULL);
	if (e)
		return ext_err(err, e, "format volume image `%s`: create the root directory", path);
	r = make_lost_found(fs, path, err);
	if (r < 0)
		return r;
	r = mark_reserved_inodes(fs, path, err);
	if (r < 0)
		return r;
	r = add_journal(fs, path, err);
	if (r < 0)
		return r;

	e = ext2fs_close_free(&fs);
	if (e)
		return ext_err(err, e, "format volume image `%s`: write the filesystem", path);
	return 0;
}

/* ---- the file ---------------------------------------------------------- */

static int check_existing(int fd, const char *path, nc_err *err)
{
	struct stat st;
	unsigned char magic[2];

	if (fstat(fd, &st) < 0)
		return nc_err_errno(err, errno, "stat volume image `%s`", path);
	if (!S_ISREG(st.st_mode))
		return nc_err_msg(err, EINVAL,
				  "volume image `%s` exists but is not a regular file; remove it or point the volume elsewhere",
				  path);
	/* s_magic, 56 bytes into the superblock at 1024: 0xEF53 little-endian */
	ssize_t n;
	do
		n = pread(fd, magic, sizeof(magic), 1024 + 56);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return nc_err_errno(err, errno, "read volume image `%s`", path);
	if (n != (ssize_t)sizeof(magic) || magic[0] != 0x53 || magic[1] != 0xEF)
		return nc_err_msg(err, EINVAL,
				  "volume image `%s` exists but holds no ext filesystem; remove it or point the volume elsewhere",
				  path);
	return 0;
}

static int open_existing(const char *path, nc_err *err)
{
	/* O_NONBLOCK: a FIFO in its place must not hang us */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return nc_err_errno(err, errno, "open volume image `%s`", path);
	return check_existing(fd, path, err);
}

/* Gives the finished image its name, never replacing a file that appeared
 * meanwhile (another ncompose creating the same volume): then that one is
 * used and ours dropped. link(2) where renameat2's RENAME_NOREPLACE is not
 * supported (Linux < 3.15, or filesystems such as 9p and NFS). */
static int publish(const char *tmp, const char *path, bool *created, nc_err *err)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
		*created = true;
		return 0;
	}
	if (errno == EINVAL || errno == ENOSYS) {
		if (link(tmp, path) == 0) {
			unlink(tmp);
			*created = true;
			return 0;
		}
	}
	if (errno != EEXIST)
		return nc_err_errno(err, errno, "rename `%s` to `%s`", tmp, path);
	unlink(tmp);
	return open_existing(path, err);
}

static void sync_dir_of(const char *path)
{
	char dir[PATH_MAX];

	if (nc_pathf(dir, sizeof(dir), "%s", path) < 0)
		return;
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Best effort: the data is on disk already; this makes the name last
	 * across a power cut. Some filesystems refuse fsync on a directory. */
	if (fd >= 0)
		(void)fsync(fd);
}

static int create(const char *path, uint64_t size, bool *created, nc_err *err)
{
	char tmp[PATH_MAX];
	int r;

	if (nc_pathf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) < 0)
		return nc_err_errno(err, ENAMETOOLONG, "create volume image `%s`", path);
	if (size > (uint64_t)INT64_MAX)
		return nc_err_errno(err, EFBIG, "create volume image `%s` of %" PRIu64 " bytes", path, size);
	_cleanup_close_ int fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		if (errno == ENOENT)
			return nc_err_msg(err, ENOENT, "create volume image `%s`: its directory does not exist",
					  path);
		return nc_err_errno(err, errno, "create volume image `%s`", tmp);
	}
	if (ftruncate(fd, (off_t)size) < 0) {
		r = nc_err_errno(err, errno, "create volume image `%s` of %" PRIu64 " bytes", path, size);
		goto fail;
	}
	r = format(fd, path, size, err);
	if (r < 0)
		goto fail;
	/* The data must be durable before the name is, or a power cut could
	 * leave a named image full of holes where metadata should be. */
	if (fsync(fd) < 0 || close(TAKE_FD(fd)) < 0) {
		r = nc_err_errno(err, errno, "write volume image `%s`", tmp);
		goto fail;
	}
	r = publish(tmp, path, created, err);
	if (r < 0)
		goto fail;
	sync_dir_of(path);
	return 0;
fail:
	unlink(tmp);
	return r;
}

int rt_ext_image_ensure(const char *path, uint64_t size_bytes, bool *created, nc_err *err)
{
	*created = false;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0)
		return check_existing(fd, path, err);
	if (errno != ENOENT)
		return nc_err_errno(err, errno, "open volume image `%s`", path);
	if (size_bytes < RT_EXT_IMAGE_MIN_SIZE)
		return nc_err_msg(err, EINVAL,
				  "volume image `%s`: size of %" PRIu64 " bytes is too small; the minimum is 1 MiB",
				  path, size_bytes);
	return create(path, size_bytes, created, err);
}
