/* OpenMP constructs gradc does not differentiate yet are located errors:
 * other directives, clauses and reduction operators. */
// gradc-args: -- -fopenmp
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(const double *x, int n) {
  double s = 0, m = 1;
#pragma omp parallel for reduction(*:m) // expect-error: gradc differentiates reduction(+:...) only; '*' is not supported yet
  for (int i = 0; i < n; i++) m *= x[i];
#pragma omp parallel for lastprivate(s) // expect-error: does not support the clause 'lastprivate' on a parallel loop yet
  for (int i = 0; i < n; i++) s = x[i];
#pragma omp parallel // expect-error: cannot differentiate '#pragma omp parallel' yet
  {
    s += m;
  }
  for (int i = 0; i < n; i++) {
#pragma omp critical // expect-error: cannot differentiate '#pragma omp critical' yet
    s += x[i];
  }
#pragma omp barrier // expect-error: cannot differentiate '#pragma omp barrier' yet
  return s + m;
}
