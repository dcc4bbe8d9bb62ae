/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The containers' init program (init-main.c), carried inside ncompose and
 * run from a sealed memory file: nothing on disk to find, to replace or to
 * race, and nothing a container could write through /proc/1/exe.
 */
#ifndef NC_RUNTIME_INIT_EXE_H
#define NC_RUNTIME_INIT_EXE_H

#include <stdint.h>

#include "common/error.h"

/* A read-only, close-on-exec descriptor of the program for execveat(fd,
 * "", AT_EMPTY_PATH), made on the first call and shared by every later
 * one (never closed). The first call also makes this process
 * non-dumpable: children that borrow its memory (clone-vm.h) are visible
 * inside containers, and only CAP_SYS_PTRACE may then look into it.
 * Returns the descriptor, or -errno when this kernel cannot run a memory
 * file (vm.memfd_noexec = 2, say); every later call then fails the same. */
int rt_init_exe_fd(nc_err *err);

/* Child side (child-util.h rules): execs the program (fd) with argv and
 * an empty environment, keeping `permitted` as permitted capabilities but
 * without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH in the effective set:
 * unable to read the execute-only file, the new process is non-dumpable
 * from its first instruction (would_dump() in fs/exec.c); as uid 0 it
 * gets the permitted set back as effective. Retries a while when the file
 * is busy (a fork elsewhere still holds the descriptor it was written
 * through). Returns only on failure: -errno, with err set. */
int rt_init_exe_exec(int fd, uint64_t permitted, char *const *argv, nc_err *err);

#endif
