/* A small layer with an output array and no annotation: verify takes
 * --wrt/--out from its command line and checks <v, y>. */
#include <math.h>

void layer(const double *w, const double *b, const double *x, double *y, int n, int m) {
  for (int i = 0; i < m; i++) {
    double s = b[i];
    for (int j = 0; j < n; j++) s += w[i * n + j] * x[j];
    y[i] = s / (1 + exp(-s));
  }
}
