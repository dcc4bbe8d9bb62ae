/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scope-bound release of resources (GCC/Clang cleanup attribute).
 *
 * Every resource has one owner; when ownership moves out of a scope the
 * owner says so with TAKE_PTR / TAKE_FD, so the cleanup sees NULL / -1.
 * The library type is forward-declared here so that runtime/ can use this
 * header without pulling in libnftables.
 */
#ifndef NC_COMMON_CLEANUP_H
#define NC_COMMON_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void nc_freep(void *p)
{
	free(*(void **)p);
}

static inline void nc_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void nc_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void nc_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* A pipe or socket pair: both ends closed. */
static inline void nc_close_pairp(int (*fds)[2])
{
	for (int i = 0; i < 2; i++)
		if ((*fds)[i] >= 0) {
			int saved = errno;
			close((*fds)[i]);
			errno = saved;
		}
}

/* A child that must not outlive the scope unless handed off: killed and
 * reaped. */
static inline void nc_pidp(pid_t *pid)
{
	if (*pid > 0) {
		int saved = errno;
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = saved;
	}
}

/* NULL-terminated vector of owned strings. */
static inline void nc_strv_freep(char ***v)
{
	if (*v) {
		for (char **p = *v; *p; p++)
			free(*p);
		free(*v);
	}
}

#define _cleanup_free_ _cleanup_(nc_freep)
#define _cleanup_close_ _cleanup_(nc_closep)
#define _cleanup_close_pair_ _cleanup_(nc_close_pairp)
#define _cleanup_fclose_ _cleanup_(nc_fclosep)
#define _cleanup_pid_ _cleanup_(nc_pidp)
#define _cleanup_strv_ _cleanup_(nc_strv_freep)

/* Library handles. */
struct nft_ctx;
void nft_ctx_free(struct nft_ctx *ctx);

static inline void nc_nft_ctxp(struct nft_ctx **p)
{
	if (*p)
		nft_ctx_free(*p);
}

#define _cleanup_nft_ctx_ _cleanup_(nc_nft_ctxp)

/* Hand ownership out of a cleanup-guarded variable. */
#define TAKE_PTR(p)                                 \
	({                                          \
		__typeof__(p) *_pp = &(p);          \
		__typeof__(p) _p = *_pp;            \
		*_pp = NULL;                        \
		_p;                                 \
	})

#define TAKE_FD(fd)                \
	({                         \
		int *_pfd = &(fd); \
		int _fd = *_pfd;   \
		*_pfd = -1;        \
		_fd;               \
	})

#define TAKE_PID(pid)                  \
	({                             \
		pid_t *_pp = &(pid);   \
		pid_t _p = *_pp;       \
		*_pp = 0;              \
		_p;                    \
	})

#define NC_ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

#endif
