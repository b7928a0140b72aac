/* layers.c: the layers a model is built from. */
#include <math.h>

#include "layers.h"

void dense(const double *W, const double *b, const double *x, double *h, int n_out, int n_in, int act) {
  for (int i = 0; i < n_out; i++) {
    const double *row = W + (size_t)i * n_in;
    double s = b[i];
    for (int j = 0; j < n_in; j++) s += row[j] * x[j];
    h[i] = act == ACT_TANH ? tanh(s) : s;
  }
}
