/* bench/openmp/loops.c: three parallel loops whose gradients
 * bench/openmp/run.sh times at 1 and 2 threads.
 *   energy:  a reduction(+:...) over 2 million terms with libm calls; each
 *            iteration owns its adjoint element (no atomics);
 *   smooth:  a stencil with independent outputs, reading its neighbours
 *            (their adjoints are added with '#pragma omp atomic');
 *   heat:    such a stencil inside a serial loop of time steps, through a
 *            helper function (a parallel region per step, in each sweep);
 *   logistic: a logistic loss over 200,000 samples of 20 features, which all
 *            read the weights (their adjoint: a buffer per thread). */
#include <gradc.h>
#include <math.h>
#include <stdlib.h>

GRADC_GRAD(wrt(x, a))
double energy(const double *x, double a, int n) {
  double s = 0;
#pragma omp parallel for reduction(+:s)
  for (int i = 0; i < n; i++) {
    double t = sin(a * x[i]) * exp(-0.1 * x[i] * x[i]);
    s += t * t + log(1 + x[i] * x[i]);
  }
  return s;
}

GRADC_GRAD(wrt(x), out(y))
void smooth(const double *x, double *y, int n) {
#pragma omp parallel for
  for (int i = 1; i < n - 1; i++) y[i] = tanh(x[i - 1] - 2 * x[i] + x[i + 1]) + exp(-x[i] * x[i]);
  y[0] = x[0];
  y[n - 1] = x[n - 1];
}

static void step(const double *u, double *v, int n, double k) {
#pragma omp parallel for
  for (int i = 1; i < n - 1; i++) v[i] = u[i] + k * (u[i - 1] - 2 * u[i] + u[i + 1]) + 0.01 * sin(u[i]);
  v[0] = u[0];
  v[n - 1] = u[n - 1];
}

GRADC_GRAD(wrt(u0, k))
double heat(const double *u0, double k, int n, int steps) {
  double *u = malloc((size_t)n * sizeof *u), *v = malloc((size_t)n * sizeof *v);
  for (int i = 0; i < n; i++) u[i] = u0[i];
  for (int t = 0; t < steps; t++) {
    step(u, v, n, k);
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

GRADC_GRAD(wrt(w))
double logistic(const double *w, const double *X, const double *y, int n, int d) {
  double L = 0;
#pragma omp parallel for reduction(+:L)
  for (int i = 0; i < n; i++) {
    double z = 0;
    for (int j = 0; j < d; j++) z += X[i * d + j] * w[j];
    double p = 1 / (1 + exp(-z));
    L += -y[i] * log(p) - (1 - y[i]) * log(1 - p);
  }
  return L / n;
}
