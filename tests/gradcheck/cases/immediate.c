/* Sum loops whose iterations are reversed as they run (immediate.c), the
 * values of a nested prefix taped once instead of computed again (snapshots,
 * recompute.c), and adjoints added up in a local over an inner loop
 * (promotions, rev_loop.c); an input changed after such a loop (its
 * adjoint's additions wait in a local). And the near misses that must keep
 * the ordinary reverse sweep: a seed that is not a constant, a buffer
 * carried between iterations, scratch read after the loop.
 * Every gradient is checked against central differences and the dot-product
 * test. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

/* BA-like: a helper (inlined) fills a local array through literal indices,
 * in either branch of an if; the sum is the result */
static void rotate(const double *r, const double *x, double *out) {
  double t2 = r[0] * r[0] + r[1] * r[1];
  if (t2 > 0.01) {
    double t = sqrt(t2), c = cos(t), s = sin(t);
    out[0] = x[0] * c - x[1] * s;
    out[1] = x[0] * s + x[1] * c;
  } else {
    out[0] = x[0] - r[1] * x[1];
    out[1] = x[1] + r[0] * x[0];
  }
}

GRADC_JVP(wrt(cam, pts))
GRADC_GRAD(wrt(cam, pts))
double obs_sum(int n, const double *cam, const double *pts, const int *idx) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    double y[2];
    rotate(cam + 2 * idx[i], pts + 2 * i, y);
    double e = y[0] / (1.0 + y[1] * y[1]) - 0.1 * i;
    s += e * e;
  }
  return s;
}

/* two sum loops, whose adjoints are 0.5 and -2 (through scalars after them) */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double two_sums(int n, const double *w) {
  double s = 0, t = 0;
  for (int i = 0; i < n; i++) s += sin(w[i]) * w[(i + 1) % n];
  for (int i = 0; i < n; i++) {
    double a = w[i] * w[i];
    t -= a * exp(-a);
  }
  double m = s / 4.0;
  double r = m - t;
  return 2.0 * r - 1.0;
}

/* a nested prefix in each iteration of a sum loop (snapshot inside a loop
 * reversed as it runs), its triangular walk moving a pointer */
GRADC_JVP(wrt(mu, L))
GRADC_GRAD(wrt(mu, L))
double tri_sum(int d, int K, int n, const double *x, const double *mu, const double *L) {
  const int lsz = d * (d - 1) / 2;
  double *xc = malloc(d * sizeof(double));
  double *Lxc = malloc(d * sizeof(double));
  double total = 0;
  for (int p = 0; p < n; p++) {
    double best = -1e300, acc = 0;
    for (int k = 0; k < K; k++) {
      const double *l = L + k * lsz;
      for (int i = 0; i < d; i++) xc[i] = x[p * d + i] - mu[k * d + i];
      for (int i = 0; i < d; i++) Lxc[i] = xc[i];
      for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) {
          Lxc[j] += *l * xc[i];
          l++;
        }
      double sq = 0;
      for (int i = 0; i < d; i++) sq += Lxc[i] * Lxc[i];
      acc += exp(-0.5 * sq);
      if (-sq > best) best = -sq;
    }
    total += log(acc) + 0.1 * best;
  }
  free(xc);
  free(Lxc);
  return total;
}

/* a nested prefix in a top-level loop writing an out array (snapshot) */
GRADC_GRAD(wrt(mu, L), out(y))
void tri_out(int d, int K, const double *x, const double *mu, const double *L, double *y) {
  const int lsz = d * (d - 1) / 2;
  double *xc = malloc(d * sizeof(double));
  double *Lxc = malloc(d * sizeof(double));
  for (int k = 0; k < K; k++) {
    int li = k * lsz;
    for (int i = 0; i < d; i++) xc[i] = x[i] - mu[k * d + i];
    for (int i = 0; i < d; i++) Lxc[i] = xc[i] * (1.0 + 0.1 * i);
    for (int i = 0; i < d; i++)
      for (int j = i + 1; j < d; j++) {
        Lxc[j] += L[li] * xc[i];
        li++;
      }
    double sq = 0;
    for (int i = 0; i < d; i++) sq += Lxc[i] * Lxc[i];
    y[k] = sq * sin(mu[k * d]);
  }
  free(xc);
  free(Lxc);
}

/* the same in a top-level loop whose result is carried (r = 0.9 r + ...):
 * reversed the ordinary way, its nested prefix taped once per iteration,
 * the running index's start a division (taped, not computed again) */
GRADC_JVP(wrt(mu, L))
GRADC_GRAD(wrt(mu, L))
double tri_carry(int d, int K, const double *x, const double *mu, const double *L) {
  double *xc = malloc(d * sizeof(double));
  double *Lxc = malloc(d * sizeof(double));
  double r = 0;
  for (int k = 0; k < K; k++) {
    int li = k * d * (d - 1) / 2;
    for (int i = 0; i < d; i++) xc[i] = x[i] - mu[k * d + i];
    for (int i = 0; i < d; i++) Lxc[i] = xc[i] * (1.0 + 0.1 * i);
    for (int i = 0; i < d; i++)
      for (int j = i + 1; j < d; j++) {
        Lxc[j] += L[li] * xc[i];
        li++;
      }
    double sq = 0;
    for (int i = 0; i < d; i++) sq += Lxc[i] * Lxc[i];
    r = r * cos(r) + sq * sin(mu[k * d]);
  }
  free(xc);
  free(Lxc);
  return r;
}

/* promotions that must not happen: a[i] next to a[j] in one loop; b[k] of
 * an inner loop that runs no iteration when k is past the end */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double pairs(int n, const double *w) {
  double *a = malloc(n * sizeof(double));
  double *b = malloc(n * sizeof(double));
  for (int i = 0; i < n; i++) a[i] = b[i] = sin(w[i]) + w[i];
  double s = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) s += a[i] * a[j] * w[j];
  for (int k = 0; k <= n; k++) {
    int cnt = k < n ? n - k : 0;
    for (int j = 0; j < cnt; j++) s += b[k] * w[j] * b[k];
  }
  free(a);
  free(b);
  return s;
}

/* near misses: the seed of s is not a constant (s * s); a buffer carried
 * from one iteration to the next, read after the loop. And a scalar input
 * changed after a sum loop (its additions wait in a local), a fill over
 * [0, m) read at [0] (m may be 0: the value before the loop) */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double squared(int n, const double *w) {
  double s = 0;
  for (int i = 0; i < n; i++) s += w[i] * cos(w[i]);
  return s * s;
}

/* s is set again inside the loop: not a sum of the iterations */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double reset_inside(int n, const double *w) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    if (w[i] > 0.5) s = 0.25 * w[i];
    s += w[i] * sin(w[(i + 1) % n]);
  }
  return s;
}

GRADC_JVP(wrt(w, a))
GRADC_GRAD(wrt(w, a))
double changed_after(int n, const double *w, double a) {
  double s = 0;
  for (int i = 0; i < n; i++) s += a * w[i] * w[i];
  a = a * a + 1.0;
  return s + a;
}

GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double carried_sum(int n, const double *w) {
  double *h = malloc(2 * sizeof(double));
  h[0] = 1.0;
  h[1] = 0.5;
  double s = 0;
  for (int i = 0; i < n; i++) {
    double t = h[0] * w[i] + h[1];
    h[1] = h[0];
    h[0] = sin(t);
    s += t * t;
  }
  s += h[0] * h[1];
  free(h);
  return s;
}

GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double fill_maybe(int n, const double *w) {
  int m = n > 4 ? 2 : 0;
  double *b = malloc(2 * sizeof(double));
  b[0] = w[0] * w[1];
  double s = 0;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j < m; j++) b[j] = w[(i + j) % n] * w[i];
    s += b[0] * w[i];
  }
  free(b);
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double obs_sum_grad(int n, const double *cam, double *cam_bar, const double *pts, double *pts_bar, const int *idx);
double obs_sum_jvp(int n, const double *cam, const double *cam_dot, const double *pts, const double *pts_dot,
                   const int *idx, double *ret_dot);
double tri_sum_grad(int d, int K, int n, const double *x, const double *mu, double *mu_bar, const double *L,
                    double *L_bar);
double tri_sum_jvp(int d, int K, int n, const double *x, const double *mu, const double *mu_dot, const double *L,
                   const double *L_dot, double *ret_dot);
void tri_out_grad(int d, int K, const double *x, const double *mu, double *mu_bar, const double *L, double *L_bar,
                  double *y, double *y_bar);
double tri_carry_grad(int d, int K, const double *x, const double *mu, double *mu_bar, const double *L,
                      double *L_bar);
double tri_carry_jvp(int d, int K, const double *x, const double *mu, const double *mu_dot, const double *L,
                     const double *L_dot, double *ret_dot);
double changed_after_grad(int n, const double *w, double *w_bar, double a, double *a_bar);
double changed_after_jvp(int n, const double *w, const double *w_dot, double a, double a_dot, double *ret_dot);
#define DECL(f)                                                   \
  double f##_grad(int n, const double *w, double *w_bar);         \
  double f##_jvp(int n, const double *w, const double *w_dot, double *ret_dot);
DECL(two_sums)
DECL(pairs)
DECL(squared)
DECL(reset_inside)
DECL(carried_sum)
DECL(fill_maybe)

enum { NO = 6, NC = 3, NCAM = 2 * NC, NPTS = 2 * NO, NQO = NCAM + NPTS };
static const int IDX[NO] = {0, 2, 1, 1, 0, 2};
static double eval_obs(const double *q) { return obs_sum(NO, q, q + NCAM, IDX); }
static void grad_obs(const double *q, double *g) {
  CHECK_CLOSE(obs_sum_grad(NO, q, g, q + NCAM, g + NCAM, IDX), eval_obs(q), 1e-13);
}
static double jvp_obs(const double *q, const double *u) {
  double t;
  obs_sum_jvp(NO, q, u, q + NCAM, u + NCAM, IDX, &t);
  return t;
}

enum { D = 4, K = 3, NP = 4, LSZ = D * (D - 1) / 2, NMU = K * D, NQT = NMU + K * LSZ };
static double X[NP * D];
static double eval_tri(const double *q) { return tri_sum(D, K, NP, X, q, q + NMU); }
static void grad_tri(const double *q, double *g) {
  CHECK_CLOSE(tri_sum_grad(D, K, NP, X, q, g, q + NMU, g + NMU), eval_tri(q), 1e-13);
}
static double jvp_tri(const double *q, const double *u) {
  double t;
  tri_sum_jvp(D, K, NP, X, q, u, q + NMU, u + NMU, &t);
  return t;
}

/* tri_out through a fixed weighting of y: sum_k (k + 1) y_k */
static double eval_tri_out(const double *q) {
  double y[K], s = 0;
  tri_out(D, K, X, q, q + NMU, y);
  for (int k = 0; k < K; k++) s += (k + 1) * y[k];
  return s;
}
static void grad_tri_out(const double *q, double *g) {
  double y[K], yb[K];
  for (int k = 0; k < K; k++) yb[k] = k + 1;
  tri_out_grad(D, K, X, q, g, q + NMU, g + NMU, y, yb);
}

static double eval_carry(const double *q) { return tri_carry(D, K, X, q, q + NMU); }
static void grad_carry(const double *q, double *g) {
  CHECK_CLOSE(tri_carry_grad(D, K, X, q, g, q + NMU, g + NMU), eval_carry(q), 1e-13);
}
static double jvp_carry(const double *q, const double *u) {
  double t;
  tri_carry_jvp(D, K, X, q, u, q + NMU, u + NMU, &t);
  return t;
}

static double eval_changed(const double *q) { return changed_after(5, q, q[5]); }
static void grad_changed(const double *q, double *g) {
  CHECK_CLOSE(changed_after_grad(5, q, g, q[5], g + 5), eval_changed(q), 1e-13);
}
static double jvp_changed(const double *q, const double *u) {
  double t;
  changed_after_jvp(5, q, u, q[5], u[5], &t);
  return t;
}

#define WRAP(f, n)                                                                         \
  static double eval_##f##n(const double *q) { return f(n, q); }                           \
  static void grad_##f##n(const double *q, double *g) { CHECK_CLOSE(f##_grad(n, q, g), f(n, q), 1e-13); } \
  static double jvp_##f##n(const double *q, const double *u) { double t; f##_jvp(n, q, u, &t); return t; }
WRAP(two_sums, 5)
WRAP(pairs, 5)
WRAP(squared, 5)
WRAP(reset_inside, 5)
WRAP(carried_sum, 5)
WRAP(fill_maybe, 5)
WRAP(fill_maybe, 3)

int main(void) {
  double q[NQT];
  for (int i = 0; i < NQT; i++) q[i] = sin(1.3 * i + 0.4) * 0.7;
  for (int i = 0; i < NP * D; i++) X[i] = cos(0.9 * i + 0.2);
  check_gradient("obs_sum", eval_obs, grad_obs, q, NQO, 1e-8);
  check_dot("obs_sum", jvp_obs, grad_obs, q, NQO, 1e-12);
  double z[NQO] = {0.001, -0.002, 0};   /* camera 0 takes the branch near zero rotation */
  for (int i = 3; i < NQO; i++) z[i] = q[i];
  check_gradient("obs_sum near 0", eval_obs, grad_obs, z, NQO, 1e-8);
  check_gradient("tri_sum", eval_tri, grad_tri, q, NQT, 1e-8);
  check_dot("tri_sum", jvp_tri, grad_tri, q, NQT, 1e-12);
  check_gradient("tri_out", eval_tri_out, grad_tri_out, q, NQT, 1e-8);
  check_gradient("tri_carry", eval_carry, grad_carry, q, NQT, 1e-8);
  check_dot("tri_carry", jvp_carry, grad_carry, q, NQT, 1e-12);
  double w[6] = {0.4, -0.3, 0.7, 0.2, -0.6, 0.9};
  check_gradient("two_sums", eval_two_sums5, grad_two_sums5, w, 5, 1e-8);
  check_dot("two_sums", jvp_two_sums5, grad_two_sums5, w, 5, 1e-12);
  check_gradient("pairs", eval_pairs5, grad_pairs5, w, 5, 1e-8);
  check_dot("pairs", jvp_pairs5, grad_pairs5, w, 5, 1e-12);
  check_gradient("squared", eval_squared5, grad_squared5, w, 5, 1e-8);
  check_dot("squared", jvp_squared5, grad_squared5, w, 5, 1e-12);
  check_gradient("reset_inside", eval_reset_inside5, grad_reset_inside5, w, 5, 1e-8);
  check_dot("reset_inside", jvp_reset_inside5, grad_reset_inside5, w, 5, 1e-12);
  check_gradient("changed_after", eval_changed, grad_changed, w, 6, 1e-8);
  check_dot("changed_after", jvp_changed, grad_changed, w, 6, 1e-12);
  check_gradient("carried_sum", eval_carried_sum5, grad_carried_sum5, w, 5, 1e-8);
  check_dot("carried_sum", jvp_carried_sum5, grad_carried_sum5, w, 5, 1e-12);
  check_gradient("fill_maybe m=2", eval_fill_maybe5, grad_fill_maybe5, w, 5, 1e-8);
  check_dot("fill_maybe m=2", jvp_fill_maybe5, grad_fill_maybe5, w, 5, 1e-12);
  check_gradient("fill_maybe m=0", eval_fill_maybe3, grad_fill_maybe3, w, 3, 1e-8);
  check_dot("fill_maybe m=0", jvp_fill_maybe3, grad_fill_maybe3, w, 3, 1e-12);
  return check_failures ? 1 : 0;
}
#endif
