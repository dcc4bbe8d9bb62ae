/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loop devices for `type: image` volumes, set to clear themselves
 * (LO_FLAGS_AUTOCLEAR): the device lives exactly as long as someone holds
 * it open, i.e. the caller's descriptor until the container has mounted
 * it, then the mount, which goes when the container's mount namespace
 * dies. The host's mount table never holds it and nothing needs a detach,
 * even after a crash of ncompose.
 *
 * Use:  parent  rt_loop_attach(image, ro, &fd, dev, ...)
 *       child   rt_loop_mount(dev, target, ro, err)  (after clone(), in
 *               the container's mount namespace)
 *       parent  close(fd) once the child has mounted (or failed)
 */
#ifndef NC_RUNTIME_LOOP_H
#define NC_RUNTIME_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/* "/dev/loop" + a 10-digit number + NUL */
#define RT_LOOP_DEV_MAX 24

/*
 * Attaches `image` to a loop device: LOOP_CTL_GET_FREE on /dev/loop-control,
 * then LOOP_CONFIGURE (Linux 5.8) with LO_FLAGS_AUTOCLEAR (and
 * LO_FLAGS_READ_ONLY when read_only), or LOOP_SET_FD + LOOP_SET_STATUS64
 * before 5.8. A device taken by another process between the two steps
 * (EBUSY) means another free one is asked for, a bounded number of times.
 *
 * An image that already backs a loop device (another container has it
 * mounted) gets that device again instead of a second one: two ext4
 * instances writing one file would corrupt it, while two mounts of one
 * device share one filesystem. Attaches of the same image are serialized
 * with flock(2) on it so that two of them cannot both miss the other. A
 * read-only device cannot be shared by a read-write attach (an error);
 * the reverse works, see rt_loop_mount.
 *
 * On success *loop_fd is an O_CLOEXEC descriptor of the device (keep it
 * until the mount is done: closing it frees an unmounted device) and
 * `dev` its path ("/dev/loop3"; dev_size >= RT_LOOP_DEV_MAX). A missing
 * /dev/loop-control is an error that says to load the loop module.
 */
int rt_loop_attach(const char *image, bool read_only, int *loop_fd, char *dev, size_t dev_size,
		   nc_err *err);

/*
 * mount(dev, target, "ext4", MS_NOSUID|MS_NODEV [|MS_RDONLY]). When
 * read_only and the filesystem is already mounted read-write through a
 * shared device (the kernel refuses to change its state: EBUSY), it is
 * mounted as it is and this mount made read-only (MS_BIND|MS_REMOUNT).
 * Safe in a child after clone(): no allocation, no stdio (child-util.h).
 */
int rt_loop_mount(const char *dev, const char *target, bool read_only, nc_err *err);

/*
 * The ext4 filesystem on `dev` mounted read-only, nosuid, nodev, noexec
 * and attached nowhere (fsopen/fsmount): the returned descriptor is the
 * root of that mount, for reading files of an image file before any
 * container has it as its root; the mount goes with the last descriptor.
 * Parent side. Returns the descriptor, or < 0.
 */
int rt_loop_open_detached(const char *dev, nc_err *err);

/*
 * Block I/O through the loop devices a container uses: every device bound
 * to `image` (its root image file; NULL or not a regular file: none) and
 * every /dev/loopN mounted in the mount namespace of `pid` (its `type:
 * image` volumes; pid <= 0: none). Sectors read and written in
 * /sys/block/loopN/stat, times 512, summed once per device. A device
 * shared by several containers counts in full for each. Returns how many
 * devices were counted; what cannot be read counts as nothing.
 */
int rt_loop_io(const char *image, pid_t pid, uint64_t *read_bytes, uint64_t *write_bytes);

#endif
