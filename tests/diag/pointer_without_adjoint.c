/* A pointer parameter that carries derivatives but is in neither wrt(...)
 * nor out(...): it would need an adjoint buffer the caller did not pass. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x, double *tmp) { // expect-error: parameter 'tmp' holds values that depend on the differentiated inputs
  tmp[0] = x * x;
  return tmp[0] * x;
}
