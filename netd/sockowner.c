/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which process holds a socket: the kernel names a socket by its inode,
 * and /proc/PID/fd/N links read "socket:[INODE]", so the holder is found
 * by walking those links (what ss -p and fuser do). Only asked after a
 * conflict was found, and bounded: a host with more open files than the
 * bound gets "process unknown" rather than a slow refusal.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "netd/netd.h"

/* File descriptors looked at, in all processes together. */
#define OWNER_MAX_FDS 200000

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Whether one of the process's fds is the socket; counts into *budget. */
static bool holds(int procfd, const char *pid, const char *want, size_t *budget)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/fd", pid);
	int fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false; /* gone, or a kernel thread */
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	bool found = false;
	struct dirent *e;
	while (!found && *budget && (e = readdir(d))) {
		char link[64];
		if (e->d_name[0] == '.')
			continue;
		(*budget)--;
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = !strcmp(link, want);
	}
	closedir(d);
	return found;
}

static void read_comm(int procfd, const char *pid, char *comm, size_t size)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/comm", pid);
	_cleanup_close_ int fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, comm, size - 1) : -1;
	if (n < 0)
		n = 0;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

bool netd_socket_owner(const char *proc_root, uint32_t inode, int *pid, char *comm, size_t size)
{
	char want[32];
	size_t budget = OWNER_MAX_FDS;
	bool found = false;

	*pid = 0;
	if (size)
		comm[0] = '\0';
	if (!inode || size < 2)
		return false;
	snprintf(want, sizeof(want), "socket:[%u]", inode);
	int procfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return false;
	DIR *d = fdopendir(procfd);
	if (!d) {
		close(procfd);
		return false;
	}
	struct dirent *e;
	while (!found && budget && (e = readdir(d))) {
		if (!all_digits(e->d_name) || !holds(dirfd(d), e->d_name, want, &budget))
			continue;
		found = true;
		*pid = atoi(e->d_name);
		read_comm(dirfd(d), e->d_name, comm, size);
	}
	closedir(d);
	return found;
}
