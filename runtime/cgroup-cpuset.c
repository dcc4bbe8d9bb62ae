/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CPU and memory-node lists ("0-3,5"): the pure parser and formatter, and
 * the v1 rule that a new cpuset cgroup inherits nothing by itself.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "runtime/cgroup-internal.h"

static void set_bit(struct rt_cpuset *s, unsigned n)
{
	s->bits[n / 64] |= UINT64_C(1) << (n % 64);
}

static bool test_bit(const struct rt_cpuset *s, unsigned n)
{
	return s->bits[n / 64] >> (n % 64) & 1;
}

/* A decimal number below RT_CPUSET_MAX at *p; advances *p. */
static int number(const char *list, const char **p, unsigned *out, nc_err *err)
{
	const char *s = *p;
	if (!isdigit((unsigned char)*s))
		return nc_err_msg(err, EINVAL, "list `%s`: expected a number at `%s`", list, s);
	unsigned long v = 0;
	for (; isdigit((unsigned char)*s); s++) {
		v = v * 10 + (unsigned long)(*s - '0');
		if (v >= RT_CPUSET_MAX)
			return nc_err_msg(err, ERANGE, "list `%s`: %.*s is above %d, the most the kernel supports",
					  list, (int)strspn(*p, "0123456789"), *p, RT_CPUSET_MAX - 1);
	}
	*out = (unsigned)v;
	*p = s;
	return 0;
}

/*
 * The kernel's bitmap_parselist() also takes blanks and strides
 * ("0-15:2/4"); Docker's ParseUintList does not, and a Compose file
 * moving between the two must mean the same, so neither is accepted.
 */
int rt_cpuset_parse(const char *list, struct rt_cpuset *set, nc_err *err)
{
	memset(set, 0, sizeof(*set));
	if (!list)
		return nc_err_msg(err, EINVAL, "list: missing");
	size_t len = strlen(list);
	if (len && list[len - 1] == '\n')
		len--;
	if (len == 0)
		return 0;
	_cleanup_free_ char *s = strndup(list, len);
	if (!s)
		return nc_err_errno(err, ENOMEM, "list `%s`", list);
	for (const char *p = s;;) {
		unsigned lo, hi;
		if (number(s, &p, &lo, err) < 0)
			return nc_err_ret(err);
		hi = lo;
		if (*p == '-') {
			p++;
			if (number(s, &p, &hi, err) < 0)
				return nc_err_ret(err);
			if (hi < lo)
				return nc_err_msg(err, EINVAL, "list `%s`: range %u-%u runs backwards", s, lo, hi);
		}
		if (*p && *p != ',')
			return nc_err_msg(err, EINVAL, "list `%s`: unexpected `%c` (use numbers and ranges: 0-1,3)",
					  s, *p);
		for (unsigned n = lo; n <= hi; n++)
			set_bit(set, n);
		if (!*p)
			return 0;
		p++;
	}
}

void rt_cg_cpuset_format(const struct rt_cpuset *set, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < RT_CPUSET_MAX && n < size; i++) {
		if (!test_bit(set, i))
			continue;
		unsigned j = i;
		while (j + 1 < RT_CPUSET_MAX && test_bit(set, j + 1))
			j++;
		int w = j == i ? snprintf(buf + n, size - n, "%s%u", n ? "," : "", i)
			       : snprintf(buf + n, size - n, "%s%u-%u", n ? "," : "", i, j);
		if (w < 0)
			break;
		n += (size_t)w;
		i = j;
	}
}

/* Copies the parent's `file` into the child's when the child's is empty. */
static int inherit_one(int pdfd, const char *pwhere, int dfd, const char *where, const char *file,
		       nc_err *err)
{
	_cleanup_free_ char *mine = NULL, *parent = NULL;

	if (rt_cg_read(dfd, where, file, &mine, err) < 0)
		return nc_err_ret(err);
	if (mine[strspn(mine, " \n")] != '\0')
		return 0;
	if (rt_cg_read(pdfd, pwhere, file, &parent, err) < 0)
		return nc_err_ret(err);
	parent[strcspn(parent, "\n")] = '\0';
	if (!parent[0])
		return nc_err_msg(err, ENOSPC, "cgroup `%s`: `%s/%s` is empty: nothing to inherit", where,
				  pwhere, file);
	return rt_cg_write(dfd, where, file, parent, err);
}

/*
 * Why copy rather than set cgroup.clone_children on the parent: that flag
 * changes what every later child of the parent gets (the hierarchy root
 * and shared parents such as "ncompose" belong to everybody), it has to be
 * set before each mkdir at every level, and it does nothing for a cgroup
 * that already exists with empty lists (left by a run that was killed, or
 * made by a tool). Copying touches only our own directories and repairs
 * those. Mems first: a cgroup with cpus but no mems still refuses tasks.
 */
int rt_cg_cpuset_inherit(int pdfd, const char *pwhere, int dfd, const char *where, nc_err *err)
{
	if (inherit_one(pdfd, pwhere, dfd, where, "cpuset.mems", err) < 0 ||
	    inherit_one(pdfd, pwhere, dfd, where, "cpuset.cpus", err) < 0)
		return nc_err_ret(err);
	return 0;
}
