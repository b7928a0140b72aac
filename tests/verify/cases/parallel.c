/* A parallel stencil and a parallel reduction (verify -fopenmp: the
 * gradient stays parallel, built and linked with -fopenmp). */
#include <math.h>

double roughness(const double *u, double k, int n) {
  double s = 0;
#pragma omp parallel for reduction(+:s)
  for (int i = 1; i < n - 1; i++) {
    double d = u[i - 1] - 2 * u[i] + u[i + 1];
    s += k * d * d + sin(u[i]);
  }
  return s;
}
