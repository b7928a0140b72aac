/* 'goto' (and the label it jumps to) is refused: the reverse sweep replays
 * structured control flow only. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) {
  double y = x * x;
  if (y > 1) goto out; // expect-error: cannot differentiate through 'goto'
  y = y * x;
out: // expect-error: cannot differentiate through labels
  return y;
}
