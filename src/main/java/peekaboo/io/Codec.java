package peekaboo.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/** Little-endian conversion between safetensors dtypes and tensors. Half and narrow integer types are widened on read. */
final class Codec {
    private Codec() {}

    static int width(String dtype) {
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16", "I16" -> 2;
            case "I8", "U8", "BOOL" -> 1;
            default -> -1;
        };
    }

    static String name(DType d) {
        return switch (d) {
            case F32 -> "F32";
            case F64 -> "F64";
            case I64 -> "I64";
            case U8 -> "U8";
            case BOOL -> "BOOL";
        };
    }

    static Tensor decode(String dtype, int[] shape, ByteBuffer b) {
        int n = Shape.numel(shape);
        switch (dtype) {
            case "F32": {
                float[] v = new float[n];
                b.asFloatBuffer().get(v);
                return Tensor.of(v, shape);
            }
            case "F64": {
                double[] v = new double[n];
                b.asDoubleBuffer().get(v);
                return Tensor.of(v, shape);
            }
            case "I64": {
                long[] v = new long[n];
                b.asLongBuffer().get(v);
                return Tensor.of(v, shape);
            }
            case "I32": {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = b.getInt(4 * i);
                return Tensor.of(v, shape);
            }
            case "I16": {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = b.getShort(2 * i);
                return Tensor.of(v, shape);
            }
            case "I8": {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) v[i] = b.get(i);
                return Tensor.of(v, shape);
            }
            case "F16": {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) v[i] = halfToFloat(b.getShort(2 * i));
                return Tensor.of(v, shape);
            }
            case "BF16": {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) v[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
                return Tensor.of(v, shape);
            }
            case "U8":
            case "BOOL": {
                byte[] v = new byte[n];
                b.get(v);
                if (dtype.equals("BOOL")) for (int i = 0; i < n; i++) v[i] = (byte) (v[i] != 0 ? 1 : 0);
                return Tensor.ofBytes(dtype.equals("U8") ? DType.U8 : DType.BOOL, v, shape);
            }
            default:
                throw new IllegalArgumentException("unsupported safetensors dtype " + dtype);
        }
    }

    /** IEEE 754 binary16 to float (exact). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff, sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp != 0) return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
        float sub = mant * 0x1p-24f; // subnormal half: mant x 2^-24
        return sign != 0 ? -sub : sub;
    }

    /** Writes a tensor's elements (row-major) in chunks, so a large tensor needs no second full copy as bytes. */
    static void encode(Tensor t, OutputStream out) throws IOException {
        final int chunk = 1 << 16;
        ByteBuffer buf = ByteBuffer.allocate(chunk * 8).order(ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case F32 -> {
                float[] v = t.toFloatArray();
                for (int i = 0; i < v.length; i += chunk) {
                    buf.clear();
                    int m = Math.min(chunk, v.length - i);
                    buf.asFloatBuffer().put(v, i, m);
                    out.write(buf.array(), 0, m * 4);
                }
            }
            case F64 -> {
                double[] v = t.toDoubleArray();
                for (int i = 0; i < v.length; i += chunk) {
                    buf.clear();
                    int m = Math.min(chunk, v.length - i);
                    buf.asDoubleBuffer().put(v, i, m);
                    out.write(buf.array(), 0, m * 8);
                }
            }
            case I64 -> {
                long[] v = t.toLongArray();
                for (int i = 0; i < v.length; i += chunk) {
                    buf.clear();
                    int m = Math.min(chunk, v.length - i);
                    buf.asLongBuffer().put(v, i, m);
                    out.write(buf.array(), 0, m * 8);
                }
            }
            case U8, BOOL -> {
                long[] v = t.toLongArray();
                byte[] b = new byte[v.length];
                for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
                out.write(b);
            }
        }
    }
}
