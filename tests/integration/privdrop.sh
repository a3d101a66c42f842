#!/bin/bash
# Privilege drop: -u nobody on a port below 1024 bound as root; the parent
# and an exec'd child run as uid 65534 (the child prints `id -u`); -u
# with a group; an unknown user is exit 67 before anything is bound;
# --chroot puts forkd's root at DIR before the drop.
set -u
# shellcheck source=tests/integration/lib.sh
. "${abs_top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

plan 11
H=127.0.0.1

[ "$(id -u)" -eq 0 ] || bail "needs root"
uid_of() { awk '$1 == "Uid:" { print $2, $3, $4, $5 }' "/proc/$1/status"; }
gid_of() { awk '$1 == "Gid:" { print $2, $3, $4, $5 }' "/proc/$1/status"; }

# A privileged port nobody else uses: a random one below 1024, again if taken.
start_low() {
	local _
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		LOW=$((600 + RANDOM % 400))
		start_forkd -L stderr "$1" "$2" -l "$H:$LOW" "${@:3}" 2>/dev/null && return 0
	done
	return 1
}

check "-u nobody binds a port below 1024 ($H:LOW) as root" start_low -u nobody -- id -u
diag "port $LOW"
check_eq "the parent runs as uid 65534 (real, effective, saved, fs)" \
	"$(uid_of "$FORKD_PID")" "65534 65534 65534 65534"
check_eq "and as nobody's group" "$(gid_of "$FORKD_PID")" "65534 65534 65534 65534"
reply=$(timeout 10 socat -t 5 - "TCP:$H:$LOW" </dev/null 2>>"$T/client.err")
check_eq "an exec'd 'id -u' prints 65534" "$reply" 65534
check_eq "supplementary groups: nobody's own" \
	"$(awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$FORKD_PID/status" | tr -d ' ')" 65534
stop_forkd
check_eq "SIGTERM: exit 0" "$FORKD_RC" 0

start_forkd -L stderr -u 65534:daemon -l "$H:0" -b echo
check_eq "-u 65534:daemon: uid 65534, gid of daemon" \
	"$(uid_of "$FORKD_PID" | cut -d' ' -f1) $(gid_of "$FORKD_PID" | cut -d' ' -f1)" \
	"65534 $(getent group daemon | cut -d: -f3)"
stop_forkd

"$FORKD" -L stderr -u no-such-user-here -l "$H:0" -b echo >"$T/nouser.out" 2>&1
check_eq "an unknown user: exit 67, naming it" "$? $(cat "$T/nouser.out")" \
	"67 forkd: --user: unknown user \"no-such-user-here\""
"$FORKD" -L stderr -u nobody:no-such-group -l "$H:0" -b echo >"$T/nogroup.out" 2>&1
check_eq "an unknown group: exit 67" "$?" 67

mkdir -m 755 "$T/root"
start_forkd -L stderr --chroot "$T/root" -u nobody -l "$H:0" -b echo
check_eq "--chroot DIR: forkd's root is DIR" "$(readlink "/proc/$FORKD_PID/root")" "$T/root"
check_eq "and it still serves (built-ins need no files)" "$(talk_line "$H" "$PORT" jailed)" jailed
stop_forkd
