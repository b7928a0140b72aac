/* kernels.c: the forward kernels of gradc/kernels.h, for double and float.
 *
 * Arrays are row-major with explicit sizes; a size <= 0 means an empty array
 * and the kernel does nothing (a sum of nothing is 0, a mean of nothing 0/0).
 * Linear algebra goes to CBLAS (OpenBLAS); the rest are plain loops.
 *
 * The one idea: every kernel is written once, over a type T. This file
 * includes itself twice, first with T = double (names ending in _d, cblas_d*)
 * and then with T = float (_f, cblas_s*). Outside the template part, nothing
 * but the includes and the type macros is defined. Sums of floats are carried
 * in double (Acc), so the float kernels agree with the double ones to float
 * accuracy whatever the length.
 *
 * Softmax, log-softmax and cross-entropy subtract the row maximum before
 * exponentiating, so they neither overflow nor lose everything to underflow.
 */
#ifndef KERNEL_T /* ---- first pass: instantiate the template twice ------------ */

#include <cblas.h>
#include <math.h>
#include <stdio.h>

#include "gradc/kernels.h"

typedef double Acc; /* accumulator of sums, for both types */

#define KERNEL_T double
#define FN(name) gradc_##name##_d
#define BLAS(name) cblas_d##name
#define EXP exp
#define LOG log
#define TANH tanh
#include "kernels.c"
#undef KERNEL_T
#undef FN
#undef BLAS
#undef EXP
#undef LOG
#undef TANH

#define KERNEL_T float
#define FN(name) gradc_##name##_f
#define BLAS(name) cblas_s##name
#define EXP expf
#define LOG logf
#define TANH tanhf
#include "kernels.c"

#else /* ---- the template: T is the element type ------------------------------ */

#define T KERNEL_T

/* C[m x n] := 1 * op(A)[m x k] * op(B)[k x n] + 0 * C.
 * Stored A is m x k (k x m when ta), B is k x n (n x k when tb). A leading
 * dimension is at least 1, as BLAS demands even of empty matrices. */
void FN(gemm)(int ta, int tb, int m, int n, int k, const T *A, const T *B, T *C) {
  if (m <= 0 || n <= 0)
    return;
  if (k <= 0) {
    for (long i = 0; i < (long)m * n; i++)
      C[i] = 0;
    return;
  }
  BLAS(gemm)(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
             m, n, k, 1, A, ta ? m : k, B, tb ? k : n, 0, C, n);
}

/* y := 1 * op(A) * x + 0 * y, A m x n: y[m] = A x, or y[n] = A^T x[m] when ta. */
void FN(gemv)(int ta, int m, int n, const T *A, const T *x, T *y) {
  int ny = ta ? n : m;
  if (ny <= 0)
    return;
  if ((ta ? m : n) <= 0) {
    for (int i = 0; i < ny; i++)
      y[i] = 0;
    return;
  }
  BLAS(gemv)(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, m, n, 1, A, n, x, 1, 0, y, 1);
}

/* x . y */
T FN(dot)(int n, const T *x, const T *y) {
  return n > 0 ? BLAS(dot)(n, x, 1, y, 1) : 0;
}

/* y := a x + y */
void FN(axpy)(int n, T a, const T *x, T *y) {
  if (n > 0)
    BLAS(axpy)(n, a, x, 1, y, 1);
}

/* y := a x (copy, then scale in place) */
void FN(scale)(int n, T a, const T *x, T *y) {
  if (n <= 0)
    return;
  BLAS(copy)(n, x, 1, y, 1);
  BLAS(scal)(n, a, y, 1);
}

/* z := x op y, elementwise */
void FN(add)(int n, const T *x, const T *y, T *z) {
  for (int i = 0; i < n; i++)
    z[i] = x[i] + y[i];
}

void FN(sub)(int n, const T *x, const T *y, T *z) {
  for (int i = 0; i < n; i++)
    z[i] = x[i] - y[i];
}

void FN(mul)(int n, const T *x, const T *y, T *z) {
  for (int i = 0; i < n; i++)
    z[i] = x[i] * y[i];
}

void FN(div)(int n, const T *x, const T *y, T *z) {
  for (int i = 0; i < n; i++)
    z[i] = x[i] / y[i];
}

/* Y[i,j] := X[i,j] + b[j] */
void FN(add_bias)(int m, int n, const T *X, const T *b, T *Y) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++)
      Y[(long)i * n + j] = X[(long)i * n + j] + b[j];
}

/* sum_i x_i */
T FN(sum)(int n, const T *x) {
  Acc s = 0;
  for (int i = 0; i < n; i++)
    s += x[i];
  return (T)s;
}

/* (1/n) sum_i x_i; NaN when n is 0 */
T FN(mean)(int n, const T *x) {
  Acc s = 0;
  for (int i = 0; i < n; i++)
    s += x[i];
  return (T)(s / (n > 0 ? n : 0));
}

/* Sums of X[m x n] along an axis, times `scale`:
 * axis 0: y[j] = scale * sum_i X[i,j] (n entries);
 * axis 1: y[i] = scale * sum_j X[i,j] (m entries). */
static void FN(reduce_axis)(int m, int n, int axis, const T *X, T *y, Acc scale) {
  if (axis) {
    for (int i = 0; i < m; i++) {
      Acc s = 0;
      for (int j = 0; j < n; j++)
        s += X[(long)i * n + j];
      y[i] = (T)(scale * s);
    }
    return;
  }
  for (int j = 0; j < n; j++) {
    Acc s = 0;
    for (int i = 0; i < m; i++)
      s += X[(long)i * n + j];
    y[j] = (T)(scale * s);
  }
}

void FN(sum_axis)(int m, int n, int axis, const T *X, T *y) {
  FN(reduce_axis)(m, n, axis, X, y, 1);
}

/* The mean of an empty row or column is NaN (0/0), like numpy's. */
void FN(mean_axis)(int m, int n, int axis, const T *X, T *y) {
  int len = axis ? n : m;
  FN(reduce_axis)(m, n, axis, X, y, (Acc)1 / (len > 0 ? len : 0));
}

/* y := max(x, 0); NaN stays NaN */
void FN(relu)(int n, const T *x, T *y) {
  for (int i = 0; i < n; i++)
    y[i] = x[i] < 0 ? 0 : x[i];
}

/* y := 1 / (1 + e^-x), evaluated as e^x / (1 + e^x) for x < 0 so that
 * e^-x never overflows. */
void FN(sigmoid)(int n, const T *x, T *y) {
  for (int i = 0; i < n; i++) {
    if (x[i] >= 0) {
      y[i] = 1 / (1 + EXP(-x[i]));
    } else {
      T e = EXP(x[i]);
      y[i] = e / (1 + e);
    }
  }
}

void FN(tanh)(int n, const T *x, T *y) {
  for (int i = 0; i < n; i++)
    y[i] = TANH(x[i]);
}

void FN(exp)(int n, const T *x, T *y) {
  for (int i = 0; i < n; i++)
    y[i] = EXP(x[i]);
}

void FN(log)(int n, const T *x, T *y) {
  for (int i = 0; i < n; i++)
    y[i] = LOG(x[i]);
}

/* The maximum of row[0..n-1] (n >= 1). */
static T FN(row_max)(int n, const T *row) {
  T mx = row[0];
  for (int j = 1; j < n; j++)
    if (row[j] > mx)
      mx = row[j];
  return mx;
}

/* log sum_j e^(row[j] - mx), with *mx set to the row maximum (n >= 1): so
 * logsumexp(row) = mx + the result, and row[j] - logsumexp(row) is best
 * computed as (row[j] - mx) - the result, which cancels nothing large. */
static Acc FN(row_log_sum_shifted)(int n, const T *row, T *mx) {
  Acc s = 0;
  *mx = FN(row_max)(n, row);
  for (int j = 0; j < n; j++)
    s += EXP(row[j] - *mx);
  return log(s);
}

/* Y[i,j] := e^(X[i,j] - mx_i) / sum_k e^(X[i,k] - mx_i), mx_i the row max */
void FN(softmax)(int m, int n, const T *X, T *Y) {
  if (n <= 0)
    return;
  for (int i = 0; i < m; i++) {
    const T *x = X + (long)i * n;
    T *y = Y + (long)i * n, mx = FN(row_max)(n, x);
    Acc s = 0;
    for (int j = 0; j < n; j++)
      s += y[j] = EXP(x[j] - mx);
    for (int j = 0; j < n; j++)
      y[j] = (T)(y[j] / s);
  }
}

/* Y[i,j] := X[i,j] - logsumexp_k X[i,k] = (X[i,j] - mx_i) - log sum_k e^(X[i,k] - mx_i) */
void FN(log_softmax)(int m, int n, const T *X, T *Y) {
  if (n <= 0)
    return;
  for (int i = 0; i < m; i++) {
    const T *x = X + (long)i * n;
    T *y = Y + (long)i * n, mx;
    Acc ls = FN(row_log_sum_shifted)(n, x, &mx);
    for (int j = 0; j < n; j++)
      y[j] = (T)((x[j] - mx) - ls);
  }
}

/* (1/n) sum_i (x_i - y_i)^2; NaN when n is 0 */
T FN(mse)(int n, const T *x, const T *y) {
  Acc s = 0;
  for (int i = 0; i < n; i++) {
    Acc d = (Acc)x[i] - y[i];
    s += d * d;
  }
  return (T)(s / (n > 0 ? n : 0));
}

/* (1/m) sum_i (logsumexp_j logits[i,j] - logits[i, labels[i]]).
 * A label outside [0, n) is reported through gradc_error and makes the
 * result NaN; no element outside the array is read. NaN when m is 0. */
T FN(cross_entropy)(int m, int n, const T *logits, const int *labels) {
  Acc s = 0;
  for (int i = 0; i < m; i++) {
    const T *x = logits + (long)i * n;
    T mx;
    if (labels[i] < 0 || labels[i] >= n) {
      char msg[96];
      snprintf(msg, sizeof msg, "gradc_cross_entropy: label %d of row %d is outside [0, %d)",
               labels[i], i, n);
      gradc_error(msg);
      return (T)NAN;
    }
    s += FN(row_log_sum_shifted)(n, x, &mx) - (x[labels[i]] - mx);
  }
  return (T)(s / (m > 0 ? m : 0));
}

#undef T
#endif /* KERNEL_T */
