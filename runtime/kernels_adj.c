/* kernels_adj.c: the adjoints (k_rev) of the kernels in gradc/kernels.h.
 *
 * The convention, for a kernel out = k(in...), seed out_bar:
 *   - each input's adjoint accumulates: in_bar += out_bar * d(out)/d(in);
 *   - an output array's adjoint holds the seed on entry and is consumed: it
 *     is zero on return (an in-out array such as axpy's y keeps its adjoint,
 *     since y_old contributes to y_new with factor 1);
 *   - a NULL adjoint pointer means that argument carries no derivative: an
 *     input's is skipped, an output's is a zero seed and nothing is done;
 *   - a scalar floating parameter a gets a pointer adjoint a_bar;
 *   - a kernel returning a value takes its seed ret_bar last and returns the
 *     kernel's value, as the forward call would.
 * Adjoints that need the output read the one the forward call left in place
 * (sigmoid, tanh, exp, softmax, log-softmax), never recompute it.
 *
 * Each rule's math is written next to it. Linear algebra is BLAS: the gemm
 * adjoint is two gemm calls with beta = 1, the gemv adjoint a ger and a gemv.
 * Nothing here allocates. As in kernels.c, the file includes itself once per
 * element type (T = double, then float).
 */
#ifndef KERNEL_T /* ---- first pass: instantiate the template twice ------------ */

#include <cblas.h>
#include <math.h>
#include <stdio.h>

#include "gradc/kernels.h"

typedef double Acc; /* accumulator of sums, for both types */

#define KERNEL_T double
#define FN(name) gradc_##name##_d
#define REV(name) gradc_##name##_d_rev
#define BLAS(name) cblas_d##name
#define EXP exp
#include "kernels_adj.c"
#undef KERNEL_T
#undef FN
#undef REV
#undef BLAS
#undef EXP

#define KERNEL_T float
#define FN(name) gradc_##name##_f
#define REV(name) gradc_##name##_f_rev
#define BLAS(name) cblas_s##name
#define EXP expf
#include "kernels_adj.c"

#else /* ---- the template: T is the element type ------------------------------ */

#define T KERNEL_T
#define TRANS(t) ((t) ? CblasTrans : CblasNoTrans)
#define NOTRANS(t) ((t) ? CblasNoTrans : CblasTrans) /* the transpose of op */

/* Zeroes an output adjoint of n elements: the seed is consumed. */
static void FN(consume)(long n, T *bar) {
  for (long i = 0; i < n; i++)
    bar[i] = 0;
}

/* x_bar += a z_bar, y_bar += b z_bar, then z_bar consumed, where x_bar or
 * y_bar may be z_bar itself (an in-place call, z = x + y into x): then
 * z_bar ends as the sum of the coefficients of the adjoints it stands for. */
static void FN(pass_on)(int n, T *z_bar, T *x_bar, T a, T *y_bar, T b) {
  T keep = 0;
  if (x_bar && x_bar != z_bar) BLAS(axpy)(n, a, z_bar, 1, x_bar, 1);
  else if (x_bar) keep += a;
  if (y_bar && y_bar != z_bar) BLAS(axpy)(n, b, z_bar, 1, y_bar, 1);
  else if (y_bar) keep += b;
  if (keep == 0) FN(consume)(n, z_bar);
  else if (keep != 1) BLAS(scal)(n, keep, z_bar, 1);
}

/* C = op(A) op(B), op(A) m x k, op(B) k x n:
 *   op(A)_bar += C_bar op(B)^T      op(B)_bar += op(A)^T C_bar
 * and, where A (B) is stored transposed, its adjoint is the transpose:
 *   ta: A_bar[k x m] += op(B) C_bar^T    tb: B_bar[n x k] += C_bar^T op(A)
 * Each is one gemm, C := alpha*op(X)*op(Y) + beta*C with alpha = beta = 1.
 * lda = ta ? m : k, ldb = tb ? k : n, ldc = n, as in the forward call. */
void REV(gemm)(int ta, int tb, int m, int n, int k, const T *A, T *A_bar, const T *B,
                  T *B_bar, T *C, T *C_bar) {
  int lda = ta ? m : k, ldb = tb ? k : n;
  (void)C;
  if (!C_bar || m <= 0 || n <= 0)
    return;
  if (k > 0 && A_bar) {
    if (!ta) /* A_bar[m x k] += C_bar[m x n] op(B)^T[n x k] */
      BLAS(gemm)(CblasRowMajor, CblasNoTrans, NOTRANS(tb), m, k, n, 1, C_bar, n, B, ldb, 1,
                 A_bar, lda);
    else /* A_bar[k x m] += op(B)[k x n] C_bar^T[n x m] */
      BLAS(gemm)(CblasRowMajor, TRANS(tb), CblasTrans, k, m, n, 1, B, ldb, C_bar, n, 1, A_bar,
                 lda);
  }
  if (k > 0 && B_bar) {
    if (!tb) /* B_bar[k x n] += op(A)^T[k x m] C_bar[m x n] */
      BLAS(gemm)(CblasRowMajor, NOTRANS(ta), CblasNoTrans, k, n, m, 1, A, lda, C_bar, n, 1,
                 B_bar, ldb);
    else /* B_bar[n x k] += C_bar^T[n x m] op(A)[m x k] */
      BLAS(gemm)(CblasRowMajor, CblasTrans, TRANS(ta), n, k, m, 1, C_bar, n, A, lda, 1, B_bar,
                 ldb);
  }
  FN(consume)((long)m * n, C_bar);
}

/* y = A x (A m x n):    A_bar += y_bar x^T (ger),   x_bar += A^T y_bar (gemv)
 * y = A^T x (ta):       A_bar += x y_bar^T (ger),   x_bar += A y_bar   (gemv) */
void REV(gemv)(int ta, int m, int n, const T *A, T *A_bar, const T *x, T *x_bar, T *y,
                  T *y_bar) {
  (void)y;
  if (!y_bar || m <= 0 || n <= 0) {
    if (y_bar) /* an empty A: y is zero and y_bar is still consumed */
      FN(consume)(ta ? n : m, y_bar);
    return;
  }
  if (A_bar) {
    if (!ta)
      BLAS(ger)(CblasRowMajor, m, n, 1, y_bar, 1, x, 1, A_bar, n);
    else
      BLAS(ger)(CblasRowMajor, m, n, 1, x, 1, y_bar, 1, A_bar, n);
  }
  if (x_bar)
    BLAS(gemv)(CblasRowMajor, NOTRANS(ta), m, n, 1, A, n, y_bar, 1, 1, x_bar, 1);
  FN(consume)(ta ? n : m, y_bar);
}

/* r = x . y:   x_bar += r_bar y,   y_bar += r_bar x   (axpy) */
T REV(dot)(int n, const T *x, T *x_bar, const T *y, T *y_bar, T ret_bar) {
  if (n <= 0)
    return 0;
  if (x_bar)
    BLAS(axpy)(n, ret_bar, y, 1, x_bar, 1);
  if (y_bar)
    BLAS(axpy)(n, ret_bar, x, 1, y_bar, 1);
  return BLAS(dot)(n, x, 1, y, 1);
}

/* y_new = a x + y_old:   a_bar += y_bar . x,   x_bar += a y_bar,
 * y_old_bar = y_bar: y's adjoint passes through unchanged. */
void REV(axpy)(int n, T a, T *a_bar, const T *x, T *x_bar, T *y, T *y_bar) {
  (void)y;
  if (!y_bar || n <= 0)
    return;
  if (a_bar)
    *a_bar += BLAS(dot)(n, y_bar, 1, x, 1);
  if (x_bar)
    BLAS(axpy)(n, a, y_bar, 1, x_bar, 1);
}

/* y = a x:   a_bar += y_bar . x,   x_bar += a y_bar: axpy's adjoint, then
 * the seed is consumed (y has no old value that the output depends on) */
void REV(scale)(int n, T a, T *a_bar, const T *x, T *x_bar, T *y, T *y_bar) {
  if (!y_bar || n <= 0)
    return;
  REV(axpy)(n, a, a_bar, x, x_bar, y, y_bar);
  FN(consume)(n, y_bar);
}

/* z = x + y:   x_bar += z_bar,   y_bar += z_bar */
void REV(add)(int n, const T *x, T *x_bar, const T *y, T *y_bar, T *z, T *z_bar) {
  (void)x, (void)y, (void)z;
  if (!z_bar || n <= 0)
    return;
  FN(pass_on)(n, z_bar, x_bar, 1, y_bar, 1);
}

/* z = x - y:   x_bar += z_bar,   y_bar -= z_bar */
void REV(sub)(int n, const T *x, T *x_bar, const T *y, T *y_bar, T *z, T *z_bar) {
  (void)x, (void)y, (void)z;
  if (!z_bar || n <= 0)
    return;
  FN(pass_on)(n, z_bar, x_bar, 1, y_bar, -1);
}

/* z = x * y:   x_bar += z_bar y,   y_bar += z_bar x */
void REV(mul)(int n, const T *x, T *x_bar, const T *y, T *y_bar, T *z, T *z_bar) {
  (void)z;
  if (!z_bar)
    return;
  for (int i = 0; i < n; i++) {
    if (x_bar)
      x_bar[i] += z_bar[i] * y[i];
    if (y_bar)
      y_bar[i] += z_bar[i] * x[i];
    z_bar[i] = 0;
  }
}

/* z = x / y:   x_bar += z_bar / y,   y_bar -= z_bar x / y^2 = (z_bar / y) (x / y) */
void REV(div)(int n, const T *x, T *x_bar, const T *y, T *y_bar, T *z, T *z_bar) {
  (void)z;
  if (!z_bar)
    return;
  for (int i = 0; i < n; i++) {
    T q = z_bar[i] / y[i];
    if (x_bar)
      x_bar[i] += q;
    if (y_bar)
      y_bar[i] -= q * (x[i] / y[i]);
    z_bar[i] = 0;
  }
}

/* Y[i,j] = X[i,j] + b[j]:   X_bar += Y_bar,   b_bar[j] += sum_i Y_bar[i,j]
 * (axpys row by row, so that no count exceeds n even when m * n would
 * overflow an int). */
void REV(add_bias)(int m, int n, const T *X, T *X_bar, const T *b, T *b_bar, T *Y,
                      T *Y_bar) {
  (void)X, (void)b, (void)Y;
  if (!Y_bar || m <= 0 || n <= 0)
    return;
  for (int i = 0; i < m; i++) {
    if (b_bar)
      BLAS(axpy)(n, 1, Y_bar + (long)i * n, 1, b_bar, 1);
    if (X_bar && X_bar != Y_bar)
      BLAS(axpy)(n, 1, Y_bar + (long)i * n, 1, X_bar + (long)i * n, 1);
  }
  if (X_bar != Y_bar)   /* in place (Y is X): the seed is X's adjoint already */
    FN(consume)((long)m * n, Y_bar);
}

/* r = sum_i x_i:   x_bar_i += r_bar */
T REV(sum)(int n, const T *x, T *x_bar, T ret_bar) {
  if (x_bar)
    for (int i = 0; i < n; i++)
      x_bar[i] += ret_bar;
  return FN(sum)(n, x);
}

/* r = (1/n) sum_i x_i:   x_bar_i += r_bar / n */
T REV(mean)(int n, const T *x, T *x_bar, T ret_bar) {
  if (x_bar)
    for (int i = 0; i < n; i++)
      x_bar[i] += ret_bar / (T)n;
  return FN(mean)(n, x);
}

/* y = scale * (sums of X along axis):
 *   axis 0: X_bar[i,j] += scale y_bar[j]  (one axpy per row)
 *   axis 1: X_bar[i,j] += scale y_bar[i] */
static void REV(reduce_axis)(int m, int n, int axis, T *X_bar, T *y_bar, T scale) {
  if (!y_bar)
    return;
  if (X_bar && m > 0 && n > 0) {
    for (int i = 0; i < m; i++) {
      T *row = X_bar + (long)i * n;
      if (axis)
        for (int j = 0; j < n; j++)
          row[j] += scale * y_bar[i];
      else
        BLAS(axpy)(n, scale, y_bar, 1, row, 1);
    }
  }
  FN(consume)(axis ? m : n, y_bar);
}

void REV(sum_axis)(int m, int n, int axis, const T *X, T *X_bar, T *y, T *y_bar) {
  (void)X, (void)y;
  REV(reduce_axis)(m, n, axis, X_bar, y_bar, 1);
}

void REV(mean_axis)(int m, int n, int axis, const T *X, T *X_bar, T *y, T *y_bar) {
  int len = axis ? n : m;
  (void)X, (void)y;
  REV(reduce_axis)(m, n, axis, X_bar, y_bar, (T)1 / (T)(len > 0 ? len : 1));
}

/* y = max(x, 0):   x_bar += y_bar [x > 0]   (relu'(0) = 0) */
void REV(relu)(int n, const T *x, T *x_bar, T *y, T *y_bar) {
  (void)y;
  if (!y_bar)
    return;
  for (int i = 0; i < n; i++) {
    T g = y_bar[i];   /* read, then consume: x_bar may be y_bar (in place) */
    y_bar[i] = 0;
    if (x_bar && x[i] > 0)
      x_bar[i] += g;
  }
}

/* y = sigmoid(x):   x_bar += y_bar y (1 - y) */
void REV(sigmoid)(int n, const T *x, T *x_bar, T *y, T *y_bar) {
  (void)x;
  if (!y_bar)
    return;
  for (int i = 0; i < n; i++) {
    T g = y_bar[i];   /* in place: x_bar may be y_bar */
    y_bar[i] = 0;
    if (x_bar)
      x_bar[i] += g * y[i] * (1 - y[i]);
  }
}

/* y = tanh(x):   x_bar += y_bar (1 - y^2) */
void REV(tanh)(int n, const T *x, T *x_bar, T *y, T *y_bar) {
  (void)x;
  if (!y_bar)
    return;
  for (int i = 0; i < n; i++) {
    T g = y_bar[i];   /* in place: x_bar may be y_bar */
    y_bar[i] = 0;
    if (x_bar)
      x_bar[i] += g * (1 - y[i] * y[i]);
  }
}

/* y = e^x:   x_bar += y_bar y */
void REV(exp)(int n, const T *x, T *x_bar, T *y, T *y_bar) {
  (void)x;
  if (!y_bar)
    return;
  for (int i = 0; i < n; i++) {
    T g = y_bar[i];   /* in place: x_bar may be y_bar */
    y_bar[i] = 0;
    if (x_bar)
      x_bar[i] += g * y[i];
  }
}

/* y = log x:   x_bar += y_bar / x */
void REV(log)(int n, const T *x, T *x_bar, T *y, T *y_bar) {
  (void)y;
  if (!y_bar)
    return;
  for (int i = 0; i < n; i++) {
    if (x_bar)
      x_bar[i] += y_bar[i] / x[i];
    y_bar[i] = 0;
  }
}

/* Row-wise Y = softmax(X):
 *   X_bar[i,j] += Y[i,j] (Y_bar[i,j] - sum_k Y_bar[i,k] Y[i,k]) */
void REV(softmax)(int m, int n, const T *X, T *X_bar, T *Y, T *Y_bar) {
  (void)X;
  if (!Y_bar || m <= 0 || n <= 0)
    return;
  for (int i = 0; i < m; i++) {
    const T *y = Y + (long)i * n;
    T *yb = Y_bar + (long)i * n;
    T s = BLAS(dot)(n, yb, 1, y, 1);
    T *xb = X_bar ? X_bar + (long)i * n : NULL;
    for (int j = 0; j < n; j++) {
      T g = yb[j];   /* read, then consume: X_bar may be Y_bar (in place) */
      yb[j] = 0;
      if (xb)
        xb[j] += y[j] * (g - s);
    }
  }
}

/* Row-wise Y = log_softmax(X) = X - logsumexp(X):
 *   X_bar[i,j] += Y_bar[i,j] - e^Y[i,j] sum_k Y_bar[i,k] */
void REV(log_softmax)(int m, int n, const T *X, T *X_bar, T *Y, T *Y_bar) {
  (void)X;
  if (!Y_bar || m <= 0 || n <= 0)
    return;
  for (int i = 0; i < m; i++) {
    const T *y = Y + (long)i * n;
    T *yb = Y_bar + (long)i * n;
    Acc s = 0;
    for (int j = 0; j < n; j++)
      s += yb[j];
    T *xb = X_bar ? X_bar + (long)i * n : NULL;
    for (int j = 0; j < n; j++) {
      T g = yb[j];   /* read, then consume: X_bar may be Y_bar (in place) */
      yb[j] = 0;
      if (xb)
        xb[j] += (T)(g - EXP(y[j]) * s);
    }
  }
}

/* r = (1/n) sum_i (x_i - y_i)^2:
 *   x_bar_i += (2 r_bar / n) (x_i - y_i),   y_bar_i -= the same */
T REV(mse)(int n, const T *x, T *x_bar, const T *y, T *y_bar, T ret_bar) {
  T c = n > 0 ? 2 * ret_bar / (T)n : 0;
  for (int i = 0; i < n; i++) {
    T g = c * (x[i] - y[i]);
    if (x_bar)
      x_bar[i] += g;
    if (y_bar)
      y_bar[i] -= g;
  }
  return FN(mse)(n, x, y);
}

/* r = (1/m) sum_i (logsumexp_j L[i,j] - L[i, labels_i]), L = logits:
 *   L_bar[i,j] += (r_bar / m) (softmax(L)[i,j] - [j == labels_i])
 * with softmax(L)[i,j] = e^((L[i,j] - mx_i) - log sum_k e^(L[i,k] - mx_i)),
 * mx_i the row maximum, recomputed row by row: no buffer is needed. The value
 * comes from the forward kernel, which reports a bad label (outside [0, n));
 * such a row gets no gradient, and the value is NaN. */
T REV(cross_entropy)(int m, int n, const T *logits, T *logits_bar, const int *labels,
                        T ret_bar) {
  T r = FN(cross_entropy)(m, n, logits, labels);
  T c = m > 0 ? ret_bar / (T)m : 0;
  if (!logits_bar)
    return r;
  for (int i = 0; i < m; i++) {
    const T *x = logits + (long)i * n;
    T *xb = logits_bar + (long)i * n, mx;
    Acc s = 0, ls;
    if (labels[i] < 0 || labels[i] >= n)
      continue;
    mx = x[0];
    for (int j = 1; j < n; j++)
      if (x[j] > mx)
        mx = x[j];
    for (int j = 0; j < n; j++)
      s += EXP(x[j] - mx);
    ls = log(s);
    for (int j = 0; j < n; j++)
      xb[j] += (T)(c * (exp((x[j] - mx) - ls) - (j == labels[i])));
  }
  return r;
}

#undef NOTRANS
#undef TRANS
#undef T
#endif /* KERNEL_T */
