/* A custom gradient with a wrong derivative: d(x^3)/dx is 3x^2, not 2x^2.
 * verify must report FAIL rows and exit 1. */
#include <gradc.h>

double cube_rev(double x, double *x_bar, double ret_bar);

GRADC_CUSTOM_GRAD(cube_rev)
double cube(double x) { return x * x * x; }

double cube_rev(double x, double *x_bar, double ret_bar) {
  *x_bar += ret_bar * 2 * x * x;   /* wrong on purpose */
  return x * x * x;
}

GRADC_GRAD(wrt(w))
double energy(const double *w, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += cube(w[i]) + w[i];
  return s;
}
