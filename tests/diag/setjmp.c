/* setjmp is refused: a non-local jump skips the reverse sweep's bookkeeping.
 * (glibc's setjmp is a macro for _setjmp; the message may name either.) */
#include <setjmp.h>
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x, jmp_buf env) {
  double y = x * x;
  if (setjmp(env)) // expect-error: setjmp': non-local jumps break the reverse sweep
    return y;
  return y * x;
}
