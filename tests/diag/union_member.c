/* A union member holding an active value is refused: a union may
 * reinterpret the bits of a floating value. Both the write and the read of
 * the member are reported. */
#include <gradc.h>

union num { double d; long bits; };

GRADC_GRAD(wrt(x))
double f(double x) {
  union num u;
  u.d = x * x; // expect-error: union member 'd'
  return u.d; // expect-error: union member 'd'
}
