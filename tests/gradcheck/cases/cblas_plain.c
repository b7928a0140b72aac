/* The same user code as cblas.c, written against OpenBLAS's <cblas.h> as
 * users include it: gradc recognises the CBLAS routines by name and parses
 * with <gradc/blas.h>'s annotations itself. */
#include <gradc.h>
#include <cblas.h>

/* op(A) = A^T: A stored 2 x 3 (lda 4), B 2 x 4 (ldb 6), C 3 x 4 (ldc 5);
 * C starts from v (active, beta 0.5); y = C v[0..3] at stride 2. */
GRADC_GRAD(wrt(A, B, v, alpha))
double rowchain(const double *A, const double *B, const double *v, double alpha) {
  double C[3 * 5], y[5];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 5; j++) C[i * 5 + j] = v[(i + j) % 4] * (i + 1);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 3, 4, 2, alpha, A, 4, B, 6, 0.5, C, 5);
  for (int i = 0; i < 5; i++) y[i] = 0;
  cblas_dgemv(CblasRowMajor, CblasNoTrans, 3, 4, 1.0, C, 5, v, 1, 0.0, y, 2);
  double r = cblas_ddot(3, y, 2, v, 1);
  cblas_daxpy(3, alpha, v, 1, y, 2);          /* y += alpha v */
  cblas_dscal(3, 0.5, y, 2);
  return r + cblas_ddot(3, y, 2, y, 2) * alpha;
}

GRADC_GRAD(wrt(A, B, v, alpha))
float rowchainf(const float *A, const float *B, const float *v, float alpha) {
  float C[3 * 5], y[5];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 5; j++) C[i * 5 + j] = v[(i + j) % 4] * (float)(i + 1);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, 3, 4, 2, alpha, A, 4, B, 6, 0.5f, C, 5);
  for (int i = 0; i < 5; i++) y[i] = 0;
  cblas_sgemv(CblasRowMajor, CblasNoTrans, 3, 4, 1.0f, C, 5, v, 1, 0.0f, y, 2);
  float r = cblas_sdot(3, y, 2, v, 1);
  cblas_saxpy(3, alpha, v, 1, y, 2);
  cblas_sscal(3, 0.5f, y, 2);
  return r + cblas_sdot(3, y, 2, y, 2) * alpha;
}

/* Column-major: C[2 x 3] (ldc 4) = A^T B^T, A stored 3 x 2 (lda 5), B stored
 * 3 x 3 (ldb 4); then z = C^T w with w at stride -1 (its last element
 * first) and z at stride 2; the result tanh-squashed through a dot. */
GRADC_GRAD(wrt(A, B, w))
double colchain(const double *A, const double *B, const double *w, double s) {
  double C[4 * 3], z[5];
  cblas_dgemm(CblasColMajor, CblasTrans, CblasTrans, 2, 3, 3, s, A, 5, B, 4, 0.0, C, 4);
  cblas_dgemv(CblasColMajor, CblasTrans, 2, 3, 1.0, C, 4, w, -1, 0.0, z, 2);
  double q = cblas_ddot(3, z, 2, z, -2);
  cblas_daxpy(2, 1.0, w, 1, C, 4);            /* C[0][0] += w0, C[0][1] += w1 */
  return q + cblas_ddot(2, C, 4, C, 4);
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double rowchain_grad(const double *A, double *A_bar, const double *B, double *B_bar,
                     const double *v, double *v_bar, double alpha, double *alpha_bar);
float rowchainf_grad(const float *A, float *A_bar, const float *B, float *B_bar, const float *v,
                     float *v_bar, float alpha, float *alpha_bar);
double colchain_grad(const double *A, double *A_bar, const double *B, double *B_bar,
                     const double *w, double *w_bar, double s);

/* p = [A (2 x 4: 8)] [B (2 x 6: 12)] [v (4)] [alpha] */
enum { RA = 0, RB = 8, RV = 20, RALPHA = 24, RN = 25 };
static double eval_row(const double *p) { return rowchain(p + RA, p + RB, p + RV, p[RALPHA]); }
static void grad_row(const double *p, double *g) {
  rowchain_grad(p + RA, g + RA, p + RB, g + RB, p + RV, g + RV, p[RALPHA], g + RALPHA);
}

/* p = [A (3 x 2 col-major, lda 5: 8)] [B (3 x 3, ldb 4: 11)] [w (3)] */
enum { CA = 0, CB = 8, CW = 19, CN = 22 };
static double eval_col(const double *p) { return colchain(p + CA, p + CB, p + CW, 0.8); }
static void grad_col(const double *p, double *g) {
  colchain_grad(p + CA, g + CA, p + CB, g + CB, p + CW, g + CW, 0.8);
}

int main(void) {
  double p[RN], q[CN];
  for (int i = 0; i < RN; i++) p[i] = 0.1 * ((i * 7) % 11) - 0.45;
  p[RALPHA] = 1.2;
  check_gradient("cblas row-major", eval_row, grad_row, p, RN, 1e-8);
  for (int i = 0; i < CN; i++) q[i] = 0.1 * ((i * 5) % 13) - 0.55;
  check_gradient("cblas column-major", eval_col, grad_col, q, CN, 1e-8);

  /* the padding elements of A and B (ld above the minimum) get no gradient */
  double g[RN] = {0};
  grad_row(p, g);
  CHECK_CLOSE(g[RA + 3], 0, 0);
  CHECK_CLOSE(g[RB + 4], 0, 0);

  /* float: to float accuracy against the double gradient */
  float pf[RN], gf[RN] = {0};
  for (int i = 0; i < RN; i++) pf[i] = (float)p[i];
  float vf = rowchainf_grad(pf + RA, gf + RA, pf + RB, gf + RB, pf + RV, gf + RV, pf[RALPHA],
                            gf + RALPHA);
  CHECK_CLOSE(vf, eval_row(p), 1e-5);
  for (int i = 0; i < RN; i++) CHECK_CLOSE(gf[i], g[i], 1e-4);
  return check_done("cblas");
}
#endif
