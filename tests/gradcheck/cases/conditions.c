/* Loop conditions with side effects and calls: counters that count down in
 * the condition (size_t and unsigned, i-- > 0 and while (k--)), calls to
 * functions of the file, ++ inside && and ?: of a condition, do-while with
 * continue (which goes to the condition). gradc evaluates the condition as C
 * does, once per test, after the increment of a for; each function's value
 * from its _grad is compared with the function itself, which checks that. */
#include <math.h>
#include <stddef.h>
#include <gradc.h>

double resid(double x, double a);
double keep(double s, double x);
double weight(double v);

double resid(double x, double a) { return x * x - a; }
double keep(double s, double x) { return 4 - s * s - 0.1 * x; }
double weight(double v) { return 1 - v * v; }

/* for (size_t i = n; i-- > 0;): the body sees i - 1 */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double countdown(const double *x, size_t n) {
  double s = 0.5;
  for (size_t i = n; i-- > 0;) s = s * x[i] + sin(x[i]) * (double)i;
  return s;
}

/* while (k--) on an unsigned counter, and continue, which tests k again */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double unsigned_while(const double *x, unsigned n) {
  double s = 1;
  unsigned k = n;
  while (k--) {
    if (k % 3 == 1) continue;
    s = s * 0.7 + x[k] * cos(s);
  }
  unsigned j = n;
  while (j-- > 2) s += x[j] * x[j - 2];
  return s;
}

/* a counter that counts down by two in the condition, with continue */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double countdown_continue(const double *x, size_t n) {
  double s = 0;
  size_t i = n;
  while ((i -= 2) + 2 > 1) {
    if (x[i] < -1) continue;
    s += x[i] * x[i + 1] + s * x[i];
  }
  for (size_t k = n; k-- > 0;) {
    if (k % 2) continue;
    s = s * 0.5 + exp(x[k] * 0.3);
  }
  return s;
}

/* Newton's method for sqrt(a): a call and ++ in the condition */
GRADC_JVP(wrt(a))
GRADC_GRAD(wrt(a))
double newton(double a) {
  double x = a > 1 ? a : 1;
  int it = 0;
  while (resid(x, a) > 1e-13 && it++ < 60) x = x - resid(x, a) / (2 * x);
  return x * (double)it;
}

/* a call in a for condition with an increment; continue runs the increment,
 * then the condition */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double until_small(const double *x, int n) {
  double s = 0;
  int seen = 0;
  for (int i = 0; i < n && weight(x[i]) > 0.1; i++) {
    seen++;
    if (x[i] < 0) continue;
    s += x[i] * weight(x[i]);
  }
  return s + (double)seen * x[0];
}

/* do-while with a call in the condition and continue, which goes to the
 * condition; and one with --m in the condition */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double dowhile(double x, int n) {
  double s = x;
  int k = 0;
  do {
    k++;
    if (k % 3 == 0) continue;
    s = s * 0.9 + sin(s) * x;
  } while (k < n && keep(s, x) > 0);
  int m = 3;
  do {
    if (m == 2) continue;
    s = s * x + 0.25;
  } while (--m > 0);
  return s * (double)k;
}

/* an assignment inside the && of a while condition */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double walk(const double *x, int n) {
  double s = 0, t;
  int i = 0;
  while (i < n && (t = x[i++]) > -0.5) s = s * t + t * t;
  return s + (double)i;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double countdown_grad(const double *x, double *x_bar, size_t n);
double countdown_jvp(const double *x, const double *x_dot, size_t n, double *ret_dot);
double unsigned_while_grad(const double *x, double *x_bar, unsigned n);
double unsigned_while_jvp(const double *x, const double *x_dot, unsigned n, double *ret_dot);
double countdown_continue_grad(const double *x, double *x_bar, size_t n);
double countdown_continue_jvp(const double *x, const double *x_dot, size_t n, double *ret_dot);
double newton_grad(double a, double *a_bar);
double newton_jvp(double a, double a_dot, double *ret_dot);
double until_small_grad(const double *x, double *x_bar, int n);
double until_small_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double dowhile_grad(double x, double *x_bar, int n);
double dowhile_jvp(double x, double x_dot, int n, double *ret_dot);
double walk_grad(const double *x, double *x_bar, int n);
double walk_jvp(const double *x, const double *x_dot, int n, double *ret_dot);

static int n_;

/* ARRAY(fn, T): fn(const double *x, T n) checked on n_ elements */
#define ARRAY(fn, T)                                                                    \
  static double eval_##fn(const double *p) { return fn(p, (T)n_); }                  \
  static void grad_##fn(const double *p, double *g) {                                 \
    CHECK_CLOSE(fn##_grad(p, g, (T)n_), fn(p, (T)n_), 1e-15);                         \
  }                                                                                     \
  static double jvp_##fn(const double *p, const double *u) {                          \
    double t;                                                                           \
    CHECK_CLOSE(fn##_jvp(p, u, (T)n_, &t), fn(p, (T)n_), 1e-15);                      \
    return t;                                                                           \
  }
ARRAY(countdown, size_t)
ARRAY(unsigned_while, unsigned)
ARRAY(countdown_continue, size_t)
ARRAY(until_small, int)
ARRAY(walk, int)

static double eval_newton(const double *p) { return newton(p[0]); }
static void grad_newton(const double *p, double *g) { CHECK_CLOSE(newton_grad(p[0], &g[0]), newton(p[0]), 1e-15); }
static double jvp_newton(const double *p, const double *u) {
  double t;
  newton_jvp(p[0], u[0], &t);
  return t;
}
static double eval_dowhile(const double *p) { return dowhile(p[0], n_); }
static void grad_dowhile(const double *p, double *g) {
  CHECK_CLOSE(dowhile_grad(p[0], &g[0], n_), dowhile(p[0], n_), 1e-15);
}
static double jvp_dowhile(const double *p, const double *u) {
  double t;
  dowhile_jvp(p[0], u[0], n_, &t);
  return t;
}

static void check(const char *name, double (*e)(const double *), void (*g)(const double *, double *),
                  double (*j)(const double *, const double *), double *p, int n) {
  int before = check_failures;
  check_gradient(name, e, g, p, n, 1e-9);
  check_dot(name, j, g, p, n, 1e-12);
  if (check_failures != before) printf("  with n = %d\n", n_);
}

int main(void) {
  double x[8] = {0.5, -0.3, 0.9, 0.7, -1.4, 0.4, 0.2, -0.8};
  for (n_ = 0; n_ <= 8; n_++) {
    check("countdown", eval_countdown, grad_countdown, jvp_countdown, x, n_ ? n_ : 1);
    check("unsigned_while", eval_unsigned_while, grad_unsigned_while, jvp_unsigned_while, x, n_ ? n_ : 1);
    if (n_ >= 2 && n_ % 2 == 0)
      check("countdown_continue", eval_countdown_continue, grad_countdown_continue, jvp_countdown_continue, x, n_);
    check("until_small", eval_until_small, grad_until_small, jvp_until_small, x, n_ ? n_ : 1);
    check("walk", eval_walk, grad_walk, jvp_walk, x, n_ ? n_ : 1);
  }
  /* the loops run as C runs them: counts and values by hand */
  {
    double g[8] = {0};
    CHECK_CLOSE(countdown_grad(x, g, 1), 0.5 * x[0], 1e-15);   /* one pass, i = 0 */
    CHECK_CLOSE(g[0], 0.5, 1e-15);
    double s = 1;                                               /* k = 2, 1 (skipped), 0 */
    s = s * 0.7 + x[2] * cos(s);
    s = s * 0.7 + x[0] * cos(s);
    s += x[2] * x[0];                                           /* j = 2 only */
    CHECK_CLOSE(unsigned_while(x, 3), s, 1e-15);
    double w[4] = {0.5, 0.3, 0.95, 0.1}, wg[4] = {0};
    /* i = 0, 1 run; weight(0.95) < 0.1 ends the loop: seen = 2 */
    CHECK_CLOSE(until_small_grad(w, wg, 4), 0.5 * weight(0.5) + 0.3 * weight(0.3) + 2 * 0.5, 1e-15);
    double v[3] = {0.5, -0.7, 0.2}, vg[3] = {0};
    /* t = 0.5 runs, t = -0.7 ends it with i = 2 */
    CHECK_CLOSE(walk_grad(v, vg, 3), 0.25 + 2, 1e-15);
    CHECK_CLOSE(vg[0], 1, 1e-15);
    CHECK_CLOSE(vg[1], 0, 1e-15);
  }
  {
    double a = 2, d = 0;
    double r = newton_grad(a, &d);
    int it = (int)(r / sqrt(2) + 0.5);
    CHECK_CLOSE(r, sqrt(2) * it, 1e-14);
    CHECK_CLOSE(d, it / (2 * sqrt(2)), 1e-9);
  }
  double as[] = {1.7, 2.5, 9.3, 0.6};
  for (size_t i = 0; i < sizeof as / sizeof as[0]; i++) {
    check("newton", eval_newton, grad_newton, jvp_newton, &as[i], 1);
  }
  double xs[] = {0.3, 0.55, -0.4, 0.8};
  for (n_ = 1; n_ <= 7; n_ += 3)
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) check("dowhile", eval_dowhile, grad_dowhile, jvp_dowhile, &xs[i], 1);
  return check_done("conditions");
}
#endif
