/* Every libm function gradc knows, in double and float: each one alone
 * (closed forms at a point), and all of them composed in one function
 * (finite differences at two points away from kinks). */
#include <math.h>
#include <gradc.h>

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double trig(double x) { return sin(x) + cos(2 * x) + tan(x / 2) + asin(x / 3) + acos(x / 4) + atan(x); }

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double hyper(double x) { return sinh(x) + cosh(x / 2) + tanh(3 * x); }

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double expo(double x) { return exp(x) + exp2(x) + expm1(x / 3); }

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double logs(double x) { return log(x) + log2(3 * x) + log10(x + 1) + log1p(x * x); }

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double roots(double x) { return sqrt(x) + cbrt(x) + cbrt(-2 * x); }

GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double two_args(double x, double y) {
  return atan2(x, y) + pow(x, y) + hypot(x, y) + fmin(x, y) + fmax(x, 2 * y) + pow(x, 2.5) + pow(3.0, y);
}

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double misc(double x) { return fabs(x) + fabs(x - 3) + erf(x) + erf(-x / 2); }

/* the rest of the list in the README: inverse hyperbolics, erfc, fmod and
 * the rounding functions (derivative 0 away from their steps) */
GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double more(double x, double y) {
  return asinh(x * y) + acosh(x + 1) + atanh(y / 3) + erfc(x - y) + fmod(5 * x, y) + floor(x) * y +
         ceil(y) * x + trunc(x * 3) + round(y * 2) * x;
}

GRADC_GRAD(wrt(x, y))
float moref(float x, float y) {
  return asinhf(x * y) + acoshf(x + 1) + atanhf(y / 3) + erfcf(x - y) + fmodf(5 * x, y) + floorf(x) * y +
         ceilf(y) * x + truncf(x * 3) + roundf(y * 2) * x;
}

/* all of them, chained */
GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double all_double(double x, double y) {
  double s = sin(x) * cos(y) + tan(x * y / 4) + asin(x / 2) * acos(y / 3) + atan(x + y);
  s += atan2(y, x) + sinh(x) * cosh(y) + tanh(x - y);
  s += exp(x / 2) + exp2(y) - expm1(x * y / 5);
  s += log(y) + log2(x) * log10(y + x) + log1p(x * y);
  s += sqrt(x + y) + cbrt(x - 3 * y) + pow(x, y) + hypot(x, y);
  s += fabs(x - y) + fmin(x, y) * fmax(x, y) + erf(x * y);
  return s;
}

GRADC_GRAD(wrt(x, y))
float all_float(float x, float y) {
  float s = sinf(x) * cosf(y) + tanf(x * y / 4) + asinf(x / 2) * acosf(y / 3) + atanf(x + y);
  s += atan2f(y, x) + sinhf(x) * coshf(y) + tanhf(x - y);
  s += expf(x / 2) + exp2f(y) - expm1f(x * y / 5);
  s += logf(y) + log2f(x) * log10f(y + x) + log1pf(x * y);
  s += sqrtf(x + y) + cbrtf(x - 3 * y) + powf(x, y) + hypotf(x, y);
  s += fabsf(x - y) + fminf(x, y) * fmaxf(x, y) + erff(x * y);
  return s;
}

#ifdef GRADCHECK_MAIN
#include "check.h"
#define PI_ 3.14159265358979323846
double trig_grad(double x, double *x_bar);
double hyper_grad(double x, double *x_bar);
double expo_grad(double x, double *x_bar);
double logs_grad(double x, double *x_bar);
double roots_grad(double x, double *x_bar);
double two_args_grad(double x, double *x_bar, double y, double *y_bar);
double misc_grad(double x, double *x_bar);
double all_double_grad(double x, double *x_bar, double y, double *y_bar);
float all_float_grad(float x, float *x_bar, float y, float *y_bar);
double more_grad(double x, double *x_bar, double y, double *y_bar);
float moref_grad(float x, float *x_bar, float y, float *y_bar);
static double eval_more(const double *p) { return more(p[0], p[1]); }
static void grad_more(const double *p, double *g) { more_grad(p[0], &g[0], p[1], &g[1]); }

static double eval_two(const double *p) { return two_args(p[0], p[1]); }
static void grad_two(const double *p, double *g) { two_args_grad(p[0], &g[0], p[1], &g[1]); }
static double eval_all(const double *p) { return all_double(p[0], p[1]); }
static void grad_all(const double *p, double *g) { all_double_grad(p[0], &g[0], p[1], &g[1]); }
static double eval_allf(const double *p) { return all_float((float)p[0], (float)p[1]); }
/* the float function's formula, evaluated in double */
static double eval_allf_d(const double *p) { return all_double(p[0], p[1]); }

double trig_jvp(double x, double x_dot, double *ret_dot);
double hyper_jvp(double x, double x_dot, double *ret_dot);
double expo_jvp(double x, double x_dot, double *ret_dot);
double logs_jvp(double x, double x_dot, double *ret_dot);
double roots_jvp(double x, double x_dot, double *ret_dot);
double misc_jvp(double x, double x_dot, double *ret_dot);
double two_args_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double all_double_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double more_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
#define ONE(fn)                                                               \
  static void grad1_##fn(const double *p, double *g) { fn##_grad(p[0], &g[0]); } \
  static double jvp1_##fn(const double *p, const double *u) {                 \
    double t;                                                                 \
    fn##_jvp(p[0], u[0], &t);                                                 \
    return t;                                                                 \
  }
ONE(trig)
ONE(hyper)
ONE(expo)
ONE(logs)
ONE(roots)
ONE(misc)
#define TWO(name, fn)                                                         \
  static double jvp_##name(const double *p, const double *u) {               \
    double t;                                                                 \
    fn##_jvp(p[0], u[0], p[1], u[1], &t);                                     \
    return t;                                                                 \
  }
TWO(two, two_args)
TWO(all, all_double)
TWO(more, more)
/* the dot-product test for a one-argument function at x0 */
#define DOT1(fn, x0)                                                          \
  do {                                                                        \
    double p_[1] = {(x0)};                                                    \
    check_dot(#fn, jvp1_##fn, grad1_##fn, p_, 1, 1e-12);                      \
  } while (0)

/* x, with its derivative from f_grad, compared with a closed form */
#define SCALAR(fn, x0, dexpr)                                  \
  do {                                                         \
    double x = (x0), d_ = 0;                                   \
    CHECK_CLOSE(fn##_grad(x, &d_), fn(x), 1e-15);              \
    CHECK_CLOSE(d_, (dexpr), 1e-13);                           \
  } while (0)

int main(void) {
  DOT1(trig, 0.7);
  SCALAR(trig, 0.7,
         cos(x) - 2 * sin(2 * x) + 0.5 / (cos(x / 2) * cos(x / 2)) + (1.0 / 3) / sqrt(1 - x * x / 9) -
             0.25 / sqrt(1 - x * x / 16) + 1 / (1 + x * x));
  DOT1(trig, -1.3);
  SCALAR(trig, -1.3,
         cos(x) - 2 * sin(2 * x) + 0.5 / (cos(x / 2) * cos(x / 2)) + (1.0 / 3) / sqrt(1 - x * x / 9) -
             0.25 / sqrt(1 - x * x / 16) + 1 / (1 + x * x));
  DOT1(hyper, 0.4);
  SCALAR(hyper, 0.4, cosh(x) + 0.5 * sinh(x / 2) + 3 / (cosh(3 * x) * cosh(3 * x)));
  DOT1(hyper, -0.9);
  SCALAR(hyper, -0.9, cosh(x) + 0.5 * sinh(x / 2) + 3 / (cosh(3 * x) * cosh(3 * x)));
  DOT1(expo, 0.8);
  SCALAR(expo, 0.8, exp(x) + log(2.0) * exp2(x) + exp(x / 3) / 3);
  DOT1(expo, -2.1);
  SCALAR(expo, -2.1, exp(x) + log(2.0) * exp2(x) + exp(x / 3) / 3);
  DOT1(logs, 1.7);
  SCALAR(logs, 1.7, 1 / x + 1 / (x * log(2.0)) + 1 / ((x + 1) * log(10.0)) + 2 * x / (1 + x * x));
  DOT1(logs, 0.3);
  SCALAR(logs, 0.3, 1 / x + 1 / (x * log(2.0)) + 1 / ((x + 1) * log(10.0)) + 2 * x / (1 + x * x));
  DOT1(roots, 2.3);
  SCALAR(roots, 2.3, 0.5 / sqrt(x) + 1 / (3 * cbrt(x) * cbrt(x)) + 1 / (3 * cbrt(-2 * x) * cbrt(-2 * x)) * -2);
  DOT1(misc, 0.6);
  SCALAR(misc, 0.6, 1 - 1 + 2 / sqrt(PI_) * exp(-x * x) - 1 / sqrt(PI_) * exp(-x * x / 4));
  DOT1(misc, -0.6);
  SCALAR(misc, -0.6, -1 - 1 + 2 / sqrt(PI_) * exp(-x * x) - 1 / sqrt(PI_) * exp(-x * x / 4));
  DOT1(misc, 3.5);
  SCALAR(misc, 3.5, 1 + 1 + 2 / sqrt(PI_) * exp(-x * x) - 1 / sqrt(PI_) * exp(-x * x / 4));

  {
    double x = 1.3, y = 0.8, gx = 0, gy = 0;
    two_args_grad(x, &gx, y, &gy);
    /* fmin(x, y) = y, fmax(x, 2y) = 2y at this point */
    double r = hypot(x, y);
    CHECK_CLOSE(gx, y / (x * x + y * y) + y * pow(x, y - 1) + x / r + 0 + 0 + 2.5 * pow(x, 1.5), 1e-13);
    CHECK_CLOSE(gy, -x / (x * x + y * y) + pow(x, y) * log(x) + y / r + 1 + 2 + log(3.0) * pow(3.0, y), 1e-13);
  }
  double p[2] = {1.3, 0.8};
  check_gradient("two_args", eval_two, grad_two, p, 2, 1e-9);
  check_dot("two_args", jvp_two, grad_two, p, 2, 1e-12);
  double p2[2] = {0.6, 1.9};
  check_gradient("two_args at x < y", eval_two, grad_two, p2, 2, 1e-9);
  check_dot("two_args at x < y", jvp_two, grad_two, p2, 2, 1e-12);

  double q[2] = {0.9, 1.4};
  check_gradient("all_double", eval_all, grad_all, q, 2, 1e-9);
  check_dot("all_double", jvp_all, grad_all, q, 2, 1e-12);
  double q2[2] = {1.6, 0.35};
  check_gradient("all_double at x > y", eval_all, grad_all, q2, 2, 1e-9);
  check_dot("all_double at x > y", jvp_all, grad_all, q2, 2, 1e-12);

  /* float: against double finite differences of the same formula */
  for (int k = 0; k < 2; k++) {
    double *r = k ? q2 : q;
    float gx = 0, gy = 0;
    float v = all_float_grad((float)r[0], &gx, (float)r[1], &gy);
    CHECK_CLOSE(v, eval_allf(r), 1e-6);
    CHECK_CLOSE(gx, fd_partial(eval_allf_d, r, 0), 1e-3);
    CHECK_CLOSE(gy, fd_partial(eval_allf_d, r, 1), 1e-3);
  }
  /* more: 5x = 6.1, y = 1.4: fmod = 6.1 - 4 * 1.4, so d/dy fmod = -4 */
  double m[2] = {1.22, 1.4};
  check_gradient("more", eval_more, grad_more, m, 2, 1e-9);
  check_dot("more", jvp_more, grad_more, m, 2, 1e-12);
  {
    double x = 1.22, y = 1.4, gx = 0, gy = 0;
    more_grad(x, &gx, y, &gy);
    CHECK_CLOSE(gx, y / sqrt(x * x * y * y + 1) + 1 / sqrt((x + 1) * (x + 1) - 1) -
                        2 / sqrt(PI_) * exp(-(x - y) * (x - y)) + 5 + 2 + 3, 1e-13);
    CHECK_CLOSE(gy, x / sqrt(x * x * y * y + 1) + (1.0 / 3) / (1 - y * y / 9) +
                        2 / sqrt(PI_) * exp(-(x - y) * (x - y)) - 4 + 1, 1e-13);
    float fx = 0, fy = 0;
    moref_grad((float)x, &fx, (float)y, &fy);
    CHECK_CLOSE(fx, gx, 1e-3);
    CHECK_CLOSE(fy, gy, 1e-3);
  }
  return check_done("libm");
}
#endif
