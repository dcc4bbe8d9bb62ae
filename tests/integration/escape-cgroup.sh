#!/bin/bash
# cgroup v1's release_agent (the CVE-2022-0492 class): the kernel runs the
# program named in a v1 hierarchy's root `release_agent` as root in the
# host's namespaces. A container with CAP_SYS_ADMIN mounts cgroupfs; the
# mount shows the hierarchy from the root of the container's cgroup
# namespace, which is the cgroup it stood in when it unshared. ncompose
# gives it a cgroup of its own in every v1 hierarchy, so that root is never
# the hierarchy's and has no release_agent. The control runs the same
# attack from a process whose cgroup namespace is rooted at a hierarchy's
# root, as a container's was in `devices` and `name=systemd` before.
# Nothing ever runs a release_agent: every write puts back the value the
# file had, and notify_on_release is never set.
. "$NC_SRC/tests/lib/lib.sh"

work=$(mktemp -d /var/lib/ncompose/cg-test.XXXXXX)
export CG_ROOTFS=$work/rootfs
"$NC_SRC/tests/lib/mkrootfs" "$CG_ROOTFS"
lab=$NC_SRC/tests/integration/labs/escape/cgroup.yaml
trap 'nc -p cgesc down >/dev/null 2>&1; rm -rf "$work"' EXIT

# The attack, in the image's busybox shell: mount the hierarchy given by
# its options, look for the root's release_agent and write it (with the
# value it has: were it written, the host would not change).
ATTACK='
d=$(mktemp -d) || exit 1
if ! mount -t cgroup -o "$1" ncompose-attack "$d" 2>/tmp/err; then
	echo "mount-refused: $(cat /tmp/err)"
	rmdir "$d"
	exit 0
fi
echo mounted
if [ -e "$d/release_agent" ]; then
	echo release_agent-visible
	printf "%s\n" "$(cat "$d/release_agent")" >"$d/release_agent" && echo release_agent-written
fi
umount "$d"
rmdir "$d"'

# The v1 hierarchies of this host, as their mount options ("devices",
# "net_cls,net_prio", "name=systemd"); none on a pure cgroup v2 host.
hiers=$(awk -F: '$1 != 0 {print $2}' /proc/self/cgroup)

out=$(nc -f "$lab" up -d 2>&1)
check_eq "up -d" "$?" "0"

# Where the kernel placed each container's init, as the host sees it.
for svc in admin:1001 priv:1002 remapped:1003; do
	pid=$(pgrep -x -f "sleep ${svc#*:}" | head -n1)
	check "$svc: running" test -n "$pid"
	[ -n "$pid" ] || continue
	check_eq "$svc: below the root of every cgroup hierarchy (v1, named, v2)" \
		"$(awk -F: '$3 == "/" || $3 !~ /\/ncompose\/cgesc\// {print}' "/proc/$pid/cgroup")" ""
done

if [ -z "$hiers" ]; then
	check_eq "pure cgroup v2: no v1 hierarchy, no release_agent to reach" \
		"$(grep -c '^0::' /proc/self/cgroup)" "1"
else
	for h in $hiers; do
		for svc in admin priv; do
			r=$(nc -p cgesc exec -T "$svc" sh -c "$ATTACK" sh "$h" 2>&1)
			# The mount itself works (the capability is there): it is
			# the view it gives that keeps release_agent out of reach.
			check_eq "$svc (CAP_SYS_ADMIN) mounts cgroup v1 \`$h\`: its own cgroup, no release_agent" \
				"$r" "mounted"
		done
		r=$(nc -p cgesc exec -T remapped sh -c "$ATTACK" sh "$h" 2>&1)
		check_match "remapped (SYS_ADMIN in its user namespace): mounting \`$h\` is refused" "$r" '^mount-refused'
	done
	# Hierarchies the container could be at the root of: new ones.
	check_match "a new named hierarchy (it would be rooted there): refused outside the initial cgroup namespace" \
		"$(nc -p cgesc exec -T admin sh -c "$ATTACK" sh none,name=ncompose-attack 2>&1)" '^mount-refused'

	# Control: the same attack, same image, from a process in a cgroup
	# namespace of its own rooted at the hierarchy's root, where the
	# containers stood in `devices` and `name=systemd` (else the first
	# hierarchy). A subshell moves itself to that root first if needed.
	ctl=$(printf '%s\n' $hiers | grep -xE 'devices|name=systemd')
	[ -n "$ctl" ] || ctl=$(printf '%s\n' $hiers | head -n1)
	for h in $ctl; do
		mp=$(awk -v h="$h" '{ split($0, a, " - "); split(a[2], f, " "); if (f[1] != "cgroup") next; n = split(f[3], o, ",")
			for (i = 1; i <= n; i++) if (o[i] == h || (index(h, ",") && index(f[3], h))) { split($0, g, " "); print g[5]; exit } }' \
			/proc/self/mountinfo)
		r=$(
			if [ "$(awk -F: -v h="$h" '$2 == h {print $3}' /proc/self/cgroup)" != / ]; then
				echo $BASHPID >"$mp/cgroup.procs" || exit 1
			fi
			unshare --cgroup --mount --propagation private chroot "$CG_ROOTFS" /bin/sh -c "$ATTACK" sh "$h" 2>&1
		)
		check_eq "control: at the root of \`$h\` (mounted at ${mp:-?}), its release_agent is there and written" \
			"$r" "mounted
release_agent-visible
release_agent-written"
	done
fi

nc -p cgesc down >/dev/null 2>&1
check_eq "down removes every cgroup of the project, in every hierarchy" \
	"$(find /sys/fs/cgroup -maxdepth 4 -path '*ncompose/cgesc*' 2>/dev/null)" ""
finish
