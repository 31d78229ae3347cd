#!/bin/sh
# Command line conventions: --help, --version, usage errors, background mode with
# fusermount3 -u and umount, -s, -o ro, writes refused with EROFS.
. "$(dirname "$0")/lib.sh"
M=$BUNDLED/regression_testing/080/080_ModelSerializer_Regression_MLP_1.zip

"$DL4JFS" --help | grep -q "usage: dl4jfs \[options\] ARCHIVE MOUNTPOINT" && ok "--help" || fail "--help"
"$DL4JFS" -h | grep -q "exit codes" && ok "-h lists exit codes" || fail "-h"
"$DL4JFS" --version | grep -Eq "^dl4jfs [0-9]+\.[0-9]+" && ok "--version" || fail "--version"

rc=0; "$DL4JFS" 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "missing ARCHIVE" "$WORK/err" && ok "no args: exit 1" || fail "no args: exit $rc"
rc=0; "$DL4JFS" "$M" 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "missing MOUNTPOINT" "$WORK/err" && ok "no mountpoint: exit 1" || fail "no mountpoint: exit $rc"
rc=0; "$DL4JFS" "$WORK/nonexistent.zip" "$WORK" 2>"$WORK/err" || rc=$?
[ $rc = 10 ] && grep -q "nonexistent.zip: No such file" "$WORK/err" && ok "missing archive: exit 10" \
	|| fail "missing archive: exit $rc $(cat "$WORK/err")"
mkdir -p "$WORK/m0"
rc=0; "$DL4JFS" -o no_such_option "$M" "$WORK/m0" 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && ! mountpoint -q "$WORK/m0" && ok "unknown -o option: exit 1" || fail "unknown option: exit $rc"

# background mode (daemonizes), unmounted with fusermount3 -u
mkdir -p "$WORK/m1"
"$DL4JFS" "$M" "$WORK/m1" && mountpoint -q "$WORK/m1" && ok "background mount" || fail "background mount"
MOUNTS="$MOUNTS $WORK/m1"
[ -f "$WORK/m1/summary.txt" ] && ok "summary.txt present" || fail "no summary.txt"
# writes are refused: read-only file system
if (echo x >"$WORK/m1/configuration.json") 2>"$WORK/err"; then fail "write succeeded"
else grep -qi "read-only" "$WORK/err" && ok "write refused with EROFS" || fail "write: $(cat "$WORK/err")"; fi
if touch "$WORK/m1/newfile" 2>/dev/null; then fail "create succeeded"; else ok "create refused"; fi
if rm "$WORK/m1/summary.txt" 2>/dev/null; then fail "unlink succeeded"; else ok "unlink refused"; fi
fusermount3 -u "$WORK/m1" && ! mountpoint -q "$WORK/m1" && ok "fusermount3 -u" || fail "fusermount3 -u"

# single-threaded, -o ro, unmounted with umount
mkdir -p "$WORK/m2"
"$DL4JFS" -s -o ro "$M" "$WORK/m2" && mountpoint -q "$WORK/m2" && ok "-s -o ro mount" || fail "-s -o ro"
MOUNTS="$MOUNTS $WORK/m2"
unzip -p "$M" coefficients.bin | cmp -s - "$WORK/m2/coefficients.bin" && ok "-s read" || fail "-s read"
grep -q "dl4jfs" /proc/mounts && ok "listed in /proc/mounts" || fail "/proc/mounts"
umount "$WORK/m2" && ! mountpoint -q "$WORK/m2" && ok "umount" || fail "umount"

# BLAS kernels: an inherited OPENBLAS_CORETYPE=Haswell is upgraded when the CPU's feature bits
# (not its name) allow AVX-512 kernels, and kept otherwise
mkdir -p "$WORK/m3"
OPENBLAS_CORETYPE=Haswell "$DL4JFS" -d "$M" "$WORK/m3" >"$WORK/dbg" 2>&1 &
i=0; while ! mountpoint -q "$WORK/m3" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
MOUNTS="$MOUNTS $WORK/m3"
core=$(sed -n 's/^dl4jfs: BLAS kernels: //p' "$WORK/dbg" | head -n 1)
flags=$(grep -m1 '^flags' /proc/cpuinfo)
avx512=yes
for f in avx512f avx512bw avx512vl avx512dq; do echo "$flags" | grep -qw $f || avx512=no; done
if [ $avx512 = yes ]; then
	[ "$core" = SkylakeX ] && ok "AVX-512 CPU: Haswell upgraded to $core" || fail "BLAS core '$core' on an AVX-512 CPU"
else
	[ "$core" = Haswell ] && ok "no AVX-512: kernels left as $core" || fail "BLAS core '$core' without AVX-512"
fi
fusermount3 -u "$WORK/m3"
finish
