/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mount namespace a batch of containers starts from (mnt-template.h). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "runtime/mnt-template.h"
#include "runtime/rootfs.h"
#include "runtime/runtime.h"

struct make_job {
	const struct rt_mnt_template *t;
	int fd;
	int r;
	nc_err err;
};

/* Detaches what is mounted at `dir`, stacked mounts included. */
static int detach_all(const char *dir, nc_err *err)
{
	for (int i = 0; i < 64; i++)
		if (umount2(dir, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
			/* EINVAL: no mount (left) there; ENOENT: no directory. */
			return errno == EINVAL || errno == ENOENT ? 0 : nc_err_errno(err, errno, "detach `%s`", dir);
	return nc_err_msg(err, ELOOP, "detach `%s`: still mounted after 64 detaches", dir);
}

/* On a thread of its own: unshare(CLONE_NEWNS) moves only this thread
 * (it unshares the thread's filesystem context too), and the namespace
 * outlives the thread through the descriptor. */
static int make(struct make_job *j)
{
	struct stat ours, joined;

	if (stat("/", &ours) < 0)
		return nc_err_errno(&j->err, errno, "stat our root");
	if (unshare(CLONE_NEWNS) < 0)
		return nc_err_errno(&j->err, errno, "unshare a mount namespace");
	/* A slave of ours before anything is detached: propagation then
	 * runs from ours to the copy only, so the detach stays in the copy,
	 * and what the host mounts or unmounts meanwhile (an automounted
	 * home directory) still reaches it, as it reached each copy the
	 * clone made. The detached mounts leave their peer groups, so new
	 * pins do not follow. */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return nc_err_errno(&j->err, errno, "make the copy of our mounts a slave of ours");
	if (j->t->hide && detach_all(j->t->hide, &j->err) < 0)
		return nc_err_ret(&j->err);
	j->fd = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (j->fd < 0)
		return nc_err_errno(&j->err, errno, "open the new mount namespace");
	/* Joined here as each child will join it: that takes CAP_SYS_CHROOT
	 * besides CAP_SYS_ADMIN, and it moves the root to the namespace's,
	 * which is not ours when we run chrooted (the paths we resolve for
	 * the child would then not be its paths). */
	if (setns(j->fd, CLONE_NEWNS) < 0)
		return nc_err_errno(&j->err, errno, "join the new mount namespace");
	if (stat("/", &joined) < 0)
		return nc_err_errno(&j->err, errno, "stat the new mount namespace's root");
	if (joined.st_dev != ours.st_dev || joined.st_ino != ours.st_ino)
		return nc_err_msg(&j->err, EXDEV, "our root is not our mount namespace's (a chroot)");
	return 0;
}

static void *make_on_thread(void *arg)
{
	struct make_job *j = arg;

	j->r = make(j);
	return NULL;
}

int rt_mnt_template_open(const char *hide, struct rt_mnt_template *t, nc_err *err)
{
	*t = (struct rt_mnt_template)RT_MNT_TEMPLATE_INIT;
	/* Missing: nothing to hide there, nor to overlap with. */
	if (!(t->hide = realpath(hide, NULL)) && errno != ENOENT)
		return nc_err_errno(err, errno, "mount namespace template: resolve `%s`", hide);
	struct make_job j = { .t = t, .fd = -1 };
	pthread_t th;
	int e = pthread_create(&th, NULL, make_on_thread, &j);
	if (e) {
		rt_mnt_template_close(t);
		return nc_err_errno(err, e, "mount namespace template: start a thread");
	}
	pthread_join(th, NULL);
	if (j.r < 0) {
		if (j.fd >= 0)
			close(j.fd);
		rt_mnt_template_close(t);
		return nc_err_wrap(err, &j.err, "mount namespace template");
	}
	t->fd = j.fd;
	return 0;
}

void rt_mnt_template_close(struct rt_mnt_template *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	free(t->hide);
	t->hide = NULL;
}

static bool overlaps_hidden(const struct rt_mnt_template *t, const char *source)
{
	_cleanup_free_ char *real = realpath(source, NULL);

	if (!real)
		return true; /* cannot tell */
	return t->hide && (rt_path_under(real, t->hide) || rt_path_under(t->hide, real));
}

bool rt_mnt_template_fits(const struct rt_mnt_template *t, const struct rt_container_spec *spec)
{
	if (!t || t->fd < 0)
		return false;
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct rt_mount *m = &spec->mounts[i];
		if ((m->type == RT_MOUNT_BIND || m->type == RT_MOUNT_LOOP) && overlaps_hidden(t, m->source))
			return false;
	}
	for (size_t i = 0; i < spec->n_devices; i++)
		if (overlaps_hidden(t, spec->devices[i].source))
			return false;
	for (size_t i = 0; i < spec->n_files; i++)
		if (overlaps_hidden(t, spec->files[i].source))
			return false;
	if (spec->lower_image && overlaps_hidden(t, spec->lower_image))
		return false;
	return true;
}
