#!/bin/bash
# run: a one-off container of a service of a project that is up. Its
# output and exit status come back; --rm removes it; without --rm `ps -a`
# lists it; -e and -w reach it; it reaches the other service; the
# services keep their PIDs; `down` removes everything.
. "$NC_SRC/tests/lib/lib.sh"

dir=$(mktemp -d)
f=$dir/compose.yaml
trap 'nc -p rn down >/dev/null 2>&1; rm -rf "$dir"' EXIT
cat >"$f" <<'YAML'
name: rn
networks:
  lan: {ipam: {config: [{subnet: 10.42.0.0/24}]}}
services:
  a: {command: sleep infinity, networks: {lan: {ipv4_address: 10.42.0.10}}, environment: {X: from-file}}
  b: {command: sleep infinity, networks: [lan]}
YAML

field_of() { # service field
	nc -p rn ps -a --format json |
		python3 -c "import json,sys; print([c['$2'] for c in json.load(sys.stdin) if c['name'] == '$1'][0])"
}
names() { nc -p rn ps -a --format json | python3 -c "import json,sys; print(' '.join(sorted(c['name'] for c in json.load(sys.stdin))))"; }

check "up -d" nc -f "$f" up -d
a0=$(field_of a pid); b0=$(field_of b pid)

out=$(nc -f "$f" run --rm a echo hi 2>/dev/null); rc=$?
check_eq "run --rm a echo hi prints hi" "$out" "hi"
check_eq "... and exits 0" "$rc" 0
check_eq "... and leaves no one-off (ps -a)" "$(names)" "a b"

nc -f "$f" run --rm a sh -c 'exit 3' >/dev/null 2>&1; rc=$?
check_eq "run a sh -c 'exit 3' exits 3" "$rc" 3

out=$(nc -f "$f" run --rm -e X=from-run -e Y=2 a sh -c 'echo $X $Y' 2>/dev/null)
check_eq "-e sets and overrides the environment" "$out" "from-run 2"
out=$(nc -f "$f" run --rm a sh -c 'echo $X' 2>/dev/null)
check_eq "... the service's own environment otherwise" "$out" "from-file"

out=$(nc -f "$f" run --rm -w /tmp a pwd 2>/dev/null)
check_eq "-w sets the working directory" "$out" "/tmp"

out=$(nc -f "$f" run --rm -u 1000 a id -u 2>/dev/null)
check_eq "-u sets the user" "$out" "1000"
out=$(nc -f "$f" run --rm --entrypoint "echo from" a entrypoint 2>/dev/null)
check_eq "--entrypoint replaces the entrypoint" "$out" "from entrypoint"
nc -f "$f" run --rm nope true >/dev/null 2>&1; rc=$?
check_eq "run of a service not in the file is a usage error" "$rc" 2

check "the one-off reaches b by name" nc -f "$f" run --rm a ping -c1 -W2 b
check "the one-off reaches a by address" nc -f "$f" run --rm b ping -c1 -W2 10.42.0.10
out=$(nc -f "$f" run --rm a sh -c "ip -4 -o addr show | grep -c 10.42.0.10" 2>/dev/null)
check_eq "... with an address of its own (not a's static one)" "$out" "0"

out=$(nc -f "$f" run a true 2>/dev/null); rc=$?
check_eq "run without --rm exits 0" "$rc" 0
check_match "... and ps -a lists the exited one-off" "$(nc -p rn ps -a)" "a-run-[0-9a-f]{8} +exited\(0\)"
check_eq "... ps without -a does not" "$(nc -p rn ps | grep -c -- -run-)" "0"

n1=$(nc -f "$f" run -d a sleep 1000 2>/dev/null)
check_match "run -d prints the one-off's name" "$n1" "^a-run-[0-9a-f]{8}$"
n2=$(nc -f "$f" run -d a sleep 1000 2>/dev/null)
ip1=$(in_ns "rn-$n1" ip -4 -o addr show eth0 | awk '{print $4}')
ip2=$(in_ns "rn-$n2" ip -4 -o addr show eth0 | awk '{print $4}')
check "two one-offs running together have addresses of their own" test -n "$ip1" -a -n "$ip2" -a "$ip1" != "$ip2"
check "... and reach each other" in_ns "rn-$n1" ping -c1 -W2 "${ip2%/*}"
p1=$(field_of "$n1" pid)
out=$(nc -f "$f" up -d 2>&1); rc=$?
check_eq "a second up applies the file" "$rc" 0
check_eq "... and takes no one-off for an orphan" "$(grep -c orphan <<<"$out")" "0"
check_eq "... the running one-off keeps its PID" "$(field_of "$n1" pid)" "$p1"

check_eq "a keeps its PID" "$(field_of a pid)" "$a0"
check_eq "b keeps its PID" "$(field_of b pid)" "$b0"

check "down" nc -p rn down
check_clean rn
nc -f "$f" run --rm a true >/dev/null 2>&1; rc=$?
check_eq "run in a project that is not up fails" "$rc" 1
check_eq "... and makes nothing" "$(leftovers rn)" ""

finish
