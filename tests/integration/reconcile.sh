#!/bin/bash
# A second `up` applies the file: new services are created, changed ones
# recreated, the others keep running (same PID); orphans are warned about
# or removed; a failed reconcile leaves the lab as it was; `down` leaves
# nothing after all of it.
. "$NC_SRC/tests/lib/lib.sh"

dir=$(mktemp -d)
f=$dir/compose.yaml
trap 'nc -p rc down >/dev/null 2>&1; rm -rf "$dir"' EXIT

# write [EXTRA-SERVICES [EXTRA-NETWORKS]]; $X is a's environment.
X=1
write() {
	cat >"$f" <<YAML
name: rc
networks:
  lan: {ipam: {config: [{subnet: 10.41.0.0/24}]}}
${2:-}
services:
  a: {command: [sleep, '1000'], networks: {lan: {ipv4_address: 10.41.0.10}}, environment: {X: '$X'}}
  b: {command: [sleep, '1000'], networks: {lan: {ipv4_address: 10.41.0.11}}}
${1:-}
YAML
}

field_of() { # service field
	nc -p rc ps --format json |
		python3 -c "import json,sys; print([c['$2'] for c in json.load(sys.stdin) if c['name'] == '$1'][0])"
}
pid_of() { field_of "$1" pid; }

write
out=$(nc -f "$f" up -d 2>/dev/null)
check_eq "up -d off a terminal ends with a summary line" "$out" "rc: 2 created, 0 recreated, 0 unchanged"
a0=$(pid_of a); b0=$(pid_of b)

out=$(nc -f "$f" up -d 2>&1)
check_match "the same file again: every service unchanged" "$out" "^a: unchanged"
check_match "... with the summary" "$out" "rc: 0 created, 0 recreated, 2 unchanged"
check_eq "... a keeps its PID" "$(pid_of a)" "$a0"
check_eq "... b keeps its PID" "$(pid_of b)" "$b0"

# A new service: created; the others keep their PIDs.
C="  c: {command: [sleep, '1000'], networks: {lan: {ipv4_address: 10.41.0.12}}}"
write "$C"
out=$(nc -f "$f" up -d 2>&1)
check_match "a new service is created" "$out" "^c: created"
check_match "... the others unchanged" "$out" "rc: 1 created, 0 recreated, 2 unchanged"
check_eq "... a keeps its PID" "$(pid_of a)" "$a0"
check_eq "... b keeps its PID" "$(pid_of b)" "$b0"
check "... c reaches a over the network" nc -p rc exec c ping -c1 -W2 10.41.0.10
check_match "... b, kept running, resolves c by name (its /etc/hosts lists it)" "$(nc -p rc exec b getent hosts c)" "^10\.41\.0\.12 "
check "... and reaches it" nc -p rc exec b ping -c1 -W2 c
c0=$(pid_of c)

# a's environment changes: only a is recreated, and --verbose says why.
X=2 write "$C"
out=$(nc -v -f "$f" up -d 2>&1)
check_match "a changed environment recreates its service, saying why" "$out" "^a: recreated \(process\)"
check "... a has a new PID" test "$(pid_of a)" != "$a0"
check_eq "... b keeps its PID" "$(pid_of b)" "$b0"
check_eq "... c keeps its PID" "$(pid_of c)" "$c0"
check_eq "... a has the new value" "$(nc -p rc exec a printenv X)" "2"
check "... a is reachable again" nc -p rc exec b ping -c1 -W2 10.41.0.10
a1=$(pid_of a)
X=2

# c is gone from the file: warned about by name and left running; removed
# with --remove-orphans.
write
out=$(nc -f "$f" up -d 2>&1)
check_match "a service gone from the file is warned about, by name" "$out" "orphan service \(c\)"
check_eq "... and left running" "$(pid_of c)" "$c0"
out=$(nc -f "$f" up -d --remove-orphans 2>&1)
check_match "--remove-orphans removes it" "$out" "^c: removed"
check_fails "... its namespace is gone" ip netns exec rc-c true
check_eq "... a keeps its PID" "$(pid_of a)" "$a1"
check_eq "... b keeps its PID" "$(pid_of b)" "$b0"
check_fails "... and b no longer resolves c" nc -p rc exec b getent hosts c
out=$(nc -f "$f" up -d 2>&1)
check_match "... and is no orphan any more" "$out" "rc: 0 created, 0 recreated, 2 unchanged"

# A new network, and a service on it.
D="  d: {command: [sleep, '1000'], networks: {lan2: {ipv4_address: 10.42.0.5}}}"
N="  lan2: {ipam: {config: [{subnet: 10.42.0.0/24}]}}"
write "$D" "$N"
out=$(nc -f "$f" up -d 2>&1)
check_match "a new network and a service on it: the service is created" "$out" "^d: created"
check_eq "... a keeps its PID" "$(pid_of a)" "$a1"
check_match "... d has its address" "$(nc -p rc exec d ip -o addr show)" "10\.42\.0\.5/24"
d0=$(pid_of d)

# A network defined differently is not changed under running containers.
write "  d: {command: [sleep, '1000'], networks: {lan2: {ipv4_address: 10.43.0.5}}}" "  lan2: {ipam: {config: [{subnet: 10.43.0.0/24}]}}"
out=$(nc -f "$f" up -d 2>&1); rc=$?
check_match "a changed subnet is refused, saying to down and up again" "$out rc=$rc" "network .lan2. is defined differently.*ncompose down.* rc=2"
check_eq "... d keeps its PID" "$(pid_of d)" "$d0"
check_match "... and its address" "$(nc -p rc exec d ip -o addr show)" "10\.42\.0\.5/24"
write "$D" "$N"

# --no-recreate: a change is not applied.
X=3 write "$D" "$N"
nc -f "$f" up -d --no-recreate >/dev/null 2>&1
check_eq "--no-recreate leaves a changed service running" "$(pid_of a)" "$a1"

# up SERVICE: only it (and what it depends on).
nc -f "$f" up -d b >/dev/null 2>&1
check_eq "up b leaves a changed a running" "$(pid_of a)" "$a1"
nc -f "$f" up -d a >/dev/null 2>&1
check "up a recreates a" test "$(pid_of a)" != "$a1"
check_eq "... b keeps its PID" "$(pid_of b)" "$b0"
check_eq "... a has the new value" "$(nc -p rc exec a printenv X)" "3"
a2=$(pid_of a)
X=3
cp "$f" "$dir/good.yaml"

# A failing reconcile: a new service whose program does not exist, while a
# is to be recreated. The lab runs on as it was.
X=4 write "  bad: {command: [/no/such/program], networks: {lan: {ipv4_address: 10.41.0.20}}}
$D" "$N"
out=$(nc -f "$f" up -d 2>&1); rc=$?
check_eq "a reconcile whose new service cannot start fails with exit 1" "$rc" 1
check_match "... and says the lab runs as before" "$out" "as it did before"
check_fails "... the new service's namespace is gone" ip netns exec rc-bad true
check_eq "... a, stopped to be recreated, runs again" "$(field_of a state)" running
check_eq "... with its old environment" "$(nc -p rc exec a printenv X)" "3"
check_eq "... b keeps its PID" "$(pid_of b)" "$b0"
check_eq "... d keeps its PID" "$(pid_of d)" "$d0"
out=$(nc -f "$dir/good.yaml" up -d 2>&1)
check_match "... and the file it ran is what runs" "$out" "rc: 0 created, 0 recreated, 3 unchanged"

# --force-recreate: every service anew.
out=$(nc -f "$dir/good.yaml" up -d --force-recreate 2>&1)
check_match "--force-recreate recreates every service" "$out" "rc: 0 created, 3 recreated, 0 unchanged"
check "... b has a new PID" test "$(pid_of b)" != "$b0"
check "... d has a new PID" test "$(pid_of d)" != "$d0"
check "... b reaches d's network through... its own: b reaches a" nc -p rc exec b ping -c1 -W2 10.41.0.10

check "down" nc -p rc down
check_clean rc

finish
