/* heat.c: explicit 1-D heat equation with variable conductivity.
 *
 * u[N] starts at u0; each of T steps computes
 *   v[i] = u[i] + r (kappa[i] (u[i+1] - u[i]) - kappa[i-1] (u[i] - u[i-1]))
 * (zero-flux ends) into a second buffer, and the buffers are swapped.
 * Returns sum (u_T - target)^2. Gradient wrt u0 and kappa[N-1]. */
#include <stdlib.h>
#include <gradc.h>

GRADC_GRAD(wrt(u0, kappa))
double heat(int N, int T, double r, const double *u0, const double *kappa, const double *target) {
  double *u = malloc(N * sizeof(double));
  double *v = malloc(N * sizeof(double));
  for (int i = 0; i < N; i++) u[i] = u0[i];
  for (int t = 0; t < T; t++) {
    v[0] = u[0] + r * kappa[0] * (u[1] - u[0]);
    for (int i = 1; i < N - 1; i++)
      v[i] = u[i] + r * (kappa[i] * (u[i + 1] - u[i]) - kappa[i - 1] * (u[i] - u[i - 1]));
    v[N - 1] = u[N - 1] - r * kappa[N - 2] * (u[N - 1] - u[N - 2]);
    double *tmp = u;
    u = v;
    v = tmp;
  }
  double s = 0.0;
  for (int i = 0; i < N; i++) s += (u[i] - target[i]) * (u[i] - target[i]);
  free(u);
  free(v);
  return s;
}
