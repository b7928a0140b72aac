/* model.c: the code you want gradients of, annotated for gradc.
 *
 * A small model with three weights,
 *   m(x) = w[0] * exp(-w[1] * x) + w[2] * sin(x),
 * and its least-squares loss over n data points (x[i], y[i]):
 *   loss(w) = 1/(2n) * sum_i (m(x[i]) - y[i])^2.
 * GRADC_GRAD(wrt(w)) asks gradc for loss_grad, which returns the loss and adds
 * d loss / d w[j] to w_bar[j]. Under gcc the annotation expands to nothing, so
 * this file compiles unchanged, and the build links it with model_grad.c. */
#include <math.h>
#include <gradc.h>

GRADC_GRAD(wrt(w))
double loss(const double *w, const double *x, const double *y, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    double m = w[0] * exp(-w[1] * x[i]) + w[2] * sin(x[i]);
    double r = m - y[i];
    s += r * r;
  }
  return 0.5 * s / n;
}
