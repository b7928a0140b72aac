/* mlp.c: a dense two-layer network, plain loops.
 *
 * X[B][IN] inputs, labels[B]; W1[H][IN], b1[H], W2[OUT][H], b2[OUT].
 * Returns the mean over the batch of the softmax cross-entropy of
 * W2 relu(W1 x + b1) + b2. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

GRADC_GRAD(wrt(W1, b1, W2, b2))
double mlp_loss(int B, int IN, int H, int OUT, const double *W1, const double *b1,
                const double *W2, const double *b2, const double *X, const int *labels) {
  double *h = malloc(H * sizeof(double));
  double *z = malloc(OUT * sizeof(double));
  double loss = 0.0;
  for (int s = 0; s < B; s++) {
    const double *x = X + s * IN;
    for (int j = 0; j < H; j++) {
      double a = b1[j];
      for (int i = 0; i < IN; i++) a += W1[j * IN + i] * x[i];
      h[j] = a > 0.0 ? a : 0.0;
    }
    double mx = -INFINITY;
    for (int k = 0; k < OUT; k++) {
      double a = b2[k];
      for (int j = 0; j < H; j++) a += W2[k * H + j] * h[j];
      z[k] = a;
      if (a > mx) mx = a;
    }
    double se = 0.0;
    for (int k = 0; k < OUT; k++) se += exp(z[k] - mx);
    loss += log(se) + mx - z[labels[s]];
  }
  free(h);
  free(z);
  return loss / B;
}
