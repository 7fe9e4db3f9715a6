package peekaboo.backend.cpu;

import peekaboo.backend.ConvShape;

/**
 * Naive 7-loop convolution in double, the definition every conv kernel is tested against.
 * Each method returns {value, sum of |products|} arrays; the second sets the float tolerance.
 */
final class ConvReference {

    private ConvReference() {
    }

    /** Calls visit(xIndex, wIndex, yIndex) for every multiply-add of the forward conv. */
    interface Visitor {
        void visit(int xi, int wi, int yi);
    }

    static void forEachTerm(ConvShape g, Visitor v) {
        int cg = g.cPerGroup();
        int kg = g.kPerGroup();
        int oh = g.outH();
        int ow = g.outW();
        for (int b = 0; b < g.n(); b++) {
            for (int ko = 0; ko < g.k(); ko++) {
                int gi = ko / kg;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        int yi = ((b * g.k() + ko) * oh + oy) * ow + ox;
                        for (int ci = 0; ci < cg; ci++) {
                            for (int ty = 0; ty < g.r(); ty++) {
                                int iy = oy * g.strideH() - g.padH() + ty * g.dilH();
                                if (iy < 0 || iy >= g.h()) {
                                    continue;
                                }
                                for (int tx = 0; tx < g.s(); tx++) {
                                    int ix = ox * g.strideW() - g.padW() + tx * g.dilW();
                                    if (ix < 0 || ix >= g.w()) {
                                        continue;
                                    }
                                    int xi = ((b * g.c() + gi * cg + ci) * g.h() + iy) * g.w() + ix;
                                    int wi = ((ko * cg + ci) * g.r() + ty) * g.s() + tx;
                                    v.visit(xi, wi, yi);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    static double[][] forward(ConvShape g, double[] x, double[] w, double[] bias) {
        double[] y = new double[g.outputSize()];
        double[] mag = new double[y.length];
        if (bias != null) {
            int p = g.outH() * g.outW();
            for (int i = 0; i < y.length; i++) {
                y[i] = bias[i / p % g.k()];
                mag[i] = Math.abs(y[i]);
            }
        }
        forEachTerm(g, (xi, wi, yi) -> {
            y[yi] += x[xi] * w[wi];
            mag[yi] += Math.abs(x[xi] * w[wi]);
        });
        return new double[][] {y, mag};
    }

    static double[][] inputGrad(ConvShape g, double[] dy, double[] w) {
        double[] dx = new double[g.inputSize()];
        double[] mag = new double[dx.length];
        forEachTerm(g, (xi, wi, yi) -> {
            dx[xi] += dy[yi] * w[wi];
            mag[xi] += Math.abs(dy[yi] * w[wi]);
        });
        return new double[][] {dx, mag};
    }

    static double[][] weightGrad(ConvShape g, double[] x, double[] dy) {
        double[] dw = new double[g.weightSize()];
        double[] mag = new double[dw.length];
        forEachTerm(g, (xi, wi, yi) -> {
            dw[wi] += dy[yi] * x[xi];
            mag[wi] += Math.abs(dy[yi] * x[xi]);
        });
        return new double[][] {dw, mag};
    }
}
