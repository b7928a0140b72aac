/* A long double value that the reverse sweep must save before it is
 * overwritten: the tape has no long double entries. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) {
  long double t = x;
  t = t * t; // expect-error: cannot save a value of type 'long double' on the tape
  return (double)(t * t);
}
