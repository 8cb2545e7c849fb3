#!/usr/bin/env bash
# domainname from config
. "$(dirname "$0")/../lib.sh"

cfg '.domainname = "conf.example"'
run_ok 'cat /proc/sys/kernel/domainname'
expect_eq "$OUT" conf.example "domainname"
pass
