package peekaboo.backend.opencl;

import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * Packs a strided iteration space into the {@code Layout} struct of kernels/common.cl: rank, n,
 * shape[8], strides[4][8], offsets[4]. Dimensions of size 1 are dropped and neighbours merged where
 * every operand allows, so contiguous and simply broadcast tensors become one or two dimensions.
 */
final class Layouts {
    static final int MAXR = 8, MAXOPS = 4, INTS = 2 + MAXR + MAXOPS * MAXR + MAXOPS;

    private Layouts() {}

    /** The layout of {@code shape} for operands with the given strides and offsets. */
    static int[] of(int[] shape, int[] offsets, int[]... strides) {
        int ops = strides.length;
        int[] dims = new int[shape.length];
        int[][] st = new int[ops][shape.length];
        int m = 0;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 1) continue;
            boolean merge = m > 0;
            for (int o = 0; o < ops && merge; o++) merge = st[o][m - 1] == strides[o][i] * shape[i];
            if (merge) {
                dims[m - 1] *= shape[i];
                for (int o = 0; o < ops; o++) st[o][m - 1] = strides[o][i];
            } else {
                dims[m] = shape[i];
                for (int o = 0; o < ops; o++) st[o][m] = strides[o][i];
                m++;
            }
        }
        if (m > MAXR) {
            throw new UnsupportedOperationException("the OpenCL backend handles at most " + MAXR
                    + " non-mergeable dimensions, got shape " + Shape.str(shape) + "; make the tensor contiguous first");
        }
        int[] l = new int[INTS];
        l[0] = m;
        l[1] = Shape.numel(shape);
        for (int d = 0; d < m; d++) l[2 + d] = dims[d];
        for (int o = 0; o < ops; o++) {
            for (int d = 0; d < m; d++) l[2 + MAXR + o * MAXR + d] = st[o][d];
            l[2 + MAXR + MAXOPS * MAXR + o] = offsets[o];
        }
        return l;
    }

    /** Layout of out's shape for tensors broadcast to it (out last). */
    static int[] elementwise(Tensor out, Tensor... in) {
        int[] shape = out.shape();
        int[][] strides = new int[in.length + 1][];
        int[] offsets = new int[in.length + 1];
        for (int i = 0; i < in.length; i++) {
            strides[i] = Shape.broadcastStrides(in[i].shape(), in[i].strides(), shape);
            offsets[i] = in[i].offset();
        }
        strides[in.length] = out.strides();
        offsets[in.length] = out.offset();
        return of(shape, offsets, strides);
    }

    /** Sets offset slot {@code op} of a packed layout. */
    static int[] withOffset(int[] layout, int op, int offset) {
        layout[2 + MAXR + MAXOPS * MAXR + op] = offset;
        return layout;
    }
}
