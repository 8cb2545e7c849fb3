#!/usr/bin/env bash
# tests/workloads/rootfs.sh [ci|full] - the Debian 12 toolchain root
# filesystem of the agent workload tests, built with mmdebstrap once and
# kept under /var/cache/agentrun-tests/, keyed by its package list: a second
# run only prints its path.
#
#   ci    git python3 python3-venv python3-pip gcc make libc6-dev
#   full  the same, and nodejs npm (npm pulls in some 400 node-* packages)
#
# The mirror is the host's own: the first deb.debian.org-style "debian" and
# "debian-security" URIs of the apt sources (deb822 .sources or one-line
# .list), read here at run time; nothing names a mirror in the repository.
# Prints the rootfs directory on stdout; progress on stderr.
set -euo pipefail

set_name=${1:-full}
pkgs=(git python3 python3-venv python3-pip gcc make libc6-dev ca-certificates)
case "$set_name" in
ci) ;;
full) pkgs+=(nodejs npm) ;;
*)
	echo "rootfs.sh: unknown set \"$set_name\" (ci or full)" >&2
	exit 2
	;;
esac
suite=bookworm
cache=${AGENTRUN_TEST_CACHE:-/var/cache/agentrun-tests}
key=$(printf '%s\n' "$suite" minbase "${pkgs[@]}" | sha256sum | cut -c1-16)
dir=$cache/debian12-$set_name-$key

# apt_uris: "URI SUITE" for each deb source of the host (both formats).
apt_uris() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } print $i, $(i + 1) }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk 'BEGIN { RS = ""; FS = "\n" }
		{
			u = ""; s = ""; deb = 0
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^Types:/ && $i ~ /[ \t]deb([ \t]|$)/) deb = 1
				if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); u = a[2] }
				if ($i ~ /^Suites:/) { n = split($i, a, /[ \t]+/); s = a[2]; for (k = 3; k <= n; k++) s = s " " a[k] }
			}
			if (deb && u != "") { n = split(s, b, " "); for (k = 1; k <= n; k++) print u, b[k] }
		}' "$f"
	done
}

mkdir -p "$cache"
exec 9>"$cache/.lock-debian12"
flock 9
if [ -e "$dir/.done" ]; then
	echo "$dir"
	exit 0
fi
main=$(apt_uris | awk -v s="$suite" '$2 == s { print $1; exit }')
sec=$(apt_uris | awk -v s="$suite-security" '$2 == s { print $1; exit }')
if [ -z "$main" ]; then
	echo "rootfs.sh: no apt source of the host has the suite $suite" >&2
	exit 1
fi
mirrors=("deb $main $suite main" "deb $main $suite-updates main")
[ -z "$sec" ] || mirrors+=("deb $sec $suite-security main")
rm -rf "$dir.tmp"
start=$(date +%s)
echo "rootfs.sh: mmdebstrap $suite ($set_name: ${pkgs[*]}) into $dir" >&2
include=$(
	IFS=,
	echo "${pkgs[*]}"
)
mmdebstrap --quiet --variant=minbase --include="$include" \
	--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	"$suite" "$dir.tmp" "${mirrors[@]}" >&2
# the tests write only under /work and /tmp; make both mount points
mkdir -p "$dir.tmp/work"
echo "$set_name: ${pkgs[*]}; $(($(date +%s) - start)) s" >"$dir.tmp/.built"
mv "$dir.tmp" "$dir"
touch "$dir/.done"
echo "rootfs.sh: built in $(($(date +%s) - start)) s" >&2
echo "$dir"
