/*
 * MakeBig - benchmark input generator: a DL4J-exact MultiLayerNetwork archive of N float
 * parameters, written the way ModelSerializer.writeModel does it (java.util.zip
 * ZipOutputStream: deflate at the default level, data descriptors, flag 0x0808, entries
 * configuration.json then coefficients.bin; no updater state, to keep N = 2^28 at 1 GiB).
 *
 * Network: DenseLayer(nIn -> hidden, relu) + OutputLayer(hidden -> nOut, softmax), in the
 * 1.0.0-beta6 / 2020-04 "@class" JSON dialect, byte for byte the configuration.json of the
 * corpus's dl4j-integration-tests/MLPMoon archive with nin/nout changed so that
 * hidden * (nIn + 1 + nOut) + nOut = N.
 *
 * coefficients.bin is one ND4J array, variant C (MIXED_DATA_TYPES, FLOAT), shape [1, N],
 * stride [1, 1], order 'c' (FORMAT.md 2.1-2.3). Values are Xavier-scaled gaussians from a
 * seeded java.util.Random (biases ~0.01 gaussians), so they deflate like trained float
 * weights (ratio ~0.9). Everything is streamed: the heap never holds more than one chunk.
 *
 * Usage: java MakeBig.java OUT.zip [N_PARAMS]   (default N = 268435456 = 256 Mi floats)
 */
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

public class MakeBig {
    static final String CONFIG = """
            {
              "backpropType" : "Standard",
              "cacheMode" : "NONE",
              "confs" : [ {
                "cacheMode" : "NONE",
                "dataType" : "FLOAT",
                "epochCount" : 0,
                "iterationCount" : 0,
                "layer" : {
                  "@class" : "org.deeplearning4j.nn.conf.layers.DenseLayer",
                  "activationFn" : {
                    "@class" : "org.nd4j.linalg.activations.impl.ActivationReLU",
                    "max" : null,
                    "negativeSlope" : null,
                    "threshold" : null
                  },
                  "biasInit" : 0.0,
                  "biasUpdater" : null,
                  "constraints" : null,
                  "gainInit" : 1.0,
                  "gradientNormalization" : "None",
                  "gradientNormalizationThreshold" : 1.0,
                  "hasBias" : true,
                  "hasLayerNorm" : false,
                  "idropout" : null,
                  "iupdater" : {
                    "@class" : "org.nd4j.linalg.learning.config.Nesterovs",
                    "learningRate" : 0.005,
                    "momentum" : 0.9
                  },
                  "layerName" : "layer0",
                  "nin" : @NIN@,
                  "nout" : @HID@,
                  "regularization" : [ ],
                  "regularizationBias" : [ ],
                  "weightInitFn" : {
                    "@class" : "org.deeplearning4j.nn.weights.WeightInitXavier"
                  },
                  "weightNoise" : null
                },
                "maxNumLineSearchIterations" : 5,
                "miniBatch" : true,
                "minimize" : true,
                "optimizationAlgo" : "STOCHASTIC_GRADIENT_DESCENT",
                "seed" : 123,
                "stepFunction" : null,
                "variables" : [ "W", "b" ]
              }, {
                "cacheMode" : "NONE",
                "dataType" : "FLOAT",
                "epochCount" : 0,
                "iterationCount" : 0,
                "layer" : {
                  "@class" : "org.deeplearning4j.nn.conf.layers.OutputLayer",
                  "activationFn" : {
                    "@class" : "org.nd4j.linalg.activations.impl.ActivationSoftmax"
                  },
                  "biasInit" : 0.0,
                  "biasUpdater" : null,
                  "constraints" : null,
                  "gainInit" : 1.0,
                  "gradientNormalization" : "None",
                  "gradientNormalizationThreshold" : 1.0,
                  "hasBias" : true,
                  "idropout" : null,
                  "iupdater" : {
                    "@class" : "org.nd4j.linalg.learning.config.Nesterovs",
                    "learningRate" : 0.005,
                    "momentum" : 0.9
                  },
                  "layerName" : "layer1",
                  "lossFn" : {
                    "@class" : "org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood",
                    "softmaxClipEps" : 1.0E-10
                  },
                  "nin" : @HID@,
                  "nout" : @NOUT@,
                  "regularization" : [ ],
                  "regularizationBias" : [ ],
                  "weightInitFn" : {
                    "@class" : "org.deeplearning4j.nn.weights.WeightInitXavier"
                  },
                  "weightNoise" : null
                },
                "maxNumLineSearchIterations" : 5,
                "miniBatch" : true,
                "minimize" : true,
                "optimizationAlgo" : "STOCHASTIC_GRADIENT_DESCENT",
                "seed" : 123,
                "stepFunction" : null,
                "variables" : [ "W", "b" ]
              } ],
              "dataType" : "FLOAT",
              "epochCount" : 0,
              "inferenceWorkspaceMode" : "ENABLED",
              "inputPreProcessors" : { },
              "iterationCount" : 0,
              "tbpttBackLength" : 20,
              "tbpttFwdLength" : 20,
              "trainingWorkspaceMode" : "ENABLED",
              "validateOutputLayerConfig" : true
            }""";

    /* Chooses nOut in [2, 64] and hidden | (N - nOut) maximising min(hidden, nIn). */
    static long[] shape(long n) {
        long best = -1, bi = 0, bh = 0, bo = 0;
        for (long k = 2; k <= 64; k++) {
            long m = n - k;
            if (m <= 0)
                break;
            for (long h = 1; h * h <= m; h++) {
                if (m % h != 0)
                    continue;
                for (long hid : new long[] { h, m / h }) {
                    long nin = m / hid - 1 - k;
                    if (nin < 1)
                        continue;
                    long score = Math.min(hid, nin);
                    if (score > best) {
                        best = score;
                        bi = nin;
                        bh = hid;
                        bo = k;
                    }
                }
            }
        }
        if (best < 0)
            throw new IllegalArgumentException("no Dense+Output network has exactly " + n
                    + " parameters (need N >= 6)");
        return new long[] { bi, bh, bo };
    }

    /* Writes count gaussian floats (times scale) big-endian, in chunks. */
    static void gaussians(OutputStream out, Random rnd, long count, double scale, byte[] chunk)
            throws IOException {
        int fill = 0;
        for (long i = 0; i < count; i++) {
            int bits = Float.floatToRawIntBits((float) (rnd.nextGaussian() * scale));
            chunk[fill] = (byte) (bits >>> 24);
            chunk[fill + 1] = (byte) (bits >>> 16);
            chunk[fill + 2] = (byte) (bits >>> 8);
            chunk[fill + 3] = (byte) bits;
            fill += 4;
            if (fill == chunk.length) {
                out.write(chunk, 0, fill);
                fill = 0;
            }
        }
        out.write(chunk, 0, fill);
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: MakeBig OUT.zip [N_PARAMS]");
            System.exit(1);
        }
        long n = args.length > 1 ? Long.parseLong(args[1]) : 256L * 1024 * 1024;
        long[] s = shape(n);
        long nin = s[0], hid = s[1], nout = s[2];
        System.out.printf("layer 0: DenseLayer nIn=%d nOut=%d (W %d + b %d)%n", nin, hid,
                nin * hid, hid);
        System.out.printf("layer 1: OutputLayer nIn=%d nOut=%d (W %d + b %d)%n", hid, nout,
                hid * nout, nout);
        System.out.printf("N = %d parameters (%d bytes of FLOAT)%n", n, 4 * n);

        String conf = CONFIG.replace("@NIN@", Long.toString(nin))
                .replace("@HID@", Long.toString(hid)).replace("@NOUT@", Long.toString(nout));
        long t0 = System.nanoTime();
        try (ZipOutputStream zos = new ZipOutputStream(
                new BufferedOutputStream(new FileOutputStream(args[0]), 1 << 20))) {
            zos.putNextEntry(new ZipEntry("configuration.json"));
            zos.write(conf.getBytes(StandardCharsets.UTF_8));
            zos.closeEntry();

            zos.putNextEntry(new ZipEntry("coefficients.bin"));
            DataOutputStream dos = new DataOutputStream(new BufferedOutputStream(zos, 1 << 20));
            dos.writeUTF("MIXED_DATA_TYPES");
            dos.writeLong(8);
            dos.writeUTF("LONG");
            for (long v : new long[] { 2, 1, n, 1, 1, 0x2000, 1, 'c' })
                dos.writeLong(v);
            dos.writeUTF("MIXED_DATA_TYPES");
            dos.writeLong(n);
            dos.writeUTF("FLOAT");
            dos.flush();

            Random rnd = new Random(12345);
            byte[] chunk = new byte[1 << 20];
            gaussians(dos, rnd, nin * hid, Math.sqrt(2.0 / (nin + hid)), chunk);
            gaussians(dos, rnd, hid, 0.01, chunk);
            gaussians(dos, rnd, hid * nout, Math.sqrt(2.0 / (hid + nout)), chunk);
            gaussians(dos, rnd, nout, 0.01, chunk);
            dos.flush();
            zos.closeEntry();
        }
        System.out.printf("wrote %s in %.1f s%n", args[0], (System.nanoTime() - t0) / 1e9);
    }
}
