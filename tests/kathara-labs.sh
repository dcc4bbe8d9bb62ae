#!/bin/bash
# Every lab under tests/data/kathara-labs (small labs written in the shapes
# Kathará's own lab repository has: metadata lines, device folders without
# lab.conf, an empty lab.conf, a device twice on one collision domain,
# every per-device option, Quagga-era folders, CRLF lines and shared/)
# imports to a file `ncompose config` accepts, and each of them is counted:
# a lab the import check stops finding fails here too.
#   tests/kathara-labs.sh SRC NCOMPOSE
set -u
src=${1:?usage: kathara-labs.sh SRC NCOMPOSE} nc=${2:?usage: kathara-labs.sh SRC NCOMPOSE}
labs=$src/tests/data/kathara-labs
want=$(find "$labs" -mindepth 1 -maxdepth 1 -type d | wc -l)
out=$("$src/scripts/kathara-import-check" "$labs" "$nc")
rc=$?
echo "$out"
fail=0
if [ "$rc" != 0 ] || [ "$(tail -1 <<<"$out")" != "accepted $want of $want" ]; then
	echo "FAIL: expected \"accepted $want of $want\" (one per directory of $labs)"
	fail=1
fi
# What a few shapes became (the unit suite compose-kathara checks the rest).
has() { # what lab pattern
	if grep -qE -- "$3" <<<"$("$nc" import kathara "$labs/$2" 2>&1)"; then
		echo "ok: $1"
	else
		echo "FAIL: $1: no line matching /$3/"
		fail=1
	fi
}
has "a lab of folders only: its directories are the devices" folders-only '^  server:$'
has "... said in one line of warning" folders-only 'has no lab.conf.*2 directories are the devices'
has "an empty lab.conf is a lab of folders too" empty-conf '^  h2:$'
has "a device twice on one domain: a list of two attachments" twice-on-a-domain '^        - interface_name: eth1$'
has "[ipv6]=\"false\" turns IPv6 off in the device" options 'net\.ipv6\.conf\.all\.disable_ipv6=1'
has "[num_terms] is one line of warning" options 'lab.conf:7: `r1\[num_terms\]`: no terminal opens here'
has "[shell] runs the startup script" options '/bin/bash /kathara/r1\.startup'
has "LAB_ metadata is kept" static-routes '^  LAB_WEB: '
if [ ! -x /etc/init.d/quagga ]; then
	out=$("$nc" import kathara "$labs/quagga-rip" --host-image kathara/quagga 2>&1 >/dev/null)
	if grep -q 'r2.startup:2: `zebra -d` starts Quagga, which is not installed on this host' <<<"$out"; then
		echo "ok: a startup that starts Quagga on a host without it: one line names it"
	else
		echo "FAIL: no warning about Quagga: $out"
		fail=1
	fi
fi
exit $fail
