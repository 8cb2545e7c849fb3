#!/usr/bin/env bash
# Check (default) or apply (--fix) the project's C formatting with the
# pinned clang-format: Debian 12's clang-format-14, style in .clang-format.
# Prints each file that differs and exits 1 when any does.
set -uo pipefail
cd "$(dirname "$0")/.."
cf=clang-format-14
if ! command -v "$cf" >/dev/null; then
	echo "scripts/format.sh: $cf not found (apt-get install clang-format-14)" >&2
	exit 2
fi
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
if [ "${1:-}" = "--fix" ]; then
	"$cf" -i "${files[@]}"
	exit 0
fi
bad=0
for f in "${files[@]}"; do
	if ! "$cf" --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "format: $f differs from .clang-format (scripts/format.sh --fix)"
		bad=1
	fi
done
[ "$bad" -eq 0 ] && echo "format: ${#files[@]} files clean"
exit "$bad"
