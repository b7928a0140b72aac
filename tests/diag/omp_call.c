/* A call whose adjoint adds into shared memory in a runtime routine, inside
 * a parallel loop: not synchronised yet, so refused. */
// gradc-args: -- -fopenmp
#include <gradc.h>
#include <string.h>

GRADC_GRAD(wrt(x), out(y))
void f(const double *x, double *y, int n) {
#pragma omp parallel for
  for (int i = 0; i < n; i++) memcpy(&y[2 * i], &x[i], 2 * sizeof *x); // expect-error: cannot yet differentiate 'memcpy' inside a parallel loop
}
