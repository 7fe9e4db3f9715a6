package peekaboo.backend.cpu;

import java.util.Arrays;
import peekaboo.backend.ConvShape;

/**
 * Convolution as GEMMs over the patch matrix of a chunk of images: strided layers, and layers
 * whose feature maps are too small for the direct path to fill its tiles.
 *
 * <p>For a chunk of nb images and one group the patch matrix cols[CRS, nb*P] (im2col, CRS =
 * (c/groups)*r*s rows, P = outH*outW columns per image) is never written out: the GEMM packers read
 * it from a zero-padded copy of the chunk ({@link PaddedPatches}). dY[K, nb*P] holds the chunk's
 * output gradients side by side. nb is chosen so that nb*P is a few hundred columns: a 4x4 or 8x8
 * layer still makes one wide GEMM. Then:
 * <ul>
 * <li>forward: Y[K, nb*P] = W[K, CRS] . cols, copied out to NCHW;
 * <li>inputGrad: at stride 1, the forward convolution of dY with transposed, flipped weights;
 *     otherwise dcols[CRS, nb*P] = W^T . dY, then col2im adds every column back onto the pixel
 *     it was read from. For stride s this touches each dy value once, where a transposed
 *     convolution would multiply (s*s - 1)/(s*s) zeros;
 * <li>weightGrad: dW[K, CRS] += dY . cols^T, one partial sum per thread.
 * </ul>
 */
final class Conv2dIm2col {

    /** Target width nb*P of a chunk's GEMM. */
    private static final int CHUNK_COLUMNS = Integer.getInteger("peekaboo.conv.chunkColumns", 512);

    private Conv2dIm2col() {
    }

    private static final class Workspace {
        float[] cols = new float[0];
        float[] rows = new float[0];
        float[] padded = new float[0];

        float[] cols(int size) {
            return cols.length >= size ? cols : (cols = new float[size]);
        }

        float[] rows(int size) {
            return rows.length >= size ? rows : (rows = new float[size]);
        }

        float[] padded(int size) {
            return padded.length >= size ? padded : (padded = new float[size]);
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /** Images per chunk: enough for CHUNK_COLUMNS columns, but at least one chunk per thread when the batch allows. */
    static int imagesPerChunk(ConvShape g) {
        int p = g.outH() * g.outW();
        int nb = Math.max(1, CHUNK_COLUMNS / p);
        int perThread = Math.max(1, g.n() / Parallel.threads());
        return Math.max(1, Math.min(nb, perThread));
    }

    /** Work on the images [b0, b1); parallel = true when its GEMMs should use every thread. */
    interface ChunkBody {
        void run(int b0, int b1, boolean parallel);
    }

    /**
     * Runs body for every chunk of images: chunks handed to threads one at a time (each writes its own
     * images, so the order does not change a bit; static halves left one thread waiting ~10% of these
     * calls), or one by one with parallel GEMMs.
     */
    static void forChunks(int n, int nb, ChunkBody body) {
        int chunks = (n + nb - 1) / nb;
        if (chunks < Parallel.threads()) {
            for (int ch = 0; ch < chunks; ch++) {
                body.run(ch * nb, Math.min(n, (ch + 1) * nb), true);
            }
            return;
        }
        Parallel.forEachTask(chunks, ch -> body.run(ch * nb, Math.min(n, (ch + 1) * nb), false));
    }

    static void gemm(boolean parallel, int m, int n, int k, SgemmDriver.PackA pa, SgemmDriver.PackB pb,
            float[] c, int cOff, int ldc, boolean accumulate) {
        if (parallel) {
            SgemmDriver.gemm(m, n, k, pa, pb, c, cOff, ldc, accumulate);
        } else {
            SgemmDriver.gemmRange(0, m, 0, n, k, pa, pb, c, cOff, ldc, accumulate);
        }
    }

    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias, int biasOff,
            float[] y, int yOff) {
        if (sparseForward(g, w, wOff)) {
            forwardSparse(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
            return;
        }
        if (Conv2dWinograd2d.supports(g)) {
            Conv2dWinograd2d.forward(g, x, xOff, w, wOff, false, bias, biasOff, y, yOff);
            return;
        }
        if (Conv2dWinogradChunks.supports(g)) {
            Conv2dWinogradChunks.forward(g, x, xOff, w, wOff, bias, biasOff, y, yOff);
            return;
        }
        int kg = g.kPerGroup();
        int crs = g.cPerGroup() * g.r() * g.s();
        forward(g, x, xOff, gi -> SgemmDriver.matrixA(false, w, wOff + gi * kg * crs, crs), bias, biasOff, y, yOff);
    }

    /** Whether the forward takes the sparse kernel (a small, mostly pruned layer). */
    private static boolean sparseForward(ConvShape g, float[] w, int wOff) {
        long patchFloats = (long) g.cPerGroup() * g.r() * g.s() * imagesPerChunk(g) * g.outH() * g.outW();
        return patchFloats <= SparseRows.PATCH_MAX_FLOATS
                && SparseRows.density(w, wOff, g.weightSize()) <= SparseRows.PATCH_MAX_DENSITY;
    }

    /** The dense forward, with group gi's weights [kg, crs] read through weights.apply(gi). */
    private static void forward(ConvShape g, float[] x, int xOff, java.util.function.IntFunction<SgemmDriver.PackA> weights,
            float[] bias, int biasOff, float[] y, int yOff) {
        int p = g.outH() * g.outW();
        int kg = g.kPerGroup();
        int crs = g.cPerGroup() * g.r() * g.s();
        int nb = imagesPerChunk(g);
        PaddedPatches patches = new PaddedPatches(g, nb, true);
        SgemmDriver.PackedA[] packed = packOnce(g.groups(), kg, crs, weights);
        forChunks(g.n(), nb, (b0, b1, parallel) -> {
            int cols = (b1 - b0) * p;
            Workspace ws = WORKSPACE.get();
            float[] xp = ws.padded(patches.bufferSize(nb));
            float[] out = b1 - b0 == 1 ? null : ws.rows(kg * cols);
            for (int gi = 0; gi < g.groups(); gi++) {
                patches.load(x, xOff, b0, b1, gi, xp);
                SgemmDriver.PackB patchMatrix = patches.asB(xp);
                if (out == null) {
                    gemm(parallel, packed[gi], cols, patchMatrix, y, yOff + (b0 * g.k() + gi * kg) * p, p);
                } else {
                    gemm(parallel, packed[gi], cols, patchMatrix, out, 0, cols);
                    scatterRows(out, cols, y, yOff + gi * kg * p, g.k() * p, b0, b1, kg, p);
                }
                if (bias != null) {
                    for (int b = b0; b < b1; b++) {
                        Conv2dF32.addRowBias(y, yOff + (b * g.k() + gi * kg) * p, kg, p, bias, biasOff + gi * kg);
                    }
                }
            }
        });
    }

    /**
     * Each group's op(A) (m x k) packed once for all of the call's chunks; the first group's buffer is
     * kept per calling thread (a layer's weights: up to 9 MB, allocated and zeroed anew at every call otherwise).
     */
    private static SgemmDriver.PackedA[] packOnce(int groups, int m, int k,
            java.util.function.IntFunction<SgemmDriver.PackA> source) {
        SgemmDriver.PackedA[] packed = new SgemmDriver.PackedA[groups];
        for (int gi = 0; gi < groups; gi++) {
            packed[gi] = new SgemmDriver.PackedA(m, k, source.apply(gi), gi == 0 ? PACKED.get()[0] : null);
        }
        PACKED.get()[0] = packed[0].data;
        return packed;
    }

    private static final ThreadLocal<float[][]> PACKED = ThreadLocal.withInitial(() -> new float[1][]);

    static void gemm(boolean parallel, SgemmDriver.PackedA a, int n, SgemmDriver.PackB pb, float[] c,
            int cOff, int ldc) {
        if (parallel) {
            SgemmDriver.gemm(a, n, pb, c, cOff, ldc, false);
        } else {
            SgemmDriver.gemmRange(0, n, a, pb, c, cOff, ldc, false);
        }
    }

    /**
     * The forward conv with mostly-zero weights (pruned layers): the chunk's patch matrix is written
     * out row by row, and each output row multiplies only its non-zero taps ({@link SparseRows}),
     * SparseRows.TILE columns at a time.
     */
    private static void forwardSparse(ConvShape g, float[] x, int xOff, float[] w, int wOff, float[] bias,
            int biasOff, float[] y, int yOff) {
        int p = g.outH() * g.outW();
        int kg = g.kPerGroup();
        int crs = g.cPerGroup() * g.r() * g.s();
        int nb = imagesPerChunk(g);
        int ld = SgemmDriver.roundUp(nb * p, SparseRows.TILE); // row stride of the written patch matrix
        PaddedPatches patches = new PaddedPatches(g, nb, true);
        SparseRows[] sw = new SparseRows[g.groups()];
        for (int gi = 0; gi < g.groups(); gi++) {
            sw[gi] = SparseRows.of(w, wOff + gi * kg * crs, kg, crs, crs, 1, t -> t * ld);
        }
        forChunks(g.n(), nb, (b0, b1, parallel) -> {
            int cols = (b1 - b0) * p;
            Workspace ws = WORKSPACE.get();
            float[] xp = ws.padded(patches.bufferSize(nb));
            float[] rows = ws.cols(crs * ld + PaddedPatches.SLACK);
            for (int gi = 0; gi < g.groups(); gi++) {
                patches.load(x, xOff, b0, b1, gi, xp);
                patches.rows(xp, cols, rows, ld);
                SparseRows rowsOfW = sw[gi];
                int group = gi;
                Parallel.RangeBody outputRows = (k0, k1) -> {
                    float[] tile = new float[SparseRows.TILE];
                    // column tiles outside, output rows inside: a tile's patch rows stay in cache
                    for (int j0 = 0; j0 < cols; j0 += SparseRows.TILE) {
                        for (int ko = k0; ko < k1; ko++) {
                            float bv = bias == null ? 0f : bias[biasOff + group * kg + ko];
                            rowsOfW.rowTile(ko, rows, j0, tile, 0);
                            // columns j0.. of the tile belong to images b0 + j/p: copy each image's part
                            for (int j = j0, end = Math.min(cols, j0 + SparseRows.TILE); j < end; ) {
                                int b = j / p;
                                int pix = j - b * p;
                                int len = Math.min(p - pix, end - j);
                                int dst = yOff + ((b0 + b) * g.k() + group * kg + ko) * p + pix;
                                for (int i = 0; i < len; i++) {
                                    y[dst + i] = tile[j - j0 + i] + bv;
                                }
                                j += len;
                            }
                        }
                    }
                };
                if (parallel) {
                    Parallel.forRange(kg, outputRows);
                } else {
                    outputRows.run(0, kg);
                }
            }
        });
    }

    static void inputGrad(ConvShape g, float[] dy, int dyOff, float[] w, int wOff, float[] dx, int dxOff) {
        if (Conv2dF32.inputGradIsForward(g)) { // no col2im: the patches of dy, packed like the forward's
            ConvShape f = Conv2dF32.inputGradAsForward(g);
            if (sparseForward(f, w, wOff)) { // the flipped weights have the same density
                forwardSparse(f, dy, dyOff, Conv2dF32.flippedWeights(g, w, wOff), 0, null, 0, dx, dxOff);
            } else if (Conv2dWinograd2d.supports(f)) {
                Conv2dWinograd2d.forward(f, dy, dyOff, w, wOff, true, null, 0, dx, dxOff);
            } else if (Conv2dWinogradChunks.supports(f)) {
                Conv2dWinogradChunks.forward(f, dy, dyOff, Conv2dF32.flippedWeights(g, w, wOff), 0, null, 0, dx, dxOff);
            } else {
                forward(f, dy, dyOff, gi -> Conv2dF32.flippedA(g, w, wOff, gi), null, 0, dx, dxOff);
            }
            return;
        }
        int p = g.outH() * g.outW();
        int kg = g.kPerGroup();
        int crs = g.cPerGroup() * g.r() * g.s();
        int nb = imagesPerChunk(g);
        // col2im adds whole vectors into phase planes where output rows fill one (alternating calls: 16->32 s2
        // batch 128 4.49 -> 4.02 ms, 64->128 s2 batch 32 9.89 -> 8.83 ms); shorter rows add scalars either
        // way, and over planes lost (32->64 s2, 8x8 outputs: 4.15 -> 4.57 ms)
        PaddedPatches patches = new PaddedPatches(g, nb, g.outW() >= SgemmKernel.VL);
        // W for group gi is [kg, crs] row-major: op(A) = W^T is crs x kg
        SgemmDriver.PackedA[] packed = packOnce(g.groups(), crs, kg,
                gi -> SgemmDriver.matrixA(true, w, wOff + gi * kg * crs, crs));
        forChunks(g.n(), nb, (b0, b1, parallel) -> {
            int cols = (b1 - b0) * p;
            Workspace ws = WORKSPACE.get();
            float[] dcols = ws.cols(crs * cols);
            float[] grads = ws.rows(kg * cols);
            float[] dxp = ws.padded(patches.bufferSize(nb));
            for (int gi = 0; gi < g.groups(); gi++) {
                gatherRows(dy, dyOff + gi * kg * p, g.k() * p, b0, b1, kg, p, grads, cols);
                gemm(parallel, packed[gi], cols, SgemmDriver.matrixB(false, grads, 0, cols), dcols, 0, cols);
                Arrays.fill(dxp, 0, patches.bufferSize(b1 - b0), 0f);
                patches.scatterAdd(dcols, cols, cols, dxp);
                patches.store(dxp, b0, b1, gi, dx, dxOff);
            }
        });
    }

    static void weightGrad(ConvShape g, float[] x, int xOff, float[] dy, int dyOff, float[] dw, int dwOff) {
        weightGrad(g, x, xOff, null, dy, dyOff, null, dw, dwOff);
    }

    /** The weight gradient of Q(x) and Q(dy): the operands quantised as they are copied (null: plain copies). */
    static void weightGrad(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy, int dyOff,
            PabKernels.Quantizing qdy, float[] dw, int dwOff) {
        if (Conv2dWinograd2d.supportsWeightGrad(g)) {
            Conv2dWinograd2d.weightGrad(g, x, xOff, qx, dy, dyOff, qdy, dw, dwOff);
            return;
        }
        if (Conv2dWinogradChunks.supportsWeightGrad(g)) {
            Conv2dWinogradChunks.weightGrad(g, x, xOff, qx, dy, dyOff, qdy, dw, dwOff);
            return;
        }
        int p = g.outH() * g.outW();
        int kg = g.kPerGroup();
        int crs = g.cPerGroup() * g.r() * g.s();
        int size = g.weightSize();
        int nb = imagesPerChunk(g);
        int chunks = (g.n() + nb - 1) / nb;
        // a fixed split of the chunks into parts, each with its own partial sum, handed to threads one at a
        // time (see Conv2dDirect.weightGrad)
        int parts = Math.max(1, Math.min(chunks, Parallel.threads() * Conv2dDirect.BLOCKS_PER_THREAD));
        float[][] partial = new float[parts][];
        boolean parallelGemm = chunks < Parallel.threads();
        // the plain layout: the transposed packing gathers single pixels, and over phase planes its
        // taps spread over four planes (64->128 s2 batch 32: 8.1 -> 9.0 ms)
        PaddedPatches patches = new PaddedPatches(g, nb);
        Parallel.RangeBody body = (q0, q1) -> {
            Workspace ws = WORKSPACE.get();
            for (int part = q0; part < q1; part++) {
                float[] acc = part == 0 ? dw : new float[size];
                int accOff = part == 0 ? dwOff : 0;
                partial[part] = acc;
                int c0 = (int) ((long) chunks * part / parts), c1 = (int) ((long) chunks * (part + 1) / parts);
                if (c0 == c1) {
                    Arrays.fill(acc, accOff, accOff + size, 0f);
                }
                for (int ch = c0; ch < c1; ch++) {
                    int b0 = ch * nb, b1 = Math.min(g.n(), b0 + nb), cols = (b1 - b0) * p;
                    float[] xp = ws.padded(patches.bufferSize(nb));
                    float[] grads = ws.rows(kg * cols);
                    for (int gi = 0; gi < g.groups(); gi++) {
                        patches.load(x, xOff, b0, b1, gi, qx, xp);
                        gatherRows(dy, dyOff + gi * kg * p, g.k() * p, b0, b1, kg, p, qdy, grads, cols);
                        // op(B) = patches^T: pixels down, patch rows across
                        gemm(parallelGemm, kg, crs, cols, SgemmDriver.matrixA(false, grads, 0, cols),
                                patches.transposedAsB(xp), acc, accOff + gi * kg * crs, crs, ch > c0);
                    }
                }
            }
        };
        if (parallelGemm) {
            body.run(0, parts);
        } else {
            Parallel.forEachTask(parts, part -> body.run(part, part + 1));
        }
        Conv2dF32.addPartials(partial, dw, dwOff, size);
    }

    /** rows[k][(b - b0)*p + j] = src[srcOff + b*imageStride + k*p + j]: kg channel rows of images [b0, b1) side by side. */
    private static void gatherRows(float[] src, int srcOff, int imageStride, int b0, int b1, int kg, int p,
            float[] rows, int ld) {
        gatherRows(src, srcOff, imageStride, b0, b1, kg, p, null, rows, ld);
    }

    /** {@link #gatherRows}, quantising by q on the way when q is not null (PSG). */
    private static void gatherRows(float[] src, int srcOff, int imageStride, int b0, int b1, int kg, int p,
            PabKernels.Quantizing q, float[] rows, int ld) {
        for (int b = b0; b < b1; b++) {
            for (int k = 0; k < kg; k++) {
                PabKernels.Quantizing.copy(q, src, srcOff + b * imageStride + k * p, rows, k * ld + (b - b0) * p, p);
            }
        }
    }

    /** The inverse of {@link #gatherRows}: dst[dstOff + b*imageStride + k*p + j] = rows[k][(b - b0)*p + j]. */
    private static void scatterRows(float[] rows, int ld, float[] dst, int dstOff, int imageStride, int b0, int b1,
            int kg, int p) {
        for (int b = b0; b < b1; b++) {
            for (int k = 0; k < kg; k++) {
                System.arraycopy(rows, k * ld + (b - b0) * p, dst, dstOff + b * imageStride + k * p, p);
            }
        }
    }
}
