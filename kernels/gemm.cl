// Batched GEMM C[b] (+)= A[b] B[b] with arbitrary strides (transposed views need no copy):
// A(b, i, k) = A[aoff + b sab + i sam + k sak], likewise B(b, k, j) and C(b, i, j).
// Tiled through local memory, TS x TS work-groups, each work-item computing WPT outputs of one
// column block (register blocking along rows). T is float or double.
#define TS 16
#define WPT 4
#define ROWS (TS * WPT)

__kernel __attribute__((reqd_work_group_size(TS, TS, 1)))
void gemm(int M, int N, int K,
          __global const T* A, long aoff, long sab, int sam, int sak,
          __global const T* B, long boff, long sbb, int sbk, int sbn,
          __global T* C, long coff, long scb, int scm, int scn, int accumulate) {
    __local T As[ROWS][TS + 1];
    __local T Bs[TS][TS + 1];
    int tx = get_local_id(0), ty = get_local_id(1);
    int col = get_group_id(0) * TS + tx;
    int row0 = get_group_id(1) * ROWS;
    long b = get_global_id(2);
    A += aoff + b * sab;
    B += boff + b * sbb;
    T acc[WPT];
    for (int w = 0; w < WPT; w++) acc[w] = 0;
    for (int t = 0; t < K; t += TS) {
        int ka = t + tx;
        for (int w = 0; w < WPT; w++) {
            int r = row0 + ty + w * TS;
            As[ty + w * TS][tx] = (r < M && ka < K) ? A[(long) r * sam + (long) ka * sak] : (T) 0;
        }
        int kb = t + ty;
        Bs[ty][tx] = (kb < K && col < N) ? B[(long) kb * sbk + (long) col * sbn] : (T) 0;
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < TS; k++) {
            T bv = Bs[k][tx];
            for (int w = 0; w < WPT; w++) acc[w] += As[ty + w * TS][k] * bv;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (col >= N) return;
    for (int w = 0; w < WPT; w++) {
        int r = row0 + ty + w * TS;
        if (r < M) {
            long c = coff + b * scb + (long) r * scm + (long) col * scn;
            C[c] = accumulate ? C[c] + acc[w] : acc[w];
        }
    }
}
