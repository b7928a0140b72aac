/* Custom gradients and stop-gradient.
 * softplus(z) = log(1 + exp(z)) written naively overflows at z = 1000 and its
 * differentiated form gives NaN there; a custom gradient supplies the stable
 * derivative sigmoid(z). gradc_stop_gradient blocks a term's derivative. */
#include <math.h>
#include <gradc.h>

double softplus_rev(double z, double *z_bar, double ret_bar);
double softplus_jvp(double z, double z_dot, double *ret_dot);

GRADC_CUSTOM_GRAD(softplus_rev)
GRADC_CUSTOM_JVP(softplus_jvp)
double softplus(double z) { return log(1 + exp(z)); }

double softplus_rev(double z, double *z_bar, double ret_bar) {
  *z_bar += ret_bar / (1 + exp(-z));
  return z > 30 ? z : log1p(exp(z));
}

double softplus_jvp(double z, double z_dot, double *ret_dot) {
  *ret_dot = z_dot / (1 + exp(-z));
  return z > 30 ? z : log1p(exp(z));
}

GRADC_GRAD(wrt(w))
GRADC_JVP(wrt(w))
double loss(const double *w, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += softplus(w[i] * 100);
  return s;
}

GRADC_GRAD(wrt(w1, w2))
GRADC_JVP(wrt(w1, w2))
double stopped(double w1, double w2) { return 3 * w1 * w1 + gradc_stop_gradient(2 * w1 * w2); }

#ifdef GRADCHECK_MAIN
#include "check.h"
double loss_grad(const double *w, double *w_bar, int n);
double loss_jvp(const double *w, const double *w_dot, int n, double *ret_dot);
double stopped_grad(double w1, double *w1_bar, double w2, double *w2_bar);
double stopped_jvp(double w1, double w1_dot, double w2, double w2_dot, double *ret_dot);
static void grad_stopped(const double *p, double *g) { stopped_grad(p[0], &g[0], p[1], &g[1]); }
static double jvp_stopped(const double *p, const double *u) {
  double t;
  stopped_jvp(p[0], u[0], p[1], u[1], &t);
  return t;
}

int main(void) {
  double w[3] = {10.0, -0.01, 0.002}, g[3] = {0, 0, 0};
  loss_grad(w, g, 3);
  CHECK_CLOSE(g[0], 100.0, 1e-12);                           /* sigmoid(1000) = 1, not NaN */
  CHECK_CLOSE(g[1], 100.0 / (1 + exp(1.0)), 1e-12);
  CHECK_CLOSE(g[2], 100.0 / (1 + exp(-0.2)), 1e-12);
  double u[3] = {1, 2, -1}, t;
  loss_jvp(w, u, 3, &t);
  CHECK_CLOSE(t, u[0] * g[0] + u[1] * g[1] + u[2] * g[2], 1e-12);
  double g1 = 0, g2 = 0;
  CHECK_CLOSE(stopped_grad(5, &g1, 3, &g2), 75 + 30, 1e-15);
  CHECK_CLOSE(g1, 30, 1e-15);   /* 6 w1, the stopped term contributes nothing */
  CHECK_CLOSE(g2, 0, 0);
  double sp[2] = {5, 3};
  check_dot("stopped", jvp_stopped, grad_stopped, sp, 2, 1e-12);
  return check_done("custom");
}
#endif
