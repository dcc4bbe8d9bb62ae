#!/bin/bash
# build-hostile: ADD of a crafted local archive never reaches outside the
# image. Each archive is first extracted by a naive extractor (Python's
# tarfile with no filter) as the control: the attack works there, so the
# refusal or containment seen in the build is ncompose's doing.
. "$NC_SRC/tests/lib/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is missing (scripts/bootstrap installs it)"
work=$(mktemp -d /var/lib/ncompose/build-hostile.XXXXXX)
srv=
trap 'nc -p bh -f "$work/compose.yaml" down >/dev/null 2>&1; [ -n "$srv" ] && kill $srv; rm -rf "$work"' EXIT

serve_test_image "$work" 5303

mkdir -p "$work/ctx" "$work/target"
echo host-only > "$work/hostfile"
cat > "$work/compose.yaml" <<'YAML'
services:
  app:
    build: ctx
    command: sleep 1000
    network_mode: none
YAML
lab() { nc -p bh -f "$work/compose.yaml" "$@"; }
df() { printf 'FROM 127.0.0.1:5303/test/img:1\n%b' "$1" > "$work/ctx/Dockerfile"; }

# mktar NAME KIND...: a crafted archive ctx/NAME.tar of the entries KIND
# names, written with Python's tarfile (GNU tar refuses to write some).
mktar() {
	python3 - "$work" "$@" <<'PY'
import io, sys, tarfile
work, name, kinds = sys.argv[1], sys.argv[2], sys.argv[3:]
def add(t, ti, data=b""):
    ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
    t.addfile(ti, io.BytesIO(data) if data else None)
with tarfile.open(f"{work}/ctx/{name}.tar", "w", format=tarfile.USTAR_FORMAT) as t:
    for k in kinds:
        if k == "ok":
            add(t, tarfile.TarInfo("fine.txt"), b"fine\n")
        elif k == "dotdot":
            add(t, tarfile.TarInfo("../../escaped.txt"), b"escaped\n")
        elif k == "symlink":
            ti = tarfile.TarInfo("evil"); ti.type = tarfile.SYMTYPE; ti.linkname = f"{work}/target"
            add(t, ti)
            add(t, tarfile.TarInfo("evil/owned"), b"owned\n")
        elif k == "hardlink":
            ti = tarfile.TarInfo("hl"); ti.type = tarfile.LNKTYPE; ti.linkname = f"{work}/hostfile"
            add(t, ti)
        elif k == "hardlink-up":
            ti = tarfile.TarInfo("hl"); ti.type = tarfile.LNKTYPE; ti.linkname = "../../../../../../" + f"{work}/hostfile"
            add(t, ti)
        elif k == "device":
            ti = tarfile.TarInfo("disk"); ti.type = tarfile.BLKTYPE; ti.devmajor, ti.devminor = 7, 0
            add(t, ti)
            ti = tarfile.TarInfo("mem"); ti.type = tarfile.CHRTYPE; ti.devmajor, ti.devminor = 1, 1
            add(t, ti)
        elif k == "goodlink":
            ti = tarfile.TarInfo("same"); ti.type = tarfile.LNKTYPE; ti.linkname = "fine.txt"
            add(t, ti)
        elif k == "whiteout":
            add(t, tarfile.TarInfo(".wh.passwd"), b"")
PY
}
# naive NAME: the control, extracting NAME.tar two levels below $work/naive.
naive() {
	rm -rf "$work/naive"
	mkdir -p "$work/naive/a/b"
	python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
		"$work/ctx/$1.tar" "$work/naive/a/b" 2>/dev/null
}

mktar dotdot ok dotdot
naive dotdot
check_eq "control: a naive extractor writes ../../escaped.txt outside its directory" "$(cat "$work/naive/escaped.txt" 2>&1)" "escaped"
df 'ADD dotdot.tar /opt/x/\n'
out=$(lab build 2>&1); rc=$?
check_eq "ADD of an archive with a ../ entry is refused as bad input (exit 2)" "$rc" "2"
check_match "... naming the Dockerfile's line, the archive and the entry" "$out" \
	'ctx/Dockerfile:2: ADD `dotdot.tar`: entry `../../escaped.txt` climbs out of its directory \(refused\)'
check_fails "... and nothing was written outside" test -e "$work/escaped.txt"

mktar symlink ok symlink
naive symlink
check_eq "control: a naive extractor writes through an absolute symlink into the host" "$(cat "$work/target/owned" 2>&1)" "owned"
rm -f "$work/target/owned"
df 'ADD symlink.tar /opt/x/\n'
out=$(lab build 2>&1); rc=$?
check_fails "ADD of an archive writing through its own absolute symlink never writes to the host's path" \
	test -e "$work/target/owned"
if [ "$rc" = 0 ]; then
	check "... the build that succeeded runs" lab up -d
	check_eq "... and evil/owned is inside the image, at the link's target there" \
		"$(lab exec app sh -c "cat /opt/x/fine.txt; readlink /opt/x/evil; cat $work/target/owned 2>/dev/null || cat /opt/x/evil/owned 2>/dev/null || echo absent" 2>&1 | head -2)" \
		"fine
$work/target"
	lab down >/dev/null 2>&1
else
	check_match "... the refused build says why" "$out" 'symlink|refused|outside'
fi

mktar hardlink ok hardlink
naive hardlink
check_eq "control: a naive extractor hard-links a host file given by absolute path" "$(cat "$work/naive/a/b/hl" 2>&1)" "host-only"
df 'ADD hardlink.tar /opt/x/\n'
out=$(lab build 2>&1); rc=$?
check_eq "ADD of an archive hard-linking a path of the host is refused as bad input (exit 2)" "$rc" "2"
check_match "... at build time, naming the entry: a link names only an earlier entry" "$out" \
	'ctx/Dockerfile:2: ADD `hardlink.tar`: link `hl` names `.*/hostfile`, which is no earlier file of the archive \(refused\)'
check_fails "... and shows no host content" sh -c 'printf "%s" "$1" | grep -q host-only' _ "$out"
mktar hardlink-up ok hardlink-up
df 'ADD hardlink-up.tar /opt/x/\n'
out=$(lab build 2>&1); rc=$?
check_eq "ADD of an archive whose hard link climbs out with ../ is refused as bad input (exit 2)" "$rc" "2"
check_match "... naming the entry" "$out" 'ADD `hardlink-up.tar`: link `hl` climbs out \(refused\)'

mktar device ok device goodlink
naive device
check_eq "control: a naive extractor (as root) makes the device nodes" "$(stat -c %F "$work/naive/a/b/mem" 2>&1)" "character special file"
df 'ADD device.tar /opt/x/\n'
check "ADD of an archive with device nodes builds" lab build
check "... and runs" lab up -d
check_eq "... the regular entry is there" "$(lab exec app cat /opt/x/fine.txt 2>&1)" "fine"
check_eq "... and a hard link to it, an earlier entry (the control of the link check)" \
	"$(lab exec app stat -c '%h %i' /opt/x/same 2>&1)" "$(lab exec app stat -c '%h %i' /opt/x/fine.txt 2>&1)"
check_fails "... the block device is left out" lab exec app test -e /opt/x/disk
check_fails "... and the character device" lab exec app test -e /opt/x/mem
lab down >/dev/null 2>&1

mktar whiteout ok whiteout
df 'ADD whiteout.tar /etc/\n'
out=$(lab build 2>&1); rc=$?
check_eq "ADD of an archive with a whiteout name is refused as bad input (exit 2)" "$rc" "2"
check_match "... an archive never deletes a base file" "$out" 'entry `.wh.passwd` is a whiteout name \(refused\)'

check_clean bh
finish
