/* Forward goto: to a cleanup label at the end, out of nested loops, out of
 * a switch, past a return, to a label in a loop body (as continue), out of
 * an endless loop, to labels standing one after the other. The gradient
 * follows the path taken; test points sit away from the switching surfaces.
 * Each function's value from its _grad is compared with the function. */
#include <math.h>
#include <gradc.h>

double damp(double v);
double damp(double v) { return v / (1 + v * v); }

/* gotos to a cleanup label, from the same block and from a nested one */
GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double cleanup(double x, double y) {
  double s = x * y;
  if (s > 2) goto done;
  s = s + sin(x);
  if (y < 0) {
    s = s * y;
    if (x < 0) goto done;
    s = s - 1;
  }
  s = s * x;
done:
  s = s + y * damp(x);
  return s;
}

/* out of two loops at once */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double search(const double *x, int n, int m) {
  double s = 0;
  int i, j = 0;
  for (i = 0; i < n; i++) {
    for (j = 0; j < m; j++) {
      s += x[i] * x[j] + 0.1 * s;
      if (s > 3) goto found;
    }
    s = s * 0.8;
  }
  s = s * 2;
found:
  return s * s + (double)(i * 10 + j);
}

/* to a label at the end of a loop body: a continue that still runs the
 * statement after the label */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double skip(const double *x, int n) {
  double s = 1;
  for (int i = 0; i < n; i++) {
    if (x[i] < 0) goto next;
    s = s * 0.5 + x[i] * cos(s);
    if (s > 2) goto next;
    s = s + x[i];
  next:
    s = s * 0.9 + 0.1 * x[i];
  }
  return s;
}

/* out of a switch, past a return, and a second label after the first */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double multi(double x, int k) {
  double s = x;
  switch (k) {
  case 0:
    s = s * s;
    goto a;
  case 1:
    if (x > 0) goto b;
    s = s + 1;
    break;
  case 2:
    return s * 3;
  default:
    break;
  }
  s = sin(s);
a:
  s = s * x;
  if (k == 0) goto b;
  s = s + 2;
b:
  return s * x;
}

/* out of an endless loop, and labels one after the other */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double endless(double x, int n) {
  double s = x;
  int k = 0;
  for (;;) {
    s = s * 0.5 + sin(s * x);
    if (++k >= n) goto out;
    do {
      s = s + damp(s);
      if (s > 1.5) goto out2;
    } while (k < 0);
  }
out:
out2:
  s = s * x;
  while (k-- > 0) {
    if (s > 100) goto last;
    s = s + 0.25 * x;
  }
last:
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double cleanup_grad(double x, double *x_bar, double y, double *y_bar);
double cleanup_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double search_grad(const double *x, double *x_bar, int n, int m);
double search_jvp(const double *x, const double *x_dot, int n, int m, double *ret_dot);
double skip_grad(const double *x, double *x_bar, int n);
double skip_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double multi_grad(double x, double *x_bar, int k);
double multi_jvp(double x, double x_dot, int k, double *ret_dot);
double endless_grad(double x, double *x_bar, int n);
double endless_jvp(double x, double x_dot, int n, double *ret_dot);

static double eval_cleanup(const double *p) { return cleanup(p[0], p[1]); }
static void grad_cleanup(const double *p, double *g) {
  CHECK_CLOSE(cleanup_grad(p[0], &g[0], p[1], &g[1]), cleanup(p[0], p[1]), 1e-15);
}
static double jvp_cleanup(const double *p, const double *u) {
  double t;
  CHECK_CLOSE(cleanup_jvp(p[0], u[0], p[1], u[1], &t), cleanup(p[0], p[1]), 1e-15);
  return t;
}

static int n_, m_;
static double eval_search(const double *p) { return search(p, n_, m_); }
static void grad_search(const double *p, double *g) {
  CHECK_CLOSE(search_grad(p, g, n_, m_), search(p, n_, m_), 1e-15);
}
static double jvp_search(const double *p, const double *u) {
  double t;
  CHECK_CLOSE(search_jvp(p, u, n_, m_, &t), search(p, n_, m_), 1e-15);
  return t;
}
static double eval_skip(const double *p) { return skip(p, n_); }
static void grad_skip(const double *p, double *g) { CHECK_CLOSE(skip_grad(p, g, n_), skip(p, n_), 1e-15); }
static double jvp_skip(const double *p, const double *u) {
  double t;
  CHECK_CLOSE(skip_jvp(p, u, n_, &t), skip(p, n_), 1e-15);
  return t;
}
static double eval_multi(const double *p) { return multi(p[0], n_); }
static void grad_multi(const double *p, double *g) { CHECK_CLOSE(multi_grad(p[0], g, n_), multi(p[0], n_), 1e-15); }
static double jvp_multi(const double *p, const double *u) {
  double t;
  CHECK_CLOSE(multi_jvp(p[0], u[0], n_, &t), multi(p[0], n_), 1e-15);
  return t;
}
static double eval_endless(const double *p) { return endless(p[0], n_); }
static void grad_endless(const double *p, double *g) {
  CHECK_CLOSE(endless_grad(p[0], g, n_), endless(p[0], n_), 1e-15);
}
static double jvp_endless(const double *p, const double *u) {
  double t;
  CHECK_CLOSE(endless_jvp(p[0], u[0], n_, &t), endless(p[0], n_), 1e-15);
  return t;
}

static void check(const char *name, double (*e)(const double *), void (*g)(const double *, double *),
                  double (*j)(const double *, const double *), double *p, int n) {
  int before = check_failures;
  check_gradient(name, e, g, p, n, 1e-9);
  check_dot(name, j, g, p, n, 1e-12);
  if (check_failures != before) printf("  at p[0] = %g, n = %d, m = %d\n", p[0], n_, m_);
}

int main(void) {
  static const double pts[][2] = {{1.2, 0.9}, {0.3, 0.4}, {-0.7, 0.6}, {0.8, -0.5}, {-0.4, -1.6},
                                  {-1.2, -0.3}, {2.1, 1.7}, {0.55, 1.5}, {-0.6, -0.2}, {1.7, 1.4}};
  for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
    double p[2] = {pts[i][0], pts[i][1]};
    check("cleanup", eval_cleanup, grad_cleanup, jvp_cleanup, p, 2);
  }
  {
    double gx = 0, gy = 0;   /* s = 3 > 2: s + y damp(x) */
    cleanup_grad(1.5, &gx, 2.0, &gy);
    double d = 1 + 1.5 * 1.5;
    CHECK_CLOSE(gx, 2.0 + 2.0 * (1 - 1.5 * 1.5) / (d * d), 1e-15);
    CHECK_CLOSE(gy, 1.5 + 1.5 / d, 1e-15);
  }
  double x[6] = {0.5, -0.3, 0.9, 0.7, 1.3, 0.4};
  for (n_ = 1; n_ <= 6; n_++)
    for (m_ = 1; m_ <= 6; m_ += 2) check("search", eval_search, grad_search, jvp_search, x, n_ > m_ ? n_ : m_);
  {
    double g[6] = {0};
    /* the first pairs give 0.25, 0.025 - 0.15, 0.45 - ..., then row 1 ... */
    double r = search_grad(x, g, 6, 6), s = 0;
    int i, j = 0;
    for (i = 0; i < 6; i++) {
      for (j = 0; j < 6; j++) {
        s += x[i] * x[j] + 0.1 * s;
        if (s > 3) break;
      }
      if (s > 3) break;
      s = s * 0.8;
    }
    CHECK_CLOSE(r, (i < 6 ? s * s : 4 * s * s) + i * 10 + j, 1e-15);
  }
  double y[6] = {0.5, -0.3, 2.9, 0.7, -1.4, 3.4};
  for (n_ = 1; n_ <= 6; n_++) {
    check("skip", eval_skip, grad_skip, jvp_skip, x, n_);
    check("skip", eval_skip, grad_skip, jvp_skip, y, n_);
  }
  for (n_ = 0; n_ < 4; n_++) {
    double p[1] = {0.65};
    check("multi", eval_multi, grad_multi, jvp_multi, p, 1);
    p[0] = -0.8;
    check("multi", eval_multi, grad_multi, jvp_multi, p, 1);
  }
  {
    double d = 0, xv = 0.65;   /* k = 0: s = x^2, then x^3, then goto b: x^4 */
    CHECK_CLOSE(multi_grad(xv, &d, 0), pow(xv, 4), 1e-15);
    CHECK_CLOSE(d, 4 * pow(xv, 3), 1e-14);
    d = 0;                     /* k = 1, x > 0: goto b: x^2 */
    CHECK_CLOSE(multi_grad(xv, &d, 1), xv * xv, 1e-15);
    CHECK_CLOSE(d, 2 * xv, 1e-15);
  }
  for (n_ = 1; n_ <= 5; n_++) {
    double ps[] = {0.3, 0.7, -0.5, 1.1};
    for (int i = 0; i < 4; i++) check("endless", eval_endless, grad_endless, jvp_endless, &ps[i], 1);
  }
  return check_done("goto");
}
#endif
