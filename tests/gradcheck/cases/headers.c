/* Functions defined in a header the file includes (static inline helpers
 * with scratch malloc and a down-counting size_t loop), and names that a
 * macro pastes together, as ADBench-style C writes them. */
#include <gradc.h>
#include "header_helpers.h"

GRADC_JVP(wrt(x, a))
GRADC_GRAD(wrt(x, a))
double FN(objective)(const double *x, double a, int n) {
  double out[4];
  FN(scale)(x, a, out, (size_t)n);
  return log(1 + sqnorm(out, (size_t)n)) + 0.25 * hsum(out, (size_t)n);
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double hdr_objective_grad(const double *x, double *x_bar, double a, double *a_bar, int n);
double hdr_objective_jvp(const double *x, const double *x_dot, double a, double a_dot, int n, double *ret_dot);
static double eval(const double *q) { return hdr_objective(q, q[4], 4); }
static void grad(const double *q, double *g) { CHECK_CLOSE(hdr_objective_grad(q, g, q[4], &g[4], 4), eval(q), 1e-15); }
static double jvp(const double *q, const double *u) {
  double t;
  hdr_objective_jvp(q, u, q[4], u[4], 4, &t);
  return t;
}
int main(void) {
  double q[5] = {0.3, -0.7, 1.1, 0.2, 0.8};
  check_gradient("hdr_objective", eval, grad, q, 5, 1e-9);
  check_dot("hdr_objective", jvp, grad, q, 5, 1e-12);
  return check_failures ? 1 : 0;
}
#endif
