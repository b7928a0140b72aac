/* The CBLAS routines beyond gemm, gemv, dot, axpy and scal, written against
 * OpenBLAS's <cblas.h> as users include it: copy, nrm2 and asum on strided
 * vectors (copy's at negative increments too: libraries differ on nrm2 and
 * asum there, tests/unit/test_blas.c covers them); ger, symv and trmv in both
 * layouts, every Uplo, Trans and Diag, leading dimensions above the minimum
 * and a negative increment. trmv overwrites its x in place and its adjoint
 * needs the old x (GRADC_READS_INPUT): the chain runs it three times on two
 * vectors, with a read of the vector between two of them; then on an out
 * array (caller memory, joint and split mode), and in a loop on a malloc'd
 * vector.
 *
 * Each chain is a macro over the routines' prefix, instantiated with
 * cblas_d (differentiated by gradc, against finite differences), cblas_s
 * (the float gradient against the double one) and ref_d: plain-C reference
 * routines with BLAS's semantics, whose forward mode (GRADC_JVP) gives the
 * dot-product test of the cblas_d gradient, and whose value must equal the
 * cblas_d chain's. */
#include <gradc.h>
#include <cblas.h>
#include <math.h>
#include <stdlib.h>

/* ---- reference routines: BLAS's semantics in plain C --------------------------- */

/* element k (BLAS's order) of a vector at increment inc: negative starts at the far end */
static int at(int n, int inc, int k) { return inc > 0 ? k * inc : (n - 1 - k) * -inc; }
/* M(i, j) in layout o with leading dimension ld */
static int at2(enum CBLAS_ORDER o, int i, int j, int ld) {
  return o == CblasRowMajor ? i * ld + j : j * ld + i;
}

static double ref_dnrm2(int n, const double *x, int inc) {
  double s = 0;
  for (int k = 0; k < n; k++) s += x[at(n, inc, k)] * x[at(n, inc, k)];
  return sqrt(s);
}

static double ref_dasum(int n, const double *x, int inc) {
  double s = 0;
  for (int k = 0; k < n; k++) s += fabs(x[at(n, inc, k)]);
  return s;
}

static double ref_ddot(int n, const double *x, int incx, const double *y, int incy) {
  double s = 0;
  for (int k = 0; k < n; k++) s += x[at(n, incx, k)] * y[at(n, incy, k)];
  return s;
}

static void ref_dcopy(int n, const double *x, int incx, double *y, int incy) {
  for (int k = 0; k < n; k++) y[at(n, incy, k)] = x[at(n, incx, k)];
}

static void ref_dger(enum CBLAS_ORDER o, int m, int n, double alpha, const double *x, int incx,
                     const double *y, int incy, double *A, int lda) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) A[at2(o, i, j, lda)] += alpha * x[at(m, incx, i)] * y[at(n, incy, j)];
}

/* A(i, j) is read from the Uplo triangle: A(j, i) when (i, j) is outside it */
static void ref_dsymv(enum CBLAS_ORDER o, enum CBLAS_UPLO uplo, int n, double alpha,
                      const double *A, int lda, const double *x, int incx, double beta, double *y,
                      int incy) {
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < n; j++) {
      int r = i, c = j;
      if (uplo == CblasUpper ? i > j : i < j) r = j, c = i;
      s += A[at2(o, r, c, lda)] * x[at(n, incx, j)];
    }
    y[at(n, incy, i)] = alpha * s + beta * y[at(n, incy, i)];
  }
}

/* op(A)(i, j) = A(r, c); zero outside the Uplo triangle, 1 on a unit diagonal */
static void ref_dtrmv(enum CBLAS_ORDER o, enum CBLAS_UPLO uplo, enum CBLAS_TRANSPOSE trans,
                      enum CBLAS_DIAG diag, int n, const double *A, int lda, double *x, int incx) {
  double t[8];
  for (int i = 0; i < n; i++) {
    double s = 0;
    for (int j = 0; j < n; j++) {
      int r = trans == CblasNoTrans ? i : j, c = trans == CblasNoTrans ? j : i;
      if (uplo == CblasUpper ? r > c : r < c) continue;
      double a = r == c && diag == CblasUnit ? 1 : A[at2(o, r, c, lda)];
      s += a * x[at(n, incx, j)];
    }
    t[i] = s;
  }
  for (int i = 0; i < n; i++) x[at(n, incx, i)] = t[i];
}

/* ---- the chains ------------------------------------------------------------------- */

/* The macros hold no loop: gradc cannot yet read a 'for' that a macro
 * expands to. */

/* x 8, w 4; y 9 starts from w (active values that copy overwrites). copy
 * at increments 2 -> -2 and -1 -> 1; nrm2 and asum at increments 1, 2, 3. */
#define VECCHAIN(T, P)                                                                    \
  T z[4];                                                                                 \
  P##copy(4, x, 2, y, -2);             /* y[6 - 2k] = x[2k]; y[8] stays w[0] / 2 */       \
  P##copy(4, w, -1, z, 1);             /* z = w reversed */                               \
  T a = P##nrm2(5, y, 2);              /* x6, x4, x2, x0, w0 / 2 */                       \
  T b = P##asum(4, z, 1);                                                                 \
  T c = P##nrm2(3, x + 1, 3);          /* x1, x4, x7 */                                   \
  T d = P##asum(3, y + 1, 3);          /* w1 / 2, x2, w3 / 2 */                           \
  return a * b + c * d + P##dot(4, z, 1, y, -2);

GRADC_GRAD(wrt(x, w))
double vecchain(const double *x, const double *w) {
  double y[9];
  for (int i = 0; i < 9; i++) y[i] = w[i % 4] * 0.5;
  VECCHAIN(double, cblas_d)
}

GRADC_GRAD(wrt(x, w))
float vecchainf(const float *x, const float *w) {
  float y[9];
  for (int i = 0; i < 9; i++) y[i] = w[i % 4] * 0.5f;
  VECCHAIN(float, cblas_s)
}

GRADC_JVP(wrt(x, w))
double ref_vecchain(const double *x, const double *w) {
  double y[9];
  for (int i = 0; i < 9; i++) y[i] = w[i % 4] * 0.5;
  VECCHAIN(double, ref_d)
}

/* A 4 x 4 (lda 5: 19 elements), Tm 4 x 4 (lda 6: 22), x 4 at increment 2
 * (7), y 4 at increment -1 (4), alpha. M = alpha x y^T + A (ger); v = alpha
 * M x + v / 2 (symv, Uplo triangle, v at increment -2); v = op(Tm) v
 * (trmv in place); q = |v|; v = op'(M) v with the other triangle and
 * transpose of M (in place again: trmv's adjoint needs the v that nrm2
 * also reads); u = op'(Tm) copy(v) (a fresh local, in place). */
#define MATCHAIN(T, P)                                                                    \
  T M[20], u[4];                                                                          \
  P##copy(19, A, 1, M, 1);                                                                \
  P##ger(order, 4, 4, alpha, x, 2, y, -1, M, 5);                                          \
  P##symv(order, uplo, 4, alpha, M, 5, x, 2, (T)0.5, v, -2);                              \
  P##trmv(order, uplo, trans, diag, 4, Tm, 6, v, -2);                                     \
  T q = P##nrm2(4, v, 2);                                                                 \
  P##trmv(order, uplo == CblasUpper ? CblasLower : CblasUpper,                            \
          trans == CblasNoTrans ? CblasTrans : CblasNoTrans, CblasNonUnit, 4, M, 5, v, 2);  \
  P##copy(4, v, 2, u, 1);                                                                 \
  P##trmv(order, uplo, trans == CblasNoTrans ? CblasTrans : CblasNoTrans, diag, 4, Tm, 6, u, \
          1);                                                                             \
  return q * P##dot(4, v, -2, u, 1) + P##asum(4, u, 1);

GRADC_GRAD(wrt(A, Tm, x, y, alpha))
double matchain(const double *A, const double *Tm, const double *x, const double *y,
                double alpha, enum CBLAS_ORDER order, enum CBLAS_UPLO uplo,
                enum CBLAS_TRANSPOSE trans, enum CBLAS_DIAG diag) {
  double v[7];
  for (int i = 0; i < 7; i++) v[i] = y[i % 4];
  MATCHAIN(double, cblas_d)
}

GRADC_GRAD(wrt(A, Tm, x, y, alpha))
float matchainf(const float *A, const float *Tm, const float *x, const float *y, float alpha,
                enum CBLAS_ORDER order, enum CBLAS_UPLO uplo, enum CBLAS_TRANSPOSE trans,
                enum CBLAS_DIAG diag) {
  float v[7];
  for (int i = 0; i < 7; i++) v[i] = y[i % 4];
  MATCHAIN(float, cblas_s)
}

GRADC_JVP(wrt(A, Tm, x, y, alpha))
double ref_matchain(const double *A, const double *Tm, const double *x, const double *y,
                    double alpha, enum CBLAS_ORDER order, enum CBLAS_UPLO uplo,
                    enum CBLAS_TRANSPOSE trans, enum CBLAS_DIAG diag) {
  double v[7];
  for (int i = 0; i < 7; i++) v[i] = y[i % 4];
  MATCHAIN(double, ref_d)
}

/* trmv in place on an out array (the caller's memory): Tm 3 x 3 (ld 4). */
GRADC_GRAD(wrt(Tm, x), out(y), split)
GRADC_GRAD(wrt(Tm, x), out(y))
void trout(const double *Tm, const double *x, double *y, enum CBLAS_UPLO uplo) {
  cblas_dcopy(3, x, 1, y, -2);                   /* y[4 - 2k] = x[k] */
  cblas_dtrmv(CblasColMajor, uplo, CblasTrans, CblasNonUnit, 3, Tm, 4, y, -2);
  cblas_dtrmv(CblasRowMajor, uplo, CblasNoTrans, CblasUnit, 3, Tm, 4, y, 2);
}

/* trmv in a loop on a malloc'd vector, squashed between the calls. */
GRADC_GRAD(wrt(Tm, x))
double trloop(const double *Tm, const double *x, int n) {
  double *v = malloc(3 * sizeof *v);
  cblas_dcopy(3, x, 1, v, 1);
  for (int k = 0; k < n; k++) {
    cblas_dtrmv(CblasRowMajor, k % 2 ? CblasLower : CblasUpper, CblasTrans, CblasNonUnit, 3, Tm,
                3, v, 1);
    v[k % 3] = sin(v[k % 3]);
  }
  double r = cblas_dnrm2(3, v, 1);
  free(v);
  return r;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double vecchain_grad(const double *x, double *x_bar, const double *w, double *w_bar);
float vecchainf_grad(const float *x, float *x_bar, const float *w, float *w_bar);
double ref_vecchain_jvp(const double *x, const double *x_dot, const double *w,
                        const double *w_dot, double *ret_dot);
double matchain_grad(const double *A, double *A_bar, const double *Tm, double *Tm_bar,
                     const double *x, double *x_bar, const double *y, double *y_bar,
                     double alpha, double *alpha_bar, enum CBLAS_ORDER order,
                     enum CBLAS_UPLO uplo, enum CBLAS_TRANSPOSE trans, enum CBLAS_DIAG diag);
float matchainf_grad(const float *A, float *A_bar, const float *Tm, float *Tm_bar,
                     const float *x, float *x_bar, const float *y, float *y_bar, float alpha,
                     float *alpha_bar, enum CBLAS_ORDER order, enum CBLAS_UPLO uplo,
                     enum CBLAS_TRANSPOSE trans, enum CBLAS_DIAG diag);
double ref_matchain_jvp(const double *A, const double *A_dot, const double *Tm,
                        const double *Tm_dot, const double *x, const double *x_dot,
                        const double *y, const double *y_dot, double alpha, double alpha_dot,
                        enum CBLAS_ORDER order, enum CBLAS_UPLO uplo, enum CBLAS_TRANSPOSE trans,
                        enum CBLAS_DIAG diag, double *ret_dot);
double trloop_grad(const double *Tm, double *Tm_bar, const double *x, double *x_bar, int n);
void trout_grad(const double *Tm, double *Tm_bar, const double *x, double *x_bar, double *y,
                double *y_bar, enum CBLAS_UPLO uplo);
void trout_fwd(const double *Tm, const double *x, double *y, enum CBLAS_UPLO uplo,
               gradc_tape *tape);
void trout_rev(const double *Tm, double *Tm_bar, const double *x, double *x_bar, double *y,
               double *y_bar, enum CBLAS_UPLO uplo, gradc_tape *tape);

/* ---- vecchain: p = [x (8)] [w (4)] */
enum { VX = 0, VW = 8, VN = 12 };
static double eval_vec(const double *p) { return vecchain(p + VX, p + VW); }
static void grad_vec(const double *p, double *g) { vecchain_grad(p + VX, g + VX, p + VW, g + VW); }
static double jvp_vec(const double *p, const double *u) {
  double t;
  ref_vecchain_jvp(p + VX, u + VX, p + VW, u + VW, &t);
  return t;
}

/* ---- matchain: p = [A (19)] [Tm (22)] [x (7)] [y (4)] [alpha] */
enum { MA = 0, MT = 19, MX = 41, MY = 48, MALPHA = 52, MN = 53 };
static enum CBLAS_ORDER ord;
static enum CBLAS_UPLO upl;
static enum CBLAS_TRANSPOSE tra;
static enum CBLAS_DIAG dia;
static double eval_mat(const double *p) {
  return matchain(p + MA, p + MT, p + MX, p + MY, p[MALPHA], ord, upl, tra, dia);
}
static void grad_mat(const double *p, double *g) {
  matchain_grad(p + MA, g + MA, p + MT, g + MT, p + MX, g + MX, p + MY, g + MY, p[MALPHA],
                g + MALPHA, ord, upl, tra, dia);
}
static double jvp_mat(const double *p, const double *u) {
  double t;
  ref_matchain_jvp(p + MA, u + MA, p + MT, u + MT, p + MX, u + MX, p + MY, u + MY, p[MALPHA],
                   u[MALPHA], ord, upl, tra, dia, &t);
  return t;
}

/* ---- trout: p = [Tm (3 x 3, ld 4: 11)] [x (3)]; eval = <s, y> over y's 5 elements */
enum { OT = 0, OX = 11, ON = 14 };
static const double S[5] = {0.7, -1.3, 2.1, 0.4, -0.9};
static enum CBLAS_UPLO oupl;
static double eval_out(const double *p) {
  double y[5] = {9, 9, 9, 9, 9}, r = 0;
  trout(p + OT, p + OX, y, oupl);
  for (int i = 0; i < 5; i++) r += S[i] * y[i];
  return r;
}
static void grad_out(const double *p, double *g) {
  double y[5] = {9, 9, 9, 9, 9}, yb[5], yf[5] = {9, 9, 9, 9, 9};
  for (int i = 0; i < 5; i++) yb[i] = S[i];
  trout_grad(p + OT, g + OT, p + OX, g + OX, y, yb, oupl);
  trout(p + OT, p + OX, yf, oupl);
  for (int i = 0; i < 5; i++) CHECK_CLOSE(y[i], yf[i], 0);   /* y keeps trout's values */
  CHECK_CLOSE(yb[1], S[1], 0);                                 /* untouched elements pass through */
  CHECK_CLOSE(yb[3], S[3], 0);
}

/* ---- trloop: p = [Tm (9)] [x (3)] */
static double eval_loop(const double *p) { return trloop(p, p + 9, 5); }
static void grad_loop(const double *p, double *g) { trloop_grad(p, g, p + 9, g + 9, 5); }

static int in_triangle(enum CBLAS_UPLO u, int i, int j) { return u == CblasUpper ? i <= j : i >= j; }

int main(void) {
  char name[96];
  double pv[VN];
  for (int i = 0; i < VN; i++) pv[i] = 0.13 * ((i * 7) % 11) - 0.61;
  check_gradient("cblas_more vec", eval_vec, grad_vec, pv, VN, 1e-8);
  check_dot("cblas_more vec", jvp_vec, grad_vec, pv, VN, 1e-11);
  CHECK_CLOSE(eval_vec(pv), ref_vecchain(pv + VX, pv + VW), 1e-13);
  {
    double g[VN] = {0};
    float pf[VN], gf[VN] = {0};
    grad_vec(pv, g);
    for (int i = 0; i < VN; i++) pf[i] = (float)pv[i];
    float vf = vecchainf_grad(pf + VX, gf + VX, pf + VW, gf + VW);
    CHECK_CLOSE(vf, eval_vec(pv), 1e-5);
    for (int i = 0; i < VN; i++) CHECK_CLOSE(gf[i], g[i], 1e-4);
    /* x[3] and x[5] are read by nothing */
    CHECK_CLOSE(g[VX + 3], 0, 0);
    CHECK_CLOSE(g[VX + 5], 0, 0);
  }

  static const enum CBLAS_ORDER orders[2] = {CblasRowMajor, CblasColMajor};
  static const enum CBLAS_UPLO uplos[2] = {CblasUpper, CblasLower};
  static const enum CBLAS_TRANSPOSE transes[3] = {CblasNoTrans, CblasTrans, CblasConjTrans};
  static const enum CBLAS_DIAG diags[2] = {CblasNonUnit, CblasUnit};
  double pm[MN];
  for (int i = 0; i < MN; i++) pm[i] = 0.1 * ((i * 5) % 13) - 0.55 + 0.003 * (i % 7);
  pm[MALPHA] = 0.9;
  for (int o = 0; o < 2; o++)
    for (int u = 0; u < 2; u++)
      for (int t = 0; t < 3; t++)
        for (int d = 0; d < 2; d++) {
          if (t == 2 && (u == 1 || d == 1)) continue;   /* ConjTrans: a sample */
          ord = orders[o], upl = uplos[u], tra = transes[t], dia = diags[d];
          snprintf(name, sizeof name, "cblas_more mat %s %s %s %s", o ? "Col" : "Row",
                   u ? "Lower" : "Upper", t == 0 ? "NoTrans" : t == 1 ? "Trans" : "ConjTrans",
                   d ? "Unit" : "NonUnit");
          int before = check_failures;
          check_gradient(name, eval_mat, grad_mat, pm, MN, 1e-8);
          check_dot(name, jvp_mat, grad_mat, pm, MN, 1e-11);
          CHECK_CLOSE(eval_mat(pm), ref_matchain(pm + MA, pm + MT, pm + MX, pm + MY, pm[MALPHA],
                                                 ord, upl, tra, dia), 1e-13);
          double g[MN] = {0};
          grad_mat(pm, g);
          /* Tm: only its Uplo triangle is read, its diagonal not when Unit, its
           * padding (lda 6) never; A's padding (lda 5) is copied into M's,
           * which nothing reads */
          for (int k = 0; k < 22; k++) {
            int line = k / 6, pos = k % 6, i = o == 0 ? line : pos, j = o == 0 ? pos : line;
            if (pos >= 4 || !in_triangle(upl, i, j) || (i == j && dia == CblasUnit))
              CHECK_CLOSE(g[MT + k], 0, 0);
          }
          for (int k = 4; k < 19; k += 5) CHECK_CLOSE(g[MA + k], 0, 0);
          /* float: to float accuracy against the double gradient */
          float pf[MN], gf[MN] = {0};
          for (int i = 0; i < MN; i++) pf[i] = (float)pm[i];
          float vf = matchainf_grad(pf + MA, gf + MA, pf + MT, gf + MT, pf + MX, gf + MX, pf + MY,
                                    gf + MY, pf[MALPHA], gf + MALPHA, ord, upl, tra, dia);
          CHECK_CLOSE(vf, eval_mat(pm), 1e-5);
          for (int i = 0; i < MN; i++) CHECK_CLOSE(gf[i], g[i], 2e-4);
          if (check_failures > before) printf("  (in %s)\n", name);
        }

  double po[ON];
  for (int i = 0; i < ON; i++) po[i] = 0.2 * ((i * 3) % 7) - 0.45;
  for (int u = 0; u < 2; u++) {
    oupl = uplos[u];
    check_gradient(u ? "cblas_more out Lower" : "cblas_more out Upper", eval_out, grad_out, po, ON,
                   1e-8);
    /* split mode: one recording, two reverse sweeps with seeds s and -2 s */
    double y[5] = {9, 9, 9, 9, 9}, yf[5] = {9, 9, 9, 9, 9}, g0[ON] = {0};
    grad_out(po, g0);
    trout(po + OT, po + OX, yf, oupl);
    gradc_tape *tp = gradc_tape_new();
    trout_fwd(po + OT, po + OX, y, oupl, tp);
    for (int k = 0; k < 2; k++) {
      double g[ON] = {0}, yb[5], c = k ? -2 : 1;
      for (int i = 0; i < 5; i++) yb[i] = c * S[i];
      trout_rev(po + OT, g + OT, po + OX, g + OX, y, yb, oupl, tp);
      for (int i = 0; i < 5; i++) CHECK_CLOSE(y[i], yf[i], 0);
      for (int i = 0; i < ON; i++) CHECK_CLOSE(g[i], c * g0[i], 1e-14);
    }
    gradc_tape_free(tp);
  }
  double pl[12];
  for (int i = 0; i < 12; i++) pl[i] = 0.15 * ((i * 4) % 9) - 0.5;
  check_gradient("cblas_more loop", eval_loop, grad_loop, pl, 12, 1e-8);
  return check_done("cblas_more");
}
#endif
