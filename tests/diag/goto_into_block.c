/* A 'goto' into a block (here the body of an if) is refused: only forward
 * jumps to a label in the same block or an enclosing one are lowered. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) {
  double y = x * x;
  if (y > 1) goto inside; // expect-error: cannot differentiate through a 'goto' into a block
  y = y + x;
  if (x > 0) {
  inside:
    y = y * x;
  }
  return y;
}
