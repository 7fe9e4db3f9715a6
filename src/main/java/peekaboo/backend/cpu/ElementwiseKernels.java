package peekaboo.backend.cpu;

import peekaboo.backend.BinaryOp;
import peekaboo.backend.UnaryOp;

/**
 * The elementwise functions on rows of doubles (float32 results are rounded once when stored; for
 * + - * / and sqrt computing in double and rounding to float gives the correctly rounded float result).
 * Each case is a plain loop the JIT can vectorise.
 */
final class ElementwiseKernels {
    private ElementwiseKernels() {}

    static void unary(UnaryOp op, double[] x, double[] out, int n, double p0, double p1) {
        switch (op) {
            case NEG: for (int i = 0; i < n; i++) out[i] = -x[i]; break;
            case ABS: for (int i = 0; i < n; i++) out[i] = Math.abs(x[i]); break;
            case SIGN: for (int i = 0; i < n; i++) out[i] = Math.signum(x[i]); break;
            case EXP: for (int i = 0; i < n; i++) out[i] = Math.exp(x[i]); break;
            case LOG: for (int i = 0; i < n; i++) out[i] = Math.log(x[i]); break;
            case SQRT: for (int i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); break;
            case RSQRT: for (int i = 0; i < n; i++) out[i] = 1.0 / Math.sqrt(x[i]); break;
            case RECIPROCAL: for (int i = 0; i < n; i++) out[i] = 1.0 / x[i]; break;
            case RELU: for (int i = 0; i < n; i++) out[i] = x[i] > 0 ? x[i] : (Double.isNaN(x[i]) ? x[i] : 0.0); break;
            case STEP: for (int i = 0; i < n; i++) out[i] = x[i] > 0 ? 1.0 : 0.0; break;
            case SIGMOID: for (int i = 0; i < n; i++) out[i] = sigmoid(x[i]); break;
            case TANH: for (int i = 0; i < n; i++) out[i] = Math.tanh(x[i]); break;
            case ROUND: for (int i = 0; i < n; i++) out[i] = Math.rint(x[i]); break;
            case POW: pow(x, p0, out, n); break;
            case CLAMP:
                for (int i = 0; i < n; i++) {
                    double v = x[i];
                    if (!Double.isNaN(p0) && v < p0) v = p0;
                    if (!Double.isNaN(p1) && v > p1) v = p1;
                    out[i] = v;
                }
                break;
            case ADD_SCALAR: for (int i = 0; i < n; i++) out[i] = x[i] + p0; break;
            case MUL_SCALAR: for (int i = 0; i < n; i++) out[i] = x[i] * p0; break;
            case RDIV_SCALAR: for (int i = 0; i < n; i++) out[i] = p0 / x[i]; break;
            default: throw new UnsupportedOperationException("unary op " + op);
        }
    }

    private static double sigmoid(double v) {
        return v >= 0 ? 1.0 / (1.0 + Math.exp(-v)) : Math.exp(v) / (1.0 + Math.exp(v));
    }

    private static void pow(double[] x, double p, double[] out, int n) {
        if (p == 2) for (int i = 0; i < n; i++) out[i] = x[i] * x[i];
        else if (p == 1) System.arraycopy(x, 0, out, 0, n);
        else if (p == 0.5) for (int i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
        else for (int i = 0; i < n; i++) out[i] = Math.pow(x[i], p);
    }

    static void binary(BinaryOp op, double[] a, double[] b, double[] out, int n) {
        switch (op) {
            case ADD: for (int i = 0; i < n; i++) out[i] = a[i] + b[i]; break;
            case SUB: for (int i = 0; i < n; i++) out[i] = a[i] - b[i]; break;
            case MUL: for (int i = 0; i < n; i++) out[i] = a[i] * b[i]; break;
            case DIV: for (int i = 0; i < n; i++) out[i] = a[i] / b[i]; break;
            case POW: for (int i = 0; i < n; i++) out[i] = Math.pow(a[i], b[i]); break;
            // like torch.maximum/minimum: NaN propagates
            case MAXIMUM: for (int i = 0; i < n; i++) out[i] = Double.isNaN(a[i]) || a[i] >= b[i] ? a[i] : b[i]; break;
            case MINIMUM: for (int i = 0; i < n; i++) out[i] = Double.isNaN(a[i]) || a[i] <= b[i] ? a[i] : b[i]; break;
            case EQ: for (int i = 0; i < n; i++) out[i] = a[i] == b[i] ? 1 : 0; break;
            case NE: for (int i = 0; i < n; i++) out[i] = a[i] != b[i] ? 1 : 0; break;
            case LT: for (int i = 0; i < n; i++) out[i] = a[i] < b[i] ? 1 : 0; break;
            case LE: for (int i = 0; i < n; i++) out[i] = a[i] <= b[i] ? 1 : 0; break;
            case GT: for (int i = 0; i < n; i++) out[i] = a[i] > b[i] ? 1 : 0; break;
            case GE: for (int i = 0; i < n; i++) out[i] = a[i] >= b[i] ? 1 : 0; break;
            default: throw new UnsupportedOperationException("binary op " + op);
        }
    }

    /**
     * Float fast path for the ops that dominate training; a stride of 0 means a broadcast scalar
     * (bias-like operands). Returns false when the op has none.
     */
    static boolean binaryF32(BinaryOp op, float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int oo, int n) {
        if (as == 1 && bs == 1) {
            switch (op) {
                case ADD: for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] + b[bo + i]; return true;
                case SUB: for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] - b[bo + i]; return true;
                case MUL: for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] * b[bo + i]; return true;
                case DIV: for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] / b[bo + i]; return true;
                default: return false;
            }
        }
        if (as == 1 && bs == 0) {
            float v = b[bo];
            switch (op) {
                case ADD: for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] + v; return true;
                case SUB: for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] - v; return true;
                case MUL: for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] * v; return true;
                case DIV: for (int i = 0; i < n; i++) out[oo + i] = a[ao + i] / v; return true;
                default: return false;
            }
        }
        if (as == 0 && bs == 1) {
            float v = a[ao];
            switch (op) {
                case ADD: for (int i = 0; i < n; i++) out[oo + i] = v + b[bo + i]; return true;
                case SUB: for (int i = 0; i < n; i++) out[oo + i] = v - b[bo + i]; return true;
                case MUL: for (int i = 0; i < n; i++) out[oo + i] = v * b[bo + i]; return true;
                case DIV: for (int i = 0; i < n; i++) out[oo + i] = v / b[bo + i]; return true;
                default: return false;
            }
        }
        return false;
    }

    /** Float fast path for common unary ops; returns false when the op has none. */
    static boolean unaryF32(UnaryOp op, float[] x, int xo, float[] out, int oo, int n, double p0) {
        switch (op) {
            // Math.max keeps NaN and vectorises; relu(-0) = +0
            case RELU: for (int i = 0; i < n; i++) out[oo + i] = Math.max(x[xo + i], 0f); return true;
            case NEG: for (int i = 0; i < n; i++) out[oo + i] = -x[xo + i]; return true;
            case STEP: VectorLoops.stepF32(x, xo, out, oo, n); return true;
            case ADD_SCALAR: {
                float s = (float) p0;
                for (int i = 0; i < n; i++) out[oo + i] = x[xo + i] + s;
                return true;
            }
            case MUL_SCALAR: {
                float s = (float) p0;
                if (s != p0) return false;
                for (int i = 0; i < n; i++) out[oo + i] = x[xo + i] * s;
                return true;
            }
            default: return false;
        }
    }
}
