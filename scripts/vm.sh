#!/usr/bin/env bash
# scripts/vm.sh - a Debian 12 guest with systemd and the unified cgroup v2
# hierarchy only, booted under qemu (TCG, no KVM needed), to test agentrun
# on the kind of host its users have.
#
#   scripts/vm.sh build                 build the image (cached) and exit
#   scripts/vm.sh run [-t SECS] CMD...  boot, run CMD as root in the guest
#                                       (bash -c, in the repository), power off
#   scripts/vm.sh path                  print the image directory
#
# The image is made from Debian packages only: mmdebstrap with the mirror
# read from this host's apt sources, Debian's linux-image-amd64 kernel and
# initramfs (booted directly with -kernel/-initrd), an ext4 disk image made
# with mkfs.ext4 -d. It is cached under $VM_CACHE (default
# /var/cache/agentrun-tests/vm), keyed by a hash of the package list, the
# image-building code of this script and scripts/vm-guest/*, so a second run
# only boots. Each boot writes to a throw-away qcow2
# overlay; the cached image is never changed.
#
# In the guest the repository is mounted read-only at /mnt/repo over 9p
# (virtio-9p) and a writable result directory at /mnt/out. A systemd unit
# (agentrun-vm.service, Delegate=yes) runs /mnt/out/cmd from /mnt/repo,
# writes its output to /mnt/out/output.log and its exit status to
# /mnt/out/status, and powers the guest off. The host's build of agentrun
# (build/agentrun; the guest is Debian 12 like the host) is used as is; the
# libraries it links from /usr/local and the libcriu it dlopen()s are copied
# to /mnt/out/lib, the host's CRIU (/usr/local/sbin/criu, scripts/criu.sh)
# to /mnt/out/bin; the guest installs both at boot in /usr/local (sbin,
# lib), where every user (and podman's conmon) finds them. The image
# has an unprivileged user with a systemd user session (linger) for the
# rootless tests: scripts/vm-guest/agentrun-vm-user.
#
# `run` prints the command's output and exits with its status (124 when the
# guest did not finish within -t SECS, default $VM_TIMEOUT or 1200); the
# serial console is kept in $VM_OUT (default: a temporary directory, removed
# unless VM_KEEP=1) as console.log. qemu is killed by its PID on timeout.
# Timings (image build, boot, command) are printed as "vm: ..." lines.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

VM_CACHE=${VM_CACHE:-/var/cache/agentrun-tests/vm}
VM_TIMEOUT=${VM_TIMEOUT:-1200}
VM_MEM=${VM_MEM:-2048}
VM_SMP=${VM_SMP:-2}

# the guest's packages: systemd as PID 1, the kernel, what agentrun links
# and what its tests use; uidmap, libpam-systemd and dbus-user-session for
# rootless with a systemd user session; podman (root and rootless: conmon,
# slirp4netns, fuse-overlayfs, catatonit) for tests/vm/podman.bats; the
# libraries the host's criu (scripts/criu.sh, /usr/local/sbin/criu, copied
# in at boot) links, and iptables for its network lock
packages=(systemd systemd-sysv dbus udev libpam-systemd dbus-user-session
	linux-image-amd64 initramfs-tools kmod
	libyajl2 libseccomp2 libcap2 libmnl0 libprotobuf-c1
	bats busybox-static jq python3 python3-jsonschema
	iproute2 util-linux mount procps e2fsprogs passwd uidmap login
	podman crun conmon containernetworking-plugins slirp4netns fuse-overlayfs catatonit
	libbsd0 libgnutls30 libnftables1 libnl-3-200 libnet1 libuuid1 iptables)

die() {
	echo "scripts/vm.sh: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (mmdebstrap and mkfs.ext4 -d make root-owned files)"


# the Debian mirror(s) of this host's apt sources (one-line or deb822), as
# one-line "deb URI bookworm[-*] main" entries for mmdebstrap
host_sources() {
	local f
	{
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
			[ -f "$f" ] || continue
			awk '$1 == "deb" { u = ""; s = ""; for (i = 2; i <= NF; i++) { if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; continue } if (u == "") u = $i; else if (s == "") { s = $i; break } } if (s ~ /^bookworm/) print u, s }' "$f"
		done
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			awk 'function flush() { if (deb) { n = split(uris, U, " "); m = split(suites, S, " "); for (i = 1; i <= n; i++) for (j = 1; j <= m; j++) if (S[j] ~ /^bookworm/) print U[i], S[j] } deb = 0; uris = ""; suites = "" }
				/^[ \t]*$/ { flush(); next }
				/^Types:/ { deb = ($0 ~ /[ \t]deb([ \t]|$)/) }
				/^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
				/^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
				END { flush() }' "$f"
		done
	} | awk '$1 ~ /\/debian(-security)?\/?$/ { print "deb", $1, $2, "main" }' | sort -u
}

build_image() {
	if [ -f "$img_dir/disk.img" ] && [ -f "$img_dir/vmlinuz" ] && [ -f "$img_dir/initrd.img" ]; then
		return 0
	fi
	command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (scripts/deps.sh installs it)"
	command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 is not installed"
	local t0 tmp src
	t0=$(date +%s)
	src=$(host_sources)
	[ -n "$src" ] || die "no Debian bookworm mirror in /etc/apt/sources.list{,.d}"
	mkdir -p "$VM_CACHE"
	tmp=$(mktemp -d "$VM_CACHE/build.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	echo "vm: building the guest image from: $(tr '\n' ';' <<<"$src")" >&2
	local inc
	inc=$(
		IFS=,
		echo "${packages[*]}"
	)
	printf '%s\n' "$src" >"$tmp/sources.list"
	timeout 1800 mmdebstrap --quiet --mode=root --variant=minbase --include="$inc" \
		--customize-hook='copy-in scripts/vm-guest/agentrun-vm.service /etc/systemd/system' \
		--customize-hook='copy-in scripts/vm-guest/agentrun-vm-run /usr/local/sbin' \
		--customize-hook='chroot "$1" systemctl enable agentrun-vm.service' \
		--customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer man-db.timer dpkg-db-backup.timer systemd-timesyncd.service' \
		--customize-hook='echo agentrun-vm >"$1/etc/hostname"; : >"$1/etc/machine-id"; printf "%s\n" "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$1/etc/fstab"; passwd --root "$1" -d root >/dev/null' \
		--customize-hook='mkdir -p "$1/mnt/repo" "$1/mnt/out"; printf "%s\n" 9p 9pnet 9pnet_virtio loop >"$1/etc/modules-load.d/agentrun-vm.conf"' \
		--customize-hook='copy-in scripts/vm-guest/agentrun-vm-user /usr/local/sbin' \
		--customize-hook='chroot "$1" /usr/local/sbin/agentrun-vm-user --image' \
		bookworm "$tmp/root" "$tmp/sources.list" >&2 || die "mmdebstrap failed"
	cp "$(readlink -f "$tmp/root/vmlinuz")" "$tmp/vmlinuz"
	cp "$(readlink -f "$tmp/root/initrd.img")" "$tmp/initrd.img"
	local mb
	mb=$(du -sm "$tmp/root" | cut -f1)
	# room for the tests: bundles, a loop device's backing file, logs
	truncate -s $((mb + 2048))M "$tmp/disk.img"
	mkfs.ext4 -q -L agentrun-vm -d "$tmp/root" "$tmp/disk.img" || die "mkfs.ext4 -d failed"
	rm -rf "$tmp/root"
	rm -rf "$img_dir"
	mv "$tmp" "$img_dir"
	trap - EXIT
	echo "vm: image built in $(($(date +%s) - t0)) s: $img_dir ($(du -sm "$img_dir/disk.img" | cut -f1) MB used)" >&2
}

run_guest() {
	local timeout=$VM_TIMEOUT
	if [ "${1:-}" = -t ]; then
		timeout=$2
		shift 2
	fi
	[ $# -gt 0 ] || die "run: no command"
	command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is not installed (scripts/deps.sh installs qemu-system-x86)"
	build_image
	local out keep=${VM_KEEP:-0}
	if [ -n "${VM_OUT:-}" ]; then
		out=$VM_OUT
		mkdir -p "$out"
		keep=1
	else
		out=$(mktemp -d /tmp/agentrun-vm.XXXXXX)
	fi
	rm -f "$out/status" "$out/output.log" "$out/console.log" "$out/boot-done" "$out/overlay.qcow2"
	printf '%s\n' "$*" >"$out/cmd"
	# the libraries build/agentrun links from /usr/local (the guest has the
	# Debian ones)
	mkdir -p "$out/lib"
	if [ -x "$repo/build/agentrun" ]; then
		ldd "$repo/build/agentrun" | awk '$3 ~ /^\/usr\/local\// { print $3 }' | while read -r l; do
			cp -L "$l" "$out/lib/"
		done
	fi
	# the host's CRIU (its libraries are the guest's Debian packages) and
	# the libcriu agentrun dlopen()s (from /usr/local/lib, where the guest
	# gets it at boot)
	mkdir -p "$out/bin"
	[ ! -x /usr/local/sbin/criu ] || cp -L /usr/local/sbin/criu "$out/bin/"
	[ ! -e /usr/local/lib/libcriu.so.2 ] || cp -L /usr/local/lib/libcriu.so.2 "$out/lib/"
	qemu-img create -q -f qcow2 -F raw -b "$img_dir/disk.img" "$out/overlay.qcow2"
	local t0 qpid rc=0
	t0=$(date +%s)
	qemu-system-x86_64 -accel tcg -cpu max -smp "$VM_SMP" -m "$VM_MEM" -nographic -no-reboot \
		-kernel "$img_dir/vmlinuz" -initrd "$img_dir/initrd.img" \
		-append "console=ttyS0 root=/dev/vda rw quiet systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all hugepages=16 systemd.show_status=1 panic=-1" \
		-drive "file=$out/overlay.qcow2,format=qcow2,if=virtio" \
		-virtfs "local,path=$repo,mount_tag=repo,security_model=none,readonly=on" \
		-virtfs "local,path=$out,mount_tag=out,security_model=none" \
		-nic none -serial "file:$out/console.log" -monitor none -display none \
		</dev/null >"$out/qemu.log" 2>&1 &
	qpid=$!
	local booted=""
	while kill -0 "$qpid" 2>/dev/null; do
		if [ -z "$booted" ] && [ -f "$out/boot-done" ]; then
			booted=$(($(date +%s) - t0))
			echo "vm: booted in $booted s (TCG); running: $*" >&2
		fi
		if [ $(($(date +%s) - t0)) -ge "$timeout" ]; then
			echo "vm: no result within $timeout s; killing qemu (pid $qpid); console: $out/console.log" >&2
			kill "$qpid" 2>/dev/null || true
			sleep 2
			kill -9 "$qpid" 2>/dev/null || true
			rc=124
			break
		fi
		sleep 1
	done
	wait "$qpid" 2>/dev/null || true
	local total=$(($(date +%s) - t0))
	[ ! -f "$out/output.log" ] || cat "$out/output.log"
	if [ "$rc" -eq 0 ]; then
		if [ -f "$out/status" ]; then
			rc=$(cat "$out/status")
		else
			echo "vm: the guest powered off without a result; console tail:" >&2
			tail -n 30 "$out/console.log" >&2 || true
			cat "$out/qemu.log" >&2 || true
			rc=125
		fi
	fi
	echo "vm: boot ${booted:-?} s, command $((total - ${booted:-0})) s, total $total s, status $rc" >&2
	rm -f "$out/overlay.qcow2"
	if [ "$keep" = 1 ]; then
		echo "vm: console log: $out/console.log" >&2
	else
		rm -rf "$out"
	fi
	return "$rc"
}

# the image's key: the package list, the code that builds the image and
# the files it copies in (not the rest of this script: a change to how the
# guest is booted or fed keeps the image)
key=$({
	printf '%s\n' "${packages[@]}"
	declare -f host_sources build_image
	cat scripts/vm-guest/*
} | sha256sum | cut -c1-16)
img_dir=$VM_CACHE/$key

case "${1:-}" in
build) build_image ;;
path) echo "$img_dir" ;;
run)
	shift
	run_guest "$@"
	;;
*) die "usage: scripts/vm.sh build | run [-t SECS] CMD... | path" ;;
esac
