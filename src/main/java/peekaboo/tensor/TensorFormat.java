package peekaboo.tensor;

/** PyTorch-like printing: {@code tensor([[1.0000, 2.0000], [3.0000, 4.0000]], dtype=float64)}; long tensors are summarised. */
final class TensorFormat {
    private static final int SUMMARY_THRESHOLD = 1000;
    private static final int EDGE = 3;

    private TensorFormat() {}

    static String format(Tensor t) {
        StringBuilder sb = new StringBuilder("tensor(");
        double[] v = t.numel() > 0 ? t.toDoubleArray() : new double[0];
        boolean summarise = v.length > SUMMARY_THRESHOLD;
        int[] shape = t.shape();
        if (shape.length == 0) {
            sb.append(value(v[0], t.dtype()));
        } else {
            append(sb, v, shape, 0, 0, Shape.contiguousStrides(shape), t.dtype(), summarise, 7);
        }
        if (t.dtype() != DType.F32 && t.dtype() != DType.I64 && t.dtype() != DType.BOOL || t.numel() == 0 && t.dtype() != DType.F32) {
            sb.append(", dtype=").append(t.dtype().torchName());
        }
        if (t.gradFn() != null) sb.append(", grad_fn=<").append(t.gradFn().name()).append('>');
        else if (t.requiresGrad()) sb.append(", requires_grad=True");
        return sb.append(')').toString();
    }

    private static void append(StringBuilder sb, double[] v, int[] shape, int dim, int base, int[] strides, DType dtype,
                               boolean summarise, int indent) {
        sb.append('[');
        int n = shape[dim];
        for (int i = 0; i < n; i++) {
            if (summarise && n > 2 * EDGE && i == EDGE) {
                sb.append("...");
                i = n - EDGE - 1;
                sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(indent + dim + 1));
                continue;
            }
            if (dim == shape.length - 1) sb.append(value(v[base + i * strides[dim]], dtype));
            else append(sb, v, shape, dim + 1, base + i * strides[dim], strides, dtype, summarise, indent);
            if (i < n - 1) sb.append(dim == shape.length - 1 ? ", " : ",\n" + " ".repeat(indent + dim + 1));
        }
        sb.append(']');
    }

    private static String value(double x, DType dtype) {
        if (dtype == DType.BOOL) return x != 0 ? "True" : "False";
        if (!dtype.isFloating()) return Long.toString((long) x);
        if (Double.isNaN(x)) return "nan";
        if (Double.isInfinite(x)) return x > 0 ? "inf" : "-inf";
        double a = Math.abs(x);
        if (a != 0 && (a < 1e-4 || a >= 1e8)) return String.format(java.util.Locale.ROOT, "%.4e", x);
        return String.format(java.util.Locale.ROOT, "%.4f", x);
    }
}
