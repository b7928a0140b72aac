/* model.c: a two-layer perceptron and its loss, written with the gradc
 * kernels (gradc/kernels.h) and annotated for gradc.
 *
 *   H      = relu(X W1^T + b1)        n x h, the hidden layer
 *   logits = H W2^T + b2              n x k, one score per class
 *   loss   = mean_i -log softmax(logits)[i, labels[i]]
 *
 * GRADC_GRAD(wrt(W1, b1, W2, b2)) asks gradc for mlp_loss_d_grad: in the
 * reverse sweep it calls each kernel's adjoint (gemm's, add_bias's, ...).
 * The bias and relu work in place, which those kernels allow. The float
 * model is the same code with the _f kernels. Under gcc the annotations
 * expand to nothing: this file compiles as it is, and the build links it
 * with model_grad.c. */
#include <gradc.h>
#include <gradc/kernels.h>
#include "model.h"

GRADC_GRAD(wrt(W1, b1, W2, b2))
double mlp_loss_d(const double *W1, const double *b1, const double *W2, const double *b2,
                  const double *X, const int *labels, int n, int d, int h, int k) {
  double H[n * h], Z[n * k];
  gradc_gemm_d(0, 1, n, h, d, X, W1, H); /* H = X W1^T */
  gradc_add_bias_d(n, h, H, b1, H);      /* H += b1, in place */
  gradc_relu_d(n * h, H, H);             /* H = relu(H), in place */
  gradc_gemm_d(0, 1, n, k, h, H, W2, Z); /* Z = H W2^T */
  gradc_add_bias_d(n, k, Z, b2, Z);      /* Z += b2 */
  return gradc_cross_entropy_d(n, k, Z, labels);
}

GRADC_GRAD(wrt(W1, b1, W2, b2))
float mlp_loss_f(const float *W1, const float *b1, const float *W2, const float *b2,
                 const float *X, const int *labels, int n, int d, int h, int k) {
  float H[n * h], Z[n * k];
  gradc_gemm_f(0, 1, n, h, d, X, W1, H);
  gradc_add_bias_f(n, h, H, b1, H);
  gradc_relu_f(n * h, H, H);
  gradc_gemm_f(0, 1, n, k, h, H, W2, Z);
  gradc_add_bias_f(n, k, Z, b2, Z);
  return gradc_cross_entropy_f(n, k, Z, labels);
}

/* The forward pass alone, for predictions: not annotated, not differentiated. */
void mlp_logits_d(const double *W1, const double *b1, const double *W2, const double *b2,
                  const double *X, double *logits, int n, int d, int h, int k) {
  double H[n * h];
  gradc_gemm_d(0, 1, n, h, d, X, W1, H);
  gradc_add_bias_d(n, h, H, b1, H);
  gradc_relu_d(n * h, H, H);
  gradc_gemm_d(0, 1, n, k, h, H, W2, logits);
  gradc_add_bias_d(n, k, logits, b2, logits);
}

void mlp_logits_f(const float *W1, const float *b1, const float *W2, const float *b2,
                  const float *X, float *logits, int n, int d, int h, int k) {
  float H[n * h];
  gradc_gemm_f(0, 1, n, h, d, X, W1, H);
  gradc_add_bias_f(n, h, H, b1, H);
  gradc_relu_f(n * h, H, H);
  gradc_gemm_f(0, 1, n, k, h, H, W2, logits);
  gradc_add_bias_f(n, k, logits, b2, logits);
}
