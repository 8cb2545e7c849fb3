#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz/fuzz_*.c) with clang-14 and
# ASan+UBSan against the project's sources (every .c of util/ spec/
# cgroups/ hooks/ runtime/ but runtime/main.c), into $FUZZ_BUILD
# (default build-fuzz/). Needs clang-14 and libclang-rt-14-dev (libFuzzer),
# scripts/deps.sh installs both. Prints the harness paths.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_BUILD:-$top/build-fuzz}
CC=${FUZZ_CC:-clang-14}
command -v "$CC" >/dev/null || { echo "tests/fuzz/build.sh: $CC not found (scripts/deps.sh installs it)" >&2; exit 1; }
mkdir -p "$out/obj"
cd "$top"

pkgs="yajl libseccomp libcap libmnl"
have_criu=0
if pkg-config --atleast-version=4.2 criu 2>/dev/null; then
	have_criu=1
	pkgs="$pkgs criu"
fi
{
	echo '#pragma once'
	echo '#define AGENTRUN_VERSION "fuzz"'
	echo '#define AGENTRUN_SPEC_VERSION "1.3.0"'
	echo '#define AGENTRUN_COMMIT "fuzz"'
	echo '#define AGENTRUN_HAVE_SECCOMP 1'
	[ "$have_criu" = 1 ] && echo '#define AGENTRUN_HAVE_CRIU 1'
} >"$out/config.h.new"
cmp -s "$out/config.h.new" "$out/config.h" || mv "$out/config.h.new" "$out/config.h"
rm -f "$out/config.h.new"

# shellcheck disable=SC2086
pkg_cflags=$(pkg-config --cflags $pkgs)
# shellcheck disable=SC2086
pkg_libs=$(pkg-config --libs $pkgs)
san="-fsanitize=address,undefined -fno-sanitize-recover=all"
cflags="-g -O1 -fno-omit-frame-pointer -std=gnu17 -D_GNU_SOURCE -fno-strict-aliasing -I$top -I$out $pkg_cflags $san"

# the project's objects, instrumented for coverage (not linked with main);
# any header newer than the last archive rebuilds them all
srcs=$(find util spec cgroups hooks runtime -name '*.c' ! -path runtime/main.c | sort)
if [ -f "$out/libproject.a" ] &&
	[ -n "$(find util spec cgroups hooks runtime "$out/config.h" -name '*.h' -newer "$out/libproject.a" | head -1)" ]; then
	rm -f "$out"/obj/*.o
fi
export CC out cflags
# shellcheck disable=SC2016
printf '%s\n' $srcs | xargs -P "${FUZZ_JOBS:-2}" -I{} sh -c '
	o="$out/obj/$(echo "{}" | tr / _).o"
	if [ ! -f "$o" ] || [ "{}" -nt "$o" ]; then
		$CC $cflags -fsanitize=fuzzer-no-link -c "{}" -o "$o" || exit 255
	fi'
objs=()
for f in $srcs; do objs+=("$out/obj/$(echo "$f" | tr / _).o"); done
rm -f "$out/libproject.a"
ar rcs "$out/libproject.a" "${objs[@]}"

for h in tests/fuzz/fuzz_*.c; do
	name=$(basename "$h" .c)
	if [ "$name" = fuzz_criu_record ] && [ "$have_criu" = 0 ]; then
		echo "tests/fuzz/build.sh: $name needs libcriu >= 4.2 (scripts/criu.sh): not built" >&2
		continue
	fi
	# shellcheck disable=SC2086
	$CC $cflags -fsanitize=fuzzer "$h" "$out/libproject.a" $pkg_libs -o "$out/$name"
	echo "$out/$name"
done
