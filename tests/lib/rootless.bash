# shellcheck shell=bash
# tests/lib/rootless.bash - a real unprivileged user for agentrun tests.
#
# Load after bundle.bash:
#     load ../lib/bundle
#     load ../lib/rootless
#     setup_file()    { rl_user_create; }
#     teardown_file() { rl_user_remove; }
#     setup()         { setup_common; rl_setup; }
#     teardown()      { rl_teardown; teardown_common; }
#
# rl_user_create makes a user with a unique name (useradd; Debian's useradd
# gives it a 65536-id range in /etc/subuid and /etc/subgid, or usermod adds
# one), its directory $RL_DIR (traversable) with a copy of agentrun the user
# can run ($RL_AGENTRUN). rl_user_remove kills its processes (its uid and
# its subordinate ids, by PID), its ranges (usermod) and the user (userdel).
#
# What a test gets:
#   RL_USER RL_UID RL_GID    the user
#   RL_SUBUID RL_SUBGID      the first id of its ranges (RL_SUBCOUNT ids)
#   RL_XDG                   the test's XDG_RUNTIME_DIR (the user's, 0700)
#   as_user CMD...           CMD as the user: no capabilities, env -i with
#                            HOME USER LOGNAME PATH XDG_RUNTIME_DIR
#                            (VAR=VALUE words first add to or override it:
#                            `as_user XDG_RUNTIME_DIR= cmd`), bounded; in
#                            the cgroup v2 directory $RL_CGROUP when set
#   ar ARGS...               agentrun as the user (state under $RL_XDG)
#   rl_bundle DIR [SPEC ARGS...]   a bundle owned by the user: the busybox
#                            rootfs (the user's files) and `agentrun spec ARGS` (default
#                            --profile agent --rootless) run as the user
#   rl_track ID              a container id rl_teardown deletes as the user

RL_COMMENT="agentrun rootless test"
RL_PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin

rl_user_create() {
	local base=${BATS_FILE_TMPDIR:?} d f start
	RL_USER=arl$$r$RANDOM
	RL_DIR=$base/rl
	mkdir -p "$RL_DIR"
	timeout 30 useradd -M -d "$RL_DIR/home" -s /usr/sbin/nologin -c "$RL_COMMENT" "$RL_USER" ||
		return 1
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	for f in subuid subgid; do
		if ! grep -q "^$RL_USER:" "/etc/$f" 2>/dev/null; then
			start=$(awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }' \
				/etc/subuid /etc/subgid 2>/dev/null)
			if [ "$f" = subuid ]; then
				usermod --add-subuids "$start-$((start + 65535))" "$RL_USER" || return 1
			else
				usermod --add-subgids "$start-$((start + 65535))" "$RL_USER" || return 1
			fi
		fi
	done
	RL_SUBUID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
	RL_SUBGID=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subgid)
	RL_SUBCOUNT=$(awk -F: -v u="$RL_USER" '$1 == u { print $3; exit }' /etc/subuid)
	# bats makes its directories 0700: let the user (and its mapped ids)
	# walk down to RL_DIR
	d=$RL_DIR
	while [ -n "$d" ] && [ "$d" != / ]; do
		chmod o+x "$d"
		[ "$d" = "${BATS_RUN_TMPDIR:-/}" ] && break
		d=$(dirname "$d")
	done
	mkdir -p "$RL_DIR/home" "$RL_DIR/bin"
	cp "$AGENTRUN" "$RL_DIR/bin/agentrun"
	chmod 755 "$RL_DIR" "$RL_DIR/bin" "$RL_DIR/bin/agentrun"
	chown "$RL_UID:$RL_GID" "$RL_DIR/home"
	RL_AGENTRUN=$RL_DIR/bin/agentrun
	export RL_USER RL_UID RL_GID RL_SUBUID RL_SUBGID RL_SUBCOUNT RL_DIR RL_AGENTRUN
}

# rl_gone: true once no process of the user is left, waiting up to 10 s for
# those being killed to finish exiting (slow under the sanitizers); a
# process that stays fails it.
rl_gone() {
	local i
	for i in $(seq 50); do
		[ -z "$(rl_pids)" ] && return 0
		sleep 0.2
	done
	rl_pids >&2
	return 1
}

# rl_pids: live processes running as the user or as one of its subordinate
# ids (what its containers run as); zombies are not live (this machine's
# PID 1 may never reap what is reparented to it).
rl_pids() {
	local p uid
	[ -n "${RL_UID:-}" ] || return 0
	for p in /proc/[0-9]*; do
		uid=$(awk '/^State:/ && $2 == "Z" { exit } /^Uid:/ { print $2; exit }' "$p/status" 2>/dev/null) || continue
		[ -n "$uid" ] || continue
		if [ "$uid" = "$RL_UID" ] ||
			{ [ -n "${RL_SUBUID:-}" ] && [ "$uid" -ge "$RL_SUBUID" ] &&
				[ "$uid" -lt $((RL_SUBUID + RL_SUBCOUNT)) ]; }; then
			echo "${p#/proc/}"
		fi
	done
}

rl_user_remove() {
	local pids i f lo count
	[ -n "${RL_USER:-}" ] || return 0
	getent passwd "$RL_USER" | cut -d: -f5 | grep -qxF "$RL_COMMENT" || return 0
	for i in 1 2 3 4 5; do
		mapfile -t pids < <(rl_pids)
		[ ${#pids[@]} -eq 0 ] && break
		kill -KILL "${pids[@]}" 2>/dev/null || true
		sleep 0.2
	done
	# its ranges, through shadow's own locking (never a rewrite of
	# /etc/subuid racing another test's useradd), then the user
	for f in subuid subgid; do
		while read -r lo count; do
			[ -n "$lo" ] || continue
			if [ "$f" = subuid ]; then
				usermod --del-subuids "$lo-$((lo + count - 1))" "$RL_USER" 2>/dev/null || true
			else
				usermod --del-subgids "$lo-$((lo + count - 1))" "$RL_USER" 2>/dev/null || true
			fi
		done < <(awk -F: -v u="$RL_USER" '$1 == u { print $2, $3 }' "/etc/$f" 2>/dev/null)
	done
	timeout 30 userdel "$RL_USER" 2>/dev/null || true
}

rl_setup() {
	RL_XDG=$T/xdg
	mkdir -p "$RL_XDG"
	chown "$RL_UID:$RL_GID" "$RL_XDG"
	chmod 700 "$RL_XDG"
	local d=$T
	while [ -n "$d" ] && [ "$d" != / ]; do
		chmod o+x "$d"
		[ "$d" = "${BATS_RUN_TMPDIR:-/}" ] && break
		d=$(dirname "$d")
	done
	: >"$T/.rl_ids"
}

rl_track() {
	echo "$1" >>"$T/.rl_ids"
}

# rl_teardown: delete -f, as the user, every container the test tracked
# (the user's processes left are killed by teardown_file), and remove the
# delegated cgroup a test named in $T/.rl_cgroup.
rl_teardown() {
	local id cg
	unset RL_CGROUP
	[ -f "$T/.rl_ids" ] || return 0
	while read -r id; do
		[ -n "$id" ] && ar delete -f "$id" >/dev/null 2>&1
	done < <(sort -u "$T/.rl_ids")
	if [ -s "$T/.rl_cgroup" ]; then
		cg=$(cat "$T/.rl_cgroup")
		[ ! -d "$cg" ] || rmdir "$cg" 2>/dev/null || true
	fi
	return 0
}

as_user() {
	local envs=()
	while [ $# -gt 0 ] && [[ "$1" == [A-Za-z_]*=* ]]; do
		envs+=("$1")
		shift
	done
	# RL_CGROUP: a cgroup v2 directory delegated to the user (its own
	# files chowned): the command starts in it, as under a systemd user
	# session
	local cg=()
	[ -z "${RL_CGROUP:-}" ] || cg=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$RL_CGROUP")
	(cd "${RL_CWD:-$RL_DIR/home}" && timeout -k 5 "${RL_TIMEOUT:-60}" "${cg[@]}" \
		setpriv --reuid="$RL_UID" --regid="$RL_GID" --init-groups \
		env -i HOME="$RL_DIR/home" USER="$RL_USER" LOGNAME="$RL_USER" PATH="$RL_PATH" \
		XDG_RUNTIME_DIR="$RL_XDG" "${envs[@]}" "$@" 3>&-)
}

ar() {
	as_user "$RL_AGENTRUN" "$@"
}

rl_bundle() {
	local dir=$1
	shift
	[ $# -gt 0 ] || set -- --profile agent --rootless
	mkdir -p "$dir"
	cp -a "$(rootfs_cache)" "$dir/rootfs"
	rm -f "$dir/rootfs/.done"
	echo "$T" >"$dir/rootfs/$MARKER"
	# the user's own image, as one it unpacked itself
	chown -R "$RL_UID:$RL_GID" "$dir"
	chmod 755 "$dir"
	ar spec --bundle "$dir" "$@"
}
