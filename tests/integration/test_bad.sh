#!/bin/sh
# Bad archives: each tests/data/bad/<case>/model.zip must be refused before anything is
# mounted, with the exit code and the one-line message given in <case>/expect:
#   line 1: exit code;  line 2: an extended regular expression the stderr line must match.
. "$(dirname "$0")/lib.sh"
for d in "$SRC"/tests/data/bad/*/; do
	case=$(basename "$d")
	[ -f "$d/expect" ] || { fail "$case: no expect file"; continue; }
	want_rc=$(sed -n 1p "$d/expect")
	want_msg=$(sed -n 2p "$d/expect")
	mnt=$WORK/$case
	mkdir -p "$mnt"
	rc=0
	timeout 20 "$DL4JFS" "$d/model.zip" "$mnt" 2>"$WORK/err" || rc=$?
	if mountpoint -q "$mnt"; then
		MOUNTS="$MOUNTS $mnt"
		fail "$case: was mounted"
		continue
	fi
	lines=$(wc -l <"$WORK/err")
	msg=$(cat "$WORK/err")
	if [ "$rc" != "$want_rc" ]; then
		fail "$case: exit $rc, expected $want_rc ($msg)"
	elif [ "$lines" != 1 ]; then
		fail "$case: expected one stderr line, got $lines: $msg"
	elif ! printf '%s\n' "$msg" | grep -Eq -- "$want_msg"; then
		fail "$case: message '$msg' does not match '$want_msg'"
	else
		ok "$case: exit $rc: $msg"
	fi
done
finish
