/* Calls to functions of the same file: static and non-static helpers, a
 * helper calling a helper, one helper called with different active/inactive
 * argument patterns, a helper writing through a pointer parameter, recursion
 * with an integer depth. */
#include <math.h>
#include <gradc.h>

static double sq(double a) { return a * a; }

double h(double a, double b) { return sin(a) * b + a * sq(b); }

/* helper calling a helper, both with overwritten locals */
static double hh(double a, double b) {
  double t = h(a, b);
  t = t * a + sq(t);
  return t;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double patterns(double x) { return h(x, 2.0) + h(3.0, x) + h(x, x) + h(1.5, 0.5) * x; }

GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double chain(double x, double y) {
  double s = hh(x, y);
  s += hh(y, 0.3) * sq(x);
  return s;
}

/* only y is wrt: x is passed as an inactive value to the same helpers */
GRADC_JVP(wrt(y))
GRADC_GRAD(wrt(y))
double half_active(double x, double y) { return hh(x, y) + h(y, x); }

/* writes through a pointer parameter */
static void rhs(const double *x, double *dx) {
  dx[0] = x[1];
  dx[1] = -sin(x[0]) - 0.1 * x[1];
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double euler(const double *x) {
  double u[2], k[2];
  u[0] = x[0];
  u[1] = x[1];
  for (int i = 0; i < 10; i++) {
    rhs(u, k);
    u[0] += 0.05 * k[0];
    u[1] += 0.05 * k[1];
  }
  return u[0] * u[0] + u[1];
}

/* a helper that accumulates into its pointer parameter */
void axpy(double a, const double *x, double *y, int n) {
  for (int i = 0; i < n; i++) y[i] += a * x[i];
}

GRADC_JVP(wrt(a, x))
GRADC_GRAD(wrt(a, x))
double use_axpy(double a, const double *x) {
  double y[3] = {1, 2, 3};
  axpy(a, x, y, 3);
  axpy(a * a, y, y, 3);
  return y[0] * y[1] + y[2];
}

/* recursion with an integer depth */
double p(double x, int d) {
  if (d == 0) return 1;
  else return x * p(x, d - 1);
}

static double fib_like(double x, double y, int d) {
  if (d <= 1) {
    return d == 0 ? x : y;
  }
  return fib_like(x, y, d - 1) * 0.5 + sin(fib_like(x, y, d - 2));
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double power(double x) { return p(x, 5) + p(x, 0); }

GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double rec2(double x, double y) { return fib_like(x, y, 6); }

/* a helper that reassigns its by-value parameters, nested calls as
 * arguments, a helper called in a loop */
static double damp(double v, double k) {
  v = v * k;
  k = k + v;
  return v * k;
}

GRADC_JVP(wrt(x, w))
GRADC_GRAD(wrt(x, w))
double nested(double x, const double *w, int n) {
  double s = h(h(x, w[0]), sq(x));
  for (int i = 0; i < n; i++) s = damp(s, w[i]) * 0.1 + w[i];
  return s;
}

/* an annotated function called by another, and an index computed from an
 * active value (no derivative through the index) */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double inner(double x, double y) { return sin(x) * y; }

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double outer(const double *x) {
  int idx = (int)(x[0] * 2);
  return inner(x[0], 2.0) * inner(0.5, x[idx]) + x[idx + 1] * x[idx];
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double patterns_grad(double x, double *x_bar);
double chain_grad(double x, double *x_bar, double y, double *y_bar);
double half_active_grad(double x, double y, double *y_bar);
double euler_grad(const double *x, double *x_bar);
double use_axpy_grad(double a, double *a_bar, const double *x, double *x_bar);
double power_grad(double x, double *x_bar);
double nested_grad(double x, double *x_bar, const double *w, double *w_bar, int n);
static double eval_nested(const double *q) { return nested(q[0], q + 1, 3); }
static void grad_nested(const double *q, double *g) { nested_grad(q[0], &g[0], q + 1, g + 1, 3); }
double outer_grad(const double *x, double *x_bar);
static double eval_outer(const double *q) { return outer(q); }
static void grad_outer(const double *q, double *g) { CHECK_CLOSE(outer_grad(q, g), outer(q), 1e-15); }
double rec2_grad(double x, double *x_bar, double y, double *y_bar);

static double eval_patterns(const double *q) { return patterns(q[0]); }
static void grad_patterns(const double *q, double *g) { patterns_grad(q[0], &g[0]); }
static double eval_chain(const double *q) { return chain(q[0], q[1]); }
static void grad_chain(const double *q, double *g) { chain_grad(q[0], &g[0], q[1], &g[1]); }
static double eval_half(const double *q) { return half_active(0.9, q[0]); }
static void grad_half(const double *q, double *g) { half_active_grad(0.9, q[0], &g[0]); }
static double eval_euler(const double *q) { return euler(q); }
static void grad_euler(const double *q, double *g) { euler_grad(q, g); }
static double eval_axpy(const double *q) { return use_axpy(q[0], q + 1); }
static void grad_axpy(const double *q, double *g) { use_axpy_grad(q[0], &g[0], q + 1, g + 1); }
static double eval_rec2(const double *q) { return rec2(q[0], q[1]); }
static void grad_rec2(const double *q, double *g) { rec2_grad(q[0], &g[0], q[1], &g[1]); }

double patterns_jvp(double x, double x_dot, double *ret_dot);
double chain_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double half_active_jvp(double x, double y, double y_dot, double *ret_dot);
double euler_jvp(const double *x, const double *x_dot, double *ret_dot);
double use_axpy_jvp(double a, double a_dot, const double *x, const double *x_dot, double *ret_dot);
double power_jvp(double x, double x_dot, double *ret_dot);
double rec2_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double nested_jvp(double x, double x_dot, const double *w, const double *w_dot, int n, double *ret_dot);
double outer_jvp(const double *x, const double *x_dot, double *ret_dot);
#define JVP(name, call)                                          \
  static double name(const double *q, const double *u) {        \
    double t;                                                    \
    call;                                                        \
    return t;                                                    \
  }
JVP(jvp_patterns, patterns_jvp(q[0], u[0], &t))
JVP(jvp_chain, chain_jvp(q[0], u[0], q[1], u[1], &t))
JVP(jvp_half, half_active_jvp(0.9, q[0], u[0], &t))
JVP(jvp_euler, euler_jvp(q, u, &t))
JVP(jvp_axpy, use_axpy_jvp(q[0], u[0], q + 1, u + 1, &t))
JVP(jvp_power, power_jvp(q[0], u[0], &t))
JVP(jvp_rec2, rec2_jvp(q[0], u[0], q[1], u[1], &t))
JVP(jvp_nested, nested_jvp(q[0], u[0], q + 1, u + 1, 3, &t))
JVP(jvp_outer, outer_jvp(q, u, &t))
static void grad_power(const double *q, double *g) { power_grad(q[0], &g[0]); }

int main(void) {
  double q[1] = {0.7};
  check_gradient("patterns", eval_patterns, grad_patterns, q, 1, 1e-9);
  check_dot("patterns", jvp_patterns, grad_patterns, q, 1, 1e-12);
  {
    double x = 0.7, d = 0;
    patterns_grad(x, &d);
    /* h(a,b) = sin(a) b + a b^2 */
    double e = (cos(x) * 2 + 4) + (sin(3.0) + 6 * x) + (cos(x) * x + sin(x) + 3 * x * x) +
               (sin(1.5) * 0.5 + 1.5 * 0.25);
    CHECK_CLOSE(d, e, 1e-13);
  }
  double c[2] = {0.4, -0.8};
  check_gradient("chain", eval_chain, grad_chain, c, 2, 1e-9);
  check_dot("chain", jvp_chain, grad_chain, c, 2, 1e-12);
  double hq[1] = {1.1};
  check_gradient("half_active", eval_half, grad_half, hq, 1, 1e-9);
  check_dot("half_active", jvp_half, grad_half, hq, 1, 1e-12);
  double e[2] = {0.5, -0.2};
  check_gradient("euler", eval_euler, grad_euler, e, 2, 1e-9);
  check_dot("euler", jvp_euler, grad_euler, e, 2, 1e-12);
  double a[4] = {0.6, 1.0, -0.5, 2.0};
  check_gradient("use_axpy", eval_axpy, grad_axpy, a, 4, 1e-9);
  check_dot("use_axpy", jvp_axpy, grad_axpy, a, 4, 1e-12);
  {
    double d = 0;
    CHECK_CLOSE(power_grad(1.3, &d), pow(1.3, 5) + 1, 1e-14);
    CHECK_CLOSE(d, 5 * pow(1.3, 4), 1e-14);
  }
  double pw[1] = {1.3};
  check_dot("power", jvp_power, grad_power, pw, 1, 1e-12);
  double r[2] = {0.3, 0.9};
  check_gradient("rec2", eval_rec2, grad_rec2, r, 2, 1e-9);
  check_dot("rec2", jvp_rec2, grad_rec2, r, 2, 1e-12);
  double nq[4] = {0.35, 0.8, -0.6, 1.2};
  check_gradient("nested", eval_nested, grad_nested, nq, 4, 1e-9);
  check_dot("nested", jvp_nested, grad_nested, nq, 4, 1e-12);
  double oq[4] = {1.3, 0.5, 0.8, 0.6}; /* idx = 2 */
  check_gradient("outer", eval_outer, grad_outer, oq, 4, 1e-9);
  check_dot("outer", jvp_outer, grad_outer, oq, 4, 1e-12);
  return check_done("calls");
}
#endif
