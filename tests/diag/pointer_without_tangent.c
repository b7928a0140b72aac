/* Forward mode: a state buffer read and overwritten by the function (the
 * usual shape of a recurrent model), named in neither wrt nor out, carries
 * derivatives. Its tangent would be a buffer the caller did not pass: gradc
 * refuses, as reverse mode does, instead of handing a NULL tangent to the
 * code that reads it. */
#include <math.h>
#include <gradc.h>

static void step(const double *w, double *state, int n) {
  for (int i = 0; i < n; i++) state[i] = tanh(w[i] * state[i] + 0.1);
}

GRADC_JVP(wrt(w))
double f(const double *w, double *state, int n) { // expect-error: parameter 'state' holds values that depend on the differentiated inputs and influence the result, but has no tangent
  for (int t = 0; t < 3; t++) step(w, state, n);
  double s = 0;
  for (int i = 0; i < n; i++) s += state[i] * state[i];
  return s;
}
