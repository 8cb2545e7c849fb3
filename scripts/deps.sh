#!/usr/bin/env bash
# Install what agentrun needs to build and test on Debian 12, only what is
# missing. Runs as root (or through sudo).
set -euo pipefail

# libzstd-dev: suspend --compress (optional to meson: -Dzstd=auto)
build_pkgs=(gcc binutils pkg-config meson ninja-build libyajl-dev libseccomp-dev libcap-dev libmnl-dev libcmocka-dev libzstd-dev)
test_pkgs=(bats busybox-static jq python3 python3-jsonschema iproute2 util-linux procps crun runc
	# tests/integration/install.bats: formats the installed man page
	man-db
	# tests/run-package: dpkg-buildpackage with debhelper (debian/control's
	# Build-Depends are the build packages above), lintian, hardening-check
	# (devscripts)
	dpkg-dev debhelper lintian devscripts
	# scripts/format.sh: the pinned formatter, on the files git tracks
	clang-format-14 git
	# tests/run-sanitizers: clang's ASan+UBSan, llvm-symbolizer for its stacks
	clang llvm
	# tests/fuzz: clang-14 with libFuzzer (libclang_rt.fuzzer in libclang-rt-14-dev)
	clang-14 libclang-rt-14-dev
	# tests/lib/rootless.bash: a plain test user (useradd, setpriv) and
	# its subordinate ids (newuidmap, newgidmap)
	passwd uidmap
	# tests/integration/sessions.bats: fork's reflinks on loop-mounted
	# btrfs and XFS images
	btrfs-progs xfsprogs
	# tests/integration/sessions-zstd.bats: zstd -t on the compressed pages
	zstd
	# tests/integration/sessions*.bats: suspend's fsync of its image, seen
	# through strace -y
	strace
	# tests/workloads: the Debian toolchain rootfs (mmdebstrap), crun's
	# comparison run with the containers' default seccomp profile
	# (/usr/share/containers/seccomp.json); bench/agent_sandbox.py: bwrap
	mmdebstrap golang-github-containers-common bubblewrap
	# tests/run-vm: the cgroup v2 + systemd guest of scripts/vm.sh, built
	# with mmdebstrap, booted with qemu (TCG), a qcow2 overlay per boot
	qemu-system-x86 qemu-utils)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--build-only" ] || want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
