# shellcheck shell=bash
# Helpers of tests/integration/sessions*.bats (after tests/lib/bundle.bash):
# suspend under strace, and the check that its image was made durable.

# suspend_traced ID IMG [ARGS...]: suspend --image-path IMG under strace
# (agentrun's own process: CRIU, its child, is not traced), the fsyncs
# and renames it made in $T/strace.
suspend_traced() {
	local id=$1 img=$2
	shift 2
	# LeakSanitizer cannot run under ptrace (a sanitizer build): no leak
	# check for the traced runtime; everything else still reports
	local ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	export ASAN_OPTIONS
	timeout -k 5 "$RUNTIME_TIMEOUT" strace -qq -y -o "$T/strace" \
		-e trace=fsync,fdatasync,syncfs,rename,renameat,renameat2 \
		"$AGENTRUN" --root "$STATE_ROOT" suspend --image-path "$img" "$@" "$id" 3>&-
}

# assert_image_synced IMG: every file below IMG, IMG itself and its parent
# (suspend made IMG) were fsynced with success, and all of that before the
# state file was renamed into place (the state says suspended only then).
assert_image_synced() {
	local img=$1 f missing=0
	sed -n 's/^f\(data\)\{0,1\}sync([0-9]*<\(.*\)>) *= 0$/\2/p' "$T/strace" | sort -u >"$T/synced"
	[ "$(find "$img" -type f | wc -l)" -gt 3 ]
	while read -r f; do
		grep -qxF "$f" "$T/synced" || {
			echo "not fsynced: $f" >&2
			missing=1
		}
	done < <(find "$img" "$(dirname "$img")" -maxdepth 0; find "$img" -mindepth 1 \( -type f -o -type d \))
	[ "$missing" = 0 ]
	# no fsync failed
	! grep -E '^f(data)?sync\(.*= -1' "$T/strace"
	local last_sync state_rename
	last_sync=$(grep -nE '^f(data)?sync\(' "$T/strace" | tail -n1 | cut -d: -f1)
	state_rename=$(grep -nE '^rename.*"state\.json"' "$T/strace" | head -n1 | cut -d: -f1)
	[ -n "$state_rename" ]
	[ "$state_rename" -gt "$last_sync" ]
}
