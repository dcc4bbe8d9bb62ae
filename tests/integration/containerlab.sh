#!/bin/bash
# containerlab topologies: tests/data/containerlab/three (three linux nodes
# on the host's root in a line, data links eth1/eth2, exec commands that
# add addresses and routes, a read-only bind, the management network, and
# an FRR image run on the host's FRR with its startup-config)
# brought up with `up FILE.clab.yml`; `down FILE.clab.yml` leaves nothing.
. "$NC_SRC/tests/lib/lib.sh"

work=$(mktemp -d)
lab=$work/three
topo=$lab/three.clab.yml
trap 'nc down "$topo" >/dev/null 2>&1; rm -rf "$work"' EXIT
cp -a "$NC_SRC/tests/data/containerlab/three" "$lab"

# exec commands add addresses after the node starts: poll for them (a
# bounded number of looks, no clock).
has_addr() { # service address
	local i
	for i in $(seq 200); do
		nc -f "$topo" exec "$1" ip -4 -o addr show 2>/dev/null | grep -qF " $2/" && return 0
		sleep 0.05
	done
	return 1
}
exit_of() { "$@" >/dev/null 2>&1; echo $?; }

check "import containerlab writes a file that config accepts" sh -c \
	"'$NCOMPOSE' import containerlab '$topo' -o '$lab/imported.yaml' && '$NCOMPOSE' -f '$lab/imported.yaml' config -q"
rm -f "$lab/imported.yaml"
cp "$topo" "$lab/any-name.yaml"
check_match "a topology under another name is known by its top-level topology:" \
	"$(nc -f "$lab/any-name.yaml" config)" '  n1:'
rm -f "$lab/any-name.yaml"
printf 'name: bad\ntopology:\n  nodes:\n    r1:\n      kind: nokia_srlinux\n' >"$work/bad.clab.yml"
check_match "a node of another kind is refused, named with its line" "$(nc import containerlab "$work/bad.clab.yml" 2>&1)" \
	'bad\.clab\.yml:5:13: node `r1` is of kind `nokia_srlinux`'
check_eq "... exit 2" "$(exit_of nc import containerlab "$work/bad.clab.yml")" 2
check_eq "... and up FILE refuses it with exit 2" "$(exit_of nc up -d "$work/bad.clab.yml")" 2

# r1 is an FRR image: run on the host's root, where it starts the host's
# FRR with its startup-config (a host without FRR still brings it up).
export NCOMPOSE_HOST_IMAGES=quay.io/frrouting/frr:10.5.1
check "up -d FILE.clab.yml brings the topology up" nc up -d "$topo"
check "n1's exec added its address" has_addr n1 10.0.12.1
check "n2's exec added its address on eth1" has_addr n2 10.0.12.2
check "... and on eth2" has_addr n2 10.0.23.2
check "n3's exec added its address" has_addr n3 10.0.23.3
check_match "eth0 is the management network, at the address mgmt-ipv4 gives" \
	"$(nc -f "$topo" exec n2 ip -4 -o addr show dev eth0)" '172\.31\.200\.12/24'
check "n1 pings n2 across their link" nc -f "$topo" exec n1 ping -c1 -W2 10.0.12.2
check "n1 pings n3 through n2 (forwarding on)" nc -f "$topo" exec n1 ping -c1 -W2 10.0.23.3
check_match "n1's bind is in n1" "$(nc -f "$topo" exec n1 cat /etc/lab-motd)" "^hello from n1's bind\$"
check_fails "... read-only (:ro)" nc -f "$topo" exec n1 sh -c 'echo x > /etc/lab-motd'
check_match "env: the group's value wins over the kind's" "$(nc -f "$topo" exec n2 printenv ROLE)" '^router$'
check_match "env: defaults reach every node" "$(nc -f "$topo" exec n3 printenv LAB)" '^three$'
if [ -x /usr/lib/frr/frrinit.sh ]; then
	has_route() {
		local i
		for i in $(seq 300); do
			nc -f "$topo" exec r1 ip route show 10.9.9.0/24 2>/dev/null | grep -q 'via 10.0.34.3' && return 0
			sleep 0.1
		done
		return 1
	}
	check "r1 (an FRR image on the host's root) runs the host's FRR: zebra installs its static route" has_route
	check "... and sets the address of its startup-config" has_addr r1 10.0.34.1
	check_fails "its startup-config is read-only in r1" nc -f "$topo" exec r1 sh -c 'echo x >> /etc/frr/frr.conf'
else
	skip_check "r1 runs the host's FRR" "FRR is not installed (/usr/lib/frr/frrinit.sh)"
fi
check "ps FILE.clab.yml" nc -f "$topo" ps
check "down FILE.clab.yml" nc down "$topo"
check_clean three

finish
