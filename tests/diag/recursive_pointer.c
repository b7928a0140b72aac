/* A recursive function (kept as a forward/reverse pair, not inlined) whose
 * reverse sweep would need a pointer it computed: the pointer may address a
 * frame that has returned, so gradc refuses rather than guess. */
#include <gradc.h>

static double rsum(const double *x, int n) {
  if (n == 0) return 0;
  const double *p = x + 1; // expect-error: cannot yet record the pointer 'p' in the recursive function 'rsum'
  return x[0] * x[0] + rsum(p, n - 1);
}

GRADC_GRAD(wrt(x))
double f(const double *x) { return rsum(x, 3); }
