#!/usr/bin/env bash
# Configure and build agentrun strictly (-Dwerror=true) and check that the
# binary is hardened.
#
#   scripts/build.sh [MESON OPTION...]
#
# Builds into $BUILD_DIR (default build/). An existing build directory is
# reconfigured each time (with -Dwerror=true and the given options), so a
# newly installed optional dependency such as libcriu is picked up. Prints
# the options and hardening flags in effect, then checks the produced ELF:
# PIE (type DYN), full RELRO (GNU_RELRO and BIND_NOW), the stack protector
# (__stack_chk_fail) and, when _FORTIFY_SOURCE is on, glibc's checked
# functions (*_chk). Any of them missing fails the build.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_DIR:-build}
opts=(-Dwerror=true "$@")

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ -f "$dir/build.ninja" ]; then
	setup=(meson setup --reconfigure "$dir" "${opts[@]}")
else
	setup=(meson setup "$dir" "${opts[@]}")
fi
if ! "${setup[@]}" >"$log" 2>&1; then
	cat "$log" >&2
	echo "scripts/build.sh: meson setup failed" >&2
	exit 1
fi
grep -E '^(WARNING|DEPRECATION)' "$log" >&2 || true
if ! ninja -C "$dir" >"$log" 2>&1; then
	# the failing commands and the compiler's messages
	grep -vE '^\[[0-9]+/[0-9]+\] ' "$log" >&2 || cat "$log" >&2
	echo "scripts/build.sh: build failed in $dir" >&2
	exit 1
fi

bin=$dir/agentrun
# The options and flags in effect
opt() { meson introspect --buildoptions "$dir" | python3 -c '
import json, sys
for o in json.load(sys.stdin):
    if o["name"] == sys.argv[1]:
        v = o["value"]
        print(",".join(v) if isinstance(v, list) else str(v).lower())' "$1"; }
if command -v python3 >/dev/null; then
	echo "build: buildtype=$(opt buildtype) optimization=$(opt optimization) werror=$(opt werror)" \
		"warning_level=$(opt warning_level) b_pie=$(opt b_pie) b_sanitize=$(opt b_sanitize)"
fi
# the compile command of main.c, the link command of agentrun
cflags=$(grep -m1 '"command": .*runtime/main\.c' "$dir/compile_commands.json" | tr ' ' '\n' |
	grep -E '^(-O|-D_FORTIFY_SOURCE|-U_FORTIFY_SOURCE|-fstack-|-fPIE|-fpie|-fPIC|-Werror|-fsanitize|-W[a-z]+$)' |
	tr '\n' ' ')
ldflags=$(sed -n '/^build agentrun:/,/^$/p' "$dir/build.ninja" | sed -n 's/^ *LINK_ARGS = //p' | tr ' ' '\n' |
	grep -E '^(-Wl,-z|-pie|-fsanitize)' | sort -u | tr '\n' ' ')
echo "build: compile: ${cflags% }"
echo "build: link: ${ldflags% }"

# The binary
fail() {
	echo "scripts/build.sh: $bin is not hardened: $*" >&2
	exit 1
}
hdr=$(readelf -h "$bin")
dyn=$(readelf -d "$bin")
phdr=$(readelf -lW "$bin")
syms=$(readelf -sW --dyn-syms "$bin" | awk '$8 != "" { print $8 }' | sed 's/@.*//' | sort -u)
grep -qE 'Type:[[:space:]]+DYN' <<<"$hdr" || fail "not a position-independent executable (readelf -h: $(grep Type: <<<"$hdr" | xargs))"
grep -q 'GNU_RELRO' <<<"$phdr" || fail "no GNU_RELRO segment"
grep -qE '\(BIND_NOW\)|\(FLAGS\).*NOW|\(FLAGS_1\).*NOW' <<<"$dyn" || fail "no BIND_NOW (partial RELRO only)"
grep -qx '__stack_chk_fail' <<<"$syms" || fail "no __stack_chk_fail (stack protector off)"
checked=""
if grep -q -- '-D_FORTIFY_SOURCE=' <<<"$cflags"; then
	checked=$(grep -E '^__[a-z0-9_]+_chk$' <<<"$syms" | grep -vx '__stack_chk_fail' | tr '\n' ' ')
	[ -n "$checked" ] || fail "_FORTIFY_SOURCE is set but no *_chk function is used"
fi
echo "build: $bin: PIE (ELF type DYN), full RELRO (GNU_RELRO, BIND_NOW), stack protector (__stack_chk_fail)"
if [ -n "$checked" ]; then
	echo "build: fortified: $(wc -w <<<"$checked") glibc *_chk functions (${checked% })"
else
	echo "build: not fortified (_FORTIFY_SOURCE is off in this configuration)"
fi
case $bin in /*) echo "built $bin" ;; *) echo "built $(pwd)/$bin" ;; esac
