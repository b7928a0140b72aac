/* model.c: the energy of a chain of springs, annotated for gradc.
 *
 * Mass i sits at horizontal position x[i], each one SAG below the one before.
 * The spring between masses i and i+1 has length
 *   d_i = sqrt((x[i+1] - x[i])^2 + SAG^2)
 * and the energy is  E(x) = sum_i k/2 (d_i - REST_LENGTH)^2.
 * GRADC_GRAD(wrt(x)) asks for energy_grad, which returns E(x) and adds
 * dE/dx[i] to x_bar[i]. */
#include <math.h>
#include <gradc.h>
#include "params.h"

GRADC_GRAD(wrt(x))
double energy(const double *x, int n);

double energy(const double *x, int n) {
  double e = 0;
  for (int i = 0; i + 1 < n; i++) {
    double dx = x[i + 1] - x[i];
    double d = sqrt(dx * dx + SAG * SAG);
    e += 0.5 * STIFFNESS * (d - REST_LENGTH) * (d - REST_LENGTH);
  }
  return e;
}
