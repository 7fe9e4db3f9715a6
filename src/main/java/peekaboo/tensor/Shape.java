package peekaboo.tensor;

import java.util.Arrays;

/** Static helpers on shapes and strides (int arrays, row-major, NumPy broadcasting). */
public final class Shape {
    private Shape() {}

    public static int numel(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + str(shape) + " has " + n + " elements, more than the 2^31-1 a tensor can hold");
        }
        return (int) n;
    }

    /** Row-major strides of a contiguous tensor of this shape. */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            strides[i] = s;
            s *= Math.max(shape[i], 1);
        }
        return strides;
    }

    public static boolean isContiguous(int[] shape, int[] strides) {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** The NumPy broadcast of two shapes; throws naming both when they are incompatible. */
    public static int[] broadcast(int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i < n - a.length ? 1 : a[i - (n - a.length)];
            int db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException("shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast together (dimension " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Strides that read a tensor of {@code shape}/{@code strides} broadcast to {@code target} (0 on broadcast dimensions). */
    public static int[] broadcastStrides(int[] shape, int[] strides, int[] target) {
        int[] out = new int[target.length];
        int lead = target.length - shape.length;
        if (lead < 0) throw new IllegalArgumentException("cannot broadcast shape " + str(shape) + " to the smaller rank of " + str(target));
        for (int i = 0; i < target.length; i++) {
            if (i < lead) continue;
            int d = shape[i - lead];
            if (d == target[i]) out[i] = strides[i - lead];
            else if (d == 1) out[i] = 0;
            else throw new IllegalArgumentException("cannot broadcast shape " + str(shape) + " to " + str(target));
        }
        return out;
    }

    /** Normalises a possibly negative dimension index against a rank, with a clear error. */
    public static int dim(int dim, int rank) {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new IllegalArgumentException("dimension " + dim + " is out of range for a tensor of rank " + rank
                    + " (expected -" + r + " to " + (r - 1) + ")");
        }
        return dim < 0 ? dim + r : dim;
    }

    /** Sorted, de-duplicated, normalised dimensions; an empty array means "all dimensions". */
    public static int[] dims(int[] dims, int rank) {
        if (dims.length == 0) {
            int[] all = new int[rank];
            for (int i = 0; i < rank; i++) all[i] = i;
            return all;
        }
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) out[i] = dim(dims[i], rank);
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) throw new IllegalArgumentException("dimension " + out[i] + " appears twice in " + Arrays.toString(dims));
        }
        return out;
    }

    public static String str(int[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) sb.append(", ");
            sb.append(shape[i]);
        }
        return sb.append(']').toString();
    }

    /** Parses "3x32x32" into {3, 32, 32}. */
    public static int[] parse(String text) {
        String[] parts = text.trim().split("[x,]");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) out[i] = Integer.parseInt(parts[i].trim());
        return out;
    }
}
