#!/bin/bash
# A big flat lab works, not just starts: NODES containers on one bridge
# make about NODES^2 neighbour entries in the kernel's ARP table, which is
# shared by every namespace of the machine and limited by the initial
# namespace's net.ipv4.neigh.default.gc_thresh1/2/3 (128/512/1024 by
# default). `up` raises those limits, or, where it cannot (here: the
# sandbox is not the initial namespace, the only one with those sysctls),
# says exactly what to set. The suite checks that advice, that pingall
# fails with the limits at the kernel's defaults (the control), and that
# it passes once the advice is applied.
#
# The limits are the host's: the suite saves them through the host's
# namespace (NC_SANDBOX_HOST_NETNS=1, see tests/lib/sandbox) and restores
# them on exit, whatever happened.
. "$NC_SRC/tests/lib/lib.sh"

NODES=${NC_SCALE_NODES:-200}
hostns=/run/host-netns
[ -e "$hostns" ] || skip_all "the host's network namespace is not bound at $hostns (run with NC_SANDBOX_HOST_NETNS=1)"
nsenter --net="$hostns" test -w /proc/sys/net/ipv4/neigh/default/gc_thresh3 ||
	skip_all "cannot write the host's net.ipv4.neigh.default.gc_thresh3"

keys="net.ipv4.neigh.default.gc_thresh1 net.ipv4.neigh.default.gc_thresh2 net.ipv4.neigh.default.gc_thresh3"
host_get() { nsenter --net="$hostns" cat "/proc/sys/${1//.//}"; }
host_set() { nsenter --net="$hostns" sh -c "echo $2 > /proc/sys/${1//.//}"; }
declare -A saved
for k in $keys; do saved[$k]=$(host_get "$k"); done
restore() {
	# Highest first, so the three never stand out of order.
	for k in $(echo "$keys" | tr ' ' '\n' | sort -r); do host_set "$k" "${saved[$k]}"; done
}
trap 'nc -p flat down >/dev/null 2>&1; restore' EXIT

lab=/tmp/flat.yaml
{
	echo "name: flat"
	echo "networks:"
	echo "  net: {ipam: {config: [{subnet: 10.70.0.0/16}]}}"
	echo "services:"
	for i in $(seq "$NODES"); do
		echo "  n$i: {command: [sleep, infinity], networks: [net]}"
	done
} >"$lab"

# The control: the kernel's defaults (they are the host's; restored at exit).
host_set net.ipv4.neigh.default.gc_thresh1 128
host_set net.ipv4.neigh.default.gc_thresh2 512
host_set net.ipv4.neigh.default.gc_thresh3 1024

out=$(nc up -d "$lab" 2>&1)
check_eq "up -d a flat lab of $NODES containers" "$?" 0
check_match "up says the IPv4 neighbour table is too small, and what to set" "$out" \
	'sysctl -w net\.ipv4\.neigh\.default\.gc_thresh1=[0-9]+ net\.ipv4\.neigh\.default\.gc_thresh2=[0-9]+ net\.ipv4\.neigh\.default\.gc_thresh3=[0-9]+'
advice=$(printf '%s\n' "$out" | grep -o 'net\.ipv4\.neigh\.default\.gc_thresh[123]=[0-9]*')

# The table is the machine's, so its counters are seen from here too.
# (ip prints the table's stats again when the dump of its many devices'
# parameters takes more than one message: the first is enough.)
table_fulls() { ip -s ntable show name arp_cache | grep -o 'table_fulls [0-9]*' | head -n1 | grep -o '[0-9]*$'; }
fulls=$(table_fulls)
out=$(nc -p flat pingall -t 3000 2>&1)
check_eq "control: with the kernel's default limits, pingall fails" "$?" 1
check_match "... pairs that share the network go unanswered" "$out" 'of [0-9]+ pairs sharing a network failed'
after=$(table_fulls)
check "... because the neighbour table was full" test "$after" -gt "$fulls"

# Apply the advice on the host, highest first.
for kv in $(printf '%s\n' $advice | sort -r); do host_set "${kv%%=*}" "${kv#*=}"; done
check_eq "the advice was applied" "$(host_get net.ipv4.neigh.default.gc_thresh3)" "$(printf '%s\n' $advice | sed -n 's/.*thresh3=//p')"
check "with the limits the advice names, pingall of $NODES containers passes" nc -p flat pingall -t 3000
check "down" nc -p flat down
check_clean flat
finish
