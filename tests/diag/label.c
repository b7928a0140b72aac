/* A label is refused even when no 'goto' jumps to it. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) {
  double y = x * x;
again: // expect-error: cannot differentiate through labels
  y = y * x;
  return y;
}
