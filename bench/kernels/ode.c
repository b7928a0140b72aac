/* ode.c: adaptive-step ODE integration (Dormand-Prince 5(4), step control).
 *
 * Lorenz-96 with forcing per variable: dx_i/dt = (x_{i+1} - x_{i-2}) x_{i-1}
 * - x_i + F_i (cyclic indices), integrated from 0 to tend with an embedded
 * error estimate, a mixed absolute/relative tolerance, rejection of steps whose
 * error exceeds 1 and the usual step-size controller (safety 0.9, factor
 * clamped to [0.2, 5]). Every decision depends on the data. Returns the mean
 * of x(tend)^2. Gradient wrt the initial state x0[N] and the forcing F[N]
 * (through the solution and the step-size control, as the code computes it). */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

static void l96(int N, const double *x, const double *F, double *dx) {
  for (int i = 0; i < N; i++) {
    int ip = (i + 1) % N, im = (i + N - 1) % N, imm = (i + N - 2) % N;
    dx[i] = (x[ip] - x[imm]) * x[im] - x[i] + F[i];
  }
}

GRADC_GRAD(wrt(x0, F))
double ode_solve(int N, const double *x0, const double *F, double tend, double tol) {
  const double a21 = 1.0 / 5;
  const double a31 = 3.0 / 40, a32 = 9.0 / 40;
  const double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
  const double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
               a54 = -212.0 / 729;
  const double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
               a65 = -5103.0 / 18656;
  const double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
               b6 = 11.0 / 84;
  const double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
               e6 = 22.0 / 525, e7 = -1.0 / 40;
  double *x = malloc(N * sizeof(double));
  double *xn = malloc(N * sizeof(double));
  double *y = malloc(N * sizeof(double));
  double *k1 = malloc(N * sizeof(double));
  double *k2 = malloc(N * sizeof(double));
  double *k3 = malloc(N * sizeof(double));
  double *k4 = malloc(N * sizeof(double));
  double *k5 = malloc(N * sizeof(double));
  double *k6 = malloc(N * sizeof(double));
  double *k7 = malloc(N * sizeof(double));
  for (int i = 0; i < N; i++) x[i] = x0[i];
  double t = 0.0, h = 0.01;
  l96(N, x, F, k1);
  while (tend - t > 1e-12 * tend) {
    if (t + h > tend) h = tend - t;
    for (int i = 0; i < N; i++) y[i] = x[i] + h * a21 * k1[i];
    l96(N, y, F, k2);
    for (int i = 0; i < N; i++) y[i] = x[i] + h * (a31 * k1[i] + a32 * k2[i]);
    l96(N, y, F, k3);
    for (int i = 0; i < N; i++) y[i] = x[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    l96(N, y, F, k4);
    for (int i = 0; i < N; i++)
      y[i] = x[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    l96(N, y, F, k5);
    for (int i = 0; i < N; i++)
      y[i] = x[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    l96(N, y, F, k6);
    for (int i = 0; i < N; i++)
      xn[i] = x[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
    l96(N, xn, F, k7);
    double err = 0.0;
    for (int i = 0; i < N; i++) {
      double ei = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      double sc = tol + tol * fmax(fabs(x[i]), fabs(xn[i]));
      err += (ei / sc) * (ei / sc);
    }
    err = sqrt(err / N);
    if (err <= 1.0) {
      t += h;
      for (int i = 0; i < N; i++) {
        x[i] = xn[i];
        k1[i] = k7[i];
      }
    }
    double fac = 0.9 * pow(fmax(err, 1e-10), -0.2);
    h = h * fmin(5.0, fmax(0.2, fac));
  }
  double s = 0.0;
  for (int i = 0; i < N; i++) s += x[i] * x[i];
  free(x); free(xn); free(y); free(k1); free(k2); free(k3); free(k4); free(k5); free(k6); free(k7);
  return s / N;
}
