package peekaboo.backend;

/** Elementwise functions of one tensor. POW, CLAMP and the SCALAR ops take scalar parameters p0 (and p1). */
public enum UnaryOp {
    NEG, ABS, SIGN, EXP, LOG, SQRT, RSQRT, RELU, SIGMOID, TANH,
    /** x^p0 */
    POW,
    /** min(max(x, p0), p1); NaN bounds mean "no bound". */
    CLAMP,
    /** x + p0 */
    ADD_SCALAR,
    /** x * p0 */
    MUL_SCALAR,
    /** p0 / x */
    RDIV_SCALAR,
    /** 1 where x > 0 else 0 (the derivative of relu). */
    STEP,
    /** round half to even (Math.rint), torch.round */
    ROUND,
    RECIPROCAL
}
