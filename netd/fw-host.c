/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What other firewalls on the host do to forwarded traffic. A base chain of
 * another table hooked at forward with policy drop (Docker's FORWARD chain,
 * for one) drops what our own table accepts: a drop verdict in any base
 * chain is final. With br_netfilter on, that includes traffic between two
 * containers on one bridge.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "netd/netd-internal.h"

int netd_fw_parse_forward_drop(const char *listing, const char *own_prefix, char *where,
			       size_t size)
{
	char table[128] = "", chain[128] = "";
	int found = 0;

	for (const char *p = listing; *p;) {
		size_t n = strcspn(p, "\n");
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) - 1 ? n : sizeof(line) - 1), p);
		p += n + (p[n] ? 1 : 0);

		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		char fam[32], name[96];
		if (sscanf(s, "table %31s %95s {", fam, name) == 2) {
			snprintf(table, sizeof(table), "%s %s", fam, name);
			continue;
		}
		if (sscanf(s, "chain %95s {", name) == 1) {
			snprintf(chain, sizeof(chain), "%s", name);
			continue;
		}
		if (!strstr(s, "hook forward") || !strstr(s, "policy drop"))
			continue;
		const char *tname = strchr(table, ' ');
		if (own_prefix && tname && !strncmp(tname + 1, own_prefix, strlen(own_prefix)))
			continue;
		if (!found)
			snprintf(where, size, "table %s chain %s", table, chain);
		found++;
	}
	return found;
}

int netd_fw_forward_drop(struct netd *nd, char *where, size_t size, bool *found, nc_err *err)
{
	_cleanup_free_ char *out = NULL;
	int r;

	*found = false;
	where[0] = '\0';
	if ((r = netd_nft_run(nd, "list chains\n", &out, "list nftables chains", err)) < 0)
		return r;
	*found = netd_fw_parse_forward_drop(out, "nc_", where, size) > 0;
	return 0;
}

int netd_br_netfilter_on(bool *on)
{
	char buf[8] = "";
	int fd = open("/proc/sys/net/bridge/bridge-nf-call-iptables", O_RDONLY | O_CLOEXEC);

	*on = false;
	if (fd < 0)
		return 0; /* br_netfilter not loaded */
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	*on = n > 0 && buf[0] == '1';
	return 0;
}
