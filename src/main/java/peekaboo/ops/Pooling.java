package peekaboo.ops;

import peekaboo.autograd.Autograd;
import peekaboo.autograd.Node;
import peekaboo.backend.PoolShape;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/** Max and average pooling. Max pooling's backward is a scatter-add by the argmax indices; average pooling's is its adjoint kernel. */
public final class Pooling {
    private Pooling() {}

    private static PoolShape shape(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        if (x.dim() != 4) throw new IllegalArgumentException("2-D pooling needs a 4-D input [N, C, H, W], got " + Shape.str(x.shape()));
        return new PoolShape(x.size(0), x.size(1), x.size(2), x.size(3), kernel[0], kernel[1], stride[0], stride[1],
                padding[0], padding[1], ceilMode, countIncludePad);
    }

    /** {@code F.max_pool2d(x, kernel, stride, padding, ceil_mode=ceilMode)}. */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode) {
        PoolShape p = shape(x, kernel, stride, padding, ceilMode, true);
        int n = p.n(), c = p.c(), oh = p.outH(), ow = p.outW();
        Tensor out = Tensor.zeros(x.backend(), x.dtype(), n, c, oh, ow);
        Tensor indices = Tensor.zeros(x.backend(), DType.I64, n, c, oh, ow);
        x.backend().maxPool2d(x.contiguous(), p, out, indices);
        if (!Autograd.needsGraph(x)) return out;
        return out.withGradFn(new Node("max_pool2d", x) {
            @Override protected Tensor[] backward(Tensor g) {
                Tensor base = Tensor.zeros(g.backend(), g.dtype(), n, c, p.h() * p.w());
                Tensor flat = Indexing.scatterAdd(base, 2, indices.reshape(n, c, oh * ow), g.reshape(n, c, oh * ow));
                return new Tensor[] {flat.reshape(n, c, p.h(), p.w())};
            }
        });
    }

    /** {@code F.avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad)}. */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad) {
        return avgPool(x, shape(x, kernel, stride, padding, ceilMode, countIncludePad));
    }

    static Tensor avgPool(Tensor x, PoolShape p) {
        Tensor out = Tensor.zeros(x.backend(), x.dtype(), p.n(), p.c(), p.outH(), p.outW());
        x.backend().avgPool2d(x.contiguous(), p, out);
        if (!Autograd.needsGraph(x)) return out;
        return out.withGradFn(new Node("avg_pool2d", x) {
            @Override protected Tensor[] backward(Tensor g) { return new Tensor[] {avgPoolBackward(g, p)}; }
        });
    }

    static Tensor avgPoolBackward(Tensor g, PoolShape p) {
        Tensor dx = Tensor.zeros(g.backend(), g.dtype(), p.n(), p.c(), p.h(), p.w());
        g.backend().avgPool2dBackward(g.contiguous(), p, dx);
        if (!Autograd.needsGraph(g)) return dx;
        return dx.withGradFn(new Node("avg_pool2d_backward", g) {
            @Override protected Tensor[] backward(Tensor gg) { return new Tensor[] {avgPool(gg, p)}; }
        });
    }

    /**
     * {@code F.adaptive_avg_pool2d(x, (oh, ow))}: output cell (i, j) averages rows floor(i H / oh) to ceil((i + 1) H / oh).
     * The global case (1, 1) is a mean over H and W.
     */
    public static Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) {
        if (x.dim() != 4) throw new IllegalArgumentException("adaptive_avg_pool2d needs a 4-D input [N, C, H, W], got " + Shape.str(x.shape()));
        if (oh <= 0 || ow <= 0) throw new IllegalArgumentException("adaptive_avg_pool2d output size must be positive, got " + oh + "x" + ow);
        int h = x.size(2), w = x.size(3);
        if (oh == 1 && ow == 1) return x.mean(new int[] {2, 3}, true);
        if (h % oh == 0 && w % ow == 0) {
            int kh = h / oh, kw = w / ow;
            return avgPool2d(x, new int[] {kh, kw}, new int[] {kh, kw}, new int[] {0, 0}, false, true);
        }
        Tensor[] rows = new Tensor[oh];
        for (int i = 0; i < oh; i++) {
            int h0 = Math.floorDiv(i * h, oh), h1 = -Math.floorDiv(-(i + 1) * h, oh);
            Tensor[] cells = new Tensor[ow];
            for (int j = 0; j < ow; j++) {
                int w0 = Math.floorDiv(j * w, ow), w1 = -Math.floorDiv(-(j + 1) * w, ow);
                cells[j] = x.narrow(2, h0, h1 - h0).narrow(3, w0, w1 - w0).mean(new int[] {2, 3}, true);
            }
            rows[i] = Tensor.cat(3, cells);
        }
        return Tensor.cat(2, rows);
    }
}
