#!/bin/bash
# The everyday commands as a Compose user types them: ps's filters, exec's
# Docker flags, stop/start/restart of everything and their -t, logs -f that
# ends, Compose options answered in one line, and the message without root.
. "$NC_SRC/tests/lib/lib.sh"

lab=$NC_SRC/tests/integration/labs/cli/compose.yaml
work=$(mktemp -d /run/cli.XXXXXX)
trap 'nc -p clitest down -t 0 >/dev/null 2>&1; rm -rf "$work"' EXIT
pid_of() { nc -p clitest ps -a --format json | python3 -c "import json,sys; print([c for c in json.load(sys.stdin) if c['name']=='$1'][0]['pid'])"; }
names() { tr '\n' ' ' | sed 's/ $//'; }

check "up -d" nc -f "$lab" up -d
# oneshot has ended once its line is in its log (the init wrote it last).
for _ in $(seq 100); do nc -p clitest ps --status exited -q | grep -q oneshot && break; sleep 0.1; done

# --- ps
ps_out=$(nc -p clitest ps)
check_match "ps lists running containers" "$ps_out" '^web +running'
check "... but not exited ones (as Compose)" test -z "$(printf '%s\n' "$ps_out" | grep '^oneshot')"
check_match "ps -a lists the exited one too" "$(nc -p clitest ps -a)" '^oneshot +exited\(0\)'
check_eq "ps -q: names only" "$(nc -p clitest ps -q | names)" "web stubborn"
check_eq "ps -a -q" "$(nc -p clitest ps -a -q | names)" "web oneshot stubborn"
check_eq "ps --services" "$(nc -p clitest ps --services | names)" "web stubborn"
check_eq "ps --status exited" "$(nc -p clitest ps -q --status exited | names)" "oneshot"
check_eq "ps --status is repeatable" "$(nc -p clitest ps -q --status exited --status running | names)" \
	"web oneshot stubborn"
check_eq "ps SERVICE..." "$(nc -p clitest ps -q -a oneshot web | names)" "web oneshot"
check "ps -a --format json stays valid JSON" python3 -c \
	'import json,sys; d=json.loads(sys.argv[1]); assert [c["name"] for c in d]==["web","oneshot","stubborn"] and d[1]["exit_code"]==0' \
	"$(nc -p clitest ps -a --format json)"
out=$(nc -p clitest ps nope 2>&1); rc=$?
check_match "ps of an unknown service is a usage error naming it" "$out rc=$rc" 'no service `nope`.* rc=2$'
out=$(nc -p clitest ps --status sleeping 2>&1); rc=$?
check_match "ps --status names the statuses it knows" "$out rc=$rc" 'running, restarting, paused, exited.* rc=2$'

# --- exec as Docker spells it
check_match "exec -it (combined) allocates a terminal" "$(nc -p clitest exec -it web tty </dev/null)" '^/dev/pts/[0-9]+'
check_eq "exec -i keeps stdin" "$(echo piped | nc -p clitest exec -i -T web cat)" "piped"
check_eq "exec -e -w -u" "$(nc -p clitest exec -e K=v -w /tmp -u 1234 web sh -c 'echo $K $(pwd) $(id -u)')" "v /tmp 1234"
check_eq "exec --index 1 is the service's container" "$(nc -p clitest exec --index 1 web echo one)" "one"
out=$(nc -p clitest exec --index 2 web true 2>&1); rc=$?
check_match "exec --index 2 is refused in one line" "$out rc=$rc" '^ncompose: exec: --index 2: .* rc=2$'
out=$(nc -p clitest exec --privileged web true 2>&1); rc=$?
check_match "exec --privileged is refused with the reason" "$out rc=$rc" \
	'^ncompose: exec: --privileged is refused: .*cap_add.* rc=2$'
out=$(nc -p clitest exec -d web sleep 4242 2>&1); rc=$?
check_eq "exec -d returns at once with 0" "$out rc=$rc" " rc=0"
check "... and the command runs on in the container" pgrep -f '^sleep 4242$'
check "... as a process of the container's cgroup" \
	grep -q '/ncompose/clitest/web' /proc/"$(pgrep -f '^sleep 4242$' | head -1)"/cgroup
out=$(nc -p clitest exec -d web /no/such 2>&1); rc=$?
check_match "exec -d of a missing command says so, 127" "$out rc=$rc" 'No such file.* rc=127$'

# --- logs -f that ends
out=$(timeout 60 "$NCOMPOSE" -p clitest logs -f oneshot); rc=$?
check_eq "logs -f of a container that exited prints its log and ends" "$out rc=$rc" "oneshot | oneshot-done rc=0"
timeout 60 "$NCOMPOSE" -p clitest logs -f web >"$work/web.log" 2>&1 &
follower=$!
for _ in $(seq 100); do grep -q web-up "$work/web.log" && break; sleep 0.1; done
check "control: logs -f follows a running container" kill -0 "$follower"

# --- stop / start / restart: no SERVICE means all; -t
check "stop -t 1 SERVICE stops one that ignores SIGTERM (grace 600 s)" nc -p clitest stop -t 1 stubborn
check_match "... which is exited" "$(nc -p clitest ps -a)" '^stubborn +stopped\(137\)'
check_match "... and the others still run" "$(nc -p clitest ps)" '^web +running'
check "stop with no service stops every service" nc -p clitest stop -t 1
wait "$follower"
check_eq "logs -f ended when the container it followed stopped" "$?" "0"
check_eq "... after its lines" "$(cat "$work/web.log")" "web | web-up"
check_eq "nothing runs" "$(nc -p clitest ps -q | names)" ""
check "start with no service starts every service" nc -p clitest start
check_eq "... all of them" "$(nc -p clitest ps -q --status running | names)" "web stubborn"
web1=$(pid_of web)
stub1=$(pid_of stubborn)
check "restart -t 1 with no service" nc -p clitest restart -t 1
check "... restarts web (a new init)" test "$(pid_of web)" != "$web1"
check "... and stubborn" test "$(pid_of stubborn)" != "$stub1"
out=$(nc -p clitest start -t 1 web 2>&1); rc=$?
check_match "start takes no -t (as Compose)" "$out rc=$rc" 'unknown option.* rc=2$'
out=$(nc -p clitest stop -t soon 2>&1); rc=$?
check_match "stop -t wants seconds" "$out rc=$rc" 'seconds.*`soon`.* rc=2$'

# --- Compose's options that make no sense here: one line each
out=$(nc -p clitest --ansi never --compatibility ps -q 2>&1 >/dev/null); rc=$?
check_eq "global --ansi and --compatibility are ignored with a note each" "$(echo "$out" | wc -l) rc=$rc" "2 rc=0"
check_match "... saying why" "$out" '^ncompose: --ansi ignored: colours follow the terminal'
out=$(nc -p clitest --dry-run down 2>&1); rc=$?
check_match "--dry-run is refused in one line" "$out rc=$rc" '^ncompose: --dry-run is not supported: .* rc=2$'
check_eq "... and nothing was done" "$(nc -p clitest ps -q | names)" "web stubborn"
out=$(nc -p clitest ps --filter status=running 2>&1); rc=$?
check_match "ps --filter is refused, pointing at --status" "$out rc=$rc" '^ncompose: ps: --filter is not supported: use --status.* rc=2$'
out=$(nc -f "$lab" up -d --scale web=2 2>&1); rc=$?
check_match "up --scale is refused with the reason" "$out rc=$rc" '^ncompose: up: --scale is not supported: one container per service.* rc=2$'
out=$(nc -p clitest logs --no-color --no-log-prefix web 2>&1); rc=$?
check_match "logs --no-color is ignored with a note" "$out rc=$rc" '^ncompose: logs: --no-color ignored: colours'
check_match "... and the logs are printed" "$out rc=$rc" '^web-up rc=0$'
out=$(nc push 2>&1); rc=$?
check_match "a Compose command with no counterpart is answered in one line" "$out rc=$rc" \
	'^ncompose: `push` is not a command here: nothing is pushed.* rc=2$'

# --- without root
nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
out=$(nobody "$NCOMPOSE" -p clitest ps 2>&1); rc=$?
check_match "ps without root: one message saying root is needed" "$out rc=$rc" '^ncompose: ps needs root: .* rc=1$'
check_eq "... one line" "$(echo "$out" | wc -l)" "1"
check "control: root gets past it" nc -p clitest ps
check "--help needs no root" nobody "$NCOMPOSE" ps --help
cp "$lab" "$work/compose.yaml"
chmod 755 "$work"
chmod 644 "$work/compose.yaml"
check "config needs no root" nobody "$NCOMPOSE" -f "$work/compose.yaml" config -q

# --- logs -f ends when the project goes down
timeout 60 "$NCOMPOSE" -p clitest logs -f >"$work/all.log" 2>&1 &
follower=$!
for _ in $(seq 100); do grep -q stubborn-up "$work/all.log" && break; sleep 0.1; done
check "control: logs -f follows the project" kill -0 "$follower"
check "down" nc -p clitest down -t 1
wait "$follower"
check_eq "logs -f ended when the project went down" "$?" "0"
check_clean clitest

finish
