# shellcheck shell=bash
# tests/e2e/setup.bash - the engines (podman, rootless podman, containerd)
# driving agentrun for real, offline: helpers for the e2e bats files.
#
# As a program:
#     bash tests/e2e/setup.bash install     install the engines if missing
#     E2E_ROOT=DIR bash tests/e2e/setup.bash cleanup
#                                           remove everything a run left under
#                                           DIR, and the test user
# As a library (`load setup` from a .bats file in this directory).
#
# Facts this relies on (Debian 12, no systemd, no registry):
#  - images are made here: a rootfs tarball of /bin/busybox with its applet
#    symlinks, `podman import`ed into a private store; containerd gets it
#    through `podman save --format oci-archive` + `ctr images import`.
#  - root lacks CAP_SYS_RESOURCE and the hard RLIMIT_NOFILE is 20000, so
#    podman's default ulimits fail with every runtime: the test
#    containers.conf sets default_ulimits.
#  - podman gets a private store through --root/--runroot/--tmpdir flags (a
#    storage.conf made every attached run wait ~20 s for conmon).
#  - agentrun is registered in [engine.runtimes] and runtime_supports_json,
#    so podman passes it --log-format=json --log PATH.
#  - containerd runs on a private config (its own root, state, sockets, opt
#    dir; the CRI plugin disabled), started here, stopped by PID.
#
# Everything a suite makes lives under one directory (E2E_DIR) and is
# removed by its teardown_file, failed or not (the cleanup functions are
# called as `f || true`, so that bats' errexit cannot stop them half-way); processes are found by that
# directory in their command line (or by the test user's uid) and killed by
# PID, never by name.

# run -N needs bats >= 1.5.
if declare -F bats_require_minimum_version >/dev/null; then
	bats_require_minimum_version 1.5.0
fi

E2E_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=${REPO:-$(cd "$E2E_LIB/../.." && pwd)}
AGENTRUN=${AGENTRUN:-$REPO/build/agentrun}
BUSYBOX=${BUSYBOX:-/bin/busybox}
# Upper bound, in seconds, of any one engine command.
E2E_TIMEOUT=${E2E_TIMEOUT:-90}
E2E_IMAGE=localhost/agentrun-e2e-busybox:latest
E2E_USER=${E2E_USER:-agentrun-e2e}
E2E_USER_COMMENT="agentrun e2e test user"
E2E_PACKAGES=(podman buildah uidmap slirp4netns fuse-overlayfs containerd containernetworking-plugins
	docker.io iptables
	python3-grpcio python3-grpc-tools
	conmon jq util-linux)

SKIP_TTY="terminal support not in agentrun yet"
SKIP_CRIU="checkpoint/restore not in agentrun yet"

e2e_log() { echo "# $*" >&3 2>/dev/null || echo "# $*" >&2; }

# ---------------------------------------------------------------- packages

e2e_missing_packages() {
	local p
	for p in "${E2E_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			echo "$p"
	done
}

e2e_install() {
	local missing
	mapfile -t missing < <(e2e_missing_packages)
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "e2e: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	timeout 600 apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || true
	timeout 1200 apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
		"${missing[@]}" >&2
}

# ---------------------------------------------------------------- agentrun's abilities

# Terminals: skipped only while agentrun says the console socket is not
# supported (create --help on --console-socket, or a features annotation).
e2e_terminal_supported() {
	local help sect
	help=$(timeout 10 "$AGENTRUN" create --help 2>&1) || return 1
	sect=$(awk '/--console-socket/ { f = 1; print; next } f && /^ *-/ { exit } f { print }' <<<"$help")
	[ -n "$sect" ] || return 1
	grep -qi "not supported" <<<"$sect" && return 1
	if timeout 10 "$AGENTRUN" features 2>/dev/null |
		jq -e '(.annotations // {}) | to_entries | map(select((.key | test("terminal|console"; "i")) and .value == "false")) | length > 0' >/dev/null 2>&1; then
		return 1
	fi
	return 0
}

e2e_checkpoint_supported() {
	timeout 10 "$AGENTRUN" checkpoint --help >/dev/null 2>&1
}

need_terminal() { e2e_terminal_supported || skip "$SKIP_TTY"; }
need_checkpoint() { e2e_checkpoint_supported || skip "$SKIP_CRIU"; }

# ---------------------------------------------------------------- the image

# e2e_rootfs_tar OUT: a busybox rootfs tarball (applet symlinks, not one for
# the busybox applet itself; a passwd/group with root and nobody).
e2e_rootfs_tar() {
	local out=$1 dir a
	dir=$(mktemp -d "${out%/*}/rootfs.XXXXXX")
	chmod 755 "$dir" # the image's / (mktemp made it 0700)
	mkdir -p "$dir"/{bin,dev,proc,sys,tmp,etc,root,var/tmp,run,home}
	chmod 1777 "$dir/tmp" "$dir/var/tmp"
	cp "$BUSYBOX" "$dir/bin/busybox"
	chmod 755 "$dir/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ "$a" = busybox ] && continue
		[ -e "$dir/bin/$a" ] || ln -s busybox "$dir/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
	echo agentrun-e2e >"$dir/etc/image-marker"
	timeout 60 tar -C "$dir" --numeric-owner --owner=0 --group=0 -cf "$out" . || return 1
	rm -rf "$dir"
	chmod 644 "$out"
}

# ---------------------------------------------------------------- cleanup helpers

# This shell and its ancestors, never to be killed.
e2e_self_pids() {
	local p=${BASHPID:-$$}
	echo "$$"
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		echo "$p"
		p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
	done
}

# Pids of processes whose command line contains $1 (never this shell's).
e2e_pids_matching() {
	local pat=$1 p cmd self
	self=" $(e2e_self_pids | tr '\n' ' ') "
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		case "$self" in *" $p "*) continue ;; esac
		cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline") || continue
		case "$cmd" in *"$pat"*) echo "$p" ;; esac
	done
}

e2e_pids_of_uid() {
	local uid=$1 p
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		if [ "$(stat -c %u "/proc/$p" 2>/dev/null)" = "$uid" ]; then echo "$p"; fi
	done
}

# e2e_kill_pids PID...: SIGTERM, then SIGKILL what is left (bounded).
e2e_kill_pids() {
	[ $# -gt 0 ] || return 0
	local p
	kill -TERM "$@" 2>/dev/null || true
	for _ in $(seq 50); do
		local alive=0
		for p in "$@"; do
			if kill -0 "$p" 2>/dev/null; then alive=1; fi
		done
		[ "$alive" = 0 ] && return 0
		sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null || true
	sleep 0.2
}

# Unmount everything mounted at or under DIR, deepest first.
e2e_umount_under() {
	local dir=$1 m
	for _ in 1 2 3; do
		mapfile -t mnts < <(awk -v d="$dir" '{ gsub(/\\040/, " ", $5); if ($5 == d || index($5, d "/") == 1) print $5 }' /proc/self/mountinfo | sort -r)
		[ ${#mnts[@]} -eq 0 ] && return 0
		for m in "${mnts[@]}"; do
			timeout 10 umount "$m" 2>/dev/null || timeout 10 umount -l "$m" 2>/dev/null || true
		done
	done
}

# Cgroup directories (any hierarchy) named NAME at the top, for
# e2e_cgroups_remove: only those that were not there before are removed.
e2e_cgroup_tops() {
	local name
	for name in "$@"; do
		ls -d /sys/fs/cgroup/*/"$name" /sys/fs/cgroup/"$name" 2>/dev/null || true
	done | sort
}

# e2e_cgroups_remove BEFORE_FILE NAME...: rmdir (depth first, only empty
# cgroups go) every top cgroup NAME that is not listed in BEFORE_FILE.
e2e_cgroups_remove() {
	local before=$1 d
	shift
	while read -r d; do
		[ -n "$d" ] || continue
		grep -qxF "$d" "$before" 2>/dev/null && continue
		timeout 20 find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done < <(e2e_cgroup_tops "$@")
}

# Host paths the engines create outside their private directories, noted
# before a suite so that only what the suite made is removed after it.
e2e_note_host_state() {
	local f=$1
	: >"$f"
	[ -e /run/netns ] && echo netns >>"$f"
	[ -e /var/lib/containers ] && echo varlib >>"$f"
	e2e_cgroup_tops libpod_parent agentrun-e2e agentrun-e2e-docker >"$f.cgroups"
}

e2e_restore_host_state() {
	local f=$1
	e2e_cgroups_remove "$f.cgroups" libpod_parent agentrun-e2e agentrun-e2e-docker
	if ! grep -qx netns "$f" 2>/dev/null && [ -d /run/netns ] &&
		[ -z "$(ls -A /run/netns 2>/dev/null)" ]; then
		timeout 10 umount /run/netns 2>/dev/null || true
		rmdir /run/netns 2>/dev/null || true
	fi
	# podman's blob-info cache, when this suite made /var/lib/containers
	if ! grep -qx varlib "$f" 2>/dev/null && [ -d /var/lib/containers ] &&
		[ "$(ls -A /var/lib/containers)" = cache ] &&
		{ [ -z "$(ls -A /var/lib/containers/cache)" ] ||
			[ "$(ls -A /var/lib/containers/cache)" = blob-info-cache-v1.boltdb ]; }; then
		rm -rf /var/lib/containers
	fi
}

# ---------------------------------------------------------------- podman

# The test containers.conf; $1 = file, $2 = runtime path, $3 = network dir.
e2e_containers_conf() {
	cat >"$1" <<-EOF
		# agentrun e2e: podman drives agentrun
		[containers]
		default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
		netns = "none"

		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		runtime = "agentrun"
		runtime_supports_json = ["agentrun"]

		[engine.runtimes]
		agentrun = ["$2"]

		[network]
		network_config_dir = "$3"
	EOF
	chmod 644 "$1"
}

# e2e_podman_setup DIR: a private store and containers.conf for root
# podman, with the busybox image imported. Exports what pm() needs.
e2e_podman_setup() {
	local dir=$1
	# podman wants a runroot of at most 50 characters
	mkdir -p "$dir"/{root,run,tmp,net}
	e2e_containers_conf "$dir/containers.conf" "$AGENTRUN" "$dir/net"
	export CONTAINERS_CONF=$dir/containers.conf
	export PODMAN_DIR=$dir
	export PODMAN_ARGS="--root $dir/root --runroot $dir/run --tmpdir $dir/tmp"
	e2e_rootfs_tar "$dir/busybox.tar" || return 1
	pm import "$dir/busybox.tar" "$E2E_IMAGE" >/dev/null || return 1
}

# pm ARGS...: podman on the private store, bounded.
pm() {
	# shellcheck disable=SC2086
	timeout -k 5 "$E2E_TIMEOUT" podman $PODMAN_ARGS "$@" 3>&-
}

e2e_podman_cleanup() {
	local dir=$1
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	if [ -n "${PODMAN_ARGS:-}" ]; then
		pm rm -a -f -t 0 >/dev/null 2>&1
		pm rmi -a -f >/dev/null 2>&1
	fi
	# conmon, slirp4netns and `podman container cleanup` name the store
	e2e_reap_dir "$dir"
}

# ---------------------------------------------------------------- rootless podman

# e2e_user_setup DIR: a test user with subuid/subgid ranges, its home,
# XDG_RUNTIME_DIR, store and containers.conf under DIR (which must be
# traversable), agentrun copied where it can run it; the image imported.
e2e_user_setup() {
	local dir=$1 uid start
	e2e_user_remove
	mkdir -p "$dir"
	timeout 30 useradd -M -d "$dir/home" -s /usr/sbin/nologin -c "$E2E_USER_COMMENT" "$E2E_USER" ||
		return 1
	uid=$(id -u "$E2E_USER")
	echo "$E2E_USER" >"$dir/user"
	# Debian's useradd may have given it ranges already
	for f in /etc/subuid /etc/subgid; do
		touch "$f"
		if ! grep -q "^$E2E_USER:" "$f"; then
			start=$(awk -F: 'BEGIN { m = 100000 } { e = $2 + $3; if (e > m) m = e } END { print m }' "$f")
			echo "$E2E_USER:$start:65536" >>"$f"
		fi
	done
	chmod 755 "$dir"
	mkdir -p "$dir"/{home,xdg,store/root,store/run,store/tmp,net,bin}
	cp "$AGENTRUN" "$dir/bin/agentrun"
	chmod 755 "$dir/bin" "$dir/bin/agentrun"
	e2e_containers_conf "$dir/containers.conf" "$dir/bin/agentrun" "$dir/net"
	e2e_rootfs_tar "$dir/busybox.tar" || return 1
	chown -R "$E2E_USER:" "$dir/home" "$dir/xdg" "$dir/store" "$dir/net"
	chmod 700 "$dir/xdg"
	export ROOTLESS_DIR=$dir ROOTLESS_UID=$uid
	pmu import "$dir/busybox.tar" "$E2E_IMAGE" >/dev/null
}

# pmu ARGS...: podman as the test user (rootless), bounded.
pmu() {
	local d=$ROOTLESS_DIR
	(cd "$d/home" && timeout -k 5 "$E2E_TIMEOUT" setpriv --reuid="$E2E_USER" --regid="$E2E_USER" \
		--init-groups env -i HOME="$d/home" USER="$E2E_USER" LOGNAME="$E2E_USER" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin \
		XDG_RUNTIME_DIR="$d/xdg" XDG_CONFIG_HOME="$d/home/.config" \
		CONTAINERS_CONF="$d/containers.conf" \
		podman --root "$d/store/root" --runroot "$d/store/run" --tmpdir "$d/store/tmp" "$@" 3>&-)
}

# Remove the test user (only one this suite made: by its comment), its
# processes (by uid, by PID) and its subordinate id ranges.
e2e_user_remove() {
	local uid f
	uid=$(id -u "$E2E_USER" 2>/dev/null) || return 0
	getent passwd "$E2E_USER" | cut -d: -f5 | grep -qxF "$E2E_USER_COMMENT" || return 0
	for _ in 1 2 3; do
		mapfile -t pids < <(e2e_pids_of_uid "$uid")
		[ ${#pids[@]} -eq 0 ] && break
		e2e_kill_pids "${pids[@]}"
	done
	timeout 30 userdel "$E2E_USER" 2>/dev/null || true
	for f in /etc/subuid /etc/subgid; do
		[ -f "$f" ] && sed -i "/^$E2E_USER:/d" "$f"
	done
}

e2e_rootless_cleanup() {
	local dir=$1
	if [ -z "$dir" ] || [ ! -d "$dir" ]; then
		e2e_user_remove
		return 0
	fi
	if [ -n "${ROOTLESS_DIR:-}" ] && id "$E2E_USER" >/dev/null 2>&1; then
		pmu rm -a -f -t 0 >/dev/null 2>&1
		pmu rmi -a -f >/dev/null 2>&1
	fi
	e2e_user_remove
	mapfile -t pids < <(e2e_pids_matching "$dir")
	e2e_kill_pids "${pids[@]}"
	e2e_umount_under "$dir"
	rm -rf "$dir"
}

# ---------------------------------------------------------------- containerd

CTR_NS=agentrun-e2e

# e2e_containerd_start DIR: containerd on a private config; its PID in
# DIR/containerd.pid. Imports the busybox image (made with a throwaway
# podman store) into namespace $CTR_NS.
e2e_containerd_start() {
	local dir=$1
	mkdir -p "$dir"/{root,state,opt,runc-root,img}
	cat >"$dir/config.toml" <<-EOF
		version = 2
		root = "$dir/root"
		state = "$dir/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]

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
	EOF
	export CTRD_DIR=$dir
	# the runtime options of every `ctr run`: agentrun through io.containerd.runc.v2
	export CTR_RT="--runc-binary $AGENTRUN --runc-root $dir/runc-root"
	containerd --config "$dir/config.toml" </dev/null >"$dir/containerd.log" 2>&1 3>&- &
	echo $! >"$dir/containerd.pid"
	for _ in $(seq 100); do
		timeout 5 ctr --address "$dir/containerd.sock" version >/dev/null 2>&1 && break
		kill -0 "$(cat "$dir/containerd.pid")" 2>/dev/null || break
		sleep 0.2
	done
	cr version >/dev/null || { tail -20 "$dir/containerd.log" >&2; return 1; }

	# the image: rootfs -> podman import -> oci-archive -> ctr import
	local pdir=$dir/img
	mkdir -p "$pdir"/{root,run,tmp,net}
	e2e_containers_conf "$pdir/containers.conf" "$AGENTRUN" "$pdir/net"
	e2e_rootfs_tar "$pdir/busybox.tar" || return 1
	local pargs="--root $pdir/root --runroot $pdir/run --tmpdir $pdir/tmp"
	# shellcheck disable=SC2086
	CONTAINERS_CONF=$pdir/containers.conf timeout 60 podman $pargs import "$pdir/busybox.tar" \
		"$E2E_IMAGE" >/dev/null 3>&- || return 1
	# shellcheck disable=SC2086
	CONTAINERS_CONF=$pdir/containers.conf timeout 60 podman $pargs save --format oci-archive \
		-o "$dir/busybox.oci.tar" "$E2E_IMAGE" >/dev/null 2>&1 3>&- || return 1
	# shellcheck disable=SC2086
	CONTAINERS_CONF=$pdir/containers.conf timeout 60 podman $pargs rmi -a -f >/dev/null 2>&1 3>&-
	e2e_umount_under "$pdir"
	rm -rf "$pdir"
	cr images import --all-platforms "$dir/busybox.oci.tar" >/dev/null
}

# cr ARGS...: ctr on the private containerd, in the test namespace, bounded.
cr() {
	timeout -k 5 "$E2E_TIMEOUT" ctr --address "$CTRD_DIR/containerd.sock" -n "$CTR_NS" "$@" 3>&-
}

e2e_containerd_stop() {
	local dir=$1 pid c
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	if [ -S "$dir/containerd.sock" ]; then
		for c in $(cr task ls -q 2>/dev/null); do
			cr task kill -s SIGKILL "$c" >/dev/null 2>&1
		done
		sleep 0.5
		for c in $(cr task ls -q 2>/dev/null); do cr task delete -f "$c" >/dev/null 2>&1; done
		for c in $(cr containers ls -q 2>/dev/null); do cr containers delete "$c" >/dev/null 2>&1; done
		for c in $(cr images ls -q 2>/dev/null); do cr images rm "$c" >/dev/null 2>&1; done
		cr namespaces rm "$CTR_NS" >/dev/null 2>&1
	fi
	pid=$(cat "$dir/containerd.pid" 2>/dev/null)
	[ -n "$pid" ] && e2e_kill_pids "$pid"
	# shims outlive containerd: they name its socket (in $dir)
	e2e_reap_dir "$dir"
}

# ---------------------------------------------------------------- docker

# Docker Engine (Debian's docker.io, 20.10) on a private socket, data root,
# exec root and pidfile; it starts its own containerd under the exec root.
# Its default bridge network is a bridge of its own (DOCKER_BRIDGE, made
# here with a free 10.213.X.0/24) with dockerd's iptables rules; the
# containers' cgroups go under /agentrun-e2e-docker. The docker CLI is
# /usr/bin/docker (the package's), whatever else is on PATH.
DOCKER_CLI=/usr/bin/docker

# e2e_docker_start DIR [DOCKERD ARGS...]: start dockerd (agentrun added as
# runtime "agentrun"; the extra arguments follow), wait for its API. The
# first start makes the bridge, notes the iptables rules, imports the image.
e2e_docker_start() {
	local dir=$1 n net
	shift
	mkdir -p "$dir"/{data,exec}
	export DOCKER_DIR=$dir DOCKER_HOST=unix://$dir/docker.sock
	if [ ! -f "$dir/bridge" ]; then
		iptables-save >"$dir/iptables.before" 2>/dev/null || true
		for n in $(seq 20 250); do
			net=10.213.$n
			ip -4 route show | grep -q "^$net\." && continue
			ip -4 addr show | grep -q " $net\." && continue
			break
		done
		DOCKER_BRIDGE=ardk$$
		DOCKER_BRIDGE=${DOCKER_BRIDGE:0:15}
		ip link add "$DOCKER_BRIDGE" type bridge || return 1
		echo "$DOCKER_BRIDGE $net" >"$dir/bridge"
		ip addr add "$net.1/24" dev "$DOCKER_BRIDGE" && ip link set "$DOCKER_BRIDGE" up || return 1
	fi
	read -r DOCKER_BRIDGE DOCKER_NET <"$dir/bridge"
	export DOCKER_BRIDGE DOCKER_NET
	# criu for `docker checkpoint` is found on dockerd's PATH (CRIU 4.2 is
	# in /usr/local/sbin here)
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		dockerd --host "$DOCKER_HOST" --data-root "$dir/data" --exec-root "$dir/exec" \
		--pidfile "$dir/docker.pid" --bridge "$DOCKER_BRIDGE" \
		--cgroup-parent /agentrun-e2e-docker --storage-driver overlay2 \
		--add-runtime "agentrun=$AGENTRUN" --experimental "$@" \
		</dev/null >>"$dir/dockerd.log" 2>&1 3>&- &
	echo $! >"$dir/dockerd.pid"
	for _ in $(seq 150); do
		timeout 5 "$DOCKER_CLI" version >/dev/null 2>&1 && break
		kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null || break
		sleep 0.2
	done
	dk version >/dev/null || { tail -20 "$dir/dockerd.log" >&2; return 1; }
	if ! dk image inspect "$E2E_IMAGE" >/dev/null 2>&1; then
		e2e_rootfs_tar "$dir/busybox.tar" || return 1
		dk import "$dir/busybox.tar" "$E2E_IMAGE" >/dev/null || return 1
	fi
}

# dk ARGS...: the docker CLI on the private daemon, bounded.
dk() {
	timeout -k 5 "$E2E_TIMEOUT" "$DOCKER_CLI" "$@" 3>&-
}

# e2e_docker_stop_daemon DIR: remove the containers, stop dockerd by its PID
# (it stops its containerd), reap what still names DIR.
e2e_docker_stop_daemon() {
	local dir=$1 pid
	if [ -S "$dir/docker.sock" ]; then
		mapfile -t ids < <(dk ps -aq 2>/dev/null)
		[ ${#ids[@]} -eq 0 ] || dk rm -f "${ids[@]}" >/dev/null 2>&1
	fi
	pid=$(cat "$dir/dockerd.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 150); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		e2e_kill_pids "$pid"
	fi
	rm -f "$dir/dockerd.pid"
	# containerd and its shims name the exec root
	for _ in 1 2 3; do
		mapfile -t pids < <(e2e_pids_matching "$dir/")
		[ ${#pids[@]} -eq 0 ] && break
		e2e_kill_pids "${pids[@]}"
	done
}

# The iptables rules of our bridge, and the DOCKER chains when this suite
# made them and no other dockerd is running.
e2e_docker_iptables_cleanup() {
	local dir=$1 br net t rule others=0 p
	[ -f "$dir/bridge" ] || return 0
	read -r br net <"$dir/bridge"
	command -v iptables >/dev/null || return 0
	for t in filter nat; do
		iptables -t "$t" -S 2>/dev/null | grep -E -- "(-[io] $br( |\$)|$net\.0/24)" |
			sed 's/^-A /-D /' | while read -r rule; do
			# shellcheck disable=SC2086
			iptables -t "$t" $rule 2>/dev/null || true
		done
	done
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = dockerd ] && others=1
	done
	[ "$others" = 0 ] || return 0
	grep -q '^:DOCKER ' "$dir/iptables.before" 2>/dev/null && return 0
	for rule in "-t filter -D FORWARD -j DOCKER-USER" "-t filter -D FORWARD -j DOCKER-ISOLATION-STAGE-1" \
		"-t nat -D PREROUTING -m addrtype --dst-type LOCAL -j DOCKER" \
		"-t nat -D OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER"; do
		# shellcheck disable=SC2086
		iptables $rule 2>/dev/null || true
	done
	for t in filter nat; do
		for c in DOCKER-USER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER; do
			iptables -t "$t" -F "$c" 2>/dev/null && iptables -t "$t" -X "$c" 2>/dev/null || true
		done
	done
}

e2e_docker_cleanup() {
	local dir=$1 br
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	e2e_docker_stop_daemon "$dir"
	e2e_docker_iptables_cleanup "$dir"
	if [ -f "$dir/bridge" ]; then
		read -r br _ <"$dir/bridge"
		ip link del "$br" 2>/dev/null || true
	fi
	e2e_reap_dir "$dir"
}

# ---------------------------------------------------------------- suite dirs

# e2e_reap_dir DIR: kill (by pid) what still names DIR, unmount under it,
# remove it.
e2e_reap_dir() {
	local dir=$1 pids
	for _ in 1 2 3; do
		mapfile -t pids < <(e2e_pids_matching "$dir")
		[ ${#pids[@]} -eq 0 ] && break
		e2e_kill_pids "${pids[@]}"
	done
	e2e_umount_under "$dir"
	rm -rf "$dir"
}

# e2e_suite_dir NAME: this suite's private directory (under $E2E_ROOT when
# tests/run-e2e made one, else a new one in /tmp).
e2e_suite_dir() {
	local d
	if [ -n "${E2E_ROOT:-}" ] && [ -d "$E2E_ROOT" ]; then
		d=$(mktemp -d "$E2E_ROOT/$1.XXXXXX")
	else
		d=$(mktemp -d "/tmp/are2e-$1.XXXXXX")
	fi
	chmod 755 "$d"
	echo "$d"
}

e2e_require() {
	[ "$(id -u)" -eq 0 ] || { echo "the e2e tests run as root" >&2; return 1; }
	[ -x "$AGENTRUN" ] || { echo "no agentrun binary at $AGENTRUN" >&2; return 1; }
	local m
	m=$(e2e_missing_packages | tr '\n' ' ')
	[ -z "$m" ] || { echo "missing packages: $m(bash tests/e2e/setup.bash install)" >&2; return 1; }
}

# ---------------------------------------------------------------- suite frame

# e2e_suite_begin TAG SETUP-FN SUBDIR: a suite's setup_file: check the host,
# make E2E_DIR, note the host state, then SETUP-FN "$E2E_DIR/SUBDIR".
e2e_suite_begin() {
	local tag=$1 fn=$2 sub=$3
	e2e_require || return 1
	export E2E_DIR
	E2E_DIR=$(e2e_suite_dir "$tag")
	e2e_note_host_state "$E2E_DIR.host"
	"$fn" "$E2E_DIR/$sub"
}

# e2e_suite_end CLEANUP-FN SUBDIR: a suite's teardown_file.
e2e_suite_end() {
	"$1" "$E2E_DIR/$2" || true
	e2e_restore_host_state "$E2E_DIR.host" || true
	rm -rf "$E2E_DIR" "$E2E_DIR.host" "$E2E_DIR.host.cgroups" || true
}

# cname: a fresh container name, removed by the test's teardown.
cname() {
	local n="e2e-$BATS_TEST_NUMBER-$RANDOM"
	echo "$n" >>"$BATS_TEST_TMPDIR/names"
	echo "$n"
}

# e2e_remove_names FN: FN NAME for every name cname gave this test.
e2e_remove_names() {
	local n
	[ -f "$BATS_TEST_TMPDIR/names" ] || return 0
	while read -r n; do
		"$1" "$n" >/dev/null 2>&1 || true
	done <"$BATS_TEST_TMPDIR/names"
	return 0
}

# The backstop: everything under DIR (a run's E2E_ROOT) and the test user.
e2e_cleanup_all() {
	local dir=$1
	local b
	e2e_user_remove
	if [ -n "$dir" ] && [ -d "$dir" ]; then
		# a docker suite that did not get to its teardown: its daemon,
		# bridge and iptables rules
		for b in "$dir"/*/d/bridge; do
			[ -f "$b" ] && e2e_docker_cleanup "${b%/bridge}"
		done
		e2e_reap_dir "$dir"
	fi
}

# ---------------------------------------------------------------- assertions

# A container's agentrun state directory must be gone after rm/delete.
assert_no_state() {
	local root=$1 id=$2
	if [ -e "$root/$id" ]; then
		echo "agentrun state left behind: $root/$id" >&2
		return 1
	fi
}

# No cgroup of the container left in any hierarchy.
assert_no_cgroup() {
	local name=$1 left
	left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$name" 2>/dev/null || true)
	if [ -n "$left" ]; then
		echo "cgroups left behind: $left" >&2
		return 1
	fi
}

# read_count FILE: a number a container rewrites in a loop (retried while
# the file is caught between truncation and write).
read_count() {
	local v
	for _ in $(seq 50); do
		v=$(cat "$1" 2>/dev/null)
		[ -n "$v" ] && { echo "$v"; return 0; }
		sleep 0.02
	done
	return 1
}

# wait_until SECONDS CMD...: poll CMD until it succeeds.
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	"$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	case "${1:-}" in
	install) e2e_install ;;
	cleanup) e2e_cleanup_all "${E2E_ROOT:-}" ;;
	*)
		echo "usage: $0 install | E2E_ROOT=DIR $0 cleanup" >&2
		exit 2
		;;
	esac
fi
