/* A variable declared before a parallel loop and assigned in it is shared
 * by the threads: a data race, refused (declare it in the loop, or name it
 * in private(...) or reduction(+:...)). */
// gradc-args: -- -fopenmp
#include <gradc.h>

GRADC_GRAD(wrt(x), out(y))
void f(const double *x, double *y, int n) {
  double t = 0;
#pragma omp parallel for // expect-error: 't' is shared by the threads of this parallel loop and assigned in it
  for (int i = 0; i < n; i++) {
    t = x[i] * x[i];
    y[i] = t;
  }
}
