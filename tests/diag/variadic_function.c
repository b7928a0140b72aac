/* A variadic function cannot be differentiated: its extra arguments have
 * no names or types. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x, ...) { // expect-error: cannot differentiate the variadic function 'f'
  return x * x;
}
