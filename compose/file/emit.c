/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compose/file/emit.h"

#include <errno.h>
#include <locale.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compose/file/emit-internal.h"
#include "compose/file/yaml-tree.h"

static bool plain_safe(const char *s)
{
	/* YAML 1.1 booleans: not ours, but other readers of the output
	 * (PyYAML, older Compose) would take them for booleans. */
	static const char *const yaml11[] = { "y", "n", "yes", "no", "on", "off" };
	const char *p;

	if (!*s || nc_yt_resolve_plain(s) != NC_YT_STR)
		return false;
	for (size_t i = 0; i < sizeof(yaml11) / sizeof(yaml11[0]); i++)
		if (!strcasecmp(s, yaml11[i]))
			return false;
	/* No indicator may start a plain scalar; inside, only characters that
	 * mean nothing in block or flow context. */
	if (strchr("-.+=", s[0]) && !s[1])
		return false;
	if (s[0] == '-' || s[0] == '=')
		return false;
	for (p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("_./-+=", c)))
			return false;
	}
	return true;
}

/* YAML 1.2 §5.1 printable characters, less the ones a reader takes for
 * line breaks (NEL, LS, PS) or a byte order mark. */
static bool yaml_printable(uint32_t c)
{
	if (c == 0x85 || c == 0x2028 || c == 0x2029 || c == 0xfeff)
		return false;
	return (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* `dollar`: a value, read back with interpolation, so `$` is written
 * `$$` (Compose's `config` does the same); keys are never interpolated. */
static void emit_text(struct nc_strbuf *out, const char *s, bool dollar)
{
	if (plain_safe(s)) {
		nc_strbuf_append(out, s);
		return;
	}
	nc_strbuf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		uint32_t c;
		size_t n = nc_utf8_decode(p, &c);
		if (!n) {
			/* Not reachable from a loaded model (the loader refuses
			 * invalid UTF-8); keep the output YAML anyway. */
			nc_strbuf_printf(out, "\\x%02x", *p);
			p++;
			continue;
		}
		switch (c) {
		case '"':
			nc_strbuf_append(out, "\\\"");
			break;
		case '\\':
			nc_strbuf_append(out, "\\\\");
			break;
		case '\n':
			nc_strbuf_append(out, "\\n");
			break;
		case '\t':
			nc_strbuf_append(out, "\\t");
			break;
		case '\r':
			nc_strbuf_append(out, "\\r");
			break;
		case '$':
			nc_strbuf_append(out, dollar ? "$$" : "$");
			break;
		default:
			if (yaml_printable(c))
				nc_strbuf_appendn(out, (const char *)p, n);
			else if (c < 0x100)
				nc_strbuf_printf(out, "\\x%02x", c);
			else
				nc_strbuf_printf(out, "\\u%04x", c);
		}
		p += n;
	}
	nc_strbuf_putc(out, '"');
}

void nc_emit_scalar(struct nc_strbuf *out, const char *s)
{
	emit_text(out, s, true);
}

void nc_emit_indent(struct nc_strbuf *out, unsigned level)
{
	for (unsigned i = 0; i < level; i++)
		nc_strbuf_append(out, "  ");
}

void nc_emit_key(struct nc_strbuf *out, unsigned level, const char *key)
{
	struct nc_strbuf k = NC_STRBUF_INIT;

	emit_text(&k, key, false);
	out->oom |= k.oom;
	nc_emit_indent(out, level);
	/* An implicit key is at most 1024 characters (YAML 1.2 §7.4.2; libyaml
	 * enforces it): a longer one (an environment variable's name can be)
	 * takes the explicit form, "? KEY" and ":" on the next line. */
	if (k.len > 1000) {
		nc_strbuf_append(out, "? ");
		nc_strbuf_append(out, nc_strbuf_str(&k));
		nc_strbuf_putc(out, '\n');
		nc_emit_indent(out, level);
	} else {
		nc_strbuf_append(out, nc_strbuf_str(&k));
	}
	nc_strbuf_append(out, ":");
	nc_strbuf_free(&k);
}

void nc_emit_kv(struct nc_strbuf *out, unsigned level, const char *key, const char *value)
{
	nc_emit_key(out, level, key);
	nc_strbuf_putc(out, ' ');
	nc_emit_scalar(out, value);
	nc_strbuf_putc(out, '\n');
}

void nc_emit_bool(struct nc_strbuf *out, unsigned level, const char *key, bool v)
{
	nc_emit_key(out, level, key);
	nc_strbuf_append(out, v ? " true\n" : " false\n");
}

void nc_emit_int(struct nc_strbuf *out, unsigned level, const char *key, int64_t v)
{
	nc_emit_key(out, level, key);
	nc_strbuf_printf(out, " %" PRId64 "\n", v);
}

const char *nc_emit_fmt_double(double v, char *buf, size_t size)
{
	/* Fixed notation (the readers of cpus and loss take no exponent),
	 * with the fewest decimals that read back as the same double; in
	 * the C locale, whatever LC_NUMERIC says. */
	locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	locale_t old = c ? uselocale(c) : (locale_t)0;

	for (int prec = 0; prec <= 400; prec++) {
		snprintf(buf, size, "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (c) {
		uselocale(old);
		freelocale(c);
	}
	return buf;
}

void nc_emit_double(struct nc_strbuf *out, unsigned level, const char *key, double v)
{
	char buf[NC_EMIT_DOUBLE_MAX];

	nc_emit_key(out, level, key);
	nc_strbuf_printf(out, " %s\n", nc_emit_fmt_double(v, buf, sizeof(buf)));
}

void nc_emit_duration(struct nc_strbuf *out, unsigned level, const char *key, int64_t ns)
{
	static const struct {
		const char *unit;
		int64_t ns;
	} units[] = { { "h", 3600000000000LL }, { "m", 60000000000LL }, { "s", 1000000000LL },
		      { "ms", 1000000LL },	{ "us", 1000LL },	  { "ns", 1 } };

	nc_emit_key(out, level, key);
	if (ns == 0) {
		nc_strbuf_append(out, " 0s\n");
		return;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (ns % units[i].ns == 0) {
			nc_strbuf_printf(out, " %" PRId64 "%s\n", ns / units[i].ns, units[i].unit);
			return;
		}
}

void nc_emit_rate(struct nc_strbuf *out, unsigned level, const char *key, uint64_t bits)
{
	nc_emit_key(out, level, key);
	nc_strbuf_printf(out, " %" PRIu64 "bit\n", bits);
}

void nc_emit_percent(struct nc_strbuf *out, unsigned level, const char *key, double pct)
{
	char buf[NC_EMIT_DOUBLE_MAX];

	nc_emit_key(out, level, key);
	nc_strbuf_printf(out, " \"%s%%\"\n", nc_emit_fmt_double(pct, buf, sizeof(buf)));
}

/* delay, jitter, loss, rate, in that order. */
void nc_emit_shaping(struct nc_strbuf *out, unsigned level, const struct nc_shaping *sh)
{
	if (sh->delay_ns)
		nc_emit_duration(out, level, "delay", sh->delay_ns);
	if (sh->jitter_ns)
		nc_emit_duration(out, level, "jitter", sh->jitter_ns);
	if (sh->loss_mark.line)
		nc_emit_percent(out, level, "loss", sh->loss);
	if (sh->rate)
		nc_emit_rate(out, level, "rate", sh->rate);
}

void nc_emit_flow_list(struct nc_strbuf *out, unsigned level, const char *key,
		       const char *const *v, size_t n)
{
	nc_emit_key(out, level, key);
	nc_strbuf_append(out, " [");
	for (size_t i = 0; i < n; i++) {
		if (i)
			nc_strbuf_append(out, ", ");
		nc_emit_scalar(out, v[i]);
	}
	nc_strbuf_append(out, "]\n");
}

void nc_emit_kvs(struct nc_strbuf *out, unsigned level, const char *key, const struct nc_kv *v,
		 size_t n)
{
	nc_emit_key(out, level, key);
	if (!n) {
		nc_strbuf_append(out, " {}\n");
		return;
	}
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < n; i++) {
		if (v[i].value) {
			nc_emit_kv(out, level + 1, v[i].key, v[i].value);
		} else {
			nc_emit_key(out, level + 1, v[i].key);
			nc_strbuf_append(out, " null\n");
		}
	}
}

void nc_emit_ip(struct nc_strbuf *out, unsigned level, const char *key, const struct nc_ip *ip)
{
	char buf[NC_IP_STRLEN];
	nc_emit_kv(out, level, key, nc_ip_str(ip, buf));
}

void nc_emit_prefix(struct nc_strbuf *out, unsigned level, const char *key,
		    const struct nc_prefix *p)
{
	char buf[NC_PREFIX_STRLEN];
	nc_emit_kv(out, level, key, nc_prefix_str(p, buf));
}

static void emit_network(struct nc_strbuf *out, const struct nc_network *n)
{
	nc_emit_key(out, 1, n->name);
	/* The loader refuses settings next to `external: true` (the network
	 * is made elsewhere), so print none. */
	if (n->external) {
		nc_strbuf_append(out, " {external: true}\n");
		return;
	}
	nc_strbuf_putc(out, '\n');
	if (n->bridge_name || n->mtu) {
		nc_emit_key(out, 2, "driver_opts");
		nc_strbuf_putc(out, '\n');
		if (n->bridge_name)
			nc_emit_kv(out, 3, "com.docker.network.bridge.name", n->bridge_name);
		if (n->mtu) {
			char mtu[16];
			snprintf(mtu, sizeof(mtu), "%" PRIu32, n->mtu);
			/* Docker's driver options are strings. */
			nc_emit_key(out, 3, "com.docker.network.driver.mtu");
			nc_strbuf_printf(out, " \"%s\"\n", mtu);
		}
	}
	if (n->anti_spoofing) /* a lab key: printed only when set */
		nc_emit_bool(out, 2, "anti_spoofing", true);
	if (n->layer2) /* printed only when off, as Compose omits its default */
		nc_emit_bool(out, 2, "enable_ipv4", false);
	nc_emit_bool(out, 2, "enable_ipv6", n->enable_ipv6);
	nc_emit_bool(out, 2, "external", n->external);
	nc_emit_bool(out, 2, "internal", n->internal);
	if (n->n_labels)
		nc_emit_kvs(out, 2, "labels", n->labels, n->n_labels);
	if (!n->n_ipam)
		return;
	nc_emit_key(out, 2, "ipam");
	nc_strbuf_putc(out, '\n');
	nc_emit_key(out, 3, "config");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < n->n_ipam; i++) {
		const struct nc_ipam_config *c = &n->ipam[i];
		/* "- " stands in for the indentation of the first key. */
		bool first = true;
		if (c->gateway.family) {
			nc_emit_indent(out, 4);
			nc_strbuf_append(out, "- ");
			nc_emit_ip(out, 0, "gateway", &c->gateway);
			first = false;
		}
		if (c->ip_range.ip.family) {
			nc_emit_indent(out, 4);
			nc_strbuf_append(out, first ? "- " : "  ");
			nc_emit_prefix(out, 0, "ip_range", &c->ip_range);
			first = false;
		}
		nc_emit_indent(out, 4);
		nc_strbuf_append(out, first ? "- " : "  ");
		nc_emit_prefix(out, 0, "subnet", &c->subnet);
	}
}

int nc_model_emit_yaml(const struct nc_model *m, struct nc_strbuf *out, nc_err *err)
{
	if (m->name)
		nc_emit_kv(out, 0, "name", m->name);
	nc_strbuf_append(out, m->n_services ? "services:\n" : "services: {}\n");
	for (size_t i = 0; i < m->n_services; i++)
		nc_emit_service(out, &m->services[i]);
	nc_strbuf_append(out, m->n_networks ? "networks:\n" : "networks: {}\n");
	for (size_t i = 0; i < m->n_networks; i++)
		emit_network(out, &m->networks[i]);
	nc_emit_volumes(out, m);
	nc_emit_file_objs(out, "secrets", m->secrets, m->n_secrets);
	nc_emit_file_objs(out, "configs", m->configs, m->n_configs);
	nc_emit_links(out, m);
	nc_emit_checks(out, m);
	if (!nc_strbuf_ok(out))
		return nc_err_errno(err, ENOMEM, "print the model of `%s`", m->path);
	return 0;
}
