package peekaboo.data;

/**
 * Bilinear resizing as Pillow does it (the resampling behind torchvision's Resize on PIL images):
 * separable, horizontal pass then vertical pass, a triangle filter widened by the scale factor when
 * shrinking (antialiasing), weights normalised per output pixel. A uint8 image is rounded to 0..255
 * after each pass as Pillow does; Pillow's 22-bit fixed-point weights are done here in double, so a
 * value can differ from Pillow's by one level in rare ties. Float images are resized in float.
 */
final class Resize {
    private Resize() {}

    static Image bilinear(Image in, int outH, int outW) {
        if (outH < 1 || outW < 1) throw new IllegalArgumentException("cannot resize to " + outH + "x" + outW);
        if (outH == in.height() && outW == in.width()) return in;
        int c = in.channels(), h = in.height(), w = in.width();
        boolean u8 = in.isUint8();
        // Work in HWC doubles for both forms.
        double[] src = new double[h * w * c];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) src[(y * w + x) * c + ch] = in.get(ch, y, x);
        }
        double[] mid = new double[h * outW * c];
        Coeffs cx = Coeffs.of(w, outW);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < outW; x++) {
                for (int ch = 0; ch < c; ch++) {
                    double s = 0;
                    for (int k = 0; k < cx.len[x]; k++) s += cx.w[x][k] * src[(y * w + cx.start[x] + k) * c + ch];
                    mid[(y * outW + x) * c + ch] = u8 ? clampRound(s) : s;
                }
            }
        }
        Coeffs cy = Coeffs.of(h, outH);
        if (u8) {
            byte[] out = new byte[outH * outW * c];
            for (int y = 0; y < outH; y++) {
                for (int i = 0; i < outW * c; i++) {
                    double s = 0;
                    for (int k = 0; k < cy.len[y]; k++) s += cy.w[y][k] * mid[(cy.start[y] + k) * outW * c + i];
                    out[y * outW * c + i] = (byte) clampRound(s);
                }
            }
            return Image.ofHwc(out, outH, outW, c);
        }
        float[] out = new float[c * outH * outW];
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                for (int ch = 0; ch < c; ch++) {
                    double s = 0;
                    for (int k = 0; k < cy.len[y]; k++) s += cy.w[y][k] * mid[((cy.start[y] + k) * outW + x) * c + ch];
                    out[(ch * outH + y) * outW + x] = (float) s;
                }
            }
        }
        return Image.ofChw(out, c, outH, outW);
    }

    private static int clampRound(double v) {
        return v <= 0 ? 0 : v >= 255 ? 255 : (int) Math.floor(v + 0.5);
    }

    /** Pillow's precompute_coeffs for the bilinear filter (support 1). */
    private record Coeffs(int[] start, int[] len, double[][] w) {
        static Coeffs of(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale;
            int[] start = new int[outSize], len = new int[outSize];
            double[][] w = new double[outSize][];
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                int xmin = Math.max((int) (center - support + 0.5), 0);
                int xmax = Math.min((int) (center + support + 0.5), inSize) - xmin;
                double[] k = new double[Math.max(xmax, 0)];
                double sum = 0;
                for (int x = 0; x < k.length; x++) {
                    double t = Math.abs((x + xmin - center + 0.5) / filterScale);
                    k[x] = t < 1 ? 1 - t : 0;
                    sum += k[x];
                }
                if (sum != 0) for (int x = 0; x < k.length; x++) k[x] /= sum;
                start[o] = xmin;
                len[o] = k.length;
                w[o] = k;
            }
            return new Coeffs(start, len, w);
        }
    }
}
