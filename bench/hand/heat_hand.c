/* heat_hand.c: hand-written adjoint of kernels/heat.c (same signature as the
 * generated heat_grad): stores the whole trajectory (T+1) x N, as a taping
 * tool without checkpointing must, then runs the adjoint stencil backwards. */
#include <stdlib.h>

double heat_hand(int N, int T, double r, const double *u0, double *u0_bar, const double *kappa,
                 double *kappa_bar, const double *target) {
  double *U = malloc((size_t)(T + 1) * N * sizeof(double));
  for (int i = 0; i < N; i++) U[i] = u0[i];
  for (int t = 0; t < T; t++) {
    const double *u = U + (size_t)t * N;
    double *v = U + (size_t)(t + 1) * N;
    v[0] = u[0] + r * kappa[0] * (u[1] - u[0]);
    for (int i = 1; i < N - 1; i++)
      v[i] = u[i] + r * (kappa[i] * (u[i + 1] - u[i]) - kappa[i - 1] * (u[i] - u[i - 1]));
    v[N - 1] = u[N - 1] - r * kappa[N - 2] * (u[N - 1] - u[N - 2]);
  }
  const double *uT = U + (size_t)T * N;
  double s = 0.0;
  double *vb = malloc(N * sizeof(double)), *ub = malloc(N * sizeof(double));
  for (int i = 0; i < N; i++) {
    s += (uT[i] - target[i]) * (uT[i] - target[i]);
    vb[i] = 2.0 * (uT[i] - target[i]);
  }
  for (int t = T - 1; t >= 0; t--) {
    const double *u = U + (size_t)t * N;
    for (int i = 0; i < N; i++) ub[i] = vb[i];
    /* v[0] */
    ub[1] += vb[0] * r * kappa[0];
    ub[0] -= vb[0] * r * kappa[0];
    kappa_bar[0] += vb[0] * r * (u[1] - u[0]);
    for (int i = 1; i < N - 1; i++) {
      double g = vb[i] * r;
      ub[i + 1] += g * kappa[i];
      ub[i] -= g * (kappa[i] + kappa[i - 1]);
      ub[i - 1] += g * kappa[i - 1];
      kappa_bar[i] += g * (u[i + 1] - u[i]);
      kappa_bar[i - 1] -= g * (u[i] - u[i - 1]);
    }
    double g = vb[N - 1] * r;
    ub[N - 1] -= g * kappa[N - 2];
    ub[N - 2] += g * kappa[N - 2];
    kappa_bar[N - 2] -= g * (u[N - 1] - u[N - 2]);
    double *tmp = vb; vb = ub; ub = tmp;
  }
  for (int i = 0; i < N; i++) u0_bar[i] += vb[i];
  free(U); free(vb); free(ub);
  return s;
}
