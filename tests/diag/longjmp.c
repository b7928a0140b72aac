/* longjmp is refused: a non-local jump skips the reverse sweep. */
#include <setjmp.h>
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x, jmp_buf env) {
  double y = x * x;
  if (y > 4) longjmp(env, 1); // expect-error: cannot differentiate through 'longjmp'
  return y;
}
