/* mlp_hand.c: hand-written adjoint of kernels/mlp.c (same signature as the
 * generated mlp_loss_grad). Keeps the hidden activations of one sample. */
#include <math.h>
#include <stdlib.h>

double mlp_loss_hand(int B, int IN, int H, int OUT, const double *W1, double *W1_bar,
                     const double *b1, double *b1_bar, const double *W2, double *W2_bar,
                     const double *b2, double *b2_bar, const double *X, const int *labels) {
  double *h = malloc(H * sizeof(double));
  double *h_bar = malloc(H * sizeof(double));
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
    for (int k = 0; k < OUT; k++) {
      z[k] = exp(z[k] - mx);
      se += z[k];
    }
    loss += log(se) + mx - log(z[labels[s]]) - mx;
    /* reverse: dL/dz = (softmax - onehot) / B */
    for (int j = 0; j < H; j++) h_bar[j] = 0.0;
    for (int k = 0; k < OUT; k++) {
      double zb = (z[k] / se - (k == labels[s])) / B;
      b2_bar[k] += zb;
      for (int j = 0; j < H; j++) {
        W2_bar[k * H + j] += zb * h[j];
        h_bar[j] += zb * W2[k * H + j];
      }
    }
    for (int j = 0; j < H; j++) {
      if (h[j] > 0.0) {
        double ab = h_bar[j];
        b1_bar[j] += ab;
        for (int i = 0; i < IN; i++) W1_bar[j * IN + i] += ab * x[i];
      }
    }
  }
  free(h);
  free(h_bar);
  free(z);
  return loss / B;
}
