/* Helper functions as numeric C has them: writing into the caller's local
 * arrays inside a loop (the GMM pattern), scratch buffers from malloc and
 * VLAs, pointer walks, float parameters called with double arguments,
 * in-place updates of a wrt array, helpers returning pointers and structs,
 * size_t and unsigned counters in both directions, a scalar parameter
 * updated through a pointer to it, nested unary minus. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <gradc.h>

/* ---- the GMM pattern: three helpers, one caller loop ---------------------- */
static void subtract(size_t d, const double *x, const double *y, double *out) {
  for (size_t i = 0; i < d; i++) out[i] = x[i] - y[i];
}

/* L is lower triangular, packed by columns after the diagonal */
static void qtimesx(size_t d, const double *qdiag, const double *ltri, const double *x, double *out) {
  for (size_t i = 0; i < d; i++) out[i] = qdiag[i] * x[i];
  const double *l = ltri;
  for (size_t i = 0; i < d; i++)
    for (size_t j = i + 1; j < d; j++) {
      out[j] += *l * x[i];
      l++;
    }
}

static double sqnorm(size_t d, const double *x) {
  double s = 0;
  for (size_t i = 0; i < d; i++) s += x[i] * x[i];
  return s;
}

GRADC_JVP(wrt(means, icf))
GRADC_GRAD(wrt(means, icf))
double gmm_like(const double *x, const double *means, const double *icf, int k, int n) {
  const size_t d = 3, icf_sz = 6;
  double xcentered[3], mahal[3];
  double total = 0;
  for (int ix = 0; ix < n; ix++)
    for (int ik = 0; ik < k; ik++) {
      double qdiag[3];
      for (size_t i = 0; i < d; i++) qdiag[i] = exp(icf[ik * icf_sz + i]);
      subtract(d, &x[ix * d], &means[ik * d], xcentered);
      qtimesx(d, qdiag, &icf[ik * icf_sz + d], xcentered, mahal);
      total += -0.5 * sqnorm(d, mahal);
    }
  return total;
}

/* ---- scratch memory in helpers -------------------------------------------- */
static double smooth_norm(const double *x, int n) {
  double *t = malloc(sizeof(double) * (size_t)n);
  for (int i = 0; i < n; i++) t[i] = x[i] * x[i] + 0.1;
  double s = 0;
  for (int i = 0; i < n; i++) s += sqrt(t[i]);
  free(t);
  return s;
}

static double vla_sum(const double *x, int n) {
  double t[n];
  for (int i = 0; i < n; i++) t[i] = sin(x[i]);
  double s = 0;
  for (int i = n - 1; i >= 0; i--) s = s * 0.5 + t[i] * t[i];
  return s;
}

/* a buffer whose size changes from call to call, allocated in a loop */
static double growing(const double *x, int m) {
  double *t = calloc((size_t)m, sizeof *t);
  for (int i = 0; i < m; i++) t[i] = cos(x[i]) * x[m - 1 - i];
  double s = 0;
  for (int i = 0; i < m; i++) s += t[i] * t[(i + 1) % m];
  free(t);
  return s;
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double scratch(const double *x, int n) {
  double s = 0;
  for (int m = n; m >= 1; m--) s += growing(x, m) * 0.5;
  for (int r = 0; r < 3; r++) s += smooth_norm(x, n) * vla_sum(x, n) + r * x[r];
  return s;
}

/* ---- float parameters, double arguments ------------------------------------ */
static float fscale(float a, float b) { return a * b + a; }

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double mixed(double x) {
  double y = fscale(x, 2.0);
  return y * x;
}

/* ---- in-place update of a wrt array, helper returning a pointer ------------ */
static void normalize(double *v, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += v[i] * v[i];
  s = sqrt(s);
  for (int i = 0; i < n; i++) v[i] /= s;
}

static const double *row(const double *a, int i, int n) { return a + i * n; }

GRADC_JVP(wrt(a))
GRADC_GRAD(wrt(a))
double inplace(double *a, int n) {
  normalize(a, n * 2);
  const double *r0 = row(a, 0, n), *r1 = row(a, 1, n);
  double s = 0;
  for (int j = 0; j < n; j++) s += r0[j] * r1[j] + r1[j];
  return s;
}

/* ---- structs returned ------------------------------------------------------ */
typedef struct { double x, y; } vec2;
static vec2 add2(vec2 a, vec2 b) {
  vec2 r = {a.x + b.x, a.y * b.y};
  return r;
}
static vec2 rot(vec2 a, double t) {
  vec2 r;
  r.x = cos(t) * a.x - sin(t) * a.y;
  r.y = sin(t) * a.x + cos(t) * a.y;
  return r;
}

GRADC_JVP(wrt(p, t))
GRADC_GRAD(wrt(p, t))
double structs_back(const double *p, double t) {
  vec2 a = {p[0], p[1]}, b = {p[1], 0.5};
  vec2 c = rot(add2(a, b), t);
  return c.x * c.y + c.x;
}

/* ---- unsigned counters ------------------------------------------------------ */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double counters(const double *x, unsigned n) {
  double s = 0;
  for (size_t i = 0; i < n; i++) s = s * x[i] + 1;
  for (unsigned i = n; i > 0; i--) s += x[i - 1] * s * 0.25;
  for (size_t i = 1; i < n; i += 2) s -= sin(x[i] * s);
  return s;
}

/* ---- a scalar updated through a pointer, nested unary minus ----------------- */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double through_ptr(double x) {
  double *p = &x;
  *p *= *p;
  double y = -(-x) + -(-(-x)) * 0.5;
  return x * y + *p;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double gmm_like_grad(const double *x, const double *means, double *means_bar, const double *icf, double *icf_bar,
                     int k, int n);
double gmm_like_jvp(const double *x, const double *means, const double *means_dot, const double *icf,
                    const double *icf_dot, int k, int n, double *ret_dot);
double scratch_grad(const double *x, double *x_bar, int n);
double scratch_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double mixed_grad(double x, double *x_bar);
double mixed_jvp(double x, double x_dot, double *ret_dot);
double inplace_grad(double *a, double *a_bar, int n);
double inplace_jvp(double *a, double *a_dot, int n, double *ret_dot);
double structs_back_grad(const double *p, double *p_bar, double t, double *t_bar);
double structs_back_jvp(const double *p, const double *p_dot, double t, double t_dot, double *ret_dot);
double counters_grad(const double *x, double *x_bar, unsigned n);
double counters_jvp(const double *x, const double *x_dot, unsigned n, double *ret_dot);
double through_ptr_grad(double x, double *x_bar);
double through_ptr_jvp(double x, double x_dot, double *ret_dot);

enum { K = 2, N = 3 };
static const double X[N * 3] = {0.3, -0.2, 0.9, 1.1, 0.4, -0.7, -0.5, 0.8, 0.1};
static double eval_gmm(const double *q) { return gmm_like(X, q, q + K * 3, K, N); }
static void grad_gmm(const double *q, double *g) {
  CHECK_CLOSE(gmm_like_grad(X, q, g, q + K * 3, g + K * 3, K, N), eval_gmm(q), 1e-13);
}
static double jvp_gmm(const double *q, const double *u) {
  double t;
  gmm_like_jvp(X, q, u, q + K * 3, u + K * 3, K, N, &t);
  return t;
}

static double eval_scratch(const double *q) { return scratch(q, 4); }
static void grad_scratch(const double *q, double *g) { scratch_grad(q, g, 4); }
static double jvp_scratch(const double *q, const double *u) { double t; scratch_jvp(q, u, 4, &t); return t; }

static double eval_mixed(const double *q) { return mixed(q[0]); }
static void grad_mixed(const double *q, double *g) { mixed_grad(q[0], g); }
static double jvp_mixed(const double *q, const double *u) { double t; mixed_jvp(q[0], u[0], &t); return t; }

static double eval_inplace(const double *q) {
  double a[6];
  for (int i = 0; i < 6; i++) a[i] = q[i];
  return inplace(a, 3);
}
static void grad_inplace(const double *q, double *g) {
  double a[6];
  for (int i = 0; i < 6; i++) a[i] = q[i];
  inplace_grad(a, g, 3);
}
static double jvp_inplace(const double *q, const double *u) {
  double a[6], ad[6], t;
  for (int i = 0; i < 6; i++) a[i] = q[i], ad[i] = u[i];
  inplace_jvp(a, ad, 3, &t);
  return t;
}

static double eval_structs(const double *q) { return structs_back(q, q[2]); }
static void grad_structs(const double *q, double *g) { structs_back_grad(q, g, q[2], &g[2]); }
static double jvp_structs(const double *q, const double *u) {
  double t;
  structs_back_jvp(q, u, q[2], u[2], &t);
  return t;
}

static double eval_counters(const double *q) { return counters(q, 5); }
static void grad_counters(const double *q, double *g) { counters_grad(q, g, 5); }
static double jvp_counters(const double *q, const double *u) { double t; counters_jvp(q, u, 5, &t); return t; }

static double eval_ptr(const double *q) { return through_ptr(q[0]); }
static void grad_ptr(const double *q, double *g) { through_ptr_grad(q[0], g); }
static double jvp_ptr(const double *q, const double *u) { double t; through_ptr_jvp(q[0], u[0], &t); return t; }

int main(void) {
  double gq[K * 3 + K * 6] = {0.1, 0.2, -0.3, 0.5, -0.1, 0.4, 0.2, -0.1, 0.3, 0.5, -0.4, 0.1,
                              -0.2, 0.1, 0.0, 0.3, 0.2, -0.5};
  check_gradient("gmm_like", eval_gmm, grad_gmm, gq, K * 9, 1e-8);
  check_dot("gmm_like", jvp_gmm, grad_gmm, gq, K * 9, 1e-11);
  double sq_[4] = {0.3, -0.8, 1.2, 0.5};
  check_gradient("scratch", eval_scratch, grad_scratch, sq_, 4, 1e-8);
  check_dot("scratch", jvp_scratch, grad_scratch, sq_, 4, 1e-11);
  double mq[1] = {0.7};
  check_gradient("mixed", eval_mixed, grad_mixed, mq, 1, 1e-2);   /* float inside: the closed form below is exact */
  {
    double g = 0;
    mixed_grad(0.7, &g);   /* y = 3x (in float), f = 3x^2: 6x */
    CHECK_CLOSE(g, 4.2, 1e-6);
  }
  check_dot("mixed", jvp_mixed, grad_mixed, mq, 1, 1e-6);
  double iq[6] = {0.3, -0.4, 0.5, 0.9, 0.2, -0.6};
  check_gradient("inplace", eval_inplace, grad_inplace, iq, 6, 1e-8);
  check_dot("inplace", jvp_inplace, grad_inplace, iq, 6, 1e-11);
  {
    /* the caller's array holds the normalized values afterwards, as after inplace() */
    double a[6], b[6], g[6] = {0};
    for (int i = 0; i < 6; i++) a[i] = b[i] = iq[i];
    inplace(a, 3);
    inplace_grad(b, g, 3);
    for (int i = 0; i < 6; i++) CHECK_CLOSE(b[i], a[i], 1e-15);
  }
  double stq[3] = {0.4, -0.3, 0.8};
  check_gradient("structs_back", eval_structs, grad_structs, stq, 3, 1e-8);
  check_dot("structs_back", jvp_structs, grad_structs, stq, 3, 1e-11);
  double cq[5] = {0.5, -0.3, 0.8, 0.2, -0.6};
  check_gradient("counters", eval_counters, grad_counters, cq, 5, 1e-8);
  check_dot("counters", jvp_counters, grad_counters, cq, 5, 1e-11);
  double pq[1] = {0.9};
  check_gradient("through_ptr", eval_ptr, grad_ptr, pq, 1, 1e-8);
  {
    /* x <- x^2; y = x - x/2 = x/2; f = x y + x = x^4/2 + x^2: 2x^3 + 2x */
    double g = 0;
    through_ptr_grad(0.9, &g);
    CHECK_CLOSE(g, 2 * 0.729 + 1.8, 1e-13);
  }
  check_dot("through_ptr", jvp_ptr, grad_ptr, pq, 1, 1e-11);
  return check_failures ? 1 : 0;
}
#endif
