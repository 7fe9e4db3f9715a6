package peekaboo.ops;

import peekaboo.autograd.Autograd;
import peekaboo.autograd.GradMode;
import peekaboo.autograd.Node;
import peekaboo.backend.BinaryOp;
import peekaboo.backend.UnaryOp;
import peekaboo.tensor.DType;
import peekaboo.tensor.Shape;
import peekaboo.tensor.Tensor;

/**
 * Elementwise ops and their derivatives. Each backward is written with tensor ops, so it is itself
 * differentiable. Broadcasting: the engine sums each input's gradient back to the input's shape.
 */
public final class Elementwise {
    private Elementwise() {}

    // ------------------------------------------------------------------ kernels without graph

    public static Tensor binaryNoGrad(BinaryOp op, Tensor a, Tensor b) {
        checkBackends(a, b);
        int[] shape = Shape.broadcast(a.shape(), b.shape());
        DType dtype = op.isComparison() ? DType.BOOL : DType.promote(a.dtype(), b.dtype());
        if (op == BinaryOp.DIV && !dtype.isFloating()) dtype = DType.F32; // true division, as torch.div
        if (op.isComparison() && (a.dtype() != b.dtype())) {
            DType common = DType.promote(a.dtype(), b.dtype());
            a = a.to(common);
            b = b.to(common);
        }
        Tensor out = Tensor.empty(a.backend(), dtype, shape);
        a.backend().binary(op, broadcastView(a, shape), broadcastView(b, shape), out);
        return out;
    }

    public static Tensor unaryNoGrad(UnaryOp op, Tensor x, double p0, double p1) {
        DType dtype = x.dtype().isFloating() || op == UnaryOp.NEG || op == UnaryOp.ABS || op == UnaryOp.SIGN
                || op == UnaryOp.CLAMP || op == UnaryOp.RELU ? x.dtype() : DType.F32;
        Tensor out = Tensor.empty(x.backend(), dtype, x.shape());
        x.backend().unary(op, x, p0, p1, out);
        return out;
    }

    static Tensor broadcastView(Tensor t, int[] shape) {
        if (java.util.Arrays.equals(t.shape(), shape)) return t;
        return new Tensor(t.storage(), shape.clone(), Shape.broadcastStrides(t.shape(), t.strides(), shape), t.offset());
    }

    static void checkBackends(Tensor a, Tensor b) {
        if (a.backend() != b.backend()) {
            throw new IllegalArgumentException("tensors on different backends (" + a.backend().name() + " and " + b.backend().name()
                    + "); move one with .to(backend) first");
        }
    }

    // ------------------------------------------------------------------ differentiable ops

    /** a op b with broadcasting and type promotion. */
    public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        if (op.isComparison()) return compare(op, a, b);
        Tensor out = binaryNoGrad(op, a, b);
        if (!Autograd.needsGraph(a, b)) return out;
        return out.withGradFn(switch (op) {
            case ADD -> new Node("add", a, b) {
                @Override protected Tensor[] backward(Tensor g) { return new Tensor[] {g, g}; }
            };
            case SUB -> new Node("sub", a, b) {
                @Override protected Tensor[] backward(Tensor g) { return new Tensor[] {g, g.neg()}; }
            };
            case MUL -> new Node("mul", a, b) {
                final Tensor sa = save(a), sb = save(b);
                @Override protected Tensor[] backward(Tensor g) {
                    return new Tensor[] {a.requiresGrad() ? g.mul(sb) : null, b.requiresGrad() ? g.mul(sa) : null};
                }
            };
            case DIV -> new Node("div", a, b) {
                final Tensor sa = save(a), sb = save(b);
                @Override protected Tensor[] backward(Tensor g) {
                    Tensor ga = g.div(sb);
                    // d(a/b)/db = -a / b^2 = -(g/b) * (a/b)
                    Tensor gb = b.requiresGrad() ? ga.mul(sa).div(sb).neg() : null;
                    return new Tensor[] {a.requiresGrad() ? ga : null, gb};
                }
            };
            case POW -> new Node("pow", a, b) {
                final Tensor sa = save(a), sb = save(b), so = save(out);
                @Override protected Tensor[] backward(Tensor g) {
                    // d a^b / da = b a^(b-1); d a^b / db = a^b ln a (0 where a == 0 and b > 0, as PyTorch)
                    Tensor ga = a.requiresGrad() ? g.mul(sb).mul(sa.pow(sb.sub(1.0))) : null;
                    Tensor gb = null;
                    if (b.requiresGrad()) {
                        Tensor lnA = Tensor.where(sa.eq(0.0), Tensor.zerosLike(sa), sa.log());
                        gb = g.mul(so).mul(lnA);
                    }
                    return new Tensor[] {ga, gb};
                }
            };
            case MAXIMUM, MINIMUM -> new Node(op == BinaryOp.MAXIMUM ? "maximum" : "minimum", a, b) {
                final Tensor sa = save(a), sb = save(b);
                @Override protected Tensor[] backward(Tensor g) {
                    // ties split the gradient evenly, as PyTorch does
                    Tensor aWins = op == BinaryOp.MAXIMUM ? sa.gt(sb) : sa.lt(sb);
                    Tensor tie = sa.eq(sb);
                    Tensor zero = Tensor.zerosLike(g);
                    Tensor half = g.mul(0.5);
                    Tensor ga = Tensor.where(aWins, g, Tensor.where(tie, half, zero));
                    Tensor gb = Tensor.where(aWins, zero, Tensor.where(tie, half, g));
                    return new Tensor[] {ga, gb};
                }
            };
            default -> throw new IllegalStateException("no derivative for " + op);
        });
    }

    /** Comparisons produce BOOL tensors and are never differentiated. */
    public static Tensor compare(BinaryOp op, Tensor a, Tensor b) { return binaryNoGrad(op, a, b); }

    public static Tensor unary(UnaryOp op, Tensor x) {
        Tensor out = unaryNoGrad(op, x, 0, 0);
        if (!Autograd.needsGraph(x)) return out;
        return out.withGradFn(switch (op) {
            case NEG -> node("neg", x, g -> g.neg());
            case ABS -> new SavingNode("abs", x, x) {
                @Override protected Tensor[] backward(Tensor g) { return one(g.mul(saved0().sign())); }
            };
            case SIGN, ROUND, STEP -> node(op.name().toLowerCase(), x, g -> Tensor.zerosLike(g));
            case EXP -> new SavingNode("exp", x, out) {
                @Override protected Tensor[] backward(Tensor g) { return one(g.mul(saved0())); }
            };
            case LOG -> new SavingNode("log", x, x) {
                @Override protected Tensor[] backward(Tensor g) { return one(g.div(saved0())); }
            };
            case SQRT -> new SavingNode("sqrt", x, out) {
                @Override protected Tensor[] backward(Tensor g) { return one(g.div(saved0().mul(2.0))); }
            };
            case RSQRT -> new SavingNode("rsqrt", x, x) {
                // d x^-1/2 = -1/2 x^-3/2
                @Override protected Tensor[] backward(Tensor g) { return one(g.mul(saved0().pow(-1.5)).mul(-0.5)); }
            };
            case RECIPROCAL -> new SavingNode("reciprocal", x, x) {
                @Override protected Tensor[] backward(Tensor g) { return one(g.neg().div(saved0().mul(saved0()))); }
            };
            case RELU -> new SavingNode("relu", x, x) {
                // the mask is a constant: relu'' = 0 almost everywhere
                @Override protected Tensor[] backward(Tensor g) { return one(reluBackward(g, saved0())); }
            };
            case SIGMOID -> new SavingNode("sigmoid", x, out) {
                @Override protected Tensor[] backward(Tensor g) {
                    Tensor s = saved0();
                    return one(g.mul(s.mul(s.neg().add(1.0))));
                }
            };
            case TANH -> new SavingNode("tanh", x, out) {
                @Override protected Tensor[] backward(Tensor g) {
                    Tensor t = saved0();
                    return one(g.mul(t.mul(t).neg().add(1.0)));
                }
            };
            default -> throw new IllegalStateException("no derivative for " + op);
        });
    }

    /** The 0/1 mask x > 0 in x's dtype (no gradient). */
    static Tensor step(Tensor x) { return unaryNoGrad(UnaryOp.STEP, x, 0, 0); }

    /**
     * g * step(z): the ReLU's backward for z its input or output. Recording a graph (createGraph), it is built
     * from differentiable ops; otherwise one backend pass.
     */
    static Tensor reluBackward(Tensor g, Tensor z) {
        if (GradMode.isEnabled() || !java.util.Arrays.equals(g.shape(), z.shape()) || g.dtype() != z.dtype()) {
            return g.mul(step(z));
        }
        Tensor out = Tensor.empty(g.backend(), g.dtype(), g.shape());
        g.backend().reluBackward(g.contiguous(), z.contiguous(), out);
        return out;
    }

    /**
     * relu(a + b) as one op (a residual sum and its ReLU) for operands of one shape and dtype; other
     * operands take the two ops. Backward: the masked gradient goes to both operands.
     */
    public static Tensor addRelu(Tensor a, Tensor b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape()) || a.dtype() != b.dtype() || a.backend() != b.backend()) {
            return a.add(b).relu();
        }
        Tensor out = Tensor.empty(a.backend(), a.dtype(), a.shape());
        a.backend().addRelu(a.contiguous(), b.contiguous(), out);
        if (!Autograd.needsGraph(a, b)) return out;
        return out.withGradFn(new Node("add_relu", a, b) {
            final Tensor sy = save(out.detach());
            @Override protected Tensor[] backward(Tensor g) {
                Tensor gz = reluBackward(g, sy);
                return new Tensor[] {a.requiresGrad() ? gz : null, b.requiresGrad() ? gz : null};
            }
        });
    }

    public static Tensor addScalar(Tensor x, double v) {
        Tensor out = unaryNoGrad(UnaryOp.ADD_SCALAR, x, v, 0);
        if (!Autograd.needsGraph(x)) return out;
        return out.withGradFn(node("add_scalar", x, g -> g));
    }

    public static Tensor mulScalar(Tensor x, double v) {
        Tensor out = unaryNoGrad(UnaryOp.MUL_SCALAR, x, v, 0);
        if (!Autograd.needsGraph(x)) return out;
        return out.withGradFn(node("mul_scalar", x, g -> g.mul(v)));
    }

    /** v / x. */
    public static Tensor rdivScalar(Tensor x, double v) {
        Tensor out = unaryNoGrad(UnaryOp.RDIV_SCALAR, x, v, 0);
        if (!Autograd.needsGraph(x)) return out;
        return out.withGradFn(new SavingNode("rdiv_scalar", x, x) {
            @Override protected Tensor[] backward(Tensor g) { return one(g.mul(-v).div(saved0().mul(saved0()))); }
        });
    }

    public static Tensor powScalar(Tensor x, double p) {
        Tensor out = unaryNoGrad(UnaryOp.POW, x, p, 0);
        if (!Autograd.needsGraph(x)) return out;
        return out.withGradFn(new SavingNode("pow_scalar", x, x) {
            @Override protected Tensor[] backward(Tensor g) {
                if (p == 0) return one(Tensor.zerosLike(g));
                return one(g.mul(saved0().pow(p - 1)).mul(p));
            }
        });
    }

    /** clamp(x, min, max); the gradient passes where min <= x <= max (PyTorch's convention at the bounds). */
    public static Tensor clamp(Tensor x, double min, double max) {
        Tensor out = unaryNoGrad(UnaryOp.CLAMP, x, min, max);
        if (!Autograd.needsGraph(x)) return out;
        return out.withGradFn(new SavingNode("clamp", x, x) {
            @Override protected Tensor[] backward(Tensor g) {
                Tensor inside = Tensor.onesLike(saved0());
                if (!Double.isNaN(min)) inside = inside.mul(saved0().ge(min).to(g.dtype()));
                if (!Double.isNaN(max)) inside = inside.mul(saved0().le(max).to(g.dtype()));
                return one(g.mul(inside));
            }
        });
    }

    /** cond ? a : b with broadcasting of all three. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        checkBackends(a, b);
        checkBackends(cond, a);
        int[] shape = Shape.broadcast(Shape.broadcast(cond.shape(), a.shape()), b.shape());
        DType dtype = DType.promote(a.dtype(), b.dtype());
        Tensor out = Tensor.zeros(a.backend(), dtype, shape);
        a.backend().where(broadcastView(cond, shape), broadcastView(a, shape), broadcastView(b, shape), out);
        if (!Autograd.needsGraph(a, b)) return out;
        Tensor c = cond;
        return out.withGradFn(new Node("where", a, b) {
            @Override protected Tensor[] backward(Tensor g) {
                Tensor zero = Tensor.zerosLike(g);
                return new Tensor[] {Tensor.where(c, g, zero), Tensor.where(c, zero, g)};
            }
        });
    }

    /** Dtype conversion; the gradient is converted back. */
    public static Tensor cast(Tensor x, DType target) {
        if (x.dtype() == target) return x;
        Tensor out = Tensor.zeros(x.backend(), target, x.shape());
        x.backend().copy(x, out);
        if (!target.isFloating() || !Autograd.needsGraph(x)) return out;
        DType source = x.dtype();
        return out.withGradFn(node("to_" + target, x, g -> g.to(source)));
    }

    // ------------------------------------------------------------------ node helpers

    interface Rule { Tensor apply(Tensor g); }

    static Node node(String name, Tensor x, Rule rule) {
        return new Node(name, x) {
            @Override protected Tensor[] backward(Tensor g) { return new Tensor[] {rule.apply(g)}; }
        };
    }

    /** A one-input node that saved one tensor. */
    abstract static class SavingNode extends Node {
        private final Tensor kept;

        SavingNode(String name, Tensor input, Tensor toSave) {
            super(name, input);
            this.kept = save(toSave);
        }

        Tensor saved0() { return kept; }

        static Tensor[] one(Tensor g) { return new Tensor[] {g}; }
    }
}
