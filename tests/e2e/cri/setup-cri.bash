# shellcheck shell=bash
# tests/e2e/cri/setup-cri.bash - containerd with its CRI plugin on a private
# config, for tests/e2e/cri.bats (loaded after ../setup.bash).
#
#  - containerd's own root, state, sockets and opt dir under DIR; the CRI
#    plugin serves on the same socket (DIR/containerd.sock).
#  - runtime handler `agentrun`: io.containerd.runc.v2 with BinaryName =
#    DIR/agentrun-wrap, which appends its arguments to DIR/calls.log and
#    execs $AGENTRUN (so the tests see every call the shim makes), and Root
#    = DIR/runc-root (agentrun's --root is then DIR/runc-root/k8s.io).
#  - sandbox_image: a pause-like image made here (the busybox rootfs with
#    CMD a shell that sleeps and exits 0 on SIGTERM/SIGINT), imported with
#    ctr into the k8s.io namespace, as is the busybox image itself.
#  - CNI: Debian's containernetworking-plugins (/usr/lib/cni), a ptp
#    network with host-local IPAM (its data under DIR): the CRI plugin
#    needs an address on eth0; the loopback plugin alone gives none. ptp
#    makes no bridge: the host end of the veth pair goes with the pod's
#    network namespace, which is pinned under DIR
#    (netns_mounts_under_state_dir).
#    The ptp plugin turns on net.ipv4.ip_forward; e2e_cri_stop puts back
#    the value it had before.
#  - restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE and cannot
#    lower oom_score_adj to the sandbox's -998 (with any runtime).
#  - disable_apparmor: the host has no AppArmor.

CRI_NS=k8s.io
CRI_PAUSE_IMAGE=localhost/agentrun-e2e-pause:latest
CRI_SUBNET=${CRI_SUBNET:-10.213.77.0/24}

# cri_image_archive DIR OUT NAME [CHANGE...]: the busybox rootfs as image
# NAME (with podman import --change CHANGE...), saved as an OCI archive.
cri_image_archive() {
	local dir=$1 out=$2 name=$3 c
	shift 3
	local changes=()
	for c in "$@"; do changes+=(--change "$c"); done
	local pdir=$dir/img
	mkdir -p "$pdir"/{root,run,tmp,net}
	e2e_containers_conf "$pdir/containers.conf" "$AGENTRUN" "$pdir/net"
	[ -f "$pdir/busybox.tar" ] || e2e_rootfs_tar "$pdir/busybox.tar" || return 1
	local pargs=(--root "$pdir/root" --runroot "$pdir/run" --tmpdir "$pdir/tmp")
	CONTAINERS_CONF=$pdir/containers.conf timeout 60 podman "${pargs[@]}" import "${changes[@]}" \
		"$pdir/busybox.tar" "$name" >/dev/null 3>&- || return 1
	CONTAINERS_CONF=$pdir/containers.conf timeout 60 podman "${pargs[@]}" save --format oci-archive \
		-o "$out" "$name" >/dev/null 2>&1 3>&- || return 1
}

cri_images_cleanup() {
	local pdir=$1/img
	[ -d "$pdir" ] || return 0
	CONTAINERS_CONF=$pdir/containers.conf timeout 60 podman --root "$pdir/root" --runroot "$pdir/run" \
		--tmpdir "$pdir/tmp" rmi -a -f >/dev/null 2>&1 3>&-
	e2e_umount_under "$pdir"
	rm -rf "$pdir"
}

# e2e_cri_start DIR: containerd with the CRI plugin; exports CRI_DIR,
# CRI_SOCK, CRI_ROOT (agentrun's --root for the k8s.io namespace), CRI_GEN
# (the generated client stubs).
e2e_cri_start() {
	local dir=$1
	mkdir -p "$dir"/{root,state,opt,runc-root,cni/net.d,cni/ipam,pods,gen}
	export CRI_DIR=$dir CRI_SOCK=$dir/containerd.sock CRI_ROOT=$dir/runc-root/$CRI_NS
	export CRI_GEN=$dir/gen CRI_CALLS=$dir/calls.log

	cat >"$dir/agentrun-wrap" <<-EOF
		#!/bin/sh
		echo "\$*" >>"$CRI_CALLS"
		exec "$AGENTRUN" "\$@"
	EOF
	chmod 755 "$dir/agentrun-wrap"

	cat /proc/sys/net/ipv4/ip_forward >"$dir/ip_forward.before"

	# the client's stubs, generated from tests/e2e/cri/api.proto
	/usr/bin/python3 "$E2E_LIB/cri/cri_client.py" gen "$CRI_GEN" >/dev/null || return 1

	cat >"$dir/cni/net.d/10-agentrun-e2e.conflist" <<-EOF
		{
		  "cniVersion": "0.4.0",
		  "name": "agentrun-e2e-cri",
		  "plugins": [
		    {
		      "type": "ptp",
		      "ipMasq": false,
		      "ipam": {
		        "type": "host-local",
		        "subnet": "$CRI_SUBNET",
		        "dataDir": "$dir/cni/ipam"
		      }
		    }
		  ]
		}
	EOF

	cat >"$dir/config.toml" <<-EOF
		version = 2
		root = "$dir/root"
		state = "$dir/state"

		[grpc]
		  address = "$dir/containerd.sock"

		[ttrpc]
		  address = "$dir/containerd.sock.ttrpc"

		[debug]
		  address = "$dir/debug.sock"
		  level = "debug"

		[metrics]
		  address = ""

		[plugins."io.containerd.internal.v1.opt"]
		  path = "$dir/opt"

		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$CRI_PAUSE_IMAGE"
		  disable_apparmor = true
		  enable_selinux = false
		  restrict_oom_score_adj = true
		  netns_mounts_under_state_dir = true
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"

		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "/usr/lib/cni"
		    conf_dir = "$dir/cni/net.d"
		    max_conf_num = 1

		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    snapshotter = "overlayfs"
		    default_runtime_name = "agentrun"

		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.agentrun]
		      runtime_type = "io.containerd.runc.v2"

		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.agentrun.options]
		        BinaryName = "$dir/agentrun-wrap"
		        Root = "$dir/runc-root"
		        SystemdCgroup = false
	EOF

	containerd --config "$dir/config.toml" </dev/null >"$dir/containerd.log" 2>&1 3>&- &
	echo $! >"$dir/containerd.pid"
	for _ in $(seq 100); do
		timeout 5 ctr --address "$CRI_SOCK" version >/dev/null 2>&1 && break
		kill -0 "$(cat "$dir/containerd.pid")" 2>/dev/null || break
		sleep 0.2
	done
	crictr version >/dev/null || { tail -20 "$dir/containerd.log" >&2; return 1; }

	# the images, into the CRI plugin's namespace
	cri_image_archive "$dir" "$dir/busybox.oci.tar" "$E2E_IMAGE" || return 1
	cri_image_archive "$dir" "$dir/pause.oci.tar" "$CRI_PAUSE_IMAGE" \
		'CMD ["/bin/sh", "-c", "trap \"exit 0\" TERM INT; while :; do sleep 3600 & wait $!; done"]' || return 1
	cri_images_cleanup "$dir"
	crictr images import --all-platforms "$dir/busybox.oci.tar" >/dev/null || return 1
	crictr images import --all-platforms "$dir/pause.oci.tar" >/dev/null || return 1
}

# crictr ARGS...: ctr on the CRI containerd, in the k8s.io namespace, bounded.
crictr() {
	timeout -k 5 "$E2E_TIMEOUT" ctr --address "$CRI_DIR/containerd.sock" -n "$CRI_NS" "$@" 3>&-
}

# cri ARGS...: the CRI client, bounded.
cri() {
	timeout -k 5 "$E2E_TIMEOUT" /usr/bin/python3 "$E2E_LIB/cri/cri_client.py" \
		--gen "$CRI_GEN" --socket "$CRI_SOCK" "$@" 3>&-
}

e2e_cri_stop() {
	local dir=$1 pid c
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	cri_images_cleanup "$dir"
	if [ -S "$dir/containerd.sock" ] && [ -d "$dir/gen" ]; then
		# the pods left by a failed test, as a kubelet would take them down
		for c in $(cat "$dir/pods.list" 2>/dev/null); do
			cri stopp "$c" >/dev/null 2>&1
			cri rmp "$c" >/dev/null 2>&1
		done
	fi
	if [ -S "$dir/containerd.sock" ]; then
		for c in $(crictr task ls -q 2>/dev/null); do
			crictr task kill -s SIGKILL "$c" >/dev/null 2>&1
		done
		sleep 0.5
		for c in $(crictr task ls -q 2>/dev/null); do crictr task delete -f "$c" >/dev/null 2>&1; done
		for c in $(crictr containers ls -q 2>/dev/null); do crictr containers delete "$c" >/dev/null 2>&1; done
	fi
	pid=$(cat "$dir/containerd.pid" 2>/dev/null)
	[ -n "$pid" ] && e2e_kill_pids "$pid"
	# what agentrun still holds (a container whose shim is gone)
	if [ -d "$dir/runc-root/$CRI_NS" ]; then
		for c in $(timeout 10 "$AGENTRUN" --root "$dir/runc-root/$CRI_NS" list -q 2>/dev/null); do
			timeout 10 "$AGENTRUN" --root "$dir/runc-root/$CRI_NS" delete --force "$c" >/dev/null 2>&1
		done
	fi
	# shims name containerd's socket (in $dir)
	local fwd
	fwd=$(cat "$dir/ip_forward.before" 2>/dev/null)
	e2e_reap_dir "$dir"
	if [ -n "$fwd" ] && [ "$(cat /proc/sys/net/ipv4/ip_forward)" != "$fwd" ]; then
		echo "$fwd" >/proc/sys/net/ipv4/ip_forward
	fi
}
