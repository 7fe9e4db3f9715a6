// Max and average pooling over contiguous NCHW planes; one work-item per output (or, for the
// average-pool adjoint, per input element, gathering the windows that cover it). T: float/double.

typedef struct {
    int H, W, OH, OW, kh, kw, sh, sw, ph, pw, countIncludePad;
} Pool;

__kernel void max_pool(Pool p, __global const T* x, long xoff, __global T* out, __global long* idx, long total) {
    long gid = get_global_id(0);
    if (gid >= total) return;
    int j = gid % p.OW, i = (gid / p.OW) % p.OH;
    long plane = gid / ((long) p.OH * p.OW);
    __global const T* in = x + xoff + plane * p.H * p.W;
    int h0 = i * p.sh - p.ph, h1 = min(h0 + p.kh, p.H);
    h0 = max(h0, 0);
    int w0 = j * p.sw - p.pw, w1 = min(w0 + p.kw, p.W);
    w0 = max(w0, 0);
    T best = -INFINITY;
    int arg = h0 * p.W + w0;
    for (int h = h0; h < h1; h++) {
        for (int w = w0; w < w1; w++) {
            T v = in[h * p.W + w];
            if (v > best || isnan(v)) {
                best = v;
                arg = h * p.W + w;
                if (isnan(v)) { h = h1; break; }
            }
        }
    }
    out[gid] = best;
    idx[gid] = arg;
}

/** {h0, h1, w0, w1} clipped and the divisor of output cell (i, j), as PyTorch's avg_pool2d. */
inline int4 window(const Pool* p, int i, int j, int* divisor) {
    int h0 = i * p->sh - p->ph, w0 = j * p->sw - p->pw;
    int h1 = min(h0 + p->kh, p->H + p->ph), w1 = min(w0 + p->kw, p->W + p->pw);
    int padded = (h1 - h0) * (w1 - w0);
    h0 = max(h0, 0);
    w0 = max(w0, 0);
    h1 = min(h1, p->H);
    w1 = min(w1, p->W);
    *divisor = p->countIncludePad ? padded : (h1 - h0) * (w1 - w0);
    return (int4) (h0, h1, w0, w1);
}

__kernel void avg_pool(Pool p, __global const T* x, long xoff, __global T* out, long total) {
    long gid = get_global_id(0);
    if (gid >= total) return;
    int j = gid % p.OW, i = (gid / p.OW) % p.OH;
    long plane = gid / ((long) p.OH * p.OW);
    __global const T* in = x + xoff + plane * p.H * p.W;
    int div;
    int4 win = window(&p, i, j, &div);
    acc_t s = 0;
    for (int h = win.s0; h < win.s1; h++) {
        for (int w = win.s2; w < win.s3; w++) s += in[h * p.W + w];
    }
    out[gid] = (T) (s / div);
}

__kernel void avg_pool_backward(Pool p, __global const T* dy, long dyoff, __global T* dx, long total) {
    long gid = get_global_id(0);
    if (gid >= total) return;
    int w = gid % p.W, h = (gid / p.W) % p.H;
    long plane = gid / ((long) p.H * p.W);
    __global const T* g = dy + dyoff + plane * p.OH * p.OW;
    // windows i with i*sh - ph <= h < i*sh - ph + kh
    int i0 = max(0, (h + p.ph - p.kh + p.sh) / p.sh), i1 = min(p.OH - 1, (h + p.ph) / p.sh);
    int j0 = max(0, (w + p.pw - p.kw + p.sw) / p.sw), j1 = min(p.OW - 1, (w + p.pw) / p.sw);
    if (h + p.ph - p.kh + p.sh < 0) i0 = 0;
    if (w + p.pw - p.kw + p.sw < 0) j0 = 0;
    acc_t s = 0;
    for (int i = i0; i <= i1; i++) {
        for (int j = j0; j <= j1; j++) {
            int div;
            int4 win = window(&p, i, j, &div);
            if (h >= win.s0 && h < win.s1 && w >= win.s2 && w < win.s3) s += (acc_t) g[i * p.OW + j] / div;
        }
    }
    dx[gid] = (T) s;
}
