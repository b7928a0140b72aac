/* A call through a function pointer with an active argument is refused:
 * gradc must see the callee to differentiate it. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x, double (*g)(double)) {
  return g(x * x); // expect-error: call through a function pointer with active arguments
}
