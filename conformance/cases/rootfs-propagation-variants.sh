#!/usr/bin/env bash
# linux.rootfsPropagation: the spec's four values and the r-prefixed
# spellings docker and containerd's CRI send (runc and crun take both).
# The container's / is unbindable when asked, and never shared unless asked
# (with "shared" runc leaves / itself private inside the container: / is
# not checked for a shared tag).
. "$(dirname "$0")/../lib.sh"

for p in private rprivate shared rshared slave rslave unbindable runbindable; do
	cfg '.linux.rootfsPropagation = $p' --arg p "$p"
	run_fg 'cat /proc/self/mountinfo'
	[ "$RC" -eq 0 ] || fail "rootfsPropagation $p: run exited $RC: $ERR"
	root=$(awk '$5 == "/" { line = $0 } END { print line }' <<<"$OUT")
	[ -n "$root" ] || fail "rootfsPropagation $p: no / in mountinfo"
	tags=$(awk '{ for (i = 7; $i != "-"; i++) printf "%s ", $i }' <<<"$root")
	case $p in
	*shared) ;;
	*unbindable) [[ "$tags" == *unbindable* ]] || fail "rootfsPropagation $p: / is not unbindable: '$tags'" ;;
	*) [[ "$tags" != *shared:* ]] || fail "rootfsPropagation $p: / is shared: '$tags'" ;;
	esac
done
pass
