/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/plan/fsimage.h"

bool nc_fsimage_is_ext4(const unsigned char *head, size_t len)
{
	if (!head || len < NC_EXT4_PROBE_SIZE)
		return false;
	return head[NC_EXT4_MAGIC_OFFSET] == 0x53 && head[NC_EXT4_MAGIC_OFFSET + 1] == 0xEF;
}
