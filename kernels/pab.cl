// The PaB kernels (spec sections 3 and 4): PSG's quantiser and weight-gradient combine, the Bop step.
// Bit-exact with the CPU reference (peekaboo.backend.cpu.PabKernels): every product and sum is rounded
// on its own (no contraction into fma), and divisions are correctly rounded (done in double where the
// device has fp64, else the host builds this program with -cl-fp32-correctly-rounded-divide-sqrt).
// Typed program: T is float or double; quantize is float32 only.
#pragma OPENCL FP_CONTRACT OFF

/** Q(x): t = clamp((x - lo) / delta, 0, top) as Java's Math.max/min (NaN stays), rint(t) * delta + lo (lo: the range minimum), x == 0 gives +0. */
__kernel void quantize(__global const float* x, long xo, __global float* out, long oo, float lo, float delta, float top, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    float v = x[xo + i];
    if (v == 0) {
        out[oo + i] = 0.0f;
        return;
    }
    float a = v - lo;
    float t = (float) ((acc_t) a / (acc_t) delta);
    if (t <= 0) t = 0.0f;  // Math.max(t, 0f): -0 becomes +0, NaN stays
    if (t >= top) t = top;
    float r = rint(t);
    float s = r * delta;
    out[oo + i] = s + lo;
}

/** G = keep ? msb : (exact or 0) with keep = t == 0 or |msb| >= t, then sign(G) when asked (sign keeps +-0 and NaN). */
__kernel void psg_combine(__global const T* msb, long mo, __global const T* exact, long eo, int useExact, T t, int takeSign,
                          __global T* out, long oo, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    T v = msb[mo + i];
    T r = (t == 0 || fabs(v) >= t) ? v : (useExact ? exact[eo + i] : (T) 0);
    if (takeSign && !isnan(r)) r = r > 0 ? (T) 1 : (r < 0 ? (T) -1 : r);
    out[oo + i] = r;
}

inline int sign_of(T v) { return v > 0 ? 1 : (v < 0 ? -1 : 0); }

/**
 * One Bop step over n entries, grid-stride: m = first ? g + g*y : m*keep + g*y; flip p where |m| >= t and
 * sign(m) == sign(p), counting per entry (c) and per work-group (partial, summed on the host).
 */
__kernel void bop_step(__global T* p, long po, __global const T* g, long go, __global T* m, long mo, __global long* c, long co,
                       T y, T keep, T t, int first, long n, __global long* partial, __local int* cnt) {
    int lid = get_local_id(0), lsz = get_local_size(0);
    int f = 0;
    for (long i = get_global_id(0); i < n; i += get_global_size(0)) {
        T gi = g[go + i];
        T gy = gi * y;
        T mi;
        if (first) {
            mi = gi + gy;
        } else {
            T mk = m[mo + i] * keep;
            mi = mk + gy;
        }
        m[mo + i] = mi;
        T pi = p[po + i];
        if (fabs(mi) >= t && sign_of(mi) == sign_of(pi)) {
            p[po + i] = -pi;
            c[co + i] += 1;
            f++;
        }
    }
    cnt[lid] = f;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = lsz / 2; s > 0; s >>= 1) {
        if (lid < s) cnt[lid] += cnt[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partial[get_group_id(0)] = cnt[0];
}
