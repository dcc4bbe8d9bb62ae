/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One error shape for the whole project.
 *
 * A fallible function returns an int (< 0 on failure) and takes a trailing
 * `nc_err *err`. The error holds the errno (0 when the failure is not a
 * system error) and one line that names the object and the reason, so the
 * CLI can print it as is. Library code (netd/, runtime/) never prints and
 * never exits; it fills `err` and returns.
 */
#ifndef NC_COMMON_ERROR_H
#define NC_COMMON_ERROR_H

#include <stddef.h>

#define NC_ERR_MSG_MAX 1024

typedef struct nc_err {
	int errnum;              /* errno of the cause, 0 if none */
	char msg[NC_ERR_MSG_MAX]; /* "what `object`: reason" */
} nc_err;

/* "fmt: strerror(errnum)". Returns -errnum (or -EIO when errnum is 0). */
int nc_err_errno(nc_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* As nc_err_errno, with the kernel's extended ACK text appended when there
 * is one: "fmt: strerror(errnum) (kernel: extack)". */
int nc_err_extack(nc_err *err, int errnum, const char *extack, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A failure that is not a system error (bad input, a missing object found by
 * lookup). errnum is kept for callers that branch on it; it is not printed.
 * Returns -errnum (or -EINVAL when errnum is 0). */
int nc_err_msg(nc_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Puts context in front of an existing message: "fmt: <old message>".
 * Returns -errnum of the existing error (or -EIO). */
int nc_err_prefix(nc_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Passes a failure up with context: "fmt: <cause's message>", keeping the
 * cause's errno, for an error that arrived in another nc_err. `cause` may
 * be `err` itself (then it is nc_err_prefix). Returns -errnum (or -EIO). */
int nc_err_wrap(nc_err *err, const nc_err *cause, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The negative return value that matches `err`. */
static inline int nc_err_ret(const nc_err *err)
{
	return err->errnum > 0 ? -err->errnum : -5 /* EIO */;
}

void nc_err_clear(nc_err *err);

#endif
