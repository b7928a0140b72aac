/* Found by tests/edge: in forward mode the tangent of c ? a : b lost its
 * parentheses as an operand of +, so s += v > 0 ? x * x : 0 read as
 * (s_dot + (v > 0)) ? ... : 0 (wrong tangents); and pow(x, 0) at x = 0 gave
 * 0 * inf = NaN for its derivative with respect to x. */
#include <math.h>
#include <gradc.h>

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double f(double x, double v) {
  double s = x;
  s += v > 0 ? x * x : 0.0;
  if (v > 1) s += 1;
  return s + pow(x, 0.0) + pow(x, 2.0);
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double f_jvp(double x, double x_dot, double v, double *ret_dot);
double f_grad(double x, double *x_bar, double v);

int main(void) {
  const double vs[3] = {2, 0.5, -1};
  for (int k = 0; k < 3; k++) {
    double t, g = 0;
    f_jvp(1.0, 1.0, vs[k], &t);
    f_grad(1.0, &g, vs[k]);
    double want = 1 + (vs[k] > 0 ? 2.0 : 0.0) + 2.0;
    CHECK_CLOSE(t, want, 1e-15);
    CHECK_CLOSE(g, want, 1e-15);
  }
  double t, g = 0;
  f_jvp(0.0, 1.0, -1, &t);
  f_grad(0.0, &g, -1);
  CHECK_CLOSE(t, 1.0, 0);   /* d/dx [x + x^0 + x^2] at 0: no NaN */
  CHECK_CLOSE(g, 1.0, 0);
  return check_done("issue-8-jvp-conditional");
}
#endif
