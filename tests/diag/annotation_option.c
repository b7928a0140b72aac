/* An unknown option in the annotation is an error, not ignored. */
#include <gradc.h>

GRADC_GRAD(wrt(x), respect(y))
double f(double x, double y) { // expect-error: unknown option 'respect' in the annotation of 'f'
  return x * y;
}
