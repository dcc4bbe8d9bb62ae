/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `exec -t`: the caller's terminal relayed to a container's pty. */
#ifndef NC_CLI_TTY_H
#define NC_CLI_TTY_H

#include "common/error.h"

/*
 * Copies stdin to `master` and `master` to stdout until the command
 * (pidfd; -1 before Linux 5.3) ended and its output is drained; the
 * window size follows the caller's terminal (SIGWINCH). When stdin is a terminal it is in raw mode
 * meanwhile (^C, ^Z reach the command, not us) and restored after, also on
 * error. stdin at EOF (a pipe) sends the terminal's end-of-file character.
 */
int cli_tty_relay(int master, int pidfd, nc_err *err);

#endif
