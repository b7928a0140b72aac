/* A sum over a buffer fused into the loop that fills it (fuse.c), then
 * reversed as it runs (immediate.c): residuals written by a helper into
 * malloc'd scratch and summed by another helper, two per observation or one,
 * with a loop in between; a local array. And the near misses that must stay
 * two loops: a second name for the buffer, writes out of order or in a
 * branch, a residual read back in its own loop, a weight changed between
 * the loops, the sum's counter read after it, a bound that differs.
 * Every gradient is checked against central differences and the dot-product
 * test. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

static void residual(const double *cam, const double *x, double w, double *err) {
  double u = cam[0] * x[0] + cam[1] * sin(x[1]);
  double v = x[0] / (1.0 + cam[1] * cam[1]);
  err[0] = w * (u - 0.3);
  err[1] = w * (v + 0.1 * x[1]);
}

static double sqnorm(size_t n, const double *r) {
  double s = 0.0;
  for (size_t i = 0; i < n; i++) s += r[i] * r[i];
  return s;
}

/* two residuals per observation: r[2 i] and r[2 i + 1] */
GRADC_JVP(wrt(cam, x))
GRADC_GRAD(wrt(cam, x))
double pairs_sq(size_t n, const double *cam, const double *x) {
  double *r = malloc(2 * n * sizeof(double));
  for (size_t i = 0; i < n; i++) residual(cam, &x[2 * i], 0.5 + 0.1 * (double)i, &r[2 * i]);
  double s = sqnorm(2 * n, r);
  free(r);
  return s;
}

/* one per element, a loop writing other scratch in between, a sum that
 * subtracts and calls libm, its start set between the loops */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double single_sq(int n, const double *w) {
  double *r = malloc(n * sizeof(double));
  double *q = malloc(n * sizeof(double));
  double s;
  for (int i = 0; i < n; i++) r[i] = 1.0 - w[i] * w[i];
  for (int i = 0; i < n; i++) q[i] = exp(w[i]);
  s = 2.0;
  for (int j = 0; j < n; j++) s -= log(1.0 + r[j] * r[j]);
  double t = 0;
  for (int i = 0; i < n; i++) t += q[i];
  free(r);
  free(q);
  return s * 3.0 + t;
}

/* a local array, three residuals each */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double local_sq(int n, const double *w) {
  double r[12];
  int m = n < 4 ? n : 4;
  for (int i = 0; i < m; i++) {
    double a = w[i];
    r[3 * i] = sin(a);
    r[3 * i + 1] = a * cos(a);
    r[3 * i + 2] = a * a * a;
  }
  double s = 0;
  for (int j = 0; j < 3 * m; j++) s += r[j] * r[j];
  return s;
}

/* ---- near misses ------------------------------------------------------------ */

/* q is a second name for r: the write through it between the loops must
 * reach the sum */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double aliased(int n, const double *w) {
  double *r = malloc(n * sizeof(double));
  double *q = r;
  for (int i = 0; i < n; i++) r[i] = sin(w[i]);
  q[0] = 3.0 * q[0];
  double s = 0;
  for (int j = 0; j < n; j++) s += r[j] * r[j];
  free(r);
  return s;
}

/* r[2 i + 1] before r[2 i]: fused, the terms would be added in another order */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double out_of_order(int n, const double *w) {
  double *r = malloc(2 * n * sizeof(double));
  for (int i = 0; i < n; i++) {
    r[2 * i + 1] = w[i] * w[i];
    r[2 * i] = sin(w[i]);
  }
  double s = 0;
  for (int j = 0; j < 2 * n; j++) s += r[j] * r[j];
  free(r);
  return s;
}

/* a write in a branch, a residual read back in its own loop */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double branchy(int n, const double *w) {
  double *r = malloc(2 * n * sizeof(double));
  for (int i = 0; i < n; i++) {
    r[2 * i] = cos(w[i]);
    if (w[i] > 0) r[2 * i + 1] = w[i] * r[2 * i];
    else r[2 * i + 1] = 0.5 * w[i];
  }
  double s = 0;
  for (int j = 0; j < 2 * n; j++) s += r[j] * r[j];
  free(r);
  return s;
}

/* the weight c changes between the loops; the counter j is read after the
 * sum; the sum runs over fewer elements than the first loop wrote */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double changed(int n, const double *w) {
  double *r = malloc(n * sizeof(double));
  double c = 2.0;
  for (int i = 0; i < n; i++) r[i] = w[i] * c;
  c = 0.5;
  double s = 0;
  for (int j = 0; j < n; j++) s += c * r[j] * r[j];
  int j;
  double t = 0;
  for (j = 0; j < n; j++) t += r[j] * w[j];
  double u = 0;
  for (int k = 0; k < n - 1; k++) u += r[k] * r[k];
  free(r);
  return s + t * j + u;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double pairs_sq_grad(size_t n, const double *cam, double *cam_bar, const double *x, double *x_bar);
double pairs_sq_jvp(size_t n, const double *cam, const double *cam_dot, const double *x, const double *x_dot,
                    double *ret_dot);

enum { NOBS = 5, NCAM = 2, NQ = NCAM + 2 * NOBS };
static double eval_pairs(const double *q) { return pairs_sq(NOBS, q, q + NCAM); }
static void grad_pairs(const double *q, double *g) {
  CHECK_CLOSE(pairs_sq_grad(NOBS, q, g, q + NCAM, g + NCAM), eval_pairs(q), 1e-13);
}
static double jvp_pairs(const double *q, const double *u) {
  double t;
  CHECK_CLOSE(pairs_sq_jvp(NOBS, q, u, q + NCAM, u + NCAM, &t), eval_pairs(q), 1e-13);
  return t;
}

CHECK_CASE(single_sq, 6)
CHECK_CASE(local_sq, 4)
CHECK_CASE(aliased, 6)
CHECK_CASE(out_of_order, 6)
CHECK_CASE(branchy, 6)
CHECK_CASE(changed, 6)

int main(void) {
  double q[NQ];
  for (int i = 0; i < NQ; i++) q[i] = sin(1.3 * i + 0.4) * 0.7;
  check_gradient("pairs_sq", eval_pairs, grad_pairs, q, NQ, 1e-8);
  check_dot("pairs_sq", jvp_pairs, grad_pairs, q, NQ, 1e-12);
  double w[6] = {0.4, -0.3, 0.7, 0.2, -0.6, 0.9};
  check_gradient("single_sq", eval_single_sq, grad_single_sq, w, 6, 1e-8);
  check_dot("single_sq", jvp_single_sq, grad_single_sq, w, 6, 1e-12);
  check_gradient("local_sq", eval_local_sq, grad_local_sq, w, 4, 1e-8);
  check_dot("local_sq", jvp_local_sq, grad_local_sq, w, 4, 1e-12);
  check_gradient("aliased", eval_aliased, grad_aliased, w, 6, 1e-8);
  check_dot("aliased", jvp_aliased, grad_aliased, w, 6, 1e-12);
  check_gradient("out_of_order", eval_out_of_order, grad_out_of_order, w, 6, 1e-8);
  check_dot("out_of_order", jvp_out_of_order, grad_out_of_order, w, 6, 1e-12);
  check_gradient("branchy", eval_branchy, grad_branchy, w, 6, 1e-8);
  check_dot("branchy", jvp_branchy, grad_branchy, w, 6, 1e-12);
  check_gradient("changed", eval_changed, grad_changed, w, 6, 1e-8);
  check_dot("changed", jvp_changed, grad_changed, w, 6, 1e-12);
  return check_done("fuse");
}
#endif
