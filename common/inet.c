/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common/inet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nc_ip_parse(const char *s, struct nc_ip *out)
{
	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return -EINVAL;
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, out->a) != 1)
			return -EINVAL;
		out->family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, s, out->a) != 1)
		return -EINVAL;
	out->family = AF_INET;
	return 0;
}

int nc_prefix_parse(const char *s, bool allow_bare, struct nc_prefix *out)
{
	char buf[NC_PREFIX_STRLEN + 1];
	const char *slash = strchr(s, '/');

	memset(out, 0, sizeof(*out));
	if (!slash) {
		if (!allow_bare || nc_ip_parse(s, &out->ip) < 0)
			return -EINVAL;
		out->len = (uint8_t)nc_ip_bits(out->ip.family);
		return 0;
	}
	size_t n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (nc_ip_parse(buf, &out->ip) < 0)
		return -EINVAL;

	const char *len = slash + 1;
	if (*len < '0' || *len > '9')
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long l = strtoul(len, &end, 10);
	if (errno || *end || l > nc_ip_bits(out->ip.family) || (len[0] == '0' && len[1]))
		return -EINVAL;
	out->len = (uint8_t)l;
	return 0;
}

const char *nc_ip_str(const struct nc_ip *ip, char *buf)
{
	if (!ip->family || !inet_ntop(ip->family, ip->a, buf, NC_IP_STRLEN))
		snprintf(buf, NC_IP_STRLEN, "?");
	return buf;
}

const char *nc_prefix_str(const struct nc_prefix *p, char *buf)
{
	char ip[NC_IP_STRLEN];
	snprintf(buf, NC_PREFIX_STRLEN, "%s/%u", nc_ip_str(&p->ip, ip), p->len);
	return buf;
}

bool nc_ip_equal(const struct nc_ip *x, const struct nc_ip *y)
{
	return x->family == y->family && memcmp(x->a, y->a, nc_ip_bytes(x->family)) == 0;
}

static bool leading_bits_equal(const uint8_t *x, const uint8_t *y, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(x, y, full) != 0)
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (x[full] & mask) == (y[full] & mask);
}

bool nc_prefix_contains(const struct nc_prefix *subnet, const struct nc_ip *ip)
{
	return subnet->ip.family == ip->family &&
	       leading_bits_equal(subnet->ip.a, ip->a, subnet->len);
}

bool nc_prefix_overlaps(const struct nc_prefix *x, const struct nc_prefix *y)
{
	if (x->ip.family != y->ip.family)
		return false;
	unsigned bits = x->len < y->len ? x->len : y->len;
	return leading_bits_equal(x->ip.a, y->ip.a, bits);
}

struct nc_prefix nc_prefix_network(const struct nc_prefix *p)
{
	struct nc_prefix r = *p;
	unsigned bytes = (unsigned)nc_ip_bytes(p->ip.family);

	for (unsigned i = 0; i < bytes; i++) {
		unsigned lo = i * 8;
		if (lo >= p->len)
			r.ip.a[i] = 0;
		else if (lo + 8 > p->len)
			r.ip.a[i] &= (uint8_t)(0xff << (8 - (p->len - lo)));
	}
	return r;
}

bool nc_prefix_is_network(const struct nc_prefix *p)
{
	struct nc_prefix n = nc_prefix_network(p);
	return nc_ip_equal(&n.ip, &p->ip);
}

uint64_t nc_prefix_size(const struct nc_prefix *subnet)
{
	unsigned host_bits = nc_ip_bits(subnet->ip.family) - subnet->len;
	return host_bits >= 64 ? UINT64_MAX : (uint64_t)1 << host_bits;
}

int nc_prefix_nth(const struct nc_prefix *subnet, uint64_t n, struct nc_ip *out)
{
	struct nc_prefix net = nc_prefix_network(subnet);
	unsigned bytes = (unsigned)nc_ip_bytes(subnet->ip.family);

	if (n >= nc_prefix_size(subnet) && nc_prefix_size(subnet) != UINT64_MAX)
		return -ERANGE;
	*out = net.ip;
	/* Add n to the low 64 bits, big-endian, with carry. */
	unsigned carry = 0;
	for (int i = (int)bytes - 1, k = 0; i >= 0; i--, k++) {
		unsigned add = k < 8 ? (unsigned)((n >> (8 * k)) & 0xff) : 0;
		unsigned sum = out->a[i] + add + carry;
		out->a[i] = (uint8_t)sum;
		carry = sum >> 8;
	}
	if (carry || !nc_prefix_contains(subnet, out))
		return -ERANGE;
	return 0;
}

uint64_t nc_prefix_index(const struct nc_prefix *subnet, const struct nc_ip *ip)
{
	unsigned bytes = (unsigned)nc_ip_bytes(ip->family);
	unsigned host_bits = nc_ip_bits(ip->family) - subnet->len;
	uint64_t v = 0;

	/* Host bits above the low 64 (a v6 subnet shorter than /64): any of
	 * them set means the offset does not fit. */
	for (unsigned bit = subnet->len; bit + 64 < nc_ip_bits(ip->family); bit++)
		if (ip->a[bit / 8] & (0x80 >> (bit % 8)))
			return UINT64_MAX;
	for (unsigned i = bytes >= 8 ? bytes - 8 : 0; i < bytes; i++)
		v = (v << 8) | ip->a[i];
	if (host_bits < 64)
		v &= ((uint64_t)1 << host_bits) - 1;
	return v;
}

bool nc_prefix_is_broadcast(const struct nc_prefix *subnet, const struct nc_ip *ip)
{
	if (subnet->ip.family != AF_INET || subnet->len >= 31)
		return false;
	return nc_prefix_index(subnet, ip) == nc_prefix_size(subnet) - 1;
}
