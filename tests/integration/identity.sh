#!/bin/bash
# Project identity and files as Compose: two labs in two directories, both
# compose.yaml, are two projects; a command in one directory never acts
# on the other's lab; several -f merge; the override file is read; ls.
. "$NC_SRC/tests/lib/lib.sh"

work=$(mktemp -d)
trap 'for p in alpha beta same; do nc -p $p down >/dev/null 2>&1; done; rm -rf "$work"' EXIT
mkdir -p "$work/Alpha" "$work/beta" "$work/other"
lab='services:
  s:
    command: [sleep, "1000"]
'
printf '%s' "$lab" >"$work/Alpha/compose.yaml"
printf '%s' "$lab" >"$work/beta/compose.yaml"

# Two directories, two projects, named after the directories.
check "up -d in Alpha" sh -c "cd '$work/Alpha' && '$NCOMPOSE' up -d"
check "up -d in beta, while alpha runs" sh -c "cd '$work/beta' && '$NCOMPOSE' up -d"
check "the project of Alpha is alpha" test -e /run/ncompose/alpha/journal
check "the project of beta is beta" test -e /run/ncompose/beta/journal
check_match "ps in beta lists beta's container" "$(cd "$work/beta" && nc ps --format json)" '"project":"beta"'
check_match "ls lists both, running, with their files" "$(nc ls | tr "\n" " ")" "alpha +running\\(1\\) +$work/Alpha/compose.yaml.*beta +running\\(1\\) +$work/beta/compose.yaml"
check_match "ls --format json" "$(nc ls --format json)" '"Name":"alpha","Status":"running\(1\)","ConfigFiles":"'"$work"'/Alpha/compose.yaml"'
check_eq "ls -q" "$(nc ls -q | tr '\n' ' ')" "alpha beta "
# From a subdirectory of a lab, its file is found in the parents (Compose).
mkdir -p "$work/Alpha/configs/r1"
check_match "ps in a subdirectory of Alpha lists alpha's container" \
	"$(cd "$work/Alpha/configs/r1" && nc ps --format json)" '"project":"alpha"'
check "down in beta" sh -c "cd '$work/beta' && '$NCOMPOSE' down"
check "... alpha still runs" nc -p alpha exec -T s true
check_eq "... beta is gone" "$(nc ls -q | tr '\n' ' ')" "alpha "

# The same name from two directories: refused, naming both files.
printf 'name: alpha\n%s' "$lab" >"$work/other/compose.yaml"
out=$(cd "$work/other" && nc ps 2>&1); rc=$?
check_match "ps where the files differ from the running project's is refused" "$out rc=$rc" \
	"project .alpha. is up from $work/Alpha/compose.yaml, not from $work/other/compose.yaml.*-p NAME.* rc=2"
out=$(cd "$work/other" && nc down 2>&1); rc=$?
check_match "... down too" "$out rc=$rc" "is up from.* rc=2"
check "... and alpha still runs" nc -p alpha exec -T s true
check "-p alone works from anywhere" sh -c "cd '$work/other' && '$NCOMPOSE' -p alpha ps"
out=$(cd "$work" && nc ps 2>&1)
check_match "no compose file: the message names the projects that are up" "$out" "no compose file.*projects up: .alpha. \\(in $work/Alpha\\)"
check_fails "-p with a name that is not valid is refused" nc -p 'Al pha' ps
check_eq "... with exit status 2" "$(nc -p 'Al pha' ps >/dev/null 2>&1; echo $?)" 2
check "down alpha" nc -p alpha down

# -f a -f b: merged; compose.override.yaml beside the default file.
cat >"$work/other/a.yaml" <<'EOF'
name: same
services:
  s:
    command: [sleep, "1000"]
    environment: {A: "1", B: "1"}
EOF
cat >"$work/other/b.yaml" <<'EOF'
services:
  s:
    environment: [B=2]
  t:
    command: [sleep, "1000"]
EOF
check "up -d -f a.yaml -f b.yaml" nc -f "$work/other/a.yaml" -f "$work/other/b.yaml" up -d
check_eq "the merged environment" "$(nc -p same exec -T s sh -c 'echo $A$B')" "12"
check "the second file's service runs" nc -p same exec -T t true
check_match "ls names both files" "$(nc ls)" "same .*$work/other/a.yaml,$work/other/b.yaml"
check_match "-f a.yaml alone, same directory: the same lab, edited (ps acts on it)" "$(nc -f "$work/other/a.yaml" ps 2>&1)" '^s +running'
check_match "... and a second up of a.yaml alone would drop t: it is named as an orphan" "$(nc -f "$work/other/a.yaml" up -d 2>&1)" 'orphan.*t|t.*orphan'
check "... still running, not removed without --remove-orphans" nc -p same exec -T t true
check "down with both files" nc -f "$work/other/a.yaml" -f "$work/other/b.yaml" down

printf 'services:\n  s:\n    environment: {B: over}\n' >"$work/beta/compose.override.yaml"
check "up -d in beta, with its override file" sh -c "cd '$work/beta' && '$NCOMPOSE' up -d"
check_eq "the override file was read" "$(nc -p beta exec -T s sh -c 'echo $B')" "over"
check "down" sh -c "cd '$work/beta' && '$NCOMPOSE' down"
check_eq "nothing is up" "$(nc ls -a -q)" ""

# Where the files and variables come from.
mkdir -p "$work/cfg"
printf 'services:\n  s:\n    hostname: h-${V:-unset}-${COMPOSE_PROJECT_NAME}\n' >"$work/cfg/main.yaml"
printf 'V=one\n' >"$work/cfg/one.env"
printf 'V=two\n' >"$work/cfg/two.env"
check_match "-f - reads standard input; the project is the current directory's" \
	"$(cd "$work/cfg" && nc -f - config <main.yaml)" 'hostname: h-unset-cfg'
check_match "--env-file, repeatable, the later wins" \
	"$(cd "$work/cfg" && nc --env-file one.env --env-file two.env -f main.yaml config)" 'hostname: h-two-cfg'
check_match "COMPOSE_FILE names the files" \
	"$(cd "$work/cfg" && COMPOSE_FILE=main.yaml "$NCOMPOSE" config)" 'hostname: h-unset-cfg'
check_match "--project-directory names the project and finds its files" \
	"$(cd "$work" && nc --project-directory "$work/cfg" -f cfg/main.yaml config)" 'hostname: h-unset-cfg'
check_match "-p is \${COMPOSE_PROJECT_NAME}" \
	"$(cd "$work/cfg" && nc -p named -f main.yaml config)" 'hostname: h-unset-named'

finish
