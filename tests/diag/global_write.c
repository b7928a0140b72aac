/* A value that depends on a wrt input written to a global: global state
 * stops gradients. (Writing inactive values, counters, is fine.) */
#include <gradc.h>

double last;
int ncalls;

GRADC_GRAD(wrt(x))
double f(double x) {
  ncalls = ncalls + 1;
  last = x * x; // expect-error: global state stops gradients
  return last * x;
}
