/* A called function overwrites memory that the caller's reverse sweep reads
 * (t[0] in t[0] * t[0]). If the callee saved only what its own partials
 * need, the caller would see the new value: a callee saves every overwrite
 * of memory behind its pointer parameters. */
#include <gradc.h>

static void scale(double *t) { t[0] = 2 * t[0]; }

GRADC_GRAD(wrt(x))
double callee_overwrites(const double *x) {
  double t[1] = {x[0]};
  double y = t[0] * t[0];
  scale(t);
  return y + t[0];
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double callee_overwrites_grad(const double *x, double *x_bar);

int main(void) {
  double x[1] = {1.5}, g[1] = {0};
  callee_overwrites_grad(x, g);
  CHECK_CLOSE(g[0], 2 * 1.5 + 2, 1e-15);
  return check_done("issue-3-callee-overwrites");
}
#endif
