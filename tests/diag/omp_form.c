/* A parallel loop whose iterations gradc cannot count and chunk: not
 * OpenMP's canonical form. */
// gradc-args: -- -fopenmp
#include <gradc.h>

GRADC_GRAD(wrt(x), out(y))
void f(const double *x, double *y, int n) {
#pragma omp parallel for // expect-error: parallel loops of OpenMP's canonical form
  for (int i = 0; i < n; i = i * 2 + 1) y[i] = x[i] * x[i];
}
