// Shared by every program: the accumulation type, dtype-generic loads and stores, strided layouts.
// The host prepends this file and defines HAS_FP64 (1 where the device has cl_khr_fp64) and, for
// the typed programs, T (float or double).
#if HAS_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_t;
#else
typedef float acc_t;
#endif

#define MAXR 8
#define MAXOPS 4

// dtype codes (peekaboo.tensor.DType ordinals): 0 F32, 1 F64, 2 I64, 3 U8, 4 BOOL
// A strided iteration space shared by up to four operands (ints only: no padding on any device).
typedef struct {
    int rank;
    int n;
    int shape[MAXR];
    int st[MAXOPS][MAXR];
    int off[MAXOPS];
} Layout;

inline acc_t ld(__global const uchar* p, int dt, long i) {
    switch (dt) {
        case 0: return (acc_t) ((__global const float*) p)[i];
#if HAS_FP64
        case 1: return ((__global const double*) p)[i];
#endif
        case 2: return (acc_t) ((__global const long*) p)[i];
        case 3: return (acc_t) p[i];
        default: return p[i] != 0 ? (acc_t) 1 : (acc_t) 0;
    }
}

inline void st(__global uchar* p, int dt, long i, acc_t v) {
    switch (dt) {
        case 0: ((__global float*) p)[i] = (float) v; break;
#if HAS_FP64
        case 1: ((__global double*) p)[i] = v; break;
#endif
        case 2: ((__global long*) p)[i] = isnan(v) ? 0 : (long) v; break;
        case 3: p[i] = (uchar) (isnan(v) ? 0 : (long) v); break;
        default: p[i] = v != 0 ? 1 : 0;
    }
}

/** Element offset of operand op for the row-major linear index i of the layout's shape. */
inline long offset_of(const Layout* L, int op, long i) {
    long o = L->off[op];
    for (int d = L->rank - 1; d >= 0; d--) {
        int s = L->shape[d];
        o += (i % s) * (long) L->st[op][d];
        i /= s;
    }
    return o;
}

/** Double.compare order: -0 < +0, NaN after everything. */
inline int total_cmp(acc_t a, acc_t b) {
    if (isnan(a)) return isnan(b) ? 0 : 1;
    if (isnan(b)) return -1;
    if (a < b) return -1;
    if (a > b) return 1;
    int sa = signbit(a) ? 1 : 0, sb = signbit(b) ? 1 : 0;
    return sb - sa;
}
