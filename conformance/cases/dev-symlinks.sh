#!/usr/bin/env bash
# /dev/fd, /dev/stdin..stderr and /dev/ptmx symlinks; /dev/pts and /dev/shm
. "$(dirname "$0")/../lib.sh"

run_ok 'for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; [ -d /dev/shm ] && echo shm; [ -e /dev/pts/ptmx ] && echo pts'
expect_eq "$(xargs <<<"$OUT")" "/proc/self/fd /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2 pts/ptmx shm pts" "links"
pass
