/* mlp_blas.c: the network of mlp.c written with gradc's BLAS-backed runtime
 * kernels (gradc/kernels.h): two gemm, bias, relu and cross-entropy kernels on
 * whole batches. Built and run only when the runtime provides the kernels. */
#include <stdlib.h>
#include <gradc.h>
#include <gradc/kernels.h>

GRADC_GRAD(wrt(W1, b1, W2, b2))
double mlp_blas_loss(int B, int IN, int H, int OUT, const double *W1, const double *b1,
                     const double *W2, const double *b2, const double *X, const int *labels) {
  double *a1 = malloc(B * H * sizeof(double));
  double *z1 = malloc(B * H * sizeof(double));
  double *h = malloc(B * H * sizeof(double));
  double *a2 = malloc(B * OUT * sizeof(double));
  double *z2 = malloc(B * OUT * sizeof(double));
  gradc_gemm_d(0, 1, B, H, IN, X, W1, a1);
  gradc_add_bias_d(B, H, a1, b1, z1);
  gradc_relu_d(B * H, z1, h);
  gradc_gemm_d(0, 1, B, OUT, H, h, W2, a2);
  gradc_add_bias_d(B, OUT, a2, b2, z2);
  double loss = gradc_cross_entropy_d(B, OUT, z2, labels);
  free(a1); free(z1); free(h); free(a2); free(z2);
  return loss;
}
