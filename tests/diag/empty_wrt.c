/* An annotation without wrt(...) names nothing to differentiate. */
#include <gradc.h>

GRADC_GRAD(wrt())
double f(double x) { // expect-error: GRADC_GRAD on 'f' needs wrt(...)
  return x * x;
}
