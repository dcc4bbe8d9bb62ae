#!/bin/bash
# Grading: `test` refuses a lab that is not up; via/hops checks through a
# chain of three routers with the kernel's default ICMP rate limit pass 20
# runs in a row (and the old single-shot probe does not); named sets,
# expect: fail, --wait and JUnit; a dead service is named.
. "$NC_SRC/tests/lib/lib.sh"

lab="$NC_SRC/tests/integration/labs/grade.yaml"
trap 'nc -f "$lab" down >/dev/null 2>&1' EXIT

out=$(nc -f "$lab" test 2>&1); rc=$?
check_eq "test on a lab that is not up exits 1" "$rc" "1"
check_match "and says it is not up" "$out" "project \`grade\` is not up"

check "up -d the graded chain" nc -f "$lab" up -d
check_eq "the rate limit is the kernel default inside r2" \
	"$(nc -f "$lab" exec r2 cat /proc/sys/net/ipv4/icmp_ratelimit)" "1000"

out=$(nc --verbose -f "$lab" test --set converged --wait 30 2>&1); rc=$?
check_eq "test --wait 30: the converged set passes" "$rc" "0"
# No router: service and no daemon's configuration: --wait goes straight
# to the checks (it used to watch the tables for 2 s first).
check_match "--verbose says the lab has no routing daemons to wait for" "$out" 'test: no routing daemons'
check_match "--wait reports when each check passed" \
	"$(nc -f "$lab" test --set converged --wait 5)" 'passed after [0-9.]+ s'

# 20 runs back to back: the routers' "time exceeded" bucket (6, then one a
# second) drains after a few runs; the retries must ride it out.
passes=0
for i in $(seq 20); do
	nc -f "$lab" test --set converged >/dev/null 2>&1 && passes=$((passes + 1))
done
check_eq "20 runs in a row pass 20 times" "$passes" "20"

# Control: one shot at each TTL, as before, loses hops to the rate limit.
single=0
for i in $(seq 20); do
	NCOMPOSE_CHECK_PATH_TRIES=1 nc -f "$lab" test --set converged >/dev/null 2>&1 || single=$((single + 1))
done
echo "# single-shot probes failed $single of 20 runs"
check "control: single-shot probes fail at least once in 20 runs" test "$single" -ge 1

out=$(nc -f "$lab" test --set after-cut 2>&1); rc=$?
check_eq "the after-cut set fails while the chain is whole" "$rc" "1"
check_match "and says it answered" "$out" "FAIL client does not reach server.*it answered"
check_match "expect: fail passes on a closed port" "$(nc -f "$lab" test --set converged)" \
	'PASS client cannot connect over TCP to server:9 .*as expected'
out=$(nc -f "$lab" test --set nope 2>&1); rc=$?
check_eq "an unknown set is a usage error" "$rc" "2"
check_match "that lists the sets" "$out" 'its sets: `converged`, `after-cut`'

junit=$(nc -f "$lab" test --format junit --set converged)
check "JUnit validates against the schema" xmllint --noout --schema "$NC_SRC/tests/data/junit/junit.xsd" - <<<"$junit"
check_match "JUnit counts errors and failures" "$junit" 'tests="5" failures="0" errors="0"'

# A dead router: its checks name it rather than time out.
pid=$(nc -f "$lab" ps --format json | python3 -c 'import json,sys; print([c["pid"] for c in json.load(sys.stdin) if c["name"]=="r2"][0])')
kill -KILL "$pid"
for i in $(seq 50); do nc -f "$lab" ps | grep -q '^r2 .*running' || break; sleep 0.1; done
out=$(nc -f "$lab" test --set converged 2>&1); rc=$?
check_eq "test fails with r2 dead" "$rc" "1"
check_match "and names the dead service" "$out" 'ERROR .*service `r2` is not running'

check "down" nc -f "$lab" down
finish
