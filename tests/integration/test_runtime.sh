#!/bin/sh
# Runtime behaviour: corrupt data found only when read (EIO, message in an xattr, the rest
# still readable), hostile entry names, a model without parameters, concurrent first readers
# of one large view, cp -r / tar of the whole mount, graph.dot rendering.
. "$(dirname "$0")/lib.sh"
$PY "$SRC/tests/integration/mkcases.py" "$WORK"

# corrupt deflate/CRC data: the mount appears (only headers are read), the read fails cleanly
mount_model "$WORK/corrupt.zip" "$WORK/c" || fail "corrupt.zip did not mount"
if cat "$WORK/c/coefficients.bin" >/dev/null 2>"$WORK/err"; then fail "corrupt entry read without error"
else grep -q "Input/output error" "$WORK/err" && ok "corrupt entry: EIO" || fail "corrupt: $(cat "$WORK/err")"; fi
if cat "$WORK/c/params/0_W.npy" >/dev/null 2>&1; then fail "view of corrupt entry read"; else ok "view of corrupt entry: error"; fi
msg=$($PY -c "import os,sys; print(os.getxattr(sys.argv[1], 'user.dl4jfs.error').decode())" "$WORK/c/coefficients.bin" 2>&1)
echo "$msg" | grep -qi "crc" && ok "xattr names the cause: $msg" || fail "xattr: $msg"
grep -q "layer" "$WORK/c/summary.txt" && cmp -s "$WORK/c/configuration.json" "$WORK/c/configuration.json" \
	&& ok "other files still readable" || fail "other files"
unmount_model "$WORK/c"

# hostile names are sanitised, nothing escapes the mount, nothing is dropped
mount_model "$WORK/hostile.zip" "$WORK/h" || fail "hostile.zip did not mount"
[ ! -e "$WORK/escape.txt" ] && [ ! -e /abs/olute.txt ] && ok "nothing outside the mount" || fail "escaped"
[ "$(cat "$WORK/h/escape.txt" 2>/dev/null)" = escape ] && ok "../../escape.txt -> escape.txt" || fail "traversal name: $(ls "$WORK/h")"
[ "$(cat "$WORK/h/abs/olute.txt" 2>/dev/null)" = absolute ] && ok "/abs/olute.txt -> abs/olute.txt" || fail "absolute name"
[ "$(cat "$WORK/h/name with spaces.txt")" = spaces ] && ok "spaces kept" || fail "spaces"
[ "$(cat "$WORK/h/summary.txt")" = "an entry called summary.txt" ] && grep -q "Total" "$WORK/h/summary.txt~dl4jfs" \
	&& ok "entry keeps its name, the view gets ~dl4jfs" || fail "collision with summary.txt"
n=$(cat "$WORK/h"/dup.txt* | sort | tr '\n' ' ')
[ "$n" = "first second " ] && ok "duplicate names both kept: $(ls "$WORK/h" | grep dup | tr '\n' ' ')" || fail "duplicates: $n"
ls "$WORK/h" | grep -q '^LLLL' && ok "long name shown" || fail "long name"
(cd "$WORK/h" && sha256sum -c --quiet SHA256SUMS) && ok "hostile: sha256sum -c" || fail "hostile sums"
unmount_model "$WORK/h"

# no parameters (empty coefficients.bin + noParams.marker)
mount_model "$WORK/noparams.zip" "$WORK/n" || fail "noparams.zip did not mount"
[ -f "$WORK/n/noParams.marker" ] && [ ! -e "$WORK/n/params" ] && ok "no-parameter model: no params/" || fail "noparams tree: $(ls "$WORK/n")"
grep -q "ActivationLayer" "$WORK/n/summary.txt" && ok "no-parameter summary" || fail "noparams summary"
unmount_model "$WORK/n"

# cp -r and tar need exact sizes; graph.dot renders
M=$BUNDLED/regression_testing/100b6/SyntheticBidirectionalRNNGraph_100b6.bin
mount_model "$M" "$WORK/g" || fail "graph mount"
cp -r "$WORK/g" "$WORK/copy" && diff -r "$WORK/g" "$WORK/copy" >/dev/null && ok "cp -r copy identical" || fail "cp -r"
tar -C "$WORK/g" -cf "$WORK/t.tar" . && mkdir "$WORK/untar" && tar -C "$WORK/untar" -xf "$WORK/t.tar" \
	&& diff -r "$WORK/g" "$WORK/untar" >/dev/null && ok "tar round trip" || fail "tar"
if command -v dot >/dev/null; then
	dot -Tsvg "$WORK/g/graph.dot" >"$WORK/g.svg" && grep -q "<svg" "$WORK/g.svg" && ok "graph.dot renders" || fail "dot"
else echo "note: graphviz missing, graph.dot not rendered"; fi
unmount_model "$WORK/g"

# concurrent first readers of one view while it is still inflating
if [ -n "${DLFS_BUILD_DIR:-}" ] && command -v java >/dev/null; then
	B=$WORK/mid.zip
	sh "$SRC/scripts/mkbig" "$B" 4000000 >/dev/null
	mount_model "$B" "$WORK/b" || fail "mid mount"
	pids=""
	for i in 1 2 3 4; do
		sha256sum "$WORK/b/params/0_W.npy" >"$WORK/s$i" &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p"; done
	[ "$(cat "$WORK"/s? | cut -d' ' -f1 | sort -u | wc -l)" = 1 ] && ok "4 concurrent first readers agree" || fail "concurrent readers"
	$PY -c "
import numpy, zipfile, sys
sys.path.insert(0, '$SRC/tests/integration')
from ref import read_array
flat = read_array(zipfile.ZipFile('$B').read('coefficients.bin')).reshape(-1)
w = numpy.load('$WORK/b/params/0_W.npy')
assert numpy.array_equal(w.reshape(-1, order='F'), flat[:w.size]), 'values differ'
" && ok "large view equals independent decode" || fail "large view values"
	# the CSV view reads the same with any chunk size, sequentially or at random offsets
	$PY -c "
import os, random, numpy
p = '$WORK/b/params/0_W.csv'
whole = open(p, 'rb').read()
assert len(whole) == os.path.getsize(p)
for chunk in (1, 7, 4093, 131072):
    fd = os.open(p, os.O_RDONLY)
    parts, off = [], 0
    while off < len(whole) and (chunk > 1 or off < 20000):
        b = os.pread(fd, chunk, off)
        parts.append(b)
        off += len(b)
    os.close(fd)
    got = b''.join(parts)
    assert got == whole[:len(got)], chunk
rnd = random.Random(5)
fd = os.open(p, os.O_RDONLY)
for _ in range(300):
    off, n = rnd.randrange(len(whole)), rnd.randrange(1, 70000)
    assert os.pread(fd, n, off) == whole[off:off + n], (off, n)
os.close(fd)
w = numpy.load('$WORK/b/params/0_W.npy')
c = numpy.loadtxt(p, delimiter=',', dtype=numpy.float32)
assert numpy.array_equal(c, w)
" && ok "csv view: any chunk size and random offsets agree; values equal the npy" || fail "csv reads"
	unmount_model "$WORK/b"
else
	echo "note: java missing; concurrent large-view check not run"
fi
finish
