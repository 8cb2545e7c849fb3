#!/usr/bin/env bash
# Make sure CRIU >= 4.2 (criu and libcriu) is installed, as root.
#
# Debian 12's criu (3.17) does not work on current kernels, and 4.1 hangs in
# `criu dump` on machines whose hardware breakpoints do not fire (some VMs);
# 4.2 detects that and falls back. So when the installed criu is missing or
# older than 4.2, this builds the `criu` source package of Debian's suite
# `unstable`, fetched with apt-get through a temporary sources list that
# reuses this machine's own Debian mirror, and installs criu, libcriu, its
# header and its pkg-config file under /usr/local. The machine's apt state
# (sources, lists, caches) is not touched. The build is cached in
# $AGENTRUN_CRIU_CACHE (default /var/cache/agentrun-criu) so that a second
# run only reinstalls. Every fetched file of the source package is checked
# against the SHA-256 its .dsc lists, and an altered one stops the script
# before anything is built. Upstream's tarball must be there: without it
# the script stops, naming the file. Debian's packaging tarball (debian/,
# Debian's patches) and signature files are not needed to build upstream
# criu: when the mirror lacks them (it has served a 404 for
# criu_4.2.1-1.debian.tar.xz), the script says so, naming them, and builds
# the verified upstream tarball. $AGENTRUN_CRIU_MIRROR replaces the mirror.
#
#   scripts/criu.sh            install if needed
#   scripts/criu.sh --check    exit 0 if criu >= 4.2 is installed, 1 if not
#   scripts/criu.sh --verify DSC   check the files of a downloaded source
#                              package against DSC, as before a build
set -euo pipefail

MIN_VERSION=4.2
PREFIX=${PREFIX:-/usr/local}
CACHE=${AGENTRUN_CRIU_CACHE:-/var/cache/agentrun-criu}
SOURCES=${AGENTRUN_DEBIAN_SOURCES:-/etc/apt/sources.list.d/debian.sources}
build_deps=(gcc make pkg-config dpkg-dev libprotobuf-c-dev protobuf-c-compiler
	libprotobuf-dev protobuf-compiler python3-protobuf libnl-3-dev
	libnl-route-3-dev libnet1-dev libgnutls28-dev libnftables-dev libbsd-dev
	libcap-dev uuid-dev
	# what criu runs while it dumps and restores a network namespace
	iproute2 iptables)

log() { echo "criu.sh: $*" >&2; }
die() {
	log "$*"
	exit 1
}

# criu_version BIN: prints e.g. 4.2.1, or nothing.
criu_version() {
	"$1" --version 2>/dev/null | sed -n 's/^Version: *\([0-9][0-9.]*\).*/\1/p' | head -n1
}

# version_ok V: V >= MIN_VERSION
version_ok() {
	[ -n "$1" ] && [ "$(printf '%s\n%s\n' "$MIN_VERSION" "$1" | sort -V | head -n1)" = "$MIN_VERSION" ]
}

installed_ok() {
	local bin
	bin=$(PATH="$PREFIX/sbin:$PATH" command -v criu 2>/dev/null) || return 1
	version_ok "$(criu_version "$bin")" || return 1
	# libcriu and its pkg-config file are needed to build agentrun with it.
	PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig:${PKG_CONFIG_PATH:-}" \
		pkg-config --atleast-version="$MIN_VERSION" criu 2>/dev/null
}

# verify_dsc DSC ORIGIN: every file DSC lists under Checksums-Sha256 is
# next to it and matches; otherwise one line naming the first file missing
# or altered and ORIGIN (where it came from), and exit 1. Never a build from
# a partial download.
verify_dsc() {
	local dsc=$1 origin=$2 dir listed sum name n=0
	dir=$(dirname "$dsc")
	listed=$(awk '/^Checksums-Sha256:/ { on = 1; next } on && /^ / { print $1, $3; next } { on = 0 }' "$dsc")
	[ -n "$listed" ] || die "${dsc##*/} lists no Checksums-Sha256 files"
	DEBIAN_MISSING=
	while read -r sum name; do
		if [ ! -f "$dir/$name" ]; then
			# Debian's packaging (debian/ with its patches) is not needed to
			# build upstream criu; upstream's tarball is.
			case "$name" in
			*.debian.tar.* | *.asc)
				DEBIAN_MISSING="$DEBIAN_MISSING $name"
				continue
				;;
			esac
			die "$name (listed in ${dsc##*/}) is missing: not fetched from $origin; cannot build criu without it"
		fi
		[ "$(sha256sum <"$dir/$name" | cut -d' ' -f1)" = "$sum" ] ||
			die "$name from $origin does not match its SHA-256 in ${dsc##*/}; not building criu from it"
		n=$((n + 1))
	done <<<"$listed"
	log "${dsc##*/}: $n of $(wc -l <<<"$listed") files fetched, each matches its SHA-256"
	if [ -n "$DEBIAN_MISSING" ]; then
		log "not on $origin:$DEBIAN_MISSING (Debian's packaging and signatures); building upstream's verified tarball without Debian's patches"
	fi
}

if [ "${1:-}" = "--check" ]; then
	installed_ok
	exit
fi
if [ "${1:-}" = "--verify" ]; then
	[ -f "${2:-}" ] || die "--verify: no such .dsc: ${2:-}"
	verify_dsc "$2" "$(cd "$(dirname "$2")" && pwd)"
	exit
fi

[ "$(id -u)" -eq 0 ] || die "run as root"
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in "${build_deps[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing build dependencies: ${missing[*]}"
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if installed_ok; then
	log "criu $(criu_version "$(PATH="$PREFIX/sbin:$PATH" command -v criu)") and libcriu already installed"
	exit 0
fi

mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

# The built tree of an earlier run, if any.
srcdir=$(find "$CACHE" -maxdepth 1 -type d -name 'criu-[0-9]*' | sort -V | tail -n1)
if [ -z "$srcdir" ] || [ ! -f "$srcdir/.agentrun-built" ]; then
	# This machine's Debian mirror: the URIs of the first deb822 stanza that
	# is not the security archive ($AGENTRUN_CRIU_MIRROR instead, if set:
	# another mirror, or a local copy as file:///DIR).
	uri=$(awk '
		/^[[:space:]]*$/ { if (u != "" && s !~ /-security/) { print u; exit } u = ""; s = ""; next }
		/^URIs:/ { u = $2 }
		/^Suites:/ { s = $0 }
		END { if (u != "" && s !~ /-security/) print u }' "$SOURCES" | head -n1)
	uri=${AGENTRUN_CRIU_MIRROR:-$uri}
	keyring=$(sed -n 's/^Signed-By: *//p' "$SOURCES" | head -n1)
	[ -n "$uri" ] || die "no Debian URI found in $SOURCES"

	tmp=$(mktemp -d "$CACHE/apt.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/src"
	if [ -n "$keyring" ]; then
		echo "deb-src [signed-by=$keyring] $uri unstable main" >"$tmp/sources.list"
	else
		echo "deb-src $uri unstable main" >"$tmp/sources.list"
	fi
	apt_opts=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=/dev/null"
		-o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache"
		-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o "APT::Sandbox::User=root")
	log "fetching the criu source package of unstable (whatever version >= $MIN_VERSION it has) from $uri"
	apt-get "${apt_opts[@]}" update -qq || die "apt-get update of $uri unstable (deb-src) failed"
	# apt checks the .dsc against the signed index; the .dsc lists the
	# other files with their SHA-256, checked below. Its exit status is not
	# trusted either way: the files on disk are.
	(cd "$tmp/src" && apt-get "${apt_opts[@]}" source --download-only criu >"$tmp/source.log" 2>&1) ||
		log "apt-get source criu failed: checking what it fetched"
	dsc=$(find "$tmp/src" -maxdepth 1 -name 'criu_*.dsc' | head -n1)
	[ -n "$dsc" ] || die "no criu .dsc fetched from $uri (unstable main): $(grep -m1 '^E:' "$tmp/source.log" || echo 'apt-get source criu failed')"
	ver=$(sed -n 's/^Version: *\([0-9]*:\)\{0,1\}\([0-9.]*\).*/\2/p' "$dsc" | head -n1)
	version_ok "$ver" || die "unstable has criu ${ver:-of no version}, older than $MIN_VERSION"
	verify_dsc "$dsc" "$uri"
	srcdir=$CACHE/criu-$ver
	rm -rf "$srcdir"
	if [ -z "$DEBIAN_MISSING" ]; then
		if ! dpkg-source -x "$dsc" "$srcdir" >"$tmp/dpkg-source.log" 2>&1; then
			tail -n 5 "$tmp/dpkg-source.log" >&2
			rm -rf "$srcdir"
			die "dpkg-source -x ${dsc##*/} failed"
		fi
	else
		orig=$(find "$tmp/src" -maxdepth 1 -name 'criu_*.orig.tar.*' ! -name '*.asc' | head -n1)
		[ -n "$orig" ] || die "${dsc##*/} lists no upstream tarball"
		mkdir -p "$srcdir"
		if ! tar -xf "$orig" -C "$srcdir" --strip-components=1; then
			rm -rf "$srcdir"
			die "cannot unpack ${orig##*/}"
		fi
	fi
	rm -rf "$tmp"
	trap - EXIT

	log "building criu $ver in $srcdir (a few minutes)"
	if ! make -C "$srcdir" -j"$(nproc)" criu lib >"$CACHE/build.log" 2>&1; then
		tail -n 30 "$CACHE/build.log" >&2
		die "build failed; log: $CACHE/build.log"
	fi
	touch "$srcdir/.agentrun-built"
fi

ver=${srcdir##*/criu-}
log "installing criu $ver into $PREFIX"
# upstream's install targets (binary, libcriu.so.2, criu.h with the headers
# it includes, criu.pc); the Python bindings are not needed
if ! make -C "$srcdir" install-criu install-lib PREFIX="$PREFIX" LIBDIR="$PREFIX/lib" \
	SKIP_PIP_INSTALL=1 >"$CACHE/install.log" 2>&1; then
	tail -n 30 "$CACHE/install.log" >&2
	die "install failed; log: $CACHE/install.log"
fi
ldconfig
installed_ok || die "criu $ver installed into $PREFIX but not found afterwards"
log "installed: $("$PREFIX/sbin/criu" --version | head -n1)"
