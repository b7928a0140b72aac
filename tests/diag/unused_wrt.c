/* A wrt parameter that the result does not depend on gets a zero gradient
 * and a warning (the "None gradient" case); gradc still succeeds. */
#include <gradc.h>

GRADC_GRAD(wrt(x, w))
double f(double x, double w) { // expect-warning: the result of 'f' does not depend on 'w'
  return x * x;
}
