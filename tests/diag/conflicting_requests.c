/* Two annotations of one function that ask for different gradients. */
#include <gradc.h>

GRADC_GRAD(wrt(x))
double f(double x, double y);

GRADC_GRAD(wrt(y))
double f(double x, double y) { return x * y; } // expect-error: conflicting requests for 'f'
