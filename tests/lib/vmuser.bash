# shellcheck shell=bash
# tests/lib/vmuser.bash - the unprivileged user of the cgroup v2 + systemd
# guest (tests/run-vm), with a systemd user session, for the rootless tests
# there (tests/vm/rootless-delegation.bats, tests/vm/podman.bats).
#
# Load after bundle.bash:
#     setup_file()    { vm_user_setup; }
#     teardown_file() { vm_user_teardown; }
#
# vm_user_setup makes sure the user exists, lingers and has its user
# manager (scripts/vm-guest/agentrun-vm-user: idempotent, the image has it
# already; another file's setup may have made it too) and installs a copy
# of agentrun the user can run ($VM_AGENTRUN). vm_user_teardown removes
# that copy; the user stays (the guest is thrown away after the run).
#
#   VM_USER VM_UID VM_GID VM_HOME   the user
#   VM_XDG                          its XDG_RUNTIME_DIR (/run/user/UID)
#   as_vm_user CMD...               CMD as the user, in its home: env -i with
#                                   HOME USER PATH XDG_RUNTIME_DIR and its
#                                   user bus (systemctl --user, systemd-run
#                                   --user, podman), bounded
#   vm_user_bundle DIR              a bundle owned by the user: the busybox
#                                   rootfs and `agentrun spec --rootless`

VM_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

vm_user_setup() {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && [ "$(cat /proc/1/comm)" = systemd ] ||
		skip "not the cgroup v2 + systemd guest (tests/run-vm boots it)"
	local out
	out=$(bash "$REPO/scripts/vm-guest/agentrun-vm-user") || return 1
	read -r VM_USER VM_UID <<<"$out"
	VM_GID=$(id -g "$VM_USER")
	VM_HOME=$(getent passwd "$VM_USER" | cut -d: -f6)
	VM_XDG=/run/user/$VM_UID
	VM_BIN=$(mktemp -d /usr/local/libexec-agentrun-test.XXXXXX)
	chmod 755 "$VM_BIN"
	cp "$AGENTRUN" "$VM_BIN/agentrun"
	chmod 755 "$VM_BIN/agentrun"
	VM_AGENTRUN=$VM_BIN/agentrun
	export VM_USER VM_UID VM_GID VM_HOME VM_XDG VM_BIN VM_AGENTRUN
}

vm_user_teardown() {
	[ -z "${VM_BIN:-}" ] || rm -rf "$VM_BIN"
}

as_vm_user() {
	(cd "$VM_HOME" && timeout -k 5 "${VM_TIMEOUT_CMD:-120}" \
		setpriv --reuid="$VM_UID" --regid="$VM_GID" --init-groups \
		env -i HOME="$VM_HOME" USER="$VM_USER" LOGNAME="$VM_USER" PATH="$VM_PATH" \
		XDG_RUNTIME_DIR="$VM_XDG" DBUS_SESSION_BUS_ADDRESS="unix:path=$VM_XDG/bus" "$@" 3>&-)
}

vm_user_bundle() {
	local dir=$1
	mkdir -p "$dir"
	cp -a "$(rootfs_cache)" "$dir/rootfs"
	rm -f "$dir/rootfs/.done"
	echo "$T" >"$dir/rootfs/$MARKER"
	chown -R "$VM_UID:$VM_GID" "$dir"
	chmod 755 "$dir"
	as_vm_user "$VM_AGENTRUN" spec --bundle "$dir" --rootless
}
