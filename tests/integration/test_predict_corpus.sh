#!/bin/sh
# predict on EVERY real archive (bundled DL4J test resources and ../shared/corpus): a
# deterministic batch of 3 (values sin(i) * 0.5) of the shape the configuration implies goes in
# as .npy (.npz for a ComputationGraph, one member per networkInputs name); the answer must have
# the shape the configuration says (batch 3, nOut of the output layer; [3, nOut, T] for RNN
# outputs), finite values, softmax rows summing to 1, sigmoid/tanh/softsign values in range.
# Archives with layers the engine cannot run are listed in REFUSE below and must fail with
# ENOTSUP and a message naming the layer (user.dl4jfs.error); two archives whose configuration
# DL4J itself cannot run are listed there with EINVAL; any other refusal is a FAIL. Each example
# run alone must give its row of the batch answer.
# Engine bugs found here are listed in KNOWN_BUGS: counted and printed, never passed silently.
# The input and output shapes come from configuration.json, parsed here independently of the
# codec (legacy wrapper keys, string activations and @class forms alike).
. "$(dirname "$0")/lib.sh"
[ -d "$CORPUS" ] || echo "note: $CORPUS absent; only the bundled archives are checked"
H=$WORK/h.py

cat >"$H" <<'EOF'
import errno, io, json, math, os, re, sys, zipfile
import numpy as np

B, T = 3, 5   # batch; time steps of RNN inputs

# Archives predict must refuse (key: the last two path components) -> (errno, a regular
# expression the user.dl4jfs.error message must match). Any other refusal is a FAIL.
CUSTOM = r": not supported by the engine$"
REFUSE = {
    # user-defined layer class org.deeplearning4j.regressiontest.customlayer100a.CustomLayer
    # (written with the 1.0.0-alpha wrapper key "CustomLayer", later as "@class")
    "100a/CustomLayerExample_100a.bin":
        (errno.ENOTSUP, r"^layer 'layer1' \(CustomLayer\)" + CUSTOM),
    "100a/CustomLayerExample_Graph_100a.bin":
        (errno.ENOTSUP, r"^layer '1' \(CustomLayer\)" + CUSTOM),
    "100b6/CustomLayerExample_100b6_double.bin":
        (errno.ENOTSUP, r"^layer 'layer1' \(org\.deeplearning4j\.regressiontest\.customlayer100a"
         r"\.CustomLayer\)" + CUSTOM),
    "100b6/CustomLayerExample_100b6_float.bin":
        (errno.ENOTSUP, r"^layer 'layer1' \(org\.deeplearning4j\.regressiontest\.customlayer100a"
         r"\.CustomLayer\)" + CUSTOM),
    "100b6/CustomLayerExample_100b6_half.bin":
        (errno.ENOTSUP, r"^layer 'layer1' \(org\.deeplearning4j\.regressiontest\.customlayer100a"
         r"\.CustomLayer\)" + CUSTOM),
    # 43-vertex Keras-import graph with the user's SameDiff layers com.example.webapi.Lambda1
    # and com.example.webapi.TensorsSum; the engine names the first it meets
    "wild/Hwanghyebin99__Refresh_RestApi_Server__MyMultiLayerNetwork.zip":
        (errno.ENOTSUP, r"^layer '[^']+' \(com\.example\.webapi\.(Lambda1|TensorsSum)\)" + CUSTOM),
    # Archives whose configuration DL4J itself cannot run (not engine bugs):
    # 0.5.0 CNN: Convolution -> Subsampling -> OutputLayer with NO inputPreProcessors (the readme
    # builds it without setInputType / ConvolutionLayerSetup), so the OutputLayer gets the rank-4
    # activations; DL4J's BaseLayer rejects a non-matrix input the same way
    "050/050_ModelSerializer_Regression_CNN_1.zip":
        (errno.EINVAL, r"^layer '2' \(OutputLayer\): input \[3,3,26,26\] is not rank 2 "
         r"\(a preprocessor is missing\)$"),
    # 0.8.0 CNN: ConvolutionMode.Same keeps 28x28, so setInputType(28,28) made the preprocessor
    # cnnToFeedForward 28x28x3 (2352 values) while OutputLayer nIn(26*26*3 = 2028) is explicit:
    # no input satisfies both. With the 26x26 input the layers need, the preprocessor check
    # refuses it, as DL4J's CnnToFeedForwardPreProcessor.preProcess does ("Invalid input, does
    # not match configuration"); with 3x28x28 the OutputLayer refuses it instead ("input has
    # 2352 features, nIn is 2028", as DL4J's matrix multiply would fail)
    "080/080_ModelSerializer_Regression_CNN_1.zip":
        (errno.EINVAL, r"^layer 'layer2' \(OutputLayer\): cnnToFeedForward: input \[3,3,26,26\] "
         r"does not match inputHeight 28"),
}

# CNN inputs: the archive does not record H and W. (C, H, W) per archive, with the source;
# "out" = the expected output shape when the output layer keeps the spatial dimensions.
CNN = {
    # readme: ConvolutionLayer nIn(3), comments "(28-2+0)/1+1 = 27", "(27-2+0)/1+1 = 26",
    # OutputLayer nIn(26*26*3): a 3x28x28 input (Truncate mode)
    "050/050_ModelSerializer_Regression_CNN_1.zip": {"in": (3, 28, 28)},
    # readme: ConvolutionMode.Same, ConvolutionLayer nIn(3), OutputLayer nIn(26*26*3): Same mode
    # keeps H, W, so the flattened 26*26*3 needs a 3x26x26 input (the readme's
    # setInputType(convolutional(28,28,1)) and the preprocessor's 28x28x3 disagree; see REFUSE)
    "080/080_ModelSerializer_Regression_CNN_1.zip": {"in": (3, 26, 26)},
    # DL4J's own upsampling/in.bin: shape (3, 1, 28, 28)
    "upsampling/net.bin": {"in": (1, 28, 28)},
    # DL4J's own SyntheticCNN_Input_100b6.bin (4, 1, 28, 28) and _Output_ (4, 4, 11, 22);
    # readme: setInputType(InputType.convolutional(28, 28, 1)); ends in a CnnLossLayer
    "100b6/SyntheticCNN_100b6.bin": {"in": (1, 28, 28), "out": (4, 11, 22)},
    # preprocessor cnnToFeedForward inputHeight=2 inputWidth=2 numChannels=128 before layer
    # 11, walked back through the Truncate-mode layers (conv 3x3 s1 -> -2, pool 2x2 s2 ->
    # floor((x-2)/2)+1): 2 <- 4..5 <- 6..7 <- 8..9 <- 16..19 <- 18..21 <- 20..23 <- 40..47
    # <- 42..49 <- 44..51; the smallest is 44; layer 0 nIn = 3 channels
    "wild/LHNCBC__MalariaScreener__trained_model.zip": {"in": (3, 44, 44)},
}

# Engine bugs found by this test (key -> what goes wrong). Expected failures: counted and
# printed as KNOWN BUG; if such an archive passes, that is a FAIL (remove it from the list).
KNOWN_BUGS = {
}

RNN = {"lstm", "graveslstm", "gravesbidirectionallstm", "bidirectional", "simplernn",
       "rnnoutput", "rnnoutputlayer", "lasttimestep"}
CONV = {"convolution", "convolutionlayer", "convolution1d", "convolution1dlayer",
        "separableconvolution2d", "depthwiseconvolution2d", "subsampling", "subsamplinglayer",
        "batchnormalization", "zeropaddinglayer", "upsampling2d", "cropping2d"}


def unwrap(x):
    """{"dense": {...}} or {"@class": "...DenseLayer", ...} -> (lower-case type, body)."""
    if "@class" in x:
        return x["@class"].rsplit(".", 1)[1].lower(), x
    (k, v), = x.items()
    return k.lower(), v


def layer_of(vertex):
    """A CG vertex -> (type, layer body) or (vertex type, body) for other vertices."""
    t, v = unwrap(vertex)
    if t == "layervertex":
        return unwrap(v["layerConf"]["layer"])
    return t, v


def act(body):
    a = body.get("activationFn", body.get("activationFunction"))
    if a is None:
        return "identity"
    if isinstance(a, str):
        return a.lower()
    t, _ = unwrap(a)
    return t[len("activation"):] if t.startswith("activation") else t


def nin(t, body):
    if t == "bidirectional":
        return nin(*unwrap(body["fwd"]))
    return body.get("nIn", body.get("nin"))


def nout(t, body):
    if t == "bidirectional":
        n = nout(*unwrap(body["fwd"]))
        return 2 * n if body.get("mode", "CONCAT") == "CONCAT" else n
    return body.get("nOut", body.get("nout"))


def in_shape(key, t, body):
    if key in CNN:
        return (B,) + CNN[key]["in"]
    if t in RNN:
        return (B, nin(t, body), T)
    if t in CONV:
        raise SystemExit("FAIL %s: CNN input and no entry in the CNN table" % key)
    return (B, nin(t, body))


def out_shape(key, t, body):
    if key in CNN and "out" in CNN[key]:
        return (B,) + CNN[key]["out"]
    if t in ("rnnoutput", "rnnoutputlayer"):
        return (B, nout(t, body), T)
    return (B, nout(t, body))


def plan(key, conf):
    """-> (inputs {name: shape} or {"": shape}, outputs {name: (shape, activation, type)})."""
    if "vertices" in conf:
        V = conf["vertices"]
        users = {}
        for v, ins in conf["vertexInputs"].items():
            for i in ins:
                users.setdefault(i, []).append(v)
        ins = {}
        for n in conf["networkInputs"]:
            t, body = layer_of(V[users[n][0]])
            ins[n] = in_shape(key, t, body)
        outs = {}
        for n in conf["networkOutputs"]:
            t, body = layer_of(V[n])
            outs[n] = (out_shape(key, t, body), act(body), t)
        return ins, outs
    layers = [unwrap(c["layer"]) for c in conf["confs"]]
    t0, b0 = layers[0]
    tl, bl = layers[-1]
    return {"": in_shape(key, t0, b0)}, {"": (out_shape(key, tl, bl), act(bl), tl)}


def rdwr(path, data):
    """write then read the answer on one descriptor; OSError on refusal."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.write(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
        out = b""
        while True:
            k = os.read(fd, 1 << 20)
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


def encode(xs, graph):
    """inputs -> .npz (graph: one member per network input) or .npy bytes."""
    buf = io.BytesIO()
    if graph:
        np.savez(buf, **xs)
    else:
        np.save(buf, xs[""])
    return buf.getvalue()


def answer(b, graph):
    """.npz answer (graph) -> {member: array}; .npy answer -> {"": array}."""
    if graph:
        if b[:2] != b"PK":
            return {"not an .npz": np.zeros(0)}
        z = np.load(io.BytesIO(b))
        return {k: z[k] for k in z.files}
    return {"": np.load(io.BytesIO(b))}


def check_out(name, y, shape, a, t):
    """plausibility of one output: a list of problems (empty = fine)."""
    bad = []
    if y.shape != shape:
        return ["%s: shape %s, the configuration says %s" % (name, y.shape, shape)]
    if y.dtype != np.float32:
        bad.append("%s: dtype %s" % (name, y.dtype))
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        return bad + ["%s: %d non-finite values" % (name, (~np.isfinite(y)).sum())]
    if a == "softmax":
        dev = np.abs(y.sum(axis=1) - 1).max()
        if dev > 1e-5 or y.min() < 0:
            bad.append("%s: softmax rows sum to 1 +- %.3g, min %g" % (name, dev, y.min()))
    rng = {"sigmoid": (0, 1), "hardsigmoid": (0, 1), "tanh": (-1, 1), "hardtanh": (-1, 1),
           "softsign": (-1, 1), "relu": (0, math.inf)}.get(a)
    if rng and (y.min() < rng[0] or y.max() > rng[1]):
        bad.append("%s: %s values in [%g, %g], outside [%g, %g]"
                   % (name, a, y.min(), y.max(), rng[0], rng[1]))
    if y.std() == 0 and y.size > 1 and a != "softmax":
        bad.append("%s: all %d values equal %g" % (name, y.size, y.flat[0]))
    return bad


def run(key, arch, mnt):
    conf = json.loads(zipfile.ZipFile(arch).read("configuration.json"))
    graph = "vertices" in conf
    pred = os.path.join(mnt, "predict")
    try:
        ins, outs = plan(key, conf)
    except Exception as e:
        ins, outs = None, None
        if key not in REFUSE:
            return "FAIL", "cannot derive shapes from configuration.json: %r" % e, "-", "-"
    xs = {}
    if ins:
        for n, shp in ins.items():
            i = np.arange(int(np.prod(shp)), dtype=np.float64)
            xs[n] = (np.sin(i) * 0.5).astype(np.float32).reshape(shp)
    desc_in = " ".join("%s%s" % (n + "=" if n else "", list(v.shape)) for n, v in xs.items()) or "-"
    if len(xs) > 2:
        desc_in = "%d inputs %s" % (len(xs), " ".join(str(v.shape[1]) for v in xs.values()))
    desc_out = " ".join("%s%s %s" % (n + "=" if n else "", list(s), a)
                        for n, (s, a, _) in (outs or {}).items()) or "-"
    try:
        ans = rdwr(pred, encode(xs, graph))
    except OSError as e:
        msg = xattr(pred)
        name = errno.errorcode.get(e.errno, str(e.errno))
        if key in REFUSE:
            code, want = REFUSE[key]
            if e.errno == code and re.search(want, msg):
                return "REFUSED", name + ": " + msg, desc_in, "-"
            return "FAIL", "expected %s matching %r; got %s: %s" % (
                errno.errorcode[code], want, name, msg), desc_in, "-"
        return "FAIL", "refused (%s): %s" % (name, msg), desc_in, desc_out
    if key in REFUSE:
        return "FAIL", "predicted, but the archive was expected to be refused", desc_in, desc_out
    got = answer(ans, graph)
    if sorted(got) != sorted(outs):
        return "FAIL", "answer members %s, outputs %s" % (sorted(got), sorted(outs)), \
            desc_in, desc_out
    bad = []
    for n, (shp, a, t) in outs.items():
        bad += check_out(n or "output", got[n], shp, a, t)
    if bad:
        return "FAIL", "; ".join(bad), desc_in, desc_out
    # each example alone (batch 1) gives its row of the batch answer: no mixing across the batch
    for i in range(B):
        one = answer(rdwr(pred, encode({n: v[i:i + 1] for n, v in xs.items()}, graph)), graph)
        for n in outs:
            w = got[n][i:i + 1].astype(np.float64)
            g = one.get(n, np.zeros(0)).astype(np.float64)
            e = np.abs(g - w).max() / max(np.abs(w).max(), 1e-30) if g.shape == w.shape else None
            if e is None or e > 1e-5:
                bad.append("%s: example %d alone differs from its row in the batch (%s)"
                           % (n or "output", i, "shape %s" % (g.shape,) if e is None else
                              "rel err %.3g" % e))
    if bad:
        return "FAIL", "; ".join(bad), desc_in, desc_out
    ranges = " ".join("[%.3g, %.3g]" % (float(v.min()), float(v.max())) for v in got.values())
    return "PASS", "values in %s; batch rows = batch-1 runs" % ranges, desc_in, desc_out


cmd = sys.argv[1]
if cmd == "run":
    key, arch, mnt = sys.argv[2:5]
    st, why, di, do = run(key, arch, mnt)
    if key in KNOWN_BUGS:
        if st == "FAIL":
            st, why = "KNOWN BUG", KNOWN_BUGS[key] + " (now: " + why + ")"
        else:
            st, why = "FAIL", "listed in KNOWN_BUGS but %s: remove it from the list" % st
    print("%s\t%s\t%s\t%s\t%s" % (st, key, di, do, why))
    sys.exit({"PASS": 0, "REFUSED": 0, "KNOWN BUG": 2}.get(st, 1))
elif cmd == "keys":            # the test's lists, to check each entry matched an archive
    for d in ("REFUSE", "CNN", "KNOWN_BUGS"):
        for k in globals()[d]:
            print(d, k)
sys.exit(0)
EOF

n=0 known=0
: >"$WORK/table"
: >"$WORK/seen"
for arch in $(list_archives); do
	n=$((n + 1))
	key=$(basename "$(dirname "$arch")")/$(basename "$arch")
	echo "$key" >>"$WORK/seen"
	mnt=$WORK/m$n
	if ! mount_model "$arch" "$mnt"; then
		fail "$key: mount failed"
		printf 'FAIL\t%s\t-\t-\tmount failed\n' "$key" >>"$WORK/table"
		continue
	fi
	rc=0
	line=$($PY "$H" run "$key" "$arch" "$mnt" 2>&1) || rc=$?
	echo "$line" >>"$WORK/table"
	case $rc in
	0) ok "$key: $(echo "$line" | cut -f1,5)" ;;
	2) known=$((known + 1)); echo "KNOWN BUG: $key: $(echo "$line" | cut -f5)" ;;
	*) fail "$key: $line" ;;
	esac
	fusermount3 -u "$mnt"
	MOUNTS=$(echo "$MOUNTS" | tr ' ' '\n' | grep -vxF "$mnt" | tr '\n' ' ')
	drc=0
	wait "$pid" || drc=$?
	if [ $drc != 0 ] || grep -Eq "Sanitizer|runtime error" "$WORK/daemon.err"; then
		fail "$key: daemon exited $drc:" \
			"$(grep -E -m3 'Sanitizer|runtime error|SUMMARY' "$WORK/daemon.err")"
	fi
done
[ $n -gt 0 ] || fail "no archives found"
# every entry of the test's own lists must name an archive that was found (no stale entries;
# corpus-only entries are fine when ../shared/corpus is absent)
$PY "$H" keys | while read -r list k; do
	if ! grep -qxF "$k" "$WORK/seen"; then
		case $k in wild/*) [ -d "$CORPUS" ] || continue ;; esac
		echo "STALE: $list entry $k matches no archive"
	fi
done >"$WORK/stale"
if [ -s "$WORK/stale" ]; then fail "$(cat "$WORK/stale")"
else ok "every REFUSE/CNN/KNOWN_BUGS entry matched an archive"; fi

echo
echo "per-archive results ($n archives):"
printf 'RESULT\tARCHIVE\tINPUT\tOUTPUT (activation)\tDETAIL\n' | cat - "$WORK/table" >"$WORK/t2"
column -t -s "$(printf '\t')" "$WORK/t2" 2>/dev/null || cat "$WORK/t2"
echo
cnt() { grep -c "^$1" "$WORK/table" || true; }
echo "$(cnt PASS) ran plausibly, $(cnt REFUSED) refused as expected, $known KNOWN BUG(s)," \
	"$(cnt FAIL) failed"
[ "$known" = 0 ] || echo "KNOWN BUG: $known archive(s) fail for an engine bug in KNOWN_BUGS (above)"
finish
