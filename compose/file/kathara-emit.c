/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A parsed Kathará lab as a compose file. The choices (what a device
 * becomes, which capabilities and sysctls, how the startup runs) are in
 * docs/decisions.md under "Kathará labs".
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/path.h"
#include "compose/file/emit-internal.h"
#include "compose/file/emit.h"
#include "compose/file/kathara.h"

/* Where the startup script is bound inside the device. */
#define STARTUP_DIR "/kathara"
/* The named volume at /shared in every device. */
#define SHARED_VOLUME "kathara-shared"

/* Kathará's devices run privileged; these are what `ip`, routing daemons
 * (FRR: NET_ADMIN, NET_RAW, SYS_ADMIN for its namespaces and capabilities)
 * and packet tools need, in the device's own namespaces only. */
static const char *const caps[] = { "NET_ADMIN", "NET_RAW", "SYS_ADMIN" };

/* What Kathará sets in every device. */
static const char *const default_sysctls[][2] = {
	{ "net.ipv4.ip_forward", "1" },
	{ "net.ipv4.conf.all.rp_filter", "0" },
	{ "net.ipv4.conf.default.rp_filter", "0" },
	{ "net.ipv4.conf.lo.rp_filter", "0" },
	{ "net.ipv4.icmp_ratelimit", "0" },
};

/* `systemctl start UNIT` has no systemd to talk to in a device: the
 * startup script gets a function that runs the unit's init script
 * (FRR's frrinit.sh), as the images' own shims do. */
#define SHIM_DIR "/usr/local/sbin"
/* Quagga, which Debian no longer packages: `quagga` starts FRR where the
 * device has FRR's daemons file of its own (the lab's DEVICE/etc/frr/
 * daemons, or the image's; on the host's root the host's file is not the
 * lab's), else one line says Quagga is not installed; so does a Quagga
 * daemon run by name (`zebra -d`), through bash's
 * command_not_found_handle. The shim is written per device with that
 * choice in it, so `ncompose exec DEV service quagga start` makes it too. */
#define QUAGGA_MISSING "Quagga is not installed on this host (Debian has no quagga package); FRR runs its configuration from /etc/frr (systemctl start frr)"
static const char shim_head[] =
	"systemctl() { a=$1; shift; for u in \"$@\"; do u=${u%.service}; "
	"if [ \"$u\" = frr ] && [ -x /usr/lib/frr/frrinit.sh ]; then /usr/lib/frr/frrinit.sh \"$a\"; "
	"elif [ -x \"/etc/init.d/$u\" ]; then \"/etc/init.d/$u\" \"$a\"; ";
static const char shim_quagga_frr[] =
	"elif [ \"$u\" = quagga ] && [ -x /usr/lib/frr/frrinit.sh ] && [ -f /etc/frr/daemons ]; then "
	"echo \"systemctl: quagga: starting FRR with /etc/frr/daemons\" >&2; /usr/lib/frr/frrinit.sh \"$a\"; ";
static const char shim_tail[] =
	"elif [ \"$u\" = quagga ]; then echo \"systemctl: quagga: " QUAGGA_MISSING "\" >&2; "
	"else echo \"systemctl: no init script for $u\" >&2; fi; done; }; export -f systemctl; "
	"service() { systemctl \"$2\" \"$1\"; }; export -f service; "
	"command_not_found_handle() { case $1 in zebra|ripd|ripngd|ospfd|ospf6d|bgpd|isisd|quagga) "
	"echo \"$1: " QUAGGA_MISSING "\" >&2;; *) echo \"$1: command not found\" >&2;; esac; return 127; }; "
	"export -f command_not_found_handle; ";

static bool has_file(const struct nc_kat_device *d, const char *rel)
{
	for (size_t i = 0; i < d->n_files; i++)
		if (!strcmp(d->files[i], rel))
			return true;
	return false;
}

/* A scalar of the lab's text; nc_emit_scalar doubles `$`, so
 * interpolation gives the text back. */
static void scalar(struct nc_strbuf *out, const char *s)
{
	nc_emit_scalar(out, s);
}

static bool is_host_image(const struct nc_kat_opts *o, const char *image)
{
	for (size_t i = 0; image && i < o->n_host_images; i++)
		if (!strcmp(o->host_images[i], image))
			return true;
	return false;
}

static bool is_net_sysctl(const char *k, size_t n)
{
	if (n < 5 || strncmp(k, "net.", 4))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)k[i]) && !strchr("._-/", k[i]))
			return false;
	return true;
}

struct sysctl_set {
	char kv[24][160]; /* "KEY=VALUE"; a later KEY replaces an earlier one */
	size_t n;
};

static void sysctl_put(struct sysctl_set *s, const char *k, size_t klen, const char *v, size_t vlen)
{
	if (!is_net_sysctl(k, klen) || !vlen || klen + vlen + 2 > sizeof(s->kv[0]))
		return; /* only net.* belongs to the device's own namespace */
	size_t i = 0;
	while (i < s->n && !(strncmp(s->kv[i], k, klen) == 0 && s->kv[i][klen] == '='))
		i++;
	if (i == s->n) {
		if (s->n == sizeof(s->kv) / sizeof(s->kv[0]))
			return;
		s->n++;
	}
	snprintf(s->kv[i], sizeof(s->kv[i]), "%.*s=%.*s", (int)klen, k, (int)vlen, v);
}

static void sysctl_put_kv(struct sysctl_set *s, const char *kv)
{
	const char *eq = strchr(kv, '=');
	if (eq)
		sysctl_put(s, kv, (size_t)(eq - kv), eq + 1, strlen(eq + 1));
}

/* `sysctl [-w] net.X=V` lines of the startup script: /proc/sys is
 * read-only in a container, so they are set from the file instead (the
 * script's own line then fails harmlessly). */
static void startup_sysctls(const char *text, struct sysctl_set *set)
{
	while (text && *text) {
		const char *e = strchr(text, '\n');
		size_t len = e ? (size_t)(e - text) : strlen(text);
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), text);
		text = e ? e + 1 : NULL;
		const char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, "sysctl", 6) || !isspace((unsigned char)p[6]))
			continue;
		p += 6;
		for (;;) {
			while (isspace((unsigned char)*p))
				p++;
			if (*p != '-')
				break;
			while (*p && !isspace((unsigned char)*p))
				p++;
		}
		const char *eq = p;
		while (*eq && *eq != '=' && !isspace((unsigned char)*eq))
			eq++;
		if (*eq != '=')
			continue;
		const char *v = eq + 1, *ve = v;
		while (*ve && !isspace((unsigned char)*ve) && *ve != ';')
			ve++;
		sysctl_put(set, p, (size_t)(eq - p), v, (size_t)(ve - v));
	}
}

static void emit_sysctls(struct nc_strbuf *out, const struct nc_kat_device *d)
{
	struct sysctl_set set = { .n = 0 };

	for (size_t i = 0; i < sizeof(default_sysctls) / sizeof(default_sysctls[0]); i++)
		sysctl_put(&set, default_sysctls[i][0], strlen(default_sysctls[i][0]), default_sysctls[i][1], 1);
	/* [ipv6] as Kathará sets it: on, a router; off, no IPv6 at all. */
	if (d->ipv6) {
		sysctl_put_kv(&set, "net.ipv6.conf.all.forwarding=1");
		sysctl_put_kv(&set, "net.ipv6.conf.all.accept_ra=0");
		sysctl_put_kv(&set, "net.ipv6.icmp.ratelimit=0");
	} else if (d->ipv6_off) {
		sysctl_put_kv(&set, "net.ipv6.conf.all.disable_ipv6=1");
		sysctl_put_kv(&set, "net.ipv6.conf.default.disable_ipv6=1");
	}
	for (size_t i = 0; i < d->n_opts; i++)
		if (!strcmp(d->opts[i].key, "sysctl"))
			sysctl_put_kv(&set, d->opts[i].value);
	startup_sysctls(d->startup, &set);
	nc_emit_key(out, 2, "sysctls");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < set.n; i++) {
		nc_emit_indent(out, 3);
		nc_strbuf_append(out, "- ");
		scalar(out, set.kv[i]);
		nc_strbuf_putc(out, '\n');
	}
}

/* On the host's root, the shims are also commands, in a tmpfs at the
 * head of PATH: what a lab leaves to its user (`systemctl start frr`
 * typed in the device, as the RIP lab's slides ask) works through
 * `ncompose exec` as it does in Kathará's images. */
static const char shim_commands[] =
	"printf '%s\\n' '#!/bin/bash' \"$(declare -f systemctl)\" 'systemctl \"$@\"' > " SHIM_DIR "/systemctl; "
	"printf '%s\\n' '#!/bin/bash' \"$(declare -f systemctl service)\" 'service \"$@\"' > " SHIM_DIR "/service; "
	"chmod 755 " SHIM_DIR "/systemctl " SHIM_DIR "/service; ";

/* [shell], when lab.conf gives a usable one (kathara-conf.c warned
 * otherwise), runs the startup script; bash, as Kathará's images have. */
static const char *startup_shell(const struct nc_kat_device *d)
{
	const char *sh = "bash";
	for (size_t i = 0; i < d->n_opts; i++)
		if (!strcmp(d->opts[i].key, "shell") && nc_kat_shell_ok(d->opts[i].value))
			sh = d->opts[i].value;
	return sh;
}

/* The entrypoint: the startup script under bash (as Kathará runs it), then
 * the device's [exec] commands, then a process that keeps it up. */
static void emit_entrypoint(struct nc_strbuf *out, const struct nc_kat_lab *lab, const struct nc_kat_device *d,
			    bool host)
{
	struct nc_strbuf s = NC_STRBUF_INIT;

	nc_strbuf_append(&s, shim_head);
	if (!host || has_file(d, "etc/frr/daemons"))
		nc_strbuf_append(&s, shim_quagga_frr);
	nc_strbuf_append(&s, shim_tail);
	if (host)
		nc_strbuf_append(&s, shim_commands);
	if (lab->has_shared_startup)
		nc_strbuf_printf(&s, "bash %s/shared.startup; ", STARTUP_DIR);
	if (d->has_startup)
		nc_strbuf_printf(&s, "%s %s/%s.startup; ", startup_shell(d), STARTUP_DIR, d->name);
	for (size_t i = 0; i < d->n_opts; i++)
		if (!strcmp(d->opts[i].key, "exec"))
			nc_strbuf_printf(&s, "%s; ", d->opts[i].value);
	nc_strbuf_append(&s, "exec sleep infinity");
	nc_emit_key(out, 2, "entrypoint");
	nc_strbuf_append(out, "\n");
	nc_emit_indent(out, 3);
	nc_strbuf_append(out, "- /bin/bash\n");
	nc_emit_indent(out, 3);
	nc_strbuf_append(out, "- -c\n");
	nc_emit_indent(out, 3);
	nc_strbuf_append(out, "- ");
	if (!nc_strbuf_ok(&s))
		out->oom = true;
	else
		scalar(out, nc_strbuf_str(&s));
	nc_strbuf_putc(out, '\n');
	nc_strbuf_free(&s);
}

static void emit_bind(struct nc_strbuf *out, const char *base, const char *src, const char *target)
{
	char buf[8192];

	nc_emit_indent(out, 3);
	nc_strbuf_append(out, "- type: bind\n");
	if (nc_path_join(buf, sizeof(buf), base, src) < 0)
		snprintf(buf, sizeof(buf), "%s/%s", base, src); /* too long for any kernel: refused later, by name */
	nc_emit_indent(out, 4);
	nc_strbuf_append(out, "source: ");
	scalar(out, buf);
	nc_strbuf_putc(out, '\n');
	nc_emit_indent(out, 4);
	nc_strbuf_append(out, "target: ");
	scalar(out, target);
	nc_strbuf_append(out, "\n");
	nc_emit_indent(out, 4);
	nc_strbuf_append(out, "read_only: true\n");
	/* A lab file gone missing is an error, not a directory made in the
	 * lab (Compose's default for this syntax). */
	nc_emit_indent(out, 4);
	nc_strbuf_append(out, "bind: {create_host_path: false}\n");
}

static void emit_volumes(struct nc_strbuf *out, const struct nc_kat_lab *lab, const struct nc_kat_device *d,
			 const char *base)
{
	char src[4096], target[4096];

	if (!d->has_startup && !d->n_files && !lab->has_shared_dir && !lab->has_shared_startup)
		return;
	nc_emit_key(out, 2, "volumes");
	nc_strbuf_putc(out, '\n');
	if (lab->has_shared_dir) {
		/* Shared by the devices and writable, but a volume of the
		 * project, not the lab's directory; the lab's files are
		 * bound read-only on it. */
		nc_emit_indent(out, 3);
		nc_strbuf_printf(out, "- %s:/shared\n", SHARED_VOLUME);
		for (size_t i = 0; i < lab->n_shared_files; i++) {
			snprintf(src, sizeof(src), "shared/%s", lab->shared_files[i]);
			snprintf(target, sizeof(target), "/shared/%s", lab->shared_files[i]);
			emit_bind(out, base, src, target);
		}
	}
	if (lab->has_shared_startup)
		emit_bind(out, base, "shared.startup", STARTUP_DIR "/shared.startup");
	if (d->has_startup) {
		snprintf(src, sizeof(src), "%s.startup", d->name);
		snprintf(target, sizeof(target), "%s/%s.startup", STARTUP_DIR, d->name);
		emit_bind(out, base, src, target);
	}
	for (size_t i = 0; i < d->n_files; i++) {
		snprintf(src, sizeof(src), "%s/%s", d->name, d->files[i]);
		snprintf(target, sizeof(target), "/%s", d->files[i]);
		emit_bind(out, base, src, target);
	}
}

static unsigned last_index(const struct nc_kat_device *d)
{
	return d->n_ifaces ? d->ifaces[d->n_ifaces - 1].index : 0;
}

static bool has_opt(const struct nc_kat_device *d, const char *key)
{
	for (size_t i = 0; i < d->n_opts; i++)
		if (!strcmp(d->opts[i].key, key))
			return true;
	return false;
}

/* One interface of a device on a collision domain, at `ind`; `item` makes
 * it an item of the domain's list (the device is on the domain twice). */
static void emit_iface(struct nc_strbuf *out, const struct nc_kat_iface *f, unsigned ind, bool item)
{
	nc_emit_indent(out, item ? ind - 1 : ind);
	nc_strbuf_printf(out, "%sinterface_name: eth%u\n", item ? "- " : "", f->index);
	if (f->mac) {
		nc_emit_indent(out, ind);
		nc_strbuf_append(out, "mac_address: ");
		scalar(out, f->mac);
		nc_strbuf_putc(out, '\n');
	}
}

static void emit_networks(struct nc_strbuf *out, const struct nc_kat_device *d)
{
	bool outside = d->bridged || has_opt(d, "port");

	if (!d->n_ifaces && !outside) {
		nc_emit_kv(out, 2, "network_mode", "none");
		return;
	}
	nc_emit_key(out, 2, "networks");
	nc_strbuf_putc(out, '\n');
	for (size_t i = 0; i < d->n_ifaces; i++) {
		const struct nc_kat_iface *f = &d->ifaces[i];
		size_t same = 0;
		bool later = false;
		for (size_t j = 0; j < d->n_ifaces; j++)
			if (!strcmp(d->ifaces[j].cd, f->cd)) {
				later |= j < i;
				same++;
			}
		if (later)
			continue; /* written with the first on its domain */
		nc_emit_indent(out, 3);
		nc_emit_scalar(out, f->cd);
		nc_strbuf_printf(out, ":\n");
		if (same == 1) {
			emit_iface(out, f, 4, false);
			continue;
		}
		/* On the domain more than once, as Kathará allows: one
		 * interface each, on the same segment. */
		for (size_t j = i; j < d->n_ifaces; j++)
			if (!strcmp(d->ifaces[j].cd, f->cd))
				emit_iface(out, &d->ifaces[j], 5, true);
	}
	if (outside) {
		/* Kathará's bridged interface comes after the lab's. */
		nc_emit_indent(out, 3);
		nc_strbuf_printf(out, "default:\n");
		nc_emit_indent(out, 4);
		nc_strbuf_printf(out, "interface_name: eth%u\n", d->n_ifaces ? last_index(d) + 1 : 0);
	}
}

static void emit_opts(struct nc_strbuf *out, const struct nc_kat_device *d)
{
	bool env = false, ports = false;

	for (size_t i = 0; i < d->n_opts; i++) {
		const struct nc_kat_kv *o = &d->opts[i];
		if (!strcmp(o->key, "mem")) {
			nc_emit_indent(out, 2);
			nc_strbuf_append(out, "mem_limit: ");
			scalar(out, o->value);
			nc_strbuf_putc(out, '\n');
		} else if (!strcmp(o->key, "cpus")) {
			nc_emit_indent(out, 2);
			nc_strbuf_append(out, "cpus: ");
			scalar(out, o->value);
			nc_strbuf_putc(out, '\n');
		}
	}
	for (size_t i = 0; i < d->n_opts; i++) {
		const struct nc_kat_kv *o = &d->opts[i];
		if (strcmp(o->key, "env"))
			continue;
		if (!env) {
			nc_emit_key(out, 2, "environment");
			nc_strbuf_putc(out, '\n');
			env = true;
		}
		nc_emit_indent(out, 3);
		nc_strbuf_append(out, "- ");
		scalar(out, o->value);
		nc_strbuf_putc(out, '\n');
	}
	for (size_t i = 0; i < d->n_opts; i++) {
		const struct nc_kat_kv *o = &d->opts[i];
		if (strcmp(o->key, "port"))
			continue;
		if (!ports) {
			nc_emit_key(out, 2, "ports");
			nc_strbuf_putc(out, '\n');
			ports = true;
		}
		nc_emit_indent(out, 3);
		nc_strbuf_append(out, "- ");
		scalar(out, o->value);
		nc_strbuf_putc(out, '\n');
	}
}

static void emit_device(struct nc_strbuf *out, const struct nc_kat_lab *lab, const struct nc_kat_device *d,
			const struct nc_kat_opts *o)
{
	bool host = !d->image || is_host_image(o, d->image);

	nc_emit_indent(out, 1);
	nc_emit_scalar(out, d->name);
	nc_strbuf_append(out, ":\n");
	if (!host)
		nc_emit_kv(out, 2, "image", d->image);
	/* A host name has no `_`, which device names may have. */
	char host_name[256];
	snprintf(host_name, sizeof(host_name), "%s", d->name);
	for (char *c = host_name; *c; c++)
		if (*c == '_')
			*c = '-';
	nc_emit_kv(out, 2, "hostname", host_name);
	nc_emit_flow_list(out, 2, "cap_add", caps, sizeof(caps) / sizeof(caps[0]));
	if (host) {
		/* The host's root is read-only; an image's is writable, and
		 * daemons write their logs and temporary files there. */
		static const char *const tmpfs[] = { "/var/log", "/var/tmp", SHIM_DIR ":exec,mode=755" };
		nc_emit_flow_list(out, 2, "tmpfs", tmpfs, 3);
	}
	emit_sysctls(out, d);
	emit_networks(out, d);
	emit_opts(out, d);
	emit_volumes(out, lab, d, o->base && *o->base ? o->base : ".");
	if (d->n_deps)
		nc_emit_flow_list(out, 2, "depends_on", d->deps, d->n_deps);
	emit_entrypoint(out, lab, d, host);
}

int nc_kat_translate(const struct nc_kat_lab *lab, const struct nc_kat_opts *o, struct nc_strbuf *out,
		     nc_err *err)
{

	if (!lab->n_devices)
		return nc_err_msg(err, EINVAL, "%s: the lab has no device: no DEVICE[...] line in lab.conf, or, without lab.conf, no device directory",
				  o->source ? o->source : "lab.conf");
	nc_strbuf_printf(out, "# Translated from the Kathará lab %s by `ncompose import kathara`.\n",
			 o->source ? o->source : "");
	if (lab->n_meta) {
		nc_strbuf_append(out, "x-kathara:\n");
		for (size_t i = 0; i < lab->n_meta; i++) {
			nc_emit_indent(out, 1);
			nc_strbuf_printf(out, "%s: ", lab->meta[i].key);
			scalar(out, lab->meta[i].value);
			nc_strbuf_putc(out, '\n');
		}
	}
	/* Collision domains in order of first use. */
	bool any = false;
	for (size_t i = 0; i < lab->n_devices; i++)
		for (size_t k = 0; k < lab->devices[i].n_ifaces; k++) {
			const char *cd = lab->devices[i].ifaces[k].cd;
			bool seen = false;
			for (size_t j = 0; j <= i && !seen; j++)
				for (size_t m = 0; m < (j == i ? k : lab->devices[j].n_ifaces) && !seen; m++)
					seen = !strcmp(lab->devices[j].ifaces[m].cd, cd);
			if (seen)
				continue;
			if (!any)
				nc_strbuf_append(out, "networks:\n");
			any = true;
			nc_emit_indent(out, 1);
			nc_emit_scalar(out, cd);
			nc_strbuf_append(out, ":\n");
			nc_emit_bool(out, 2, "enable_ipv4", false);
		}
	nc_strbuf_append(out, "services:\n");
	for (size_t i = 0; i < lab->n_devices; i++)
		emit_device(out, lab, &lab->devices[i], o);
	if (lab->has_shared_dir)
		nc_strbuf_append(out, "volumes:\n  " SHARED_VOLUME ":\n");
	if (!nc_strbuf_ok(out))
		return nc_err_errno(err, ENOMEM, "translate the Kathará lab");
	return 0;
}
