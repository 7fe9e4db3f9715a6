package peekaboo.backend.cpu;

import peekaboo.backend.ConvShape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ConvProperties {
    /** Channel groups of 16 the outer-product weight gradient takes (Conv2dOuterWeightGrad). */
    private static final int OUTER_MAX_GROUPS = 4;
    /**
     * The outer-product input gradient was written for 16-lane vectors (AVX-512); with 8 lanes (AVX2) it runs as two
     * passes of 4 pixels and takes wider input rows too ({@link #OUTER_STRIDED}).
     */
    static final boolean OUTER_PATHS = Sgemm.SIMD && SgemmKernel.VL == 16;
    /** The outer-product forward and input gradient run on 16- and 8-lane vectors (8: two passes of 4 pixels). */
    static final boolean OUTER_STRIDED = Sgemm.SIMD && (SgemmKernel.VL == 16 || SgemmKernel.VL == 8);

    /**
     * Whether the outer-product weight gradient takes a layer of this many input channels at this stride (16 to 64
     * channels; 8 lanes: 16 channels at stride 2).
     */
    static boolean outerWeightGradTakes(ConvShape g) {
        return Sgemm.SIMD && (SgemmKernel.VL == 16 ? g.c() <= 64
                : SgemmKernel.VL == 8 && g.c() == 16 && g.strideW() == 2);
    }

    @Provide
    Arbitrary<ConvShape> shapes() {
        Arbitrary<int[]> sizes = Arbitraries.integers().between(1, 9).array(int[].class).ofSize(2);
        Arbitrary<int[]> chans = Arbitraries.integers().between(1, 4).array(int[].class).ofSize(3);
        Arbitrary<int[]> taps = Arbitraries.integers().between(1, 3).array(int[].class).ofSize(2);
        Arbitrary<int[]> geo = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(6);
        Arbitrary<Integer> mode = Arbitraries.integers().between(0, 3);
        return Combinators.combine(sizes, chans, taps, geo, mode).as((hw, ch, rs, q, md) -> {
            int n = ch[2] == 4 ? 1 : ch[2];
            int groups = md == 2 ? 2 : 1;
            int c = ch[0] * groups;
            int k = ch[1] * groups;
            if (md == 3) { // depthwise
                groups = c;
                k = c * (ch[1] % 2 + 1);
            }
            int strideH = 1 + q[0] % 2;
            int strideW = 1 + q[1] % 2;
            int dilH = 1 + (q[2] == 2 ? 1 : 0);
            int dilW = 1 + (q[3] == 2 ? 1 : 0);
            int r = rs[0];
            int s = md == 1 ? 1 : rs[1];
            int h = Math.max(hw[0], dilH * (r - 1) + 1);
            int w = Math.max(hw[1], dilW * (s - 1) + 1);
            return new ConvShape(n, c, h, w, k, r, s, strideH, strideW, q[4], q[5], dilH, dilW, groups);
        });
    }

    @Property(tries = 200, seed = "45")
    void float32MatchesReference(@ForAll("shapes") ConvShape g, @ForAll long seed) {
        checkF32(g, seed, 0);
    }

    /** Pruned weights (mostly zeros) take the sparse kernels of the forward and input-gradient passes. */
    @Property(tries = 100, seed = "48")
    void prunedFloat32MatchesReference(@ForAll("shapes") ConvShape g, @ForAll long seed,
            @ForAll @DoubleRange(min = 0.5, max = 1.0) double zeroFraction) {
        checkF32(g, seed, zeroFraction);
    }

    /**
     * Layer-sized 3x3 stride-1 convs: output channels in multiples of 16, maps of 8 to 20 pixels a side
     * (pruned ones take the direct sparse kernels from 8 wide, dense ones the direct path from 16x16).
     */
    @Property(tries = 30, seed = "49")
    void layerSizedFloat32MatchesReference(@ForAll("layerShapes") ConvShape g, @ForAll long seed, @ForAll boolean pruned) {
        checkF32(g, seed, pruned ? 0.85 : 0);
    }

    /**
     * Batches of 9 to 40 small images on the direct path: its weight gradient hands several images to
     * one kernel call (as many padded images as fit its budget) and a shorter last group to another.
     */
    @Property(tries = 25, seed = "50")
    void manyImagesFloat32MatchesReference(@ForAll("manyImageShapes") ConvShape g, @ForAll long seed) {
        checkF32(g, seed, 0);
    }

    @Provide
    Arbitrary<ConvShape> manyImageShapes() {
        return Combinators.combine(Arbitraries.integers().between(9, 40), Arbitraries.integers().between(1, 6),
                Arbitraries.integers().between(1, 20), Arbitraries.integers().between(16, 19),
                Arbitraries.integers().between(16, 18), Arbitraries.integers().between(1, 2)).as((n, c, k, h, w, groups) ->
                new ConvShape(n, c * groups, h, w, k * groups, 3, 3, 1, 1, 1, 1, 1, 1, groups));
    }

    /**
     * Strided layers with at least 16x16 outputs take the direct path on phase planes (forward, and the
     * weight gradient of small layers); dilation, padding and odd sizes move the taps across the planes.
     */
    @Property(tries = 40, seed = "51")
    void stridedFloat32MatchesReference(@ForAll("stridedShapes") ConvShape g, @ForAll long seed, @ForAll boolean pruned) {
        checkF32(g, seed, pruned ? 0.85 : 0);
    }

    @Provide
    Arbitrary<ConvShape> stridedShapes() {
        Arbitrary<int[]> geo = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(6);
        return Combinators.combine(Arbitraries.integers().between(1, 12), Arbitraries.integers().between(1, 5),
                Arbitraries.integers().between(1, 20), Arbitraries.integers().between(32, 41),
                Arbitraries.integers().between(32, 41), geo).as((n, c, k, h, w, q) -> {
                    int strideH = 2 + (q[0] == 2 ? 1 : 0) * (q[1] == 0 ? 1 : 0);
                    int strideW = q[1] == 2 ? 3 - strideH % 2 : strideH;
                    int dil = 1 + (q[2] == 2 ? 1 : 0);
                    int r = 1 + q[3];
                    int groups = q[4] == 2 ? 2 : 1;
                    return new ConvShape(n, c * groups, h, w, k * groups, r, r, strideH, strideW, q[5], q[5] == 2 ? 1 : q[5],
                            dil, dil, groups);
                });
    }

    /**
     * Strided 1x1 convolutions without padding (the ResNets' projection shortcuts) take Conv2dPointwise: strides
     * 1 to 3 along each axis (at least one above 1), odd and even sizes, output pixel counts that fill no whole
     * panel or vector (33 to 247), channels that fill no whole register block.
     */
    @Property(tries = 60, seed = "230")
    void pointwiseFloat32MatchesReference(@ForAll("pointwiseShapes") ConvShape g, @ForAll long seed) {
        assertTrue(Conv2dPointwise.supports(g) && Conv2dPointwise.fitsWeightGrad(g),
                () -> g + " should take the pointwise path");
        checkF32(g, seed, 0);
    }

    @Provide
    Arbitrary<ConvShape> pointwiseShapes() {
        Arbitrary<int[]> sizes = Arbitraries.integers().between(1, 40).array(int[].class).ofSize(5);
        return Combinators.combine(Arbitraries.integers().between(1, 12), sizes, Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(1, 3)).as((n, q, strideH, strideW) -> {
                    int sh = strideH == 0 && strideW == 1 ? 2 : Math.max(1, strideH + 1);
                    int oh = 3 + q[2] % 11; // outH * outW from 33 (a panel and a bit) to 247
                    int ow = 11 + q[3] % 9;
                    return new ConvShape(n, q[0], (oh - 1) * sh + 1 + q[4] % sh, (ow - 1) * strideW + 1 + q[4] % strideW,
                            q[1], 1, 1, sh, strideW, 0, 0, 1 + q[4] % 2, 1, 1);
                });
    }

    /**
     * Strided layers whose taps reach every phase take the phase input gradient (Conv2dPhaseInputGrad): strides
     * 2 and 3 along either axis, kernels 2 to 4 wide, padding 0 to 2, odd and even sizes, more channels than a
     * register block, and widths whose phases fill pairs of rows (32), whole tiles (64) or neither (the virtual
     * grid with junk columns).
     */
    @Property(tries = 60, seed = "228")
    void phaseInputGradMatchesReference(@ForAll("phaseShapes") ConvShape g, @ForAll long seed) {
        assertTrue(Conv2dPhaseInputGrad.supports(g), () -> g + " should take the phase input gradient");
        checkF32(g, seed, 0);
    }

    @Provide
    Arbitrary<ConvShape> phaseShapes() {
        Arbitrary<Integer> sizes = Arbitraries.oneOf(Arbitraries.integers().between(4, 40), Arbitraries.of(32, 33, 64, 65));
        Arbitrary<int[]> geo = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(6);
        return Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 20),
                Arbitraries.integers().between(1, 12), sizes, sizes, geo).as((n, c, k, h, w, q) -> {
                    int strideH = 2 + (q[0] == 2 ? 1 : 0);
                    int strideW = q[1] == 2 ? 3 : 2;
                    int r = Math.max(strideH, 2 + q[2]);
                    int s = Math.max(strideW, 2 + q[3]);
                    return new ConvShape(n, c, h, w, k, r, s, strideH, strideW, q[4], q[5], 1, 1, 1);
                });
    }

    /**
     * Dense layers with three kernel rows at stride 1, 8 channels and more on both sides, whose output rows
     * fill whole tiles take F(2, 3) along the rows (Conv2dWinogradRows), forward and input gradient: odd
     * heights, padding 0 to 2 (also wider than the column taps reach, so that rows shorter than a vector
     * meet the padding), one or three column taps, column dilation, groups and bias move the transformed
     * rows around.
     */
    @Property(tries = 40, seed = "53")
    void winogradRowsFloat32MatchesReference(@ForAll("winogradShapes") ConvShape g, @ForAll long seed) {
        assertTrue(Conv2dWinogradRows.supports(g), () -> g + " should take the Winograd rows");
        checkF32(g, seed, 0);
    }

    /**
     * 16-channel 3x3 layers with padding 1 and input rows of whole vectors take the outer-product weight gradient
     * (Conv2dOuterWeightGrad): stride 1 or 2, heights from 1 (odd ones too), one or two vectors a row, 8 to 32
     * output channels, one image or more images than chunks.
     */
    @Property(tries = 40, seed = "238")
    void outerWeightGradFloat32MatchesReference(@ForAll @IntRange(min = 1, max = 20) int n,
            @ForAll @IntRange(min = 1, max = 12) int h, @ForAll @IntRange(min = 1, max = 2) int rowVectors,
            @ForAll @IntRange(min = 1, max = 4) int kBlocks, @ForAll @IntRange(min = 1, max = 2) int stride,
            @ForAll @IntRange(min = 1, max = OUTER_MAX_GROUPS) int channelGroups, @ForAll long seed) {
        ConvShape g = new ConvShape(n, 16 * channelGroups, h, 16 * rowVectors, 8 * kBlocks, 3, 3, stride, stride, 1, 1,
                1, 1, 1);
        assertEquals(outerWeightGradTakes(g), Conv2dOuterWeightGrad.supports(g),
                () -> g + " should take the outer-product weight gradient where vectors have 16 lanes (8: 16 channels)");
        checkF32(g, seed, 0);
    }

    /** Maps of more output pixels than one kernel call takes are taken in bands of whole output rows. */
    @Property(tries = 6, seed = "239")
    void outerWeightGradInBandsMatchesReference(@ForAll @IntRange(min = 1, max = 3) int n,
            @ForAll @IntRange(min = 33, max = 70) int h, @ForAll @IntRange(min = 1, max = 2) int stride,
            @ForAll long seed) {
        ConvShape g = new ConvShape(n, 16, h * stride, 32 * stride, 8, 3, 3, stride, stride, 1, 1, 1, 1, 1);
        assertTrue(g.outH() * g.outW() > Conv2dOuterWeightGrad.DY_STRIDE, g::toString);
        assertEquals(outerWeightGradTakes(g), Conv2dOuterWeightGrad.supports(g),
                () -> g + " should take the outer-product weight gradient where vectors have 16 lanes");
        checkF32(g, seed, 0);
    }

    /** The 16 x 16 transposition, against scalars, at any offsets and strides on both sides. */
    @Property(tries = 50, seed = "236")
    void transpose16MatchesScalars(@ForAll @IntRange(min = 0, max = 40) int s,
            @ForAll @IntRange(min = 16, max = 70) int stride, @ForAll @IntRange(min = 0, max = 40) int d,
            @ForAll @IntRange(min = 16, max = 70) int dstStride, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] src = randomF(rnd, s + 15 * stride + 16);
        int end = d + 15 * dstStride + 16;
        float[] dst = filled(end + 5);
        Transpose16.transpose(src, s, stride, dst, d, dstStride);
        for (int p = 0; p < 16; p++) {
            for (int c = 0; c < 16; c++) {
                assertEquals(src[s + c * stride + p], dst[d + dstStride * p + c], "pixel " + p + ", channel " + c);
            }
            for (int c = 16; p < 15 && c < dstStride; c++) {
                assertEquals(7f, dst[d + dstStride * p + c], "wrote between the rows");
            }
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(7f, dst[end + i], "wrote past the block");
        }
    }

    /** The 8 x 8 transposition, against scalars, at any offsets and strides on both sides. */
    @Property(tries = 50, seed = "243")
    void transpose8MatchesScalars(@ForAll @IntRange(min = 0, max = 40) int s,
            @ForAll @IntRange(min = 8, max = 70) int stride, @ForAll @IntRange(min = 0, max = 40) int d,
            @ForAll @IntRange(min = 8, max = 70) int dstStride, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] src = randomF(rnd, s + 7 * stride + 8);
        int end = d + 7 * dstStride + 8;
        float[] dst = filled(end + 5);
        Transpose8.transpose(src, s, stride, dst, d, dstStride);
        for (int p = 0; p < 8; p++) {
            for (int c = 0; c < 8; c++) {
                assertEquals(src[s + c * stride + p], dst[d + dstStride * p + c], "pixel " + p + ", channel " + c);
            }
            for (int c = 8; p < 7 && c < dstStride; c++) {
                assertEquals(7f, dst[d + dstStride * p + c], "wrote between the rows");
            }
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(7f, dst[end + i], "wrote past the block");
        }
    }

    /**
     * 3x3 stride-2 layers with padding 1, 32 or 64 output channels and output rows of 8 or 16 pixels take the
     * outer-product forward (Conv2dOuterForward): any input channel count (past 28, two blocks of taps), odd and
     * even input sizes, bias. Pruned weights go to the sparse kernels instead where those take the layer: the
     * dispatch between them is checked too.
     */
    @Property(tries = 40, seed = "240")
    void outerForwardFloat32MatchesReference(@ForAll @IntRange(min = 1, max = 5) int n,
            @ForAll @IntRange(min = 1, max = 40) int c, @ForAll @IntRange(min = 1, max = 2) int kBlocks,
            @ForAll @IntRange(min = 1, max = 2) int rowBlocks, @ForAll @IntRange(min = 1, max = 7) int rows,
            @ForAll boolean oddSizes, @ForAll boolean pruned, @ForAll long seed) {
        int oh = 2 * rows;
        int ow = 8 * rowBlocks;
        int odd = oddSizes ? 1 : 0;
        ConvShape g = new ConvShape(n, c, 2 * oh - odd, 2 * ow - odd, 32 * kBlocks, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        assertEquals(OUTER_STRIDED, Conv2dOuterForward.supports(g),
                () -> g + " should take the outer-product forward where vectors have 16 or 8 lanes");
        checkF32(g, seed, pruned ? 0.85 : 0);
    }

    /**
     * 3x3 stride-2 layers with padding 1, 32 or 64 input channels and input rows of 16 pixels (with 8-lane vectors
     * also 32) take the outer-product input gradient (Conv2dOuterInputGrad): odd and even heights (the last phase
     * row short or not), any output channel count (past 64, the 4-tap phase takes two blocks of taps), pruned or
     * not.
     */
    @Property(tries = 30, seed = "241")
    void outerInputGradFloat32MatchesReference(@ForAll @IntRange(min = 1, max = 5) int n,
            @ForAll @IntRange(min = 1, max = 2) int cBlocks, @ForAll @IntRange(min = 1, max = 80) int k,
            @ForAll @IntRange(min = 1, max = 13) int h, @ForAll @IntRange(min = 1, max = 2) int rowBlocks,
            @ForAll boolean pruned, @ForAll long seed) {
        ConvShape g = new ConvShape(n, 32 * cBlocks, h, 16 * rowBlocks, k, 3, 3, 2, 2, 1, 1, 1, 1, 1);
        boolean expected = OUTER_PATHS ? rowBlocks == 1 : OUTER_STRIDED;
        assertEquals(expected, Conv2dOuterInputGrad.supports(g),
                () -> g + " should take the outer-product input gradient with rows of 16 (8 lanes: of 16 or 32)");
        checkF32(g, seed, pruned ? 0.85 : 0);
    }

    /**
     * The Winograd-row forward with the input rows transformed inside the kernels (taken by up to 16 output
     * channels per group) gives the same bits as with the rows written out first, on every shape of that path.
     */
    @Property(tries = 40, seed = "237")
    void winogradRowsTransformInKernelSameBits(@ForAll("winogradShapes") ConvShape g, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[g.n() * g.c() * g.h() * g.w()];
        float[] w = new float[g.weightSize()];
        float[] bias = new float[g.k()];
        for (float[] a : new float[][] {x, w, bias}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rnd.nextGaussian();
            }
        }
        int size = g.n() * g.k() * g.outH() * g.outW();
        float[] written = new float[size + 3];
        float[] inKernel = new float[size + 3];
        Conv2dWinogradRows.forward(g, x, 0, w, 0, bias, 0, written, 3, false);
        Conv2dWinogradRows.forward(g, x, 0, w, 0, bias, 0, inKernel, 3, true);
        for (int i = 0; i < written.length; i++) {
            assertEquals(Float.floatToRawIntBits(written[i]), Float.floatToRawIntBits(inKernel[i]), "at " + i + " of " + g);
        }
    }

    /**
     * A 3x1 kernel with padded columns: rows of 14 under a padding of 1 are shorter than a vector, and the
     * last row's vector store of one transformed block reached the next block's first padding column.
     */
    @Example
    void winogradShortRowsKeepTheNextBlocksPadding() {
        ConvShape g = new ConvShape(2, 8, 16, 14, 8, 3, 1, 1, 1, 1, 1, 1, 1, 1);
        assertTrue(Conv2dWinogradRows.supports(g));
        checkF32(g, 7, 0);
    }

    @Provide
    Arbitrary<ConvShape> winogradShapes() {
        Arbitrary<int[]> geo = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(5);
        return Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.integers().between(8, 40),
                Arbitraries.integers().between(8, 40), Arbitraries.integers().between(1, 21), geo).as((n, c, k, rows, q) -> {
                    int groups = q[4] == 2 && c % 2 == 0 && k % 2 == 0 && c >= 16 && k >= 16 ? 2 : 1;
                    int s = q[2] == 0 ? 1 : 3;
                    int dilW = q[3] == 2 ? 2 : 1;
                    int ow = q[3] == 0 ? SgemmKernel.VL : SgemmKernel.NR * (q[3] == 1 ? 1 : 2);
                    int oh = ow == SgemmKernel.VL ? 4 * (1 + rows % 5) : rows;
                    int padH = Math.min(q[0], (oh + 1) / 2);
                    int padW = q[1]; // may exceed the column taps' reach (a 3x1 kernel with padded columns)
                    int h = oh - 2 * padH + 2;
                    int w = ow - 2 * padW + dilW * (s - 1);
                    return new ConvShape(n, c, h, w, k, 3, s, 1, 1, padH, padW, 1, dilW, groups);
                });
    }

    /**
     * Dense, ungrouped 3-row stride-1 layers of 8 channels and more on the patch path (outputs under 16x16, at
     * least 8 wide) take
     * F(2, 3) along the rows over chunks of images (Conv2dWinogradChunks): rows shorter than a vector are
     * transformed a vector at a time, the lanes past a row landing on later rows and the padding.
     */
    @Property(tries = 40, seed = "54")
    void winogradChunksFloat32MatchesReference(@ForAll("winogradChunkShapes") ConvShape g, @ForAll long seed) {
        assertTrue(Conv2dWinogradChunks.supports(g) && !Conv2dF32.direct(g), () -> g + " should take the Winograd chunks");
        checkF32(g, seed, 0);
    }

    @Provide
    Arbitrary<ConvShape> winogradChunkShapes() {
        Arbitrary<int[]> geo = Arbitraries.integers().between(0, 2).array(int[].class).ofSize(4);
        return Combinators.combine(Arbitraries.integers().between(1, 20), Arbitraries.integers().between(8, 40),
                Arbitraries.integers().between(8, 40), Arbitraries.integers().between(1, 15),
                Arbitraries.integers().between(8, 15), geo).as((n, c, k, oh, ow, q) -> {
                    int s = q[2] == 0 ? 1 : 3;
                    int dilW = q[3] == 2 ? 2 : 1;
                    int padH = Math.min(q[0], (oh + 1) / 2);
                    int padW = q[1]; // may exceed the column taps' reach (a 3x1 kernel with padded columns)
                    return new ConvShape(n, c, oh - 2 * padH + 2, ow - 2 * padW + dilW * (s - 1), k, 3, s, 1, 1, padH, padW,
                            1, dilW, 1);
                });
    }

    /**
     * Dense 3x3 "same" convs with even outputs take F(2x2, 3x3) (Conv2dWinograd2d): all three passes up to 4
     * wide, the weight gradient up to 8 wide; tall maps whose tiles split the batch into several chunks, channel
     * counts that leave partial GEMM panels.
     */
    @Property(tries = 40, seed = "56")
    void winograd2dFloat32MatchesReference(@ForAll("winograd2dShapes") ConvShape g, @ForAll long seed) {
        assertTrue(Conv2dWinograd2d.supportsWeightGrad(g), () -> g + " should take 2-d Winograd");
        assertEquals(g.outW() <= 4 || eightByEight(g), Conv2dWinograd2d.supports(g), () -> g + ": forward on 2-d Winograd");
        checkF32(g, seed, 0);
    }

    /** Whether g's forward takes F(2x2, 3x3) for its 8x8 maps (16-lane vectors). */
    private static boolean eightByEight(ConvShape g) {
        return SgemmKernel.VL == 16 && g.h() == 8 && g.w() == 8;
    }

    /**
     * 8x8 maps take F(2x2, 3x3) for all three passes with 16-lane vectors, the input transform in vectors: batches
     * that give each thread whole chunks of images (8 chunks a thread of at least 128 tiles, from 128 images on two
     * threads, with a partial last chunk) and smaller ones whose chunks go one by one, each step over all threads;
     * weights pruned to half as well.
     */
    @Property(tries = 24, seed = "245")
    void winograd2dEightByEightFloat32MatchesReference(@ForAll @IntRange(min = 1, max = 150) int n,
            @ForAll @IntRange(min = 8, max = 24) int c, @ForAll @IntRange(min = 8, max = 24) int k,
            @ForAll boolean pruned, @ForAll long seed) {
        ConvShape g = new ConvShape(n, c, 8, 8, k, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertEquals(eightByEight(g), Conv2dWinograd2d.supports(g), g::toString);
        checkF32(g, seed, pruned ? 0.5 : 0);
    }

    /**
     * Wider maps with 32 channels or more take F(2x2, 3x3) for the weight gradient only; the shapes change from
     * try to try, so the transforms' kept buffers are zeroed again for each new shape.
     */
    @Property(tries = 8, seed = "57")
    void winograd2dWideMapsFloat32MatchesReference(@ForAll("winograd2dWideShapes") ConvShape g, @ForAll long seed) {
        assertTrue(Conv2dWinograd2d.supportsWeightGrad(g) && !Conv2dWinograd2d.supports(g),
                () -> g + " should take 2-d Winograd for its weight gradient only");
        checkF32(g, seed, 0);
    }

    /** 6- and 8-wide maps with 256 channels or more take F(2x2, 3x3) for all three passes. */
    @Property(tries = 4, seed = "230")
    void winograd2dManyChannelsFloat32MatchesReference(@ForAll("winograd2dManyChannelShapes") ConvShape g,
            @ForAll long seed) {
        assertTrue(Conv2dWinograd2d.supports(g) && Conv2dWinograd2d.supportsWeightGrad(g),
                () -> g + " should take 2-d Winograd for all three passes");
        checkF32(g, seed, 0);
    }

    /**
     * Where vectors have 8 lanes (AVX2), 16x16 maps with 128 channels or more take F(2x2, 3x3) for the forward and
     * input gradient ahead of the direct path (Conv2dF32's dispatch), unless their weights are pruned enough for the
     * direct path's sparse kernels; with 16 lanes they keep the direct path.
     */
    @Property(tries = 4, seed = "242")
    void winograd2dSixteenWideFloat32MatchesReference(@ForAll @IntRange(min = 1, max = 2) int n,
            @ForAll @IntRange(min = 128, max = 131) int c, @ForAll @IntRange(min = 128, max = 131) int k,
            @ForAll boolean pruned, @ForAll long seed) {
        ConvShape g = new ConvShape(n, c, 16, 16, k, 3, 3, 1, 1, 1, 1, 1, 1, 1);
        assertEquals(SgemmKernel.VL < 16, Conv2dWinograd2d.supports(g), g::toString);
        assertTrue(Conv2dF32.direct(g), g::toString);
        checkF32(g, seed, pruned ? 0.9 : 0);
    }

    @Provide
    Arbitrary<ConvShape> winograd2dManyChannelShapes() {
        return sameConvs3x3(2, 256, 264, 4, 3, 4);
    }

    @Provide
    Arbitrary<ConvShape> winograd2dWideShapes() {
        return sameConvs3x3(3, 32, 70, 6, 5, 16);
    }

    @Provide
    Arbitrary<ConvShape> winograd2dShapes() {
        return sameConvs3x3(40, 8, 40, 40, 1, 4);
    }

    /**
     * 3x3 "same" convs with even output sides: 1..maxN images, channels in [minC, maxC] on both sides, 2 x
     * [1, maxTh] rows and 2 x [minTw, maxTw] columns.
     */
    private static Arbitrary<ConvShape> sameConvs3x3(int maxN, int minC, int maxC, int maxTh, int minTw, int maxTw) {
        return Combinators.combine(Arbitraries.integers().between(1, maxN), Arbitraries.integers().between(minC, maxC),
                Arbitraries.integers().between(minC, maxC), Arbitraries.integers().between(1, maxTh),
                Arbitraries.integers().between(minTw, maxTw)).as((n, c, k, th, tw) ->
                        new ConvShape(n, c, 2 * th, 2 * tw, k, 3, 3, 1, 1, 1, 1, 1, 1, 1));
    }

    /**
     * Pruned "same" convs on maps 8 to 15 wide run over stacks of images that share their padding
     * (Conv2dSparseStacked): forward and input gradient through the public entry points, batches that
     * leave a partial last stack, kernels of 1, 3 and 5 taps.
     */
    @Property(tries = 40, seed = "55")
    void sparseStackedFloat32MatchesReference(@ForAll("stackedShapes") ConvShape g, @ForAll long seed,
            @ForAll @DoubleRange(min = 0.8, max = 1.0) double zeroFraction) {
        assertTrue(Conv2dSparseStacked.applies(g), () -> g + " should take the stacked sparse path");
        checkF32(g, seed, zeroFraction);
    }

    @Provide
    Arbitrary<ConvShape> stackedShapes() {
        return Combinators.combine(Arbitraries.integers().between(1, 40), Arbitraries.integers().between(1, 20),
                Arbitraries.integers().between(1, 20), Arbitraries.integers().between(1, 12),
                Arbitraries.integers().between(8, 15), Arbitraries.integers().between(0, 2)).as((n, c, k, h, w, p) -> {
                    int r = 2 * p + 1;
                    return new ConvShape(n, c, Math.max(h, r), w, k, r, r, 1, 1, p, p, 1, 1, 1);
                });
    }

    /**
     * 8-wide maps of even height, where the stack is packed and copied out two rows a vector (with 16-lane
     * vectors): ResNet-20's 8x8 stage and ResNet-18's 8x8 maps.
     */
    @Property(tries = 30, seed = "233")
    void sparseStackedEightWideMatchesReference(@ForAll @IntRange(min = 1, max = 40) int n,
            @ForAll @IntRange(min = 1, max = 12) int c, @ForAll @IntRange(min = 1, max = 12) int k,
            @ForAll @IntRange(min = 1, max = 6) int halfH, @ForAll @IntRange(min = 0, max = 2) int p, @ForAll long seed) {
        int r = 2 * p + 1;
        ConvShape g = new ConvShape(n, c, Math.max(2 * halfH, r + r % 2), 8, k, r, r, 1, 1, p, p, 1, 1, 1);
        assertTrue(Conv2dSparseStacked.applies(g), () -> g + " should take the stacked sparse path");
        checkF32(g, seed, 0.85);
    }

    /**
     * The direct path's padded buffer holds every read: each tap's offset plus the virtual grid, also
     * over phase planes, where the last tap is not the farthest (ResNet-20's pruned 32->64 stride-2
     * layer read 14 floats past a freshly sized buffer before this held).
     */
    @Property(tries = 200, seed = "52")
    void paddedBufferHoldsEveryRead(@ForAll("stridedShapes") ConvShape big, @ForAll("shapes") ConvShape small,
            @ForAll boolean useSmall) {
        ConvShape g = useSmall ? small : big;
        for (int unit : new int[] {SgemmKernel.NR, SgemmKernel.VL, SparseRows.TILE}) {
            Conv2dDirect.Padded pd = Conv2dDirect.Padded.of(g, unit);
            for (int o : pd.offs()) {
                assertTrue(o >= 0 && o + pd.q() + SgemmKernel.NR <= pd.size(), () -> g + ": offset " + o + ", q " + pd.q()
                        + ", size " + pd.size());
            }
        }
    }

    @Provide
    Arbitrary<ConvShape> layerShapes() {
        return Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 4),
                Arbitraries.integers().between(1, 24), Arbitraries.integers().between(8, 20),
                Arbitraries.integers().between(8, 20), Arbitraries.integers().between(1, 2)).as((n, kv, c, h, w, groups) ->
                new ConvShape(n, c * groups, h, w, 16 * kv * groups, 3, 3, 1, 1, 1, 1, 1, 1, groups));
    }

    @Property(tries = 100, seed = "46")
    void float64MatchesReference(@ForAll("shapes") ConvShape g, @ForAll long seed) {
        Random rnd = new Random(seed);
        double[] x = randomD(rnd, g.inputSize());
        double[] w = randomD(rnd, g.weightSize());
        double[] bias = randomD(rnd, g.k());
        double[] dy = randomD(rnd, g.outputSize());
        int off = 3;
        double[] y = new double[off + g.outputSize()];
        Conv2dF64.forward(g, pad(x, off), off, pad(w, off), off, pad(bias, off), off, y, off);
        assertClose(ConvReference.forward(g, x, w, bias), y, off, 1e-12, "f64 forward " + g);
        double[] dx = new double[off + g.inputSize()];
        Conv2dF64.inputGrad(g, pad(dy, off), off, pad(w, off), off, dx, off);
        assertClose(ConvReference.inputGrad(g, dy, w), dx, off, 1e-12, "f64 inputGrad " + g);
        double[] dw = new double[off + g.weightSize()];
        Conv2dF64.weightGrad(g, pad(x, off), off, pad(dy, off), off, dw, off);
        assertClose(ConvReference.weightGrad(g, x, dy), dw, off, 1e-12, "f64 weightGrad " + g);
    }

    /** <conv(x, w), dy> == <x, inputGrad(dy, w)> == <w, weightGrad(x, dy)>. */
    @Property(tries = 60, seed = "47")
    void adjointIdentity(@ForAll("shapes") ConvShape g, @ForAll long seed) {
        Random rnd = new Random(seed);
        float[] x = randomF(rnd, g.inputSize());
        float[] w = randomF(rnd, g.weightSize());
        float[] dy = randomF(rnd, g.outputSize());
        float[] y = new float[g.outputSize()];
        float[] dx = new float[g.inputSize()];
        float[] dw = new float[g.weightSize()];
        Conv2dF32.forward(g, x, 0, w, 0, null, 0, y, 0);
        Conv2dF32.inputGrad(g, dy, 0, w, 0, dx, 0);
        Conv2dF32.weightGrad(g, x, 0, dy, 0, dw, 0);
        double a = dot(y, dy);
        double b = dot(x, dx);
        double c = dot(w, dw);
        double scale = 1e-4 * (1 + Math.sqrt(g.flops()));
        assertTrue(Math.abs(a - b) <= scale && Math.abs(a - c) <= scale,
                () -> "adjoint mismatch " + a + " " + b + " " + c + " for " + g);
    }

    @Test
    void layerSizedShapes() {
        ConvShape[] shapes = {
            ConvShape.of(2, 16, 32, 16, 3, 1, 1), // ResNet-20 stage 1
            ConvShape.of(2, 8, 16, 12, 3, 1, 1), // 16x16: two output rows per tile, dy rows read in place
            new ConvShape(2, 8, 15, 16, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1), // 15x16: an odd row count
            ConvShape.of(1, 16, 32, 32, 3, 2, 1), // stride-2 downsampling
            ConvShape.of(3, 32, 8, 64, 1, 1, 0), // 1x1
            ConvShape.of(2, 32, 16, 32, 1, 2, 0), // strided shortcut
            ConvShape.of(2, 3, 32, 16, 3, 1, 1), // RGB input layer
            new ConvShape(2, 8, 13, 11, 8, 3, 3, 1, 1, 2, 2, 2, 2, 8), // dilated depthwise
            new ConvShape(1, 6, 40, 37, 4, 5, 3, 1, 1, 2, 1, 1, 1, 2),
            ConvShape.of(9, 24, 4, 20, 3, 1, 1), // small maps: chunks of several images, a partial last chunk
            ConvShape.of(10, 64, 8, 24, 3, 1, 1), // CRS = 576: the packed patches span two k-blocks
            new ConvShape(8, 6, 7, 6, 4, 3, 3, 2, 2, 1, 1, 1, 1, 2), // grouped, strided, chunks
            ConvShape.of(2, 24, 16, 32, 3, 1, 1), // layer-sized channel counts on the direct path
            new ConvShape(2, 16, 16, 16, 64, 3, 3, 1, 1, 1, 1, 1, 1, 2), // grouped, direct path
            ConvShape.of(3, 16, 8, 16, 3, 1, 1), // 8x8 maps: pruned, the direct sparse kernels
            new ConvShape(2, 8, 9, 12, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1), // 9x12: pruned, direct sparse, odd rows
        };
        long seed = 100;
        for (ConvShape g : shapes) {
            checkF32(g, seed++, 0);
            checkF32(g, seed++, 0.7);
        }
    }

    @Test
    void shapeValidation() {
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(-1, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ConvShape(1, 3, 2, 2, 4, 5, 5, 1, 1, 0, 0, 1, 1, 1));
        ConvShape g = new ConvShape(1, 3, 32, 30, 4, 3, 5, 2, 3, 1, 2, 2, 1, 1);
        assertEquals((32 + 2 - 4 - 1) / 2 + 1, g.outH());
        assertEquals((30 + 4 - 4 - 1) / 3 + 1, g.outW());
    }

    /** Both conv paths against the float64 reference, with a fraction of the weights set to zero. */
    static void checkF32(ConvShape g, long seed, double zeroFraction) {
        Random rnd = new Random(seed);
        float[] x = randomF(rnd, g.inputSize());
        float[] w = randomF(rnd, g.weightSize());
        for (int i = 0; i < w.length; i++) {
            if (rnd.nextDouble() < zeroFraction) {
                w[i] = 0f;
            }
        }
        float[] bias = randomF(rnd, g.k());
        float[] dy = randomF(rnd, g.outputSize());
        double[][] yRef = ConvReference.forward(g, toD(x), toD(w), toD(bias));
        double[][] dxRef = ConvReference.inputGrad(g, toD(dy), toD(w));
        double[][] dwRef = ConvReference.weightGrad(g, toD(x), toD(dy));
        int off = 5;
        for (int path = 0; path < 2; path++) {
            String tag = (path == 0 ? "public " : "im2col ") + g;
            float[] y = filled(off + g.outputSize());
            float[] dx = filled(off + g.inputSize());
            float[] dw = filled(off + g.weightSize());
            if (path == 0) {
                Conv2dF32.forward(g, pad(x, off), off, pad(w, off), off, pad(bias, off), off, y, off);
                Conv2dF32.inputGrad(g, pad(dy, off), off, pad(w, off), off, dx, off);
                Conv2dF32.weightGrad(g, pad(x, off), off, pad(dy, off), off, dw, off);
            } else {
                Conv2dIm2col.forward(g, pad(x, off), off, pad(w, off), off, pad(bias, off), off, y, off);
                Conv2dIm2col.inputGrad(g, pad(dy, off), off, pad(w, off), off, dx, off);
                Conv2dIm2col.weightGrad(g, pad(x, off), off, pad(dy, off), off, dw, off);
            }
            assertClose(yRef, toD(y), off, 1e-4, "forward " + tag);
            assertClose(dxRef, toD(dx), off, 1e-4, "inputGrad " + tag);
            assertClose(dwRef, toD(dw), off, 1e-4, "weightGrad " + tag);
        }
    }

    /** Checks got[off + i] against ref, and that got[0, off) still holds the fill value 7. */
    static void assertClose(double[][] ref, double[] got, int off, double rel, String what) {
        for (int i = 0; i < off; i++) {
            if (got[i] != 7 && got[i] != 0) {
                throw new AssertionError(what + ": wrote before the offset at " + i);
            }
        }
        for (int i = 0; i < ref[0].length; i++) {
            double tol = rel * (1e-1 + ref[1][i]);
            int idx = i;
            assertTrue(Math.abs(got[off + i] - ref[0][i]) <= tol,
                    () -> what + " at " + idx + ": " + got[off + idx] + " expected " + ref[0][idx]);
        }
    }

    static float[] filled(int len) {
        float[] a = new float[len];
        java.util.Arrays.fill(a, 7f); // outputs must be overwritten, not accumulated
        return a;
    }

    static float[] pad(float[] a, int off) {
        float[] p = new float[off + a.length];
        System.arraycopy(a, 0, p, off, a.length);
        return p;
    }

    static double[] pad(double[] a, int off) {
        double[] p = new double[off + a.length];
        System.arraycopy(a, 0, p, off, a.length);
        return p;
    }

    static float[] randomF(Random rnd, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) rnd.nextGaussian();
        }
        return a;
    }

    static double[] randomD(Random rnd, int len) {
        double[] a = new double[len];
        for (int i = 0; i < len; i++) {
            a[i] = rnd.nextGaussian();
        }
        return a;
    }

    static double[] toD(float[] a) {
        return GemmReference.toDouble(a);
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }
}
