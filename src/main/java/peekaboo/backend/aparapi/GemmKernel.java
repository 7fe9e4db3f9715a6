package peekaboo.backend.aparapi;

import com.aparapi.Kernel;

/**
 * Batched C[b] = A[b] B[b] with arbitrary strides (transposed views need no copy), one output
 * element per work-item, written in Java for Aparapi. dims: batch, m, n, k; strides: a (offset,
 * batch, row, col), b (same), c offset.
 */
final class GemmKernel extends Kernel {
    float[] af = new float[1], bf = new float[1], cf = new float[1];
    double[] ad = new double[1], bd = new double[1], cd = new double[1];
    int[] dims = new int[4];
    int[] st = new int[9];
    int useDouble;

    @Override
    public void run() {
        int gid = getGlobalId();
        int n = dims[2], m = dims[1], k = dims[3];
        int j = gid % n;
        int i = (gid / n) % m;
        int b = gid / (n * m);
        int ao = st[0] + b * st[1] + i * st[2], bo = st[4] + b * st[5] + j * st[7];
        if (useDouble == 1) {
            double s = 0;
            for (int p = 0; p < k; p++) s += ad[ao + p * st[3]] * bd[bo + p * st[6]];
            cd[st[8] + gid] = s;
        } else {
            float s = 0;
            for (int p = 0; p < k; p++) s += af[ao + p * st[3]] * bf[bo + p * st[6]];
            cf[st[8] + gid] = s;
        }
    }
}
