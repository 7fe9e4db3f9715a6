// Batch norm over contiguous x [N, C, inner]: one work-group per channel, tree reductions in
// local memory, accumulated in acc_t (double where the device has fp64). T: float or double.

inline acc_t group_sum(acc_t v, __local acc_t* buf) {
    int lid = get_local_id(0), lsz = get_local_size(0);
    buf[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = lsz / 2; s > 0; s >>= 1) {
        if (lid < s) buf[lid] += buf[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    acc_t r = buf[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

#define ELEM(n, j) (((long) (n) * C + ch) * inner + (j))

__kernel void bn_stats(__global const T* x, long xoff, int N, int C, int inner,
                       __global acc_t* mean, long moff, __global acc_t* var, long voff, __local acc_t* buf) {
    int ch = get_group_id(0), lid = get_local_id(0), lsz = get_local_size(0);
    long count = (long) N * inner;
    acc_t s = 0;
    for (long e = lid; e < count; e += lsz) s += x[xoff + ELEM(e / inner, e % inner)];
    acc_t mu = group_sum(s, buf) / count;
    acc_t q = 0;
    for (long e = lid; e < count; e += lsz) {
        acc_t d = x[xoff + ELEM(e / inner, e % inner)] - mu;
        q += d * d;
    }
    acc_t v = group_sum(q, buf) / count;
    if (lid == 0) {
        mean[moff + ch] = mu;
        var[voff + ch] = v;
    }
}

// gb = sum(gy), gw = sum(gy (x - mean)) invstd, gx = (gy - gb/M - (x - mean) invstd^2 gw'/M) invstd w
__kernel void bn_backward(__global const T* x, long xoff, __global const T* gy, long goff, int N, int C, int inner,
                          __global const T* mean, long moff, __global const T* invstd, long ioff,
                          __global const T* weight, long woff, int hasWeight,
                          __global T* gx, __global T* gw, long gwoff, __global T* gb, long gboff, __local acc_t* buf) {
    int ch = get_group_id(0), lid = get_local_id(0), lsz = get_local_size(0);
    long count = (long) N * inner;
    acc_t mu = mean[moff + ch], istd = invstd[ioff + ch];
    acc_t w = hasWeight ? (acc_t) weight[woff + ch] : (acc_t) 1;
    acc_t sg = 0, dot = 0;
    for (long e = lid; e < count; e += lsz) {
        long k = ELEM(e / inner, e % inner);
        acc_t g = gy[goff + k];
        sg += g;
        dot += ((acc_t) x[xoff + k] - mu) * g;
    }
    sg = group_sum(sg, buf);
    dot = group_sum(dot, buf);
    if (lid == 0) {
        gb[gboff + ch] = (T) sg;
        gw[gwoff + ch] = (T) (dot * istd);
    }
    T meanG = (T) (sg / count), kk = (T) (dot * istd * istd / count), scale = (T) (istd * w), tmu = (T) mu;
    for (long e = lid; e < count; e += lsz) {
        long k = ELEM(e / inner, e % inner);
        gx[k] = (gy[goff + k] - meanG - (x[xoff + k] - tmu) * kk) * scale;
    }
}

// out = fma(x, scale[c], shift[c]) over contiguous x [N, C, inner]
__kernel void channel_affine(__global const T* x, long xoff, __global const T* scale, long soff, int sst,
                             __global const T* shift, long toff, int tst, int C, int inner, __global T* out, long total) {
    long gid = get_global_id(0);
    if (gid >= total) return;
    int c = (gid / inner) % C;
    out[gid] = fma(x[xoff + gid], scale[soff + (long) c * sst], shift[toff + (long) c * tst]);
}
