#!/usr/bin/env bash
# Install what is missing, build strictly (-Dwerror=true, hardened), and run
# every test suite: the format check (1 test), the build without libcriu
# (1 test), unit (cmocka), integration (bats on real bundles), the OCI
# conformance suite, the rest below, and last the unit and integration
# tests under the sanitizers. Must run as root. Ends with one
# line: N passed, N failed[, N skipped].
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/test.sh: run as root (the tests create namespaces, mounts and cgroups)" >&2
	exit 1
fi
bash scripts/deps.sh || exit 1
# CRIU >= 4.2 from Debian's source package when the installed one is older
if [ -f scripts/criu.sh ]; then
	bash scripts/criu.sh || echo "scripts/criu.sh failed: checkpoint tests will say why" >&2
fi
bash scripts/build.sh || exit 1

total_pass=0 total_fail=0 total_skip=0
run_suite() {
	local name=$1
	shift
	echo "=== $name"
	local log
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	local last
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	rm -f "$log"
	if [ -z "$last" ]; then
		echo "$name: no summary line: counted as 1 failure"
		total_fail=$((total_fail + 1))
		return
	fi
	local p f s
	p=$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$last")
	f=$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$last")
	s=$(grep -oE '[0-9]+ skipped' <<<"$last" | cut -d' ' -f1)
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_skip=$((total_skip + ${s:-0}))
}

# the configuration without libcriu builds strictly too, and says so
nocriu_check() {
	local out
	if BUILD_DIR=build-nocriu bash scripts/build.sh -Dcriu=disabled -Dtests=false &&
		out=$(build-nocriu/agentrun checkpoint nocriu-check 2>&1; echo "rc=$?") &&
		grep -q 'checkpoint/restore is not available' <<<"$out" && grep -q 'rc=1$' <<<"$out"; then
		echo "1 passed, 0 failed"
	else
		echo "without libcriu: ${out:-no build}"
		echo "0 passed, 1 failed"
	fi
}

# the C sources as .clang-format (clang-format-14) has them
format_check() {
	if bash scripts/format.sh; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
}

run_suite format format_check
run_suite unit tests/run-unit
run_suite build-nocriu nocriu_check
run_suite integration tests/run-integration
run_suite conformance conformance/run
# a short soak: 50 lifecycles, 5 checkpoint/restore cycles, 16 concurrent
# starts; the host as before (tests/README.md, "Soak")
run_suite soak tests/soak/run --short
# real agent workloads in a Debian 12 toolchain rootfs (mmdebstrap, cached
# under /var/cache/agentrun-tests/), run by a plain user under the agent
# profile, and under crun for comparison (tests/README.md, "Agent workloads")
run_suite workloads tests/run-integration tests/workloads/agent.bats
if [ -x tests/run-e2e ]; then
	run_suite e2e tests/run-e2e
fi
# a pure cgroup v2 host with systemd: the Debian 12 guest of scripts/vm.sh
# under qemu (TCG), the v2 controllers enforced from inside containers
# (tests/run-vm; tests/README.md, "The cgroup v2 + systemd guest")
if [ -x tests/run-vm ]; then
	run_suite vm tests/run-vm
fi
# the Debian package: built from a copy of the tree, lintian, installed and
# checked (tests/run-package); the e2e suite against /usr/bin/agentrun;
# the package removed again (tests/README.md,
# "The Debian package")
if [ -x tests/run-package ]; then
	run_suite package tests/run-package install
	e2e_package() {
		if [ -f /var/cache/agentrun-tests/package/installed-by-test ]; then
			AGENTRUN=/usr/bin/agentrun tests/run-e2e
		else
			echo "e2e-package: the package was not installed (see the suite package)"
			echo "0 passed, 1 failed"
		fi
	}
	run_suite e2e-package e2e_package
	run_suite package-remove tests/run-package remove
fi
if [ -x bench/run ]; then
	# not a measurement: only that every scenario runs for agentrun
	bench_check() {
		if bench/run --quick --check; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
	}
	run_suite bench bench_check
fi

# the unit and integration tests again, against agentrun built with ASan,
# LSan and UBSan (tests/run-sanitizers; tests/README.md, "Sanitizers")
run_suite sanitizers tests/run-sanitizers
run_suite fuzz tests/fuzz/run --smoke

line="$total_pass passed, $total_fail failed"
[ "$total_skip" -gt 0 ] && line="$line, $total_skip skipped"
echo "=== total"
echo "$line"
[ "$total_fail" -eq 0 ]
