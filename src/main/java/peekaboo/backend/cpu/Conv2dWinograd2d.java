package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.MR;
import static peekaboo.backend.cpu.SgemmKernel.NR;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import peekaboo.backend.ConvShape;

/**
 * 3x3 "same" convolution (stride 1, padding 1) by Winograd's F(2x2, 3x3) for the smallest maps, where the
 * row-only transform of {@link Conv2dWinogradChunks} does not pay (ResNet-18's 512->512 4x4 layers), for 8x8 maps
 * where a vector holds an image's 16 tiles (ResNet-20's 64->64 layers), and the weight gradients of 8x8 maps and of
 * layers with 64 channels or more.
 *
 * <p>Each 2x2 block of outputs is a tile. With the 1-d transforms of {@link WinogradRows} applied along both
 * axes, a tile's outputs are Y = A^T [U . V] A, where U = G g G^T is the 4x4 transform of a 3x3 kernel,
 * V = B^T d B the transform of the tile's 4x4 input patch and "." the elementwise product. Summed over the
 * input channels that is 16 independent GEMMs, one per position xi of the 4x4 transform:
 * M_xi[k, tiles] = U_xi[k, c] . V_xi[c, tiles], 16 multiply-adds per tile and channel pair against 36 for
 * the direct algorithm (4/9 of the work; the row transform does 6/9).
 *
 * <p>The weight gradient is the transposed algorithm: dg = G^T [sum over tiles of (A dY A^T) . V] G, again
 * 16 GEMMs, now with the tiles as the summed dimension; its two input transforms are in
 * {@link Winograd2dGradientTiles}. All transforms are sums of ±1 and ±1/2 multiples. The transforms write
 * straight into the layout of the GEMMs' packed panels, so packing is one copy per panel.
 */
final class Conv2dWinograd2d {

    private static final VectorSpecies<Float> S = SgemmKernel.S;
    private static final int VL = SgemmKernel.VL;

    /** Positions of the 4x4 transform. */
    private static final int XI = 16;

    /** Whether the path is on ({@code -Dpeekaboo.conv.winograd2d=false} turns it off). */
    static final boolean ENABLED = !"false".equals(System.getProperty("peekaboo.conv.winograd2d"));

    /**
     * With 8-lane vectors (AVX2, such as Zen 3) the GEMMs run at half the speed of AVX-512's, so the multiply-adds
     * that F(2x2, 3x3) saves are worth more against its transforms: there the forward and input gradient of
     * 16-wide maps with 128 channels or more take it too (Zen 3, 2 threads, bench/side-by-side.sh, medians of 20
     * alternating calls: ResNet-18's 128->128 16x16 forward 13.9 against 16.8 ms, input gradient 13.9 against
     * 17.2). Not taken there: ResNet-20's 32->32 16x16 and 16->16 or 64->64 on 32x32 maps (slower or tied in
     * separate JVMs), nor all 8-wide maps (ResNet-20's 64->64 8x8: 0.92-1.08 of the row path's times side by side).
     */
    private static final boolean SHORT_VECTORS = SgemmKernel.VL < 16;

    /**
     * The widest output map whose forward (and input gradient) it takes (tuning:
     * -Dpeekaboo.conv.winograd2dMaxWidth). Its transforms are scalar and touch every value of the 16
     * planes once more, so on wider maps or with fewer channels they cost more than the GEMMs save (calls
     * alternating in one JVM, 2 threads, forward against the path taken before: ResNet-18's 512->512 4x4,
     * batch 32, 12.0 against 15.3 ms; its 256->256 8x8 11.2 against 11.2 ms; ResNet-20's 64->64 8x8, batch
     * 128, 4.7-6.5 against 3.5-5.1 ms; 16x16 and 32x32 maps 1.6-3.5x slower). 8-wide maps with many channels
     * take it too ({@link #MANY_CHANNELS}).
     */
    private static final int MAX_WIDTH = Integer.getInteger("peekaboo.conv.winograd2dMaxWidth", 4);

    /**
     * The widest output map whose weight gradient it takes whatever its channels: there the transforms are
     * cheaper (the kernel transform runs once, at the end) and the row path's weight gradient is slower (same
     * runs: 512->512 4x4 10.4 against 15.6 ms; 256->256 8x8 8.3-9.7 against 11.5-13.7 ms; 64->64 8x8 4.5-5.0
     * against 5.9-6.3 ms).
     */
    private static final int MAX_WEIGHT_GRAD_WIDTH = Integer.getInteger("peekaboo.conv.winograd2dMaxWeightGradWidth", 8);

    /**
     * On wider maps the weight gradient takes it from this many channels on both sides: with its input
     * transforms in vectors (Winograd2dGradientTiles) it beat the row path there (calls alternating in one JVM,
     * 2 threads: ResNet-18's 128->128 16x16, batch 32, 9.4-10.4 against 12.6-13.1 ms; its 64->64 32x32
     * 11.5-12.0 against 13.5-14.2 ms; 64->64 16x16 at batch 128 10.8 against 13.2 ms; 48 channels 8.8 against
     * 9.2 ms), and lost with fewer (ResNet-20's 32->32 16x16 5.2 against 4.3 ms, 16->16 32x32 13.9 against
     * 4.9 ms: the transforms move 4x the input through memory for few multiply-adds a value). That was on Zen 4
     * (64 from session 13 to 14; 32 was tried there in the step: dense +2.1%, PaB -3.1%). On Zen 5, whose two
     * 512-bit FMA pipes run the GEMMs twice as fast, and with the transforms' buffers kept from call to call
     * (session 15), 32->32 16x16 takes 1.70 against 2.60 ms (1.83 against 2.67 quantised; ConvLayersTimer-style
     * medians of 60 calls, 2 threads), and the step alternating separate JVMs 4 times: dense 1038-1065 ->
     * 1104-1137 images/s, PaB 1033-1075 -> 1026-1119 (before the buffers were kept). 16 channels still lose
     * (16->16 32x32: 5.75 against 2.72 ms: the channels fill half of the GEMM panels).
     */
    private static final int WIDE_MAP_MIN_CHANNELS = Integer.getInteger("peekaboo.conv.winograd2dWideMapChannels", 32);

    /** Tiles per chunk of images (the GEMMs' width in the forward, their depth in the weight gradient). */
    private static final int CHUNK_TILES = Integer.getInteger("peekaboo.conv.winograd2dTiles", 512);

    private Conv2dWinograd2d() {
    }

    /**
     * On maps up to this wide the forward (and input gradient) also takes it with {@link #MANY_CHANNELS} on both
     * sides (tuning: -Dpeekaboo.conv.winograd2dManyChannelsMaxWidth).
     */
    private static final int MANY_CHANNELS_MAX_WIDTH = Integer.getInteger("peekaboo.conv.winograd2dManyChannelsMaxWidth",
            SHORT_VECTORS ? 16 : 8);

    /**
     * Channels from which 8-wide maps take it: with more channels its scalar transforms cost less per multiply-add
     * they save. Separate JVMs, alternating, 2 threads, forward and input gradient against the row path (session
     * 11, medians of 30 calls of each through Conv2dF32): 256->256 8x8 at batch 32 11.6 and 11.8 ms against 13.0
     * and 14.1, 10.3 and 10.3 against 10.0 and 11.3, at batch 128 40.3 and 40.7 against 41.8 and 43.1, 37.1 and
     * 38.3 against 40.5 and 41.0;
     * 512->512 8x8 at batch 32 31.8-33.3 and 33.2-34.4 against 41.7-42.8 and 44.4-45.2. With fewer it lost or
     * tied: 128->128 8x8 at batch 128 11.7-12.3 against 9.7-9.9 ms, 96->96 at batch 64 3.4-4.8 against 3.3-3.4,
     * ResNet-20's 64->64 at batch 128 3.7-4.1 against 3.1-3.3.
     */
    private static final int MANY_CHANNELS = Integer.getInteger("peekaboo.conv.winograd2dManyChannels",
            SHORT_VECTORS ? 128 : 256);

    /** Whether the forward of g takes this path. */
    static boolean supports(ConvShape g) {
        return applies(g) && (g.outW() <= MAX_WIDTH || eightByEight(g)
                || g.outW() <= MANY_CHANNELS_MAX_WIDTH && Math.min(g.c(), g.k()) >= MANY_CHANNELS);
    }

    /**
     * 8x8 maps, whatever their channels, where a vector holds an image's 16 tiles: there the input transform runs in
     * vectors ({@link Winograd2dImageTiles}) and each thread transforms, multiplies and writes back whole chunks of
     * images. ResNet-20's 64->64 8x8 layer, batch 128, 2 threads, both builds side by side (bench/side-by-side.sh,
     * 20-30 alternating calls, session 25, Zen 5), against the row path (Conv2dWinogradChunks) taken before: forward
     * 0.83-0.87 and input gradient 0.85-0.87 of its time (2.07-2.17 against 1.78-1.90 ms), then 0.92 and 0.91-0.96
     * with V written straight into the GEMM's panels. One thread, that layer's forward here took 4.45 ms with the
     * scalar input transform, 2.8-2.9 ms with the vector one, 3.3-3.6 ms on the row path. ResNet-18's 256->256 8x8,
     * here before (from 256 channels), 0.84. Off: -Dpeekaboo.conv.winograd2dEightByEight=false.
     */
    private static boolean eightByEight(ConvShape g) {
        return EIGHT_BY_EIGHT && vectorTiles(g);
    }

    private static final boolean EIGHT_BY_EIGHT =
            !"false".equals(System.getProperty("peekaboo.conv.winograd2dEightByEight"));

    /** Whether the weight gradient of g takes this path. */
    static boolean supportsWeightGrad(ConvShape g) {
        return applies(g) && (g.outW() <= MAX_WEIGHT_GRAD_WIDTH
                || Math.min(g.c(), g.k()) >= WIDE_MAP_MIN_CHANNELS);
    }

    /** Ungrouped 3x3 "same" convolutions (stride 1, padding 1) with outputs of even height and width. */
    private static boolean applies(ConvShape g) {
        return ENABLED && Conv2dWinogradRows.applies(g) && SgemmKernel.VL % MR == 0 && g.groups() == 1
                && g.s() == 3 && g.dilW() == 1 && g.padH() == 1 && g.padW() == 1
                && g.outH() % 2 == 0 && g.outW() % 2 == 0;
    }

    /** Per-thread buffers of the calling thread, grown on demand and reused. */
    private static final class Workspace {
        float[] u = new float[0];
        float[] v = new float[0];
        float[] m = new float[0];

        /** The per-block sums of a weight gradient: reused from call to call while large enough. */
        float[][] sums = new float[0][];

        float[][] blockSums(int blocks, int size) {
            if (sums.length < blocks) {
                sums = Arrays.copyOf(sums, blocks);
            }
            for (int b = 0; b < blocks; b++) {
                if (sums[b] == null || sums[b].length < size) {
                    sums[b] = new float[size];
                }
            }
            return sums;
        }
    }

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    private static int imagesPerChunk(ConvShape g) {
        int tiles = g.outH() / 2 * (g.outW() / 2);
        return Math.max(1, Math.min(g.n(), CHUNK_TILES / tiles));
    }

    /**
     * The distance between two of the 16 planes of a transformed operand: size floats and two cache lines
     * more, so that the transforms' 16 streams, a plane apart, do not share cache sets (plane sizes are
     * often powers of two: ResNet-18's 512->512 weights, 16 planes of 1 MiB).
     */
    private static int planeStride(int size) {
        return size + 32;
    }

    /**
     * op(A) of a GEMM read from MR-row panels laid out as the packed A block of the whole depth:
     * row i, depth p at a[off + (i / MR) * MR * depth + p * MR + i % MR], so each panel's block is one copy.
     */
    private static SgemmDriver.PackA panelsA(float[] a, int off, int depth) {
        return (i0, mc, k0, kc, dst, dstOff) -> {
            for (int ir = 0; ir < mc; ir += MR) {
                System.arraycopy(a, off + (i0 + ir) / MR * MR * depth + k0 * MR, dst, dstOff + ir * kc, MR * kc);
            }
        };
    }

    /** op(B) read from NR-column panels laid out as packed B of the whole depth (see {@link #panelsA}). */
    private static SgemmDriver.PackB panelsB(float[] b, int off, int depth) {
        return (k0, kc, j0, nc, dst) -> {
            for (int jr = 0; jr < nc; jr += NR) {
                System.arraycopy(b, off + (j0 + jr) / NR * NR * depth + k0 * NR, dst, jr * kc, NR * kc);
            }
        };
    }

    /**
     * y = conv2d(x, w) + bias (bias nullable); flipped: w holds the layer whose input gradient this is. Where the batch
     * makes {@link #CHUNKS_PER_THREAD} chunks a thread of at least {@link #MIN_THREAD_CHUNK_TILES} tiles each, each
     * thread takes whole chunks (input transform, the 16 GEMMs and output transform of a chunk on one core, so its
     * transformed tiles stay in that core's caches); otherwise the chunks go one by one, each step split over the
     * threads.
     */
    static void forward(ConvShape g, float[] x, int xOff, float[] w, int wOff, boolean flipped, float[] bias,
            int biasOff, float[] y, int yOff) {
        int c = g.c();
        int k = g.k();
        int kPad = SgemmDriver.roundUp(k, MR);
        int tpi = g.outH() / 2 * (g.outW() / 2);
        int threads = Parallel.threads();
        int nb = imagesPerChunk(g);
        int perThread = g.n() / (threads * CHUNKS_PER_THREAD); // images a chunk for that many chunks a thread
        boolean chunkPerThread = threads > 1 && perThread * tpi >= MIN_THREAD_CHUNK_TILES;
        if (chunkPerThread) {
            nb = Math.min(nb, perThread);
        }
        int maxCols = nb * tpi;
        // U_xi as MR-row panels over the depth c
        int uPlane = planeStride(kPad * c);
        Workspace ws = WORKSPACE.get(); // the calling thread's U, read by every thread
        float[] u = ws.u = Buffers.grow(ws.u, XI * uPlane);
        Parallel.forRange(kPad / MR, (p0, p1) -> kernelTransform(w, wOff, flipped, k, c, p0, p1, u, uPlane));
        int chunk = nb;
        int chunks = (g.n() + nb - 1) / nb;
        if (chunkPerThread) {
            Parallel.forEachTask(chunks, ch -> forwardChunk(g, x, xOff, u, uPlane, ch * chunk,
                    Math.min(g.n(), (ch + 1) * chunk), maxCols, false, bias, biasOff, y, yOff));
        } else {
            for (int ch = 0; ch < chunks; ch++) {
                forwardChunk(g, x, xOff, u, uPlane, ch * chunk, Math.min(g.n(), (ch + 1) * chunk), maxCols, true, bias,
                        biasOff, y, yOff);
            }
        }
    }

    /**
     * Chunks a thread when each thread takes whole chunks ({@link #forward}), so that the dynamic hand-out balances the
     * threads and a chunk's transformed tiles (512 KB for ResNet-20's 64->64 layer) stay in L2. That layer's forward,
     * separate JVMs: 1.7-2.1 ms with 4, 8 or 16 chunks a thread (within the spread), 2.6-2.7 ms with 2 (tuning:
     * -Dpeekaboo.conv.winograd2dChunksPerThread).
     */
    private static final int CHUNKS_PER_THREAD = Integer.getInteger("peekaboo.conv.winograd2dChunksPerThread", 8);

    /** The fewest tiles such a chunk may have (its GEMMs' width): fewer, and the chunks go one by one instead. */
    private static final int MIN_THREAD_CHUNK_TILES = 128;

    /**
     * The forward of the images [b0, b1), in the calling thread's buffers v and m ({@code maxCols} tiles at most):
     * each step split over all threads when parallel, else all of it on the calling thread.
     */
    private static void forwardChunk(ConvShape g, float[] x, int xOff, float[] u, int uPlane, int b0, int b1,
            int maxCols, boolean parallel, float[] bias, int biasOff, float[] y, int yOff) {
        int c = g.c();
        int k = g.k();
        int cols = (b1 - b0) * (g.outH() / 2 * (g.outW() / 2));
        boolean panels = vectorTiles(g);
        Workspace ws = WORKSPACE.get();
        int vPlane = planeStride(c * SgemmDriver.roundUp(maxCols, NR));
        int mPlane = planeStride(k * maxCols);
        float[] v = ws.v = Buffers.grow(ws.v, XI * vPlane);
        float[] m = ws.m = Buffers.grow(ws.m, XI * mPlane);
        // V_xi[ci][tile] at v[xi*vPlane + ci*cols + tile], or in NR-column panels (see inputTransform)
        if (parallel) {
            Parallel.forRange(c, (c0, c1) -> inputTransform(g, x, xOff, b0, b1, c0, c1, v, vPlane, cols));
            Parallel.forEachTask(XI, xi -> multiply(k, c, cols, u, uPlane, v, vPlane, panels, m, mPlane, xi));
            Parallel.forRange(k, (k0, k1) -> outputTransform(g, m, mPlane, cols, b0, b1, k0, k1, bias, biasOff, y,
                    yOff));
        } else {
            inputTransform(g, x, xOff, b0, b1, 0, c, v, vPlane, cols);
            for (int xi = 0; xi < XI; xi++) {
                multiply(k, c, cols, u, uPlane, v, vPlane, panels, m, mPlane, xi);
            }
            outputTransform(g, m, mPlane, cols, b0, b1, 0, k, bias, biasOff, y, yOff);
        }
    }

    /** M_xi = U_xi V_xi, on the calling thread; V_xi in NR-column panels when panels, else a plain matrix. */
    private static void multiply(int k, int c, int cols, float[] u, int uPlane, float[] v, int vPlane, boolean panels,
            float[] m, int mPlane, int xi) {
        SgemmDriver.PackB b = panels ? panelsB(v, xi * vPlane, c) : SgemmDriver.matrixB(false, v, xi * vPlane, cols);
        SgemmDriver.gemmRange(0, k, 0, cols, c, panelsA(u, xi * uPlane, c), b, m, xi * mPlane, cols, false);
    }

    /** Whether the forward's input transform runs in vectors, writing V in NR-column panels ({@link Winograd2dImageTiles}). */
    private static boolean vectorTiles(ConvShape g) {
        return Winograd2dImageTiles.AVAILABLE && g.h() == Winograd2dImageTiles.SIDE && g.w() == Winograd2dImageTiles.SIDE;
    }

    /**
     * The weight gradient of Q(x) and Q(dy) (null quantisers: plain), written to dw. The images are split into a
     * fixed number of blocks ({@link #BLOCKS_PER_THREAD} a thread), each summed on its own: the thread that takes
     * a block transforms its images, chunk by chunk, and runs the 16 GEMMs over them into the block's own M, so
     * the transformed tiles are read back by the core that wrote them. The blocks' M then add up in block order
     * (the result does not depend on which thread took a block) and G^T M G makes dw.
     *
     * <p>Before (session 13), the transforms of a chunk were split over the threads by image and its GEMMs by
     * position xi: every tile crossed between the cores, and when the VM placed them on two last-level caches
     * the transforms' stores waited on the other core's copies (ResNet-20's 64->64 8x8 layer, batch 128,
     * 2 threads: transforms 1.1-1.6 ms a call in the near placement and 3.4-4.0 ms in the far one). Calls
     * alternating in one JVM, medians of 60: 3.4 against 6.5 ms in the far placement, 2.7-3.1 against 2.8-3.1
     * in the near one, bit for bit the same result. Layers with more than {@link #BLOCK_SUMS_MAX_WEIGHTS}
     * channel pairs keep the split by position ({@link #weightGradByPosition}): there each block's M is
     * megabytes to add up (ResNet-18's 256->256 8x8 at batch 32, near placement: 8.6 against 7.5 ms; 512->512
     * 4x4 13.6 against 8.8 ms).
     */
    static void weightGrad(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy, int dyOff,
            PabKernels.Quantizing qdy, float[] dw, int dwOff) {
        if ((long) g.k() * g.c() > BLOCK_SUMS_MAX_WEIGHTS) {
            weightGradByPosition(g, x, xOff, qx, dy, dyOff, qdy, dw, dwOff);
            return;
        }
        int c = g.c();
        int k = g.k();
        int kPad = SgemmDriver.roundUp(k, MR);
        int cPad = SgemmDriver.roundUp(c, NR);
        int slots = Winograd2dGradientTiles.slots(g);
        int blocks = Math.min(g.n(), Parallel.threads() * BLOCKS_PER_THREAD);
        int blockImages = (g.n() + blocks - 1) / blocks;
        int nb = Math.min(blockImages, Math.max(1, BLOCK_CHUNK_TILES / (g.outH() / 2 * (g.outW() / 2))));
        int maxCols = nb * slots;
        // the transformed gradient M_xi[ko][ci] of block b at sums[b][xi*mwPlane + ko*c + ci]
        int mwPlane = planeStride(k * c);
        float[][] sums = WORKSPACE.get().blockSums(blocks, XI * mwPlane);
        Parallel.forEachTask(blocks, block -> {
            int first = (int) ((long) g.n() * block / blocks);
            int end = (int) ((long) g.n() * (block + 1) / blocks);
            Workspace ws = WORKSPACE.get();
            // V_xi as NR-column panels (ci) over the depth (tiles), Z_xi as MR-row panels (ko) over the tiles,
            // padding rows and columns written as zeros
            int vPlane = planeStride(cPad * maxCols);
            int zPlane = planeStride(kPad * maxCols);
            float[] v = ws.v = Buffers.grow(ws.v, XI * vPlane);
            float[] z = ws.m = Buffers.grow(ws.m, XI * zPlane);
            float[] mw = sums[block];
            for (int b0 = first; b0 < end; b0 += nb) {
                int b1 = Math.min(end, b0 + nb);
                int cols = (b1 - b0) * slots;
                Winograd2dGradientTiles.inputTiles(g, x, xOff, qx, b0, b0, b1, v, vPlane, cols);
                Winograd2dGradientTiles.gradientTiles(g, dy, dyOff, qdy, b0, b0, b1, z, zPlane, cols);
                for (int xi = 0; xi < XI; xi++) {
                    SgemmDriver.gemmRange(0, k, 0, c, cols, panelsA(z, xi * zPlane, cols),
                            panelsB(v, xi * vPlane, cols), mw, xi * mwPlane, c, b0 > first);
                }
            }
        });
        Parallel.forRange(k, (k0, k1) -> {
            for (int b = 1; b < blocks; b++) {
                addRows(sums[b], sums[0], mwPlane, c, k0, k1);
            }
            kernelGradient(sums[0], mwPlane, c, k0, k1, dw, dwOff);
        });
    }

    /** Channel pairs k*c up to which {@link #weightGrad} sums by image block (M 16 x 64 KB a block at most). */
    private static final int BLOCK_SUMS_MAX_WEIGHTS = 128 * 128;

    /**
     * Tiles per chunk of a block: the chunk's transformed tiles (16 positions of 128 tiles x 64 channels, 512 KB
     * for x and dy together at 64 channels) stay in the core's L2 for its GEMMs (far placement, 64->64 8x8:
     * 3.4, 3.6, 4.5 ms at 128, 256, 512 tiles).
     */
    private static final int BLOCK_CHUNK_TILES = 128;

    /** Image blocks per thread in {@link #weightGrad} (each with its own M; dynamic hand-out balances them). */
    private static final int BLOCKS_PER_THREAD = Integer.getInteger("peekaboo.conv.winograd2dBlocksPerThread", 2);

    /** to[xi*plane + ko*c + ci] += from[...] for every position xi and the rows ko in [k0, k1). */
    private static void addRows(float[] from, float[] to, int plane, int c, int k0, int k1) {
        for (int xi = 0; xi < XI; xi++) {
            for (int i = xi * plane + k0 * c, end = xi * plane + k1 * c; i < end; i++) {
                to[i] += from[i];
            }
        }
    }

    /**
     * {@link #weightGrad} for layers with many channels: each chunk of images is transformed by all threads
     * (split by image), then its 16 GEMMs are split over the threads by position xi, adding into one M. The
     * chunks' GEMMs add up in a fixed order, so the result is the same from run to run.
     */
    private static void weightGradByPosition(ConvShape g, float[] x, int xOff, PabKernels.Quantizing qx, float[] dy,
            int dyOff, PabKernels.Quantizing qdy, float[] dw, int dwOff) {
        int c = g.c();
        int k = g.k();
        int kPad = SgemmDriver.roundUp(k, MR);
        int cPad = SgemmDriver.roundUp(c, NR);
        int slots = Winograd2dGradientTiles.slots(g);
        int nb = imagesPerChunk(g);
        int maxCols = nb * slots;
        Workspace ws = WORKSPACE.get();
        // V_xi as NR-column panels (ci) over the depth (tiles), Z_xi as MR-row panels (ko) over the tiles,
        // padding rows and columns written as zeros
        int vPlane = planeStride(cPad * maxCols);
        int zPlane = planeStride(kPad * maxCols);
        float[] v = ws.v = Buffers.grow(ws.v, XI * vPlane);
        float[] z = ws.m = Buffers.grow(ws.m, XI * zPlane);
        // the transformed gradient M_xi[ko][ci] at mw[xi*mwPlane + ko*c + ci]
        int mwPlane = planeStride(k * c);
        float[] mw = ws.u = Buffers.grow(ws.u, XI * mwPlane);
        for (int b0 = 0; b0 < g.n(); b0 += nb) {
            int b1 = Math.min(g.n(), b0 + nb);
            int cols = (b1 - b0) * slots;
            int start = b0;
            boolean add = b0 > 0;
            Parallel.forRange(b1 - b0, (i0, i1) -> {
                Winograd2dGradientTiles.inputTiles(g, x, xOff, qx, start, start + i0, start + i1, v, vPlane, cols);
                Winograd2dGradientTiles.gradientTiles(g, dy, dyOff, qdy, start, start + i0, start + i1, z, zPlane,
                        cols);
            });
            Parallel.forEachTask(XI, xi -> SgemmDriver.gemmRange(0, k, 0, c, cols, panelsA(z, xi * zPlane, cols),
                    panelsB(v, xi * vPlane, cols), mw, xi * mwPlane, c, add));
        }
        Parallel.forRange(k, (k0, k1) -> kernelGradient(mw, mwPlane, c, k0, k1, dw, dwOff));
    }

    /**
     * U = G g G^T for the kernels g of the output channels in the MR-row panels [p0, p1) (zero for the rows
     * past k): u[xi*plane + panel*MR*c + ci*MR + ko % MR]. The kernel of (ko, ci) is w[ko][ci], or, flipped,
     * w[ci][ko] rotated by 180 degrees (the forward convolution that is the input gradient of w's layer).
     */
    private static void kernelTransform(float[] w, int wOff, boolean flipped, int k, int c, int p0, int p1,
            float[] u, int plane) {
        for (int panel = p0; panel < p1; panel++) {
            for (int ci = 0; ci < c; ci++) {
                for (int i = 0; i < MR; i++) {
                    int ko = panel * MR + i;
                    int dst = panel * MR * c + ci * MR + i;
                    if (ko >= k) {
                        for (int xi = 0; xi < XI; xi++) {
                            u[xi * plane + dst] = 0f;
                        }
                        continue;
                    }
                    // g[row][col]; flipped, tap t of the kernel is tap 8 - t of w[ci][ko]
                    int src = wOff + (flipped ? ci * k + ko : ko * c + ci) * 9;
                    int step = flipped ? -1 : 1;
                    int at = flipped ? src + 8 : src;
                    float g00 = w[at];
                    float g01 = w[at + step];
                    float g02 = w[at + 2 * step];
                    float g10 = w[at + 3 * step];
                    float g11 = w[at + 4 * step];
                    float g12 = w[at + 5 * step];
                    float g20 = w[at + 6 * step];
                    float g21 = w[at + 7 * step];
                    float g22 = w[at + 8 * step];
                    // G g: rows g0, (g0 + g1 + g2)/2, (g0 - g1 + g2)/2, g2; then each row times G^T
                    kernelRow(u, dst, plane, 0, g00, g01, g02);
                    kernelRow(u, dst, plane, 4, 0.5f * (g00 + g10 + g20), 0.5f * (g01 + g11 + g21),
                            0.5f * (g02 + g12 + g22));
                    kernelRow(u, dst, plane, 8, 0.5f * (g00 - g10 + g20), 0.5f * (g01 - g11 + g21),
                            0.5f * (g02 - g12 + g22));
                    kernelRow(u, dst, plane, 12, g20, g21, g22);
                }
            }
        }
    }

    /** Row (a, b, c) of G g times G^T, to positions xi0..xi0 + 3. */
    private static void kernelRow(float[] u, int dst, int plane, int xi0, float a, float b, float c) {
        u[xi0 * plane + dst] = a;
        u[(xi0 + 1) * plane + dst] = 0.5f * (a + b + c);
        u[(xi0 + 2) * plane + dst] = 0.5f * (a - b + c);
        u[(xi0 + 3) * plane + dst] = c;
    }

    /**
     * V = B^T d B for every tile of the images [b0, b1) and channels [c0, c1): v[xi*plane + ci*cols + tile],
     * tile counted from image b0; for 8x8 images in vectors ({@link #vectorTiles}), in NR-column panels instead, an
     * image's 16 tiles half a panel.
     */
    private static void inputTransform(ConvShape g, float[] x, int xOff, int b0, int b1, int c0, int c1, float[] v,
            int plane, int cols) {
        int h = g.h();
        int w = g.w();
        if (vectorTiles(g)) {
            float[] phases = new float[Winograd2dImageTiles.BUFFER];
            for (int b = b0; b < b1; b++) {
                int image = b - b0;
                for (int ci = c0; ci < c1; ci++) {
                    Winograd2dImageTiles.transform(x, xOff + (b * g.c() + ci) * h * w, phases, v,
                            image / 2 * NR * g.c() + ci * NR + image % 2 * Winograd2dImageTiles.TILES, plane);
                }
            }
            return;
        }
        int wp = w + 2;
        float[] d = new float[(h + 2) * wp]; // one channel, zero padded
        int tw = w / 2;
        int tpi = h / 2 * tw;
        for (int b = b0; b < b1; b++) {
            for (int ci = c0; ci < c1; ci++) {
                int src = xOff + (b * g.c() + ci) * h * w;
                for (int r = 0; r < h; r++) { // rows this short copy faster in a loop than by System.arraycopy
                    int to = (r + 1) * wp + 1;
                    for (int j = 0; j < w; j++) {
                        d[to + j] = x[src + r * w + j];
                    }
                }
                int base = ci * cols + (b - b0) * tpi;
                for (int ty = 0; ty < h / 2; ty++) {
                    for (int tx = 0; tx < tw; tx++) {
                        int p = 2 * ty * wp + 2 * tx;
                        int o = base + ty * tw + tx;
                        // B^T d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3; then each row times B
                        int r1 = p + wp;
                        int r2 = p + 2 * wp;
                        int r3 = p + 3 * wp;
                        inputRow(v, o, plane, 0, d[p] - d[r2], d[p + 1] - d[r2 + 1], d[p + 2] - d[r2 + 2],
                                d[p + 3] - d[r2 + 3]);
                        inputRow(v, o, plane, 4, d[r1] + d[r2], d[r1 + 1] + d[r2 + 1], d[r1 + 2] + d[r2 + 2],
                                d[r1 + 3] + d[r2 + 3]);
                        inputRow(v, o, plane, 8, d[r2] - d[r1], d[r2 + 1] - d[r1 + 1], d[r2 + 2] - d[r1 + 2],
                                d[r2 + 3] - d[r1 + 3]);
                        inputRow(v, o, plane, 12, d[r1] - d[r3], d[r1 + 1] - d[r3 + 1], d[r1 + 2] - d[r3 + 2],
                                d[r1 + 3] - d[r3 + 3]);
                    }
                }
            }
        }
    }

    /** Row (d0, d1, d2, d3) of B^T d times B, to positions xi0..xi0 + 3. */
    private static void inputRow(float[] v, int o, int plane, int xi0, float d0, float d1, float d2, float d3) {
        v[xi0 * plane + o] = d0 - d2;
        v[(xi0 + 1) * plane + o] = d1 + d2;
        v[(xi0 + 2) * plane + o] = d2 - d1;
        v[(xi0 + 3) * plane + o] = d1 - d3;
    }

    /**
     * y tiles = A^T M A (+ bias) for the images [b0, b1) and output channels [k0, k1): 16 tiles at a time in vectors
     * (M's tiles lie side by side), each tile's 4 outputs then stored from a small buffer; the same float operations
     * in the same order as the scalar tail, so the same bits. Scalar, it was 18% of ResNet-18's 256->256 8x8
     * forward (JFR, session 22). Where the 16 tiles are one 8x8 image they are written back in whole vectors
     * ({@link Winograd2dImageTiles#untile}).
     */
    private static void outputTransform(ConvShape g, float[] m, int plane, int cols, int b0, int b1, int k0,
            int k1, float[] bias, int biasOff, float[] y, int yOff) {
        int k = g.k();
        int oh = g.outH();
        int ow = g.outW();
        int tw = ow / 2;
        int tpi = oh / 2 * tw;
        int tiles = (b1 - b0) * tpi;
        int[] at = new int[tiles]; // where tile t's top-left output lies, from output channel 0 of image b0
        for (int t = 0; t < tiles; t++) {
            int r = t % tpi;
            at[t] = t / tpi * k * oh * ow + 2 * (r / tw) * ow + 2 * (r % tw);
        }
        float[] out = new float[4 * VL];
        boolean untile = vectorTiles(g);
        for (int ko = k0; ko < k1; ko++) {
            float bv = bias == null ? 0f : bias[biasOff + ko];
            FloatVector bias4 = FloatVector.broadcast(S, bv);
            int dst = yOff + (b0 * k + ko) * oh * ow;
            int src = ko * cols;
            int t = 0;
            for (; Sgemm.SIMD && t + VL <= tiles; t += VL) {
                int o = src + t;
                // A^T M: rows m0 + m1 + m2 and m1 - m2 - m3, per column; then (A^T M) A the same along each row
                FloatVector m4 = FloatVector.fromArray(S, m, 4 * plane + o);
                FloatVector m5 = FloatVector.fromArray(S, m, 5 * plane + o);
                FloatVector m6 = FloatVector.fromArray(S, m, 6 * plane + o);
                FloatVector m7 = FloatVector.fromArray(S, m, 7 * plane + o);
                FloatVector m8 = FloatVector.fromArray(S, m, 8 * plane + o);
                FloatVector m9 = FloatVector.fromArray(S, m, 9 * plane + o);
                FloatVector m10 = FloatVector.fromArray(S, m, 10 * plane + o);
                FloatVector m11 = FloatVector.fromArray(S, m, 11 * plane + o);
                FloatVector s0 = FloatVector.fromArray(S, m, o).add(m4).add(m8);
                FloatVector s1 = FloatVector.fromArray(S, m, plane + o).add(m5).add(m9);
                FloatVector s2 = FloatVector.fromArray(S, m, 2 * plane + o).add(m6).add(m10);
                FloatVector s3 = FloatVector.fromArray(S, m, 3 * plane + o).add(m7).add(m11);
                FloatVector t0 = m4.sub(m8).sub(FloatVector.fromArray(S, m, 12 * plane + o));
                FloatVector t1 = m5.sub(m9).sub(FloatVector.fromArray(S, m, 13 * plane + o));
                FloatVector t2 = m6.sub(m10).sub(FloatVector.fromArray(S, m, 14 * plane + o));
                FloatVector t3 = m7.sub(m11).sub(FloatVector.fromArray(S, m, 15 * plane + o));
                if (untile) { // the 16 tiles are one 8x8 image: written out in whole vectors
                    Winograd2dImageTiles.untile(s0.add(s1).add(s2).add(bias4), s1.sub(s2).sub(s3).add(bias4),
                            t0.add(t1).add(t2).add(bias4), t1.sub(t2).sub(t3).add(bias4), y, dst + at[t]);
                    continue;
                }
                s0.add(s1).add(s2).add(bias4).intoArray(out, 0);
                s1.sub(s2).sub(s3).add(bias4).intoArray(out, VL);
                t0.add(t1).add(t2).add(bias4).intoArray(out, 2 * VL);
                t1.sub(t2).sub(t3).add(bias4).intoArray(out, 3 * VL);
                for (int l = 0; l < VL; l++) {
                    int p = dst + at[t + l];
                    y[p] = out[l];
                    y[p + 1] = out[VL + l];
                    y[p + ow] = out[2 * VL + l];
                    y[p + ow + 1] = out[3 * VL + l];
                }
            }
            for (; t < tiles; t++) {
                int o = src + t;
                float s0 = m[o] + m[4 * plane + o] + m[8 * plane + o];
                float s1 = m[plane + o] + m[5 * plane + o] + m[9 * plane + o];
                float s2 = m[2 * plane + o] + m[6 * plane + o] + m[10 * plane + o];
                float s3 = m[3 * plane + o] + m[7 * plane + o] + m[11 * plane + o];
                float t0 = m[4 * plane + o] - m[8 * plane + o] - m[12 * plane + o];
                float t1 = m[5 * plane + o] - m[9 * plane + o] - m[13 * plane + o];
                float t2 = m[6 * plane + o] - m[10 * plane + o] - m[14 * plane + o];
                float t3 = m[7 * plane + o] - m[11 * plane + o] - m[15 * plane + o];
                int p = dst + at[t];
                y[p] = s0 + s1 + s2 + bv;
                y[p + 1] = s1 - s2 - s3 + bv;
                y[p + ow] = t0 + t1 + t2 + bv;
                y[p + ow + 1] = t1 - t2 - t3 + bv;
            }
        }
    }

    /** dw[ko][ci] = G^T M G from mw[xi*plane + ko*c + ci], for ko in [k0, k1). */
    private static void kernelGradient(float[] mw, int plane, int c, int k0, int k1, float[] dw, int dwOff) {
        for (int ko = k0; ko < k1; ko++) {
            for (int ci = 0; ci < c; ci++) {
                int o = ko * c + ci;
                // G^T M: rows m0 + (m1 + m2)/2, (m1 - m2)/2, (m1 + m2)/2 + m3, column by column, unrolled by
                // hand (a loop over a small array ran slower); edit the four columns alike
                float m0 = mw[o];
                float m1 = mw[4 * plane + o];
                float m2 = mw[8 * plane + o];
                float m3 = mw[12 * plane + o];
                float h = 0.5f * (m1 + m2);
                float a0 = m0 + h;
                float b0 = 0.5f * (m1 - m2);
                float c0 = h + m3;
                m0 = mw[plane + o];
                m1 = mw[5 * plane + o];
                m2 = mw[9 * plane + o];
                m3 = mw[13 * plane + o];
                h = 0.5f * (m1 + m2);
                float a1 = m0 + h;
                float b1 = 0.5f * (m1 - m2);
                float c1 = h + m3;
                m0 = mw[2 * plane + o];
                m1 = mw[6 * plane + o];
                m2 = mw[10 * plane + o];
                m3 = mw[14 * plane + o];
                h = 0.5f * (m1 + m2);
                float a2 = m0 + h;
                float b2 = 0.5f * (m1 - m2);
                float c2 = h + m3;
                m0 = mw[3 * plane + o];
                m1 = mw[7 * plane + o];
                m2 = mw[11 * plane + o];
                m3 = mw[15 * plane + o];
                h = 0.5f * (m1 + m2);
                float a3 = m0 + h;
                float b3 = 0.5f * (m1 - m2);
                float c3 = h + m3;
                // (G^T M) G: the same along each row
                int dst = dwOff + o * 9;
                gradientKernelRow(dw, dst, a0, a1, a2, a3);
                gradientKernelRow(dw, dst + 3, b0, b1, b2, b3);
                gradientKernelRow(dw, dst + 6, c0, c1, c2, c3);
            }
        }
    }

    /** Row (r0, r1, r2, r3) of G^T M times G, to dw[d, d + 3). */
    private static void gradientKernelRow(float[] dw, int d, float r0, float r1, float r2, float r3) {
        float h = 0.5f * (r1 + r2);
        dw[d] = r0 + h;
        dw[d + 1] = 0.5f * (r1 - r2);
        dw[d + 2] = h + r3;
    }
}
