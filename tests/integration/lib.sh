# lib.sh - shared helpers for dl4jfs integration tests (sourced).
#   $1 of every test script: the dl4jfs binary. Exit 77 = skipped (libfuse's protocol).
set -eu
DL4JFS=${1:?usage: $0 path/to/dl4jfs}
SRC=${DLFS_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=/usr/bin/python3
CORPUS=${DLFS_CORPUS_DIR:-$SRC/../shared/corpus}
BUNDLED=$SRC/tests/data/dl4j-test-resources
WORK=$(mktemp -d /tmp/dlfs-it.XXXXXX)
MOUNTS=""
FAILS=0
PASSES=0

cleanup() {
	for m in $MOUNTS; do
		fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ ! -e /dev/fuse ] || ! command -v fusermount3 >/dev/null 2>&1; then
	echo "SKIP: /dev/fuse or fusermount3 missing"
	exit 77
fi

ok() { PASSES=$((PASSES + 1)); [ -z "${QUIET:-}" ] && echo "ok: $*" || true; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL: $*" >&2; }

# mount_model ARCHIVE MOUNTPOINT [extra args]: starts dl4jfs -f in the background and waits
# for the mount to appear. Returns dl4jfs's exit code if it exits instead.
mount_model() {
	arch=$1 mnt=$2
	shift 2
	mkdir -p "$mnt"
	rm -f "$WORK/daemon.err" # a new file: the previous daemon keeps its daemon.PID.err
	"$DL4JFS" -f "$@" "$arch" "$mnt" 2>"$WORK/daemon.err" &
	pid=$!
	i=0
	while ! mountpoint -q "$mnt"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" && rc=0 || rc=$?
			cat "$WORK/daemon.err" >&2
			return "$rc"
		fi
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "mount timeout: $arch" >&2; kill "$pid"; return 99; }
		sleep 0.05
	done
	MOUNTS="$MOUNTS $mnt"
	ln "$WORK/daemon.err" "$WORK/daemon.$pid.err" # daemon.err: the latest daemon's stderr
	DAEMONS="${DAEMONS:-} $mnt=$pid"
	return 0
}

# Unmounts and checks how the daemon ended: exit 0, and no sanitizer report on its stderr
# (the daemon also runs under ASan/UBSan builds).
unmount_model() {
	fusermount3 -u "$1"
	MOUNTS=$(echo "$MOUNTS" | tr ' ' '\n' | grep -vxF "$1" | tr '\n' ' ')
	pid=$(echo "${DAEMONS:-}" | tr ' ' '\n' | sed -n "s|^$1=||p" | tail -n 1)
	[ -n "$pid" ] || return 0
	wait "$pid" && rc=0 || rc=$?
	if [ "$rc" != 0 ] || grep -Eq "Sanitizer|runtime error" "$WORK/daemon.$pid.err"; then
		fail "daemon for $1 exited $rc: $(head -c 2000 "$WORK/daemon.$pid.err")"
	fi
}

# Every zip-format model archive: the bundled DL4J test resources, plus ../shared/corpus
# when present (its wild/ models may not be copied into the repository).
list_archives() {
	{
		find "$BUNDLED" -type f
		if [ -d "$CORPUS" ]; then find "$CORPUS" -type f; fi
	} | while read -r f; do
		case "$f" in *dl4j-test-resources*) [ "${f#$CORPUS}" != "$f" ] && continue ;; esac
		if unzip -l "$f" configuration.json >/dev/null 2>&1; then echo "$f"; fi
	done | sort
}

finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" = 0 ]
}
