# bash completion for ncompose(1)                       -*- shell-script -*-
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Completes commands, global options, each command's options and their
# values, compose files after -f, and service names. Service names come
# from the running project's state directory when -p names a project that
# is up, else from the `services:` block of the compose file (read with
# awk: no ncompose run, no jq). Works with or without the bash-completion
# package.

# The first indentation level under a top-level `services:` key, minus
# x- keys and comments. Block style only; a flow-style `services: {...}`
# yields nothing.
_ncompose_services_from_file()
{
    [[ -r $1 ]] || return 0
    awk '
        /^services:[[:space:]]*(#.*)?$/ { in_s = 1; ind = ""; next }
        in_s && /^[^[:space:]#]/        { in_s = 0 }
        !in_s                            { next }
        /^[[:space:]]*(#.*)?$/           { next }
        {
            match($0, /^[[:space:]]+/)
            lead = substr($0, 1, RLENGTH)
            if (ind == "") ind = lead
            if (lead != ind) next
            key = substr($0, RLENGTH + 1)
            sub(/[[:space:]]*:.*$/, "", key)
            gsub(/^["\047]|["\047]$/, "", key)
            if (key !~ /^x-/ && key ~ /^[A-Za-z0-9][A-Za-z0-9_.-]*$/) print key
        }' "$1" 2>/dev/null
}

# `name:` at the top level of the file.
_ncompose_name_from_file()
{
    [[ -r $1 ]] || return 0
    awk '/^name:/ { v = $0; sub(/^name:[[:space:]]*/, "", v); sub(/[[:space:]]*(#.*)?$/, "", v);
                    gsub(/^["\047]|["\047]$/, "", v); print v; exit }' "$1" 2>/dev/null
}

_ncompose_default_file()
{
    local f
    for f in compose.yaml compose.yml ncompose.yaml ncompose.yml \
        docker-compose.yaml docker-compose.yml; do
        [[ -f $f ]] && { printf '%s\n' "$f"; return; }
    done
}

# Sets _nc_file, _nc_project, _nc_cmd and _nc_cmd_idx from the words before
# the cursor.
_ncompose_scan()
{
    local i w
    _nc_file='' _nc_project='' _nc_cmd='' _nc_cmd_idx=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case $w in
        --profile | --env-file | --project-directory)
            ((i++))
            [[ ${COMP_WORDS[i]} == = ]] && ((i++))
            ;;
        -f | --file | -p | --project-name)
            # Without bash-completion, `--file=x` arrives as three words.
            ((i++))
            [[ ${COMP_WORDS[i]} == = ]] && ((i++))
            if [[ $w == -f || $w == --file ]]; then
                _nc_file=${COMP_WORDS[i]}
            else
                _nc_project=${COMP_WORDS[i]}
            fi
            ;;
        --file=*) _nc_file=${w#--file=} ;;
        --project-name=*) _nc_project=${w#--project-name=} ;;
        -*) ;;
        *) _nc_cmd=$w; _nc_cmd_idx=$i; break ;;
        esac
    done
    # `ncompose up lab.yaml ...`: the file may follow the command.
    if [[ $_nc_cmd == up && -z $_nc_file ]]; then
        for ((i = _nc_cmd_idx + 1; i < COMP_CWORD; i++)); do
            w=${COMP_WORDS[i]}
            case $w in
            -*) ;;
            *.yaml | *.yml) _nc_file=$w; break ;;
            *) break ;;
            esac
        done
    fi
    [[ -n $_nc_file ]] || _nc_file=$(_ncompose_default_file)
    # A leading ~ typed on the line is not expanded in COMP_WORDS.
    [[ $_nc_file == \~/* ]] && _nc_file=$HOME/${_nc_file#\~/}
}

_ncompose_project()
{
    local name
    if [[ -n $_nc_project ]]; then
        printf '%s\n' "$_nc_project"
        return
    fi
    name=$(_ncompose_name_from_file "$_nc_file")
    if [[ -z $name && -n $_nc_file ]]; then
        name=${_nc_file##*/}
        name=${name%.yaml}
        name=${name%.yml}
    fi
    printf '%s\n' "$name"
}

# The pulled images in the store, by name (for rmi), read from the
# store's layouts: no command runs as the user types.
_ncompose_store_images()
{
    local lib=${NCOMPOSE_LIB_DIR:-/var/lib/ncompose} f
    for f in "$lib"/registry/refs/*/index.json; do
        [[ -r $f ]] || continue
        sed -n 's/.*"org.opencontainers.image.ref.name":"\([^"]*\)".*/\1/p' "$f"
    done
}

_ncompose_services()
{
    local state=${NCOMPOSE_STATE_DIR:-/run/ncompose} d
    if [[ -n $_nc_project && -d $state/$_nc_project/containers ]]; then
        for d in "$state/$_nc_project/containers"/*; do
            [[ -d $d ]] && printf '%s\n' "${d##*/}"
        done
        return
    fi
    _ncompose_services_from_file "$_nc_file"
}

# Interfaces of a running container, when the caller may read its network
# namespace (root); nothing otherwise.
_ncompose_ifaces()
{
    local project netns_dir=${NCOMPOSE_NETNS_DIR:-/run/netns}
    project=$(_ncompose_project)
    [[ -n $project && -e $netns_dir/$project-$1 ]] || return 0
    command -v nsenter >/dev/null 2>&1 || return 0
    # /proc/net follows the reader's network namespace; /sys/class/net
    # would follow the namespace sysfs was mounted in.
    # shellcheck disable=SC2016 # awk fields, not shell expansions
    nsenter --net="$netns_dir/$project-$1" \
        awk -F: 'NR > 2 { gsub(/[[:space:]]/, "", $1); print $1 }' /proc/net/dev 2>/dev/null
}

# The words of $1 that begin with the word being completed ($cur of
# _ncompose).
_ncompose_reply()
{
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_ncompose_files()
{
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$1")
}

# Compose files and directories (to descend into); appended to COMPREPLY.
_ncompose_yaml_files()
{
    local IFS=$'\n' f
    compopt -o filenames 2>/dev/null
    for f in $(compgen -f -- "$1"); do
        [[ -d $f || $f == *.yaml || $f == *.yml ]] && COMPREPLY+=("$f")
    done
}

# Positional words of the command so far (options and their values left out).
_ncompose_positionals()
{
    local i w n=0 takes_value=$1
    for ((i = _nc_cmd_idx + 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == -* ]]; then
            [[ " $takes_value " == *" $w "* ]] && ((i++))
            continue
        fi
        ((n++))
    done
    printf '%s\n' "$n"
}

_ncompose()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local _nc_file _nc_project _nc_cmd _nc_cmd_idx
    local commands="up down ps exec config logs inspect stop start restart graph capture pingall stats test ls top port cp kill pause unpause rm wait images rmi image version events pull build link run import vtysh birdc"
    local global_opts="-f --file -p --project-name --project-directory --env-file --profile -v --verbose -h --help --version"
    local npos

    COMPREPLY=()
    # `--opt=value` split at `=` (COMP_WORDBREAKS): complete the value.
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]] && ((COMP_CWORD >= 2)); then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    fi
    _ncompose_scan

    if [[ -z $_nc_cmd ]]; then
        case $prev in
        -f | --file) _ncompose_yaml_files "$cur"; return ;;
        --env-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --project-directory) COMPREPLY=($(compgen -d -- "$cur")); return ;;
        --profile)
            # The profiles the file names.
            local f=${_nc_file:-compose.yaml}
            [[ -r $f ]] && _ncompose_reply "$(sed -n 's/^ *profiles: *\[\(.*\)\].*/\1/p' "$f" | tr ',' ' ' | tr -d '"'"'"' ' | sort -u)"
            return ;;
        -p | --project-name)
            local state=${NCOMPOSE_STATE_DIR:-/run/ncompose} d names=
            for d in "$state"/*/; do
                d=${d%/}
                [[ -d $d ]] && names+=" ${d##*/}"
            done
            _ncompose_reply "$names"
            return ;;
        esac
        if [[ $cur == -* ]]; then
            _ncompose_reply "$global_opts"
        else
            _ncompose_reply "$commands"
        fi
        return
    fi

    case $_nc_cmd in
    up)
        [[ $cur == -* ]] && { _ncompose_reply "-d --detach --wait --wait-timeout --force-recreate --no-recreate --no-deps --remove-orphans --pull --build --no-build -h --help"; return; }
        npos=$(_ncompose_positionals "")
        _ncompose_reply "$(_ncompose_services)"
        # The first word may be the compose file, when -f did not name one.
        if ((npos == 0)) && ! _ncompose_has_file_opt; then
            _ncompose_yaml_files "$cur"
            # ... or a Kathará lab directory.
            COMPREPLY+=($(compgen -d -- "$cur"))
        fi
        ;;
    down)
        case $prev in -t | --timeout) return ;; esac
        [[ $cur == -* ]] || { COMPREPLY=($(compgen -d -- "$cur")); return; }
        _ncompose_reply "-v --volumes -t --timeout -h --help"
        ;;
    import)
        case $prev in
        -o | --output) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --host-image) return ;;
        esac
        [[ $cur == -* ]] && { _ncompose_reply "-o --output --host-image -h --help"; return; }
        if ((COMP_CWORD == _nc_cmd_idx + 1)); then
            _ncompose_reply "kathara containerlab"
        elif [[ ${COMP_WORDS[_nc_cmd_idx + 1]} == containerlab ]]; then
            COMPREPLY=($(compgen -f -- "$cur"))
        else
            COMPREPLY=($(compgen -d -- "$cur"))
        fi
        ;;
    ps)
        case $prev in --format) _ncompose_reply "table json"; return ;; esac
        case $prev in --status) _ncompose_reply "running restarting paused exited created dead"; return ;; esac
        if [[ $cur == -* ]]; then
            _ncompose_reply "-a --all -q --quiet --services --status --format -h --help"
        else
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    exec)
        local i w svc_idx=0
        for ((i = _nc_cmd_idx + 1; i < COMP_CWORD; i++)); do
            w=${COMP_WORDS[i]}
            case $w in
            -e | --env | -w | --workdir | -u | --user | --index) ((i++)) ;;
            -*) ;;
            *) svc_idx=$i; break ;;
            esac
        done
        if ((svc_idx)); then
            # After the service: a command and its arguments.
            if declare -F _command_offset >/dev/null; then
                _command_offset $((svc_idx + 1))
            elif ((COMP_CWORD == svc_idx + 1)); then
                mapfile -t COMPREPLY < <(compgen -c -- "$cur")
            else
                _ncompose_files "$cur"
            fi
            return
        fi
        case $prev in
        # A user is looked up in the container's own /etc/passwd, which
        # may be an image's: the host's names would mislead.
        -e | --env | -u | --user) return ;;
        --index) _ncompose_reply "1"; return ;;
        -w | --workdir) compopt -o dirnames 2>/dev/null; return ;;
        esac
        if [[ $cur == -* ]]; then
            _ncompose_reply "-i --interactive -t --tty -T --no-TTY -d --detach -e --env -w --workdir -u --user --index -h --help"
        else
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    logs)
        case $prev in -n | --tail) _ncompose_reply "all"; return ;; esac
        if [[ $cur == -* ]]; then
            _ncompose_reply "-f --follow -t --timestamps -n --tail --no-log-prefix -h --help"
        else
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    stop | start | restart)
        case $prev in -t | --timeout) return ;; esac
        if [[ $cur == -* ]]; then
            if [[ ${COMP_WORDS[_nc_cmd_idx]} == start ]]; then
                _ncompose_reply "-h --help"
            else
                _ncompose_reply "-t --timeout -h --help"
            fi
        else
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    inspect)
        if [[ $cur == -* ]]; then
            _ncompose_reply "-h --help"
        elif (($(_ncompose_positionals "") == 0)); then
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    config)
        _ncompose_reply "-q --quiet -h --help"
        ;;
    graph)
        case $prev in --format) _ncompose_reply "ascii dot svg"; return ;; esac
        case $prev in --status) _ncompose_reply "running restarting paused exited created dead"; return ;; esac
        if [[ $cur == -* ]]; then
            _ncompose_reply "-a --all -q --quiet --services --status --format -h --help"
        else
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    capture)
        case $prev in
        -w | --write) _ncompose_files "$cur"; return ;;
        -c | --count) return ;;
        esac
        if [[ $cur == -* ]]; then
            _ncompose_reply "-w --write -c --count -h --help"
            return
        fi
        local i w pos=()
        for ((i = _nc_cmd_idx + 1; i < COMP_CWORD; i++)); do
            w=${COMP_WORDS[i]}
            case $w in
            -w | --write | -c | --count) ((i++)) ;;
            -*) ;;
            *) pos+=("$w") ;;
            esac
        done
        case ${#pos[@]} in
        0) _ncompose_reply "$(_ncompose_services)" ;;
        1) _ncompose_reply "$(_ncompose_ifaces "${pos[0]}")" ;;
        esac
        ;;
    pingall)
        case $prev in
        --format) _ncompose_reply "table json"; return ;;
        -t | --timeout) return ;;
        esac
        _ncompose_reply "--format -t --timeout -h --help"
        ;;
    test)
        case $prev in
        --format) _ncompose_reply "text json junit"; return ;;
        -t | --timeout | --wait | --set) return ;;
        esac
        _ncompose_reply "--format --set --wait -t --timeout -h --help"
        ;;
    link)
        local sub=${COMP_WORDS[_nc_cmd_idx + 1]:-}
        if ((COMP_CWORD == _nc_cmd_idx + 1)); then
            _ncompose_reply "down up set show -h --help"
            return
        fi
        case $sub in
        show)
            case $prev in --format) _ncompose_reply "table json"; return ;; esac
            _ncompose_reply "--format -h --help"
            ;;
        down | up | set)
            case $prev in --delay | --jitter | --loss | --rate) return ;; esac
            if [[ $cur == -* ]]; then
                [[ $sub == set ]] && _ncompose_reply "--delay --jitter --loss --rate --clear -h --help"
                return
            fi
            # SERVICE:IFACE; ':' splits words for readline, so complete the
            # whole word and trim what is already typed.
            local s f t=() word=$cur
            [[ $prev == : ]] && word=${COMP_WORDS[COMP_CWORD - 2]}:$cur
            [[ $cur == : ]] && word=$prev:
            for s in $(_ncompose_services); do
                for f in $(_ncompose_ifaces "$s"); do t+=("$s:$f"); done
            done
            COMPREPLY=($(compgen -W "${t[*]}" -- "$word"))
            if [[ $word == *:* ]]; then
                local i
                for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"${word%:*}:"}; done
            fi
            ;;
        esac
        ;;
    stats)
        case $prev in --format) _ncompose_reply "table json"; return ;; esac
        if [[ $cur == -* ]]; then
            _ncompose_reply "--no-stream --format -h --help"
        else
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    ls)
        case $prev in --format) _ncompose_reply "table json"; return ;; esac
        _ncompose_reply "-a --all -q --quiet --format -h --help"
        ;;
    top | pause | unpause | wait | events | kill | rm | port | images)
        case $_nc_cmd:$prev in
        kill:-s | kill:--signal)
            _ncompose_reply "SIGKILL SIGTERM SIGINT SIGHUP SIGQUIT SIGUSR1 SIGUSR2 SIGSTOP SIGCONT"; return ;;
        port:--protocol) _ncompose_reply "tcp udp"; return ;;
        port:--index) _ncompose_reply "1"; return ;;
        images:--format) _ncompose_reply "table json"; return ;;
        esac
        if [[ $cur == -* ]]; then
            case $_nc_cmd in
            kill) _ncompose_reply "-s --signal -h --help" ;;
            rm) _ncompose_reply "-f --force -s --stop -v --volumes -h --help" ;;
            wait) _ncompose_reply "--down-project --converged --wait-timeout -h --help" ;;
            events) _ncompose_reply "--json -h --help" ;;
            port) _ncompose_reply "--protocol --index -h --help" ;;
            images) _ncompose_reply "--format -q --quiet -h --help" ;;
            *) _ncompose_reply "-h --help" ;;
            esac
        else
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    build)
        if [[ $cur == -* ]]; then
            _ncompose_reply "--check --no-cache --pull -q --quiet -h --help"
        else
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    rmi)
        if [[ $cur == -* ]]; then
            _ncompose_reply "-h --help"
        else
            _ncompose_reply "$(_ncompose_store_images)"
        fi
        ;;
    image)
        if ((COMP_CWORD == _nc_cmd_idx + 1)); then
            _ncompose_reply "ls rm prune"
            return
        fi
        case ${COMP_WORDS[_nc_cmd_idx + 1]} in
        prune) _ncompose_reply "-a --all -f --force -h --help" ;;
        rm) [[ $cur == -* ]] && _ncompose_reply "-h --help" || _ncompose_reply "$(_ncompose_store_images)" ;;
        ls)
            case $prev in --format) _ncompose_reply "table json"; return ;; esac
            _ncompose_reply "--format -q --quiet -h --help" ;;
        esac
        ;;
    run)
        case $prev in -e | --env | -w | --workdir | -u | --user | --entrypoint) return ;; esac
        if [[ $cur == -* ]]; then
            _ncompose_reply "--rm -d --detach -e --env -w --workdir -u --user --entrypoint --no-deps -T -i -h --help"
        else
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    vtysh | birdc)
        case $prev in -c | --command) return ;; esac
        if [[ $cur == -* ]]; then
            _ncompose_reply "-c --command -h --help"
        else
            _ncompose_reply "$(_ncompose_services)"
        fi
        ;;
    cp)
        if [[ $cur == -* ]]; then
            _ncompose_reply "-a --archive --index -h --help"
        elif [[ $cur == *:* ]]; then
            return
        else
            _ncompose_reply "$(_ncompose_services | sed 's/$/:/')"
            compopt -o nospace 2>/dev/null
            COMPREPLY+=($(compgen -f -- "$cur"))
        fi
        ;;
    version)
        case $prev in -f | --format) _ncompose_reply "pretty json"; return ;; esac
        _ncompose_reply "--short -f --format -h --help"
        ;;
    esac
}

# Whether -f/--file came before the command.
_ncompose_has_file_opt()
{
    local i
    for ((i = 1; i < _nc_cmd_idx; i++)); do
        case ${COMP_WORDS[i]} in -f | --file | --file=*) return 0 ;; esac
    done
    return 1
}

complete -F _ncompose ncompose
