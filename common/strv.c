/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/strv.h"

#include <string.h>

bool nc_strv_contains(const char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}
