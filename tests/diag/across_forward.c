/* Forward mode through a function of another file. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double cube(double x);

GRADC_JVP(wrt(x))
double f(double x) {
  return cube(x) + x; // expect-error: gradc calls across files in reverse mode (GRADC_GRAD) only
}
