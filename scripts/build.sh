#!/usr/bin/env bash
# Configure (once) and build agentrun into build/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
echo "built $(pwd)/build/agentrun"
