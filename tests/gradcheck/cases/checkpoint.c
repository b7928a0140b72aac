/* GRADC_CHECKPOINT: each loop is written twice, marked and not; the marked
 * one's gradient must equal the other's (the reverse sweep replays the same
 * arithmetic from snapshots) and central differences. Buffers from malloc
 * that swap, a while loop whose trip count is known only when it ends (an
 * adaptive step), a do loop over a local array with continue and break,
 * a helper with scratch memory called in every iteration, a variable the
 * loop reads that a statement after it overwrites, and 0 (gradc
 * chooses), 1 (no snapshot but the first) and more snapshots than
 * iterations. */
#include <gradc.h>
#include <math.h>
#include <stdlib.h>

GRADC_GRAD(wrt(u0, k))
double heat(const double *u0, double k, int n, int steps, int snaps) {
  double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v);
  for (int i = 0; i < n; i++) u[i] = u0[i];
  GRADC_CHECKPOINT(snaps);
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++) v[i] = u[i] + k * (u[i - 1] - 2 * u[i] + u[i + 1]) + 0.1 * sin(u[i]);
    v[0] = u[0] * cos(k);
    v[n - 1] = u[n - 1];
    double *tmp = u;
    u = v;
    v = tmp;
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += u[i] * u[i] * (1 + 0.1 * i);
  free(u);
  free(v);
  return s;
}

GRADC_GRAD(wrt(u0, k))
double heat_ref(const double *u0, double k, int n, int steps, int snaps) {
  (void)snaps;
  double *u = malloc(n * sizeof *u), *v = malloc(n * sizeof *v);
  for (int i = 0; i < n; i++) u[i] = u0[i];
  for (int t = 0; t < steps; t++) {
    for (int i = 1; i < n - 1; i++) v[i] = u[i] + k * (u[i - 1] - 2 * u[i] + u[i + 1]) + 0.1 * sin(u[i]);
    v[0] = u[0] * cos(k);
    v[n - 1] = u[n - 1];
    double *tmp = u;
    u = v;
    v = tmp;
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += u[i] * u[i] * (1 + 0.1 * i);
  free(u);
  free(v);
  return s;
}

/* y' = -p y + sin(t) with a step that depends on y: how many steps is only
 * known at the end */
GRADC_GRAD(wrt(y0, p))
double ode(double y0, double p, double tend) {
  double y = y0, t = 0;
  GRADC_CHECKPOINT(0);
  while (t < tend) {
    double h = 0.05 * (1 + 0.5 * sin(y));
    if (t + h > tend) h = tend - t;
    y = y + h * (-p * y + sin(t + y));
    t += h;
  }
  return y * y;
}

GRADC_GRAD(wrt(y0, p))
double ode_ref(double y0, double p, double tend) {
  double y = y0, t = 0;
  while (t < tend) {
    double h = 0.05 * (1 + 0.5 * sin(y));
    if (t + h > tend) h = tend - t;
    y = y + h * (-p * y + sin(t + y));
    t += h;
  }
  return y * y;
}

GRADC_GRAD(wrt(x))
double relax(const double *x, int snaps) {
  double a[8];
  for (int i = 0; i < 8; i++) a[i] = x[i];
  int it = 0;
  GRADC_CHECKPOINT(snaps);
  do {
    it++;
    if (it % 3 == 0) continue;
    for (int i = 1; i < 7; i++) {
      a[i] = 0.5 * a[i] + 0.25 * (a[i - 1] + a[i + 1]) * a[i];
      if (a[i] > 5) break;
    }
  } while (it < 12);
  return a[3] + a[5] * a[6];
}

GRADC_GRAD(wrt(x))
double relax_ref(const double *x, int snaps) {
  (void)snaps;
  double a[8];
  for (int i = 0; i < 8; i++) a[i] = x[i];
  int it = 0;
  do {
    it++;
    if (it % 3 == 0) continue;
    for (int i = 1; i < 7; i++) {
      a[i] = 0.5 * a[i] + 0.25 * (a[i - 1] + a[i + 1]) * a[i];
      if (a[i] > 5) break;
    }
  } while (it < 12);
  return a[3] + a[5] * a[6];
}

/* a helper with scratch memory (a VLA, a calloc'd buffer once inlined),
 * called in every iteration */
static double spread(const double *a, int n, double c) {
  double t[n];
  for (int i = 0; i < n; i++) t[i] = tanh(c * a[i]);
  double s = 0;
  for (int i = 1; i < n; i++) s += t[i] * t[i - 1];
  return s;
}

GRADC_GRAD(wrt(x))
double scratch(const double *x, int steps) {
  double a[5], acc = 0, d = 0.1 * x[4];
  for (int i = 0; i < 5; i++) a[i] = x[i];
  GRADC_CHECKPOINT(3);
  for (int t = 0; t < steps; t++) {
    acc = 0.5 * acc + spread(a, 5, 0.7) + d;
    for (int i = 0; i < 5; i++) a[i] = a[i] * 0.9 + 0.05 * acc;
  }
  d = 0.3 * x[1] + a[0];   /* read by the loop, overwritten after it: saved for its second run */
  return acc + a[2] * d;
}

GRADC_GRAD(wrt(x))
double scratch_ref(const double *x, int steps) {
  double a[5], acc = 0, d = 0.1 * x[4];
  for (int i = 0; i < 5; i++) a[i] = x[i];
  for (int t = 0; t < steps; t++) {
    acc = 0.5 * acc + spread(a, 5, 0.7) + d;
    for (int i = 0; i < 5; i++) a[i] = a[i] * 0.9 + 0.05 * acc;
  }
  d = 0.3 * x[1] + a[0];   /* read by the loop, overwritten after it: saved for its second run */
  return acc + a[2] * d;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double heat_grad(const double *u0, double *u0_bar, double k, double *k_bar, int n, int steps, int snaps);
double heat_ref_grad(const double *u0, double *u0_bar, double k, double *k_bar, int n, int steps, int snaps);
double ode_grad(double y0, double *y0_bar, double p, double *p_bar, double tend);
double ode_ref_grad(double y0, double *y0_bar, double p, double *p_bar, double tend);
double relax_grad(const double *x, double *x_bar, int snaps);
double relax_ref_grad(const double *x, double *x_bar, int snaps);
double scratch_grad(const double *x, double *x_bar, int steps);
double scratch_ref_grad(const double *x, double *x_bar, int steps);
static double e_scratch(const double *p) { return scratch(p, 9); }
static void g_scratch(const double *p, double *g) { scratch_grad(p, g, 9); }

enum { N = 6 };
static int STEPS, SNAPS;
static double e_heat(const double *p) { return heat(p, p[N], N, STEPS, SNAPS); }
static void g_heat(const double *p, double *g) { heat_grad(p, g, p[N], &g[N], N, STEPS, SNAPS); }
static double e_ode(const double *p) { return ode(p[0], p[1], 2.0); }
static void g_ode(const double *p, double *g) { ode_grad(p[0], &g[0], p[1], &g[1], 2.0); }
static double e_relax(const double *p) { return relax(p, SNAPS); }
static void g_relax(const double *p, double *g) { relax_grad(p, g, SNAPS); }

/* the marked gradient equals the unmarked one */
static void same(const char *name, const double *a, const double *b, int n) {
  for (int i = 0; i < n; i++)
    if (!close_enough(a[i], b[i], 1e-12)) {
      printf("FAIL %s: d/dp[%d] %.17g with checkpointing, %.17g without\n", name, i, a[i], b[i]);
      check_failures++;
    }
}

int main(void) {
  double p[N + 1];
  for (int i = 0; i < N; i++) p[i] = 0.5 + 0.3 * sin(i + 1.0);
  p[N] = 0.2;
  int steps[] = {0, 1, 2, 7, 40}, snaps[] = {0, 1, 3, 100};
  for (int a = 0; a < 5; a++)
    for (int b = 0; b < 4; b++) {
      STEPS = steps[a], SNAPS = snaps[b];
      double g1[N + 1] = {0}, g2[N + 1] = {0};
      g_heat(p, g1);
      heat_ref_grad(p, g2, p[N], &g2[N], N, STEPS, SNAPS);
      same("heat", g1, g2, N + 1);
      if (a == 4 && b == 2) check_gradient("heat", e_heat, g_heat, p, N + 1, 1e-8);
    }
  double q[2] = {0.7, 1.3}, h1[2] = {0}, h2[2] = {0};
  g_ode(q, h1);
  ode_ref_grad(q[0], &h2[0], q[1], &h2[1], 2.0);
  same("ode", h1, h2, 2);
  check_gradient("ode", e_ode, g_ode, q, 2, 1e-7);
  double x[8] = {0.3, 0.9, -0.4, 1.1, 0.2, 0.8, 0.5, -0.6};
  for (SNAPS = 0; SNAPS < 5; SNAPS++) {
    double r1[8] = {0}, r2[8] = {0};
    g_relax(x, r1);
    relax_ref_grad(x, r2, SNAPS);
    same("relax", r1, r2, 8);
  }
  SNAPS = 2;
  check_gradient("relax", e_relax, g_relax, x, 8, 1e-8);
  double c1[5] = {0}, c2[5] = {0};
  g_scratch(x, c1);
  scratch_ref_grad(x, c2, 9);
  same("scratch", c1, c2, 5);
  check_gradient("scratch", e_scratch, g_scratch, x, 5, 1e-8);
  return check_done("checkpoint");
}
#endif
