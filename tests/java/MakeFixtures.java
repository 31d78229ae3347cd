/*
 * MakeFixtures - writes the Java-produced test fixtures of dl4jfs into tests/data/good/java/.
 *
 * Usage: java -cp tests/java/out MakeFixtures <dest dir> <corpus dir>
 * (run through scripts/mkfixtures). Plain JDK 17, no external jars. Everything written here
 * comes from the JVM (ObjectOutputStream, DataOutputStream, java.util.zip), never from dl4jfs:
 *
 *   <name>.ser + <name>.expect   ObjectOutputStream of one object; .expect is, for String and
 *                                byte[], the exact bytes the renderer must give (UTF-8 text /
 *                                raw bytes); for everything else the expected JSON, written by
 *                                hand below next to the Java value it describes.
 *   norm_<type>[_labels].bin     normalizer.bin following FORMAT.md 3.1 (NormalizerSerializer
 *   + .json                      header and strategy payload) with ND4J arrays written by the
 *                                small writer below (variant C FLOAT, one variant A DOUBLE),
 *                                and the statistics Java wrote, in the JSON form of
 *                                codec_norm_to_json (Float.toString / Double.toString).
 *   mlp_objects.zip              a corpus 0.8.0 MLP archive after five addObjectToFile calls.
 *   mlp_norm_<type>.zip          the same archive after addNormalizerToModel.
 *
 * The ND4J writer is validated first against real DL4J files of the corpus: legacy
 * NDArray_longshape_{float,double}.bin (variant B), NDArray_javacpp.bin (variant A DOUBLE) and
 * the 1.0.0-beta6 coefficients.bin of CustomLayerExample_100b6_{float,double} (variant C).
 * Zip entry times are fixed so the output is deterministic.
 */
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.time.LocalDateTime;
import java.util.*;
import java.util.zip.*;

public class MakeFixtures {
	static Path dest;
	static Path corpus;
	static final LocalDateTime ZIP_TIME = LocalDateTime.of(2020, 1, 1, 0, 0, 0);

	public static void main(String[] args) throws Exception {
		if (args.length != 2) {
			System.err.println("usage: MakeFixtures <dest dir> <corpus dir>");
			System.exit(1);
		}
		dest = Paths.get(args[0]);
		corpus = Paths.get(args[1]);
		Files.createDirectories(dest);
		crossCheck();
		objects();
		normalizers();
		archives();
	}

	/* ------------------------------------------------------------ ND4J array writer */

	static final int VAR_A = 0, VAR_B = 1, VAR_C = 2;

	/* Nd4j.write of a c-order array: shape-info buffer then data buffer (FORMAT.md 2). */
	static void writeArray(DataOutputStream d, int variant, boolean dbl, long[] shape,
			       double[] vals) throws IOException {
		String mode = variant == VAR_A ? "JAVACPP" : variant == VAR_B ? "LONG_SHAPE"
									: "MIXED_DATA_TYPES";
		int rank = shape.length;
		long[] info = new long[2 * rank + 4];
		long st = 1;

		info[0] = rank;
		for (int i = rank - 1; i >= 0; i--) {
			info[1 + i] = shape[i];
			info[1 + rank + i] = shape[i] == 1 ? 1 : st; /* ND4J: size-1 dims stride 1 */
			st *= shape[i];
		}
		if (st != vals.length)
			throw new IllegalArgumentException("shape does not match values");
		info[2 * rank + 1] = variant == VAR_C ? (dbl ? 0x4000 : 0x2000) : 0;
		info[2 * rank + 2] = 1;
		info[2 * rank + 3] = 'c';
		d.writeUTF(mode);
		if (variant == VAR_A) {
			d.writeInt(info.length);
			d.writeUTF("INT");
			for (long v : info)
				d.writeInt((int) v);
		} else {
			d.writeLong(info.length);
			d.writeUTF("LONG");
			for (long v : info)
				d.writeLong(v);
		}
		d.writeUTF(mode);
		if (variant == VAR_A)
			d.writeInt(vals.length);
		else
			d.writeLong(vals.length);
		d.writeUTF(dbl ? "DOUBLE" : "FLOAT");
		for (double v : vals) {
			if (dbl)
				d.writeDouble(v);
			else
				d.writeFloat((float) v);
		}
	}

	static byte[] arrayBytes(int variant, boolean dbl, long[] shape, double[] vals)
			throws IOException {
		ByteArrayOutputStream bo = new ByteArrayOutputStream();
		DataOutputStream d = new DataOutputStream(bo);

		writeArray(d, variant, dbl, shape, vals);
		d.flush();
		return bo.toByteArray();
	}

	static double[] ramp(int n) {
		double[] v = new double[n];

		for (int i = 0; i < n; i++)
			v[i] = i + 1;
		return v;
	}

	static byte[] zipEntry(Path zip, String name) throws IOException {
		try (ZipFile z = new ZipFile(zip.toFile())) {
			ZipEntry e = z.getEntry(name);
			try (InputStream in = z.getInputStream(e)) {
				return in.readAllBytes();
			}
		}
	}

	/* Element values of an array as DL4J wrote it (both headers skipped). */
	static double[] readValues(byte[] b, boolean dbl) throws IOException {
		DataInputStream in = new DataInputStream(new ByteArrayInputStream(b));
		boolean i32 = in.readUTF().equals("JAVACPP");
		long n = i32 ? in.readInt() : in.readLong();

		in.readUTF();
		for (long i = 0; i < n; i++) {
			if (i32)
				in.readInt();
			else
				in.readLong();
		}
		in.readUTF();
		int cnt = (int) (i32 ? in.readInt() : in.readLong());
		in.readUTF();
		double[] v = new double[cnt];
		for (int i = 0; i < cnt; i++)
			v[i] = dbl ? in.readDouble() : in.readFloat();
		return v;
	}

	static void expectSame(String what, byte[] ours, byte[] real) {
		if (!Arrays.equals(ours, real))
			throw new IllegalStateException("array writer cross-check failed: " + what);
		System.out.println("cross-check ok: " + what + " (" + real.length + " bytes)");
	}

	static void crossCheck() throws IOException {
		Path legacy = corpus.resolve("dl4j-test-resources/legacy");
		Path b6 = corpus.resolve("dl4j-test-resources/regression_testing/100b6");

		expectSame("legacy/NDArray_longshape_float.bin",
			   arrayBytes(VAR_B, false, new long[] { 1, 5 }, ramp(5)),
			   Files.readAllBytes(legacy.resolve("NDArray_longshape_float.bin")));
		expectSame("legacy/NDArray_longshape_double.bin",
			   arrayBytes(VAR_B, true, new long[] { 1, 5 }, ramp(5)),
			   Files.readAllBytes(legacy.resolve("NDArray_longshape_double.bin")));
		/* its values are linspace(1, 120) as computed by ND4J (7.000000000000001 ...) */
		byte[] jcpp = Files.readAllBytes(legacy.resolve("NDArray_javacpp.bin"));
		expectSame("legacy/NDArray_javacpp.bin",
			   arrayBytes(VAR_A, true, new long[] { 2, 3, 4, 5 }, readValues(jcpp, true)),
			   jcpp);
		for (String t : new String[] { "float", "double" }) {
			boolean dbl = t.equals("double");
			String name = "CustomLayerExample_100b6_" + t + ".bin";
			byte[] real = zipEntry(b6.resolve(name), "coefficients.bin");
			double[] v = readValues(real, dbl);

			expectSame("100b6/" + name + "!coefficients.bin",
				   arrayBytes(VAR_C, dbl, new long[] { 1, v.length }, v), real);
		}
	}

	/* ------------------------------------------------------------ Java objects */

	static byte[] serialize(Object o) throws IOException {
		ByteArrayOutputStream bo = new ByteArrayOutputStream();

		try (ObjectOutputStream oos = new ObjectOutputStream(bo)) {
			oos.writeObject(o);
		}
		return bo.toByteArray();
	}

	static void write(String name, byte[] b) throws IOException {
		Files.write(dest.resolve(name), b);
	}

	static void objRaw(String name, Object o, byte[] expect) throws IOException {
		write(name + ".ser", serialize(o));
		write(name + ".expect", expect);
	}

	static void obj(String name, Object o, String expectJson) throws IOException {
		write(name + ".ser", serialize(o));
		write(name + ".expect", (expectJson + "\n").getBytes(StandardCharsets.UTF_8));
	}

	static String longString() {
		StringBuilder sb = new StringBuilder();

		for (int i = 0; i < 70000; i++)
			sb.append(i % 10 == 9 ? '\u00e9' : (char) ('a' + i % 26));
		return sb.toString();
	}

	static void objects() throws IOException {
		String uni = "h\u00e9\u20ac\u0000\uD83D\uDE00 \u00fc";
		String lng = longString();

		objRaw("string_ascii", "hello, world", "hello, world".getBytes(StandardCharsets.UTF_8));
		objRaw("string_unicode", uni, uni.getBytes(StandardCharsets.UTF_8));
		objRaw("string_long", lng, lng.getBytes(StandardCharsets.UTF_8));
		objRaw("string_empty", "", new byte[0]);
		byte[] bytes = { 1, 2, 3, -1, 0, 127, -128 };
		objRaw("bytes", bytes, bytes);
		objRaw("bytes_empty", new byte[0], new byte[0]);

		obj("integer", Integer.valueOf(42), "42");
		obj("integer_min", Integer.valueOf(Integer.MIN_VALUE), "-2147483648");
		obj("long", Long.valueOf(1099511627783L), "1099511627783");
		obj("long_min", Long.valueOf(Long.MIN_VALUE), "-9223372036854775808");
		obj("short", Short.valueOf((short) -7), "-7");
		obj("byte", Byte.valueOf((byte) -128), "-128");
		obj("character", Character.valueOf('\u00e9'), "\"\u00e9\"");
		obj("float", Float.valueOf(0.375f), "0.375");
		obj("double", Double.valueOf(0.1), "0.1");
		obj("boolean", Boolean.TRUE, "true");
		obj("int_array", new int[] { 1, -2, 2147483647, -2147483648 },
		    "[1, -2, 2147483647, -2147483648]");
		/* compared at float precision by the test */
		obj("float_array",
		    new float[] { 1.5f, -0.25f, 0.1f, Float.MAX_VALUE, Float.MIN_VALUE },
		    "[1.5, -0.25, 0.1, 3.4028235e38, 1.4e-45]");
		obj("double_array",
		    new double[] { 0.1, -1e-300, Double.MAX_VALUE, Double.MIN_VALUE, Double.NaN,
				   Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY },
		    "[0.1, -1e-300, 1.7976931348623157e308, 4.9e-324, \"NaN\", \"Infinity\","
				    + " \"-Infinity\"]");
		obj("long_array", new long[] { -1L, 1L << 62 }, "[-1, 4611686018427387904]");
		obj("boolean_array", new boolean[] { true, false }, "[true, false]");
		obj("char_array", new char[] { 'a', '\u00e9', '\uD83D', '\uDE00' },
		    "\"a\u00e9\uD83D\uDE00\"");
		obj("string_array", new String[] { "a", null, "\u00fc", "a" },
		    "[\"a\", null, \"\u00fc\", \"a\"]");

		ArrayList<Object> al = new ArrayList<>();
		al.add("x");
		al.add(1);
		al.add(2.5);
		al.add(true);
		al.add(null);
		al.add("x");
		obj("arraylist", al, "[\"x\", 1, 2.5, true, null, \"x\"]");

		HashMap<String, Integer> hm = new HashMap<>();
		hm.put("one", 1);
		hm.put("two", 2);
		hm.put("three", 3);
		obj("hashmap", hm, "{\"one\": 1, \"two\": 2, \"three\": 3}");

		LinkedHashMap<String, Integer> lhm = new LinkedHashMap<>();
		lhm.put("z", 1);
		lhm.put("a", 2);
		lhm.put("m", 3);
		obj("linkedhashmap", lhm, "{\"z\": 1, \"a\": 2, \"m\": 3}");

		obj("nested", nested(),
		    "{\"list\": [1, 2, [3, 4]], \"linked\": {\"k\": [1, 2], \"s\": \"v\"},"
				    + " \"set\": [1, 2, 3], \"tree\": {\"a\": 1, \"b\": 2},"
				    + " \"ints\": {\"1\": \"one\", \"2\": \"two\"}, \"empty\": [],"
				    + " \"treeset\": [\"a\", \"b\"], \"linkedlist\": [5, 6],"
				    + " \"hashtable\": {\"h\": 1}, \"linkedset\": [\"q\", \"p\"],"
				    + " \"pairs\": [[[1], \"list key\"]]}");

		obj("custom", new FixCustom(), CUSTOM_JSON);
		obj("writeobject", new FixWriteObject(),
		    "{\"class\": \"FixWriteObject\", \"fields\": {\"n\": 5}, \"annotations\":"
				    + " {\"FixWriteObject\": [{\"blockdata\": \"AQIDBAACaGk=\"}, \"obj\"]}}");
		obj("enum", FixColor.GREEN, "{\"enum\": \"FixColor\", \"name\": \"GREEN\"}");

		ArrayList<Object> cyc = new ArrayList<>();
		cyc.add(cyc);
		cyc.add("end");
		/* handles: 0x7e0000 ArrayList class descriptor, 0x7e0001 the list itself */
		obj("cycle", cyc, "[{\"ref\": 8257537}, \"end\"]");
	}

	static final String CUSTOM_JSON = "{\"class\": \"FixCustom\", \"fields\": {"
			+ "\"baseId\": 7, \"baseName\": \"base\", \"b\": -3, \"c\": \"Z\", \"d\": 0.1,"
			+ " \"f\": 0.375, \"i\": 123456, \"l\": 1125899906842624, \"s\": -300,"
			+ " \"z\": true, \"arr\": [1, 2], \"color\": {\"enum\": \"FixColor\","
			+ " \"name\": \"RED\"}, \"list\": [\"u\", \"v\"], \"other\": null,"
			+ " \"str\": \"custom \u00e9\"}}";

	static HashMap<String, Object> nested() {
		HashMap<String, Object> m = new HashMap<>();
		ArrayList<Object> list = new ArrayList<>(List.of(1, 2));
		list.add(new ArrayList<>(List.of(3, 4)));
		m.put("list", list);
		LinkedHashMap<String, Object> linked = new LinkedHashMap<>();
		linked.put("k", new int[] { 1, 2 });
		linked.put("s", "v");
		m.put("linked", linked);
		m.put("set", new HashSet<>(List.of(3, 1, 2)));
		TreeMap<String, Integer> tree = new TreeMap<>();
		tree.put("b", 2);
		tree.put("a", 1);
		m.put("tree", tree);
		HashMap<Integer, String> ints = new HashMap<>();
		ints.put(1, "one");
		ints.put(2, "two");
		m.put("ints", ints);
		m.put("empty", new ArrayList<>());
		m.put("treeset", new TreeSet<>(List.of("b", "a")));
		m.put("linkedlist", new LinkedList<>(List.of(5, 6)));
		Hashtable<String, Integer> ht = new Hashtable<>();
		ht.put("h", 1);
		m.put("hashtable", ht);
		LinkedHashSet<String> ls = new LinkedHashSet<>();
		ls.add("q");
		ls.add("p");
		m.put("linkedset", ls);
		/* a map whose key is a list: rendered as a list of [key, value] pairs */
		HashMap<Object, String> pairs = new HashMap<>();
		pairs.put(new ArrayList<>(List.of(1)), "list key");
		m.put("pairs", pairs);
		return m;
	}

	/* ------------------------------------------------------------ normalizers */

	static class Norm {
		final ByteArrayOutputStream bo = new ByteArrayOutputStream();
		final DataOutputStream d = new DataOutputStream(bo);
		final StringBuilder js = new StringBuilder();
		int variant = VAR_C;
		boolean dbl = false;

		Norm(String type) throws IOException {
			d.writeUTF("NORMALIZER");
			d.writeInt(1);
			d.writeUTF(type);
			js.append("{\"type\": \"").append(type).append('"');
		}

		Norm key(String k) {
			js.append(", \"").append(k).append("\": ");
			return this;
		}

		Norm raw(String s) {
			js.append(s);
			return this;
		}

		void bool(String k, boolean v) throws IOException {
			d.writeBoolean(v);
			key(k).raw(Boolean.toString(v));
		}

		void i32(String k, int v) throws IOException {
			d.writeInt(v);
			if (k != null)
				key(k).raw(Integer.toString(v));
		}

		void f64(String k, double v) throws IOException {
			d.writeDouble(v);
			key(k).raw(Double.toString(v));
		}

		/* One [1,n] statistics array; JSON nested by shape. */
		void arr(String k, double... vals) throws IOException {
			writeArray(d, variant, dbl, new long[] { 1, vals.length }, vals);
			if (k != null)
				key(k);
			js.append("[[");
			for (int i = 0; i < vals.length; i++) {
				if (i > 0)
					js.append(", ");
				js.append(dbl ? Double.toString(vals[i]) : Float.toString((float) vals[i]));
			}
			js.append("]]");
		}

		void save(String name) throws IOException {
			d.flush();
			write(name + ".bin", bo.toByteArray());
			write(name + ".json", (js + "}\n").getBytes(StandardCharsets.UTF_8));
		}
	}

	static final Map<String, byte[]> NORMS = new LinkedHashMap<>();

	static void keep(String name, Norm n) throws IOException {
		n.save(name);
		NORMS.put(name, Files.readAllBytes(dest.resolve(name + ".bin")));
	}

	static void standardize(Norm n, boolean labels) throws IOException {
		n.bool("fitLabels", labels);
		n.arr("mean", 0.1, -2.5, 3.14159);
		n.arr("std", 1.0, 0.5, 1e-5);
		if (labels) {
			n.arr("labelMean", 10.25, -0.001);
			n.arr("labelStd", 2.0, 123456.789);
		}
	}

	static void minMax(Norm n, boolean labels) throws IOException {
		n.bool("fitLabels", labels);
		n.f64("targetMin", labels ? -1.0 : 0.0);
		n.f64("targetMax", 1.0);
		n.arr("min", -5.115, 0.0, 1e-3);
		n.arr("max", 60.122, 1.0, 255.0);
		if (labels) {
			n.arr("labelMin", -1.5);
			n.arr("labelMax", 7.75);
		}
	}

	static void multi(Norm n, boolean minmax, boolean labels) throws IOException {
		n.bool("fitLabels", labels);
		n.i32("numInputs", 2);
		n.i32("numOutputs", labels ? 1 : -1);
		if (minmax) {
			n.f64("targetMin", -1.0);
			n.f64("targetMax", 1.0);
		}
		String a = minmax ? "min" : "mean", b = minmax ? "max" : "std";
		n.key("inputs").raw("[{\"" + a + "\": ");
		n.arr(null, 0.5, 1.5);
		n.raw(", \"" + b + "\": ");
		n.arr(null, 2.5, 3.5);
		n.raw("}, {\"" + a + "\": ");
		n.arr(null, -0.75, 0.2, 0.3);
		n.raw(", \"" + b + "\": ");
		n.arr(null, 4.0, 5.0, 6.0);
		n.raw("}]");
		if (labels) {
			n.key("outputs").raw("[{\"" + a + "\": ");
			n.arr(null, 0.125);
			n.raw(", \"" + b + "\": ");
			n.arr(null, 9.5);
			n.raw("}]");
		}
	}

	static void hybrid(Norm n) throws IOException {
		/* statsMap(inputs): 2 entries */
		n.i32(null, 2);
		n.key("inputStats").raw("[{\"index\": 0, \"strategy\": \"STANDARDIZE\", \"mean\": ");
		n.i32(null, 0);
		n.i32(null, 1);
		n.arr(null, 0.1, 0.2);
		n.raw(", \"std\": ");
		n.arr(null, 1.1, 1.2);
		n.raw("}, {\"index\": 1, \"strategy\": \"MIN_MAX\", \"min\": ");
		n.i32(null, 1);
		n.i32(null, 2);
		n.arr(null, -3.0);
		n.raw(", \"max\": ");
		n.arr(null, 3.0);
		n.raw("}]");
		/* statsMap(outputs): 1 entry */
		n.i32(null, 1);
		n.key("outputStats").raw("[{\"index\": 0, \"strategy\": \"MIN_MAX\", \"min\": ");
		n.i32(null, 0);
		n.i32(null, 2);
		n.arr(null, 0.0, 0.5);
		n.raw(", \"max\": ");
		n.arr(null, 1.0, 2.5);
		n.raw("}]");
		/* global input strategy: standardize; global output: none */
		n.i32(null, 1);
		n.key("globalInputStrategy").raw("{\"strategy\": \"STANDARDIZE\"}");
		n.i32(null, 0);
		n.key("globalOutputStrategy").raw("null");
		/* per-input strategies: {1: min/max(-1, 1)}; per-output: none */
		n.i32(null, 1);
		n.i32(null, 1);
		n.i32(null, 2);
		n.d.writeDouble(-1.0);
		n.d.writeDouble(1.0);
		n.key("perInputStrategies").raw("[{\"index\": 1, \"strategy\": \"MIN_MAX\", "
						+ "\"minRange\": -1.0, \"maxRange\": 1.0}]");
		n.i32(null, 0);
		n.key("perOutputStrategies").raw("[]");
	}

	static void normalizers() throws IOException {
		Norm n;

		for (boolean labels : new boolean[] { false, true }) {
			String sfx = labels ? "_labels" : "";

			n = new Norm("STANDARDIZE");
			standardize(n, labels);
			keep("norm_standardize" + sfx, n);
			n = new Norm("MIN_MAX");
			minMax(n, labels);
			keep("norm_min_max" + sfx, n);
			n = new Norm("MULTI_STANDARDIZE");
			multi(n, false, labels);
			keep("norm_multi_standardize" + sfx, n);
			n = new Norm("MULTI_MIN_MAX");
			multi(n, true, labels);
			keep("norm_multi_min_max" + sfx, n);
		}
		n = new Norm("STANDARDIZE");
		n.variant = VAR_A;
		n.dbl = true;
		standardize(n, false);
		keep("norm_standardize_double_a", n);

		n = new Norm("IMAGE_MIN_MAX");
		n.f64("minRange", 0.0);
		n.f64("maxRange", 1.0);
		n.f64("maxPixelVal", 255.0);
		keep("norm_image_min_max", n);

		n = new Norm("IMAGE_VGG16");
		n.key("payloadBytes").raw("0");
		keep("norm_image_vgg16", n);

		n = new Norm("MULTI_HYBRID");
		hybrid(n);
		keep("norm_multi_hybrid", n);

		n = new Norm("CUSTOM");
		n.d.writeUTF("com.example.MyNormalizerStrategy");
		n.d.write(new byte[] { (byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 0, 1, 2, 3 });
		n.key("strategyClass").raw("\"com.example.MyNormalizerStrategy\"");
		n.key("payloadBytes").raw("8");
		n.key("payload").raw("\"" + Base64.getEncoder().encodeToString(
				new byte[] { (byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 0, 1, 2, 3 })
				+ "\"");
		keep("norm_custom", n);

		/* pre-NormalizerSerializer form: a Java-serialized DataNormalization look-alike */
		byte[] legacy = serialize(new FixLegacyNormalizer());
		write("norm_legacy.bin", legacy);
		NORMS.put("norm_legacy", legacy);
	}

	/* ------------------------------------------------------------ archives */

	/* ModelSerializer's copy loop: every entry re-compressed as a fresh ZipEntry(name). */
	static void copyEntries(ZipFile zf, ZipOutputStream zo, String skip) throws IOException {
		Enumeration<? extends ZipEntry> en = zf.entries();

		while (en.hasMoreElements()) {
			ZipEntry e = en.nextElement();

			if (skip != null && e.getName().equalsIgnoreCase(skip))
				continue;
			try (InputStream is = zf.getInputStream(e)) {
				ZipEntry w = new ZipEntry(e.getName());
				w.setTimeLocal(ZIP_TIME);
				zo.putNextEntry(w);
				is.transferTo(zo);
				zo.closeEntry();
			}
		}
	}

	/* ModelSerializer.addObjectToFile(f, key, o) */
	static void addObjectToFile(Path f, String key, Object o) throws IOException {
		Path tmp = Files.createTempFile("dl4jModelSerializerTemp", "bin");

		try {
			Files.copy(f, tmp, StandardCopyOption.REPLACE_EXISTING);
			Files.delete(f);
			try (ZipFile zf = new ZipFile(tmp.toFile());
			     ZipOutputStream zo = new ZipOutputStream(
					     new BufferedOutputStream(new FileOutputStream(f.toFile())))) {
				copyEntries(zf, zo, null);
				byte[] bytes = serialize(o);
				ZipEntry e = new ZipEntry("objects/" + key);
				e.setTimeLocal(ZIP_TIME);
				e.setSize(bytes.length);
				zo.putNextEntry(e);
				zo.write(bytes);
				zo.closeEntry();
			}
		} finally {
			Files.deleteIfExists(tmp);
		}
	}

	/* ModelSerializer.addNormalizerToModel(f, normalizer), normalizer already serialized */
	static void addNormalizerToModel(Path f, byte[] normalizerBin) throws IOException {
		Path tmp = Files.createTempFile("dl4jModelSerializerTemp", "bin");

		try {
			Files.copy(f, tmp, StandardCopyOption.REPLACE_EXISTING);
			try (ZipFile zf = new ZipFile(tmp.toFile());
			     ZipOutputStream zo = new ZipOutputStream(
					     new BufferedOutputStream(new FileOutputStream(f.toFile())))) {
				copyEntries(zf, zo, "normalizer.bin");
				ZipEntry e = new ZipEntry("normalizer.bin");
				e.setTimeLocal(ZIP_TIME);
				zo.putNextEntry(e);
				zo.write(normalizerBin);
			}
		} finally {
			Files.deleteIfExists(tmp);
		}
	}

	static void archives() throws IOException {
		Path mlp = corpus.resolve(
				"dl4j-test-resources/regression_testing/080/080_ModelSerializer_Regression_MLP_1.zip");
		Path objs = dest.resolve("mlp_objects.zip");
		HashMap<String, Object> map = new HashMap<>();

		map.put("epochs", 12);
		map.put("labels", new ArrayList<>(List.of("cat", "dog")));
		map.put("rate", 0.001);
		Files.write(objs, Files.readAllBytes(mlp));
		addObjectToFile(objs, "text", "hello from java \u00e9");
		addObjectToFile(objs, "blob", new byte[] { 0, 1, 2, (byte) 0xfe, (byte) 0xff });
		addObjectToFile(objs, "map", map);
		addObjectToFile(objs, "custom", new FixCustom());
		addObjectToFile(objs, "name with space", "spaced");
		write("mlp_objects.expect",
		      ("text\thello from java \u00e9\n"
		       + "blob\t000102feff\n"
		       + "map\t{\"epochs\": 12, \"labels\": [\"cat\", \"dog\"], \"rate\": 0.001}\n"
		       + "custom\t" + CUSTOM_JSON + "\n"
		       + "name with space\tspaced\n").getBytes(StandardCharsets.UTF_8));

		for (Map.Entry<String, byte[]> e : NORMS.entrySet()) {
			String name = e.getKey();

			if (name.endsWith("_labels") || name.endsWith("_double_a"))
				continue;
			Path z = dest.resolve("mlp_" + name + ".zip");
			Files.write(z, Files.readAllBytes(mlp));
			addNormalizerToModel(z, e.getValue());
		}
	}
}

enum FixColor { RED, GREEN }

class FixBase implements Serializable {
	private static final long serialVersionUID = 1L;
	int baseId = 7;
	String baseName = "base";
}

class FixCustom extends FixBase {
	private static final long serialVersionUID = 2L;
	byte b = -3;
	char c = 'Z';
	short s = -300;
	int i = 123456;
	long l = 1L << 50;
	float f = 0.375f;
	double d = 0.1;
	boolean z = true;
	String str = "custom \u00e9";
	int[] arr = { 1, 2 };
	ArrayList<String> list = new ArrayList<>(List.of("u", "v"));
	FixBase other = null;
	FixColor color = FixColor.RED;
	transient int skipped = 99;
}

class FixWriteObject implements Serializable {
	private static final long serialVersionUID = 3L;
	int n = 5;

	private void writeObject(ObjectOutputStream out) throws IOException {
		out.defaultWriteObject();
		out.writeInt(0x01020304);
		out.writeUTF("hi");
		out.writeObject("obj");
	}

	private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
		in.defaultReadObject();
		in.readInt();
		in.readUTF();
		in.readObject();
	}
}

/* Stands in for a pre-0.9 DataNormalization written with ObjectOutputStream. */
class FixLegacyNormalizer implements Serializable {
	private static final long serialVersionUID = 4L;
	double[] mean = { 1.0, 2.0 };
	double[] std = { 0.5, 0.25 };
}
