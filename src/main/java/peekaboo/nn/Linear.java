package peekaboo.nn;

import peekaboo.ops.LinearAlgebra;
import peekaboo.tensor.DType;
import peekaboo.tensor.Generator;
import peekaboo.tensor.Tensor;

/** {@code nn.Linear} (optionally masked like the reference's {@code masked_layers.Linear}); PyTorch's default init. */
public class Linear extends Module {
    public final int inFeatures, outFeatures;
    public final boolean masked;

    public Linear(int inFeatures, int outFeatures, boolean bias, boolean masked, Generator g) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.masked = masked;
        double bound = 1 / Math.sqrt(inFeatures);
        registerParameter("weight", Tensor.uniform(g, -bound, bound, DType.F32, outFeatures, inFeatures));
        if (bias) registerParameter("bias", Tensor.uniform(g, -bound, bound, DType.F32, outFeatures));
        if (masked) {
            registerBuffer("weight_mask", Tensor.ones(outFeatures, inFeatures));
            if (bias) registerBuffer("bias_mask", Tensor.ones(outFeatures));
        }
    }

    public Tensor weight() { return param("weight"); }

    @Override
    protected Tensor compute(Tensor x) {
        Tensor w = masked ? buffer("weight_mask").mul(weight()) : weight();
        Tensor b = param("bias");
        if (b != null && masked) b = buffer("bias_mask").mul(b);
        return LinearAlgebra.linear(x, w, b);
    }

    @Override
    public String describe() { return (masked ? "MaskedLinear(" : "Linear(") + inFeatures + ", " + outFeatures + ")"; }
}
