/* A called function overwrites memory that the caller's reverse sweep reads
 * (x[0] in x[0] * x[0]). If the callee saved only what its own partials
 * need, the caller would see the new value: a callee saves every overwrite
 * of memory behind its pointer parameters. */
#include <gradc.h>

static void scale(double *x) { x[0] = 2 * x[0]; }

GRADC_GRAD(wrt(x))
double callee_overwrites(double *x) {
  double y = x[0] * x[0];
  scale(x);
  return y + x[0];
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double callee_overwrites_grad(double *x, double *x_bar);

int main(void) {
  double x[1] = {1.5}, g[1] = {0};
  callee_overwrites_grad(x, g);
  CHECK_CLOSE(g[0], 2 * 1.5 + 2, 1e-15);
  CHECK_CLOSE(x[0], 3.0, 1e-15);   /* x is updated as by the function */
  return check_done("issue-3-callee-overwrites");
}
#endif
