/* A file-scope static that is not const: the generated file, a separate
 * translation unit, cannot see it. */
#include <gradc.h>

static double cache;

GRADC_GRAD(wrt(x))
double f(double x) {
  cache = x * x; // expect-error: static variable 'cache' of this file is not visible from the generated file
  return cache;
}
