#!/bin/sh
# Mounts every real DL4J archive (bundled test resources and ../shared/corpus) and checks
# the mount against independent readers: raw entries byte-exact (zipfile), sha256sum -c,
# every parameter view (npy, mmap, csv) against an independent ND4J decode, exact sizes.
. "$(dirname "$0")/lib.sh"
[ -d "$CORPUS" ] || echo "note: $CORPUS absent; only the bundled archives are checked"
n=0
for arch in $(list_archives); do
	n=$((n + 1))
	mnt=$WORK/m$n
	if ! mount_model "$arch" "$mnt"; then
		fail "$arch: mount failed"
		continue
	fi
	if (cd "$mnt" && sha256sum -c --quiet SHA256SUMS) >"$WORK/sums.out" 2>&1; then
		ok "$arch: sha256sum -c"
	else
		fail "$arch: sha256sum -c"; cat "$WORK/sums.out" >&2
	fi
	if $PY "$SRC/tests/integration/check_mount.py" "$arch" "$mnt"; then
		ok "$arch: views match independent readers"
	else
		fail "$arch: views"
	fi
	unmount_model "$mnt"
done
[ $n -gt 0 ] || fail "no archives found"
finish
