/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capability names and sets without libcap. */
#include "runtime/caps.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "runtime/child-util.h"
#include "runtime/runtime.h"

/* include/uapi/linux/capability.h, in bit order. */
static const char *const cap_names[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
	"SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
	"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
	"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
	"LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
	"WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};
#define N_NAMES ((int)(sizeof(cap_names) / sizeof(cap_names[0])))

const char *rt_cap_name(int cap)
{
	return cap >= 0 && cap < N_NAMES ? cap_names[cap] : NULL;
}

int rt_cap_from_name(const char *name)
{
	if (!name)
		return -1;
	if (!strncasecmp(name, "CAP_", 4))
		name += 4;
	for (int i = 0; i < N_NAMES; i++)
		if (!strcasecmp(name, cap_names[i]))
			return i;
	return -1;
}

#define BIT(c) (UINT64_C(1) << (c))

uint64_t rt_caps_default(void)
{
	/* Docker's (moby) default set: oci/caps/defaults.go. */
	return BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_FSETID) | BIT(CAP_FOWNER) |
	       BIT(CAP_MKNOD) | BIT(CAP_NET_RAW) | BIT(CAP_SETGID) | BIT(CAP_SETUID) |
	       BIT(CAP_SETFCAP) | BIT(CAP_SETPCAP) | BIT(CAP_NET_BIND_SERVICE) |
	       BIT(CAP_SYS_CHROOT) | BIT(CAP_KILL) | BIT(CAP_AUDIT_WRITE);
}

int rt_cap_last(void)
{
	/* The kernel's value cannot change while we run; planning a big lab
	 * asks once per service, so read the file once. */
	static int cached = -1;
	FILE *f;
	int last = -1;

	if (cached >= 0)
		return cached;
	f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = -1;
		fclose(f);
	}
	if (last < 0 || last > 63)
		last = CAP_LAST_CAP;
	cached = last;
	return last;
}

uint64_t rt_caps_held(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };

	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	return ((uint64_t)d[1].permitted << 32 | d[0].permitted) & rt_caps_all();
}

uint64_t rt_caps_all(void)
{
	int last = rt_cap_last();
	return last >= 63 ? UINT64_MAX : BIT(last + 1) - 1;
}

int rt_caps_bound(uint64_t keep, int last_cap, nc_err *err)
{
	for (int cap = 0; cap <= last_cap; cap++) {
		if (keep & BIT(cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return rt_cerr(err, errno, "drop capability %s from the bounding set",
				       rt_cap_name(cap) ? rt_cap_name(cap) : "?");
	}
	/* Ambient capabilities (4.3) would be re-added at execve for a
	 * non-root uid; none are wanted beyond `keep`. EINVAL: older kernel. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return rt_cerr(err, errno, "clear the ambient capabilities");
	return 0;
}

int rt_caps_set(uint64_t keep, nc_err *err)
{
	return rt_caps_set_split(keep, keep, err);
}

int rt_caps_set_split(uint64_t keep, uint64_t effective, nc_err *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	/* The inheritable set stays empty (CVE-2022-24769): with it, a
	 * non-root user who runs a file with inheritable file capabilities
	 * would gain them, which Docker's semantics never grant. */
	for (int i = 0; i < 2; i++) {
		data[i].permitted = (uint32_t)(keep >> (32 * i));
		data[i].effective = (uint32_t)((effective & keep) >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return rt_cerr(err, errno, "set capabilities to 0x%llx", (unsigned long long)keep);
	return 0;
}

int rt_caps_apply(uint64_t keep, int last_cap, nc_err *err)
{
	int r = rt_caps_bound(keep, last_cap, err);
	return r < 0 ? r : rt_caps_set(keep, err);
}
