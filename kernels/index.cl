// gather / scatter-add along a dimension and a stable row sort, for operands of any dtype.
// Index errors are reported through err: err[0] = 1, err[1] = the offending index.

// Layout ops: 0 = out (contiguous), 1 = index, 2 = x with its stride along dim set to 0
__kernel void gather_k(Layout L, __global const uchar* x, int xdt, long xDimStride, int limit,
                       __global const long* index, __global uchar* out, int odt, __global long* err) {
    long i = get_global_id(0);
    if (i >= L.n) return;
    long k = index[offset_of(&L, 1, i)];
    if (k < 0 || k >= limit) {
        err[1] = k;
        err[0] = 1;
        return;
    }
    st(out, odt, offset_of(&L, 0, i), ld(x, xdt, offset_of(&L, 2, i) + k * xDimStride));
}

// one work-item per line along dim (lines write disjoint outputs: deterministic, no atomics).
// Layout over index's shape with dim of size 1; ops: 0 = index, 1 = src, 2 = out (dim stride 0)
__kernel void scatter_add_k(Layout L, int len, long idxStride, long srcStride, long outStride, int limit,
                            __global const long* index, __global const uchar* src, int sdt,
                            __global uchar* out, int odt, __global long* err) {
    long i = get_global_id(0);
    if (i >= L.n) return;
    long io = offset_of(&L, 0, i), so = offset_of(&L, 1, i), oo = offset_of(&L, 2, i);
    for (int j = 0; j < len; j++) {
        long k = index[io + j * idxStride];
        if (k < 0 || k >= limit) {
            err[1] = k;
            err[0] = 1;
            return;
        }
        long o = oo + k * outStride;
        st(out, odt, o, ld(out, odt, o) + ld(src, sdt, so + j * srcStride));
    }
}

// stable sort of contiguous rows by rank counting (O(len^2) per row: for short rows)
__kernel void sort_rank(__global const uchar* x, int xdt, long xoff, int len, long total, int descending,
                        __global uchar* out, int odt, __global long* idx) {
    long gid = get_global_id(0);
    if (gid >= total) return;
    long base = gid - gid % len;
    int i = gid % len;
    acc_t v = ld(x, xdt, xoff + gid);
    int pos = 0;
    for (int j = 0; j < len; j++) {
        int c = total_cmp(ld(x, xdt, xoff + base + j), v);
        if (descending) c = -c;
        if (c < 0 || (c == 0 && j < i)) pos++;
    }
    st(out, odt, base + pos, v);
    idx[base + pos] = i;
}
