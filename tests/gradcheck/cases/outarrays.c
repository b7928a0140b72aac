/* out(y): vector-Jacobian products of functions that write an output array:
 * writes at constant indices, an output read back and overwritten, outputs
 * written in loops and accumulated, outputs read and then overwritten by a
 * memcpy, and a wrt parameter the outputs do not depend on (zero gradient,
 * with a warning). Each is checked as
 * eval(p) = sum_i v_i y_i(p) against f_grad with y_bar = v, and y from
 * f_grad is checked against y from f. */
#include <math.h>
#include <string.h>
#include <gradc.h>

GRADC_JVP(wrt(x), out(y))
GRADC_GRAD(wrt(x), out(y))
void consts(const double *x, double *y) {
  y[0] = x[0] * x[1];
  y[1] = sin(x[0]) + x[1] * x[1];
  y[2] = 3.0;
  y[3] = x[1] / x[0];
}

GRADC_JVP(wrt(x), out(y))
GRADC_GRAD(wrt(x), out(y))
void reread(const double *x, double *y) {
  y[0] = x[0] + x[1];
  y[1] = x[0] * x[1];
  y[0] = y[0] * y[0];
  y[1] = y[1] + y[0] * x[0];
  y[0] = sin(y[0]) * y[1];
}

GRADC_JVP(wrt(w), out(y))
GRADC_GRAD(wrt(w), out(y))
void model(const double *w, const double *x, double *y, int n) {
  for (int i = 0; i < n; i++) {
    y[i] = w[0] * x[i] + w[1];
    y[i] = tanh(y[i]) * w[2];
  }
}

GRADC_JVP(wrt(a, b), out(y))
GRADC_GRAD(wrt(a, b), out(y))
void accum(double a, double b, double *y, int n) {
  for (int i = 0; i < n; i++) y[i] = 0;
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < n; i++) y[i] += (i + 1) * a * y[i] + b * k + a;
}

/* a helper working on y + 1, and negative offsets from a pointer into y */
static void smooth(double *u, int n) {
  for (int i = 1; i < n; i++) u[i] = u[i] * u[i - 1] + u[i];
}

GRADC_JVP(wrt(x), out(y))
GRADC_GRAD(wrt(x), out(y))
void offsets(const double *x, double *y, int n) {
  for (int i = 0; i < n; i++) y[i] = x[i];
  smooth(y + 1, n - 1);
  double *p = y + 2;
  p[-1] = p[-1] * p[0];
  p[-2] += sin(p[2]);
}

/* memcpy over outputs that a statement before it read: the reverse sweep
 * restores them, and f_grad must put the caller's values back after it */
GRADC_JVP(wrt(x), out(y))
GRADC_GRAD(wrt(x), out(y))
void copied(const double *x, double *y) {
  double t[2];
  t[0] = 2 * x[0];
  t[1] = x[1] * x[0];
  y[0] = x[0];
  y[1] = x[1];
  y[2] = y[0] * y[1];
  memcpy(y, t, sizeof t);
}

/* the outputs do not depend on u: gradc warns, u's gradient is zero */
GRADC_JVP(wrt(x, u), out(y))
GRADC_GRAD(wrt(x, u), out(y))
void unused(const double *x, double u, double *y) {
  double t = u * 2;
  (void)t;
  y[0] = x[0] * x[0];
  if (u > 10) y[0] = 0; /* only a condition: no derivative */
  y[1] = exp(x[0]);
}

#ifdef GRADCHECK_MAIN
#include "check.h"
void consts_grad(const double *x, double *x_bar, double *y, double *y_bar);
void reread_grad(const double *x, double *x_bar, double *y, double *y_bar);
void model_grad(const double *w, double *w_bar, const double *x, double *y, double *y_bar, int n);
void accum_grad(double a, double *a_bar, double b, double *b_bar, double *y, double *y_bar, int n);
void offsets_grad(const double *x, double *x_bar, double *y, double *y_bar, int n);
void unused_grad(const double *x, double *x_bar, double u, double *u_bar, double *y, double *y_bar);
void copied_grad(const double *x, double *x_bar, double *y, double *y_bar);

static const double v[5] = {0.7, -1.3, 2.1, 0.4, -0.9};
static const double xs[5] = {0.5, -1.0, 1.5, 0.25, 2.0};

static double dot(const double *y, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i] * y[i];
  return s;
}

/* y_bar gets a fresh copy of v for each call; y starts as garbage */
#define VJP(name, ny, call_f, call_grad)                                  \
  static double eval_##name(const double *p) {                           \
    double y[5] = {9, 9, 9, 9, 9};                                        \
    call_f;                                                               \
    return dot(y, ny);                                                    \
  }                                                                       \
  static void grad_##name(const double *p, double *g) {                  \
    double y[5] = {9, 9, 9, 9, 9}, y_bar[5], yf[5] = {9, 9, 9, 9, 9};     \
    memcpy(y_bar, v, sizeof v);                                           \
    call_grad;                                                            \
    {                                                                     \
      double *y_save = y, *y = yf;                                        \
      (void)y_save;                                                       \
      call_f;                                                             \
    }                                                                     \
    for (int i = 0; i < ny; i++) CHECK_CLOSE(y[i], yf[i], 1e-15);        \
  }

VJP(consts, 4, consts(p, y), consts_grad(p, g, y, y_bar))
VJP(reread, 2, reread(p, y), reread_grad(p, g, y, y_bar))
VJP(model, 5, model(p, xs, y, 5), model_grad(p, g, xs, y, y_bar, 5))
VJP(accum, 4, accum(p[0], p[1], y, 4), accum_grad(p[0], &g[0], p[1], &g[1], y, y_bar, 4))
VJP(offsets, 5, offsets(p, y, 5), offsets_grad(p, g, y, y_bar, 5))
VJP(unused, 2, unused(p, p[1], y), unused_grad(p, &g[0], p[1], &g[1], y, y_bar))
VJP(copied, 3, copied(p, y), copied_grad(p, g, y, y_bar))

void consts_jvp(const double *x, const double *x_dot, double *y, double *y_dot);
void reread_jvp(const double *x, const double *x_dot, double *y, double *y_dot);
void model_jvp(const double *w, const double *w_dot, const double *x, double *y, double *y_dot, int n);
void accum_jvp(double a, double a_dot, double b, double b_dot, double *y, double *y_dot, int n);
void offsets_jvp(const double *x, const double *x_dot, double *y, double *y_dot, int n);
void unused_jvp(const double *x, const double *x_dot, double u, double u_dot, double *y, double *y_dot);
void copied_jvp(const double *x, const double *x_dot, double *y, double *y_dot);

/* <v, y_dot>, with v the seed the grad adapters use */
#define JVP(name, ny, call_jvp)                                           \
  static double jvp_##name(const double *p, const double *u) {           \
    double y[5] = {9, 9, 9, 9, 9}, y_dot[5] = {9, 9, 9, 9, 9};            \
    call_jvp;                                                             \
    return dot(y_dot, ny);                                                \
  }
JVP(consts, 4, consts_jvp(p, u, y, y_dot))
JVP(reread, 2, reread_jvp(p, u, y, y_dot))
JVP(model, 5, model_jvp(p, u, xs, y, y_dot, 5))
JVP(accum, 4, accum_jvp(p[0], u[0], p[1], u[1], y, y_dot, 4))
JVP(offsets, 5, offsets_jvp(p, u, y, y_dot, 5))
JVP(unused, 2, unused_jvp(p, u, p[1], u[1], y, y_dot))
JVP(copied, 3, copied_jvp(p, u, y, y_dot))

int main(void) {
  double p[2] = {0.8, 1.7};
  check_gradient("consts", eval_consts, grad_consts, p, 2, 1e-9);
  check_dot("consts", jvp_consts, grad_consts, p, 2, 1e-12);
  {
    double x[2] = {0.8, 1.7}, y[4], y_bar[4], g[2] = {0, 0};
    memcpy(y_bar, v, sizeof y_bar);
    consts_grad(x, g, y, y_bar);
    CHECK_CLOSE(g[0], v[0] * 1.7 + v[1] * cos(0.8) - v[3] * 1.7 / (0.8 * 0.8), 1e-14);
    CHECK_CLOSE(g[1], v[0] * 0.8 + v[1] * 2 * 1.7 + v[3] / 0.8, 1e-14);
    CHECK_CLOSE(y[2], 3.0, 0);
  }
  double r[2] = {0.3, -0.6};
  check_gradient("reread", eval_reread, grad_reread, r, 2, 1e-9);
  check_dot("reread", jvp_reread, grad_reread, r, 2, 1e-12);
  double w[3] = {0.9, -0.2, 1.3};
  check_gradient("model", eval_model, grad_model, w, 3, 1e-9);
  check_dot("model", jvp_model, grad_model, w, 3, 1e-12);
  double a[2] = {0.3, 0.45};
  check_gradient("accum", eval_accum, grad_accum, a, 2, 1e-9);
  check_dot("accum", jvp_accum, grad_accum, a, 2, 1e-12);
  double o[5] = {0.3, 0.5, 0.8, 0.6, 0.2};
  check_gradient("offsets", eval_offsets, grad_offsets, o, 5, 1e-9);
  check_dot("offsets", jvp_offsets, grad_offsets, o, 5, 1e-12);
  double u[2] = {0.6, 0}; /* p[0] = x[0], p[1] = u; x[1] unused */
  u[1] = 1.4;
  check_gradient("unused", eval_unused, grad_unused, u, 2, 1e-9);
  check_dot("unused", jvp_unused, grad_unused, u, 2, 1e-12);
  {
    double x[1] = {0.6}, y[2], y_bar[2] = {1, 1}, g = 0, gu = 0;
    unused_grad(x, &g, 1.4, &gu, y, y_bar);
    CHECK_CLOSE(gu, 0, 0);
    CHECK_CLOSE(g, 2 * 0.6 + exp(0.6), 1e-14);
  }
  double c[2] = {0.7, -1.2};
  check_gradient("copied", eval_copied, grad_copied, c, 2, 1e-9);
  check_dot("copied", jvp_copied, grad_copied, c, 2, 1e-12);
  return check_done("outarrays");
}
#endif
