/* blas_adj.c: the adjoints of the CBLAS routines that gradc/blas.h
 * annotates (gemm, gemv, symv, trmv, ger, dot, nrm2, asum, axpy, copy,
 * scal), in double and float.
 *
 * The convention is gradc/kernels.h's, for out = f(in...) with seed out_bar:
 *   - input adjoints accumulate: in_bar += out_bar * d(out)/d(in); a NULL
 *     array adjoint is skipped; a scalar's adjoint is never NULL (a dummy);
 *   - CBLAS outputs are in-out arrays (gemm's C, gemv's and symv's y, ger's
 *     A, axpy's y, scal's and trmv's x): their adjoint holds the seed on
 *     entry and leaves as the adjoint of the old value: beta C_bar, beta
 *     y_bar, A_bar, y_bar, alpha x_bar, op(A)^T x_bar (zeroed, not scaled,
 *     when beta is 0: BLAS then never reads the old value); copy's y is an
 *     output only: its adjoint leaves zeroed;
 *   - trmv's adjoint reads the x the call overwrote (GRADC_READS_INPUT:
 *     gradc restores it before the call to the adjoint);
 *   - adjoints touch exactly the elements the forward call touched, with the
 *     same layout, leading dimensions and increments (negative increments
 *     pair elements as in the forward call, so they pass straight through);
 *     a zero increment is refused through gradc_error.
 * Each rule's math is next to it; the linear algebra is BLAS, called with
 * the forward call's Order. As in kernels_adj.c, the file includes itself
 * once per element type (T = double, then float).
 */
#ifndef BLAS_ADJ_T /* ---- first pass: instantiate the template twice ---------- */

#include <cblas.h>
#include <math.h>
#include <stddef.h>

#include "gradc/blas.h"

/* op(X) is X^T: ConjTrans is Trans for real matrices. */
static int transposed(enum CBLAS_TRANSPOSE t, int *ok) {
  if (t == CblasTrans || t == CblasConjTrans) return 1;
  if (t != CblasNoTrans && t != CblasConjNoTrans) *ok = 0;
  return 0;
}

static int valid_order(enum CBLAS_ORDER o) { return o == CblasRowMajor || o == CblasColMajor; }

static enum CBLAS_ORDER flipped(enum CBLAS_ORDER o) {
  return o == CblasRowMajor ? CblasColMajor : CblasRowMajor;
}

#define TRANS(t) ((t) ? CblasTrans : CblasNoTrans)
#define NOTRANS(t) ((t) ? CblasNoTrans : CblasTrans) /* the transpose of op */

/* |inc|, the stride between the elements of a vector in memory */
static blasint stride(blasint inc) { return inc < 0 ? -inc : inc; }

/* The offset of element k (in BLAS's order) of a vector of n elements at
 * increment inc: a negative inc starts at the far end. */
static size_t at(blasint n, blasint inc, blasint k) {
  return inc > 0 ? (size_t)k * (size_t)inc : (size_t)(n - 1 - k) * (size_t)-inc;
}

/* The offset of M(i, j) in layout o with leading dimension ld. */
static size_t at2(enum CBLAS_ORDER o, blasint i, blasint j, blasint ld) {
  return o == CblasRowMajor ? (size_t)i * (size_t)ld + (size_t)j
                            : (size_t)j * (size_t)ld + (size_t)i;
}

/* Uplo and Diag, checked as transposed() checks Trans */
static int upper(enum CBLAS_UPLO u, int *ok) {
  if (u != CblasUpper && u != CblasLower) *ok = 0;
  return u == CblasUpper;
}
static int unit(enum CBLAS_DIAG d, int *ok) {
  if (d != CblasUnit && d != CblasNonUnit) *ok = 0;
  return d == CblasUnit;
}

#define BLAS_ADJ_T double
#define FN(name) gradc_blas_##name##_d
#define REV(name) gradc_cblas_d##name##_rev
#define BLAS(name) cblas_d##name
#include "blas_adj.c"
#undef BLAS_ADJ_T
#undef FN
#undef REV
#undef BLAS

#define BLAS_ADJ_T float
#define FN(name) gradc_blas_##name##_f
#define REV(name) gradc_cblas_s##name##_rev
#define BLAS(name) cblas_s##name
#include "blas_adj.c"

#else /* ---- the template: T is the element type ------------------------------ */

#define T BLAS_ADJ_T

/* M_bar(i, j) += alpha u_i v_j over the Uplo triangle of the n x n M_bar
 * (layout o, ld), its diagonal left out when unit. With sym, M is symmetric
 * and a stored off-diagonal element stands for both M(i, j) and M(j, i): it
 * collects alpha (u_i v_j + u_j v_i). u and v have n elements at increments
 * incu and incv (BLAS's order). The other triangle is left alone. */
static void FN(tri_update)(enum CBLAS_ORDER o, int up, int diag_unit, int sym, blasint n,
                           T alpha, const T *u, blasint incu, const T *v, blasint incv,
                           T *M_bar, blasint ld) {
  for (blasint i = 0; i < n; i++) {
    T ui = u[at(n, incu, i)], vi = v[at(n, incv, i)];
    for (blasint j = up ? i : 0; j < (up ? n : i + 1); j++) {
      if (j == i && diag_unit) continue;
      T d = ui * v[at(n, incv, j)];
      if (sym && j != i) d += u[at(n, incu, j)] * vi;
      M_bar[at2(o, i, j, ld)] += alpha * d;
    }
  }
}

/* v_old_bar = beta v_bar, v of n elements at stride s (beta 0: zero). */
static void FN(pass_scaled)(blasint n, T beta, T *v_bar, blasint s) {
  if (beta == 0) {
    for (blasint i = 0; i < n; i++) v_bar[(size_t)i * (size_t)s] = 0;
  } else if (beta != 1) {
    BLAS(scal)(n, beta, v_bar, s);
  }
}

/* The same for a matrix of `lines` lines (rows in RowMajor, columns in
 * ColMajor) of len elements, ld apart. */
static void FN(pass_scaled_matrix)(blasint lines, blasint len, T beta, T *M_bar, blasint ld) {
  for (blasint l = 0; l < lines; l++) FN(pass_scaled)(len, beta, M_bar + (size_t)l * (size_t)ld, 1);
}

/* The operand adjoints of C = alpha op(X) op(Y), in layout o, op(X) m x k,
 * op(Y) k x n, for seed C_bar (ldc). X's side goes through a temporary
 * G = d<C_bar, op(X) op(Y)>/dX in X's stored shape (dense: ld = its line
 * length):
 *   tx = 0: G[m x k] = C_bar op(Y)^T      tx: G[k x m] = op(Y) C_bar^T
 *   X_bar += alpha G (axpy per line)      alpha_bar += <G, X> = <C_bar, op(X) op(Y)>
 * Y's side is one gemm with beta = 1:
 *   ty = 0: Y_bar[k x n] += alpha op(X)^T C_bar   ty: Y_bar[n x k] += alpha C_bar^T op(X)
 * Returns 0 when the temporary could not be allocated (alpha_bar is then
 * NaN, X_bar is still right). */
static int FN(gemm_sides)(enum CBLAS_ORDER o, int tx, int ty, blasint m, blasint n, blasint k,
                          T alpha, T *alpha_bar, const T *X, T *X_bar, blasint ldx, const T *Y,
                          T *Y_bar, blasint ldy, const T *C_bar, blasint ldc) {
  blasint rows = tx ? k : m, cols = tx ? m : k;
  blasint lines = o == CblasRowMajor ? rows : cols, len = o == CblasRowMajor ? cols : rows;
  if (Y_bar) {
    if (!ty)
      BLAS(gemm)(o, NOTRANS(tx), CblasNoTrans, k, n, m, alpha, X, ldx, C_bar, ldc, 1, Y_bar, ldy);
    else
      BLAS(gemm)(o, CblasTrans, TRANS(tx), n, k, m, alpha, C_bar, ldc, X, ldx, 1, Y_bar, ldy);
  }
  size_t bytes = (size_t)rows * (size_t)cols * sizeof(T);
  T *G = gradc_alloc(bytes);
  if (!G) {
    if (X_bar) { /* without alpha_bar: straight into X_bar */
      if (!tx)
        BLAS(gemm)(o, CblasNoTrans, NOTRANS(ty), m, k, n, alpha, C_bar, ldc, Y, ldy, 1, X_bar, ldx);
      else
        BLAS(gemm)(o, TRANS(ty), CblasTrans, k, m, n, alpha, Y, ldy, C_bar, ldc, 1, X_bar, ldx);
    }
    *alpha_bar = (T)NAN;
    return 0;
  }
  if (!tx)
    BLAS(gemm)(o, CblasNoTrans, NOTRANS(ty), m, k, n, 1, C_bar, ldc, Y, ldy, 0, G, len);
  else
    BLAS(gemm)(o, TRANS(ty), CblasTrans, k, m, n, 1, Y, ldy, C_bar, ldc, 0, G, len);
  double acc = 0;
  for (blasint l = 0; l < lines; l++) {
    const T *g = G + (size_t)l * (size_t)len;
    if (X_bar) BLAS(axpy)(len, alpha, g, 1, X_bar + (size_t)l * (size_t)ldx, 1);
    acc += BLAS(dot)(len, g, 1, X + (size_t)l * (size_t)ldx, 1);
  }
  *alpha_bar += (T)acc;
  gradc_free(G, bytes);
  return 1;
}

/* C_new = alpha op(A) op(B) + beta C_old, C M x N, op(A) M x K, op(B) K x N:
 *   A_bar += alpha d<C_bar, op(A)op(B)>/dA,  B_bar likewise (gemm_sides),
 *   alpha_bar += <C_bar, op(A) op(B)>,       C_old_bar = beta C_bar.
 * A's side takes the temporary; when only B is active, the problem is
 * transposed (C^T = op(B)^T op(A)^T, the other layout over the same
 * memory) so that B's side does, and alpha_bar costs no extra gemm. */
void REV(gemm)(enum CBLAS_ORDER Order, enum CBLAS_TRANSPOSE TransA, enum CBLAS_TRANSPOSE TransB,
               blasint M, blasint N, blasint K, T alpha, T *alpha_bar, const T *A, T *A_bar,
               blasint lda, const T *B, T *B_bar, blasint ldb, T beta, T *beta_bar, T *C,
               T *C_bar, blasint ldc) {
  int ok = valid_order(Order);
  int ta = transposed(TransA, &ok), tb = transposed(TransB, &ok);
  (void)C, (void)beta_bar;
  if (!ok) {
    gradc_error("cblas gemm adjoint: invalid Order or Trans argument");
    return;
  }
  if (!C_bar || M <= 0 || N <= 0)
    return;
  if (K > 0) {
    if (A_bar || !B_bar)
      FN(gemm_sides)(Order, ta, tb, M, N, K, alpha, alpha_bar, A, A_bar, lda, B, B_bar, ldb,
                     C_bar, ldc);
    else
      FN(gemm_sides)(flipped(Order), tb, ta, N, M, K, alpha, alpha_bar, B, B_bar, ldb, A, NULL,
                     lda, C_bar, ldc);
  }
  if (Order == CblasRowMajor)
    FN(pass_scaled_matrix)(M, N, beta, C_bar, ldc);
  else
    FN(pass_scaled_matrix)(N, M, beta, C_bar, ldc);
}

/* y_new = alpha op(A) x + beta y_old, A m x n (lda), op(A) m x n or n x m:
 *   t = op(A)^T y_bar (gemv, into a temporary the size of x)
 *   x_bar += alpha t (axpy),   alpha_bar += <t, x> = <y_bar, op(A) x>
 *   A_bar += alpha y_bar x^T (ger; ta: alpha x y_bar^T)
 *   y_old_bar = beta y_bar */
void REV(gemv)(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE trans, blasint m, blasint n, T alpha,
               T *alpha_bar, const T *a, T *a_bar, blasint lda, const T *x, T *x_bar,
               blasint incx, T beta, T *beta_bar, T *y, T *y_bar, blasint incy) {
  int ok = valid_order(order);
  int ta = transposed(trans, &ok);
  blasint lenx = ta ? m : n, leny = ta ? n : m;
  (void)y, (void)beta_bar;
  if (!ok) {
    gradc_error("cblas gemv adjoint: invalid order or trans argument");
    return;
  }
  if (incx == 0 || incy == 0) {
    gradc_error("cblas gemv adjoint: a zero increment is not supported");
    return;
  }
  if (!y_bar || leny <= 0)
    return;
  if (lenx > 0) {
    if (a_bar) {
      if (!ta)
        BLAS(ger)(order, m, n, alpha, y_bar, incy, x, incx, a_bar, lda);
      else
        BLAS(ger)(order, m, n, alpha, x, incx, y_bar, incy, a_bar, lda);
    }
    size_t bytes = (size_t)lenx * sizeof(T);
    T *t = gradc_alloc(bytes);
    if (t) {
      BLAS(gemv)(order, NOTRANS(ta), m, n, 1, a, lda, y_bar, incy, 0, t, 1);
      /* t[j] is x's element j in BLAS's order, whatever incx's sign */
      if (x_bar) BLAS(axpy)(lenx, alpha, t, 1, x_bar, incx);
      *alpha_bar += BLAS(dot)(lenx, t, 1, x, incx);
      gradc_free(t, bytes);
    } else {
      if (x_bar) BLAS(gemv)(order, NOTRANS(ta), m, n, alpha, a, lda, y_bar, incy, 1, x_bar, incx);
      *alpha_bar = (T)NAN;
    }
  }
  FN(pass_scaled)(leny, beta, y_bar, stride(incy));
}

/* r = x . y:   x_bar += r_bar y,   y_bar += r_bar x   (axpy) */
T REV(dot)(blasint n, const T *x, T *x_bar, blasint incx, const T *y, T *y_bar, blasint incy,
           T ret_bar) {
  if (incx == 0 || incy == 0) {
    gradc_error("cblas dot adjoint: a zero increment is not supported");
    return (T)NAN;
  }
  if (n <= 0)
    return 0;
  if (x_bar)
    BLAS(axpy)(n, ret_bar, y, incy, x_bar, incx);
  if (y_bar)
    BLAS(axpy)(n, ret_bar, x, incx, y_bar, incy);
  return BLAS(dot)(n, x, incx, y, incy);
}

/* y_new = alpha x + y_old:   x_bar += alpha y_bar,   alpha_bar += <y_bar, x>,
 * y_old_bar = y_bar: y's adjoint passes through unchanged. */
void REV(axpy)(blasint n, T alpha, T *alpha_bar, const T *x, T *x_bar, blasint incx, T *y,
               T *y_bar, blasint incy) {
  (void)y;
  if (incx == 0 || incy == 0) {
    gradc_error("cblas axpy adjoint: a zero increment is not supported");
    return;
  }
  if (!y_bar || n <= 0)
    return;
  *alpha_bar += BLAS(dot)(n, y_bar, incy, x, incx);
  if (x_bar)
    BLAS(axpy)(n, alpha, y_bar, incy, x_bar, incx);
}

/* y_new = alpha A x + beta y_old, A n x n symmetric, of which only the Uplo
 * triangle is read (lda):
 *   t = A y_bar (symv, into a temporary the size of x)
 *   x_bar += alpha t (axpy),   alpha_bar += <t, x> = <y_bar, A x>
 *   A_bar: the full matrix's adjoint is alpha y_bar x^T; a stored element
 *     off the diagonal stands for (i, j) and (j, i) and collects
 *     alpha (y_bar_i x_j + y_bar_j x_i), the diagonal alpha y_bar_i x_i;
 *     the other triangle, never read, gets nothing (tri_update)
 *   y_old_bar = beta y_bar */
void REV(symv)(enum CBLAS_ORDER order, enum CBLAS_UPLO Uplo, blasint N, T alpha, T *alpha_bar,
               const T *A, T *A_bar, blasint lda, const T *X, T *X_bar, blasint incX, T beta,
               T *beta_bar, T *Y, T *Y_bar, blasint incY) {
  int ok = valid_order(order);
  int up = upper(Uplo, &ok);
  (void)Y, (void)beta_bar;
  if (!ok) {
    gradc_error("cblas symv adjoint: invalid order or Uplo argument");
    return;
  }
  if (incX == 0 || incY == 0) {
    gradc_error("cblas symv adjoint: a zero increment is not supported");
    return;
  }
  if (!Y_bar || N <= 0)
    return;
  if (A_bar)
    FN(tri_update)(order, up, 0, 1, N, alpha, Y_bar, incY, X, incX, A_bar, lda);
  size_t bytes = (size_t)N * sizeof(T);
  T *t = gradc_alloc(bytes);
  if (t) {
    BLAS(symv)(order, Uplo, N, 1, A, lda, Y_bar, incY, 0, t, 1);
    if (X_bar) BLAS(axpy)(N, alpha, t, 1, X_bar, incX);
    *alpha_bar += BLAS(dot)(N, t, 1, X, incX);
    gradc_free(t, bytes);
  } else {
    if (X_bar) BLAS(symv)(order, Uplo, N, alpha, A, lda, Y_bar, incY, 1, X_bar, incX);
    *alpha_bar = (T)NAN;
  }
  FN(pass_scaled)(N, beta, Y_bar, stride(incY));
}

/* x_new = op(A) x_old, A n x n triangular: its Uplo triangle, with a unit
 * diagonal that is not read when Diag is CblasUnit:
 *   A_bar(i, j) += x_bar_i x_old_j over that triangle (op(A) = A^T:
 *     x_old_i x_bar_j), the diagonal left out when unit (tri_update)
 *   x_old_bar = op(A)^T x_bar (trmv with the other transpose, in place).
 * X holds x_old: gradc restores it before the call (GRADC_READS_INPUT). */
void REV(trmv)(enum CBLAS_ORDER order, enum CBLAS_UPLO Uplo, enum CBLAS_TRANSPOSE TransA,
               enum CBLAS_DIAG Diag, blasint N, const T *A, T *A_bar, blasint lda, T *X,
               T *X_bar, blasint incX) {
  int ok = valid_order(order);
  int up = upper(Uplo, &ok), ta = transposed(TransA, &ok), du = unit(Diag, &ok);
  if (!ok) {
    gradc_error("cblas trmv adjoint: invalid order, Uplo, TransA or Diag argument");
    return;
  }
  if (incX == 0) {
    gradc_error("cblas trmv adjoint: a zero increment is not supported");
    return;
  }
  if (!X_bar || N <= 0)
    return;
  if (A_bar) {
    if (!ta)
      FN(tri_update)(order, up, du, 0, N, 1, X_bar, incX, X, incX, A_bar, lda);
    else
      FN(tri_update)(order, up, du, 0, N, 1, X, incX, X_bar, incX, A_bar, lda);
  }
  BLAS(trmv)(order, Uplo, NOTRANS(ta), Diag, N, A, lda, X_bar, incX);
}

/* A_new = alpha x y^T + A_old, A M x N (lda):
 *   t = A_bar y (gemv, into a temporary the size of x)
 *   x_bar += alpha t (axpy),   alpha_bar += <t, x> = <A_bar, x y^T>
 *   y_bar += alpha A_bar^T x (gemv)
 *   A_old_bar = A_bar: A's adjoint passes through unchanged. */
void REV(ger)(enum CBLAS_ORDER order, blasint M, blasint N, T alpha, T *alpha_bar, const T *X,
              T *X_bar, blasint incX, const T *Y, T *Y_bar, blasint incY, T *A, T *A_bar,
              blasint lda) {
  (void)A;
  if (!valid_order(order)) {
    gradc_error("cblas ger adjoint: invalid order argument");
    return;
  }
  if (incX == 0 || incY == 0) {
    gradc_error("cblas ger adjoint: a zero increment is not supported");
    return;
  }
  if (!A_bar || M <= 0 || N <= 0)
    return;
  if (Y_bar)
    BLAS(gemv)(order, CblasTrans, M, N, alpha, A_bar, lda, X, incX, 1, Y_bar, incY);
  size_t bytes = (size_t)M * sizeof(T);
  T *t = gradc_alloc(bytes);
  if (t) {
    BLAS(gemv)(order, CblasNoTrans, M, N, 1, A_bar, lda, Y, incY, 0, t, 1);
    if (X_bar) BLAS(axpy)(M, alpha, t, 1, X_bar, incX);
    *alpha_bar += BLAS(dot)(M, t, 1, X, incX);
    gradc_free(t, bytes);
  } else {
    if (X_bar) BLAS(gemv)(order, CblasNoTrans, M, N, alpha, A_bar, lda, Y, incY, 1, X_bar, incX);
    *alpha_bar = (T)NAN;
  }
}

/* r = ||x||_2:   x_bar += r_bar x / r. At r = 0 (x = 0) the norm has no
 * derivative: nothing is added (the zero subgradient). r is the linked
 * library's nrm2 of the call: the elements are the same for incX and
 * -incX, but a library may return 0 for a negative increment (OpenBLAS
 * 0.3.21 does), and then the adjoint adds nothing either. */
T REV(nrm2)(blasint N, const T *X, T *X_bar, blasint incX, T ret_bar) {
  if (incX == 0) {
    gradc_error("cblas nrm2 adjoint: a zero increment is not supported");
    return (T)NAN;
  }
  if (N <= 0)
    return 0;
  T r = BLAS(nrm2)(N, X, incX);
  if (X_bar && r != 0)
    BLAS(axpy)(N, ret_bar / r, X, stride(incX), X_bar, stride(incX));
  return r;
}

/* r = sum |x_i|:   x_bar_i += r_bar sign(x_i), with sign(0) = 0 (|x| has no
 * derivative at 0: the zero subgradient). As for nrm2, r comes from the
 * linked library, and r = 0 (every x_i 0, or a negative increment the
 * library ignores) adds nothing. */
T REV(asum)(blasint n, const T *x, T *x_bar, blasint incx, T ret_bar) {
  if (incx == 0) {
    gradc_error("cblas asum adjoint: a zero increment is not supported");
    return (T)NAN;
  }
  if (n <= 0)
    return 0;
  T r = BLAS(asum)(n, x, incx);
  if (x_bar && r != 0)
    for (blasint i = 0; i < n; i++) {
      size_t k = (size_t)i * (size_t)stride(incx);
      x_bar[k] += x[k] > 0 ? ret_bar : x[k] < 0 ? -ret_bar : 0;
    }
  return r;
}

/* y = x:   x_bar += y_bar (axpy),   y_old_bar = 0: copy never reads y. */
void REV(copy)(blasint n, const T *x, T *x_bar, blasint incx, T *y, T *y_bar, blasint incy) {
  (void)x, (void)y;
  if (incx == 0 || incy == 0) {
    gradc_error("cblas copy adjoint: a zero increment is not supported");
    return;
  }
  if (!y_bar || n <= 0)
    return;
  if (x_bar)
    BLAS(axpy)(n, 1, y_bar, incy, x_bar, incx);
  FN(pass_scaled)(n, 0, y_bar, stride(incy));
}

/* x_new = alpha x_old:   x_old_bar = alpha x_bar. alpha is GRADC_INACTIVE
 * (alpha_bar would need x_old, which the call overwrote). BLAS does nothing
 * for incX <= 0, and neither does its adjoint. */
void REV(scal)(blasint N, T alpha, T *alpha_bar, T *X, T *X_bar, blasint incX) {
  (void)alpha_bar, (void)X;
  if (!X_bar || N <= 0 || incX <= 0)
    return;
  FN(pass_scaled)(N, alpha, X_bar, incX);
}

#undef T
#endif
