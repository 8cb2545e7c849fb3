#!/usr/bin/env bash
# state, start, kill and delete of an unknown id fail
. "$(dirname "$0")/../lib.sh"

for c in state start kill delete; do
	rt "$c" no-such-container-$$ </dev/null >/dev/null 2>&1 && fail "$c of an unknown id succeeded"
done
true
pass
