// Elementwise kernels over strided operands of any dtype, computed in acc_t (double where the
// device has fp64), like the CPU reference which computes in double and rounds once on store.
// Op codes are the ordinals of peekaboo.backend.UnaryOp / BinaryOp.

__kernel void copy_k(Layout L, __global const uchar* src, int sdt, __global uchar* dst, int ddt) {
    long i = get_global_id(0);
    if (i >= L.n) return;
    long s = offset_of(&L, 0, i), d = offset_of(&L, 1, i);
    if (sdt == ddt) {
        // same dtype: copy the bits (exact for int64, and works without fp64)
        if (sdt == 0) ((__global uint*) dst)[d] = ((__global const uint*) src)[s];
        else if (sdt == 1 || sdt == 2) ((__global ulong*) dst)[d] = ((__global const ulong*) src)[s];
        else dst[d] = src[s];
        return;
    }
    st(dst, ddt, d, ld(src, sdt, s));
}

__kernel void fill_k(Layout L, __global uchar* dst, int ddt, acc_t value) {
    long i = get_global_id(0);
    if (i >= L.n) return;
    st(dst, ddt, offset_of(&L, 0, i), value);
}

inline acc_t sigmoid_of(acc_t v) {
    return v >= 0 ? 1 / (1 + exp(-v)) : exp(v) / (1 + exp(v));
}

inline acc_t unary_of(int op, acc_t x, acc_t p0, acc_t p1) {
    switch (op) {
        case 0: return -x;
        case 1: return fabs(x);
        case 2: return isnan(x) ? x : (x > 0 ? (acc_t) 1 : (x < 0 ? (acc_t) -1 : x));
        case 3: return exp(x);
        case 4: return log(x);
        case 5: return sqrt(x);
        case 6: return 1 / sqrt(x);
        case 7: return x > 0 ? x : (isnan(x) ? x : (acc_t) 0);
        case 8: return sigmoid_of(x);
        case 9: return tanh(x);
        case 10: return p0 == 2 ? x * x : p0 == 1 ? x : p0 == (acc_t) 0.5 ? sqrt(x) : pow(x, p0);
        case 11: {
            acc_t v = x;
            if (!isnan(p0) && v < p0) v = p0;
            if (!isnan(p1) && v > p1) v = p1;
            return v;
        }
        case 12: return x + p0;
        case 13: return x * p0;
        case 14: return p0 / x;
        case 15: return x > 0 ? (acc_t) 1 : (acc_t) 0;
        case 16: return rint(x);
        default: return 1 / x;
    }
}

__kernel void unary_k(Layout L, int op, acc_t p0, acc_t p1, __global const uchar* x, int xdt, __global uchar* out, int odt) {
    long i = get_global_id(0);
    if (i >= L.n) return;
    st(out, odt, offset_of(&L, 1, i), unary_of(op, ld(x, xdt, offset_of(&L, 0, i)), p0, p1));
}

inline acc_t binary_of(int op, acc_t a, acc_t b) {
    switch (op) {
        case 0: return a + b;
        case 1: return a - b;
        case 2: return a * b;
        case 3: return a / b;
        case 4: return pow(a, b);
        case 5: return isnan(a) || a >= b ? a : b;
        case 6: return isnan(a) || a <= b ? a : b;
        case 7: return a == b ? 1 : 0;
        case 8: return a != b ? 1 : 0;
        case 9: return a < b ? 1 : 0;
        case 10: return a <= b ? 1 : 0;
        case 11: return a > b ? 1 : 0;
        default: return a >= b ? 1 : 0;
    }
}

__kernel void binary_k(Layout L, int op, __global const uchar* a, int adt, __global const uchar* b, int bdt,
                       __global uchar* out, int odt) {
    long i = get_global_id(0);
    if (i >= L.n) return;
    acc_t va = ld(a, adt, offset_of(&L, 0, i)), vb = ld(b, bdt, offset_of(&L, 1, i));
    st(out, odt, offset_of(&L, 2, i), binary_of(op, va, vb));
}

__kernel void where_k(Layout L, __global const uchar* c, int cdt, __global const uchar* a, int adt,
                      __global const uchar* b, int bdt, __global uchar* out, int odt) {
    long i = get_global_id(0);
    if (i >= L.n) return;
    acc_t v = ld(c, cdt, offset_of(&L, 0, i)) != 0 ? ld(a, adt, offset_of(&L, 1, i)) : ld(b, bdt, offset_of(&L, 2, i));
    st(out, odt, offset_of(&L, 3, i), v);
}
