package peekaboo.backend.cpu;

import static peekaboo.backend.cpu.SgemmKernel.NR;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;
import peekaboo.backend.ConvShape;

/**
 * The patch matrix (im2col) of a chunk of images, never written out: the images are copied once
 * into a zero-padded buffer xp[b][ci][Hp][Wp], and the GEMM packers read the patch entries from it.
 *
 * <p>Row t = (ci, ty, tx) of the patch matrix and column j = (image b, oy, ox) meet at
 * <pre>  patches[t][j] = xp[rowOffset[t] + columnOffset[j]]</pre>
 * with rowOffset = ci*Hp*Wp + ty*dilH*Wp + tx*dilW and columnOffset = b*C*Hp*Wp + oy*sH*Wp + ox*sW.
 * The padding is real zeros in xp, so no entry needs a bounds test. Along one output row the
 * columns read xp with step sW: at stride 1 a run of columns is one contiguous vector copy, and so it
 * is for strided forwards, whose padded images are stored as phase planes (see the constructor).
 *
 * <p>An instance holds the geometry of one call (shared by all threads); the padded buffers are
 * the callers' own. Tails are copied by scalars, not narrower vectors: loading a second
 * FloatVector shape (256- next to 512-bit, say) made C2 compile the GEMM micro-kernel ~15x
 * slower (measured on JDK 17), so the engine never uses more than one.
 */
final class PaddedPatches {

    private static final VectorSpecies<Float> S = SgemmKernel.S;
    private static final int VL = S.length();

    private final ConvShape g;
    private final int hp;
    private final int wp;
    /** Whether channels are stored as phase planes (see the constructor); the planes' width and size. */
    private final boolean phases;
    private final int wq;
    private final int plane;
    /** Step in xp between neighbouring columns of an output row: 1, or sW in the plain strided layout. */
    private final int step;
    /** Floats per image in the padded buffer. */
    final int imageSize;
    private final int[] rowOffset;
    private final int[] columnOffset;
    /** Columns left on column j's output row, counting j itself. */
    private final int[] runLength;

    /** The geometry for chunks of up to maxImages images of g, in the plain padded layout. */
    PaddedPatches(ConvShape g, int maxImages) {
        this(g, maxImages, false);
    }

    /**
     * The geometry for chunks of up to maxImages images of g; with phases (strided layers whose taps read
     * every phase, see {@link #phasesPay}) each padded channel is stored as sH x sW phase planes, plane
     * (py, px) holding the padded pixels (sH*i + py, sW*j + px). Then patches[t][j] is still
     * xp[rowOffset[t] + columnOffset[j]], and the columns of an output row are contiguous, as at stride 1.
     */
    PaddedPatches(ConvShape g, int maxImages, boolean phases) {
        this.g = g;
        this.phases = phases && phasesPay(g);
        int sh = this.phases ? g.strideH() : 1;
        int sw = this.phases ? g.strideW() : 1;
        this.hp = g.h() + 2 * g.padH();
        this.wp = g.w() + 2 * g.padW();
        int hq = (hp + sh - 1) / sh;
        this.wq = (wp + sw - 1) / sw;
        this.plane = hq * wq;
        this.step = this.phases ? 1 : g.strideW();
        this.imageSize = g.cPerGroup() * sh * sw * plane;
        rowOffset = new int[g.cPerGroup() * g.r() * g.s()];
        for (int ci = 0, t = 0; ci < g.cPerGroup(); ci++) {
            for (int ty = 0; ty < g.r(); ty++) {
                for (int tx = 0; tx < g.s(); tx++, t++) {
                    rowOffset[t] = phaseOffset(ci, ty * g.dilH(), tx * g.dilW(), sh, sw, plane, wq);
                }
            }
        }
        int oh = g.outH();
        int ow = g.outW();
        int rowStep = this.phases ? wq : g.strideH() * wp;
        columnOffset = new int[maxImages * oh * ow];
        runLength = new int[columnOffset.length];
        for (int b = 0, j = 0; b < maxImages; b++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++, j++) {
                    columnOffset[j] = b * imageSize + oy * rowStep + ox * step;
                    runLength[j] = ow - ox;
                }
            }
        }
    }

    /**
     * Where padded pixel (py, px) of channel ci sits when each channel is stored as sh x sw phase planes
     * of plane floats, wq wide: in plane (py % sh, px % sw), at row py / sh and column px / sw (at stride
     * 1, the plain layout ci*Hp*Wp + py*Wp + px).
     */
    static int phaseOffset(int ci, int py, int px, int sh, int sw, int plane, int wq) {
        return (ci * sh * sw + (py % sh) * sw + px % sw) * plane + (py / sh) * wq + px / sw;
    }

    /** Whether a strided layer's taps read every phase plane (a 1x1 stride-2 layer reads one of four). */
    static boolean phasesPay(ConvShape g) {
        return (g.strideH() > 1 || g.strideW() > 1) && (g.r() - 1) * g.dilH() + 1 >= g.strideH()
                && (g.s() - 1) * g.dilW() + 1 >= g.strideW();
    }

    /**
     * Input row src[s, s + w) of a channel into its phase planes: the padded row's pixels px (px = ix +
     * padW) go to xp[rowBase + (px % sw)*plane + px / sw], rowBase the row's start in its first plane.
     */
    static void splitRow(float[] src, int s, int w, int padW, int sw, float[] xp, int rowBase, int plane) {
        if (sw == 2) { // both phases at once: a loop per phase ran at ~4 cycles an element
            int e = rowBase + (padW & 1) * plane + padW / 2; // where column 0 goes
            int o = rowBase + ((padW + 1) & 1) * plane + (padW + 1) / 2; // column 1
            int pairs = w / 2;
            PairLanes.split(src, s, pairs, xp, e, xp, o);
            if ((w & 1) != 0) {
                xp[e + pairs] = src[s + w - 1];
            }
            return;
        }
        for (int phase = 0; phase < sw; phase++) { // input columns ix with (ix + padW) % sw == phase
            int ix = Math.floorMod(phase - padW, sw);
            int d = rowBase + phase * plane + (ix + padW) / sw;
            for (; ix < w; ix += sw, d++) {
                xp[d] = src[s + ix];
            }
        }
    }

    /** How far past its end {@link #asB} may read a padded buffer or write a packing buffer. */
    static final int SLACK = VL;

    /** Floats of padded buffer for the given number of images, including {@link #SLACK}. */
    int bufferSize(int images) {
        return images * imageSize + SLACK;
    }

    /** xp = channels [gi*c/groups, (gi+1)*c/groups) of images [b0, b1) of x, zero-padded. */
    void load(float[] x, int xOff, int b0, int b1, int group, float[] xp) {
        load(x, xOff, b0, b1, group, null, xp);
    }

    /** {@link #load}, quantising by q on the way when q is not null (PSG). */
    void load(float[] x, int xOff, int b0, int b1, int group, PabKernels.Quantizing q, float[] xp) {
        int h = g.h();
        int w = g.w();
        int cg = g.cPerGroup();
        Arrays.fill(xp, 0, bufferSize(b1 - b0), 0f);
        // with q, each channel is quantised whole first: rows of small maps are shorter than a vector
        float[] quantised = q == null ? null : new float[h * w];
        int sh = phases ? g.strideH() : 1;
        int sw = phases ? g.strideW() : 1;
        for (int b = b0; b < b1; b++) {
            int src = xOff + (b * g.c() + group * cg) * h * w;
            int dst = (b - b0) * imageSize + g.padH() * wp + g.padW();
            for (int ci = 0; ci < cg; ci++, dst += hp * wp) {
                float[] from = x;
                int at = src;
                if (q != null) {
                    q.copy(x, src, quantised, 0, h * w);
                    from = quantised;
                    at = 0;
                }
                for (int iy = 0; iy < h; iy++, at += w) {
                    if (phases) {
                        int rowBase = (b - b0) * imageSize + phaseOffset(ci, iy + g.padH(), 0, sh, sw, plane, wq);
                        splitRow(from, at, w, g.padW(), sw, xp, rowBase, plane);
                    } else {
                        copy(from, at, xp, dst + iy * wp, w);
                    }
                }
                src += h * w;
            }
        }
    }

    /**
     * The patch matrix of the loaded chunk as op(B) of a GEMM: rows t (CRS), columns j (pixels).
     *
     * <p>At stride 1 each run of columns is copied in whole vectors, the last one allowed to run
     * past the end of its run: rows of a panel are written in increasing address order, so what
     * it writes too much lands on entries written after it (or on a panel's zeroed tail). Reads
     * and writes may run up to {@link #SLACK} floats past xp and dst, which must have that room.
     */
    SgemmDriver.PackB asB(float[] xp) {
        int step = this.step;
        return (k0, kc, j0, nc, dst) -> {
            int[] runSource = new int[NR];
            int[] runStart = new int[NR];
            int[] runEnd = new int[NR];
            for (int jr = 0; jr < nc; jr += NR) {
                int base = jr * kc;
                int nr = Math.min(NR, nc - jr);
                int runs = 0; // the panel's runs of columns along output rows, the same for every t
                for (int j = j0 + jr, end = j + nr; j < end; runs++) {
                    int len = Math.min(runLength[j], end - j);
                    runSource[runs] = columnOffset[j];
                    runStart[runs] = j - j0 - jr;
                    runEnd[runs] = j - j0 - jr + len;
                    j += len;
                }
                int shortRun = step == 1 && nr == NR ? shortRuns(runs, runStart, runEnd) : 0;
                if (shortRun > 0) {
                    packShortRuns(xp, k0, kc, shortRun, runSource, dst, base);
                    continue;
                }
                for (int t = 0; t < kc; t++) {
                    int ro = rowOffset[k0 + t];
                    int d = base + t * NR;
                    for (int r = 0; r < runs; r++) {
                        int src = ro + runSource[r] - runStart[r];
                        if (step == 1) {
                            for (int i = runStart[r]; i < runEnd[r]; i += VL) {
                                FloatVector.fromArray(S, xp, src + i).intoArray(dst, d + i);
                            }
                        } else {
                            for (int i = runStart[r], k = 0; i < runEnd[r]; i++, k += step) {
                                dst[d + i] = xp[src + runStart[r] + k];
                            }
                        }
                    }
                }
                if (nr < NR) {
                    for (int t = 0; t < kc; t++) {
                        Arrays.fill(dst, base + t * NR + nr, base + (t + 1) * NR, 0f);
                    }
                }
            }
        };
    }

    /** Lanes [VL/2, VL), and [VL/4, VL/2), [VL/2, 3VL/4), [3VL/4, VL): where blends put the second and later runs. */
    private static final VectorMask<Float> HALF_2 = lanes(VL / 2, VL);
    private static final VectorMask<Float> QUARTER_2 = lanes(VL / 4, VL / 2);
    private static final VectorMask<Float> QUARTER_3 = lanes(VL / 2, 3 * VL / 4);
    private static final VectorMask<Float> QUARTER_4 = lanes(3 * VL / 4, VL);

    private static VectorMask<Float> lanes(int from, int to) {
        return VectorMask.fromLong(S, ((1L << to) - 1) & ~((1L << from) - 1));
    }

    /**
     * Columns per run when a full panel's runs are all VL/2 or all VL/4 columns long, starting at
     * multiples of that (maps VL/2 or VL/4 wide: ResNet-20's 8x8, ResNet-18's 4x4); 0 otherwise.
     */
    private static int shortRuns(int runs, int[] runStart, int[] runEnd) {
        int len = runEnd[0] - runStart[0];
        if ((len != VL / 2 && len != VL / 4) || runs != NR / len) {
            return 0;
        }
        for (int r = 0; r < runs; r++) {
            if (runStart[r] != r * len || runEnd[r] != (r + 1) * len) {
                return 0;
            }
        }
        return len;
    }

    /**
     * A full panel of runs shorter than a vector (see {@link #shortRuns}): each vector of a packed row
     * is put together from its two or four runs with blends, one store per vector. The run-by-run copy
     * stores a whole vector per run and pays its loop overhead per run: it took 26% of ResNet-20's
     * 64->64 8x8 forward (4.45 ms; 3.5 ms with the blends).
     */
    private void packShortRuns(float[] xp, int k0, int kc, int len, int[] runSource, float[] dst, int base) {
        int vectors = NR / VL;
        int perVector = VL / len;
        int[] src = new int[NR / len]; // run r's source, moved back by its lane position in the vector
        for (int r = 0; r < src.length; r++) {
            src[r] = runSource[r] - (r % perVector) * len;
        }
        for (int t = 0; t < kc; t++) {
            int ro = rowOffset[k0 + t];
            int d = base + t * NR;
            for (int v = 0, r = 0; v < vectors; v++, r += perVector) {
                FloatVector a = FloatVector.fromArray(S, xp, ro + src[r]);
                if (perVector == 2) {
                    a = a.blend(FloatVector.fromArray(S, xp, ro + src[r + 1]), HALF_2);
                } else {
                    a = a.blend(FloatVector.fromArray(S, xp, ro + src[r + 1]), QUARTER_2)
                            .blend(FloatVector.fromArray(S, xp, ro + src[r + 2]), QUARTER_3)
                            .blend(FloatVector.fromArray(S, xp, ro + src[r + 3]), QUARTER_4);
                }
                a.intoArray(dst, d + v * VL);
            }
        }
    }

    /**
     * The patch matrix of the loaded chunk written out row by row: dst[t*ld + j] for t in [0, CRS)
     * and j in [0, cols) (the sparse kernels read whole rows). Entries in [cols, ld) of a row hold
     * garbage, and dst needs {@link #SLACK} floats of room past CRS*ld.
     */
    void rows(float[] xp, int cols, float[] dst, int ld) {
        int step = this.step;
        for (int t = 0; t < rowOffset.length; t++) {
            int ro = rowOffset[t];
            int d = t * ld;
            for (int j = 0; j < cols; ) { // runs in increasing address order: see asB
                int len = runLength[j];
                int src = ro + columnOffset[j];
                if (step == 1) {
                    for (int i = 0; i < len; i += VL) {
                        FloatVector.fromArray(S, xp, src + i).intoArray(dst, d + j + i);
                    }
                } else {
                    for (int i = 0; i < len; i++) {
                        dst[d + j + i] = xp[src + i * step];
                    }
                }
                j += len;
            }
        }
    }

    /**
     * The transposed patch matrix as op(B): rows are pixels j, columns the patch rows t (weight
     * gradient: dW = dY . patches^T). Each packed row is a gather from xp, done with scalar loads:
     * on JDK 17 the Vector API's indexed gather is the one operation this engine would need from a
     * second vector species (IntVector indices), and it is not worth the risk to the kernels' JIT.
     */
    SgemmDriver.PackB transposedAsB(float[] xp) {
        return (k0, kc, j0, nc, dst) -> {
            for (int jr = 0; jr < nc; jr += NR) {
                int base = jr * kc;
                int nr = Math.min(NR, nc - jr);
                for (int p = 0; p < kc; p++) {
                    int co = columnOffset[k0 + p];
                    int d = base + p * NR;
                    for (int jj = 0; jj < nr; jj++) {
                        dst[d + jj] = xp[co + rowOffset[j0 + jr + jj]];
                    }
                    if (nr < NR) {
                        Arrays.fill(dst, d + nr, d + NR, 0f);
                    }
                }
            }
        };
    }

    /**
     * The adjoint of reading the patches (col2im): every entry of dpatches[t][j] (rows ld apart, cols
     * columns) is added onto the padded pixel it was read from. dxp must be zero on entry.
     */
    void scatterAdd(float[] dpatches, int ld, int cols, float[] dxp) {
        int step = this.step;
        for (int t = 0; t < rowOffset.length; t++) {
            int ro = rowOffset[t];
            int srcRow = t * ld;
            for (int j = 0; j < cols; ) {
                int len = runLength[j];
                int dst = ro + columnOffset[j];
                int src = srcRow + j;
                if (step == 1) {
                    addTo(dpatches, src, dxp, dst, len);
                } else {
                    for (int i = 0; i < len; i++) {
                        dxp[dst + i * step] += dpatches[src + i];
                    }
                }
                j += len;
            }
        }
    }

    /** The interiors of the padded images of dxp, written to channels of group gi of images [b0, b1) of dx. */
    void store(float[] dxp, int b0, int b1, int group, float[] dx, int dxOff) {
        int h = g.h();
        int w = g.w();
        int cg = g.cPerGroup();
        int sh = phases ? g.strideH() : 1;
        int sw = phases ? g.strideW() : 1;
        for (int b = b0; b < b1; b++) {
            int dst = dxOff + (b * g.c() + group * cg) * h * w;
            int src = (b - b0) * imageSize + g.padH() * wp + g.padW();
            for (int ci = 0; ci < cg; ci++, src += hp * wp) {
                for (int iy = 0; iy < h; iy++, dst += w) {
                    if (phases) {
                        int rowBase = (b - b0) * imageSize + phaseOffset(ci, iy + g.padH(), 0, sh, sw, plane, wq);
                        mergeRow(dxp, rowBase, plane, g.padW(), sw, dx, dst, w);
                    } else {
                        copy(dxp, src + iy * wp, dx, dst, w);
                    }
                }
            }
        }
    }

    /** The inverse of {@link #splitRow}: dst[d, d + w) = the row's pixels gathered from its phase planes. */
    static void mergeRow(float[] xp, int rowBase, int plane, int padW, int sw, float[] dst, int d, int w) {
        if (sw == 2) {
            int e = rowBase + (padW & 1) * plane + padW / 2;
            int o = rowBase + ((padW + 1) & 1) * plane + (padW + 1) / 2;
            int pairs = w / 2;
            PairLanes.merge(xp, e, xp, o, pairs, false, dst, d);
            if ((w & 1) != 0) {
                dst[d + w - 1] = xp[e + pairs];
            }
            return;
        }
        for (int phase = 0; phase < sw; phase++) {
            int ix = Math.floorMod(phase - padW, sw);
            int s = rowBase + phase * plane + (ix + padW) / sw;
            for (; ix < w; ix += sw, s++) {
                dst[d + ix] = xp[s];
            }
        }
    }

    /** dst[d, d+len) = src[s, s+len): whole vectors, then scalars. */
    static void copy(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        for (; i + VL <= len; i += VL) {
            FloatVector.fromArray(S, src, s + i).intoArray(dst, d + i);
        }
        for (; i < len; i++) {
            dst[d + i] = src[s + i];
        }
    }

    /** dst[d, d+len) += src[s, s+len). */
    private static void addTo(float[] src, int s, float[] dst, int d, int len) {
        int i = 0;
        for (; i + VL <= len; i += VL) {
            FloatVector.fromArray(S, src, s + i).add(FloatVector.fromArray(S, dst, d + i)).intoArray(dst, d + i);
        }
        for (; i < len; i++) {
            dst[d + i] += src[s + i];
        }
    }
}
