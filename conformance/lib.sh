# shellcheck shell=bash
# conformance/lib.sh - helpers for the conformance cases (sourced by each
# case in conformance/cases/). Runtime-agnostic: only the OCI command line
# (create/start/state/kill/delete/run/list with --root and --bundle) is used.
#
# The runner gives each case, in its environment:
#   RUNTIME  the runtime binary         ROOT    a fresh --root state dir
#   BUNDLE   a fresh bundle (rootfs + config.json, terminal false)
#   WORK     the case's private directory (BUNDLE and ROOT live in it)
# A case exits 0 (pass), 1 (fail, with a message), or 77 (skip, with a reason).

set -u
: "${RUNTIME:?}" "${BUNDLE:?}" "${ROOT:?}" "${WORK:?}"
MARKER=.conformance-test
SCHEMA_DIR=${SCHEMA_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/schema}
PYTHON=${PYTHON:-/usr/bin/python3}

pass() { exit 0; }
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
skip() {
	echo "skip: $*"
	exit 77
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
}

rt() {
	timeout -k 5 20 "$RUNTIME" --root "$ROOT" "$@" 3>&-
}

cfg() {
	local filter=$1 file=$BUNDLE/config.json
	shift
	jq "$filter" "$file" "$@" >"$file.new" && mv "$file.new" "$file" || fail "jq edit: $filter"
}

json_array() {
	local a
	[ $# -gt 0 ] || { echo '[]'; return; }
	for a in "$@"; do jq -n --arg v "$a" '$v'; done | jq -cs .
}

set_args() { cfg '.process.args = $a' --argjson a "$(json_array "$@")"; }
set_cmd() { set_args sh -c "$1"; }

add_mount() {
	local dest=$1 type=$2 src=$3
	shift 3
	cfg '.mounts += [{"destination": $d, "type": $t, "source": $s, "options": $o}]' \
		--arg d "$dest" --arg t "$type" --arg s "$src" --argjson o "$(json_array "$@")"
}

# add_shared: $WORK/shared appears as /shared in the container.
add_shared() {
	mkdir -p "$WORK/shared"
	chmod 777 "$WORK/shared"
	add_mount /shared bind "$WORK/shared" rbind rw
}

# new_id: a unique id, recorded for the runner's cleanup.
new_id() {
	local n id
	n=$(wc -l <"$WORK/ids" 2>/dev/null || echo 0)
	id="cf-$$-$n"
	echo "$id" >>"$WORK/ids"
	echo "$id"
}

# run_fg SCRIPT: foreground `run` of sh -c SCRIPT; sets OUT, ERR, RC, ID.
run_fg() {
	[ $# -eq 0 ] || set_cmd "$1"
	ID=$(new_id)
	RC=0
	OUT=$(rt run --bundle "$BUNDLE" "$ID" </dev/null 2>"$WORK/err") || RC=$?
	ERR=$(cat "$WORK/err")
}

# run_ok SCRIPT: like run_fg, and the container must exit 0.
run_ok() {
	run_fg "$@"
	[ "$RC" -eq 0 ] || fail "run exited $RC: $ERR $OUT"
}

# create_bg ID [ARGS]: create with stdio to files (not our pipes).
create_bg() {
	local id=$1
	shift
	rt create --bundle "$BUNDLE" "$@" "$id" </dev/null >"$WORK/$id.out" 2>"$WORK/$id.err" ||
		fail "create $id: $(cat "$WORK/$id.err")"
}

run_d() {
	local id=$1
	shift
	rt run -d --bundle "$BUNDLE" "$@" "$id" </dev/null >"$WORK/$id.out" 2>"$WORK/$id.err" ||
		fail "run -d $id: $(cat "$WORK/$id.err")"
}

state_of() { rt state "$1" 2>/dev/null | jq -r '.status // empty' 2>/dev/null; }
pid_of() { rt state "$1" 2>/dev/null | jq -r '.pid // empty' 2>/dev/null; }

pid_alive() {
	local st
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

wait_status() {
	local i cur=
	for ((i = 0; i < 200; i++)); do
		cur=$(state_of "$1")
		[ "$cur" = "$2" ] && return 0
		sleep 0.1
	done
	fail "container $1: status '$cur', expected '$2'"
}

wait_file() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	fail "timed out waiting for $1"
}

wait_gone() {
	local i
	for ((i = 0; i < 200; i++)); do
		pid_alive "$1" || return 0
		sleep 0.1
	done
	fail "process $1 still alive"
}

# A container that writes /shared/ready and waits for /shared/go.
WAIT_GO='echo $$ > /shared/ready; while [ ! -e /shared/go ]; do sleep 0.1; done'

# start_waiting ID: run -d a WAIT_GO container and wait until it is up.
start_waiting() {
	add_shared
	set_cmd "$WAIT_GO"
	run_d "$1"
	wait_file "$WORK/shared/ready"
}

# mnt_field MOUNTINFO MOUNTPOINT: "<mount options> <fstype> <super options>"
mnt_field() {
	awk -v mp="$2" '$5 == mp {
		for (i = 7; $i != "-"; i++) ;
		line = $6 " " $(i + 1) " " $(i + 3)
	} END { print line }' <<<"$1"
}

# status_field TEXT NAME: a /proc/PID/status field, fields space-separated.
status_field() {
	awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' <<<"$1"
}

capmask() {
	local m=0 n
	for n in "$@"; do m=$((m | (1 << n))); done
	printf '%016x' "$m"
}

# host_has_cap N: the runner's own effective set holds capability N.
host_has_cap() {
	local eff
	eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
	(((0x$eff >> $1) & 1))
}

# validate SCHEMA FILE: JSON-schema validation against the runtime-spec 1.3
# schemas kept in the repository (tests/schema, see tests/README.md).
validate() {
	"$PYTHON" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema not available"
	[ -f "$SCHEMA_DIR/$1" ] || fail "schema $SCHEMA_DIR/$1 not found"
	"$PYTHON" "$SCHEMA_DIR/validate.py" "$1" "$2" || fail "$2 is not valid against $1"
}
