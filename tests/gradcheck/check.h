/* check.h: numeric checks of generated gradients, for the gradcheck cases.
 *
 * A case flattens its function's inputs into a vector p and provides
 *   double eval(const double *p)          the scalar to differentiate
 *   void   grad(const double *p, double *g)  its gradient, from gradc's code
 * check_gradient() compares g with Richardson-extrapolated central
 * differences, accurate to about 1e-10 relative for smooth functions, and
 * prints both expressions and values when they disagree.
 */
#ifndef GRADCHECK_H
#define GRADCHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_failures __attribute__((unused));

/* d/dp_i of eval at p, by central differences at h and h/2, extrapolated. */
static inline double fd_partial(double (*eval)(const double *), double *p, int i) {
  double x = p[i], h = 1e-4 * (fabs(x) > 1 ? fabs(x) : 1);
  double d[2];
  for (int k = 0; k < 2; k++, h /= 2) {
    p[i] = x + h;
    double fp = eval(p);
    p[i] = x - h;
    double fm = eval(p);
    d[k] = (fp - fm) / (2 * h);
  }
  p[i] = x;
  return (4 * d[1] - d[0]) / 3;
}

static inline int close_enough(double a, double b, double tol) {
  double scale = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  if (scale < 1) scale = 1;
  return fabs(a - b) <= tol * scale && !isnan(a) && !isnan(b);
}

/* Compares grad's result with finite differences for each of the n inputs. */
static inline void check_gradient(const char *name, double (*eval)(const double *),
                           void (*grad)(const double *, double *), double *p, int n,
                           double tol) {
  double g[64], q[64];
  memset(g, 0, sizeof g);
  memcpy(q, p, sizeof(double) * (size_t)n);
  grad(q, g);
  for (int i = 0; i < n; i++) {
    double fd = fd_partial(eval, q, i);
    if (!close_enough(g[i], fd, tol)) {
      printf("FAIL %s: d/dp[%d]: gradc %.15g, finite differences %.15g\n", name, i, g[i], fd);
      check_failures++;
    }
  }
}

/* The dot-product test that ties the modes together: for a direction u,
 * the forward-mode tangent (jvp) must equal <u, gradient> to round-off. */
static inline void check_dot(const char *name, double (*jvp)(const double *p, const double *u),
                      void (*grad)(const double *, double *), const double *p, int n, double tol) {
  double u[64], g[64];
  unsigned s = 12345;
  for (int i = 0; i < n; i++) {
    s = s * 1103515245u + 12345u;
    u[i] = (double)(s >> 8 & 0xffff) / 65536.0 - 0.5;
    g[i] = 0;
  }
  grad(p, g);
  double dot = 0;
  for (int i = 0; i < n; i++) dot += u[i] * g[i];
  double t = jvp(p, u);
  if (!close_enough(t, dot, tol)) {
    printf("FAIL %s: dot-product test: jvp %.17g, <u, gradient> %.17g\n", name, t, dot);
    check_failures++;
  }
}

/* Compares a value with a closed form. */
#define CHECK_CLOSE(actual, expected, tol)                                            \
  do {                                                                                \
    double a_ = (actual), e_ = (expected);                                            \
    if (!close_enough(a_, e_, (tol))) {                                               \
      printf("FAIL %s:%d: %s = %.15g, expected %s = %.15g\n", __FILE__, __LINE__,     \
             #actual, a_, #expected, e_);                                             \
      check_failures++;                                                               \
    }                                                                                 \
  } while (0)

/* For a function double f(int n, const double *w) annotated with
 * GRADC_GRAD(wrt(w)) and GRADC_JVP(wrt(w)): declares f_grad and f_jvp, and
 * defines eval_f, grad_f and jvp_f over n inputs for check_gradient and
 * check_dot; grad and jvp also check the value they return. */
#define CHECK_CASE(f, n)                                                                 \
  double f##_grad(int, const double *w, double *w_bar);                                  \
  double f##_jvp(int, const double *w, const double *w_dot, double *ret_dot);            \
  static double eval_##f(const double *w) { return f(n, w); }                            \
  static void grad_##f(const double *w, double *g) { CHECK_CLOSE(f##_grad(n, w, g), f(n, w), 1e-13); } \
  static double jvp_##f(const double *w, const double *u) {                              \
    double t_;                                                                           \
    CHECK_CLOSE(f##_jvp(n, w, u, &t_), f(n, w), 1e-13);                                  \
    return t_;                                                                           \
  }

static inline int check_done(const char *name) {
  if (check_failures) printf("%s: %d failures\n", name, check_failures);
  return check_failures ? 1 : 0;
}

#endif
