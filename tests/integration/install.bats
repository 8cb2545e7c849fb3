#!/usr/bin/env bats
# Installing agentrun: what `meson install` puts where (the same files the
# Debian package ships, debian/), and the bash completion it installs
# (completion/bash/agentrun) against `agentrun COMMAND --help`.

load ../lib/bundle

setup() { setup_common; }
teardown() { teardown_common; }

COMPLETION=$REPO/completion/bash/agentrun

# the meson build directory $AGENTRUN was built in
build_dir() {
	local d
	d=$(dirname "$AGENTRUN")
	[ -f "$d/meson-info/intro-buildoptions.json" ] || return 1
	echo "$d"
}

# the value of a meson option of build directory $1
meson_opt() {
	meson introspect --buildoptions "$1" | jq -r --arg n "$2" '.[] | select(.name == $n) | .value'
}

@test "install: meson install --destdir installs the binary, man page, bash completion and docs, nothing else" {
	local b
	b=$(build_dir) || skip "$AGENTRUN is not in a meson build directory"
	local prefix bindir mandir datadir
	prefix=$(meson_opt "$b" prefix)
	bindir=$(meson_opt "$b" bindir)
	mandir=$(meson_opt "$b" mandir)
	datadir=$(meson_opt "$b" datadir)
	run meson install -C "$b" --destdir "$T/root" --no-rebuild --quiet
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	local root=$T/root$prefix
	# exactly these files
	local want got doc
	want=$(
		{
			echo "$bindir/agentrun"
			echo "$mandir/man1/agentrun.1"
			echo "$datadir/bash-completion/completions/agentrun"
			echo "$datadir/doc/agentrun/README.md"
			for doc in "$REPO"/docs/*.md; do echo "$datadir/doc/agentrun/${doc##*/}"; done
		} | sort
	)
	got=$(cd "$root" && find . -type f -printf '%P\n' | sort)
	[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got") >&2; return 1; }
	# the same contents, and the installed binary is the built one
	cmp "$REPO/docs/agentrun.1" "$root/$mandir/man1/agentrun.1"
	cmp "$COMPLETION" "$root/$datadir/bash-completion/completions/agentrun"
	cmp "$REPO/README.md" "$root/$datadir/doc/agentrun/README.md"
	for doc in "$REPO"/docs/*.md; do cmp "$doc" "$root/$datadir/doc/agentrun/${doc##*/}"; done
	[ -x "$root/$bindir/agentrun" ]
	[ "$("$root/$bindir/agentrun" --version | head -n 3)" = "$("$AGENTRUN" --version | head -n 3)" ]
	# the man page is one man(1) can format
	run man -l -Tutf8 "$root/$mandir/man1/agentrun.1"
	[ "$status" -eq 0 ]
	[[ "$output" == *agentrun* ]]
}

@test "install: meson dist puts .commit (HEAD's git describe) in the tarball, for builds without .git" {
	local b
	b=$(build_dir) || skip "$AGENTRUN is not in a meson build directory"
	git -C "$REPO" rev-parse --show-toplevel >/dev/null 2>&1 || skip "$REPO is not a git tree"
	rm -rf "$b/meson-dist"
	run meson dist -C "$b" --no-tests --allow-dirty --formats gztar
	local tarball
	tarball=$(ls "$b"/meson-dist/*.tar.gz 2>/dev/null)
	local commit
	commit=$(tar -xzOf "$tarball" --wildcards '*/.commit' 2>&1)
	rm -rf "$b/meson-dist"
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	# HEAD's, as the tarball holds HEAD: never -dirty
	[ "$commit" = "$(git -C "$REPO" describe --always)" ] || { echo "$commit" >&2; return 1; }
}

# complete WORD...: the completions bash offers for the command line
# "WORD... <TAB>" (the last word is the one being completed; "" for a new
# one); one per line, sorted
complete_words() {
	(
		# shellcheck source=/dev/null
		source "$COMPLETION"
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_agentrun
		[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | sort
	)
}

# the commands agentrun --help lists
help_commands() {
	"$AGENTRUN" --help | sed -n '/^COMMANDS:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'
}

@test "completion: the commands are those of agentrun --help, and the global flags" {
	local want got
	want=$({ help_commands; echo help; } | sort)
	got=$(complete_words "$AGENTRUN" "")
	[ "$got" = "$want" ] || { diff <(echo "$want") <(echo "$got") >&2; return 1; }
	# every global flag of --help
	got=$(complete_words "$AGENTRUN" -)
	local f
	for f in $("$AGENTRUN" --help | sed -n '/^GLOBAL OPTIONS:/,/^$/p' | grep -oE '(^|[ ,])--?[a-z][a-z-]*'); do
		grep -qx -- "$f" <<<"$got" || { echo "global flag $f not completed" >&2; return 1; }
	done
	[ "$(complete_words "$AGENTRUN" --log-format "")" = "$(printf 'json\ntext')" ]
	[ "$(complete_words "$AGENTRUN" --root /x --cgroup-manager "")" = "$(printf 'cgroupfs\ndisabled\nsystemd')" ]
	# a global flag's value is not taken for the command
	[ "$(complete_words "$AGENTRUN" --root /x li)" = list ]
}

@test "completion: every flag of every command's --help" {
	local cmd f got n=0
	for cmd in $(help_commands); do
		got=$(complete_words "$AGENTRUN" "$cmd" -)
		for f in $("$AGENTRUN" "$cmd" --help | sed -n '/^OPTIONS:/,$p' | grep -oE '^ +--?[a-z][a-z0-9-]*(, -[a-z])?' | tr -d ','); do
			grep -qx -- "$f" <<<"$got" || { echo "$cmd: $f not completed" >&2; return 1; }
			n=$((n + 1))
		done
	done
	[ "$n" -gt 50 ] # the flags were found in the help texts
	[ "$(complete_words "$AGENTRUN" list --format "")" = "$(printf 'json\ntable')" ]
	[ "$(complete_words "$AGENTRUN" spec --profile a)" = agent ]
	[ "$(complete_words "$AGENTRUN" checkpoint --manage-cgroups-mode s)" = "$(printf 'soft\nstrict')" ]
	mkdir "$T/bundle-dir"
	[ "$(complete_words "$AGENTRUN" run --bundle "$T/bundle-d")" = "$T/bundle-dir" ]
}

@test "completion: container ids from agentrun list -q under the --root given; signals for kill" {
	local id
	id=$(new_id)
	set_args sleep 1000
	create_ctr "$id"
	# no container under the default root has this id; under --root it is offered
	run complete_words "$AGENTRUN" --root "$STATE_ROOT" state ""
	[ "$status" -eq 0 ]
	[ "$output" = "$id" ]
	[ "$(complete_words "$AGENTRUN" --root="$STATE_ROOT" exec -t --cwd /tmp "${id:0:4}")" = "$id" ]
	[ "$(complete_words "$AGENTRUN" --root "$STATE_ROOT" kill "$id" SIGK)" = SIGKILL ]
	# after the id, no more ids; a new id (create, run) is not completed
	[ -z "$(complete_words "$AGENTRUN" --root "$STATE_ROOT" start "$id" "")" ]
	[ -z "$(complete_words "$AGENTRUN" --root "$STATE_ROOT" run "")" ]
	[ -z "$(complete_words "$AGENTRUN" --root "$T/empty-root" delete "")" ]
	runtime delete -f "$id"
}
