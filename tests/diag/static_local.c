/* A static local that carries derivatives from one call to the next: state
 * kept between calls stops gradients. The error points at the variable. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x) {
  static double acc; // expect-error: static variable 'acc'
  acc = acc + x * x;
  return acc;
}
