/* A call with active arguments to a function that has no definition in the
 * file and no derivative rule: no derivative is known. */
#include <gradc.h>

double mystery(double);

GRADC_GRAD(wrt(x))
double f(double x) {
  return mystery(x * x); // expect-error: cannot differentiate 'mystery': no definition in this file and no derivative rule
}
