#!/usr/bin/env bash
# propagation options on a bind mount (docker's "-v src:dst:rslave" sends
# "rbind", "rslave"): accepted, and a mount made on the host under an
# rslave volume of a shared source appears in the running container.
. "$(dirname "$0")/../lib.sh"

for p in rprivate private rslave slave runbindable unbindable; do
	mkdir -p "$WORK/v-$p"
	add_mount "/v-$p" bind "$WORK/v-$p" rbind "$p"
done
cp "$BUNDLE/config.json" "$WORK/config.orig"
run_ok 'cat /proc/self/mountinfo'
for p in rprivate private rslave slave runbindable unbindable; do
	t=$(awk -v mp="/v-$p" '$5 == mp { for (i = 7; $i != "-"; i++) printf "%s ", $i }' <<<"$OUT")
	[ -n "$(mnt_field "$OUT" "/v-$p")" ] || fail "/v-$p not mounted"
	case $p in
	*unbindable) [[ "$t" == *unbindable* ]] || fail "/v-$p not unbindable: '$t'" ;;
	*) [[ "$t" != *shared:* ]] || fail "/v-$p is shared: '$t'" ;;
	esac
done

# host -> container through an rslave volume
mkdir -p "$WORK/src"
mount -t tmpfs -o size=1m conf-src "$WORK/src" || fail "mount tmpfs"
cleanup() { umount -R "$WORK/src" 2>/dev/null || umount -l "$WORK/src" 2>/dev/null; }
trap cleanup EXIT
mount --make-shared "$WORK/src"
mkdir "$WORK/src/sub"
cp "$WORK/config.orig" "$BUNDLE/config.json"
add_mount /vol bind "$WORK/src" rbind rslave
add_shared
set_cmd "$WAIT_GO"' ; cat /vol/sub/marker 2>&1'
id=$(new_id)
run_d "$id"
wait_file "$WORK/shared/ready"
pid=$(pid_of "$id")
mount -t tmpfs -o size=1m conf-sub "$WORK/src/sub" || fail "mount tmpfs on sub"
echo propagated >"$WORK/src/sub/marker"
touch "$WORK/shared/go"
wait_gone "$pid"
wait_file "$WORK/$id.out"
expect_eq "$(cat "$WORK/$id.out")" propagated "a host mount under an rslave volume"
pass
