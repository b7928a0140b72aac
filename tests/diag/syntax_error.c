/* A syntax error in the user's code is reported like a compiler's, with
 * its location, and nothing is generated. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) {
  double y = x * x // expect-error: expected ';'
  return y;
}
