#!/usr/bin/env bash
# process.rlimits set soft and hard limits
. "$(dirname "$0")/../lib.sh"

cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 768}]'
run_ok 'ulimit -n; ulimit -Hn'
expect_eq "$OUT" "$(printf '512\n768')" "ulimit -n / -Hn"
pass
