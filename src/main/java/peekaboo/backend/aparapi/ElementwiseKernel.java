package peekaboo.backend.aparapi;

import com.aparapi.Kernel;

/**
 * Unary and binary elementwise ops over strided float or double operands, written in Java for
 * Aparapi (translated to OpenCL, or run on Aparapi's Java thread pool). Computes in double like the
 * CPU reference. meta: rank, shape[8], strides of a, b, out [8 each], offsets of a, b, out.
 * mode 0: unary op on a; mode 1: binary op on a, b. Op codes are the UnaryOp / BinaryOp ordinals.
 */
final class ElementwiseKernel extends Kernel {
    float[] af = new float[1], bf = new float[1], of = new float[1];
    double[] ad = new double[1], bd = new double[1], od = new double[1];
    int[] meta = new int[1 + 8 + 24 + 3];
    int useDouble, mode, op;
    double p0, p1;

    private int offset(int i, int operand) {
        int o = meta[33 + operand];
        int rem = i;
        for (int d = meta[0] - 1; d >= 0; d--) {
            int s = meta[1 + d];
            o += (rem % s) * meta[9 + operand * 8 + d];
            rem = rem / s;
        }
        return o;
    }

    private double load(int operand, int at) {
        double v = 0;
        if (useDouble == 1) v = operand == 0 ? ad[at] : bd[at];
        else v = operand == 0 ? af[at] : bf[at];
        return v;
    }

    @Override
    public void run() {
        int i = getGlobalId();
        double a = load(0, offset(i, 0));
        double r = 0;
        if (mode == 0) r = unary(a);
        else r = binary(a, load(1, offset(i, 1)));
        int o = offset(i, 2);
        if (useDouble == 1) od[o] = r;
        else of[o] = (float) r;
    }

    private double unary(double x) {
        double r = 1.0 / x;  // RECIPROCAL
        if (op == 0) r = -x;
        else if (op == 1) r = abs(x);
        else if (op == 2) r = x != x ? x : (x > 0 ? 1.0 : (x < 0 ? -1.0 : x));
        else if (op == 3) r = exp(x);
        else if (op == 4) r = log(x);
        else if (op == 5) r = sqrt(x);
        else if (op == 6) r = 1.0 / sqrt(x);
        else if (op == 7) r = x > 0 ? x : (x != x ? x : 0.0);
        else if (op == 8) r = x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
        else if (op == 9) {
            double t = exp(-2.0 * abs(x));
            double m = (1.0 - t) / (1.0 + t);
            r = x != x ? x : (x < 0 ? -m : m);
        } else if (op == 10) r = p0 == 2.0 ? x * x : (p0 == 1.0 ? x : (p0 == 0.5 ? sqrt(x) : pow(x, p0)));
        else if (op == 11) {
            r = x;
            if (p0 == p0 && r < p0) r = p0;
            if (p1 == p1 && r > p1) r = p1;
        } else if (op == 12) r = x + p0;
        else if (op == 13) r = x * p0;
        else if (op == 14) r = p0 / x;
        else if (op == 15) r = x > 0 ? 1.0 : 0.0;
        else if (op == 16) r = rint(x);
        return r;
    }

    private double binary(double a, double b) {
        double r = a + b;
        if (op == 1) r = a - b;
        else if (op == 2) r = a * b;
        else if (op == 3) r = a / b;
        else if (op == 4) r = pow(a, b);
        else if (op == 5) r = (a != a || a >= b) ? a : b;
        else if (op == 6) r = (a != a || a <= b) ? a : b;
        return r;
    }
}
