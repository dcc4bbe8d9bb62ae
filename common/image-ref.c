/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The grammar is the registry's (distribution's reference package):
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [ domain "/" ] component ( "/" component )*
 *   component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 *   domain    := ( dns-name | "[" ipv6 "]" ) [ ":" port ]
 *   tag       := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
 *   digest    := algorithm ":" hex   (sha256: exactly 64 lowercase hex)
 * and the first component is a domain only when it has a "." or a ":", is
 * "localhost", or has an upper-case letter; otherwise the image is on
 * docker.io, and a one-component name there is under library/.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/image-ref.h"

#define HINT "; an image is NAME[:TAG][@sha256:DIGEST], e.g. nginx:1.27 or registry.example:5000/team/app"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_word(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* One path component of [s, s+n). */
static bool component_ok(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		/* A separator: ".", "_", "__" or a run of "-", between alnums. */
		size_t run = 0;
		if (s[i] == '.') {
			run = 1;
		} else if (s[i] == '_') {
			run = (i + 1 < n && s[i + 1] == '_') ? 2 : 1;
		} else if (s[i] == '-') {
			while (i + run < n && s[i + run] == '-')
				run++;
		} else {
			return false;
		}
		i += run;
		if (i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

static bool dns_label_ok(const char *s, size_t n)
{
	if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool domain_ok(const char *d)
{
	const char *port = NULL;
	const char *host_end;

	if (d[0] == '[') {
		const char *close = strchr(d, ']');
		if (!close || close == d + 1)
			return false;
		for (const char *p = d + 1; p < close; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':')
				return false;
		host_end = close + 1;
		if (*host_end == ':')
			port = host_end + 1;
		else if (*host_end)
			return false;
	} else {
		const char *colon = strchr(d, ':');
		host_end = colon ? colon : d + strlen(d);
		if (colon)
			port = colon + 1;
		const char *p = d;
		while (p < host_end) {
			const char *dot = memchr(p, '.', (size_t)(host_end - p));
			const char *end = dot ? dot : host_end;
			if (!dns_label_ok(p, (size_t)(end - p)))
				return false;
			p = dot ? dot + 1 : host_end;
			if (dot && p == host_end)
				return false; /* a trailing dot */
		}
	}
	if (port) {
		if (!*port || strlen(port) > 5)
			return false;
		for (const char *p = port; *p; p++)
			if (!isdigit((unsigned char)*p))
				return false;
	}
	return true;
}

static int parse_digest(const char *s, const char *ref, char *out, nc_err *err)
{
	const char *colon = strchr(s, ':');

	if (!colon || colon == s || !isalpha((unsigned char)s[0]))
		return nc_err_msg(err, EINVAL, "image `%s`: digest `%s` is not ALGORITHM:HEX" HINT, ref, s);
	for (const char *p = s; p < colon; p++)
		if (!isalnum((unsigned char)*p) && !strchr("-_+.", *p))
			return nc_err_msg(err, EINVAL, "image `%s`: digest algorithm `%.*s` is not valid",
					  ref, (int)(colon - s), s);
	size_t hex = strlen(colon + 1);
	for (const char *p = colon + 1; *p; p++)
		if (!isxdigit((unsigned char)*p))
			return nc_err_msg(err, EINVAL, "image `%s`: digest `%s` is not hexadecimal", ref, s);
	if ((size_t)(colon - s) == 6 && !strncmp(s, "sha256", 6)) {
		if (hex != 64)
			return nc_err_msg(err, EINVAL,
					  "image `%s`: a sha256 digest has 64 hex digits, this one %zu", ref, hex);
		for (const char *p = colon + 1; *p; p++)
			if (isupper((unsigned char)*p))
				return nc_err_msg(err, EINVAL,
						  "image `%s`: a sha256 digest is lower-case hex", ref);
	} else if (hex < 32) {
		return nc_err_msg(err, EINVAL, "image `%s`: digest `%s` is too short", ref, s);
	}
	if (strlen(s) > NC_IMAGE_REF_DIGEST_MAX)
		return nc_err_msg(err, EINVAL, "image `%s`: digest is too long", ref);
	strcpy(out, s);
	return 0;
}

static int parse_tag(const char *s, const char *ref, char *out, nc_err *err)
{
	size_t n = strlen(s);

	if (n == 0 || n > NC_IMAGE_REF_TAG_MAX || !is_word(s[0]))
		goto bad;
	for (size_t i = 1; i < n; i++)
		if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
			goto bad;
	strcpy(out, s);
	return 0;
bad:
	return nc_err_msg(err, EINVAL,
			  "image `%s`: tag `%s` is not valid (letters, digits, `_`, `.` and `-`, "
			  "at most 128, not starting with `.` or `-`)",
			  ref, s);
}

/* Whether the first component names a registry rather than a path. */
static bool is_domain(const char *s, size_t n)
{
	if (n == 9 && !strncmp(s, "localhost", 9))
		return true;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || isupper((unsigned char)s[i]))
			return true;
	return false;
}

int nc_image_ref_parse(const char *s, struct nc_image_ref *out, nc_err *err)
{
	char name[2 * NC_IMAGE_REF_NAME_MAX + 2];
	size_t len = strlen(s);

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return nc_err_msg(err, EINVAL, "image: empty name" HINT);
	if (len == 64 && strspn(s, "0123456789abcdef") == 64)
		return nc_err_msg(err, EINVAL,
				  "image `%s`: a bare 64-digit hex string is an image ID, not a name; "
				  "pin a digest as NAME@sha256:%s",
				  s, s);

	/* name [":" tag] ["@" digest]: the digest first, then a ":" after the
	 * last "/" is a tag (before it, it is a registry's port). */
	const char *at = strchr(s, '@');
	size_t name_end = at ? (size_t)(at - s) : len;
	if (at && parse_digest(at + 1, s, out->digest, err) < 0)
		return nc_err_ret(err);
	if (name_end >= sizeof(name))
		return nc_err_msg(err, EINVAL, "image `%.64s...`: name is longer than %d characters", s,
				  NC_IMAGE_REF_NAME_MAX);
	memcpy(name, s, name_end);
	name[name_end] = '\0';
	char *slash = strrchr(name, '/');
	char *colon = strrchr(slash ? slash : name, ':');
	if (colon) {
		*colon = '\0';
		if (parse_tag(colon + 1, s, out->tag, err) < 0)
			return nc_err_ret(err);
	}

	const char *path = name;
	char *first_slash = strchr(name, '/');
	if (first_slash && is_domain(name, (size_t)(first_slash - name))) {
		*first_slash = '\0';
		if (!domain_ok(name))
			return nc_err_msg(err, EINVAL, "image `%s`: registry `%s` is not HOST[:PORT]" HINT, s,
					  name);
		snprintf(out->domain, sizeof(out->domain), "%s",
			 strcmp(name, "index.docker.io") ? name : "docker.io");
		path = first_slash + 1;
	} else {
		strcpy(out->domain, "docker.io");
	}
	if (!*path)
		return nc_err_msg(err, EINVAL, "image `%s`: no repository name" HINT, s);
	for (const char *p = path; *p; p++)
		if (isupper((unsigned char)*p))
			return nc_err_msg(err, EINVAL, "image `%s`: repository name must be lower-case", s);
	for (const char *p = path;;) {
		const char *sl = strchr(p, '/');
		size_t n = sl ? (size_t)(sl - p) : strlen(p);
		if (!component_ok(p, n))
			return nc_err_msg(err, EINVAL,
					  "image `%s`: `%.*s` is not a valid name component (lower-case "
					  "letters and digits, joined by `.`, `_`, `__` or `-`)",
					  s, (int)n, p);
		if (!sl)
			break;
		p = sl + 1;
	}
	bool library = !strcmp(out->domain, "docker.io") && !strchr(path, '/');
	int n = snprintf(out->path, sizeof(out->path), "%s%s", library ? "library/" : "", path);
	if (n < 0 || strlen(out->domain) + 1 + (size_t)n > NC_IMAGE_REF_NAME_MAX)
		return nc_err_msg(err, EINVAL, "image `%s`: name is longer than %d characters", s,
				  NC_IMAGE_REF_NAME_MAX);
	if (!out->tag[0] && !out->digest[0])
		strcpy(out->tag, "latest");
	return 0;
}

static const char *format(const struct nc_image_ref *r, bool familiar, char *buf)
{
	const char *domain = r->domain, *path = r->path;
	bool hub = !strcmp(domain, "docker.io");

	if (familiar && hub && !strncmp(path, "library/", 8) && !strchr(path + 8, '/'))
		path += 8;
	snprintf(buf, NC_IMAGE_REF_STRLEN, "%s%s%s%s%s%s%s", familiar && hub ? "" : domain,
		 familiar && hub ? "" : "/", path, r->tag[0] ? ":" : "", r->tag, r->digest[0] ? "@" : "",
		 r->digest);
	return buf;
}

const char *nc_image_ref_str(const struct nc_image_ref *r, char buf[NC_IMAGE_REF_STRLEN])
{
	return format(r, false, buf);
}

const char *nc_image_ref_familiar(const struct nc_image_ref *r, char buf[NC_IMAGE_REF_STRLEN])
{
	return format(r, true, buf);
}

bool nc_image_ref_domain_is_loopback(const char *domain)
{
	char host[NC_IMAGE_REF_NAME_MAX + 1];
	const char *end;

	if (domain[0] == '[') {
		end = strchr(domain, ']');
		if (!end)
			return false;
		return (size_t)(end - domain - 1) == 3 && !strncmp(domain + 1, "::1", 3);
	}
	end = strchr(domain, ':');
	size_t n = end ? (size_t)(end - domain) : strlen(domain);
	if (n >= sizeof(host))
		return false;
	memcpy(host, domain, n);
	host[n] = '\0';
	if (!strcmp(host, "localhost"))
		return true;
	/* 127.0.0.0/8 written as a dotted quad. */
	unsigned a, b, c, d;
	char tail;
	return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 &&
	       c < 256 && d < 256;
}
