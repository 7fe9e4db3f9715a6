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
        if (useDouble == 1 && operand == 0) v = ad[at];
        if (useDouble == 1 && operand == 1) v = bd[at];
        if (useDouble == 0 && operand == 0) v = af[at];
        if (useDouble == 0 && operand == 1) v = bf[at];
        return v;
    }

    @Override
    public void run() {
        int i = getGlobalId();
        double a = load(0, offset(i, 0));
        double r = 0;
        if (mode == 0) r = unary(a);
        if (mode == 1) r = binary(a, load(1, offset(i, 1)));
        int o = offset(i, 2);
        if (useDouble == 1) od[o] = r;
        if (useDouble == 0) of[o] = (float) r;
    }

    private double unary(double x) {
        // plain if-chains: Aparapi's bytecode translator rejects nested conditional expressions
        double r = 1.0 / x;  // RECIPROCAL
        if (op == 0) r = -x;
        if (op == 1) r = abs(x);
        if (op == 2) {
            r = x;
            if (x > 0) r = 1.0;
            if (x < 0) r = -1.0;
        }
        if (op == 3) r = exp(x);
        if (op == 4) r = log(x);
        if (op == 5) r = sqrt(x);
        if (op == 6) r = 1.0 / sqrt(x);
        if (op == 7) {
            r = x;
            if (x <= 0) r = 0.0;
        }
        if (op == 8) {
            if (x >= 0) r = 1.0 / (1.0 + exp(-x));
            else r = exp(x) / (1.0 + exp(x));
            if (x != x) r = x;
        }
        if (op == 9) {
            double t = exp(-2.0 * abs(x));
            r = (1.0 - t) / (1.0 + t);
            if (x < 0) r = -r;
            if (x != x) r = x;
        }
        if (op == 10) {
            r = pow(x, p0);
            if (p0 == 2.0) r = x * x;
            if (p0 == 1.0) r = x;
            if (p0 == 0.5) r = sqrt(x);
        }
        if (op == 11) {
            r = x;
            if (p0 == p0 && r < p0) r = p0;
            if (p1 == p1 && r > p1) r = p1;
        }
        if (op == 12) r = x + p0;
        if (op == 13) r = x * p0;
        if (op == 14) r = p0 / x;
        if (op == 15) {
            r = 0.0;
            if (x > 0) r = 1.0;
        }
        if (op == 16) r = rint(x);
        return r;
    }

    private double binary(double a, double b) {
        double r = a + b;
        if (op == 1) r = a - b;
        if (op == 2) r = a * b;
        if (op == 3) r = a / b;
        if (op == 4) r = pow(a, b);
        if (op == 5) {
            r = b;
            if (a != a || a >= b) r = a;
        }
        if (op == 6) {
            r = b;
            if (a != a || a <= b) r = a;
        }
        return r;
    }
}
