/* Found by gradc verify: a function with its own GRADC_JVP, called from
 * another GRADC_JVP function, got a forward-mode companion with the same
 * name as its public other_jvp (conflicting types or a redefinition). */
#include <math.h>
#include <gradc.h>

GRADC_JVP(wrt(x))
double other(double x, double y) { return sin(x) * y; }

GRADC_JVP(wrt(x, y))
double f(double x, double y) { return other(x, y) + other(y, x); }

#ifdef GRADCHECK_MAIN
#include "check.h"
double other_jvp(double x, double x_dot, double y, double *ret_dot);
double f_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);

int main(void) {
  double t;
  other_jvp(0.5, 1.0, 2.0, &t);
  CHECK_CLOSE(t, cos(0.5) * 2.0, 1e-15);
  f_jvp(0.5, 1.0, 2.0, 0.0, &t);   /* d/dx [sin(x) y + sin(y) x] */
  CHECK_CLOSE(t, cos(0.5) * 2.0 + sin(2.0), 1e-15);
  return check_done("issue-6-jvp-name-clash");
}
#endif
