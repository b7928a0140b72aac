/* Losses written with the runtime's BLAS-backed kernels (gradc/kernels.h):
 * gradc calls each kernel's adjoint in the reverse sweep. A two-layer
 * network with relu and softmax cross-entropy (in-place bias and relu), a
 * regression loss with gemv, sigmoid and mse, and the float network against
 * the double gradient. */
#include <gradc.h>
#include <gradc/kernels.h>

GRADC_GRAD(wrt(W1, b1, W2, b2))
double mlp(const double *W1, const double *b1, const double *W2, const double *b2,
           const double *X, const int *labels, int n, int d, int h, int k) {
  double H[n * h], Z[n * k];
  gradc_gemm_d(0, 1, n, h, d, X, W1, H);       /* H = X W1^T */
  gradc_add_bias_d(n, h, H, b1, H);            /* in place */
  gradc_relu_d(n * h, H, H);                   /* in place */
  gradc_gemm_d(0, 1, n, k, h, H, W2, Z);
  gradc_add_bias_d(n, k, Z, b2, Z);
  return gradc_cross_entropy_d(n, k, Z, labels);
}

GRADC_GRAD(wrt(W1, b1, W2, b2))
float mlpf(const float *W1, const float *b1, const float *W2, const float *b2,
           const float *X, const int *labels, int n, int d, int h, int k) {
  float H[n * h], Z[n * k];
  gradc_gemm_f(0, 1, n, h, d, X, W1, H);
  gradc_add_bias_f(n, h, H, b1, H);
  gradc_relu_f(n * h, H, H);
  gradc_gemm_f(0, 1, n, k, h, H, W2, Z);
  gradc_add_bias_f(n, k, Z, b2, Z);
  return gradc_cross_entropy_f(n, k, Z, labels);
}

GRADC_GRAD(wrt(A, w))
double regress(const double *A, const double *w, const double *x, const double *y, int m, int n) {
  double p[m], q[m], r[m];
  gradc_gemv_d(0, m, n, A, x, p);              /* p = A x */
  gradc_scale_d(m, w[0], p, q);
  gradc_sigmoid_d(m, q, r);
  double s = gradc_dot_d(m, r, r);
  return gradc_mse_d(m, r, y) + 0.1 * s + gradc_sum_d(m, q) * w[1];
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double mlp_grad(const double *W1, double *W1_bar, const double *b1, double *b1_bar, const double *W2,
                double *W2_bar, const double *b2, double *b2_bar, const double *X, const int *labels,
                int n, int d, int h, int k);
float mlpf_grad(const float *W1, float *W1_bar, const float *b1, float *b1_bar, const float *W2,
                float *W2_bar, const float *b2, float *b2_bar, const float *X, const int *labels,
                int n, int d, int h, int k);
double regress_grad(const double *A, double *A_bar, const double *w, double *w_bar, const double *x,
                    const double *y, int m, int n);

enum { N = 5, D = 4, H = 3, K = 3, NP = H * D + H + K * H + K };
static double X[N * D];
static const int LABELS[N] = {0, 2, 1, 1, 0};

static double eval_mlp(const double *p) {
  return mlp(p, p + H * D, p + H * D + H, p + H * D + H + K * H, X, LABELS, N, D, H, K);
}
static void grad_mlp(const double *p, double *g) {
  mlp_grad(p, g, p + H * D, g + H * D, p + H * D + H, g + H * D + H, p + H * D + H + K * H,
           g + H * D + H + K * H, X, LABELS, N, D, H, K);
}

static const double XR[3] = {0.5, -1.0, 0.8}, YR[2] = {0.3, 0.6};
static double eval_reg(const double *p) { return regress(p, p + 6, XR, YR, 2, 3); }
static void grad_reg(const double *p, double *g) { regress_grad(p, g, p + 6, g + 6, XR, YR, 2, 3); }

int main(void) {
  for (int i = 0; i < N * D; i++) X[i] = 0.1 * ((i * 7) % 11) - 0.5;
  double p[NP];
  for (int i = 0; i < NP; i++) p[i] = 0.05 * ((i * 13) % 17) - 0.4;
  check_gradient("mlp", eval_mlp, grad_mlp, p, NP, 1e-8);

  /* float: to float accuracy against the double gradient */
  float pf[NP], gf[NP] = {0}, Xf[N * D];
  double g[NP] = {0};
  for (int i = 0; i < NP; i++) pf[i] = (float)p[i];
  for (int i = 0; i < N * D; i++) Xf[i] = (float)X[i];
  grad_mlp(p, g);
  mlpf_grad(pf, gf, pf + H * D, gf + H * D, pf + H * D + H, gf + H * D + H, pf + H * D + H + K * H,
            gf + H * D + H + K * H, Xf, LABELS, N, D, H, K);
  for (int i = 0; i < NP; i++) CHECK_CLOSE(gf[i], g[i], 1e-4);

  double q[8] = {0.2, -0.3, 0.5, 0.1, 0.4, -0.6, 1.3, 0.7};
  check_gradient("regress", eval_reg, grad_reg, q, 8, 1e-9);
  return check_done("kernels");
}
#endif
