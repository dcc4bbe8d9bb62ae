/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/lifecycle/fault.h"

#include <errno.h>
#include <stdlib.h>

void nc_fault_init(struct nc_fault *f)
{
	const char *v = getenv("NCOMPOSE_FAULT_AT");
	f->at = v ? strtoul(v, NULL, 10) : 0;
	atomic_init(&f->seen, 0);
}

int nc_fault_step(struct nc_fault *f, const char *what, nc_err *err)
{
	if (!f || !f->at)
		return 0;
	unsigned long n = atomic_fetch_add(&f->seen, 1) + 1;
	if (n == f->at)
		return nc_err_msg(err, EIO, "injected fault at step %lu (%s)", n, what);
	return 0;
}
