/* model.c: the loss of a small network built from layers.c's dense layer. */
#include <gradc.h>

#include "layers.h"
#include "model.h"

GRADC_GRAD(wrt(p))
double loss(const double *p, const double *xs, const double *ys, int n) {
  const double *W1 = p, *b1 = p + HIDDEN, *W2 = p + 2 * HIDDEN, *b2 = p + 3 * HIDDEN;
  double total = 0;
  for (int k = 0; k < n; k++) {
    double h[HIDDEN], y[1];
    dense(W1, b1, &xs[k], h, HIDDEN, 1, ACT_TANH);
    dense(W2, b2, h, y, 1, HIDDEN, ACT_LINEAR);
    double d = y[0] - ys[k];
    total += d * d;
  }
  return total / n;
}
