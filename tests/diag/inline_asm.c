/* Inline assembly is refused: gradc cannot see what it computes. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) {
  double y = x * x;
  __asm__ volatile("" : "+x"(y)); // expect-error: cannot differentiate through inline assembly
  return y;
}
