/* Loops: counted loops over arrays, Horner, while loops with data-dependent
 * trip counts (Newton to convergence), do-while, nested loops, break,
 * continue, return from inside a loop, steps of 2 and counting down,
 * in-place updates, a heat stencil with swapped buffers, local arrays
 * (fixed size and VLA), malloc/calloc temporaries, *p++ walks. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double sumsq(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i] * x[i];
  return s;
}

GRADC_JVP(wrt(x, w))
GRADC_GRAD(wrt(x, w))
double dotp(const double *x, const double *w, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s = s + x[i] * w[i];
  return s;
}

GRADC_JVP(wrt(x, c))
GRADC_GRAD(wrt(x, c))
double horner(double x, const double *c, int n) {
  double p = 0;
  for (int i = 0; i < n; i++) p = p * x + c[i];
  return p;
}

/* Newton for sqrt(a), to convergence: the trip count depends on a */
GRADC_JVP(wrt(a))
GRADC_GRAD(wrt(a))
double newton_sqrt(double a) {
  double r = a > 1 ? a : 1;
  while (fabs(r * r - a) > 1e-14 * a) r = 0.5 * (r + a / r);
  return r;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double dowhile(double x) {
  double s = x;
  int k = 0;
  do {
    s = s * 0.9 + sin(s) * x;
    k++;
  } while (s < 2 && k < 40);
  return s;
}

GRADC_JVP(wrt(a, x))
GRADC_GRAD(wrt(a, x))
double matvec(const double *a, const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    double yi = 0;
    for (int j = 0; j < n; j++) yi += a[i * n + j] * x[j];
    s += yi * yi;
  }
  return s;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double brk_cont(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    if (x[i] < 0) continue;
    s = s * x[i] + x[i];
    if (s > 3) break;
  }
  return s;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double ret_in_loop(const double *x, int n) {
  double s = 1;
  for (int i = 0; i < n; i++) {
    s *= x[i];
    if (s > 2) return s * s;
  }
  return -s;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double steps(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i += 2) s = s * 0.5 + x[i] * x[i + 1];
  for (int i = n - 1; i >= 0; i--) s = sin(s) + x[i];
  for (int i = n - 2; i > 0; i -= 3) s *= x[i];
  return s;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double inplace(const double *x, int n) {
  double t[8];
  for (int i = 0; i < n; i++) t[i] = x[i];
  for (int k = 0; k < 3; k++)
    for (int i = 1; i < n; i++) t[i] = t[i] * t[i] - t[i - 1];
  double s = 0;
  for (int i = 0; i < n; i++) s += t[i];
  return s;
}

/* explicit heat equation, two buffers swapped by pointers: local arrays */
GRADC_JVP(wrt(u0, k))
GRADC_GRAD(wrt(u0, k))
double heat(const double *u0, double k, int n, int steps) {
  double a[16], b[16];
  double *u = a, *v = b;
  for (int i = 0; i < n; i++) u[i] = u0[i];
  for (int s = 0; s < steps; s++) {
    v[0] = u[0];
    v[n - 1] = u[n - 1];
    for (int i = 1; i < n - 1; i++) v[i] = u[i] + k * (u[i - 1] - 2 * u[i] + u[i + 1]);
    double *t = u;
    u = v;
    v = t;
  }
  double e = 0;
  for (int i = 0; i < n; i++) e += u[i] * u[i] * (i + 1);
  return e;
}

/* the same with malloc'd buffers and a VLA copy of the result */
GRADC_JVP(wrt(u0, k))
GRADC_GRAD(wrt(u0, k))
double heat_malloc(const double *u0, double k, int n, int steps) {
  double *u = malloc(n * sizeof *u);
  double *v = calloc(n, sizeof *v);
  for (int i = 0; i < n; i++) u[i] = u0[i];
  for (int s = 0; s < steps; s++) {
    v[0] = u[0];
    v[n - 1] = u[n - 1];
    for (int i = 1; i < n - 1; i++) v[i] = u[i] + k * (u[i - 1] - 2 * u[i] + u[i + 1]);
    double *t = u;
    u = v;
    v = t;
  }
  double w[n];
  for (int i = 0; i < n; i++) w[i] = u[i] * u[i];
  free(u);
  free(v);
  double e = 0;
  for (int i = 0; i < n; i++) e += w[i] * (i + 1);
  return e;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double vla(const double *x, int n) {
  double t[n];
  for (int i = 0; i < n; i++) t[i] = exp(x[i]);
  double z = 0;
  for (int i = 0; i < n; i++) z += t[i];
  double s = 0;
  for (int i = 0; i < n; i++) s += x[i] * t[i] / z;
  return s;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double walk(const double *x, int n) {
  const double *p = x;
  double s = 0;
  while (p < x + n) {
    s = s * 0.5 + *p * *p;
    p++;
  }
  double *t = malloc(n * sizeof *t), *q = t;
  for (int i = 0; i < n; i++) *q++ = x[i] * s;
  q = t;
  double r = 0;
  for (int i = 0; i < n; i++) r += sin(*q++);
  free(t);
  return r;
}

/* A pointer stepped back by compound offsets: its adjoint must take the same
 * steps, p_bar - (k + 1), not p_bar - k + 1 (which the adjoint text once
 * wrote, reaching outside x_bar). */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double walk_back(const double *x, int n) {
  const double *p = x + n;
  double s = 0;
  int k = 1;
  for (int i = 0; i < 3; i++) {
    p = p - (k + 1);   /* x + n - 2, x + n - 4, x + n - 6 */
    s += p[0] * p[1] * (i + 1);
  }
  const double *q = p - (n > 6 ? 2 : 1) + (k + 1);
  return s + sin(q[0]) * q[1];
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double sumsq_grad(const double *x, double *x_bar, int n);
double dotp_grad(const double *x, double *x_bar, const double *w, double *w_bar, int n);
double horner_grad(double x, double *x_bar, const double *c, double *c_bar, int n);
double newton_sqrt_grad(double a, double *a_bar);
double dowhile_grad(double x, double *x_bar);
double matvec_grad(const double *a, double *a_bar, const double *x, double *x_bar, int n);
double brk_cont_grad(const double *x, double *x_bar, int n);
double ret_in_loop_grad(const double *x, double *x_bar, int n);
double steps_grad(const double *x, double *x_bar, int n);
double inplace_grad(const double *x, double *x_bar, int n);
double heat_grad(const double *u0, double *u0_bar, double k, double *k_bar, int n, int steps);
double heat_malloc_grad(const double *u0, double *u0_bar, double k, double *k_bar, int n, int steps);
double vla_grad(const double *x, double *x_bar, int n);
double walk_grad(const double *x, double *x_bar, int n);
double sumsq_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double dotp_jvp(const double *x, const double *x_dot, const double *w, const double *w_dot, int n, double *ret_dot);
double horner_jvp(double x, double x_dot, const double *c, const double *c_dot, int n, double *ret_dot);
double newton_sqrt_jvp(double a, double a_dot, double *ret_dot);
double dowhile_jvp(double x, double x_dot, double *ret_dot);
double matvec_jvp(const double *a, const double *a_dot, const double *x, const double *x_dot, int n, double *ret_dot);
double brk_cont_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double ret_in_loop_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double steps_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double inplace_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double heat_jvp(const double *u0, const double *u0_dot, double k, double k_dot, int n, int steps, double *ret_dot);
double heat_malloc_jvp(const double *u0, const double *u0_dot, double k, double k_dot, int n, int steps, double *ret_dot);
double vla_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double walk_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double walk_back_grad(const double *x, double *x_bar, int n);
double walk_back_jvp(const double *x, const double *x_dot, int n, double *ret_dot);

#define ARR(fn, n)                                                                 \
  static double eval_##fn(const double *p) { return fn(p, n); }                 \
  static void grad_##fn(const double *p, double *g) {                           \
    CHECK_CLOSE(fn##_grad(p, g, n), fn(p, n), 1e-15);                          \
  }                                                                             \
  static double jvp_##fn(const double *p, const double *u) {                    \
    double t;                                                                   \
    fn##_jvp(p, u, n, &t);                                                      \
    return t;                                                                   \
  }
ARR(sumsq, 5)
ARR(brk_cont, 6)
ARR(ret_in_loop, 5)
ARR(steps, 8)
ARR(inplace, 6)
ARR(vla, 7)
ARR(walk, 6)
ARR(walk_back, 7)

static double eval_dotp(const double *p) { return dotp(p, p + 4, 4); }
static void grad_dotp(const double *p, double *g) { dotp_grad(p, g, p + 4, g + 4, 4); }
static double eval_horner(const double *p) { return horner(p[0], p + 1, 5); }
static void grad_horner(const double *p, double *g) { horner_grad(p[0], &g[0], p + 1, g + 1, 5); }
static double eval_newton(const double *p) { return newton_sqrt(p[0]); }
static void grad_newton(const double *p, double *g) { newton_sqrt_grad(p[0], &g[0]); }
static double eval_dowhile(const double *p) { return dowhile(p[0]); }
static void grad_dowhile(const double *p, double *g) { dowhile_grad(p[0], &g[0]); }
static double eval_matvec(const double *p) { return matvec(p, p + 9, 3); }
static void grad_matvec(const double *p, double *g) { matvec_grad(p, g, p + 9, g + 9, 3); }
static double eval_heat(const double *p) { return heat(p + 1, p[0], 8, 12); }
static void grad_heat(const double *p, double *g) {
  CHECK_CLOSE(heat_grad(p + 1, g + 1, p[0], &g[0], 8, 12), heat(p + 1, p[0], 8, 12), 1e-15);
}
static double eval_heat_m(const double *p) { return heat_malloc(p + 1, p[0], 8, 11); }
static void grad_heat_m(const double *p, double *g) {
  CHECK_CLOSE(heat_malloc_grad(p + 1, g + 1, p[0], &g[0], 8, 11), heat_malloc(p + 1, p[0], 8, 11), 1e-15);
}

static double jvp_dotp(const double *p, const double *u) { double t; dotp_jvp(p, u, p + 4, u + 4, 4, &t); return t; }
static double jvp_horner(const double *p, const double *u) { double t; horner_jvp(p[0], u[0], p + 1, u + 1, 5, &t); return t; }
static double jvp_newton(const double *p, const double *u) { double t; newton_sqrt_jvp(p[0], u[0], &t); return t; }
static double jvp_dowhile(const double *p, const double *u) { double t; dowhile_jvp(p[0], u[0], &t); return t; }
static double jvp_matvec(const double *p, const double *u) { double t; matvec_jvp(p, u, p + 9, u + 9, 3, &t); return t; }
static double jvp_heat(const double *p, const double *u) { double t; heat_jvp(p + 1, u + 1, p[0], u[0], 8, 12, &t); return t; }
static double jvp_heat_m(const double *p, const double *u) { double t; heat_malloc_jvp(p + 1, u + 1, p[0], u[0], 8, 11, &t); return t; }

int main(void) {
  double x5[5] = {0.3, -1.2, 0.8, 2.0, -0.4};
  check_gradient("sumsq", eval_sumsq, grad_sumsq, x5, 5, 1e-9);
  check_dot("sumsq", jvp_sumsq, grad_sumsq, x5, 5, 1e-12);
  {
    double g[5] = {0};
    sumsq_grad(x5, g, 5);
    for (int i = 0; i < 5; i++) CHECK_CLOSE(g[i], 2 * x5[i], 1e-15);
  }
  double d8[8] = {0.3, -1.2, 0.8, 2.0, 1.1, 0.7, -0.9, 0.25};
  check_gradient("dotp", eval_dotp, grad_dotp, d8, 8, 1e-9);
  check_dot("dotp", jvp_dotp, grad_dotp, d8, 8, 1e-12);
  double h6[6] = {0.7, 1.0, -2.0, 0.5, 3.0, -1.0};
  check_gradient("horner", eval_horner, grad_horner, h6, 6, 1e-9);
  check_dot("horner", jvp_horner, grad_horner, h6, 6, 1e-12);
  {
    double c[5] = {1.0, -2.0, 0.5, 3.0, -1.0}, gx = 0, gc[5] = {0}, x = 0.7;
    horner_grad(x, &gx, c, gc, 5);
    CHECK_CLOSE(gx, 4 * x * x * x - 6 * x * x + 2 * 0.5 * x + 3, 1e-14);
    for (int i = 0; i < 5; i++) CHECK_CLOSE(gc[i], pow(x, 4 - i), 1e-14);
  }
  for (double a = 0.3; a < 50; a *= 2.7) {
    double p[1] = {a}, d = 0;
    check_gradient("newton_sqrt", eval_newton, grad_newton, p, 1, 1e-6);
    check_dot("newton_sqrt", jvp_newton, grad_newton, p, 1, 1e-12);
    newton_sqrt_grad(a, &d);
    CHECK_CLOSE(d, 0.5 / sqrt(a), 1e-6);
  }
  double dw[1] = {0.45};
  check_gradient("dowhile", eval_dowhile, grad_dowhile, dw, 1, 1e-9);
  check_dot("dowhile", jvp_dowhile, grad_dowhile, dw, 1, 1e-12);
  dw[0] = 0.05;
  check_gradient("dowhile at small x", eval_dowhile, grad_dowhile, dw, 1, 1e-9);
  check_dot("dowhile at small x", jvp_dowhile, grad_dowhile, dw, 1, 1e-12);
  double m[12] = {0.3, -1.2, 0.8, 2.0, 1.1, 0.7, -0.9, 0.25, 0.6, 1.5, -0.5, 0.2};
  check_gradient("matvec", eval_matvec, grad_matvec, m, 12, 1e-9);
  check_dot("matvec", jvp_matvec, grad_matvec, m, 12, 1e-12);
  double b6[6] = {0.5, -0.4, 1.3, 0.9, 2.2, 0.6};
  check_gradient("brk_cont", eval_brk_cont, grad_brk_cont, b6, 6, 1e-9);
  check_dot("brk_cont", jvp_brk_cont, grad_brk_cont, b6, 6, 1e-12);
  double b6b[6] = {0.5, -0.4, 0.3, -0.9, 0.2, 0.6};
  check_gradient("brk_cont without break", eval_brk_cont, grad_brk_cont, b6b, 6, 1e-9);
  check_dot("brk_cont without break", jvp_brk_cont, grad_brk_cont, b6b, 6, 1e-12);
  double r5[5] = {1.1, 1.3, 0.9, 1.8, 1.2};
  check_gradient("ret_in_loop", eval_ret_in_loop, grad_ret_in_loop, r5, 5, 1e-9);
  check_dot("ret_in_loop", jvp_ret_in_loop, grad_ret_in_loop, r5, 5, 1e-12);
  double r5b[5] = {1.1, 0.3, 0.9, 1.8, 1.2};
  check_gradient("ret_in_loop to the end", eval_ret_in_loop, grad_ret_in_loop, r5b, 5, 1e-9);
  check_dot("ret_in_loop to the end", jvp_ret_in_loop, grad_ret_in_loop, r5b, 5, 1e-12);
  check_gradient("steps", eval_steps, grad_steps, d8, 8, 1e-9);
  check_dot("steps", jvp_steps, grad_steps, d8, 8, 1e-12);
  double i6[6] = {0.5, -0.4, 0.3, 0.9, 0.2, 0.6};
  check_gradient("inplace", eval_inplace, grad_inplace, i6, 6, 1e-9);
  check_dot("inplace", jvp_inplace, grad_inplace, i6, 6, 1e-12);
  double u[9] = {0.2, 0, 0.3, 1.0, 0.5, -0.2, 0.8, 0.1, 0};
  check_gradient("heat", eval_heat, grad_heat, u, 9, 1e-9);
  check_dot("heat", jvp_heat, grad_heat, u, 9, 1e-12);
  check_gradient("heat_malloc", eval_heat_m, grad_heat_m, u, 9, 1e-9);
  check_dot("heat_malloc", jvp_heat_m, grad_heat_m, u, 9, 1e-12);
  double v7[7] = {0.5, -0.4, 0.3, 0.9, 0.2, 0.6, -1.1};
  check_gradient("vla", eval_vla, grad_vla, v7, 7, 1e-9);
  check_dot("vla", jvp_vla, grad_vla, v7, 7, 1e-12);
  check_gradient("walk", eval_walk, grad_walk, i6, 6, 1e-9);
  check_dot("walk", jvp_walk, grad_walk, i6, 6, 1e-12);
  check_gradient("walk_back", eval_walk_back, grad_walk_back, v7, 7, 1e-9);
  check_dot("walk_back", jvp_walk_back, grad_walk_back, v7, 7, 1e-12);
  return check_done("loops");
}
#endif
