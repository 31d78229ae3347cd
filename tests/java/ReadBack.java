/*
 * ReadBack - reads one Java-serialized object with the JDK's ObjectInputStream and prints
 * what it is, so that tests can check that bytes written by dl4jfs's encoder are accepted by
 * the JVM.
 *
 * Usage: java -cp <dir> ReadBack <file>...
 * Prints one line per file, in order: "string:<hex of the String's UTF-8 bytes>",
 * "bytes:<hex of the byte[]>", or "other:<class name>". Exits 1 (with the exception on
 * stderr) if the JVM refuses a stream or bytes follow the object.
 */
import java.io.*;
import java.nio.charset.StandardCharsets;

public class ReadBack {
	static String hex(byte[] b) {
		StringBuilder sb = new StringBuilder(b.length * 2);

		for (byte x : b)
			sb.append(String.format("%02x", x & 0xff));
		return sb.toString();
	}

	public static void main(String[] args) {
		if (args.length < 1) {
			System.err.println("usage: ReadBack <file>...");
			System.exit(2);
		}
		for (String f : args)
			readOne(f);
	}

	static void readOne(String file) {
		try (ObjectInputStream in = new ObjectInputStream(new FileInputStream(file))) {
			Object o = in.readObject();

			if (in.read() != -1)
				throw new IOException("bytes follow the object");
			if (o instanceof String)
				System.out.println("string:" + hex(((String) o).getBytes(StandardCharsets.UTF_8)));
			else if (o instanceof byte[])
				System.out.println("bytes:" + hex((byte[]) o));
			else
				System.out.println("other:" + o.getClass().getName());
		} catch (Exception ex) {
			System.err.println("ReadBack: " + file);
			ex.printStackTrace();
			System.exit(1);
		}
	}
}
