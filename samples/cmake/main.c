/* main.c: the gradient gradc generated from model.c, next to central finite
 * differences of energy(). Exits 1 when they disagree, as they would if the
 * build had not regenerated model_grad.c after a change to params.h. */
#include <math.h>
#include <stdio.h>
#include <gradc.h>
#include "params.h"
#include "model_grad.h"   /* written by gradc --header: energy_grad */

double energy(const double *x, int n);   /* model.c */

int main(void) {
  enum { N = SPRINGS_N };
  double x[N], x_bar[N];
  for (int i = 0; i < N; i++) x[i] = 0.8 * i + 0.1 * sin(3.0 * i);

  gradc_zero(x_bar, N);   /* gradients accumulate: start from zero */
  double e = energy_grad(x, x_bar, N);
  printf("energy = %.12g (k = %g, %d masses)\n", e, STIFFNESS, N);
  printf("%8s %20s %20s %10s\n", "", "gradc", "finite differences", "rel. diff");
  int bad = 0;
  for (int i = 0; i < N; i++) {
    const double h = 1e-6, keep = x[i];
    x[i] = keep + h;
    double up = energy(x, N);
    x[i] = keep - h;
    double down = energy(x, N);
    x[i] = keep;
    double fd = (up - down) / (2 * h);
    double rel = fabs(x_bar[i] - fd) / fmax(fabs(fd), 1e-8);
    printf("dE/dx[%d] %20.12g %20.12g %10.1e\n", i, x_bar[i], fd, rel);
    if (!(rel < 1e-6)) bad = 1;
  }
  if (bad) {
    printf("MISMATCH: the gradient disagrees with finite differences\n");
    return 1;
  }
  printf("ok: the gradient agrees with finite differences\n");
  return 0;
}
