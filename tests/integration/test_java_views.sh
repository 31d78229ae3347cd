#!/bin/sh
# Archives made by the JVM (tests/data/good/java, scripts/mkfixtures): objects/<key> entries
# added as ModelSerializer.addObjectToFile does, and normalizer.bin of every type added as
# addNormalizerToModel does. The mount's decoded views must equal what the Java program says
# it wrote; the raw objects must still be readable by the JDK's ObjectInputStream.
. "$(dirname "$0")/lib.sh"
J=$SRC/tests/data/good/java

mount_model "$J/mlp_objects.zip" "$WORK/o" || fail "mlp_objects.zip did not mount"
$PY - "$WORK/o" "$J/mlp_objects.expect" <<'PYEOF' && ok "objects/ decoded as Java wrote them" || fail "objects/"
import json, sys
mnt, exp = sys.argv[1], sys.argv[2]
bad = 0
for line in open(exp, encoding="utf-8"):
    key, want = line.rstrip("\n").split("\t", 1)
    got = open(f"{mnt}/objects/{key}", "rb").read()
    if key == "blob":
        ok = got.hex() == want
    elif want.startswith("{"):
        ok = json.loads(got) == json.loads(want)
    else:
        ok = got.decode("utf-8") == want
    if not ok:
        print(f"objects/{key}: got {got[:200]!r}, want {want[:200]!r}")
        bad += 1
sys.exit(bad)
PYEOF
for k in text blob map custom "name with space"; do
	unzip -p "$J/mlp_objects.zip" "objects/$k" | cmp -s - "$WORK/o/raw/objects/$k" || fail "raw/objects/$k differs"
done
ok "raw/objects/* byte-identical"
if command -v javac >/dev/null 2>&1; then
	javac -d "$WORK/jc" "$SRC/tests/java/ReadBack.java"
	out=$(java -cp "$WORK/jc" ReadBack "$WORK/o/raw/objects/text" "$WORK/o/raw/objects/blob")
	want="string:$(printf 'hello from java \303\251' | od -An -tx1 | tr -d ' \n')
bytes:000102feff"
	[ "$out" = "$want" ] && ok "JDK ObjectInputStream reads raw/objects from the mount" || fail "ReadBack: $out"
else
	echo "note: javac missing; JDK read-back not run"
fi
unmount_model "$WORK/o"

# every normalizer type: normalizer.json equals the statistics Java wrote
for z in "$J"/mlp_norm_*.zip; do
	t=$(basename "$z" .zip); t=${t#mlp_norm_}
	mnt=$WORK/n_$t
	mount_model "$z" "$mnt" || { fail "$t: mount"; continue; }
	unzip -p "$z" normalizer.bin | cmp -s - "$mnt/normalizer.bin" || fail "$t: normalizer.bin bytes"
	if [ "$t" = legacy ]; then
		$PY -c "
import json,sys; d=json.load(open(sys.argv[1]))
assert d['type'] is None and 'legacy Java-serialized normalizer' in d['error'], d
assert d['legacyObject']['class'], d" "$mnt/normalizer.json" && ok "$t: explained, shown as a Java object tree" || fail "$t: $(cat "$mnt/normalizer.json")"
	else
		$PY -c "
import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2]))
def close(x, y):
    if isinstance(x, dict): return isinstance(y, dict) and x.keys() == y.keys() and all(close(x[k], y[k]) for k in x)
    if isinstance(x, list): return isinstance(y, list) and len(x) == len(y) and all(map(close, x, y))
    if isinstance(x, float) or isinstance(y, float): return abs(x - y) <= 1e-6 * max(1.0, abs(y))
    return x == y
sys.exit(0 if close(a, b) else 1)" "$mnt/normalizer.json" "$J/norm_$t.json" \
			&& ok "$t: normalizer.json = Java's statistics" || fail "$t: $(head -c 300 "$mnt/normalizer.json")"
	fi
	unmount_model "$mnt"
done
finish
