# Shared helpers of the integration tests (bash). Source it first thing:
#   . "$NC_SRC/tests/lib/lib.sh"
# The test runs inside tests/lib/sandbox (fresh net/mount/pid namespaces,
# private /run), as root. Each check prints one TAP line; the script ends
# with `finish`, which prints the plan and exits 1 if any check failed.
set -u

NCOMPOSE=${NCOMPOSE:-${NC_BUILD:-build}/compose/ncompose}
NC_SRC=${NC_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
_nc_n=0
_nc_failed=0

# skip_all REASON: this suite cannot run here at all (not root, not in the
# sandbox). A failure where NCOMPOSE_TEST_MUST_WORK=1 (CI), a skip elsewhere.
skip_all() {
	if [ "${NCOMPOSE_TEST_MUST_WORK:-0}" = 1 ]; then
		echo "not ok 1 - cannot run: $*"
		echo "1..1"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 77
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ "${NC_IN_SANDBOX:-}" = 1 ] || skip_all "run me through tests/lib/sandbox"

_nc_report() { # status description
	_nc_n=$((_nc_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_nc_n - $2"
	else
		echo "not ok $_nc_n - $2"
		_nc_failed=$((_nc_failed + 1))
	fi
}

# check DESCRIPTION CMD...: CMD must succeed.
check() {
	local d=$1; shift
	local out
	if out=$("$@" 2>&1); then
		_nc_report 0 "$d"
	else
		_nc_report 1 "$d"
		printf '#   %s\n' "$ $*" "${out//$'\n'/$'\n'#   }" | head -n 30
	fi
}

# check_fails DESCRIPTION CMD...: CMD must fail.
check_fails() {
	local d=$1; shift
	local out
	if out=$("$@" 2>&1); then
		_nc_report 1 "$d (it succeeded)"
		printf '#   %s\n' "$ $*" "${out//$'\n'/$'\n'#   }" | head -n 30
	else
		_nc_report 0 "$d"
	fi
}

# check_eq DESCRIPTION ACTUAL EXPECTED
check_eq() {
	if [ "$2" = "$3" ]; then
		_nc_report 0 "$1"
	else
		_nc_report 1 "$1"
		echo "#   expected: $3"
		echo "#   got:      $2"
	fi
}

# check_match DESCRIPTION TEXT REGEX
check_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then
		_nc_report 0 "$1"
	else
		_nc_report 1 "$1"
		echo "#   no match for /$3/ in:"
		printf '%s\n' "$2" | sed 's/^/#   /' | head -n 30
	fi
}

# skip_check DESCRIPTION REASON: a check this machine cannot make, for a
# kernel feature or an optional tool it lacks (never to hide a defect). A
# TAP SKIP line, counted as passed; tests/run-all lists it with its reason.
# Why the containers' init program cannot run here (nothing: it can). On
# such a host every init is a fork of the supervisor that stays the init
# (docs/how-it-works.md); both settings are the host's, not a test's.
init_program_off() {
	if [ "$(cat /proc/sys/fs/suid_dumpable 2>/dev/null)" = 1 ]; then
		echo "fs.suid_dumpable is 1 on this host: every init is forked"
	elif [ "$(cat /proc/sys/vm/memfd_noexec 2>/dev/null)" = 2 ]; then
		echo "vm.memfd_noexec is 2 on this host: the init program cannot run from memory"
	fi
}

skip_check() {
	_nc_n=$((_nc_n + 1))
	echo "ok $_nc_n - $1 # SKIP $2"
}

finish() {
	echo "1..$_nc_n"
	[ "$_nc_failed" = 0 ]
}

nc() { "$NCOMPOSE" "$@"; }

# serve_test_image DIR PORT: the test rootfs (tests/lib/mkrootfs, busybox)
# as an OCI layout in DIR/img, served by tests/lib/fakeregistry on the
# sandbox's 127.0.0.1:PORT as test/img:1 once this returns; $srv is the
# server's PID, for the caller's trap to kill.
serve_test_image() {
	"$NC_SRC/tests/lib/mkrootfs" "$1/rootfs" >/dev/null
	"$NC_SRC/tests/lib/mkimage" oci "$1/rootfs" "$1/img"
	ip link set lo up
	"$NC_SRC/tests/lib/fakeregistry" "$1/img" "$2" &
	srv=$!
	for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$2") 2>/dev/null && break; sleep 0.05; done
}

# An "upstream" host outside the lab: a namespace reached from the sandbox
# ("the host") over a veth, holding a TEST-NET-3 address on its loopback.
# It counts, by source address, the ICMP echo requests it receives, so tests
# can see whether traffic arrived NATed (from the host's uplink address).
UPSTREAM_NS=upstream
UPSTREAM_IP=203.0.113.1
UPLINK_HOST_IP=198.51.100.1
make_upstream() {
	ip netns add "$UPSTREAM_NS"
	ip link add up0 type veth peer name eth0 netns "$UPSTREAM_NS"
	ip addr add "$UPLINK_HOST_IP/24" dev up0
	ip link set up0 up
	ip route add default via 198.51.100.2
	ip -n "$UPSTREAM_NS" link set lo up
	ip -n "$UPSTREAM_NS" addr add 198.51.100.2/24 dev eth0
	ip -n "$UPSTREAM_NS" addr add "$UPSTREAM_IP/32" dev lo
	ip -n "$UPSTREAM_NS" link set eth0 up
	ip netns exec "$UPSTREAM_NS" nft -f - <<NFT
table inet count {
	chain in {
		type filter hook input priority 0;
		ip saddr $UPLINK_HOST_IP icmp type echo-request counter name from_host
		ip saddr != $UPLINK_HOST_IP icmp type echo-request counter name from_other
	}
	counter from_host {}
	counter from_other {}
}
NFT
}

upstream_count() { # from_host | from_other
	ip netns exec "$UPSTREAM_NS" nft -j list counter inet count "$1" |
		grep -o '"packets": *[0-9]*' | grep -o '[0-9]*$'
}

remove_upstream() {
	ip link del up0 2>/dev/null
	ip netns del "$UPSTREAM_NS" 2>/dev/null
	true
}

# What a project may leave behind, listed (empty when clean).
leftovers() { # project
	local p=$1
	{
		ip netns list | awk '{print $1}' | grep -E "^$p-" | sed 's/^/netns /'
		ip -d -o link show | grep -F "alias ncompose:$p/" | awk -F': ' '{print "link " $2}'
		nft list tables 2>/dev/null | grep -Ex "table (inet|bridge) nc_$p" | sed 's/^/nft /'
		find /sys/fs/cgroup -maxdepth 4 -type d -path "*/ncompose/$p" 2>/dev/null | sed 's/^/cgroup /'
		[ -e "/run/ncompose/$p" ] && echo "state /run/ncompose/$p"
		[ -e "/var/lib/ncompose/containers/$p" ] && echo "layers /var/lib/ncompose/containers/$p"
		grep -F "/run/netns/$p-" /proc/self/mountinfo | awk '{print "mount " $5}'
		grep -l "/ncompose/$p/" /proc/[0-9]*/cgroup 2>/dev/null | sed 's|/proc/\([0-9]*\)/cgroup|process \1|'
	} | sort -u
}

check_clean() { # project
	local left
	left=$(leftovers "$1")
	check_eq "nothing of project $1 is left" "$left" ""
}

# Run in a container's network namespace (from the host side).
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
