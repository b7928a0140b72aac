/* wrt(...) naming something that is not a parameter of the function. */
#include <gradc.h>

GRADC_GRAD(wrt(z))
double f(double x) { // expect-error: 'z' in wrt(...) is not a parameter of 'f'
  return x * x;
}
