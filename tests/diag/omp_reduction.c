/* A reduction variable that the loop reads for something else than its
 * sum: its adjoint would not be the reduction's. */
// gradc-args: -- -fopenmp
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(const double *x, int n) {
  double s = 1;
#pragma omp parallel for reduction(+:s) // expect-error: differentiates reduction(+:s) when the loop only adds to 's'
  for (int i = 0; i < n; i++) s += x[i] * s;
  return s;
}
