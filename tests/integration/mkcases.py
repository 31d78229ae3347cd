"""mkcases.py OUTDIR - builds runtime test archives from the bundled DL4J 0.8.0 MLP:
corrupt.zip (deflated coefficients with a flipped byte: the zip's directory is fine, the data
are not), hostile.zip (dangerous and colliding entry names), noparams.zip (a network with no
parameters, written the way DL4J does: empty coefficients.bin + noParams.marker)."""
import json, os, sys, zipfile, zlib, struct

out = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
src = zipfile.ZipFile(os.path.join(here, "../data/dl4j-test-resources/regression_testing/080/"
                                   "080_ModelSerializer_Regression_MLP_1.zip"))
conf, coef = src.read("configuration.json"), src.read("coefficients.bin")
T = (2020, 1, 2, 3, 4, 6)

def put(z, name, data, method=zipfile.ZIP_DEFLATED):
    z.writestr(zipfile.ZipInfo(name, T), data, method)

# corrupt: a larger network (coefficients past the 64 KiB header prefix read at mount) whose
# stored coefficients.bin has a flipped byte near its end: the zip directory is fine, the data
# are not, and only a full read finds out.
big = json.loads(conf)
l0 = big["confs"][0]["layer"]["dense"]
l0["nin"] = 10000
n = 10000 * l0["nout"] + l0["nout"] + 4 * 5 + 5
def utf(t):
    return struct.pack(">H", len(t)) + t.encode()
info = [2, 1, n, 1, 1, 0, 1, ord("c")]
arr = utf("JAVACPP") + struct.pack(">i", 8) + utf("INT") + b"".join(struct.pack(">i", v) for v in info)
arr += utf("JAVACPP") + struct.pack(">i", n) + utf("FLOAT") + b"".join(struct.pack(">f", i + 1.0) for i in range(n))
p = os.path.join(out, "corrupt.zip")
with zipfile.ZipFile(p, "w") as z:
    put(z, "configuration.json", json.dumps(big).encode())
    put(z, "coefficients.bin", arr, zipfile.ZIP_STORED)
b = bytearray(open(p, "rb").read())
i = b.find(arr[-8:])  # the last two floats of the stored entry
b[i + 3] ^= 0x01
open(p, "wb").write(bytes(b))

# hostile names: traversal, absolute, duplicates, long names, spaces, collision with a view
p = os.path.join(out, "hostile.zip")
with zipfile.ZipFile(p, "w") as z:
    put(z, "configuration.json", conf)
    put(z, "coefficients.bin", coef)
    put(z, "../../escape.txt", b"escape\n")
    put(z, "/abs/olute.txt", b"absolute\n")
    put(z, "dir/./x/../y.txt", b"dots\n")
    put(z, "name with spaces.txt", b"spaces\n")
    put(z, "summary.txt", b"an entry called summary.txt\n")
    put(z, "L" * 300 + ".txt", b"long\n")
    put(z, "dup.txt", b"first\n")
    import warnings
    warnings.simplefilter("ignore")
    put(z, "dup.txt", b"second\n")

# no parameters: one ActivationLayer; DL4J writes an empty coefficients.bin and a marker
c = json.loads(conf)
layer = {"activation": {"activationFn": {"TanH": {}}, "layerName": "act"}}
c["confs"] = [dict(c["confs"][0], layer=layer, variables=[])]
p = os.path.join(out, "noparams.zip")
with zipfile.ZipFile(p, "w") as z:
    put(z, "configuration.json", json.dumps(c, indent=2).encode())
    put(z, "coefficients.bin", b"")
    put(z, "noParams.marker", b"")
