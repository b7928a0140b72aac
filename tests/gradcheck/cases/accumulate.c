/* Adjoints accumulate: f_grad adds to what *_bar holds (PyTorch's .grad).
 * For scalar, array, struct and out(y) functions, and through helpers that
 * reassign their parameters, a call with preloaded adjoints c gives
 * c + (the fresh gradient), and the fresh gradient agrees with finite
 * differences. */
#include <math.h>
#include <gradc.h>

typedef struct {
  double x, y;
} vec2;

static double h(double a) {
  a = a * 3 + sin(a);
  return a * a;
}

static void scale(double *w, int n) {
  for (int i = 0; i < n; i++) w[i] = w[i] * w[i] * 3;
}

GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double helper_reassigns(double x, double y) { return h(x) * y + h(y) + x; }

GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double array_helper(const double *w, int n) {
  double t[4];
  for (int i = 0; i < n; i++) t[i] = w[i];
  scale(t, n);
  return t[0] * t[1] + t[2] * w[3];
}

GRADC_JVP(wrt(a, b))
GRADC_GRAD(wrt(a, b))
double struct_param(vec2 a, const vec2 *b) {
  a.x = a.x * b->y;  /* the by-value copy is modified */
  return a.x * a.y + b->x;
}

/* wrt parameters reassigned in place: a scalar, an array element, and one
 * through a pointer to the parameter */
GRADC_JVP(wrt(x, w))
GRADC_GRAD(wrt(x, w))
double reassigned(double x, double *w) {
  x = x * 3 + w[1];
  w[0] = w[0] * x;
  double *p = &x;
  *p = *p * w[0];
  return x + w[0] * w[1];
}

GRADC_JVP(wrt(x), out(y))
GRADC_GRAD(wrt(x), out(y))
void out_param(const double *x, double *y) {
  y[0] = x[0] * x[1];
  y[1] = y[0] * 3 + cos(x[1]);
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double helper_reassigns_grad(double x, double *x_bar, double y, double *y_bar);
double array_helper_grad(const double *w, double *w_bar, int n);
double struct_param_grad(vec2 a, vec2 *a_bar, const vec2 *b, vec2 *b_bar);
double reassigned_grad(double x, double *x_bar, double *w, double *w_bar);
static double eval_re(const double *p) {
  double w[2] = {p[1], p[2]};
  return reassigned(p[0], w);
}
static void grad_re(const double *p, double *g) {
  double w[2] = {p[1], p[2]};
  reassigned_grad(p[0], &g[0], w, g + 1);
}
void out_param_grad(const double *x, double *x_bar, double *y, double *y_bar);

static double eval_hr(const double *p) { return helper_reassigns(p[0], p[1]); }
static void grad_hr(const double *p, double *g) { helper_reassigns_grad(p[0], &g[0], p[1], &g[1]); }
static double eval_ah(const double *p) { return array_helper(p, 4); }
static void grad_ah(const double *p, double *g) { array_helper_grad(p, g, 4); }
static double eval_sp(const double *p) {
  vec2 a = {p[0], p[1]}, b = {p[2], p[3]};
  return struct_param(a, &b);
}
static void grad_sp(const double *p, double *g) {
  vec2 a = {p[0], p[1]}, b = {p[2], p[3]};
  vec2 ab = {g[0], g[1]}, bb = {g[2], g[3]}; /* accumulate onto g */
  struct_param_grad(a, &ab, &b, &bb);
  g[0] = ab.x, g[1] = ab.y, g[2] = bb.x, g[3] = bb.y;
}
static const double seed[2] = {0.6, -1.1};
static double eval_op(const double *p) {
  double y[2];
  out_param(p, y);
  return seed[0] * y[0] + seed[1] * y[1];
}
static void grad_op(const double *p, double *g) {
  double y[2], y_bar[2] = {seed[0], seed[1]};
  out_param_grad(p, g, y, y_bar);
}

double helper_reassigns_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double array_helper_jvp(const double *w, const double *w_dot, int n, double *ret_dot);
double struct_param_jvp(vec2 a, vec2 a_dot, const vec2 *b, const vec2 *b_dot, double *ret_dot);
double reassigned_jvp(double x, double x_dot, double *w, double *w_dot, double *ret_dot);
void out_param_jvp(const double *x, const double *x_dot, double *y, double *y_dot);
static double jvp_hr(const double *p, const double *u) {
  double t;
  helper_reassigns_jvp(p[0], u[0], p[1], u[1], &t);
  return t;
}
static double jvp_ah(const double *p, const double *u) {
  double t;
  array_helper_jvp(p, u, 4, &t);
  return t;
}
static double jvp_sp(const double *p, const double *u) {
  vec2 a = {p[0], p[1]}, b = {p[2], p[3]}, ad = {u[0], u[1]}, bd = {u[2], u[3]};
  double t;
  struct_param_jvp(a, ad, &b, &bd, &t);
  return t;
}
static double jvp_re(const double *p, const double *u) {
  double w[2] = {p[1], p[2]}, wd[2] = {u[1], u[2]}, t;
  reassigned_jvp(p[0], u[0], w, wd, &t);
  return t;
}
static double jvp_op(const double *p, const double *u) {
  double y[2], yd[2];
  out_param_jvp(p, u, y, yd);
  return seed[0] * yd[0] + seed[1] * yd[1];
}

/* fresh gradient vs finite differences, then c + fresh with g preloaded */
static void accumulates(const char *name, double (*e)(const double *), void (*gr)(const double *, double *),
                        double *p, int n) {
  double g0[8] = {0}, g1[8];
  check_gradient(name, e, gr, p, n, 1e-9);
  gr(p, g0);
  for (int i = 0; i < n; i++) g1[i] = 10.0 * (i + 1) - 3.5;
  gr(p, g1);
  for (int i = 0; i < n; i++) {
    if (!close_enough(g1[i], 10.0 * (i + 1) - 3.5 + g0[i], 1e-14)) {
      printf("FAIL %s: adjoint %d does not accumulate: %.15g preloaded with %g, fresh %.15g\n", name, i,
             g1[i], 10.0 * (i + 1) - 3.5, g0[i]);
      check_failures++;
    }
  }
}

int main(void) {
  double p[4] = {0.4, -0.7, 1.3, 0.8};
  accumulates("helper_reassigns", eval_hr, grad_hr, p, 2);
  check_dot("helper_reassigns", jvp_hr, grad_hr, p, 2, 1e-12);
  accumulates("array_helper", eval_ah, grad_ah, p, 4);
  check_dot("array_helper", jvp_ah, grad_ah, p, 4, 1e-12);
  accumulates("struct_param", eval_sp, grad_sp, p, 4);
  check_dot("struct_param", jvp_sp, grad_sp, p, 4, 1e-12);
  accumulates("reassigned", eval_re, grad_re, p, 3);
  check_dot("reassigned", jvp_re, grad_re, p, 3, 1e-12);
  accumulates("out_param", eval_op, grad_op, p, 2);
  check_dot("out_param", jvp_op, grad_op, p, 2, 1e-12);
  return check_done("accumulate");
}
#endif
