#!/bin/sh
# test_java_readback.sh - the JVM must accept what dl4jfs's Java serialization encoder writes
# (codec_jser_encode_string / codec_jser_encode_bytes, FORMAT.md 4.3).
#
# Design (no ordering between ctest cases is assumed): ctest runs this script with the dl4jfs
# binary as $1 (not used) and DLFS_SRC_DIR / DLFS_BUILD_DIR in the environment. The script
#   1. runs the cmocka binary $DLFS_BUILD_DIR/test_jser with DLFS_JSER_OUT=<temp dir> and
#      DLFS_TEST_FILTER=test_write_for_jvm: that case leaves <name>.ser (our encoder's bytes)
#      and <name>.expect ("string:<hex of the UTF-8 input>" or "bytes:<hex>") there;
#   2. compiles tests/java/ReadBack.java into the temp dir and runs it once over every .ser:
#      it reads each object with ObjectInputStream and prints the same "kind:hex" line, which
#      must equal the .expect file.
# Exits 77 (skipped) when java/javac or the test_jser binary is missing.
set -eu

src=${DLFS_SRC_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${DLFS_BUILD_DIR:-$(dirname "${1:-.}")}
jser=$build/test_jser

if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
	echo "java_readback: java/javac not found, skipping"
	exit 77
fi
if [ ! -x "$jser" ]; then
	echo "java_readback: $jser not built, skipping"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/dlfs_jser_XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

DLFS_JSER_OUT=$tmp DLFS_TEST_FILTER=test_write_for_jvm "$jser" >"$tmp/cmocka.log" 2>&1 || {
	cat "$tmp/cmocka.log"
	echo "java_readback: test_jser failed"
	exit 1
}
javac -encoding UTF-8 -d "$tmp" "$src/tests/java/ReadBack.java"

set -- "$tmp"/*.ser
[ -e "$1" ] || { echo "java_readback: test_jser wrote no files"; exit 1; }
java -cp "$tmp" ReadBack "$@" >"$tmp/got" || { echo "java_readback: the JVM refused a stream"; exit 1; }
n=0
for ser in "$@"; do
	name=$(basename "$ser" .ser)
	n=$((n + 1))
	got=$(sed -n "${n}p" "$tmp/got")
	want=$(cat "$tmp/$name.expect")
	if [ "$got" != "$want" ]; then
		echo "java_readback: $name: JVM read a different value"
		echo "  want: $(printf '%s' "$want" | cut -c1-120)"
		echo "  got:  $(printf '%s' "$got" | cut -c1-120)"
		exit 1
	fi
done
echo "java_readback: $n encoder outputs read back by the JVM"
