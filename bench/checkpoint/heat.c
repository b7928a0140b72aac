/* The 1-D heat equation of issue 14's benchmark: n points, explicit steps
 * with a nonlinear source, buffers from malloc swapped each step. heat() is
 * checkpointed with snaps snapshots (0: gradc chooses); heat_taped() is the
 * same loop, recorded step by step. */
#include <gradc.h>
#include <math.h>
#include <stdlib.h>

GRADC_GRAD(wrt(u0, k))
double heat(const double *u0, double k, int n, int steps, int snaps) {
  double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v);
  for (int i = 0; i < n; i++) u[i] = u0[i];
  GRADC_CHECKPOINT(snaps);
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++) v[i] = u[i] + k * (u[i - 1] - 2 * u[i] + u[i + 1]) + 0.01 * sin(u[i]);
    v[0] = u[0];
    v[n - 1] = u[n - 1];
    double *tmp = u;
    u = v;
    v = tmp;
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += u[i] * u[i];
  free(u);
  free(v);
  return s;
}

GRADC_GRAD(wrt(u0, k))
double heat_taped(const double *u0, double k, int n, int steps) {
  double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v);
  for (int i = 0; i < n; i++) u[i] = u0[i];
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++) v[i] = u[i] + k * (u[i - 1] - 2 * u[i] + u[i + 1]) + 0.01 * sin(u[i]);
    v[0] = u[0];
    v[n - 1] = u[n - 1];
    double *tmp = u;
    u = v;
    v = tmp;
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += u[i] * u[i];
  free(u);
  free(v);
  return s;
}
