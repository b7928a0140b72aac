/* An array wrt parameter that the result does not depend on: a warning, and
 * its gradient stays zero. */
#include <gradc.h>

GRADC_GRAD(wrt(x, w))
double f(const double *x, const double *w, int n) { // expect-warning: the result of 'f' does not depend on 'w'
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}
