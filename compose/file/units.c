/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/units.h"

#include <ctype.h>
#include <locale.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A decimal "123" or "123.45" at *p (no sign, no exponent): the integer
 * part, the fraction as num / den, advancing *p. Integer digits must be
 * present; `dot_needs_digits` refuses "1." (go-units' regex does). */
struct decimal {
	uint64_t whole;
	uint64_t num, den;
};

static int scan_decimal(const char **p, bool dot_needs_digits, bool allow_no_whole,
			struct decimal *d)
{
	const char *s = *p;
	bool any = false;

	*d = (struct decimal){ 0, 0, 1 };
	while (*s >= '0' && *s <= '9') {
		if (d->whole > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		d->whole = d->whole * 10 + (uint64_t)(*s++ - '0');
		any = true;
	}
	if (!any && !allow_no_whole)
		return -EINVAL;
	if (*s == '.') {
		s++;
		bool frac = false;
		while (*s >= '0' && *s <= '9') {
			/* Digits beyond 18 do not change a truncated result we can
			 * represent; keep the denominator within uint64. */
			if (d->den <= UINT64_MAX / 100) {
				d->num = d->num * 10 + (uint64_t)(*s - '0');
				d->den *= 10;
			}
			s++;
			frac = true;
		}
		if (!frac && (dot_needs_digits || !any))
			return -EINVAL;
		any = any || frac;
	}
	if (!any)
		return -EINVAL;
	*p = s;
	return 0;
}

/* whole * mult + num * mult / den, truncated, when it fits in int64. */
static int scale(const struct decimal *d, uint64_t mult, int64_t *out)
{
	unsigned __int128 v = (unsigned __int128)d->whole * mult +
			      (unsigned __int128)d->num * mult / d->den;
	if (v > INT64_MAX)
		return -ERANGE;
	*out = (int64_t)v;
	return 0;
}

int nc_parse_bytes(const char *s, int64_t *out)
{
	static const char units[] = "kmgtp";
	struct decimal d;
	const char *p = s;
	unsigned shift = 0;
	int r;

	if ((r = scan_decimal(&p, true, false, &d)) < 0)
		return r;
	if (*p == ' ')
		p++;
	/* A unit letter, then "i" and/or "b" ("k", "kb", "KiB"); a bare "b"
	 * is bytes. Neither of go-units' parsers takes "bb" or "10i". */
	const char *u = *p ? strchr(units, tolower((unsigned char)*p)) : NULL;
	if (u) {
		shift = 10 * (unsigned)(u - units + 1);
		p++;
		if (*p == 'i' || *p == 'I')
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return -EINVAL;
	return scale(&d, (uint64_t)1 << shift, out);
}

/* The double nearest to decimal text already checked by scan_decimal,
 * as strtod reads it in the C locale (whatever LC_NUMERIC says), so that
 * the printed form (emit.c) reads back as the same value. */
static int decimal_value(const char *s, size_t len, double *out)
{
	char buf[512];
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);

	if (!c)
		return -ENOMEM;
	if (len >= sizeof(buf)) {
		freelocale(c);
		return -ERANGE;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	*out = strtod_l(buf, NULL, c);
	freelocale(c);
	return isfinite(*out) ? 0 : -ERANGE;
}

int nc_parse_cpus(const char *s, double *out)
{
	struct decimal d;
	const char *p;
	double v;
	int r;

	if (*s == '+')
		s++;
	p = s;
	if ((r = scan_decimal(&p, true, true, &d)) < 0)
		return r;
	if (*p)
		return -EINVAL;
	if ((r = decimal_value(s, (size_t)(p - s), &v)) < 0)
		return r;
	if (!(v > 0))
		return -ERANGE;
	*out = v;
	return 0;
}

int nc_parse_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
		{ "ns", 1 },		 { "us", 1000 },	      { "\u00b5s", 1000 },
		{ "\u03bcs", 1000 },	 { "ms", 1000000 },	      { "s", 1000000000ULL },
		{ "m", 60000000000ULL }, { "h", 3600000000000ULL },
	};
	const char *p = s;
	int64_t total = 0;

	if (!strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	if (!*p)
		return -EINVAL;
	while (*p) {
		struct decimal d;
		int64_t v;
		int r;

		if ((r = scan_decimal(&p, false, true, &d)) < 0)
			return r;
		size_t best = 0, best_len = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].name);
			/* Longest match: "ms" before "m". */
			if (l > best_len && !strncmp(p, units[i].name, l)) {
				best = i;
				best_len = l;
			}
		}
		if (!best_len)
			return -EINVAL;
		p += best_len;
		if ((r = scale(&d, units[best].ns, &v)) < 0)
			return r;
		if (total > INT64_MAX - v)
			return -ERANGE;
		total += v;
	}
	*out = total;
	return 0;
}

int nc_parse_rate(const char *s, uint64_t *out)
{
	/* tc's table (iproute2 tc/tc_util.c), in bits per second. */
	static const struct {
		const char *name;
		uint64_t bits;
	} units[] = {
		{ "bit", 1 },
		{ "kibit", 1024ULL },
		{ "kbit", 1000ULL },
		{ "mibit", 1024ULL * 1024 },
		{ "mbit", 1000ULL * 1000 },
		{ "gibit", 1024ULL * 1024 * 1024 },
		{ "gbit", 1000ULL * 1000 * 1000 },
		{ "tibit", 1024ULL * 1024 * 1024 * 1024 },
		{ "tbit", 1000ULL * 1000 * 1000 * 1000 },
		{ "bps", 8 },
		{ "kibps", 8ULL * 1024 },
		{ "kbps", 8ULL * 1000 },
		{ "mibps", 8ULL * 1024 * 1024 },
		{ "mbps", 8ULL * 1000 * 1000 },
		{ "gibps", 8ULL * 1024 * 1024 * 1024 },
		{ "gbps", 8ULL * 1000 * 1000 * 1000 },
		{ "tibps", 8ULL * 1024 * 1024 * 1024 * 1024 },
		{ "tbps", 8ULL * 1000 * 1000 * 1000 * 1000 },
	};
	struct decimal d;
	const char *p = s;
	uint64_t mult = 1;
	int64_t v;
	int r;

	if ((r = scan_decimal(&p, true, true, &d)) < 0)
		return r;
	if (*p == ' ')
		p++;
	if (*p) {
		size_t i;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcasecmp(p, units[i].name))
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		mult = units[i].bits;
	}
	if ((r = scale(&d, mult, &v)) < 0)
		return r;
	if (v == 0)
		return -ERANGE;
	*out = (uint64_t)v;
	return 0;
}

int nc_parse_percent(const char *s, double *out)
{
	struct decimal d;
	const char *p = s;
	int r;

	if ((r = scan_decimal(&p, true, true, &d)) < 0)
		return r;
	const char *end = p;
	if (*p == ' ')
		p++;
	if (*p == '%')
		p++;
	if (*p)
		return -EINVAL;
	double v;
	if ((r = decimal_value(s, (size_t)(end - s), &v)) < 0)
		return r;
	if (v > 100)
		return -ERANGE;
	*out = v;
	return 0;
}
