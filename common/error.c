/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void vformat(nc_err *err, const char *fmt, va_list ap)
{
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		err->msg[0] = '\0';
}

static size_t msg_len(const nc_err *err)
{
	return strnlen(err->msg, sizeof(err->msg));
}

int nc_err_errno(nc_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(err, fmt, ap);
	va_end(ap);
	err->errnum = errnum > 0 ? errnum : EIO;
	size_t n = msg_len(err);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(err->errnum));
	return -err->errnum;
}

int nc_err_extack(nc_err *err, int errnum, const char *extack, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(err, fmt, ap);
	va_end(ap);
	err->errnum = errnum > 0 ? errnum : EIO;
	size_t n = msg_len(err);
	if (extack && *extack)
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s (kernel: %s)",
			 strerror(err->errnum), extack);
	else
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(err->errnum));
	return -err->errnum;
}

int nc_err_msg(nc_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vformat(err, fmt, ap);
	va_end(ap);
	err->errnum = errnum > 0 ? errnum : EINVAL;
	return -err->errnum;
}

static int vwrap(nc_err *err, const nc_err *cause, const char *fmt, va_list ap)
{
	char old[NC_ERR_MSG_MAX];
	int errnum = cause->errnum;

	memcpy(old, cause->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	vformat(err, fmt, ap);
	size_t n = msg_len(err);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", old);
	err->errnum = errnum;
	return nc_err_ret(err);
}

int nc_err_prefix(nc_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = vwrap(err, err, fmt, ap);
	va_end(ap);
	return r;
}

int nc_err_wrap(nc_err *err, const nc_err *cause, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int r = vwrap(err, cause, fmt, ap);
	va_end(ap);
	return r;
}

void nc_err_clear(nc_err *err)
{
	err->errnum = 0;
	err->msg[0] = '\0';
}
