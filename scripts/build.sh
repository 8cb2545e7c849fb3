#!/usr/bin/env bash
# Configure and build agentrun into build/ (reconfigured each time, so a
# newly installed optional dependency such as libcriu is picked up).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f build/build.ninja ]; then
	meson setup --reconfigure build >/dev/null
else
	meson setup build >/dev/null
fi
ninja -C build >/dev/null
echo "built $(pwd)/build/agentrun"
