/* wrt(...) naming an integer parameter: nothing to differentiate. The error
 * points at the parameter. */
#include <gradc.h>

GRADC_GRAD(wrt(x, n))
double f(double x, int n) { // expect-error: 'n' in wrt(...) has type 'int'
  return x * n;
}
