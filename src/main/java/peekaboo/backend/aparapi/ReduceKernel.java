package peekaboo.backend.aparapi;

import com.aparapi.Kernel;

/**
 * SUM / MAX / MIN over a set of dimensions of a strided float or double tensor, one output per
 * work-item, written in Java for Aparapi. meta: keptRank, keptShape[8], keptStrides[8], redRank,
 * redShape[8], redStrides[8], xOffset, segment. MAX/MIN keep the first extreme element, NaN wins.
 */
final class ReduceKernel extends Kernel {
    float[] xf = new float[1], of = new float[1];
    double[] xd = new double[1], od = new double[1];
    long[] idx = new long[1];
    int[] meta = new int[36];
    int useDouble, op, hasIdx;

    private double load(int at) {
        double v = 0;
        if (useDouble == 1) v = xd[at];
        else v = xf[at];
        return v;
    }

    private int redOffset(int j) {
        int o = 0;
        int rem = j;
        for (int d = meta[17] - 1; d >= 0; d--) {
            int s = meta[18 + d];
            o += (rem % s) * meta[26 + d];
            rem = rem / s;
        }
        return o;
    }

    @Override
    public void run() {
        int i = getGlobalId();
        int base = meta[34];
        int rem = i;
        for (int d = meta[0] - 1; d >= 0; d--) {
            int s = meta[1 + d];
            base += (rem % s) * meta[9 + d];
            rem = rem / s;
        }
        int seg = meta[35];
        double r = 0;
        int best = 0;
        if (op == 0) {
            for (int j = 0; j < seg; j++) r += load(base + redOffset(j));
        } else {
            r = load(base);
            for (int j = 1; j < seg && r == r; j++) {
                double v = load(base + redOffset(j));
                if (v != v || (op == 1 && v > r) || (op == 2 && v < r)) {
                    r = v;
                    best = j;
                }
            }
        }
        if (useDouble == 1) od[i] = r;
        else of[i] = (float) r;
        if (hasIdx == 1) idx[i] = best;
    }
}
