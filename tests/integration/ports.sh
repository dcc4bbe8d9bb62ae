#!/bin/bash
# Published ports against the host's own sockets: a TCP listener or a
# bound UDP socket of the host (0.0.0.0, 127.0.0.1, [::] dual-stack) on a
# port the lab publishes makes `up` refuse (exit 2) naming the port, the
# socket and the process, with nothing created; a socket on another
# address, or an IPv6-only one against an IPv4-only port, does not. With
# the holder gone the same lab comes up and the port works.
. "$NC_SRC/tests/lib/lib.sh"

labs=$NC_SRC/tests/integration/labs
holder=
trap 'stop_holder; nc -p ports down >/dev/null 2>&1' EXIT

stop_holder() {
	if [ -n "$holder" ]; then
		kill "$holder" 2>/dev/null
		wait "$holder" 2>/dev/null
	fi
	holder=
}

# hold PROTO PORT SOCAT-ADDRESS: a host process holding a socket; waits
# until the kernel lists it (ss), so the check never races its bind.
hold() {
	local proto=$1 port=$2
	stop_holder
	socat "$3" EXEC:cat </dev/null >/dev/null 2>&1 &
	holder=$!
	local flag=-ltn; [ "$proto" = udp ] && flag=-lun
	for _ in $(seq 200); do
		[ -n "$(ss -H $flag sport = ":$port")" ] && return 0
		kill -0 "$holder" 2>/dev/null || break
		sleep 0.05
	done
	echo "# the holder never bound port $port" >&2
	return 1
}

# refused DESCRIPTION REGEX: up must fail with exit 2, its message must
# match REGEX and name the holder's pid, and nothing may be left.
refused() {
	local out rc
	out=$($NCOMPOSE up -d "$labs/ports.yaml" 2>&1)
	rc=$?
	check_eq "$1: up exits 2" "$rc" 2
	check_match "$1: the message names port and socket" "$out" "$2"
	check_match "$1: ... and the process" "$out" "in use on this host: process $holder \\(socat\\) "
	check_match "$1: ... and points at the file" "$out" 'ports\.yaml:[0-9]+:[0-9]+: '
	check_eq "$1: nothing was created" "$(leftovers ports)" ""
}

hold tcp 18080 TCP4-LISTEN:18080,bind=0.0.0.0,reuseaddr,fork
refused "TCP on 0.0.0.0" 'port 18080/tcp is in use on this host: .* listens on 0\.0\.0\.0:18080'
hold tcp 18080 TCP4-LISTEN:18080,bind=127.0.0.1,reuseaddr,fork
refused "TCP on 127.0.0.1 (port published on every address)" 'port 18080/tcp .* listens on 127\.0\.0\.1:18080'
hold tcp 18080 TCP6-LISTEN:18080,ipv6only=0,reuseaddr,fork
refused "TCP on dual-stack [::]" 'port 18080/tcp .* listens on \[::\]:18080'
hold tcp 18081 TCP4-LISTEN:18081,bind=0.0.0.0,reuseaddr,fork
refused "TCP on 0.0.0.0 (port published on 127.0.0.1)" 'port 18081/tcp .* listens on 0\.0\.0\.0:18081'
hold udp 18053 UDP4-RECVFROM:18053,bind=0.0.0.0,fork
refused "UDP on 0.0.0.0" 'port 18053/udp is in use on this host: .* has a socket bound to 0\.0\.0\.0:18053'
hold udp 18053 UDP6-RECVFROM:18053,ipv6only=0,fork
refused "UDP on dual-stack [::]" 'port 18053/udp .* bound to \[::\]:18053'

# Sockets the published ports do not take traffic from.
hold tcp 18081 TCP4-LISTEN:18081,bind=127.0.0.2,reuseaddr,fork
check "a listener on 127.0.0.2 does not hold a port published on 127.0.0.1" nc up -d "$labs/ports.yaml"
check "down" nc -p ports down
hold tcp 18080 TCP6-LISTEN:18080,ipv6only=1,reuseaddr,fork
check "an IPv6-only [::] listener does not hold an IPv4-only published port" nc up -d "$labs/ports.yaml"
check "down" nc -p ports down

# Control: the holder gone, the same lab comes up and the ports work.
stop_holder
check "up -d with the port free" nc up -d "$labs/ports.yaml"
check_match "tcp 18080 reaches the container from the host's 127.0.0.1" \
	"$(echo hello | timeout 5 socat -t2 - TCP:127.0.0.1:18080 2>&1)" '^hello$'
check_match "udp 18053 reaches the container" \
	"$(echo hello-udp | timeout 5 socat -t2 - UDP:127.0.0.1:18053 2>&1)" '^hello-udp$'
check "down" nc -p ports down
check_clean ports
finish
