/* wrt(...) naming a pointer-to-integer parameter: never active. */
#include <gradc.h>

GRADC_GRAD(wrt(x, idx))
double f(const double *x, const int *idx) { // expect-error: 'idx' in wrt(...) has type 'const int *'
  return x[idx[0]] * x[idx[1]];
}
