// Convolution by im2col + the tiled GEMM (gemm.cl). Column matrix element (b, row, j) lives at
// col[b sb + row sr + j], row = (ci R + ty) S + tx over one group's channels, j = oy OW + ox.
// T is float or double.

typedef struct {
    int C, H, W, R, S, sh, sw, ph, pw, dh, dw, OH, OW, cg;
} Geom;

// x points at image b0; cbase is the group's first channel
__kernel void im2col(Geom g, __global const T* x, long xoff, int cbase, int nb, __global T* col, long sb, long sr) {
    long gid = get_global_id(0);
    int p = g.OH * g.OW, crs = g.cg * g.R * g.S;
    if (gid >= (long) nb * crs * p) return;
    int j = gid % p;
    int row = (gid / p) % crs;
    int b = gid / ((long) p * crs);
    int ci = row / (g.R * g.S), ty = (row / g.S) % g.R, tx = row % g.S;
    int oy = j / g.OW, ox = j % g.OW;
    int iy = oy * g.sh - g.ph + ty * g.dh, ix = ox * g.sw - g.pw + tx * g.dw;
    bool in = iy >= 0 && iy < g.H && ix >= 0 && ix < g.W;
    col[b * sb + row * sr + j] = in ? x[xoff + (((long) b * g.C + cbase + ci) * g.H + iy) * g.W + ix] : (T) 0;
}

// the adjoint of im2col, gathered: each input element sums the column entries that read it
__kernel void col2im(Geom g, __global const T* col, long sb, long sr, int nb, __global T* dx, long xoff, int cbase) {
    long gid = get_global_id(0);
    int hw = g.H * g.W;
    if (gid >= (long) nb * g.cg * hw) return;
    int ix = gid % g.W, iy = (gid / g.W) % g.H;
    int ci = (gid / hw) % g.cg;
    int b = gid / ((long) g.cg * hw);
    T s = 0;
    for (int ty = 0; ty < g.R; ty++) {
        int oyp = iy + g.ph - ty * g.dh;
        if (oyp < 0 || oyp % g.sh != 0) continue;
        int oy = oyp / g.sh;
        if (oy >= g.OH) continue;
        for (int tx = 0; tx < g.S; tx++) {
            int oxp = ix + g.pw - tx * g.dw;
            if (oxp < 0 || oxp % g.sw != 0) continue;
            int ox = oxp / g.sw;
            if (ox >= g.OW) continue;
            int row = (ci * g.R + ty) * g.S + tx;
            s += col[b * sb + row * sr + oy * g.OW + ox];
        }
    }
    dx[xoff + (((long) b * g.C + cbase + ci) * g.H + iy) * g.W + ix] = s;
}

// out[b, k, j] += bias[k] over a contiguous [n, K, p] output
__kernel void add_bias(__global T* out, long ooff, __global const T* bias, long boff, int K, int p, long total) {
    long gid = get_global_id(0);
    if (gid >= total) return;
    int k = (gid / p) % K;
    out[ooff + gid] += bias[boff + k];
}
