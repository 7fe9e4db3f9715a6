package peekaboo.backend;

/** Elementwise functions of two tensors of the same (already broadcast) shape. */
public enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM,
    EQ, NE, LT, LE, GT, GE;

    /** Comparisons produce BOOL tensors and have no gradient. */
    public boolean isComparison() { return ordinal() >= EQ.ordinal(); }
}
