package peekaboo.backend.cpu;

import peekaboo.backend.ConvShape;
import static peekaboo.backend.cpu.SgemmKernel.NR;

/**
 * Implicit-GEMM packing for convolutions: packs a block of the patch matrix straight from an
 * NCHW tensor into NR-wide GEMM panels, without materialising im2col.
 *
 * <p>The patch matrix has one row per (channel ch, tap r, tap s), q = (ch*R + r)*S + s, and one
 * column per position (gy, gx) of a grid, g = gy*GW + gx. Its entry is
 * src[off + ch*SH*SW + sy*SW + sx], where ny = gy*mulY + offY + r*tapY must be divisible by
 * divY, sy = ny/divY must lie in [0, SH), and likewise for x; otherwise 0. Forward conv and
 * weight-grad use (mul, off, tap, div) = (stride, -pad, dil, 1) over the output grid; input-grad
 * uses (1, pad, -dil, stride) over the input grid, reading dy.
 */
final class PatchPacker {

    private final float[] src;
    private final int off;
    private final int sh;
    private final int sw;
    private final int gw;
    private final int r;
    private final int s;
    private final int mulY;
    private final int mulX;
    private final int offY;
    private final int offX;
    private final int tapY;
    private final int tapX;
    private final int divY;
    private final int divX;

    PatchPacker(float[] src, int off, int sh, int sw, int gw, int r, int s, int mulY, int mulX,
            int offY, int offX, int tapY, int tapX, int divY, int divX) {
        this.src = src;
        this.off = off;
        this.sh = sh;
        this.sw = sw;
        this.gw = gw;
        this.r = r;
        this.s = s;
        this.mulY = mulY;
        this.mulX = mulX;
        this.offY = offY;
        this.offX = offX;
        this.tapY = tapY;
        this.tapX = tapX;
        this.divY = divY;
        this.divX = divX;
    }

    /** Patches of input image channels for a forward conv or weight-grad (grid = output). */
    static PatchPacker forward(ConvShape g, float[] x, int off) {
        return new PatchPacker(x, off, g.h(), g.w(), g.outW(), g.r(), g.s(), g.strideH(), g.strideW(),
                -g.padH(), -g.padW(), g.dilH(), g.dilW(), 1, 1);
    }

    /** Patches of dy for the input gradient (grid = input). */
    static PatchPacker inputGrad(ConvShape g, float[] dy, int off) {
        return new PatchPacker(dy, off, g.outH(), g.outW(), g.w(), g.r(), g.s(), 1, 1, g.padH(),
                g.padW(), -g.dilH(), -g.dilW(), g.strideH(), g.strideW());
    }

    /** PackB with rows = (ch, r, s) and columns = grid positions (forward, input-grad). */
    void packRows(int k0, int kc, int j0, int nc, float[] dst) {
        int rs = r * s;
        for (int jr = 0; jr < nc; jr += NR) {
            int nr = Math.min(NR, nc - jr);
            for (int p = 0; p < kc; p++) {
                int q = k0 + p;
                int d = jr * kc + p * NR;
                gatherRun(q / rs, q % rs / s, q % s, j0 + jr, nr, dst, d, 1);
                for (int j = nr; j < NR; j++) {
                    dst[d + j] = 0f;
                }
            }
        }
    }

    /** PackB with rows = grid positions and columns = (ch, r, s) (weight-grad). */
    void packCols(int k0, int kc, int j0, int nc, float[] dst) {
        int rs = r * s;
        for (int jr = 0; jr < nc; jr += NR) {
            int base = jr * kc;
            for (int j = 0; j < NR; j++) {
                if (jr + j < nc) {
                    int q = j0 + jr + j;
                    gatherRun(q / rs, q % rs / s, q % s, k0, kc, dst, base + j, NR);
                } else {
                    for (int p = 0; p < kc; p++) {
                        dst[base + p * NR + j] = 0f;
                    }
                }
            }
        }
    }

    /** Writes row q = (ch, ty, tx) of the patch matrix at columns [g0, g0+cnt) to dst[d + i*step]. */
    private void gatherRun(int ch, int ty, int tx, int g0, int cnt, float[] dst, int d, int step) {
        int gy = g0 / gw;
        int gx = g0 % gw;
        int chanOff = off + ch * sh * sw;
        while (cnt > 0) {
            int len = Math.min(cnt, gw - gx);
            int ny = gy * mulY + offY + ty * tapY;
            int sy = Math.floorDiv(ny, divY);
            if (sy * divY != ny || sy < 0 || sy >= sh) {
                for (int i = 0; i < len; i++) {
                    dst[d + i * step] = 0f;
                }
            } else {
                gatherX(chanOff + sy * sw, gx, len, offX + tx * tapX, dst, d, step);
            }
            d += len * step;
            cnt -= len;
            gy++;
            gx = 0;
        }
    }

    /** One grid row segment [gx, gx+len) of source row rowOff, where nx = gx*mulX + shift. */
    private void gatherX(int rowOff, int gx, int len, int shift, float[] dst, int d, int step) {
        if (mulX == 1 && divX == 1) { // sx = gx + shift: copy the in-range middle, zero the rest
            int lo = Math.min(len, Math.max(0, -shift - gx));
            int hi = Math.max(lo, Math.min(len, sw - shift - gx));
            for (int i = 0; i < lo; i++) {
                dst[d + i * step] = 0f;
            }
            int from = rowOff + gx + shift;
            if (step == 1) {
                if (hi > lo) { // (from may point past the array when nothing is in range)
                    System.arraycopy(src, from + lo, dst, d + lo, hi - lo);
                }
            } else {
                for (int i = lo; i < hi; i++) {
                    dst[d + i * step] = src[from + i];
                }
            }
            for (int i = hi; i < len; i++) {
                dst[d + i * step] = 0f;
            }
            return;
        }
        for (int i = 0; i < len; i++) {
            int nx = (gx + i) * mulX + shift;
            int sx = Math.floorDiv(nx, divX);
            dst[d + i * step] = sx * divX == nx && sx >= 0 && sx < sw ? src[rowOff + sx] : 0f;
        }
    }
}
