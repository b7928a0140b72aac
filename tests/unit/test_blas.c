/* test_blas.c: unit tests of runtime/blas_adj.c, the adjoints of the CBLAS
 * routines annotated in gradc/blas.h.
 *
 * Every call is described as a Prob: the routine, layout, transposes, sizes,
 * leading dimensions, increments, alpha and beta. Its floating inputs are
 * flattened into one vector p = [alpha] [array 0] [array 1] [array 2], each
 * array with the padding its ld or increment implies; the last array of
 * gemm, gemv, symv, ger, axpy, scal and trmv is in-out (C, y, y, A, y, x,
 * x), copy's y an output. The scalar checked is
 * J = <seed, that whole array after the call> (padding included: the call
 * leaves it alone, so its adjoint must pass through), or seed * the result
 * for dot, nrm2 and asum. Checks, per Prob:
 *   - adjoint: with the input adjoints preloaded (they must accumulate) and
 *     the in-out array's adjoint holding the seed (it leaves as the old
 *     value's adjoint), against central differences of J (Richardson-
 *     extrapolated), to 1e-8;
 *   - null: each array adjoint NULL in turn, the others unchanged;
 *   - float: the s-routine adjoints against the d-routine ones, to 1e-4.
 * gemm runs over both layouts, all transposes, non-square sizes, ld's above
 * the minimum and beta in {0, 0.5, 1}; gemv over layouts, transposes and
 * increments {1, 2, -2} x {1, 2, -1}; dot and axpy over the same increments;
 * scal over {1, 2} and -1 (BLAS: no-op); copy, nrm2 and asum over the
 * increments; ger over layouts and increments; symv over layouts, Uplo,
 * increments and beta; trmv over every layout, Uplo, Trans and Diag, with
 * increments {1, -2}. The elements symv and trmv do not read (the other
 * triangle, a unit diagonal) must get no adjoint. trmv's adjoint is called
 * with the x the call overwrote, as gradc restores it (GRADC_READS_INPUT).
 * Zero increments must be refused.
 */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradc.h"
#include "gradc/blas.h"

enum { GEMM, GEMV, DOT, AXPY, SCAL, NRM2, ASUM, COPY, GER, SYMV, TRMV };
enum { MAXP = 512 };

typedef struct Prob {
  char name[96];
  int routine;
  enum CBLAS_ORDER order;
  enum CBLAS_TRANSPOSE ta, tb;
  enum CBLAS_UPLO uplo;
  enum CBLAS_DIAG diag;
  int M, N, K, lda, ldb, ldc, incx, incy;
  double alpha, beta;
  int has_alpha; /* alpha is p[0], active */
  int narr;      /* arrays after alpha */
  int len[3];    /* their lengths, padding included */
  int inout;     /* the last array is in-out */
} Prob;

static int span(int n, int inc) { return n > 0 ? 1 + (n - 1) * abs(inc) : 0; }

/* rows x cols stored in `order` with leading dimension ld: elements spanned */
static int mat_len(enum CBLAS_ORDER o, int rows, int cols, int ld) {
  return o == CblasRowMajor ? (rows - 1) * ld + cols : (cols - 1) * ld + rows;
}

static int np(const Prob *P) {
  int n = P->has_alpha;
  for (int i = 0; i < P->narr; i++) n += P->len[i];
  return n;
}

static double seed_at(int i) { return 0.3 + 0.1 * ((i * 5) % 7) - 0.25 * (i % 3); }
static const double RET_SEED = 0.7;

/* ---- calls in the Prob shape, for T = double and float ------------------------ */

#define CALLS(T, s)                                                                            \
  /* J(p) = <seed, out> */                                                                     \
  static double J_##s(const Prob *P, const T *p) {                                            \
    T a[3][MAXP];                                                                              \
    const T *q = p + P->has_alpha;                                                             \
    T alpha = P->has_alpha ? p[0] : (T)P->alpha;                                               \
    for (int i = 0; i < P->narr; q += P->len[i], i++)                                          \
      memcpy(a[i], q, (size_t)P->len[i] * sizeof(T));                                          \
    int last = P->narr - 1;                                                                    \
    switch (P->routine) {                                                                      \
    case GEMM:                                                                                 \
      cblas_##s##gemm(P->order, P->ta, P->tb, P->M, P->N, P->K, alpha, a[0], P->lda, a[1],     \
                      P->ldb, (T)P->beta, a[2], P->ldc);                                       \
      break;                                                                                   \
    case GEMV:                                                                                 \
      cblas_##s##gemv(P->order, P->ta, P->M, P->N, alpha, a[0], P->lda, a[1], P->incx,         \
                      (T)P->beta, a[2], P->incy);                                              \
      break;                                                                                   \
    case DOT:                                                                                  \
      return RET_SEED * (double)cblas_##s##dot(P->N, a[0], P->incx, a[1], P->incy);            \
    case AXPY:                                                                                 \
      cblas_##s##axpy(P->N, alpha, a[0], P->incx, a[1], P->incy);                              \
      break;                                                                                   \
    case SCAL:                                                                                 \
      cblas_##s##scal(P->N, alpha, a[0], P->incx);                                             \
      break;                                                                                   \
    case NRM2:                                                                                 \
      return RET_SEED * (double)cblas_##s##nrm2(P->N, a[0], P->incx);                          \
    case ASUM:                                                                                 \
      return RET_SEED * (double)cblas_##s##asum(P->N, a[0], P->incx);                          \
    case COPY:                                                                                 \
      cblas_##s##copy(P->N, a[0], P->incx, a[1], P->incy);                                     \
      break;                                                                                   \
    case GER:                                                                                  \
      cblas_##s##ger(P->order, P->M, P->N, alpha, a[0], P->incx, a[1], P->incy, a[2], P->lda); \
      break;                                                                                   \
    case SYMV:                                                                                 \
      cblas_##s##symv(P->order, P->uplo, P->N, alpha, a[0], P->lda, a[1], P->incx, (T)P->beta, \
                      a[2], P->incy);                                                          \
      break;                                                                                   \
    case TRMV:                                                                                 \
      cblas_##s##trmv(P->order, P->uplo, P->ta, P->diag, P->N, a[0], P->lda, a[1], P->incx);   \
      break;                                                                                   \
    }                                                                                          \
    double J = 0;                                                                              \
    for (int i = 0; i < P->len[last]; i++)                                                     \
      J += seed_at(i) * (double)a[last][i];                                                    \
    return J;                                                                                  \
  }                                                                                            \
  /* g: preloaded adjoints on entry; on return each input's accumulated */                      \
  /* adjoint, and the in-out array's old-value adjoint (seed on entry). */                     \
  /* null: bit i set passes NULL for array i (its part of g untouched). */                     \
  static void grad_##s(const Prob *P, const T *p, T *g, unsigned null) {                      \
    T a[3][MAXP], *bar[3];                                                                     \
    const T *q = p + P->has_alpha;                                                             \
    T *gq = g + P->has_alpha;                                                                  \
    T alpha = P->has_alpha ? p[0] : (T)P->alpha, dummy = 0, beta_bar = 0;                      \
    T *alpha_bar = P->has_alpha ? &g[0] : &dummy;                                              \
    for (int i = 0; i < P->narr; q += P->len[i], gq += P->len[i], i++) {                       \
      memcpy(a[i], q, (size_t)P->len[i] * sizeof(T));                                          \
      bar[i] = null >> i & 1 ? NULL : gq;                                                      \
    }                                                                                          \
    int last = P->narr - 1;                                                                    \
    if (P->inout && bar[last])                                                                 \
      for (int i = 0; i < P->len[last]; i++)                                                   \
        bar[last][i] = (T)seed_at(i);                                                          \
    /* the forward call first: the adjoint sees the outputs it left */                         \
    switch (P->routine) {                                                                      \
    case GEMM:                                                                                 \
      cblas_##s##gemm(P->order, P->ta, P->tb, P->M, P->N, P->K, alpha, a[0], P->lda, a[1],     \
                      P->ldb, (T)P->beta, a[2], P->ldc);                                       \
      gradc_cblas_##s##gemm_rev(P->order, P->ta, P->tb, P->M, P->N, P->K, alpha, alpha_bar,    \
                                a[0], bar[0], P->lda, a[1], bar[1], P->ldb, (T)P->beta,        \
                                &beta_bar, a[2], bar[2], P->ldc);                              \
      break;                                                                                   \
    case GEMV:                                                                                 \
      cblas_##s##gemv(P->order, P->ta, P->M, P->N, alpha, a[0], P->lda, a[1], P->incx,         \
                      (T)P->beta, a[2], P->incy);                                              \
      gradc_cblas_##s##gemv_rev(P->order, P->ta, P->M, P->N, alpha, alpha_bar, a[0], bar[0],   \
                                P->lda, a[1], bar[1], P->incx, (T)P->beta, &beta_bar, a[2],    \
                                bar[2], P->incy);                                              \
      break;                                                                                   \
    case DOT: {                                                                                \
      T r = gradc_cblas_##s##dot_rev(P->N, a[0], bar[0], P->incx, a[1], bar[1], P->incy,       \
                                     (T)RET_SEED);                                             \
      T f = cblas_##s##dot(P->N, a[0], P->incx, a[1], P->incy);                                \
      cr_expect(r == f, "%s: dot_rev returns %g, dot %g", P->name, (double)r, (double)f);      \
      break;                                                                                   \
    }                                                                                          \
    case AXPY:                                                                                 \
      cblas_##s##axpy(P->N, alpha, a[0], P->incx, a[1], P->incy);                              \
      gradc_cblas_##s##axpy_rev(P->N, alpha, alpha_bar, a[0], bar[0], P->incx, a[1], bar[1],   \
                                P->incy);                                                      \
      break;                                                                                   \
    case SCAL:                                                                                 \
      cblas_##s##scal(P->N, alpha, a[0], P->incx);                                             \
      gradc_cblas_##s##scal_rev(P->N, alpha, alpha_bar, a[0], bar[0], P->incx);                \
      break;                                                                                   \
    case NRM2:                                                                                 \
    case ASUM: {                                                                               \
      int nrm = P->routine == NRM2;                                                            \
      T r = nrm ? gradc_cblas_##s##nrm2_rev(P->N, a[0], bar[0], P->incx, (T)RET_SEED)          \
                : gradc_cblas_##s##asum_rev(P->N, a[0], bar[0], P->incx, (T)RET_SEED);         \
      T f = nrm ? cblas_##s##nrm2(P->N, a[0], P->incx) : cblas_##s##asum(P->N, a[0], P->incx); \
      cr_expect(r == f, "%s: the adjoint returns %g, BLAS %g", P->name, (double)r, (double)f); \
      break;                                                                                   \
    }                                                                                          \
    case COPY:                                                                                 \
      cblas_##s##copy(P->N, a[0], P->incx, a[1], P->incy);                                     \
      gradc_cblas_##s##copy_rev(P->N, a[0], bar[0], P->incx, a[1], bar[1], P->incy);           \
      break;                                                                                   \
    case GER:                                                                                  \
      cblas_##s##ger(P->order, P->M, P->N, alpha, a[0], P->incx, a[1], P->incy, a[2], P->lda); \
      gradc_cblas_##s##ger_rev(P->order, P->M, P->N, alpha, alpha_bar, a[0], bar[0], P->incx,  \
                               a[1], bar[1], P->incy, a[2], bar[2], P->lda);                   \
      break;                                                                                   \
    case SYMV:                                                                                 \
      cblas_##s##symv(P->order, P->uplo, P->N, alpha, a[0], P->lda, a[1], P->incx, (T)P->beta, \
                      a[2], P->incy);                                                          \
      gradc_cblas_##s##symv_rev(P->order, P->uplo, P->N, alpha, alpha_bar, a[0], bar[0],       \
                                P->lda, a[1], bar[1], P->incx, (T)P->beta, &beta_bar, a[2],    \
                                bar[2], P->incy);                                              \
      break;                                                                                   \
    case TRMV: /* called with the old x, as gradc restores it (GRADC_READS_INPUT) */           \
      gradc_cblas_##s##trmv_rev(P->order, P->uplo, P->ta, P->diag, P->N, a[0], bar[0], P->lda, \
                                a[1], bar[1], P->incx);                                        \
      break;                                                                                   \
    }                                                                                          \
    cr_expect(beta_bar == 0 && dummy == 0, "%s: an inactive scalar's adjoint was written",     \
              P->name);                                                                        \
  }

CALLS(double, d)
CALLS(float, s)

/* ---- the checks ----------------------------------------------------------------- */

static double pre_at(int i) { return 0.05 * ((i * 3) % 5) - 0.1; }

static void fill(const Prob *P, double *p) {
  for (int i = 0; i < np(P); i++)
    p[i] = 0.1 * ((i * 7 + 3) % 13) - 0.6 + 0.01 * (i % 4);
  if (P->has_alpha)
    p[0] = P->alpha;
}

static int in_inout(const Prob *P, int i) {
  return P->inout && i >= np(P) - P->len[P->narr - 1];
}

static int close_to(double a, double b, double tol) {
  double s = fmax(1, fmax(fabs(a), fabs(b)));
  return fabs(a - b) <= tol * s && !isnan(a) && !isnan(b);
}

static void check(const Prob *P) {
  int n = np(P);
  cr_assert(n <= MAXP * 3, "%s: too large", P->name);
  double p[3 * MAXP], g[3 * MAXP];
  fill(P, p);
  for (int i = 0; i < n; i++)
    g[i] = pre_at(i);
  grad_d(P, p, g, 0);
  int bad = 0;
  for (int i = 0; i < n && bad < 5; i++) {
    /* central differences at h and h / 2, Richardson-extrapolated: exact
     * for the (bi)linear routines, O(h^4) for nrm2 */
    double h = 1e-3, x = p[i], d[2];
    for (int k = 0; k < 2; k++, h /= 2) {
      p[i] = x + h;
      double jp = J_d(P, p);
      p[i] = x - h;
      double jm = J_d(P, p);
      d[k] = (jp - jm) / (2 * h);
    }
    p[i] = x;
    double fd = (4 * d[1] - d[0]) / 3;
    double ad = in_inout(P, i) ? g[i] : g[i] - pre_at(i);
    if (!close_to(ad, fd, 1e-8)) {
      cr_expect(0, "%s: d/dp[%d] adjoint %.15g, finite differences %.15g", P->name, i, ad, fd);
      bad++;
    }
  }

  /* null adjoints: each array's in turn; the other parts as before, or
   * untouched when the NULL one is the in-out array's (no seed) */
  for (int k = 0; k < P->narr; k++) {
    double g2[3 * MAXP];
    for (int i = 0; i < n; i++)
      g2[i] = pre_at(i);
    grad_d(P, p, g2, 1u << k);
    int off = P->has_alpha;
    for (int j = 0; j < k; j++)
      off += P->len[j];
    for (int i = 0; i < n; i++) {
      int mine = i >= off && i < off + P->len[k];
      /* a NULL in-out adjoint is a zero seed: nothing changes */
      int zero_seed = P->inout && k == P->narr - 1;
      double want = mine || zero_seed ? pre_at(i) : g[i];
      if (!close_to(g2[i], want, 1e-12)) {
        cr_expect(0, "%s: array %d's adjoint NULL: p[%d] %.15g, expected %.15g", P->name, k, i,
                  g2[i], want);
        break;
      }
    }
  }

  /* float against double */
  float pf[3 * MAXP], gf[3 * MAXP];
  for (int i = 0; i < n; i++) {
    pf[i] = (float)p[i];
    gf[i] = (float)pre_at(i);
  }
  grad_s(P, pf, gf, 0);
  for (int i = 0; i < n; i++)
    if (!close_to(gf[i], g[i], 1e-4)) {
      cr_expect(0, "%s: float p[%d] %.8g, double %.15g", P->name, i, (double)gf[i], g[i]);
      break;
    }
  double Jd = J_d(P, p), Js = J_s(P, pf);
  cr_expect(close_to(Js, Jd, 1e-4), "%s: float J %g, double %g", P->name, Js, Jd);
}

/* ---- the problems --------------------------------------------------------------- */

static const char *oname(enum CBLAS_ORDER o) { return o == CblasRowMajor ? "Row" : "Col"; }
static const char *tname(enum CBLAS_TRANSPOSE t) { return t == CblasNoTrans ? "N" : "T"; }

static Prob gemm(enum CBLAS_ORDER o, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int M,
                 int N, int K, int pad, double beta) {
  Prob P = {.routine = GEMM, .order = o, .ta = ta, .tb = tb, .M = M, .N = N, .K = K,
            .alpha = 1.3, .beta = beta, .has_alpha = 1, .narr = 3, .inout = 1};
  int ra = ta == CblasNoTrans ? M : K, ca = ta == CblasNoTrans ? K : M;
  int rb = tb == CblasNoTrans ? K : N, cb = tb == CblasNoTrans ? N : K;
  int row = o == CblasRowMajor;
  P.lda = (row ? ca : ra) + pad;
  P.ldb = (row ? cb : rb) + pad;
  P.ldc = (row ? N : M) + pad;
  P.len[0] = mat_len(o, ra, ca, P.lda);
  P.len[1] = mat_len(o, rb, cb, P.ldb);
  P.len[2] = mat_len(o, M, N, P.ldc);
  snprintf(P.name, sizeof P.name, "gemm %s %s%s M%d N%d K%d pad%d beta%g", oname(o), tname(ta),
           tname(tb), M, N, K, pad, beta);
  return P;
}

static Prob gemv(enum CBLAS_ORDER o, enum CBLAS_TRANSPOSE t, int m, int n, int pad, int incx,
                 int incy, double beta) {
  Prob P = {.routine = GEMV, .order = o, .ta = t, .M = m, .N = n, .incx = incx, .incy = incy,
            .alpha = 0.9, .beta = beta, .has_alpha = 1, .narr = 3, .inout = 1};
  int nt = t == CblasNoTrans;
  P.lda = (o == CblasRowMajor ? n : m) + pad;
  P.len[0] = mat_len(o, m, n, P.lda);
  P.len[1] = span(nt ? n : m, incx);
  P.len[2] = span(nt ? m : n, incy);
  snprintf(P.name, sizeof P.name, "gemv %s %s m%d n%d pad%d incx%d incy%d beta%g", oname(o),
           tname(t), m, n, pad, incx, incy, beta);
  return P;
}

static const enum CBLAS_ORDER ORDERS[2] = {CblasRowMajor, CblasColMajor};
static const enum CBLAS_TRANSPOSE TRANSES[2] = {CblasNoTrans, CblasTrans};
static const int INCX[3] = {1, 2, -2}, INCY[3] = {1, 2, -1};

Test(blas, gemm) {
  static const double betas[3] = {0.5, 0, 1};
  for (int o = 0; o < 2; o++)
    for (int a = 0; a < 2; a++)
      for (int b = 0; b < 2; b++)
        for (int pad = 0; pad <= 2; pad += 2)
          for (int bt = 0; bt < 3; bt++) {
            Prob P = gemm(ORDERS[o], TRANSES[a], TRANSES[b], 3, 4, 5, pad, betas[bt]);
            check(&P);
          }
}

Test(blas, gemm_edge_sizes) {
  /* vectors as matrices, and K = 0 (C = beta C) */
  int sizes[][3] = {{1, 4, 3}, {3, 1, 2}, {2, 3, 1}, {2, 3, 0}};
  for (int s = 0; s < 4; s++)
    for (int o = 0; o < 2; o++)
      for (int a = 0; a < 2; a++) {
        Prob P = gemm(ORDERS[o], TRANSES[a], TRANSES[1 - a], sizes[s][0], sizes[s][1],
                      sizes[s][2] ? sizes[s][2] : 1, 1, 0.5);
        if (!sizes[s][2]) { /* K = 0: A and B are not read */
          P.K = 0;
          strcat(P.name, " K=0");
        }
        check(&P);
      }
}

Test(blas, gemm_conj) {
  /* ConjTrans is Trans for real matrices */
  Prob P = gemm(CblasColMajor, CblasTrans, CblasNoTrans, 3, 2, 4, 1, 0.5);
  P.ta = CblasConjTrans;
  strcat(P.name, " ConjTrans");
  check(&P);
}

Test(blas, gemv) {
  for (int o = 0; o < 2; o++)
    for (int t = 0; t < 2; t++)
      for (int ix = 0; ix < 3; ix++)
        for (int iy = 0; iy < 3; iy++) {
          Prob P = gemv(ORDERS[o], TRANSES[t], 3, 5, 2, INCX[ix], INCY[iy], 0.5);
          check(&P);
        }
  for (int o = 0; o < 2; o++)
    for (int t = 0; t < 2; t++) {
      Prob P = gemv(ORDERS[o], TRANSES[t], 4, 2, 0, 1, 1, 0);
      check(&P);
      P = gemv(ORDERS[o], TRANSES[t], 4, 2, 1, 2, -2, 1);
      check(&P);
    }
}

Test(blas, dot) {
  for (int ix = 0; ix < 3; ix++)
    for (int iy = 0; iy < 3; iy++)
      for (int n = 1; n <= 5; n += 4) {
        Prob P = {.routine = DOT, .N = n, .incx = INCX[ix], .incy = INCY[iy], .narr = 2};
        P.len[0] = span(n, P.incx);
        P.len[1] = span(n, P.incy);
        snprintf(P.name, sizeof P.name, "dot n%d incx%d incy%d", n, P.incx, P.incy);
        check(&P);
      }
}

Test(blas, axpy) {
  for (int ix = 0; ix < 3; ix++)
    for (int iy = 0; iy < 3; iy++)
      for (int n = 1; n <= 5; n += 4) {
        Prob P = {.routine = AXPY, .N = n, .incx = INCX[ix], .incy = INCY[iy], .alpha = -0.8,
                  .has_alpha = 1, .narr = 2, .inout = 1};
        P.len[0] = span(n, P.incx);
        P.len[1] = span(n, P.incy);
        snprintf(P.name, sizeof P.name, "axpy n%d incx%d incy%d", n, P.incx, P.incy);
        check(&P);
      }
}

Test(blas, scal) {
  static const int incs[3] = {1, 2, -1};
  static const double alphas[3] = {0.7, 0, -2};
  for (int i = 0; i < 3; i++)
    for (int a = 0; a < 3; a++) {
      Prob P = {.routine = SCAL, .N = 5, .incx = incs[i], .alpha = alphas[a], .narr = 1,
                .inout = 1};
      P.len[0] = incs[i] > 0 ? span(5, incs[i]) : 5; /* incx < 0: BLAS leaves x alone */
      snprintf(P.name, sizeof P.name, "scal n5 inc%d alpha%g", P.incx, P.alpha);
      check(&P);
    }
}

static Prob vec1(int routine, const char *what, int n, int incx) {
  Prob P = {.routine = routine, .N = n, .incx = incx, .narr = 1};
  P.len[0] = span(n, incx);
  snprintf(P.name, sizeof P.name, "%s n%d incx%d", what, n, incx);
  return P;
}

Test(blas, nrm2_asum) {
  /* a negative increment reads the same elements (or none: OpenBLAS 0.3.21
   * returns 0), and the adjoint follows the library either way */
  for (int ix = 0; ix < 3; ix++)
    for (int n = 1; n <= 5; n += 4) {
      Prob P = vec1(NRM2, "nrm2", n, INCX[ix]);
      check(&P);
      P = vec1(ASUM, "asum", n, INCX[ix]);
      check(&P);
    }
}

Test(blas, nrm2_asum_nondifferentiable) {
  /* nrm2 at x = 0 adds nothing; asum takes sign(0) = 0 */
  double x[5] = {0, 0, 0, 0, 0}, xb[5] = {0.5, 0.5, 0.5, 0.5, 0.5};
  cr_expect(gradc_cblas_dnrm2_rev(5, x, xb, 1, 2) == 0);
  for (int i = 0; i < 5; i++)
    cr_expect(xb[i] == 0.5, "nrm2 at 0: x_bar[%d] = %g", i, xb[i]);
  double y[5] = {1.5, 0, -2, 0, 3};
  cr_expect(gradc_cblas_dasum_rev(5, y, xb, 1, 2) == 6.5);
  double want[5] = {2.5, 0.5, -1.5, 0.5, 2.5};
  for (int i = 0; i < 5; i++)
    cr_expect(xb[i] == want[i], "asum: x_bar[%d] = %g, expected %g", i, xb[i], want[i]);
  float yf[3] = {0, -1, 2}, yfb[3] = {0};
  cr_expect(gradc_cblas_sasum_rev(3, yf, yfb, 1, 1) == 3);
  cr_expect(yfb[0] == 0 && yfb[1] == -1 && yfb[2] == 1);
}

Test(blas, copy) {
  for (int ix = 0; ix < 3; ix++)
    for (int iy = 0; iy < 3; iy++)
      for (int n = 1; n <= 5; n += 4) {
        Prob P = {.routine = COPY, .N = n, .incx = INCX[ix], .incy = INCY[iy], .narr = 2,
                  .inout = 1};
        P.len[0] = span(n, P.incx);
        P.len[1] = span(n, P.incy);
        snprintf(P.name, sizeof P.name, "copy n%d incx%d incy%d", n, P.incx, P.incy);
        check(&P);
      }
}

static Prob ger(enum CBLAS_ORDER o, int m, int n, int pad, int incx, int incy) {
  Prob P = {.routine = GER, .order = o, .M = m, .N = n, .incx = incx, .incy = incy,
            .alpha = -1.1, .has_alpha = 1, .narr = 3, .inout = 1};
  P.lda = (o == CblasRowMajor ? n : m) + pad;
  P.len[0] = span(m, incx);
  P.len[1] = span(n, incy);
  P.len[2] = mat_len(o, m, n, P.lda);
  snprintf(P.name, sizeof P.name, "ger %s m%d n%d pad%d incx%d incy%d", oname(o), m, n, pad,
           incx, incy);
  return P;
}

Test(blas, ger) {
  for (int o = 0; o < 2; o++)
    for (int ix = 0; ix < 3; ix++)
      for (int iy = 0; iy < 3; iy++) {
        Prob P = ger(ORDERS[o], 3, 4, 2, INCX[ix], INCY[iy]);
        check(&P);
      }
  for (int o = 0; o < 2; o++) {
    Prob P = ger(ORDERS[o], 4, 1, 0, 1, 1);
    check(&P);
    P = ger(ORDERS[o], 1, 3, 1, -1, 2);
    check(&P);
  }
}

static const enum CBLAS_UPLO UPLOS[2] = {CblasUpper, CblasLower};
static const char *uname(enum CBLAS_UPLO u) { return u == CblasUpper ? "Up" : "Lo"; }

static Prob symv(enum CBLAS_ORDER o, enum CBLAS_UPLO u, int n, int pad, int incx, int incy,
                 double beta) {
  Prob P = {.routine = SYMV, .order = o, .uplo = u, .N = n, .incx = incx, .incy = incy,
            .alpha = 0.8, .beta = beta, .has_alpha = 1, .narr = 3, .inout = 1};
  P.lda = n + pad;
  P.len[0] = mat_len(o, n, n, P.lda);
  P.len[1] = span(n, incx);
  P.len[2] = span(n, incy);
  snprintf(P.name, sizeof P.name, "symv %s %s n%d pad%d incx%d incy%d beta%g", oname(o),
           uname(u), n, pad, incx, incy, beta);
  return P;
}

Test(blas, symv) {
  static const double betas[3] = {0.5, 0, 1};
  for (int o = 0; o < 2; o++)
    for (int u = 0; u < 2; u++) {
      for (int ix = 0; ix < 3; ix++)
        for (int iy = 0; iy < 3; iy++) {
          Prob P = symv(ORDERS[o], UPLOS[u], 4, 1, INCX[ix], INCY[iy], 0.5);
          check(&P);
        }
      for (int b = 0; b < 3; b++) {
        Prob P = symv(ORDERS[o], UPLOS[u], 3, 0, 1, 2, betas[b]);
        check(&P);
      }
      Prob P = symv(ORDERS[o], UPLOS[u], 1, 2, -1, 1, 0.5);
      check(&P);
    }
}

static Prob trmv(enum CBLAS_ORDER o, enum CBLAS_UPLO u, enum CBLAS_TRANSPOSE t,
                 enum CBLAS_DIAG d, int n, int pad, int incx) {
  Prob P = {.routine = TRMV, .order = o, .uplo = u, .ta = t, .diag = d, .N = n, .incx = incx,
            .narr = 2, .inout = 1};
  P.lda = n + pad;
  P.len[0] = mat_len(o, n, n, P.lda);
  P.len[1] = span(n, incx);
  snprintf(P.name, sizeof P.name, "trmv %s %s %s %s n%d pad%d incx%d", oname(o), uname(u),
           t == CblasConjTrans ? "C" : tname(t), d == CblasUnit ? "Unit" : "NonUnit", n, pad,
           incx);
  return P;
}

Test(blas, trmv) {
  static const enum CBLAS_DIAG diags[2] = {CblasNonUnit, CblasUnit};
  static const int incs[2] = {1, -2};
  for (int o = 0; o < 2; o++)
    for (int u = 0; u < 2; u++)
      for (int t = 0; t < 2; t++)
        for (int d = 0; d < 2; d++)
          for (int i = 0; i < 2; i++) {
            Prob P = trmv(ORDERS[o], UPLOS[u], TRANSES[t], diags[d], 4, 1 + i, incs[i]);
            check(&P);
          }
  Prob P = trmv(CblasColMajor, CblasLower, CblasConjTrans, CblasNonUnit, 3, 0, 2);
  check(&P);
  P = trmv(CblasRowMajor, CblasUpper, CblasNoTrans, CblasNonUnit, 1, 1, -1);
  check(&P);
}

/* ---- refusals: zero increments, invalid enums ------------------------------------- */

static int errors;
static char last_error[256];
static void record(void *ud, const char *msg) {
  (void)ud;
  errors++;
  snprintf(last_error, sizeof last_error, "%s", msg);
}

Test(blas, refusals) {
  gradc_set_error_handler(record, NULL);
  double x[4] = {1, 2, 3, 4}, y[4] = {1, 1, 1, 1}, xb[4] = {0}, yb[4] = {1, 1, 1, 1}, ab = 0;
  double A[4] = {1, 2, 3, 4}, Ab[4] = {0};
  errors = 0;
  gradc_cblas_ddot_rev(4, x, xb, 0, y, yb, 1, 1);
  cr_expect(errors == 1 && strstr(last_error, "zero increment"), "dot: %d errors, '%s'", errors,
            last_error);
  gradc_cblas_daxpy_rev(4, 2, &ab, x, xb, 1, y, yb, 0);
  cr_expect(errors == 2 && strstr(last_error, "zero increment"), "axpy: %d errors", errors);
  gradc_cblas_dgemv_rev(CblasRowMajor, CblasNoTrans, 2, 2, 1, &ab, A, Ab, 2, x, xb, 0, 0, &ab, y,
                        yb, 1);
  cr_expect(errors == 3 && strstr(last_error, "zero increment"), "gemv: %d errors", errors);
  gradc_cblas_dgemm_rev((enum CBLAS_ORDER)0, CblasNoTrans, CblasNoTrans, 2, 2, 2, 1, &ab, A, Ab, 2,
                        A, Ab, 2, 0, &ab, y, yb, 2);
  cr_expect(errors == 4 && strstr(last_error, "invalid"), "gemm: %d errors", errors);
  cr_expect(isnan(gradc_cblas_dnrm2_rev(4, x, xb, 0, 1)) && errors == 5 &&
            strstr(last_error, "zero increment"), "nrm2: %d errors", errors);
  cr_expect(isnan(gradc_cblas_dasum_rev(4, x, xb, 0, 1)) && errors == 6 &&
            strstr(last_error, "zero increment"), "asum: %d errors", errors);
  gradc_cblas_dcopy_rev(4, x, xb, 1, y, yb, 0);
  cr_expect(errors == 7 && strstr(last_error, "zero increment"), "copy: %d errors", errors);
  gradc_cblas_dger_rev(CblasRowMajor, 2, 2, 1, &ab, x, xb, 0, y, yb, 1, A, Ab, 2);
  cr_expect(errors == 8 && strstr(last_error, "zero increment"), "ger: %d errors", errors);
  gradc_cblas_dsymv_rev(CblasColMajor, CblasUpper, 2, 1, &ab, A, Ab, 2, x, xb, 1, 0, &ab, y, yb,
                        0);
  cr_expect(errors == 9 && strstr(last_error, "zero increment"), "symv: %d errors", errors);
  gradc_cblas_dtrmv_rev(CblasColMajor, CblasUpper, CblasNoTrans, CblasNonUnit, 2, A, Ab, 2, x,
                        xb, 0);
  cr_expect(errors == 10 && strstr(last_error, "zero increment"), "trmv: %d errors", errors);
  gradc_cblas_dtrmv_rev(CblasColMajor, (enum CBLAS_UPLO)0, CblasNoTrans, CblasNonUnit, 2, A, Ab,
                        2, x, xb, 1);
  cr_expect(errors == 11 && strstr(last_error, "invalid"), "trmv Uplo: %d errors", errors);
  gradc_cblas_dtrmv_rev(CblasColMajor, CblasUpper, CblasNoTrans, (enum CBLAS_DIAG)0, 2, A, Ab, 2,
                        x, xb, 1);
  cr_expect(errors == 12 && strstr(last_error, "invalid"), "trmv Diag: %d errors", errors);
  gradc_cblas_dsymv_rev(CblasColMajor, (enum CBLAS_UPLO)0, 2, 1, &ab, A, Ab, 2, x, xb, 1, 0, &ab,
                        y, yb, 1);
  cr_expect(errors == 13 && strstr(last_error, "invalid"), "symv Uplo: %d errors", errors);
  for (int i = 0; i < 4; i++)
    cr_expect(xb[i] == 0 && Ab[i] == 0 && yb[i] == 1, "a refused adjoint changed something");
  cr_expect(ab == 0);
  gradc_set_error_handler(NULL, NULL);
}
