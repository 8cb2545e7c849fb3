#!/usr/bin/env bash
# linux.sysctl values are set in the container's namespaces
. "$(dirname "$0")/../lib.sh"

cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
run_ok 'cat /proc/sys/net/ipv4/ip_forward'
expect_eq "$OUT" 1 "net.ipv4.ip_forward"
pass
