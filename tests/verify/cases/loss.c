/* A least-squares loss with a regulariser: loops, arrays, libm calls, a
 * branch, and a main of its own (verify renames it). */
#include <gradc.h>
#include <math.h>
#include <stdio.h>

GRADC_GRAD(wrt(w, lambda))
double loss(const double *w, double lambda, const double *x, const double *t, int n, int m) {
  double s = 0;
  for (int i = 0; i < m; i++) {
    double p = 0;
    for (int j = 0; j < n; j++) p += w[j] * x[i * n + j];
    double r = tanh(p) - t[i];
    s += r > 0 ? r * r : 0.5 * r * r;
  }
  double reg = 0;
  for (int j = 0; j < n; j++) reg += w[j] * w[j];
  return s / m + lambda * sqrt(reg);
}

int main(void) {
  double w[2] = {0.1, 0.2}, x[2] = {1, 2}, t[1] = {0};
  printf("%g\n", loss(w, 0.5, x, t, 2, 1));
  return 0;
}
