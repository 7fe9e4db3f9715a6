package peekaboo.backend.cpu;

import peekaboo.tensor.Tensor;

/** Order statistics: k-th smallest by introselect (expected linear time), and stable row sorts. */
final class Select {
    private Select() {}

    /** The k-th smallest value (1-based) of a; NaN counts as larger than every number. Reorders a. */
    static double kthSmallest(double[] a, long k) {
        if (k < 1 || k > a.length) {
            throw new IllegalArgumentException("k = " + k + " is out of range for " + a.length + " values (expected 1.." + a.length + ")");
        }
        int target = (int) (k - 1), lo = 0, hi = a.length - 1;
        long seed = 0x9E3779B97F4A7C15L;
        while (lo < hi) {
            // random pivot guards against adversarial (e.g. sorted or all-equal) inputs
            seed = seed * 6364136223846793005L + 1442695040888963407L;
            int pivotIndex = lo + (int) Long.remainderUnsigned(seed >>> 1, hi - lo + 1);
            double pivot = a[pivotIndex];
            // three-way partition: [lo, lt) < pivot, [lt, gt] == pivot, (gt, hi] > pivot
            int lt = lo, gt = hi, i = lo;
            while (i <= gt) {
                int c = Double.compare(a[i], pivot);
                if (c < 0) swap(a, lt++, i++);
                else if (c > 0) swap(a, i, gt--);
                else i++;
            }
            if (target < lt) hi = lt - 1;
            else if (target > gt) lo = gt + 1;
            else return pivot;
        }
        return a[target];
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    static void sortRows(CpuBackend cpu, Tensor x, boolean descending, Tensor out, Tensor indices) {
        double[] v = cpu.readDoubles(x);
        int len = x.dim() == 0 ? 1 : x.size(-1), rows = len == 0 ? 0 : v.length / len;
        CpuStorage o = CpuBackend.st(out);
        long[] idx = CpuBackend.st(indices).longs();
        int[] order = new int[len], tmp = new int[len];
        for (int r = 0; r < rows; r++) {
            int base = r * len;
            for (int i = 0; i < len; i++) order[i] = i;
            mergeSort(v, base, order, tmp, 0, len, descending);
            for (int i = 0; i < len; i++) {
                o.set(out.offset() + base + i, v[base + order[i]]);
                idx[indices.offset() + base + i] = order[i];
            }
        }
    }

    /** Stable merge sort of positions by value (NaN last when ascending, first when descending). */
    private static void mergeSort(double[] v, int base, int[] a, int[] tmp, int lo, int hi, boolean desc) {
        if (hi - lo < 2) return;
        int mid = (lo + hi) >>> 1;
        mergeSort(v, base, a, tmp, lo, mid, desc);
        mergeSort(v, base, a, tmp, mid, hi, desc);
        int i = lo, j = mid, k = lo;
        while (i < mid && j < hi) {
            int c = Double.compare(v[base + a[j]], v[base + a[i]]);
            boolean takeRight = desc ? c > 0 : c < 0;
            tmp[k++] = takeRight ? a[j++] : a[i++];
        }
        while (i < mid) tmp[k++] = a[i++];
        while (j < hi) tmp[k++] = a[j++];
        System.arraycopy(tmp, lo, a, lo, hi - lo);
    }
}
