#!/bin/bash
# A second `up` applies the file: new services are created, changed ones
# recreated, the others keep running (same PID); orphans are warned about
# or removed; a failed reconcile leaves the lab as it was; `down` leaves
# nothing after all of it.
. "$NC_SRC/tests/lib/lib.sh"

dir=$(mktemp -d)
f=$dir/compose.yaml
trap 'nc -p rc down >/dev/null 2>&1; rm -rf "$dir"' EXIT

# The lab: NET and SVCS are edited between `up`s.
write() { # extra services yaml, extra networks yaml
	cat >"$f" <<YAML
name: rc
networks:
  lan: {ipam: {config: [{subnet: 10.41.0.0/24}]}}
$2
services:
  a: {command: [sleep, '1000'], networks: {lan: {ipv4_address: 10.41.0.10}}, environment: {X: '1'}}
  b: {command: [sleep, '1000'], networks: {lan: {ipv4_address: 10.41.0.11}}}
$1
YAML
}

pid_of() { # service
	nc -p rc ps --format json |
		python3 -c "import json,sys; print([c['pid'] for c in json.load(sys.stdin) if c['name'] == '$1'][0])"
}

write "" ""
out=$(nc -f "$f" up -d 2>/dev/null)
check_eq "up -d off a terminal ends with a summary line" "$out" "rc: 2 created, 0 recreated, 0 unchanged"
a0=$(pid_of a); b0=$(pid_of b)

out=$(nc -f "$f" up -d 2>&1)
check_match "the same file again: every service unchanged" "$out" "a: unchanged"
check_match "... with the summary" "$out" "rc: 0 created, 0 recreated, 2 unchanged"
check_eq "... a keeps its PID" "$(pid_of a)" "$a0"
check_eq "... b keeps its PID" "$(pid_of b)" "$b0"

finish
