#!/bin/sh
# The writable `predict` file on real mounts: DL4J's own inputs and outputs (regression
# corpus: upsampling, SyntheticCNN, SyntheticBidirectionalRNNGraph) through .npy, .npz and
# text; an MLP checked against a numpy forward pass built from the mount's params/*.npy;
# both usage patterns (one descriptor; cat > predict then cat predict); concurrent clients;
# bad input (EINVAL + xattr message), a custom layer (ENOTSUP naming it), -o ro (EROFS), the
# archive's normalizer and -o nonorm; the other files still refuse every write.
. "$(dirname "$0")/lib.sh"
R=$BUNDLED/regression_testing
MOON=$BUNDLED/dl4j-integration-tests/MLPMoon/Model_RANDOM_INIT_UNTRAINED.zip
H=$WORK/h.py

cat >"$H" <<'EOF'
import errno, io, json, os, sys, threading
import numpy as np
sys.path.insert(0, os.environ["SRC"] + "/tests/integration")
from ref import read_array

def load_any(b):
    """An answer as a dict name -> array (.npy: {'': a}; .npz: its members)."""
    if b[:2] == b"PK":
        z = np.load(io.BytesIO(b))
        return {k: z[k] for k in z.files}
    return {"": np.load(io.BytesIO(b))}

def relerr(got, want):
    got = np.asarray(got, np.float64); want = np.asarray(want, np.float64)
    if got.shape != want.shape:
        return "shape %s != %s" % (got.shape, want.shape)
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))

def check(label, got, want, tol=1e-5):
    e = relerr(got, want)
    if isinstance(e, str) or e > tol:
        print("FAIL %s: %s" % (label, e)); return False
    print("ok %s: rel err %.3g" % (label, e)); return True

def mlp(mnt, x, norm=None):
    """relu dense + softmax output, from the mount's own params/*.npy (float64)."""
    p = lambda k: np.load(os.path.join(mnt, "params", k + ".npy")).astype(np.float64)
    x = np.asarray(x, np.float64)
    if norm is not None:
        x = norm(x)
    h = np.maximum(x @ p("0_W") + p("0_b"), 0)
    z = h @ p("1_W") + p("1_b")
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)

def csv(x, header=True):
    s = "# %d examples\n" % len(x) if header else ""
    return "".join(",".join(repr(float(v)) for v in r) + "\n" for r in x).join([s, ""]).encode()

def rdwr(path, data, seek0):
    """write then read on one descriptor (optionally seeking back to 0 first)."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.write(fd, data)
        if seek0:
            os.lseek(fd, 0, os.SEEK_SET)
        out = b""
        while True:
            k = os.read(fd, 1 << 16)
            if not k:
                break
            out += k
        return out
    finally:
        os.close(fd)

def xattr(path):
    try:
        return os.getxattr(path, "user.dl4jfs.error").decode()
    except OSError as e:
        return "no xattr: %s" % e

cmd = sys.argv[1]
ok = True
if cmd == "nd4j2npy":          # ND4J binary array -> .npy (DL4J's own test vectors)
    np.save(sys.argv[3], np.ascontiguousarray(read_array(open(sys.argv[2], "rb").read())))
elif cmd == "npz":             # .npy -> .npz with one named member
    np.savez(sys.argv[4], **{sys.argv[3]: np.load(sys.argv[2])})
elif cmd == "cmp":             # answer file vs expected .npy
    got = load_any(open(sys.argv[2], "rb").read())
    want = np.load(sys.argv[3])
    key = sys.argv[4] if len(sys.argv) > 4 else ""
    if key not in got:
        print("FAIL members %s, wanted %r" % (list(got), key)); sys.exit(1)
    ok = check(sys.argv[2], got[key], want)
elif cmd == "cmptext":         # text answer (optionally '# shape=' header) vs expected .npy
    txt = open(sys.argv[2]).read()
    want = np.load(sys.argv[3])
    shp = None
    first = txt.splitlines()[0]
    if first.startswith("# shape=("):
        shp = tuple(int(v) for v in first[9:first.index(")")].split(",") if v.strip())
    got = np.loadtxt(io.StringIO(txt), delimiter=sys.argv[4] if len(sys.argv) > 4 else None,
                     dtype=np.float32, ndmin=2)
    if shp is not None:
        if shp != want.shape:
            print("FAIL header shape %s, expected %s" % (shp, want.shape)); sys.exit(1)
        got = got.reshape(shp)
    ok = check(sys.argv[2] + " (text)", got, want)
elif cmd == "totext":          # .npy [N, ...] -> text: optional shape header, rows flattened
    a = np.load(sys.argv[2]).astype(np.float32)
    hdr = sys.argv[4] == "header"
    with open(sys.argv[3], "w") as f:
        if hdr:
            f.write("# shape=(N, %s)\n" % ", ".join(str(d) for d in a.shape[1:]))
        for r in a.reshape(a.shape[0], -1):
            f.write(" ".join(repr(float(v)) for v in r) + "\n")
elif cmd == "moon":            # MLP round trip through text on one descriptor
    mnt = sys.argv[2]; pred = os.path.join(mnt, "predict")
    x = np.random.RandomState(7).uniform(-2, 2, (9, 2)).astype(np.float32)
    want = mlp(mnt, x)
    a = rdwr(pred, csv(x), seek0=False)
    b = rdwr(pred, csv(x), seek0=True)
    if a != b:
        print("FAIL same fd: answer without seek differs from answer after seek to 0"); ok = False
    else:
        print("ok same fd: same answer with and without lseek(0)")
    rows = [l for l in a.decode().splitlines() if not l.startswith("#")]
    y = np.array([[np.float32(v) for v in r.split(",")] for r in rows])
    ok &= y.shape == (9, 2)
    print("ok shape (9, 2) as the config says" if y.shape == (9, 2) else "FAIL shape %s" % (y.shape,))
    s = np.abs(y.astype(np.float64).sum(axis=1) - 1).max()
    ok &= s < 1e-6
    print(("ok" if s < 1e-6 else "FAIL") + " softmax rows sum to 1 (max dev %.2g)" % s)
    ok &= check("MLPMoon vs numpy forward", y, want)
    # the text answer carries float32 values exactly: same bits as the .npy answer
    buf = io.BytesIO(); np.save(buf, x)
    z = load_any(rdwr(pred, buf.getvalue(), seek0=True))[""]
    same = z.dtype == np.float32 and np.array_equal(z.view(np.uint32), y.astype(np.float32).view(np.uint32))
    ok &= same
    print(("ok" if same else "FAIL") + " text answer parses back to the exact float32 of the .npy answer")
    # float64 and Fortran-order .npy inputs give the same answer
    buf = io.BytesIO(); np.save(buf, np.asfortranarray(x.astype(np.float64)))
    z2 = load_any(rdwr(pred, buf.getvalue(), seek0=True))[""]
    same = np.array_equal(z, z2)
    ok &= same
    print(("ok" if same else "FAIL") + " float64 fortran-order .npy input")
    # TSV and whitespace input, values back in the same layout
    tsv = "".join("\t".join(repr(float(v)) for v in r) + "\n" for r in x).encode()
    t = rdwr(pred, tsv, seek0=True).decode()
    same = "\t" in t and np.array_equal(np.loadtxt(io.StringIO(t), dtype=np.float32), y)
    ok &= same
    print(("ok" if same else "FAIL") + " tab-separated input and answer")
elif cmd == "concurrent":      # several clients at once each get their own answer
    mnt = sys.argv[2]; pred = os.path.join(mnt, "predict")
    rs = np.random.RandomState(3)
    xs = [rs.uniform(-3, 3, (n, 2)).astype(np.float32) for n in (1, 5, 17, 64)]
    wants = [mlp(mnt, x) for x in xs]
    # interleaved on two descriptors
    f1 = os.open(pred, os.O_RDWR); f2 = os.open(pred, os.O_RDWR)
    os.write(f1, csv(xs[0])); os.write(f2, csv(xs[1]))
    os.lseek(f1, 0, 0); os.lseek(f2, 0, 0)
    a2 = os.read(f2, 1 << 20); a1 = os.read(f1, 1 << 20)
    os.close(f1); os.close(f2)
    g1 = np.loadtxt(io.StringIO(a1.decode()), delimiter=",", ndmin=2)
    g2 = np.loadtxt(io.StringIO(a2.decode()), delimiter=",", ndmin=2)
    ok &= check("interleaved client 1", g1, wants[0]) and check("interleaved client 2", g2, wants[1])
    errs = []
    def worker(i):
        for _ in range(15):
            k = (i + _) % len(xs)
            out = rdwr(pred, csv(xs[k]), seek0=True)
            g = np.loadtxt(io.StringIO(out.decode()), delimiter=",", ndmin=2)
            e = relerr(g, wants[k])
            if isinstance(e, str) or e > 1e-5:
                errs.append((i, k, e))
    th = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in th: t.start()
    for t in th: t.join()
    ok &= not errs
    print("FAIL concurrent: %s" % errs[:3] if errs else "ok 4 threads x 15 batches: each its own answer")
elif cmd == "bad":             # bad input: EINVAL on the same descriptor, message in the xattr
    pred, data, want = sys.argv[2], open(sys.argv[3], "rb").read(), sys.argv[4]
    fd = os.open(pred, os.O_RDWR)
    os.write(fd, data)
    os.lseek(fd, 0, 0)
    try:
        os.read(fd, 4096); print("FAIL read after bad input succeeded"); ok = False
    except OSError as e:
        ok &= e.errno == errno.EINVAL
        print(("ok" if e.errno == errno.EINVAL else "FAIL") + " read: %s" % os.strerror(e.errno))
    os.close(fd)
    m = xattr(pred)
    ok &= want in m
    print(("ok" if want in m else "FAIL") + " xattr: %s" % m)
elif cmd == "norm":            # normalizer from normalizer.json applied (or not) before the MLP
    mnt, mode = sys.argv[2], sys.argv[3]
    pred = os.path.join(mnt, "predict")
    nj = json.load(open(os.path.join(mnt, "normalizer.json")))
    f32 = np.float32
    if nj["type"] == "STANDARDIZE":   # FORMAT 3.2, computed in float32 as ND4J does
        mean = np.array(nj["mean"], f32).ravel(); std = np.array(nj["std"], f32).ravel()
        std = np.where(std == 0, f32(1), np.maximum(std, f32(1e-5)))
        tf = lambda v: (v - mean) / std
        # ramp weights saturate the softmax unless the hidden layer is (nearly) off: rows
        # whose normalized third feature is about -4.3 .. -10 (hidden sums 0 .. 0.1)
        x = [[0.1, -2.5, 3.14159 - 1e-4], [0.1, -2.5, 3.14159 - 4.3e-5],
             [0.1, -2.5, 3.14159 - 4.25e-5], [-1, -3, 3.14155]]
    elif nj["type"] == "MIN_MAX":
        lo = np.array(nj["min"], f32).ravel(); rng = np.array(nj["max"], f32).ravel() - lo
        rng = np.maximum(rng, f32(1e-5))
        tmin, tmax = f32(nj["targetMin"]), f32(nj["targetMax"])
        tf = lambda v: (v - lo) / rng * (tmax - tmin) + tmin
        x = [[-5.115, 0, -1096.49], [-5.115, 0, -1096.4], [-5.115, 0, -1200], [-5.115, 0, -1096.45]]
    elif nj["type"] == "IMAGE_MIN_MAX":
        tf = lambda v: v / f32(nj["maxPixelVal"]) * f32(nj["maxRange"] - nj["minRange"]) + f32(nj["minRange"])
        x = [[0, 0, -1096.5], [0, 0, -1096.4], [0, 0, -1300], [0, 0, -1096.45]]
    else:
        sys.exit("no reference for " + nj["type"])
    x = np.array(x, f32)
    f = (lambda v: tf(v.astype(f32)).astype(np.float64)) if mode == "norm" else None
    g_other = (lambda v: tf(v.astype(f32)).astype(np.float64)) if mode != "norm" else None
    want = mlp(mnt, x, f)
    out = rdwr(pred, csv(x), seek0=True)
    g = np.loadtxt(io.StringIO(out.decode()), delimiter=",", ndmin=2)
    ok &= check("%s %s" % (nj["type"], "applied" if f else "not applied (-o nonorm)"), g, want)
    e = relerr(g, mlp(mnt, x, g_other))
    ok &= e > 1e-3
    print(("ok" if e > 1e-3 else "FAIL") + " differs from the other mode (%.3g)" % e)
elif cmd == "mkcg":            # a 2-input, 2-output graph from a DL4J 1.0.0-alpha template
    import copy, struct, zipfile
    tz = zipfile.ZipFile(sys.argv[2])
    conf = json.loads(tz.read("configuration.json"))
    tmpl = conf["vertices"]["0"]
    def dense(nin, nout, act):
        v = copy.deepcopy(tmpl)
        d = v["LayerVertex"]["layerConf"]["layer"]["dense"]
        d.update(nin=nin, nout=nout, activationFn={act: {}})
        return v
    conf["networkInputs"] = ["in1", "in2"]
    conf["networkOutputs"] = ["out1", "out2"]
    conf["vertices"] = {"d1": dense(2, 3, "TanH"), "d2": dense(3, 3, "TanH"),
                        "m": {"MergeVertex": {}}, "out1": dense(6, 2, "Softmax"),
                        "out2": dense(3, 1, "Identity")}
    conf["vertexInputs"] = {"d1": ["in1"], "d2": ["in2"], "m": ["d1", "d2"], "out1": ["m"],
                            "out2": ["d1"]}
    for k, v in conf["vertices"].items():
        if "LayerVertex" in v:
            v["LayerVertex"]["layerConf"]["layer"]["dense"]["layerName"] = k
    conf["defaultConfiguration"]["variables"] = []
    n = 2 * 3 + 3 + 3 * 3 + 3 + 6 * 2 + 2 + 3 * 1 + 1
    u = lambda t: struct.pack(">H", len(t)) + t.encode()
    vals = np.random.RandomState(5).uniform(-1, 1, n)
    arr = u("JAVACPP") + struct.pack(">i", 8) + u("INT") + struct.pack(">8i", 2, 1, n, n, 1, 0, 1, ord("c"))
    arr += u("JAVACPP") + struct.pack(">i", n) + u("FLOAT") + struct.pack(">%df" % n, *vals)
    with zipfile.ZipFile(sys.argv[3], "w") as z:
        z.writestr("configuration.json", json.dumps(conf, indent=2))
        z.writestr("coefficients.bin", arr)
elif cmd == "cg":              # the 2-in/2-out graph against numpy: .npz both ways, text blocks
    mnt = sys.argv[2]; pred = os.path.join(mnt, "predict")
    p = lambda k: np.load(os.path.join(mnt, "params", k + ".npy")).astype(np.float64)
    rs = np.random.RandomState(9)
    x1 = rs.uniform(-2, 2, (5, 2)).astype(np.float32); x2 = rs.uniform(-2, 2, (5, 3)).astype(np.float32)
    d1 = np.tanh(x1 @ p("d1_W") + p("d1_b")); d2 = np.tanh(x2 @ p("d2_W") + p("d2_b"))
    z = np.concatenate([d1, d2], axis=1) @ p("out1_W") + p("out1_b")
    o1 = np.exp(z - z.max(1, keepdims=True)); o1 /= o1.sum(1, keepdims=True)
    o2 = d1 @ p("out2_W") + p("out2_b")
    buf = io.BytesIO(); np.savez_compressed(buf, in2=x2, in1=x1)   # by name, any order
    got = load_any(rdwr(pred, buf.getvalue(), seek0=True))
    ok &= sorted(got) == ["out1", "out2"]
    print(("ok" if ok else "FAIL") + " .npz answer members %s" % sorted(got))
    ok &= check("graph out1", got.get("out1"), o1) and check("graph out2", got.get("out2"), o2)
    buf = io.BytesIO(); np.savez(buf, x1, x2)                      # arr_0, arr_1 by position
    got2 = load_any(rdwr(pred, buf.getvalue(), seek0=True))
    same = all(np.array_equal(got[k], got2[k]) for k in got)
    ok &= same
    print(("ok" if same else "FAIL") + " unnamed arr_0/arr_1 members go by position")
    buf = io.BytesIO(); np.save(buf, x1)
    fd = os.open(pred, os.O_RDWR); os.write(fd, buf.getvalue())
    try:
        os.close(fd); print("FAIL .npy for a 2-input graph accepted"); ok = False
    except OSError as e:
        ok &= e.errno == errno.EINVAL
        print(("ok" if e.errno == errno.EINVAL else "FAIL") + " .npy for a 2-input graph: close gives %s" % os.strerror(e.errno))
    m = xattr(pred)
    w = "the network has 2 inputs (in1, in2): write an .npz with one member per input"
    ok &= w in m
    print(("ok" if w in m else "FAIL") + " xattr: " + m)
else:
    sys.exit("unknown " + cmd)
sys.exit(0 if ok else 1)
EOF
export SRC
py() { $PY "$H" "$@"; }
# runs a python check: its "ok"/"FAIL" lines count
pyc() {
	if out=$(py "$@" 2>&1); then :; fi
	echo "$out" | while IFS= read -r l; do echo "  $l"; done
	n=$(echo "$out" | grep -c '^FAIL' || true)
	if [ "$n" = 0 ] && echo "$out" | grep -q '^ok'; then ok "$1"; else fail "$1: $n failures"; fi
}
xattr() { $PY -c "import os,sys; print(os.getxattr(sys.argv[1], 'user.dl4jfs.error').decode())" "$1" 2>&1 || true; }
# unmount, then the daemon must exit 0 with no sanitizer report (Asan builds)
unmount_model() {
	fusermount3 -u "$1"
	MOUNTS=$(echo "$MOUNTS" | tr ' ' '\n' | grep -vxF "$1" | tr '\n' ' ')
	drc=0
	wait "$pid" || drc=$?
	if [ $drc != 0 ] || grep -Eq "Sanitizer|runtime error" "$WORK/daemon.err"; then
		fail "daemon for $1 exited $drc: $(grep -E -m3 'Sanitizer|runtime error|SUMMARY' "$WORK/daemon.err")"
	fi
}
# bad TEXT MESSAGE: the input (printf format) fails with EINVAL and the xattr has MESSAGE
bad() {
	printf "$1" >"$WORK/bad.in"
	pyc bad "$WORK/moon/predict" "$WORK/bad.in" "$2"
}

# ---- DL4J's own vectors: upsampling (100a, MLN), SyntheticCNN (100b6, MLN, .npy and text)
py nd4j2npy "$R/100a/upsampling/in.bin" "$WORK/up_in.npy"
py nd4j2npy "$R/100a/upsampling/out.bin" "$WORK/up_out.npy"
mount_model "$R/100a/upsampling/net.bin" "$WORK/up" || fail "upsampling mount"
cat "$WORK/up_in.npy" >"$WORK/up/predict" && cat "$WORK/up/predict" >"$WORK/up_got.npy" \
	&& pyc cmp "$WORK/up_got.npy" "$WORK/up_out.npy" || fail "upsampling predict"
sz=$(stat -c %s "$WORK/up/predict")
[ "$sz" = "$(stat -c %s "$WORK/up_got.npy")" ] && ok "getattr size = last answer ($sz)" || fail "size $sz"
unmount_model "$WORK/up"

py nd4j2npy "$R/100b6/SyntheticCNN_Input_100b6.bin" "$WORK/cnn_in.npy"
py nd4j2npy "$R/100b6/SyntheticCNN_Output_100b6.bin" "$WORK/cnn_out.npy"
mount_model "$R/100b6/SyntheticCNN_100b6.bin" "$WORK/cnn" || fail "SyntheticCNN mount"
cat "$WORK/cnn_in.npy" >"$WORK/cnn/predict" && cat "$WORK/cnn/predict" >"$WORK/cnn_got.npy" \
	&& pyc cmp "$WORK/cnn_got.npy" "$WORK/cnn_out.npy" || fail "SyntheticCNN predict"
py totext "$WORK/cnn_in.npy" "$WORK/cnn_in.txt" header
cat "$WORK/cnn_in.txt" >"$WORK/cnn/predict" && cat "$WORK/cnn/predict" >"$WORK/cnn_got.txt" \
	&& pyc cmptext "$WORK/cnn_got.txt" "$WORK/cnn_out.npy" || fail "SyntheticCNN text predict"
head -c 200 "$WORK/cnn_got.txt" | head -1 | grep -q '^# shape=(4, 4, 11, 22)$' \
	&& ok "rank-4 text answer has a shape header" || fail "text header: $(head -1 "$WORK/cnn_got.txt")"
unmount_model "$WORK/cnn"
py totext "$WORK/cnn_in.npy" "$WORK/cnn_in_plain.txt" plain
mount_model "$R/100b6/SyntheticCNN_100b6.bin" "$WORK/cnn2" -o input_shape=1x28x28 || fail "input_shape mount"
cat "$WORK/cnn_in_plain.txt" >"$WORK/cnn2/predict" && cat "$WORK/cnn2/predict" >"$WORK/cnn_got2.txt" \
	&& pyc cmptext "$WORK/cnn_got2.txt" "$WORK/cnn_out.npy" || fail "-o input_shape predict"
unmount_model "$WORK/cnn2"
rc=0; "$DL4JFS" -o input_shape=3xfoo "$R/100b6/SyntheticCNN_100b6.bin" "$WORK/cnn2" 2>"$WORK/err" || rc=$?
[ $rc = 1 ] && grep -q "input_shape=3xfoo" "$WORK/err" && ok "bad input_shape: exit 1" || fail "bad input_shape: $rc"

# ---- ComputationGraph with a named input: .npz in, .npz out (member named after the output)
py nd4j2npy "$R/100b6/SyntheticBidirectionalRNNGraph_Input_100b6.bin" "$WORK/rnn_in.npy"
py nd4j2npy "$R/100b6/SyntheticBidirectionalRNNGraph_Output_100b6.bin" "$WORK/rnn_out.npy"
py npz "$WORK/rnn_in.npy" input "$WORK/rnn_in.npz"
mount_model "$R/100b6/SyntheticBidirectionalRNNGraph_100b6.bin" "$WORK/rnn" || fail "RNN graph mount"
cat "$WORK/rnn_in.npz" >"$WORK/rnn/predict" && cat "$WORK/rnn/predict" >"$WORK/rnn_got.npz" \
	&& pyc cmp "$WORK/rnn_got.npz" "$WORK/rnn_out.npy" out || fail "RNN graph predict"
py npz "$WORK/rnn_in.npy" nosuch "$WORK/rnn_bad.npz"
if cat "$WORK/rnn_bad.npz" >"$WORK/rnn/predict" 2>"$WORK/err"; then fail ".npz with a wrong name accepted"
else grep -q "Invalid argument" "$WORK/err" && ok ".npz member not an input: EINVAL" || fail "npz name: $(cat "$WORK/err")"; fi
m=$(xattr "$WORK/rnn/predict")
echo "$m" | grep -q "'nosuch' is not a network input (inputs: input)" && ok "npz xattr: $m" || fail "npz xattr: $m"
cmp -s "$WORK/rnn/predict" "$WORK/rnn_got.npz" && ok "after a failed write: the last answer, nothing new" \
	|| fail "answer changed after a failed write"
unmount_model "$WORK/rnn"

# ---- a graph with two inputs and two outputs (made from a DL4J graph's configuration)
py mkcg "$R/100a/CustomLayerExample_Graph_100a.bin" "$WORK/cg2.zip"
mount_model "$WORK/cg2.zip" "$WORK/cg2" || fail "2-in/2-out graph mount"
pyc cg "$WORK/cg2"
unmount_model "$WORK/cg2"

# ---- a custom layer: mounts, predict refuses with ENOTSUP naming the layer and its class
py nd4j2npy "$R/100a/CustomLayerExample_Input_100a.bin" "$WORK/cl_in.npy"
mount_model "$R/100a/CustomLayerExample_100a.bin" "$WORK/cl" || fail "CustomLayerExample mount"
if cat "$WORK/cl_in.npy" >"$WORK/cl/predict" 2>"$WORK/err"; then fail "custom layer predicted"
else grep -q "Operation not supported" "$WORK/err" && ok "custom layer: ENOTSUP" || fail "custom: $(cat "$WORK/err")"; fi
m=$(xattr "$WORK/cl/predict")
echo "$m" | grep -q "layer 'layer1' (CustomLayer)" && ok "custom layer named: $m" || fail "custom xattr: $m"
grep -q "CustomLayer" "$WORK/daemon.err" && ok "message logged" || fail "not logged: $(cat "$WORK/daemon.err")"
[ -s "$WORK/cl/summary.txt" ] && ok "the rest of the mount works" || fail "custom mount unusable"
unmount_model "$WORK/cl"

# ---- an MLP through text: one descriptor, cat > predict; cat predict, concurrency, bad input
mount_model "$MOON" "$WORK/moon" || fail "MLPMoon mount"
[ "$(stat -c %a "$WORK/moon/predict")" = 666 ] && ok "predict mode 0666" || fail "mode $(stat -c %a "$WORK/moon/predict")"
pyc moon "$WORK/moon"
printf '0.5,0.25\n-1,1\n' >"$WORK/in.csv"
cat "$WORK/in.csv" >"$WORK/moon/predict" && cat "$WORK/moon/predict" >"$WORK/out1.csv" \
	&& [ "$(wc -l <"$WORK/out1.csv")" = 2 ] && ok "cat in.csv > predict; cat predict: $(tr '\n' ' ' <"$WORK/out1.csv")" \
	|| fail "cat pattern: $(cat "$WORK/out1.csv")"
cat "$WORK/moon/predict" | cmp -s - "$WORK/out1.csv" && ok "a second reader gets the same answer" || fail "second read"
[ "$(stat -c %s "$WORK/moon/predict")" = "$(stat -c %s "$WORK/out1.csv")" ] && ok "stat size after cat" \
	|| fail "stat size $(stat -c %s "$WORK/moon/predict")"
pyc concurrent "$WORK/moon"
bad '1,2\n3,4\n5,6,7\n' "expected 2 columns, line 3 has 3"
bad '# x\n1,2\n3,abc\n' "line 3, value 2: 'abc' is not a number"
bad '1,,2\n' "line 1: empty value after ','"
bad '1,2,3\n4,5,6\n' "layer"
bad '# shape=(N, 3)\n1,2\n' "shape=(N, 3) needs 3 values per example, line 2 has 2"
bad '\n\n# nothing\n' "no input: no data lines"
bad '\223NUMPY\001\000' "not a .npy file"
$PY -c "import numpy as np; np.save('$WORK/r1.npy', np.zeros(3, np.float32)); np.save('$WORK/i8.npy', np.zeros((2, 2), np.int64))"
pyc bad "$WORK/moon/predict" "$WORK/r1.npy" "rank 1, expected a batch of examples"
pyc bad "$WORK/moon/predict" "$WORK/i8.npy" "dtype '<i8' is not supported"
$PY -c "import numpy as np; np.save('$WORK/big.npy', np.zeros((1000001, 2), np.float32))"
if cat "$WORK/big.npy" >"$WORK/moon/predict" 2>"$WORK/err"; then fail "batch above the cap accepted"
else grep -q "Invalid argument" "$WORK/err" && ok "batch of 1000001 examples: EINVAL" || fail "cap: $(cat "$WORK/err")"; fi
m=$(xattr "$WORK/moon/predict")
echo "$m" | grep -q "exceeds the limit of 1000000" && ok "cap message: $m" || fail "cap xattr: $m"
printf '1,2\n3\n' >"$WORK/bad.csv"
if cat "$WORK/bad.csv" >"$WORK/moon/predict" 2>"$WORK/err"; then fail "bad csv accepted at close"
else grep -q "Invalid argument" "$WORK/err" && ok "cat bad.csv > predict: close fails with EINVAL" || fail "close: $(cat "$WORK/err")"; fi
grep -q "expected 2 columns, line 2 has 1" "$WORK/daemon.err" && ok "bad input logged on stderr" || fail "not logged"
cmp -s "$WORK/moon/predict" "$WORK/out1.csv" || $PY - "$WORK/moon/predict" <<'EOF' && ok "after failures: the last good answer" || fail "answer after failures"
import sys, numpy as np
a = np.loadtxt(sys.argv[1], delimiter=",", ndmin=2)
sys.exit(0 if a.shape[1] == 2 and a.shape[0] > 0 else 1)
EOF
[ "$(stat -c %s "$WORK/moon/predict")" = "$(cat "$WORK/moon/predict" | wc -c)" ] \
	&& ok "after failures: stat size is the last answer's" || fail "size after failures: $(stat -c %s "$WORK/moon/predict")"
# an empty write: no input
: >"$WORK/moon/predict" && ok "open O_TRUNC without writing: nothing to run" || fail "empty open"
# the read-only files stay read-only
if (echo x >"$WORK/moon/summary.txt") 2>"$WORK/err"; then fail "write to summary.txt"
else grep -qi "read-only" "$WORK/err" && ok "other files: EROFS" || fail "other write: $(cat "$WORK/err")"; fi
if touch "$WORK/moon/newfile" 2>"$WORK/err"; then fail "create"; else grep -qi "read-only" "$WORK/err" && ok "create: EROFS" || fail "create: $(cat "$WORK/err")"; fi
if mkdir "$WORK/moon/d" 2>"$WORK/err"; then fail "mkdir"; else grep -qi "read-only" "$WORK/err" && ok "mkdir: EROFS" || fail "mkdir: $(cat "$WORK/err")"; fi
if rm "$WORK/moon/summary.txt" 2>"$WORK/err"; then fail "unlink"; else grep -qi "read-only" "$WORK/err" && ok "unlink: EROFS" || fail "unlink: $(cat "$WORK/err")"; fi
if mv "$WORK/moon/graph.dot" "$WORK/moon/g2" 2>"$WORK/err"; then fail "rename"; else grep -qi "read-only" "$WORK/err" && ok "rename: EROFS" || fail "rename: $(cat "$WORK/err")"; fi
if rm "$WORK/moon/predict" 2>"$WORK/err"; then fail "unlink predict"; else grep -qi "read-only" "$WORK/err" && ok "unlink predict: EROFS" || fail "unlink predict: $(cat "$WORK/err")"; fi
if chmod 600 "$WORK/moon/configuration.json" 2>"$WORK/err"; then fail "chmod"; else grep -qi "read-only" "$WORK/err" && ok "chmod: EROFS" || fail "chmod: $(cat "$WORK/err")"; fi
if truncate -s 0 "$WORK/moon/configuration.json" 2>"$WORK/err"; then fail "truncate"; else grep -qi "read-only" "$WORK/err" && ok "truncate: EROFS" || fail "truncate: $(cat "$WORK/err")"; fi
if $PY -c "import os,sys; os.setxattr(sys.argv[1], 'user.x', b'1')" "$WORK/moon/summary.txt" 2>"$WORK/err"; then fail "setxattr"
else grep -qi "read-only" "$WORK/err" && ok "setxattr: EROFS" || fail "setxattr: $(cat "$WORK/err")"; fi
(cd "$WORK/moon" && sha256sum -c --quiet SHA256SUMS) && ok "SHA256SUMS still checks" || fail "sums"
unmount_model "$WORK/moon"

# ---- -o ro: predict refuses writes too
mount_model "$MOON" "$WORK/ro" -o ro || fail "ro mount"
if cat "$WORK/in.csv" 2>"$WORK/err" >"$WORK/ro/predict"; then fail "write to predict on -o ro"
else grep -qi "read-only" "$WORK/err" && ok "-o ro: predict EROFS" || fail "ro: $(cat "$WORK/err")"; fi
[ "$(stat -c %a "$WORK/ro/predict")" = 444 ] && ok "-o ro: predict mode 0444" || fail "ro mode"
out=$(cat "$WORK/ro/predict") && [ -z "$out" ] && ok "-o ro: predict reads empty" || fail "ro read"
unmount_model "$WORK/ro"

# ---- the archive's normalizer (STANDARDIZE, Java-made) is applied; -o nonorm disables it
for t in standardize min_max image_min_max; do
	A=$SRC/tests/data/good/java/mlp_norm_$t.zip
	mount_model "$A" "$WORK/norm" || fail "$t mount"
	pyc norm "$WORK/norm" norm
	unmount_model "$WORK/norm"
	mount_model "$A" "$WORK/nonorm" -o nonorm || fail "$t nonorm mount"
	pyc norm "$WORK/nonorm" nonorm
	unmount_model "$WORK/nonorm"
done
# a normalizer predict cannot apply (custom class): ENOTSUP unless -o nonorm
mount_model "$SRC/tests/data/good/java/mlp_norm_custom.zip" "$WORK/nc" || fail "custom norm mount"
printf '1,2,3\n' >"$WORK/in3.csv"
if cat "$WORK/in3.csv" >"$WORK/nc/predict" 2>"$WORK/err"; then fail "custom normalizer ignored"
else grep -q "Operation not supported" "$WORK/err" && ok "custom normalizer: ENOTSUP" || fail "custom norm: $(cat "$WORK/err")"; fi
m=$(xattr "$WORK/nc/predict")
echo "$m" | grep -q "CUSTOM.*-o nonorm" && ok "custom normalizer message: $m" || fail "custom norm xattr: $m"
unmount_model "$WORK/nc"
mount_model "$SRC/tests/data/good/java/mlp_norm_custom.zip" "$WORK/nc" -o nonorm || fail "custom norm nonorm mount"
cat "$WORK/in3.csv" >"$WORK/nc/predict" && [ "$(wc -l <"$WORK/nc/predict")" = 1 ] \
	&& ok "custom normalizer with -o nonorm: runs" || fail "custom norm nonorm"
unmount_model "$WORK/nc"
finish
