/* Calls and side effects inside the operands of ?:, && and ||: the operand
 * that C does not evaluate is not run (a recursive call ends, a counter is
 * not incremented), and the one it evaluates is differentiated. The helpers
 * are functions of the same file, one of them recursive. */
#include <math.h>
#include <gradc.h>

double pw(double x, int n);
double log1pexp(double z);
double g(double x);

/* x^n by recursion: the call runs only when n != 0 */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double pw(double x, int n) { return n == 0 ? 1.0 : x * pw(x, n - 1); }

/* log(1 + exp(z)) without overflow */
double log1pexp(double z) { return z > 0 ? z + log1p(exp(-z)) : log1p(exp(z)); }

double g(double x) { return x * x - 0.5 * x; }

/* logistic regression loss: a call in each arm of ?: */
GRADC_JVP(wrt(w))
GRADC_GRAD(wrt(w))
double logistic(const double *w, const double *x, const int *y, int n, int d) {
  double loss = 0;
  for (int i = 0; i < n; i++) {
    double z = 0;
    for (int j = 0; j < d; j++) z += w[j] * x[i * d + j];
    loss += y[i] ? log1pexp(-z) : log1pexp(z);
  }
  return loss / n;
}

/* calls in the second operand of && and || in if conditions, and the value
 * of && used as a number */
GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double andor(double x, double y) {
  double s = x * y;
  if (x > 0 && g(x) < 1) s = s * x;
  if (y < 0 || g(y) > 0.3) s = s + sin(y);
  double m = (x > y && g(x - y) > 0.1) + 1.0;
  return s * m + pw(x, 3) * (x < 0 || pw(y, 2) > 0.5 ? y : 2.0);
}

/* side effects in operands: the counter only moves when its operand runs */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double counted(const double *x, int n) {
  double s = 0;
  int k = 0, calls = 0;
  for (int i = 0; i < n; i++) {
    s += (i % 2 && k++ < 2) ? x[i] * x[i] : sin(x[i]) * (double)k;
    if (x[i] > 0 || ++calls > 1) s = s * 0.9 + x[i];
    (void)(x[i] < 0.6 && (s = s * g(x[i])) > 0);
  }
  return s + (double)(k * 10 + calls);
}

/* nested ?: with calls, and a call in the condition of ?: */
GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double nested(double x, double y) {
  double a = x > 0 ? (y > 0 ? pw(x, 2) * y : g(y)) : log1pexp(x * y);
  double b = g(x) > 0 ? a * g(y) : a + y;
  int n = 0;
  double c = y > 1 ? (n++, x) : (n += 2, y * y);
  return a + b * c + (double)n;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double pw_grad(double x, double *x_bar, int n);
double pw_jvp(double x, double x_dot, int n, double *ret_dot);
double logistic_grad(const double *w, double *w_bar, const double *x, const int *y, int n, int d);
double logistic_jvp(const double *w, const double *w_dot, const double *x, const int *y, int n, int d,
                    double *ret_dot);
double andor_grad(double x, double *x_bar, double y, double *y_bar);
double andor_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double counted_grad(const double *x, double *x_bar, int n);
double counted_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double nested_grad(double x, double *x_bar, double y, double *y_bar);
double nested_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);

#define XY(fn)                                                                          \
  static double eval_##fn(const double *p) { return fn(p[0], p[1]); }                \
  static void grad_##fn(const double *p, double *gr) {                                \
    double v = fn##_grad(p[0], &gr[0], p[1], &gr[1]);                                 \
    CHECK_CLOSE(v, fn(p[0], p[1]), 1e-15);                                            \
  }                                                                                     \
  static double jvp_##fn(const double *p, const double *u) {                          \
    double t;                                                                           \
    CHECK_CLOSE(fn##_jvp(p[0], u[0], p[1], u[1], &t), fn(p[0], p[1]), 1e-15);          \
    return t;                                                                           \
  }
XY(andor)
XY(nested)

static int n_;
static double eval_pw(const double *p) { return pw(p[0], n_); }
static void grad_pw(const double *p, double *gr) { CHECK_CLOSE(pw_grad(p[0], &gr[0], n_), pw(p[0], n_), 1e-15); }
static double jvp_pw(const double *p, const double *u) {
  double t;
  pw_jvp(p[0], u[0], n_, &t);
  return t;
}
static double eval_counted(const double *p) { return counted(p, n_); }
static void grad_counted(const double *p, double *gr) {
  CHECK_CLOSE(counted_grad(p, gr, n_), counted(p, n_), 1e-15);
}
static double jvp_counted(const double *p, const double *u) {
  double t;
  counted_jvp(p, u, n_, &t);
  return t;
}

static const double X[] = {0.5, -1.2, 1.5, 0.3, -0.7, 2.0, 0.9, -0.4, 1.1, -1.6, 0.2, 0.8};
static const int Y[] = {1, 0, 1, 1, 0, 0};
static double eval_logistic(const double *p) { return logistic(p, X, Y, 6, 2); }
static void grad_logistic(const double *p, double *gr) {
  CHECK_CLOSE(logistic_grad(p, gr, X, Y, 6, 2), logistic(p, X, Y, 6, 2), 1e-15);
}
static double jvp_logistic(const double *p, const double *u) {
  double t;
  logistic_jvp(p, u, X, Y, 6, 2, &t);
  return t;
}

static void check(const char *name, double (*e)(const double *), void (*gr)(const double *, double *),
                  double (*j)(const double *, const double *), double *p, int n) {
  int before = check_failures;
  check_gradient(name, e, gr, p, n, 1e-9);
  check_dot(name, j, gr, p, n, 1e-12);
  if (check_failures != before) printf("  at p[0] = %g, p[1] = %g, n = %d\n", p[0], n > 1 ? p[1] : 0.0, n_);
}

int main(void) {
  for (n_ = 0; n_ <= 5; n_++) {
    double p[1] = {1.3};
    check("pw", eval_pw, grad_pw, jvp_pw, p, 1);
    double d = 0;
    pw_grad(1.3, &d, n_);
    CHECK_CLOSE(d, n_ ? n_ * pow(1.3, n_ - 1) : 0.0, 1e-14);
  }
  double w[2] = {0.4, -0.3};
  check("logistic", eval_logistic, grad_logistic, jvp_logistic, w, 2);
  {
    /* closed form: mean of (sigmoid(z) - y) x */
    double gw[2] = {0};
    logistic_grad(w, gw, X, Y, 6, 2);
    double e0 = 0, e1 = 0;
    for (int i = 0; i < 6; i++) {
      double z = w[0] * X[2 * i] + w[1] * X[2 * i + 1], sg = 1 / (1 + exp(-z));
      e0 += (sg - Y[i]) * X[2 * i] / 6, e1 += (sg - Y[i]) * X[2 * i + 1] / 6;
    }
    CHECK_CLOSE(gw[0], e0, 1e-14);
    CHECK_CLOSE(gw[1], e1, 1e-14);
  }
  static const double pts[][2] = {{1.2, 0.9}, {0.3, 0.4}, {-0.7, 0.6}, {0.8, -0.5}, {-0.4, -1.6},
                                  {-1.2, -0.3}, {2.1, 1.7}, {0.55, 1.5}, {-0.6, -0.2}, {1.7, 1.4}};
  for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
    double p[2] = {pts[i][0], pts[i][1]};
    check("andor", eval_andor, grad_andor, jvp_andor, p, 2);
    check("nested", eval_nested, grad_nested, jvp_nested, p, 2);
  }
  double x[8] = {0.5, -0.3, 0.9, 0.7, -1.4, 0.4, 0.2, -0.8};
  for (n_ = 1; n_ <= 8; n_++) check("counted", eval_counted, grad_counted, jvp_counted, x, n_);
  {
    /* which operands ran: k moves on i = 1, 3 (k++ < 2 both times), calls on
     * the two negative x[i] (the update runs on the second, calls = 2) */
    double v[4] = {0.5, -0.3, 0.9, -0.7}, gv[4] = {0};
    double r = counted_grad(v, gv, 4), s = 0;
    s += sin(0.5) * 0, s = s * 0.9 + 0.5, s = s * g(0.5);
    s += 0.09, s = s * g(-0.3);
    s += sin(0.9) * 1, s = s * 0.9 + 0.9;
    s += 0.49, s = s * 0.9 - 0.7, s = s * g(-0.7);
    CHECK_CLOSE(r, s + 2 * 10 + 2, 1e-15);
  }
  return check_done("shortcircuit");
}
#endif
