/* A helper whose input and output are the same array of the caller, walked
 * by pointers the helper assigns (so inlining copies them): the adjoint of
 * *out = *a * *a - m must take out's adjoint before it flows to a's, which
 * is the same memory (found by tests/difftest: the gradient was 0). */
#include <gradc.h>

static void sub(const double *a, double m, double *out, int n) {
  for (int i = 0; i < n; i++) {
    *out = *a * *a - m;
    out++;
    a++;
  }
}

/* a scalar read through a pointer to it */
GRADC_GRAD(wrt(x))
double f(const double *x) {
  double t[3] = {x[0], x[1], x[2]};
  sub(t, x[2] * x[2], t, 3);
  double y = x[0], *p = &y;
  y = *p * 3;
  return t[0] * t[1] + t[2] + y;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double f_grad(const double *x, double *x_bar);

int main(void) {
  double x[3] = {0.7, -1.3, 0.4}, g[3] = {0, 0, 0};
  f_grad(x, g);
  /* f = (x0^2 - x2^2)(x1^2 - x2^2) + (x2^2 - x2^2) + 3 x0 */
  double a = x[0] * x[0] - x[2] * x[2], b = x[1] * x[1] - x[2] * x[2];
  CHECK_CLOSE(g[0], 2 * x[0] * b + 3, 1e-14);
  CHECK_CLOSE(g[1], 2 * x[1] * a, 1e-14);
  CHECK_CLOSE(g[2], -2 * x[2] * b - 2 * x[2] * a, 1e-14);
  return check_done("issue-11-alias-through-params");
}
#endif
