/* The Hessian of a function whose state buffer carries derivatives but is
 * named in neither wrt nor out: refused where the gradient it builds on is
 * refused, never a NULL adjoint or tangent at run time (issue 15). */
#include <math.h>
#include <gradc.h>

static void step(const double *w, double *state, int n) {
  for (int i = 0; i < n; i++) state[i] = tanh(w[i] * state[i] + 0.1);
}

GRADC_HESSIAN(wrt(w))
double f(const double *w, double *state, int n) { // expect-error: parameter 'state' holds values that depend on the differentiated inputs and influence the result, but has no adjoint
  for (int t = 0; t < 3; t++) step(w, state, n);
  double s = 0;
  for (int i = 0; i < n; i++) s += state[i] * state[i];
  return s;
}
