/* A wrt array passed to a function that may write it: its reverse sweep
 * would restart the adjoints at zero and lose what the caller accumulated. */
#include <gradc.h>

static void scale(double *v) { v[0] = 2 * v[0]; }

GRADC_GRAD(wrt(x))
double f(double *x) {
  scale(x); // expect-error: may write the wrt array 'x'
  return x[0] * x[0];
}
