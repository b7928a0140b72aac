/* gradc/blas.h: differentiate direct calls to CBLAS (OpenBLAS's cblas.h).
 *
 * Include this instead of (or after) <cblas.h> in code that gradc
 * differentiates. It redeclares the supported CBLAS routines with the
 * annotations of gradc/kernels.h, so that gradc calls their adjoints
 * (runtime/blas_adj.c, in libgradc) in the reverse sweep:
 *
 *   ?gemm  C = alpha op(A) op(B) + beta C    both layouts, all transposes, ld's
 *   ?gemv  y = alpha op(A) x + beta y        both layouts, transposes, ld, incs
 *   ?symv  y = alpha A x + beta y            both layouts, Uplo, ld, incs
 *   ?trmv  x = op(A) x                       both layouts, Uplo, transposes, Diag, ld, inc
 *   ?ger   A = alpha x y^T + A               both layouts, ld, incs
 *   ?dot   x . y                             incs
 *   ?nrm2  ||x||_2                           inc
 *   ?asum  sum_i |x_i|                       inc
 *   ?axpy  y = alpha x + y                   incs
 *   ?copy  y = x                             incs
 *   ?scal  x = alpha x                       inc
 *
 * Active (differentiated): every array, and alpha of gemm, gemv, symv, ger
 * and axpy. Inactive (GRADC_INACTIVE: gradc refuses a call where it depends
 * on the wrt inputs): beta of gemm, gemv and symv, alpha of scal (its
 * adjoint would need the x that scal overwrote). An in-out array (gemm's C,
 * gemv's and symv's y, ger's A, axpy's y, scal's x) passes its adjoint on as
 * that of its old value: beta C_bar, beta y_bar, A_bar, y_bar, alpha x_bar;
 * copy's y is written only (its old value's adjoint is 0). trmv overwrites
 * x in place and the adjoint with respect to A needs the old x: it is
 * GRADC_READS_INPUT, so gradc saves x at the call and restores it before
 * calling the adjoint. symv and trmv read only A's Uplo triangle (trmv with
 * CblasUnit not its diagonal), and only those elements get an adjoint; a
 * stored off-diagonal element of symv's A stands for both A(i,j) and A(j,i)
 * and collects both contributions. Where a function has no derivative the
 * adjoints take the zero subgradient: nrm2 at x = 0 adds nothing, asum
 * takes sign(0) = 0. Increments may be negative (BLAS's convention: the
 * vector starts at the far end; nrm2 and asum read the same elements either
 * way, and their adjoints follow the linked library, which may instead
 * return 0 for a negative increment, as OpenBLAS 0.3.21 does); a zero
 * increment is refused at run time through gradc_error. ConjTrans means
 * Trans, ConjNoTrans NoTrans.
 *
 * The adjoint of gemm and gemv with respect to alpha is <seed, op(A) op(B)>
 * (<seed, op(A) x>; symv, ger alike): gradc cannot tell the adjoints whether
 * alpha is active, so they always form it, from a temporary op(A)-shaped
 * product that also gives A's adjoint: no extra gemm, but an m*k (gemv,
 * symv, ger: x-sized) buffer from gradc_alloc per call. Adjoints are named
 * gradc_cblas_<routine>_rev.
 */
#ifndef GRADC_BLAS_H
#define GRADC_BLAS_H

#include <cblas.h>

#include <gradc.h>
#include <gradc/kernels.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Elements spanned by a vector of n with increment inc (negative: BLAS starts
 * at the far end), and by a rows x cols matrix with leading dimension ld:
 * the counts of GRADC_WRITES. Functions, not macros, so that a count with
 * the caller's constants put in never compares a constant with itself. */
static inline long gradc_cblas_span_(blasint n, blasint inc) {
  return n > 0 ? 1 + (long)(n - 1) * (inc < 0 ? -(long)inc : (long)inc) : 0;
}
static inline long gradc_cblas_span_matrix_(enum CBLAS_ORDER order, blasint rows, blasint cols,
                                            blasint ld) {
  if (rows <= 0 || cols <= 0) return 0;
  return order == CblasRowMajor ? (long)(rows - 1) * ld + cols : (long)(cols - 1) * ld + rows;
}
/* the length of gemv's y: op(A) has m rows, or n when transposed */
static inline blasint gradc_cblas_gemv_rows_(enum CBLAS_TRANSPOSE trans, blasint m, blasint n) {
  return trans == CblasNoTrans || trans == CblasConjNoTrans ? m : n;
}

/* The redeclarations drop OPENBLAS_CONST from the by-value floating
 * parameters (alpha, beta): a top-level qualifier is no part of a function's
 * type (C11 6.7.6.3p15), and gradc declares the dummy adjoint of an inactive
 * scalar with the parameter's type, which must not be const. */
#define GRADC_BLAS_(T, s)                                                                           \
  /* C = alpha op(A) op(B) + beta C, C M x N: rows (RowMajor) or columns of ldc */                  \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##gemm_rev)                                                      \
  GRADC_WRITES(C, gradc_cblas_span_matrix_(Order, M, N, ldc))                                       \
  GRADC_INACTIVE(beta)                                                                              \
  void cblas_##s##gemm(OPENBLAS_CONST enum CBLAS_ORDER Order,                                       \
                       OPENBLAS_CONST enum CBLAS_TRANSPOSE TransA,                                  \
                       OPENBLAS_CONST enum CBLAS_TRANSPOSE TransB, OPENBLAS_CONST blasint M,        \
                       OPENBLAS_CONST blasint N, OPENBLAS_CONST blasint K, T alpha,                 \
                       OPENBLAS_CONST T *A, OPENBLAS_CONST blasint lda, OPENBLAS_CONST T *B,        \
                       OPENBLAS_CONST blasint ldb, T beta, T *C,                                    \
                       OPENBLAS_CONST blasint ldc);                                                 \
  void gradc_cblas_##s##gemm_rev(enum CBLAS_ORDER Order, enum CBLAS_TRANSPOSE TransA,               \
                                 enum CBLAS_TRANSPOSE TransB, blasint M, blasint N, blasint K,      \
                                 T alpha, T *alpha_bar, const T *A, T *A_bar, blasint lda,          \
                                 const T *B, T *B_bar, blasint ldb, T beta, T *beta_bar, T *C,      \
                                 T *C_bar, blasint ldc);                                            \
  /* y = alpha op(A) x + beta y, A m x n; y has m elements (NoTrans) or n */                        \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##gemv_rev)                                                      \
  GRADC_WRITES(y, gradc_cblas_span_(gradc_cblas_gemv_rows_(trans, m, n), incy))                     \
  GRADC_INACTIVE(beta)                                                                              \
  void cblas_##s##gemv(OPENBLAS_CONST enum CBLAS_ORDER order,                                       \
                       OPENBLAS_CONST enum CBLAS_TRANSPOSE trans,                                   \
                       OPENBLAS_CONST blasint m, OPENBLAS_CONST blasint n, T alpha,                 \
                       OPENBLAS_CONST T *a, OPENBLAS_CONST blasint lda, OPENBLAS_CONST T *x,        \
                       OPENBLAS_CONST blasint incx, T beta, T *y,                                   \
                       OPENBLAS_CONST blasint incy);                                                \
  void gradc_cblas_##s##gemv_rev(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE trans, blasint m,     \
                                 blasint n, T alpha, T *alpha_bar, const T *a, T *a_bar,            \
                                 blasint lda, const T *x, T *x_bar, blasint incx, T beta,           \
                                 T *beta_bar, T *y, T *y_bar, blasint incy);                        \
  /* x . y */                                                                                       \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##dot_rev)                                                       \
  T cblas_##s##dot(OPENBLAS_CONST blasint n, OPENBLAS_CONST T *x, OPENBLAS_CONST blasint incx,      \
                   OPENBLAS_CONST T *y, OPENBLAS_CONST blasint incy);                               \
  T gradc_cblas_##s##dot_rev(blasint n, const T *x, T *x_bar, blasint incx, const T *y, T *y_bar,   \
                             blasint incy, T ret_bar);                                              \
  /* y = alpha x + y */                                                                             \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##axpy_rev) GRADC_WRITES(y, gradc_cblas_span_(n, incy))          \
  void cblas_##s##axpy(OPENBLAS_CONST blasint n, T alpha, OPENBLAS_CONST T *x,                      \
                       OPENBLAS_CONST blasint incx, T *y, OPENBLAS_CONST blasint incy);             \
  void gradc_cblas_##s##axpy_rev(blasint n, T alpha, T *alpha_bar, const T *x, T *x_bar,            \
                                 blasint incx, T *y, T *y_bar, blasint incy);                       \
  /* x = alpha x (BLAS leaves x alone when incx <= 0) */                                            \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##scal_rev)                                                      \
  GRADC_WRITES(X, incX > 0 ? gradc_cblas_span_(N, incX) : 0)                                        \
  GRADC_INACTIVE(alpha)                                                                             \
  void cblas_##s##scal(OPENBLAS_CONST blasint N, T alpha, T *X,                                     \
                       OPENBLAS_CONST blasint incX);                                                \
  void gradc_cblas_##s##scal_rev(blasint N, T alpha, T *alpha_bar, T *X, T *X_bar, blasint incX);   \
  /* ||x||_2 */                                                                                     \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##nrm2_rev)                                                      \
  T cblas_##s##nrm2(OPENBLAS_CONST blasint N, OPENBLAS_CONST T *X, OPENBLAS_CONST blasint incX);    \
  T gradc_cblas_##s##nrm2_rev(blasint N, const T *X, T *X_bar, blasint incX, T ret_bar);            \
  /* sum |x_i| */                                                                                   \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##asum_rev)                                                      \
  T cblas_##s##asum(OPENBLAS_CONST blasint n, OPENBLAS_CONST T *x, OPENBLAS_CONST blasint incx);    \
  T gradc_cblas_##s##asum_rev(blasint n, const T *x, T *x_bar, blasint incx, T ret_bar);            \
  /* y = x */                                                                                       \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##copy_rev) GRADC_WRITES(y, gradc_cblas_span_(n, incy))          \
  void cblas_##s##copy(OPENBLAS_CONST blasint n, OPENBLAS_CONST T *x, OPENBLAS_CONST blasint incx,  \
                       T *y, OPENBLAS_CONST blasint incy);                                          \
  void gradc_cblas_##s##copy_rev(blasint n, const T *x, T *x_bar, blasint incx, T *y, T *y_bar,     \
                                 blasint incy);                                                     \
  /* A = alpha x y^T + A, A M x N */                                                                \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##ger_rev)                                                       \
  GRADC_WRITES(A, gradc_cblas_span_matrix_(order, M, N, lda))                                       \
  void cblas_##s##ger(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST blasint M,              \
                      OPENBLAS_CONST blasint N, T alpha, OPENBLAS_CONST T *X,                       \
                      OPENBLAS_CONST blasint incX, OPENBLAS_CONST T *Y,                             \
                      OPENBLAS_CONST blasint incY, T *A, OPENBLAS_CONST blasint lda);               \
  void gradc_cblas_##s##ger_rev(enum CBLAS_ORDER order, blasint M, blasint N, T alpha,              \
                                T *alpha_bar, const T *X, T *X_bar, blasint incX, const T *Y,       \
                                T *Y_bar, blasint incY, T *A, T *A_bar, blasint lda);               \
  /* y = alpha A x + beta y, A N x N symmetric: only its Uplo triangle is read */                   \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##symv_rev)                                                      \
  GRADC_WRITES(Y, gradc_cblas_span_(N, incY))                                                       \
  GRADC_INACTIVE(beta)                                                                              \
  void cblas_##s##symv(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_UPLO Uplo,  \
                       OPENBLAS_CONST blasint N, T alpha, OPENBLAS_CONST T *A,                      \
                       OPENBLAS_CONST blasint lda, OPENBLAS_CONST T *X,                             \
                       OPENBLAS_CONST blasint incX, T beta, T *Y, OPENBLAS_CONST blasint incY);     \
  void gradc_cblas_##s##symv_rev(enum CBLAS_ORDER order, enum CBLAS_UPLO Uplo, blasint N, T alpha,  \
                                 T *alpha_bar, const T *A, T *A_bar, blasint lda, const T *X,       \
                                 T *X_bar, blasint incX, T beta, T *beta_bar, T *Y, T *Y_bar,       \
                                 blasint incY);                                                     \
  /* x = op(A) x, A N x N triangular (its Uplo triangle; CblasUnit: a unit                          \
   * diagonal, not read). The adjoint reads the x the call overwrote. */                            \
  GRADC_CUSTOM_GRAD(gradc_cblas_##s##trmv_rev)                                                      \
  GRADC_WRITES(X, gradc_cblas_span_(N, incX))                                                       \
  GRADC_READS_INPUT                                                                                 \
  void cblas_##s##trmv(OPENBLAS_CONST enum CBLAS_ORDER order, OPENBLAS_CONST enum CBLAS_UPLO Uplo,  \
                       OPENBLAS_CONST enum CBLAS_TRANSPOSE TransA,                                  \
                       OPENBLAS_CONST enum CBLAS_DIAG Diag, OPENBLAS_CONST blasint N,               \
                       OPENBLAS_CONST T *A, OPENBLAS_CONST blasint lda, T *X,                       \
                       OPENBLAS_CONST blasint incX);                                                \
  void gradc_cblas_##s##trmv_rev(enum CBLAS_ORDER order, enum CBLAS_UPLO Uplo,                      \
                                 enum CBLAS_TRANSPOSE TransA, enum CBLAS_DIAG Diag, blasint N,      \
                                 const T *A, T *A_bar, blasint lda, T *X, T *X_bar, blasint incX);

GRADC_BLAS_(double, d)
GRADC_BLAS_(float, s)

#ifdef __cplusplus
}
#endif
#endif /* GRADC_BLAS_H */
