package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.MR;
import static peekaboo.backend.cpu.SgemmKernel.NR;

import jdk.incubator.vector.FloatVector;

/**
 * Cache-blocked packed GEMM (the GotoBLAS loop nest) around {@link SgemmKernel}.
 *
 * <p>Operands are supplied by packers, so the same loops serve plain matrices (either
 * transposition) and convolutions whose packing reads patches straight from a tensor. For a
 * block of kc rows of op(B) and nc columns, B is packed into NR-wide panels (zero padded);
 * for each block of mc rows of op(A), A is packed into MR-high panels; then every MR x NR tile
 * of C is one kernel call into a small tile buffer, then merged into C (edges with scalar code).
 *
 * <p>Packing buffers live in a per-thread workspace and are reused across calls.
 */
final class SgemmDriver {

    /** Packs op(A)[i0, i0+mc) x [k0, k0+kc) as MR-high panels: dst[dstOff + (i/MR)*MR*kc + p*MR + i%MR]. */
    interface PackA {
        void pack(int i0, int mc, int k0, int kc, float[] dst, int dstOff);

        default void pack(int i0, int mc, int k0, int kc, float[] dst) {
            pack(i0, mc, k0, kc, dst, 0);
        }
    }

    /**
     * op(A) (m x k) packed once, for GEMMs that share it (a conv layer's weights across its chunks of
     * images): the block for rows [ic, ic + mc) and k in [pc, pc + kc) that {@link #gemmRange} would pack
     * sits at data[pc*mPad + ic*kc], the same layout. Every chunk packed the same weights again before
     * (ResNet-18's 512->512 4x4 layer, batch 32, calls alternating in one JVM: forward 17.6 -> 15.7 ms,
     * input gradient 19.6 -> 16.5 ms; 256->512 stride 2 input gradient 12.4 -> 9.9 ms).
     */
    static final class PackedA {
        final float[] data;
        final int m;
        final int k;
        private final int mPad;

        /** Packs op(A) from source, panels spread over the threads; data is reused when large enough. */
        PackedA(int m, int k, PackA source, float[] reuse) {
            this.m = m;
            this.k = k;
            this.mPad = roundUp(m, MR);
            this.data = reuse != null && reuse.length >= mPad * k ? reuse : new float[mPad * k];
            int panels = mPad / MR;
            if (!packedInParallel(m, k)) {
                packPanels(source, 0, panels);
            } else {
                Parallel.forRange(panels, (p0, p1) -> packPanels(source, p0, p1));
            }
        }

        /** Whether the packing of an m x k op(A) is spread over the threads (else the caller packs it alone). */
        static boolean packedInParallel(int m, int k) {
            return (long) roundUp(m, MR) * k >= PARALLEL_MIN_WORK && Parallel.threads() > 1;
        }

        private void packPanels(PackA source, int p0, int p1) {
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                int i0 = p0 * MR;
                source.pack(i0, Math.min(m, p1 * MR) - i0, pc, kc, data, offset(i0, pc, kc));
            }
        }

        /** Where the block of rows from ic (a multiple of MR) and depth [pc, pc + kc) starts. */
        int offset(int ic, int pc, int kc) {
            return pc * mPad + ic * kc;
        }
    }

    /** Packs op(B)[k0, k0+kc) x [j0, j0+nc) as NR-wide panels: dst[(j/NR)*NR*kc + p*NR + j%NR]. */
    interface PackB {
        void pack(int k0, int kc, int j0, int nc, float[] dst);
    }

    static final int KC = Integer.getInteger("peekaboo.gemm.kc", 512);
    static final int MC = roundUp(Integer.getInteger("peekaboo.gemm.mc", 96), MR);
    static final int NC = roundUp(Integer.getInteger("peekaboo.gemm.nc", 1024), NR);

    /** Below this many multiply-adds a GEMM runs on the calling thread only. */
    static final long PARALLEL_MIN_WORK = 1L << 18;

    private static final class Workspace {
        final float[] a = new float[MC * KC];
        final float[] b = new float[KC * NC + PaddedPatches.SLACK]; // packers may overrun by SLACK
        final float[] tile = new float[MR * NR];
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private SgemmDriver() {
    }

    static int roundUp(int x, int unit) {
        return (x + unit - 1) / unit * unit;
    }

    /**
     * C = op(A) op(B) (+ C), all threads: splits the m or n range into one contiguous, panel-aligned part per
     * thread (see {@link #splitsColumns}).
     */
    static void gemm(int m, int n, int k, PackA pa, PackB pb, float[] c, int cOff, int ldc,
            boolean accumulate) {
        gemm(m, n, k, pa, null, pb, c, cOff, ldc, accumulate);
    }

    /** {@link #gemm} with op(A) packed beforehand. */
    static void gemm(PackedA a, int n, PackB pb, float[] c, int cOff, int ldc, boolean accumulate) {
        gemm(a.m, n, a.k, null, a, pb, c, cOff, ldc, accumulate);
    }

    /** The split over threads; op(A) from pa, or packed. */
    private static void gemm(int m, int n, int k, PackA pa, PackedA packed, PackB pb, float[] c, int cOff,
            int ldc, boolean accumulate) {
        if (m == 0 || n == 0) {
            return;
        }
        if (Parallel.threads() == 1 || (long) m * n * k < PARALLEL_MIN_WORK) {
            gemmRange(0, m, 0, n, 0, k, pa, packed, pb, c, cOff, ldc, accumulate);
        } else if (splitsColumns(m, n, packed != null)) {
            PackedA a = packed != null ? packed : packShared(m, k, pa);
            PackA source = a == null ? pa : null;
            int panels = (n + NR - 1) / NR;
            Parallel.forRange(panels, (p0, p1) -> gemmRange(0, m, p0 * NR, Math.min(n, p1 * NR), 0, k, source, a,
                    pb, c, cOff, ldc, accumulate));
        } else {
            int panels = (m + MR - 1) / MR;
            Parallel.forRange(panels, (p0, p1) -> gemmRange(p0 * MR, Math.min(m, p1 * MR), 0, n, 0, k, pa, packed,
                    pb, c, cOff, ldc, accumulate));
        }
    }

    /**
     * Whether the threads split the columns of C rather than its rows. A column split shares op(A): packed once by
     * all threads (or given packed), each thread then reads the panels the other core packed, across cores (in this
     * VM's far placement, two last-level caches ~330 ns apart, a line at a time). A row split shares nothing but
     * the source matrices: each thread packs its own rows of op(A) and all of op(B), which costs little more than
     * the shared op(A) while op(B) is not much wider than op(A) is high. Calls alternating in one JVM, 2 threads,
     * medians of 11-15 rounds, column split against row split (GFLOP/s): n = 512 far 166-168 against 205, near 199
     * against 212; 256 180 against 193; 768 167 against 189; 1024 197-204 either way; A^T B at 512 189 against 197,
     * A B^T 182 either way; wide ones lose rows (m x n x k = 256 x 2048 x 512: 172 against 164; 64 x 8192 x 576:
     * 133 against 104), so from twice as wide as high, with fewer row panels than threads, and for a pre-packed
     * op(A), the columns are split.
     */
    static boolean splitsColumns(int m, int n, boolean packedA) {
        if (packedA) {
            return n >= m;
        }
        return n > 2L * m || (m + MR - 1) / MR < Parallel.threads();
    }

    /**
     * op(A) packed once, by all threads, for a split of the columns (each thread would otherwise pack all of
     * op(A) for its own columns: at n = 512 on two threads, 0.077 ms of scalar transposing copies per thread
     * and GEMM, 6-7% of it; calls alternating in one JVM, medians of 15 rounds: n = 512 169.5 -> 175.5
     * GFLOP/s, n = 1024 182.1 -> 187.0). Null (pack per thread) when op(A) is larger than
     * {@link #SHARED_A_MAX_FLOATS}, or too small for {@link PackedA} to spread its packing over the threads:
     * packed by the caller alone, then handed over in a second parallel call, it made n = 256 slower than each
     * thread packing all of it (alternating in one JVM, medians of 10 rounds, six runs: 156-166 against
     * 178-192 GFLOP/s; n = 512 level, 198-207 either way). The buffer is the calling thread's, reused.
     */
    private static PackedA packShared(int m, int k, PackA pa) {
        if ((long) roundUp(m, MR) * k > SHARED_A_MAX_FLOATS || !PackedA.packedInParallel(m, k)) {
            return null;
        }
        float[][] slot = SHARED_A.get();
        PackedA a = new PackedA(m, k, pa, slot[0]);
        slot[0] = a.data;
        return a;
    }

    private static final int SHARED_A_MAX_FLOATS = 1 << 22;
    private static final ThreadLocal<float[][]> SHARED_A = ThreadLocal.withInitial(() -> new float[1][]);

    /** {@link #gemmRange} with op(A) packed beforehand, on the calling thread. */
    static void gemmRange(int j0, int j1, PackedA a, PackB pb, float[] c, int cOff, int ldc, boolean accumulate) {
        gemmRange(0, a.m, j0, j1, 0, a.k, null, a, pb, c, cOff, ldc, accumulate);
    }

    /** C[i0,i1) x [j0,j1) = op(A) op(B) (+ C) on the calling thread. */
    static void gemmRange(int i0, int i1, int j0, int j1, int k, PackA pa, PackB pb,
            float[] c, int cOff, int ldc, boolean accumulate) {
        gemmRange(i0, i1, j0, j1, 0, k, pa, pb, c, cOff, ldc, accumulate);
    }

    /**
     * C[i0,i1) x [j0,j1) = sum over p in [k0,k1) of op(A)[i,p] op(B)[p,j] (+ C), on the calling
     * thread. C(i, j) is c[cOff + i*ldc + j].
     */
    static void gemmRange(int i0, int i1, int j0, int j1, int k0, int k1, PackA pa, PackB pb,
            float[] c, int cOff, int ldc, boolean accumulate) {
        gemmRange(i0, i1, j0, j1, k0, k1, pa, null, pb, c, cOff, ldc, accumulate);
    }

    /** The loop nest; op(A) comes from pa, or from packed (then k0 = 0 and i0 a multiple of MR). */
    private static void gemmRange(int i0, int i1, int j0, int j1, int k0, int k1, PackA pa, PackedA packed,
            PackB pb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (i0 >= i1 || j0 >= j1) {
            return;
        }
        if (k0 >= k1) {
            if (!accumulate) {
                for (int i = i0; i < i1; i++) {
                    java.util.Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j1, 0f);
                }
            }
            return;
        }
        Workspace ws = WORKSPACE.get();
        boolean singleABlock = packed == null && i1 - i0 <= MC && k1 - k0 <= KC;
        if (singleABlock) { // the whole of op(A) fits one block: pack it once
            pa.pack(i0, i1 - i0, k0, k1 - k0, ws.a);
        }
        for (int jc = j0; jc < j1; jc += NC) {
            int nc = Math.min(NC, j1 - jc);
            for (int pc = k0; pc < k1; pc += KC) {
                int kc = Math.min(KC, k1 - pc);
                pb.pack(pc, kc, jc, nc, ws.b);
                boolean add = accumulate || pc > k0;
                for (int ic = i0; ic < i1; ic += MC) {
                    int mc = Math.min(MC, i1 - ic);
                    float[] a = ws.a;
                    int aOff = 0;
                    if (packed != null) {
                        a = packed.data;
                        aOff = packed.offset(ic, pc, kc);
                    } else if (!singleABlock) {
                        pa.pack(ic, mc, pc, kc, ws.a);
                    }
                    macro(mc, nc, kc, a, aOff, ws, c, cOff + ic * ldc + jc, ldc, add);
                }
            }
        }
    }

    /** All MR x NR tiles of an mc x nc block of C from the packed A and B blocks. */
    private static void macro(int mc, int nc, int kc, float[] a, int aOff, Workspace ws, float[] c, int cBase,
            int ldc, boolean add) {
        float[] b = ws.b;
        float[] t = ws.tile;
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            for (int jr = 0; jr < nc; jr += NR) {
                int nr = Math.min(NR, nc - jr);
                SgemmKernel.kernel(kc, a, aOff + ir * kc, b, jr * kc, t);
                SgemmKernel.merge(t, c, cBase + ir * ldc + jr, ldc, add, mr, nr);
            }
        }
    }

    // ---- packers for plain row-major matrices -------------------------------------------

    /** Packs op(A) for A stored m x k (lda) when !trans, or k x m when trans. */
    static PackA matrixA(boolean trans, float[] a, int aOff, int lda) {
        if (!trans) {
            return (i0, mc, k0, kc, dst, dstOff) -> {
                for (int ir = 0; ir < mc; ir += MR) {
                    int base = dstOff + ir * kc;
                    int src = aOff + (i0 + ir) * lda + k0;
                    if (ir + MR <= mc) { // the panel written in order, its 8 rows read side by side
                        for (int p = 0, d = base; p < kc; p++, d += MR) {
                            dst[d] = a[src + p];
                            dst[d + 1] = a[src + lda + p];
                            dst[d + 2] = a[src + 2 * lda + p];
                            dst[d + 3] = a[src + 3 * lda + p];
                            dst[d + 4] = a[src + 4 * lda + p];
                            dst[d + 5] = a[src + 5 * lda + p];
                            dst[d + 6] = a[src + 6 * lda + p];
                            dst[d + 7] = a[src + 7 * lda + p];
                        }
                        continue;
                    }
                    for (int i = 0; i < MR; i++) {
                        for (int p = 0; p < kc; p++) {
                            dst[base + p * MR + i] = ir + i < mc ? a[src + i * lda + p] : 0f;
                        }
                    }
                }
            };
        }
        return (i0, mc, k0, kc, dst, dstOff) -> {
            for (int ir = 0; ir < mc; ir += MR) {
                int mr = Math.min(MR, mc - ir);
                int base = dstOff + ir * kc;
                for (int p = 0; p < kc; p++) {
                    int d = base + p * MR;
                    System.arraycopy(a, aOff + (k0 + p) * lda + i0 + ir, dst, d, mr);
                    for (int i = mr; i < MR; i++) {
                        dst[d + i] = 0f;
                    }
                }
            }
        };
    }

    /** Packs op(B) for B stored k x n (ldb) when !trans, or n x k when trans. */
    static PackB matrixB(boolean trans, float[] b, int bOff, int ldb) {
        return (k0, kc, j0, nc, dst) -> packB(trans, b, bOff, ldb, k0, kc, j0, nc, dst, 0);
    }

    /**
     * Packs op(B)[k0, k0 + kc) x [j0, j0 + nc) as NR-wide panels from dst[off]: dst[off + (j/NR)*NR*kc + p*NR + j%NR],
     * the last panel padded with zeros. op(B) = B stored k x n (ldb) when !trans, else B stored n x k.
     */
    static void packB(boolean trans, float[] b, int bOff, int ldb, int k0, int kc, int j0, int nc, float[] dst,
            int off) {
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            int base = off + jr * kc;
            if (!trans && nr == NR) { // whole vectors: System.arraycopy's call per 32 floats made this 1.4x slower
                for (int p = 0, src = bOff + k0 * ldb + j0 + jr, d = base; p < kc; p++, src += ldb, d += NR) {
                    FloatVector.fromArray(SgemmKernel.S, b, src).intoArray(dst, d);
                    FloatVector.fromArray(SgemmKernel.S, b, src + SgemmKernel.VL).intoArray(dst, d + SgemmKernel.VL);
                }
            } else if (!trans) {
                for (int p = 0; p < kc; p++) {
                    int d = base + p * NR;
                    System.arraycopy(b, bOff + (k0 + p) * ldb + j0 + jr, dst, d, nr);
                    java.util.Arrays.fill(dst, d + nr, d + NR, 0f);
                }
            } else {
                for (int j = 0; j < NR; j++) {
                    if (j < nr) {
                        int src = bOff + (j0 + jr + j) * ldb + k0;
                        for (int p = 0; p < kc; p++) {
                            dst[base + p * NR + j] = b[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            dst[base + p * NR + j] = 0f;
                        }
                    }
                }
            }
        }
    }
}
