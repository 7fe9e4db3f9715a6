package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.MR;
import static peekaboo.backend.cpu.SgemmKernel.NR;
import static peekaboo.backend.cpu.SgemmKernel.ROWS_MR;

/**
 * SGEMM for plain row-major matrices ({@link Sgemm#sgemm}): C = op(A) op(B) (+ C).
 *
 * <p>The loop nest, outermost first (the BLIS order, with the operands where each loop wants them):
 * <ol>
 * <li>a block of up to {@link #NC} columns: op(B) packed for all of k, in kc-deep blocks of NR-wide panels
 * (one thread's packing buffer, in the last-level cache);</li>
 * <li>a block of {@link #MC} rows of C, which then stays in L2 while all of k passes;</li>
 * <li>a kc-deep block ({@link SgemmKernel#ROWS_KC}): the MC rows of op(A) copied with the constant row stride
 * {@link SgemmKernel#ROW_STRIDE};</li>
 * <li>one B panel (kc x NR, 32 KB), which stays in L1 while</li>
 * <li>the kernel runs it against every {@link SgemmKernel#ROWS_MR} rows of the A block
 * ({@link SgemmKernel#kernelRows}: 8, or 6 with AVX2's 8-lane vectors).</li>
 * </ol>
 *
 * <p>Against {@link SgemmDriver} (which conv layers use, with their own packers): op(A) is copied row by row
 * instead of transposed into MR-high panels (the scalar transposition was 4.5% of a 512^3 product), and the
 * kernel keeps the B panel in L1 rather than the A panel (B's 64 KB panel streamed from L2). One thread,
 * n = 512, the two paths alternating in one JVM, seven JVMs: 243-260 against 233-249 GFLOP/s; JMH in pairs
 * with the old path, one thread +3-4% at n = 512 and +11% at 1024, two threads +3% and +8%
 * (bench/HISTORY.md, session 19).
 */
final class SgemmRows {

    /** Rows of C per block: the C block (MC x NC) stays in L2 while all of k passes. */
    static final int MC = 96;
    /** Most columns per block; fewer when k is deep, so that a block of packed op(B) stays within {@link #B_FLOATS}. */
    static final int NC = 512;
    /** Size of one thread's op(B) buffer (4 MB), unless k alone needs more (k x NR). */
    static final int B_FLOATS = 1 << 20;
    /**
     * Where packed op(B) starts in its buffer. The buffer is larger than half a G1 region, so G1 allocates it at
     * the start of a region, and past the 16-byte array header element 12 starts a 64-byte line: every vector
     * load of B then reads one cache line, not two. (With other collectors the start is not known; only speed
     * depends on it.) One thread, n = 512: +1.7-1.9% against element 0.
     */
    static final int B_START = 12;

    private static final class Workspace {
        final float[] a = new float[MC * SgemmKernel.ROW_STRIDE];
        float[] b = new float[0];
        final float[] tile = new float[MR * NR];

        /** The op(B) buffer for this many floats: small products get what they need, large ones the full 4 MB. */
        float[] b(int floats) {
            if (b.length < B_START + floats) {
                b = new float[B_START + (floats >= B_FLOATS / 8 ? Math.max(floats, B_FLOATS) : floats)];
            }
            return b;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private SgemmRows() {
    }

    /**
     * C = op(A) op(B) (+ C) on all threads: each thread takes a contiguous, panel-aligned share of the columns
     * of C (it packs only its own columns of op(B) and copies all rows of op(A)), or of the rows when C is
     * taller than wide (then it copies its own rows of op(A) and packs all of op(B)).
     */
    static void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
            float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) {
            return;
        }
        int colPanels = (n + NR - 1) / NR;
        int rowPanels = (m + MR - 1) / MR;
        int threads = Parallel.threads();
        if (threads == 1 || (long) m * n * k < SgemmDriver.PARALLEL_MIN_WORK) {
            range(transA, transB, 0, m, 0, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
        } else if (n >= m && colPanels >= threads || rowPanels < threads) {
            Parallel.forRange(colPanels, (p0, p1) -> range(transA, transB, 0, m, p0 * NR, Math.min(n, p1 * NR), k,
                    a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate));
        } else {
            Parallel.forRange(rowPanels, (p0, p1) -> range(transA, transB, p0 * MR, Math.min(m, p1 * MR), 0, n, k,
                    a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate));
        }
    }

    /** C[i0, i1) x [j0, j1) = op(A) op(B) (+ C), on the calling thread. */
    static void range(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k, float[] a, int aOff,
            int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (i0 >= i1 || j0 >= j1) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = i0; i < i1; i++) {
                    java.util.Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j1, 0f);
                }
            }
            return;
        }
        final int kcMax = SgemmKernel.ROWS_KC;
        Workspace ws = WORKSPACE.get();
        int blockCols = Math.max(NR, Math.min(NC, B_FLOATS / k / NR * NR));
        float[] bp = ws.b(k * Math.min(blockCols, SgemmDriver.roundUp(j1 - j0, NR)));
        for (int jc = j0; jc < j1; jc += blockCols) {
            int nc = Math.min(blockCols, j1 - jc);
            int ncPad = SgemmDriver.roundUp(nc, NR);
            for (int pc = 0; pc < k; pc += kcMax) {
                SgemmDriver.packB(transB, b, bOff, ldb, pc, Math.min(kcMax, k - pc), jc, nc, bp,
                        B_START + pc * ncPad);
            }
            for (int ic = i0; ic < i1; ic += MC) {
                int mc = Math.min(MC, i1 - ic);
                for (int pc = 0; pc < k; pc += kcMax) {
                    int kc = Math.min(kcMax, k - pc);
                    copyRowsA(transA, a, aOff, lda, ic, mc, pc, kc, ws.a);
                    boolean add = accumulate || pc > 0;
                    int bBlock = B_START + pc * ncPad;
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += ROWS_MR) {
                            SgemmKernel.kernelRows(kc, ws.a, ir * SgemmKernel.ROW_STRIDE, bp, bBlock + jr * kc,
                                    ws.tile);
                            SgemmKernel.merge(ws.tile, c, cOff + (ic + ir) * ldc + jc + jr, ldc, add,
                                    Math.min(ROWS_MR, mc - ir), nr);
                        }
                    }
                }
            }
        }
    }

    /**
     * Copies op(A)[i0, i0 + mc) x [k0, k0 + kc) to dst, row r at dst[r * ROW_STRIDE ..]; the rows up to the next
     * multiple of ROWS_MR are zero (the kernel reads them, the merge drops them).
     */
    static void copyRowsA(boolean trans, float[] a, int aOff, int lda, int i0, int mc, int k0, int kc, float[] dst) {
        final int rs = SgemmKernel.ROW_STRIDE;
        if (!trans) {
            for (int r = 0; r < mc; r++) {
                System.arraycopy(a, aOff + (i0 + r) * lda + k0, dst, r * rs, kc);
            }
        } else { // A stored k x m: op(A)[i][p] = a[p * lda + i]
            for (int p = 0; p < kc; p++) {
                int src = aOff + (k0 + p) * lda + i0;
                for (int r = 0; r < mc; r++) {
                    dst[r * rs + p] = a[src + r];
                }
            }
        }
        for (int r = mc; r < SgemmDriver.roundUp(mc, ROWS_MR); r++) {
            java.util.Arrays.fill(dst, r * rs, r * rs + kc, 0f);
        }
    }
}
