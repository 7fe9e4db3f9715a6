// Reductions over a set of dimensions of a strided input of any dtype. Layout K walks the kept
// dimensions (operand 0: x; off[1], off[2]: out and index offsets), R the reduced sub-tensor. Sums accumulate in
// acc_t; MAX/MIN keep the first extreme element, and a NaN wins (as torch.max).
// op: 0 SUM, 1 MAX, 2 MIN.

/** True when candidate (v, j) replaces the current best (b, bi). */
inline bool better(int op, acc_t v, int j, acc_t b, int bi) {
    if (isnan(b)) return isnan(v) && j < bi;
    if (isnan(v)) return true;
    if (v == b) return j < bi;
    return op == 1 ? v > b : v < b;
}

// one work-item per output: for many outputs with short segments
__kernel void reduce_item(Layout K, Layout R, int op, __global const uchar* x, int xdt,
                          __global uchar* out, int odt, __global long* idx, int hasIdx) {
    long i = get_global_id(0);
    if (i >= K.n) return;
    long base = offset_of(&K, 0, i);
    int seg = R.n;
    if (op == 0) {
        acc_t s = 0;
        for (int j = 0; j < seg; j++) s += ld(x, xdt, base + offset_of(&R, 0, j));
        st(out, odt, K.off[1] + i, s);
        return;
    }
    acc_t b = ld(x, xdt, base);
    int bi = 0;
    for (int j = 1; j < seg && !isnan(b); j++) {
        acc_t v = ld(x, xdt, base + offset_of(&R, 0, j));
        if (better(op, v, j, b, bi)) { b = v; bi = j; }
    }
    st(out, odt, K.off[1] + i, b);
    if (hasIdx) idx[K.off[2] + i] = bi;
}

// one work-group per output: for few outputs with long segments (tree reduction in local memory)
__kernel void reduce_group(Layout K, Layout R, int op, __global const uchar* x, int xdt,
                           __global uchar* out, int odt, __global long* idx, int hasIdx,
                           __local acc_t* sv, __local int* si) {
    long i = get_group_id(0);
    int lid = get_local_id(0), lsz = get_local_size(0);
    long base = offset_of(&K, 0, i);
    int seg = R.n;
    acc_t b = op == 0 ? 0 : ld(x, xdt, base);
    int bi = 0;
    for (int j = lid; j < seg; j += lsz) {
        acc_t v = ld(x, xdt, base + offset_of(&R, 0, j));
        if (op == 0) b += v;
        else if (j == lid || better(op, v, j, b, bi)) { b = v; bi = j; }
    }
    if (op != 0 && lid >= seg) { bi = seg; }  // an empty lane never wins
    sv[lid] = b;
    si[lid] = bi;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = lsz / 2; s > 0; s >>= 1) {
        if (lid < s) {
            if (op == 0) sv[lid] += sv[lid + s];
            else if (si[lid + s] < seg && (si[lid] >= seg || better(op, sv[lid + s], si[lid + s], sv[lid], si[lid]))) {
                sv[lid] = sv[lid + s];
                si[lid] = si[lid + s];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        st(out, odt, K.off[1] + i, sv[0]);
        if (hasIdx && op != 0) idx[K.off[2] + i] = si[0];
    }
}
