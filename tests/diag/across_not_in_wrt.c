/* A function of another file, annotated on its prototype: its derivative
 * with respect to x is not offered, but the call passes an x that carries
 * one. */
#include <gradc.h>

GRADC_GRAD(wrt(w), out(y))
void scale(const double *w, const double *x, double *y, int n);

GRADC_GRAD(wrt(w, x))
double f(const double *w, const double *x) {
  double y[3];
  scale(w, x, y, 3); // expect-error: add 'x' to wrt(...) there
  return y[0] + y[1] + y[2];
}
