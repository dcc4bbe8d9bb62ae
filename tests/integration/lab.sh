#!/bin/bash
# The default lab, end to end: up, reachability on one network and through
# the router, NAT to an upstream host, a memory limit that kills only its
# own container, exec, ps, and a down that leaves nothing.
. "$NC_SRC/tests/lib/lib.sh"

cd "$NC_SRC"
make_upstream
trap 'nc -p lab down >/dev/null 2>&1; nc -p oomlab down >/dev/null 2>&1; remove_upstream' EXIT

check "up -d configs/lab.yaml" nc up -d configs/lab.yaml

ps_out=$(nc -p lab ps)
check_match "ps lists the router running with its addresses" "$ps_out" \
	'router +running +[0-9]+ .*eth0=10\.0\.1\.254/24 eth1=10\.0\.2\.254/24'
check_match "ps lists client2" "$ps_out" 'client2 +running'
ps_json=$(nc -p lab ps --format json)
check "ps --format json is valid JSON" python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert len(d)==3 and d[0]["name"]=="router"' "$ps_json"

check "client1 pings the router on lan" nc -p lab exec client1 ping -c1 -W2 10.0.1.254
check "client2 pings the router on backend" nc -p lab exec client2 ping -c1 -W2 10.0.2.254
check "client1 reaches client2 through the router" nc -p lab exec client1 ping -c1 -W2 10.0.2.10
check_match "the path from client1 to client2 has the router as first hop" \
	"$(nc -p lab exec client1 ping -c1 -W2 -t1 10.0.2.10 2>&1)" 'From 10\.0\.1\.254'
check "client2 resolves client1 by name" nc -p lab exec client2 ping -c1 -W2 client1
check "interfaces are named in file order" nc -p lab exec router ip link show eth1
check_eq "hostname is the service name" "$(nc -p lab exec router hostname)" "router"
check_eq "environment reaches the container" "$(nc -p lab exec client2 printenv ROLE)" "client"

before=$(upstream_count from_host)
check "client1 reaches the upstream host through NAT" nc -p lab exec client1 ping -c2 -W2 "$UPSTREAM_IP"
after=$(upstream_count from_host)
check "upstream saw the host's address as the source" test "$after" -ge $((before + 2))
check_eq "upstream saw no private source address" "$(upstream_count from_other)" "0"
check_fails "client2 (internal network) does not reach the upstream host" \
	nc -p lab exec client2 ping -c1 -W1 "$UPSTREAM_IP"

check "pingall: every pair that shares a network answers" nc -p lab pingall
check_match "pingall prints the matrix" "$(nc -p lab pingall)" 'client1 +ok +- +ok'
check "the router takes its backend link down (it has NET_ADMIN)" nc -p lab exec router ip link set eth1 down
check_fails "pingall fails when a pair sharing a network cannot talk" nc -p lab pingall -t 300
check_match "... and marks that pair" "$(nc -p lab pingall -t 300)" 'client2 +X +\. +-'
check_fails "client1 lacks NET_ADMIN (Docker's default set)" nc -p lab exec client1 ip link set eth0 down
check "the router brings it back" nc -p lab exec router ip link set eth1 up
check "pingall passes again" nc -p lab pingall

"$NCOMPOSE" -p lab capture client1 eth0 -w /tmp/nc-cap.pcap -c 20 2>/dev/null &
cap=$!
sleep 0.3
nc -p lab exec client1 ping -c3 -i0.2 -W1 10.0.1.254 >/dev/null
sleep 0.3
kill -INT $cap; wait $cap
check_eq "capture wrote a pcap with the three echo requests it saw" \
	"$(tcpdump -nr /tmp/nc-cap.pcap 2>/dev/null | grep -c 'ICMP echo request')" "3"
check_match "... and their replies, read back by tcpdump" \
	"$(tcpdump -nr /tmp/nc-cap.pcap 2>/dev/null)" '10\.0\.1\.254 > 10\.0\.1\.10: ICMP echo reply'
check_fails "capture refuses to write pcap to a terminal-less nowhere: unknown interface" \
	nc -p lab capture client1 nosuch0 -w /tmp/x.pcap -c 1

check_eq "exec passes the exit status through" "$(nc -p lab exec client1 sh -c 'exit 7'; echo $?)" "7"
check_fails "the container's root filesystem is read-only" nc -p lab exec client1 touch /usr/nc-test
check "the container's /tmp is writable" nc -p lab exec client1 touch /tmp/nc-test
check_fails "/root of the host is hidden" nc -p lab exec client1 sh -c 'ls -A /root | grep -q .'
check_fails "/etc/shadow of the host is unreadable" nc -p lab exec client1 sh -c 'test -s /etc/shadow'
check_eq "PID 1 is the container's init" "$(nc -p lab exec client1 sh -c 'cat /proc/1/comm')" "$(nc -p lab exec router sh -c 'cat /proc/1/comm')"
check "inspect gives the router's interfaces, routes and capabilities as JSON" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["state"] == "running" and d["pid"] > 0
assert [i["ipv4"] for i in d["interfaces"]] == ["10.0.1.254/24", "10.0.2.254/24"]
assert "NET_ADMIN" in d["capabilities"] and "SYS_ADMIN" not in d["capabilities"]
assert d["routes"][0] == {"to": "default", "via": "10.0.1.1"}
' "$(nc -f configs/lab.yaml inspect router)"
router_pid=$(nc -f configs/lab.yaml ps --format json | python3 -c 'import json,sys; print([c["pid"] for c in json.load(sys.stdin) if c["name"]=="router"][0])')
check_match "a second up of the unchanged file changes nothing" "$(nc up -d configs/lab.yaml 2>&1)" '0 created, 0 recreated, 3 unchanged'
check_eq "... the router keeps its PID" "$(nc -f configs/lab.yaml ps --format json | python3 -c 'import json,sys; print([c["pid"] for c in json.load(sys.stdin) if c["name"]=="router"][0])')" "$router_pid"

check "down" nc -p lab down
check_clean lab
check "down again is a no-op" nc -p lab down

# Memory limit: the hog is killed inside its own cgroup, its neighbour runs on.
cat > /tmp/oomlab.yaml <<'YAML'
name: oomlab
services:
  hog:
    command: ["sh", "-c", "dd if=/dev/zero of=/dev/null bs=256M count=1 && echo dd-done || echo dd-failed; sleep 1000"]
    mem_limit: 32m
  steady:
    command: ["sleep", "1000"]
    mem_limit: 32m
YAML
check "up -d the OOM lab" nc up -d /tmp/oomlab.yaml
for _ in $(seq 50); do grep -q dd- /run/ncompose/oomlab/containers/hog/log 2>/dev/null && break; sleep 0.1; done
check_match "the hog's dd did not survive its memory limit" "$(cat /run/ncompose/oomlab/containers/hog/log 2>&1)" 'dd-failed'
oom=0
for f in /sys/fs/cgroup/memory/ncompose/oomlab/hog/memory.oom_control \
	/sys/fs/cgroup/ncompose/oomlab/hog/memory.events; do
	[ -f "$f" ] && oom=$(awk '/^oom_kill /{print $2}' "$f")
done
check "... by the OOM killer of its own cgroup" test "${oom:-0}" -ge 1
check "the neighbour still runs" nc -p oomlab exec steady true
check_match "logs shows the hog's lines with its name in front" "$(nc -p oomlab logs)" '^hog +\| dd-failed'
check_match "logs SERVICE shows only that service" "$(nc -p oomlab logs steady; echo end)" '^end$'
check_fails "logs of an unknown service is refused" nc -p oomlab logs nosuch
check "down the OOM lab" nc -p oomlab down
check_clean oomlab

finish
