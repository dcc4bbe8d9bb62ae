#!/bin/bash
# Every example lab in configs/ comes up, passes its own checks with
# `ncompose test`, passes `pingall` (every pair that shares a network
# answers), and goes down leaving nothing.
. "$NC_SRC/tests/lib/lib.sh"

cd "$NC_SRC"
for f in configs/*.yaml; do
	p=$(awk '/^name:/ {print $2; exit}' "$f")
	trap "nc -p $p down >/dev/null 2>&1" EXIT
	check "$f: up -d" nc up -d "$f"
	out=$(nc -f "$f" test 2>&1)
	check_match "$f: every check passes" "$out" 'checks passed$'
	if ! echo "$out" | grep -q '^\([0-9]*\) of \1 checks passed$'; then
		check "$f: test exits 0" false
		echo "$out" | sed 's/^/#   /'
	fi
	if [ "$f" = configs/lab.yaml ]; then
		check_match "$f: test with -p alone, elsewhere (the file comes from the journal)" \
			"$(cd / && nc -p "$p" test 2>&1)" 'checks passed$'
	fi
	check "$f: pingall" nc -p "$p" pingall
	if [ "$p" = home ]; then
		# The checks only open the connection; the page must come back.
		check_match "$f: the web server answers through both NATs" \
			"$(socat -T 3 - TCP:127.0.0.1:8080 <<<'GET / HTTP/1.0' 2>&1)" 'hello from the LAN'
	fi
	check "$f: down" nc -p "$p" down
	check_clean "$p"
done
finish
