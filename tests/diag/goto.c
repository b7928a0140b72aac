/* A backward 'goto' is refused: it makes a loop that the reverse sweep
 * cannot replay (forward gotos are lowered to flags, as break is). */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) {
  double y = x;
again:
  y = y * x;
  if (y < 10) goto again; // expect-error: cannot differentiate through a backward 'goto'
  return y;
}
