package peekaboo.backend.cpu;

/**
 * Iteration over a shape for several operands with their own strides, as rows of the innermost
 * dimension. Dimensions of size 1 are dropped and neighbours are merged where every operand's strides
 * allow ("coalescing"), so a contiguous or simply broadcast tensor becomes one or a few long rows.
 */
final class Rows {
    private final int[] outerShape;
    private final int[][] outerStrides;
    private final int rowLength;
    private final int[] rowStrides;
    private final int rows;

    private Rows(int[] outerShape, int[][] outerStrides, int rowLength, int[] rowStrides) {
        this.outerShape = outerShape;
        this.outerStrides = outerStrides;
        this.rowLength = rowLength;
        this.rowStrides = rowStrides;
        int r = 1;
        for (int d : outerShape) r *= d;
        this.rows = rowLength == 0 ? 0 : r;
    }

    /** Plans the iteration of {@code shape} for operands with the given strides (one int[] per operand). */
    static Rows plan(int[] shape, int[]... strides) {
        int ops = strides.length;
        int n = shape.length;
        for (int d : shape) {
            if (d == 0) return new Rows(new int[0], new int[ops][0], 0, new int[ops]);
        }
        int[] dims = new int[n];
        int[][] st = new int[ops][n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (shape[i] == 1) continue;
            if (m > 0 && mergeable(st, m - 1, dims[m - 1], strides, i, shape[i])) {
                dims[m - 1] *= shape[i];
                for (int o = 0; o < ops; o++) st[o][m - 1] = strides[o][i];
            } else {
                dims[m] = shape[i];
                for (int o = 0; o < ops; o++) st[o][m] = strides[o][i];
                m++;
            }
        }
        if (m == 0) {
            return new Rows(new int[0], new int[ops][0], 1, new int[ops]);
        }
        int[] outer = java.util.Arrays.copyOf(dims, m - 1);
        int[][] outerStrides = new int[ops][];
        int[] rowStrides = new int[ops];
        for (int o = 0; o < ops; o++) {
            outerStrides[o] = java.util.Arrays.copyOf(st[o], m - 1);
            rowStrides[o] = st[o][m - 1];
        }
        return new Rows(outer, outerStrides, dims[m - 1], rowStrides);
    }

    /** Dimension i (size len) can join the previous merged dimension when for every operand stride[prev] == stride[i] * len. */
    private static boolean mergeable(int[][] st, int prev, int prevLen, int[][] strides, int i, int len) {
        for (int o = 0; o < st.length; o++) {
            if (st[o][prev] != strides[o][i] * len) return false;
        }
        return true;
    }

    int rows() { return rows; }

    int rowLength() { return rowLength; }

    /** Stride of operand {@code op} along a row. */
    int rowStride(int op) { return rowStrides[op]; }

    /** Start offset of row {@code row} for operand {@code op}, relative to the operand's base offset. */
    int rowStart(int op, int row) {
        int off = 0;
        int[] s = outerStrides[op];
        for (int d = outerShape.length - 1; d >= 0; d--) {
            int size = outerShape[d];
            off += (row % size) * s[d];
            row /= size;
        }
        return off;
    }
}
