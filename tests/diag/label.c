/* A backward 'goto' out of a loop to a label before it is refused too;
 * a label that no goto jumps to, and a forward goto, are accepted. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x, int n) {
  double y = x * x;
unused:
  y = y * x;
retry:
  for (int i = 0; i < n; i++) {
    if (y > 100) goto done;
    y = y * 1.5;
    if (y < 0) goto retry; // expect-error: cannot differentiate through a backward 'goto' (to 'retry' on line 10)
  }
done:
  return y;
}
