#!/usr/bin/env bash
# Install what is missing, build agentrun, and run a command in a busybox
# bundle made with the agent profile (`agentrun spec --profile agent`): its own
# user namespace, read-only root, tmpfs /work, loopback only, few
# capabilities, no_new_privs and a seccomp denylist.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh --build-only
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "ok installed" || {
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static jq >/dev/null
}
command -v jq >/dev/null || { apt-get update -qq && apt-get install -y -qq jq >/dev/null; }
bash scripts/build.sh

demo=$(mktemp -d /tmp/agentrun-demo.XXXXXX)
# the container's root is an unprivileged host uid: let it reach the bundle
chmod 755 "$demo"
trap 'rm -rf "$demo"' EXIT
mkdir -p "$demo/rootfs/bin" "$demo/rootfs"/{proc,sys,dev,tmp,etc,work}
cp /bin/busybox "$demo/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$demo/rootfs/bin/$applet"
done
./build/agentrun spec --profile agent --bundle "$demo"
jq '.process.args = ["sh", "-c", "echo \"hello from $(hostname): pid $$, uid $(id -u) (host uid $(awk \"{print \\$2}\" /proc/self/uid_map))\"; echo \"root is read-only: $(touch /x 2>&1)\"; echo notes > /work/notes && echo \"/work is a private tmpfs: $(cat /work/notes)\"; echo \"mount is refused: $(mount -t tmpfs t /mnt 2>&1)\"; echo network:; ip -o link"]' \
	"$demo/config.json" >"$demo/config.json.new" && mv "$demo/config.json.new" "$demo/config.json"
./build/agentrun --root "$demo/state" run --bundle "$demo" "demo-$$"
