/* A GRADC_WRITES count gradc cannot read is refused where it is written. */
#include <gradc/kernels.h>

void fill_rev(int n, double *y, double *y_bar);
GRADC_CUSTOM_GRAD(fill_rev) GRADC_WRITES(y, n +) void fill(int n, double *y); // expect-error: gradc cannot read the count 'n +' of GRADC_WRITES

GRADC_GRAD(wrt(x))
double f(double x) {
  double y[2] = {x, x};
  fill(2, y);
  return y[0] * x;
}
