/* memcpy, memmove and memset of memory that carries derivatives: copies
 * into locals and out of helpers, an overlapping shift, zeroing, a copy over
 * a wrt array, and float buffers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gradc.h>

static void shift_in(double *hist, int n, double v) {
  memmove(hist + 1, hist, (size_t)(n - 1) * sizeof *hist);   /* overlapping */
  hist[0] = v;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double copies(const double *x, int n) {
  double buf[6], hist[4];
  memset(hist, 0, sizeof hist);
  memcpy(buf, x, (size_t)n * sizeof(double));
  double *scratch = malloc((size_t)n * sizeof *scratch);
  memcpy(scratch, buf, (size_t)n * sizeof *scratch);
  double s = 0;
  for (int i = 0; i < n; i++) {
    shift_in(hist, 4, sin(scratch[i]) * buf[(i + 1) % n]);
    s += hist[0] * hist[1] + hist[3];
  }
  memset(buf, 0, sizeof buf);
  s += buf[2];
  free(scratch);
  return s;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double overwrite(double *x, int n) {
  double t[4];
  for (int i = 0; i < n; i++) t[i] = x[n - 1 - i] * x[i];
  memcpy(x, t, (size_t)n * sizeof *x);   /* the wrt array itself */
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i] * (i + 1);
  return s;
}

/* The same at an offset: each overwritten element's adjoint restarts at 0
 * (x_bar + 1)[k]; the adjoint text once read &x_bar + 1[k]. */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double overwrite_tail(double *x, int n) {
  double t[4];
  for (int i = 0; i < n - 1; i++) t[i] = sin(x[i]) * x[i + 1];
  memcpy(x + 1, t, (size_t)(n - 1) * sizeof *x);
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i] * x[i] * (i + 1);
  return s;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
float fcopy(const float *x, int n) {
  float a[4];
  memcpy(a, x, sizeof(float) * (size_t)n);
  float s = 0;
  for (int i = 0; i < n; i++) s += a[i] * a[(i + 1) % n];
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double copies_grad(const double *x, double *x_bar, int n);
double copies_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double overwrite_grad(double *x, double *x_bar, int n);
double overwrite_jvp(double *x, double *x_dot, int n, double *ret_dot);
float fcopy_grad(const float *x, float *x_bar, int n);
double overwrite_tail_grad(double *x, double *x_bar, int n);
double overwrite_tail_jvp(double *x, double *x_dot, int n, double *ret_dot);

static double eval_copies(const double *q) { return copies(q, 5); }
static void grad_copies(const double *q, double *g) { CHECK_CLOSE(copies_grad(q, g, 5), copies(q, 5), 1e-15); }
static double jvp_copies(const double *q, const double *u) { double t; copies_jvp(q, u, 5, &t); return t; }
/* f overwrites its wrt array x: each evaluation works on a copy of q */
#define ON_COPY(f)                                                               \
  static double eval_##f(const double *q) {                                      \
    double x[4];                                                                 \
    memcpy(x, q, sizeof x);                                                      \
    return f(x, 4);                                                              \
  }                                                                              \
  static void grad_##f(const double *q, double *g) {                             \
    double x[4];                                                                 \
    memcpy(x, q, sizeof x);                                                      \
    f##_grad(x, g, 4);                                                           \
  }                                                                              \
  static double jvp_##f(const double *q, const double *u) {                      \
    double x[4], xd[4], t;                                                       \
    memcpy(x, q, sizeof x);                                                      \
    memcpy(xd, u, sizeof xd);                                                    \
    f##_jvp(x, xd, 4, &t);                                                       \
    return t;                                                                    \
  }
ON_COPY(overwrite)
ON_COPY(overwrite_tail)

int main(void) {
  double q[5] = {0.3, -0.9, 1.4, 0.6, -0.2};
  check_gradient("copies", eval_copies, grad_copies, q, 5, 1e-9);
  check_dot("copies", jvp_copies, grad_copies, q, 5, 1e-12);
  double w[4] = {0.5, -0.4, 0.8, 1.2};
  check_gradient("overwrite", eval_overwrite, grad_overwrite, w, 4, 1e-9);
  check_dot("overwrite", jvp_overwrite, grad_overwrite, w, 4, 1e-12);
  check_gradient("overwrite_tail", eval_overwrite_tail, grad_overwrite_tail, w, 4, 1e-9);
  check_dot("overwrite_tail", jvp_overwrite_tail, grad_overwrite_tail, w, 4, 1e-12);
  {
    /* accumulation into a nonzero x_bar survives the overwrite */
    double x[4], g[4] = {1, 1, 1, 1}, g0[4] = {0};
    memcpy(x, w, sizeof x);
    overwrite_grad(x, g, 4);
    memcpy(x, w, sizeof x);
    overwrite_grad(x, g0, 4);
    for (int i = 0; i < 4; i++) CHECK_CLOSE(g[i], g0[i] + 1, 1e-15);
  }
  {
    /* f = sum a_i a_{i+1} cyclic: d/dx_i = x_{i-1} + x_{i+1} */
    float x[4] = {0.5f, 1.5f, -1.0f, 2.0f}, g[4] = {0};
    fcopy_grad(x, g, 4);
    for (int i = 0; i < 4; i++) CHECK_CLOSE(g[i], x[(i + 3) % 4] + x[(i + 1) % 4], 1e-6);
  }
  return check_failures ? 1 : 0;
}
#endif
