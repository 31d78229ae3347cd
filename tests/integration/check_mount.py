"""check_mount.py ARCHIVE MOUNTPOINT - checks a dl4jfs mount against independent readers:
Python's zipfile for the raw entries and ref.py (an independent ND4J reader) for the decoded
parameter views. Prints one line per failure; exit status 1 if any."""
import json, os, sys, zipfile
import numpy as np
sys.path.insert(0, os.path.dirname(__file__))
from ref import read_array

arch, mnt = sys.argv[1], sys.argv[2]
fails = []
def check(cond, msg):
    if not cond:
        fails.append(msg)

z = zipfile.ZipFile(arch)
names = [i.filename for i in z.infolist() if not i.is_dir()]

# 1. every entry byte-identical (objects/ are shown decoded; raw bytes under raw/)
for n in names:
    p = os.path.join(mnt, "raw", n) if n.startswith("objects/") else os.path.join(mnt, n)
    try:
        got = open(p, "rb").read()
    except OSError as e:
        check(False, f"{n}: cannot read {p}: {e}")
        continue
    check(got == z.read(n), f"{n}: bytes differ from zipfile's")

# 2. exact sizes in stat for every file in the mount (cheap ones; csv included)
for root, dirs, files in os.walk(mnt):
    for f in files:
        p = os.path.join(root, f)
        st = os.stat(p).st_size
        n = len(open(p, "rb").read())
        check(st == n, f"{p}: stat size {st} but {n} bytes read")

# 3. parameter views against an independent decode of coefficients.bin
man = json.load(open(os.path.join(mnt, "manifest.json")))
coef = z.read("coefficients.bin") if "coefficients.bin" in names else b""
if coef:
    flat = read_array(coef).reshape(-1)
    check(man["parameterCount"] == flat.size,
          f"parameterCount {man['parameterCount']} != coefficients length {flat.size}")
    parts = []
    for p in man["parameters"]:
        path = os.path.join(mnt, "params", p["key"] + ".npy")
        a = np.load(path)
        m = np.load(path, mmap_mode="r")
        check(list(a.shape) == p["shape"], f"{p['key']}: npy shape {a.shape} vs {p['shape']}")
        check(a.dtype == flat.dtype.newbyteorder("="), f"{p['key']}: dtype {a.dtype} vs {flat.dtype}")
        check(np.array_equal(np.asarray(m), a, equal_nan=True), f"{p['key']}: mmap load differs")
        order = "F" if p["order"] == "f" else "C"
        parts.append(a.reshape(-1, order=order))
        # the CSV view parses back bit-exactly to the same values
        c = np.loadtxt(os.path.join(mnt, "params", p["key"] + ".csv"), delimiter=",",
                       dtype=np.float64, ndmin=1).astype(a.dtype).reshape(a.shape)
        check(np.array_equal(c.view(np.uint8), np.ascontiguousarray(a).view(np.uint8))
              or np.array_equal(c, a, equal_nan=True), f"{p['key']}: csv values differ from npy")
    cat = np.concatenate(parts) if parts else np.zeros(0)
    check(cat.size == flat.size, f"views hold {cat.size} values, coefficients {flat.size}")
    if cat.size == flat.size:
        check(np.array_equal(cat, flat.astype(cat.dtype), equal_nan=True),
              "parameter views concatenated in layout order differ from coefficients.bin")
    # 0.5.0 and 0.8.0 regression archives hold the ramp 1..N
    if "/050/" in arch or "/080/" in arch:
        check(np.array_equal(cat, np.arange(1, flat.size + 1, dtype=cat.dtype)),
              "regression archive parameters are not the ramp 1..N")

# 4. DL4J's own per-parameter arrays name the keys and shapes (integration tests)
gdir = os.path.join(os.path.dirname(arch), "gradients")
if os.path.isdir(gdir):
    keys = {p["key"]: p["shape"] for p in man["parameters"]}
    for g in os.listdir(gdir):
        k = g[:-4]
        ga = read_array(open(os.path.join(gdir, g), "rb").read())
        check(k in keys, f"gradients/{g}: DL4J key {k} has no view")
        if k in keys:
            check(list(ga.shape) == keys[k] or int(np.prod(ga.shape)) == int(np.prod(keys[k])) and
                  len(ga.shape) == 2 and min(ga.shape) == 1 and len(keys[k]) == 1,
                  f"{k}: shape {keys[k]} but DL4J's gradient is {list(ga.shape)}")

# 5. summary mentions the total
summ = open(os.path.join(mnt, "summary.txt")).read()
check(f"{man['parameterCount']:,}" in summ or str(man["parameterCount"]) in summ,
      "summary.txt does not state the parameter total")

for f in fails:
    print(f"FAIL: {os.path.basename(arch)}: {f}")
sys.exit(1 if fails else 0)
