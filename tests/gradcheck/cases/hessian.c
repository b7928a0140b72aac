/* Hessians, reverse over forward (GRADC_HESSIAN): the closed form of a
 * polynomial, and on functions with loops, branches, arrays, overwritten
 * values and helper calls, H v against central differences of the gradient
 * along v. The Hessian must also be symmetric. */
#include <math.h>
#include <gradc.h>

GRADC_HESSIAN(wrt(w1, w2))
double poly(double w1, double w2) { return 3 * w1 * w1 + 2 * w1 * w2; }

static double soft(double a, double b) { return log(1 + exp(a * b)) + a * sin(b); }

GRADC_HESSIAN(wrt(x, w))
GRADC_JVP(wrt(x, w))
GRADC_GRAD(wrt(x, w))
double energy(double x, const double *w, int n) {
  double p = 1, s = 0;
  for (int i = 0; i < n; i++) {
    p = p * x + w[i];
    if (p > 1.5) p = sqrt(p);
    s += soft(p, w[i]) * w[(i + 1) % n];
  }
  return s + x * x * x;
}

GRADC_HESSIAN(wrt(a, b, c))
double three(double a, double b, double c) {
  double t = a * b;
  t = exp(t) * c + cos(a);
  return t * t + b / (1 + c * c);
}

/* loops over 3 elements: the one the user asks to unroll (a pragma around
 * the loop, read through), and those gradc marks for unrolling in the
 * tangent code that reverse mode then differentiates */
GRADC_HESSIAN(wrt(x))
double trig3(const double *x) {
  double y[3];
#pragma GCC unroll 3
  for (int k = 0; k < 3; k++) y[k] = sin(x[k]);
  double f = 1;
  for (int k = 0; k < 3; k++) f *= y[k];
  return f;
}

/* a loop that overwrites what it reads, n steps of it: the reverse sweep of
 * its tangent code tapes the old values (and tangents) of each step as
 * blocks (rev_loop.c); with forward over reverse, its Hessian was NaN */
GRADC_HESSIAN(wrt(x))
GRADC_GRAD(wrt(x))
double steps(const double *x, int n) {
  double v[3] = {1, 1, 1};
  for (int t = 0; t < n; t++)
    for (int i = 0; i < 3; i++) v[i] = v[i] * x[i] + sin(x[(i + 1) % 3]) * v[i];
  return v[0] * v[1] + v[2] * v[2];
}

/* what reverse over forward hands to reverse mode: the tangent of a
 * recursive helper (its own split pair), a helper with a custom JVP (the
 * user's g_jvp, differentiated in reverse), a checkpointed loop (which the
 * Hessian runs as usual) */
static double pw(double b, int k) { return k == 0 ? 1 : b * pw(b, k - 1); }

GRADC_GRAD(wrt(x), split)
GRADC_HESSIAN(wrt(x))
double rec(double x, double y) { return pw(x, 3) * sin(y * x) + pw(y, 2) * x; }

__attribute__((unused)) static double soft_jvp(double u, double u_dot, double *ret_dot) {
  *ret_dot = u_dot / (1 + exp(-u));
  return log(1 + exp(u));
}
__attribute__((unused)) static void soft_rev(double u, double *u_bar, double ret_bar) { *u_bar += ret_bar / (1 + exp(-u)); }
GRADC_CUSTOM_GRAD(soft_rev) GRADC_CUSTOM_JVP(soft_jvp)
static double soft2(double u) { return log(1 + exp(u)); }

GRADC_HESSIAN(wrt(a, b))
double cust(double a, double b) { return soft2(a * b) + a * soft2(b); }

GRADC_GRAD(wrt(w))
GRADC_HESSIAN(wrt(w))
double ck(const double *w, int n) {
  double u[3] = {0.1, 0.2, 0.3};
  GRADC_CHECKPOINT(4);
  for (int t = 0; t < n; t++)
    for (int i = 0; i < 3; i++) u[i] = 0.9 * u[i] + 0.1 * tanh(w[i] * u[(i + 1) % 3] + w[3]);
  return u[0] * u[1] + u[2];
}

/* A pointer moved by a branch on the data: its memory is x's whatever the
 * branch (the direction x_v in the tangent function carries no derivative
 * of x; it was once refused as a parameter without an adjoint). */
GRADC_GRAD(wrt(x))
GRADC_HESSIAN(wrt(x))
double moved(const double *x, int n) {
  double a = x[0];
  const double *q = x + n;
  q = q - (a > 0 ? 1 : 2);
  return q[0] * q[0] * a + sin(x[1] * a);
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double rec_hvp(double x, double x_v, double *x_hv, double y);
double rec_fwd(double x, double y, gradc_tape *tape);
void rec_rev(double x, double *x_bar, double y, double ret_bar, gradc_tape *tape);
double cust_hessian(double a, double b, double *H);
double ck_hvp(const double *w, const double *w_v, double *w_hv, int n);
double ck_grad(const double *w, double *w_bar, int n);
double moved_hvp(const double *x, const double *x_v, double *x_hv, int n);
double moved_grad(const double *x, double *x_bar, int n);

static double rec_dx(double x, double y) {
  double gx = 0;
  gradc_tape t;
  gradc_tape_init(&t);
  rec_fwd(x, y, &t);
  rec_rev(x, &gx, y, 1.0, &t);
  gradc_tape_release(&t);
  return gx;
}

static double eval_cust(const double *p) { return cust(p[0], p[1]); }
double steps_hvp(const double *x, const double *x_v, double *x_hv, int n);
double steps_grad(const double *x, double *x_bar, int n);
double trig3_hvp(const double *x, const double *x_v, double *x_hv);
double poly_hessian(double w1, double w2, double *H);
double energy_hvp(double x, double x_v, double *x_hv, const double *w, const double *w_v, double *w_hv, int n);
double energy_grad(double x, double *x_bar, const double *w, double *w_bar, int n);
double three_hessian(double a, double b, double c, double *H);

/* H v from central differences of the gradient along v (n <= 4),
 * Richardson-extrapolated */
static void fd_hvp(void (*grad)(const double *p, double *g), const double *p, const double *v, int n, double *out) {
  double d[2][4];
  double h = 1e-4;
  for (int k = 0; k < 2; k++, h /= 2) {
    double pp[4], pm[4], gp[4] = {0}, gm[4] = {0};
    for (int i = 0; i < n; i++) pp[i] = p[i] + h * v[i], pm[i] = p[i] - h * v[i];
    grad(pp, gp), grad(pm, gm);
    for (int i = 0; i < n; i++) d[k][i] = (gp[i] - gm[i]) / (2 * h);
  }
  for (int i = 0; i < n; i++) out[i] = (4 * d[1][i] - d[0][i]) / 3;
}

double energy_jvp(double x, double x_dot, const double *w, const double *w_dot, int n, double *ret_dot);
static void grad_energy(const double *p, double *g) { energy_grad(p[0], &g[0], p + 1, g + 1, 3); }
static void grad_steps(const double *x, double *g) { steps_grad(x, g, 4); }
static void grad_ck(const double *w, double *g) { ck_grad(w, g, 10); }
static void grad_moved(const double *x, double *g) { moved_grad(x, g, 4); }
static double jvp_energy(const double *p, const double *u) {
  double t;
  energy_jvp(p[0], u[0], p + 1, u + 1, 3, &t);
  return t;
}

static double eval_three(const double *p) { return three(p[0], p[1], p[2]); }

int main(void) {
  double H[4];
  CHECK_CLOSE(poly_hessian(5, 3, H), 105, 0);
  CHECK_CLOSE(H[0], 6, 0);
  CHECK_CLOSE(H[1], 2, 0);
  CHECK_CLOSE(H[2], 2, 0);
  CHECK_CLOSE(H[3], 0, 0);

  double p[4] = {0.7, 0.4, -0.3, 0.9};
  check_dot("energy", jvp_energy, grad_energy, p, 4, 1e-12);
  double vs[3][4] = {{1, 0, 0, 0}, {0.3, -0.5, 0.2, 0.8}, {0, 0, 1, 0}};
  for (int k = 0; k < 3; k++) {
    double hv[4] = {0}, fd[4];
    CHECK_CLOSE(energy_hvp(p[0], vs[k][0], &hv[0], p + 1, vs[k] + 1, hv + 1, 3), energy(p[0], p + 1, 3), 0);
    fd_hvp(grad_energy, p, vs[k], 4, fd);
    for (int i = 0; i < 4; i++) CHECK_CLOSE(hv[i], fd[i], 1e-7);
  }

  /* trig3 = sin x0 sin x1 sin x2: H_ii = -f, H_ij = cos xi cos xj sin xk */
  double x3[3] = {0.4, 1.1, -0.7}, v3[3] = {0.5, -0.2, 0.9}, hv3[3] = {0};
  CHECK_CLOSE(trig3_hvp(x3, v3, hv3), sin(x3[0]) * sin(x3[1]) * sin(x3[2]), 1e-15);
  for (int i = 0; i < 3; i++) {
    double e = 0;
    for (int j = 0; j < 3; j++) {
      int k = 3 - i - j;
      double h = i == j ? -sin(x3[0]) * sin(x3[1]) * sin(x3[2]) : cos(x3[i]) * cos(x3[j]) * sin(x3[k]);
      e += h * v3[j];
    }
    CHECK_CLOSE(hv3[i], e, 1e-13);
  }

  /* steps: H v against central differences of the gradient along v */
  double xs[3] = {0.9, 1.2, 0.7}, vst[3] = {0.4, -0.8, 0.3}, hvs[3] = {0}, fds[3];
  CHECK_CLOSE(steps_hvp(xs, vst, hvs, 4), steps(xs, 4), 0);
  fd_hvp(grad_steps, xs, vst, 3, fds);
  for (int i = 0; i < 3; i++) CHECK_CLOSE(hvs[i], fds[i], 1e-7);

  double q[3] = {0.3, -0.6, 0.8}, H3[9];
  three_hessian(q[0], q[1], q[2], H3);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      CHECK_CLOSE(H3[i * 3 + j], H3[j * 3 + i], 1e-13);
      /* second differences of f */
      double e = 1e-4, a[3] = {q[0], q[1], q[2]};
      a[i] += e, a[j] += e; double fpp = eval_three(a);
      a[j] -= 2 * e; double fpm = eval_three(a);
      a[i] -= 2 * e; double fmm = eval_three(a);
      a[j] += 2 * e; double fmp = eval_three(a);
      CHECK_CLOSE(H3[i * 3 + j], (fpp - fpm - fmp + fmm) / (4 * e * e), 1e-5);
    }
  /* rec: d2/dx2 against central differences of the split pair's gradient */
  double hr = 0;
  CHECK_CLOSE(rec_hvp(0.7, 1.0, &hr, 1.3), rec(0.7, 1.3), 1e-15);
  CHECK_CLOSE(hr, (4 * (rec_dx(0.7 + 5e-5, 1.3) - rec_dx(0.7 - 5e-5, 1.3)) / 1e-4 -
                   (rec_dx(0.7 + 1e-4, 1.3) - rec_dx(0.7 - 1e-4, 1.3)) / 2e-4) / 3, 1e-7);

  /* cust: the whole Hessian against second differences of f */
  double pc[2] = {0.4, -0.8}, Hc[4];
  CHECK_CLOSE(cust_hessian(pc[0], pc[1], Hc), cust(pc[0], pc[1]), 1e-15);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++) {
      double e = 1e-4, a[2] = {pc[0], pc[1]};
      a[i] += e, a[j] += e; double fpp = eval_cust(a);
      a[j] -= 2 * e; double fpm = eval_cust(a);
      a[i] -= 2 * e; double fmm = eval_cust(a);
      a[j] += 2 * e; double fmp = eval_cust(a);
      CHECK_CLOSE(Hc[i * 2 + j], (fpp - fpm - fmp + fmm) / (4 * e * e), 1e-5);
    }

  /* ck: H v against central differences of the (checkpointed) gradient */
  double wk[4] = {0.5, -0.3, 0.8, 0.1}, vk[4] = {1, 0.2, -0.5, 0.3}, hk[4] = {0}, fdk[4];
  CHECK_CLOSE(ck_hvp(wk, vk, hk, 10), ck(wk, 10), 1e-15);
  fd_hvp(grad_ck, wk, vk, 4, fdk);
  for (int i = 0; i < 4; i++) CHECK_CLOSE(hk[i], fdk[i], 1e-8);

  /* moved: H v against differences of the gradient, on both sides of the branch */
  double xm[2][4] = {{0.7, -0.4, 0.9, 0.3}, {-0.6, 0.5, -0.2, 0.8}}, vm[4] = {0.3, -1, 0.5, 0.2};
  for (int c = 0; c < 2; c++) {
    double hm[4] = {0}, fdm[4];
    CHECK_CLOSE(moved_hvp(xm[c], vm, hm, 4), moved(xm[c], 4), 1e-15);
    fd_hvp(grad_moved, xm[c], vm, 4, fdm);
    for (int i = 0; i < 4; i++) CHECK_CLOSE(hm[i], fdm[i], 1e-8);
  }
  return check_done("hessian");
}
#endif
