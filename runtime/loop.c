/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "runtime/loop.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/child-util.h"
#include "runtime/syscalls.h"

/* include/uapi/linux/loop.h, Linux 5.8; our copy so that older headers
 * build too (the ioctl is then refused at run time and we fall back). */
#define RT_LOOP_CONFIGURE 0x4C0A
struct rt_loop_config {
	uint32_t fd;
	uint32_t block_size; /* 0: the default, 512 */
	struct loop_info64 info;
	uint64_t reserved[8];
};

/* Each retry follows an EBUSY, i.e. another process attaching at the very
 * same moment; 16 in a row would take a storm of them. */
#define ATTACH_TRIES 16

static void dir_closep(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* The loop device keeps a reference to the image's open file, and with it
 * a flock(2) taken through that file: closing our descriptor would not
 * release it while the device stays bound. */
static void unlockp(int *fd)
{
	if (*fd >= 0)
		flock(*fd, LOCK_UN);
}

static int loop_dev_path(char *dev, size_t dev_size, unsigned n, nc_err *err)
{
	int len = snprintf(dev, dev_size, "/dev/loop%u", n);
	if (len < 0 || (size_t)len >= dev_size)
		return nc_err_errno(err, ENAMETOOLONG, "loop device name for /dev/loop%u", n);
	return 0;
}

/*
 * A loop device already backed by the image (same st_dev and st_ino, whole
 * file), found through /sys/block/loopN/loop/, which exists only while
 * the device is bound. Returns 1 with *fd holding it (which keeps it bound:
 * autoclear waits for the last close), 0 when there is none.
 */
static int find_attached(const char *image, const struct stat *st, bool read_only, int *fd, char *dev,
			 size_t dev_size, nc_err *err)
{
	_cleanup_(dir_closep) DIR *d = opendir("/sys/block");
	if (!d)
		return errno == ENOENT ? 0 : nc_err_errno(err, errno, "list `/sys/block`");

	for (struct dirent *de; (errno = 0, de = readdir(d));) {
		unsigned n;
		char tail, attr[sizeof(de->d_name) + 32];
		if (sscanf(de->d_name, "loop%u%c", &n, &tail) != 1)
			continue;
		snprintf(attr, sizeof(attr), "%s/loop/backing_file", de->d_name);
		if (faccessat(dirfd(d), attr, F_OK, 0) < 0)
			continue;
		int r = loop_dev_path(dev, dev_size, n, err);
		if (r < 0)
			return r;
		_cleanup_close_ int lfd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (lfd < 0)
			continue;
		struct loop_info64 info;
		if (ioctl(lfd, LOOP_GET_STATUS64, &info) < 0)
			continue; /* ENXIO: cleared meanwhile */
		if (info.lo_device != (uint64_t)st->st_dev || info.lo_inode != (uint64_t)st->st_ino ||
		    info.lo_offset != 0 || info.lo_sizelimit != 0)
			continue;
		if ((info.lo_flags & LO_FLAGS_READ_ONLY) && !read_only)
			return nc_err_msg(err, EBUSY,
					  "volume image `%s` is attached read-only as `%s` (mounted read-only elsewhere); it cannot be mounted read-write at the same time",
					  image, dev);
		*fd = TAKE_FD(lfd);
		return 1;
	}
	if (errno)
		return nc_err_errno(err, errno, "list `/sys/block`");
	return 0;
}

static int open_control(nc_err *err)
{
	int fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
		return nc_err_msg(err, ENODEV,
				  "no `/dev/loop-control`: image volumes need loop devices; load the driver (`modprobe loop`), or, inside a container, give it /dev/loop-control and /dev/loop*");
	return nc_err_errno(err, errno, "open `/dev/loop-control`");
}

/*
 * One attempt on one free device. Returns the device's descriptor, -EBUSY
 * when another process took the device first (try the next free one), or
 * another negative errno with err filled.
 */
static int attach_once(int img, const char *image, bool read_only, const char *dev, nc_err *err)
{
	_cleanup_close_ int lfd = open(dev, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (lfd < 0) {
		if (errno == ENOENT)
			return nc_err_msg(err, ENOENT,
					  "no `%s` although the loop driver handed it out: /dev is not a devtmpfs here",
					  dev);
		return nc_err_errno(err, errno, "open `%s`", dev);
	}

	struct rt_loop_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (uint32_t)img;
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (read_only ? LO_FLAGS_READ_ONLY : 0);
	/* what LOOP_GET_STATUS64 reports (losetup -l reads sysfs's backing_file) */
	snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", image);

	if (ioctl(lfd, RT_LOOP_CONFIGURE, &cfg) == 0)
		return TAKE_FD(lfd);
	if (errno == EBUSY)
		return -EBUSY;
	if (errno != EINVAL && errno != ENOTTY)
		return nc_err_errno(err, errno, "attach `%s` to `%s`", image, dev);

	/* Before Linux 5.8. Read-only comes from the image's open mode here;
	 * LOOP_SET_STATUS64 can only set AUTOCLEAR and PARTSCAN. */
	if (ioctl(lfd, LOOP_SET_FD, img) < 0) {
		if (errno == EBUSY)
			return -EBUSY;
		return nc_err_errno(err, errno, "attach `%s` to `%s`", image, dev);
	}
	cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR;
	if (ioctl(lfd, LOOP_SET_STATUS64, &cfg.info) < 0) {
		int e = errno;
		ioctl(lfd, LOOP_CLR_FD, 0);
		return nc_err_errno(err, e, "set up `%s` for `%s`", dev, image);
	}
	return TAKE_FD(lfd);
}

int rt_loop_attach(const char *image, bool read_only, int *loop_fd, char *dev, size_t dev_size,
		   nc_err *err)
{
	struct stat st;

	*loop_fd = -1;
	_cleanup_close_ int img = open(image, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
	if (img < 0)
		return nc_err_errno(err, errno, "open volume image `%s`", image);
	if (fstat(img, &st) < 0)
		return nc_err_errno(err, errno, "stat volume image `%s`", image);
	if (!S_ISREG(st.st_mode))
		return nc_err_msg(err, EINVAL, "volume image `%s` is not a regular file", image);
	/* Held until return: the check for an existing device and the
	 * attach are one step for every ncompose. */
	while (flock(img, LOCK_EX) < 0)
		if (errno != EINTR)
			return nc_err_errno(err, errno, "lock volume image `%s`", image);
	_cleanup_(unlockp) int locked = img;

	int r = find_attached(image, &st, read_only, loop_fd, dev, dev_size, err);
	if (r != 0)
		return r < 0 ? r : 0;

	_cleanup_close_ int ctl = open_control(err);
	if (ctl < 0)
		return ctl;
	for (int i = 0; i < ATTACH_TRIES; i++) {
		int n = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (n < 0)
			return nc_err_errno(err, errno, "find a free loop device for `%s`", image);
		r = loop_dev_path(dev, dev_size, (unsigned)n, err);
		if (r < 0)
			return r;
		int fd = attach_once(img, image, read_only, dev, err);
		if (fd >= 0) {
			*loop_fd = fd;
			return 0;
		}
		if (fd != -EBUSY)
			return fd;
	}
	return nc_err_errno(err, EBUSY, "attach `%s`: other processes took %d free loop devices in a row",
			    image, ATTACH_TRIES);
}

int rt_loop_mount(const char *dev, const char *target, bool read_only, nc_err *err)
{
	const unsigned long flags = MS_NOSUID | MS_NODEV;

	if (mount(dev, target, "ext4", flags | (read_only ? MS_RDONLY : 0), NULL) == 0)
		return 0;
	int e = errno;
	if (read_only && e == EROFS)
		/* ext4 replays a dirty journal even for a read-only mount, and
		 * cannot on a read-only device (fs/ext4/super.c) */
		return rt_cerr(err, e,
			       "mount `%s` read-only on `%s` (after an unclean shutdown its journal needs one read-write mount)",
			       dev, target);
	if (!read_only || e != EBUSY)
		return rt_cerr(err, e, "mount `%s` on `%s`", dev, target);

	/* The device is shared and its filesystem mounted read-write: one
	 * superblock cannot be both, so this mount alone is made read-only. */
	if (mount(dev, target, "ext4", flags, NULL) < 0)
		return rt_cerr(err, errno, "mount `%s` on `%s`", dev, target);
	if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | flags, NULL) < 0) {
		e = errno;
		umount2(target, MNT_DETACH);
		return rt_cerr(err, e, "make `%s` read-only", target);
	}
	return 0;
}

int rt_loop_open_detached(const char *dev, nc_err *err)
{
	_cleanup_close_ int fs = rt_fsopen("ext4", RT_FSOPEN_CLOEXEC);
	if (fs < 0)
		return nc_err_errno(err, errno, "open an ext4 filesystem context for `%s`", dev);
	if (rt_fsconfig(fs, RT_FSCONFIG_SET_STRING, "source", dev, 0) < 0 ||
	    rt_fsconfig(fs, RT_FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 ||
	    rt_fsconfig(fs, RT_FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return nc_err_errno(err, errno, "read the filesystem on `%s`", dev);
	int mnt = rt_fsmount(fs, RT_FSMOUNT_CLOEXEC,
			     RT_MOUNT_ATTR_RDONLY | RT_MOUNT_ATTR_NOSUID | RT_MOUNT_ATTR_NODEV | RT_MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return nc_err_errno(err, errno, "mount `%s` (detached, read-only)", dev);
	return mnt;
}

/* Up to this many distinct loop devices are counted for one container. */
#define IO_MAX_DEVS 64

static void add_dev(unsigned *devs, size_t *n, unsigned d)
{
	for (size_t i = 0; i < *n; i++)
		if (devs[i] == d)
			return;
	if (*n < IO_MAX_DEVS)
		devs[(*n)++] = d;
}

/* Every bound loop device whose backing file is `image` (the same inode). */
static void backing_devs(const char *image, unsigned *devs, size_t *n)
{
	struct stat st;
	if (!image || stat(image, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	_cleanup_(dir_closep) DIR *d = opendir("/sys/block");
	if (!d)
		return;
	for (struct dirent *de; (de = readdir(d));) {
		unsigned u;
		char tail, attr[sizeof(de->d_name) + 32], dev[RT_LOOP_DEV_MAX];
		if (sscanf(de->d_name, "loop%u%c", &u, &tail) != 1)
			continue;
		snprintf(attr, sizeof(attr), "%s/loop/backing_file", de->d_name);
		if (faccessat(dirfd(d), attr, F_OK, 0) < 0)
			continue;
		snprintf(dev, sizeof(dev), "/dev/loop%u", u);
		_cleanup_close_ int lfd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		struct loop_info64 info;
		if (lfd < 0 || ioctl(lfd, LOOP_GET_STATUS64, &info) < 0)
			continue;
		if (info.lo_device == (uint64_t)st.st_dev && info.lo_inode == (uint64_t)st.st_ino)
			add_dev(devs, n, u);
	}
}

/* The loop devices mounted in the mount namespace of `pid`: `type: image`
 * volumes (mountinfo's source after the " - FSTYPE "). */
static void mounted_devs(pid_t pid, unsigned *devs, size_t *n)
{
	char path[64], line[4096];
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		unsigned u;
		char fstype[64], tail;
		if (sep && sscanf(sep, " - %63s /dev/loop%u%c", fstype, &u, &tail) == 3 && tail == ' ')
			add_dev(devs, n, u);
	}
}

int rt_loop_io(const char *image, pid_t pid, uint64_t *read_bytes, uint64_t *write_bytes)
{
	unsigned devs[IO_MAX_DEVS];
	size_t n = 0;

	*read_bytes = *write_bytes = 0;
	backing_devs(image, devs, &n);
	if (pid > 0)
		mounted_devs(pid, devs, &n);
	for (size_t i = 0; i < n; i++) {
		char path[64];
		unsigned long long rd_ios, rd_merges, rd_sectors, rd_ticks, wr_ios, wr_merges, wr_sectors;
		snprintf(path, sizeof(path), "/sys/block/loop%u/stat", devs[i]);
		_cleanup_fclose_ FILE *f = fopen(path, "re");
		/* Documentation/block/stat.rst: sectors are 512 bytes whatever the device's block size. */
		if (f && fscanf(f, "%llu %llu %llu %llu %llu %llu %llu", &rd_ios, &rd_merges, &rd_sectors, &rd_ticks,
				&wr_ios, &wr_merges, &wr_sectors) == 7) {
			*read_bytes += (uint64_t)rd_sectors * 512;
			*write_bytes += (uint64_t)wr_sectors * 512;
		}
	}
	return (int)n;
}
