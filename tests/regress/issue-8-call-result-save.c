/* Found by the differential tester (seed 23). For a1 = helper(.., a1 ..),
 * the forward sweep saved a1 before the call and the callee recorded on the
 * tape after it; the reverse sweep restored a1 first and so popped the
 * callee's entry. The old value is now saved after the call returns. */
#include <math.h>
#include <gradc.h>

static double helper1(double p, double q) {
  double r = p * q;
  r = tanh(r) + cos(q);
  return r * p;
}

GRADC_GRAD(wrt(x))
double f(const double *x) {
  double a1 = x[1], a2 = x[2] * x[3];
  a1 = helper1(sqrt(1.5 + sin(x[0])), atan(0.5 * a2 * tanh(a1)));
  return 0.5 * a1 + a2;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double f_grad(const double *x, double *x_bar);
static double eval(const double *p) { return f(p); }
static void grad(const double *p, double *g) { f_grad(p, g); }

int main(void) {
  double x[4] = {0.3, -0.7, 0.9, 0.4};
  check_gradient("call-result-save", eval, grad, x, 4, 1e-9);
  return check_done("issue-8-call-result-save");
}
#endif
