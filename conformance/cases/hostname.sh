#!/usr/bin/env bash
# hostname from config, in a new uts namespace
. "$(dirname "$0")/../lib.sh"

cfg '.hostname = "conf-host"'
run_ok 'hostname'
expect_eq "$OUT" conf-host "hostname"
[ "$(hostname)" != conf-host ] || fail "the host's name changed"
pass
