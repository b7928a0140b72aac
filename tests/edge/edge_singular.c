/* Singular points: derivatives that are infinite must come out as an
 * infinity (not NaN), and derivatives that are finite must come out finite
 * (and exact), in reverse and forward mode:
 *   - sqrt, cbrt, pow(x, 0.5) at 0, log at 0, asin at +-1, acosh at 1: +inf;
 *   - hypot at (0, 0) gives 0; pow(0, b) w.r.t. b gives 0 (and so does a
 *     negative base, where a^b has no derivative in b);
 *   - x * x, pow(x, 2), sqrt(x * x + 1e-300) at 0: 0;
 *   - a guarded singularity (x != 0 ? sin(x) / x : 1, x > 0 ? log(x) : 0,
 *     a norm behind r2 > 0 ? ...) follows the branch taken: 0, never NaN from
 *     the branch not taken. */
#include <math.h>
#include <gradc.h>

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double sqrt_x(double x) { return sqrt(x); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
float sqrtf_x(float x) { return sqrtf(x); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double cbrt_x(double x) { return cbrt(x); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double log_x(double x) { return log(x); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double asin_x(double x) { return asin(x); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double acosh_x(double x) { return acosh(x); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double square(double x) { return x * x + x * x * x; }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double sqrt_eps(double x) { return sqrt(x * x + 1e-300); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double pow2(double x) { return pow(x, 2.0); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double pow1(double x) { return pow(x, 1.0); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double pow_half(double x) { return pow(x, 0.5); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double pow_three_halves(double x) { return pow(x, 1.5); }

GRADC_GRAD(wrt(a, b)) GRADC_JVP(wrt(a, b))
double pow_ab(double a, double b) { return pow(a, b); }

/* pow with a constant base 0 (or negative), w.r.t. the exponent */
GRADC_GRAD(wrt(b)) GRADC_JVP(wrt(b))
double pow_zero_base(double b) { return pow(0.0, b) + pow(-2.0, b); }

GRADC_GRAD(wrt(x, y)) GRADC_JVP(wrt(x, y))
double hyp(double x, double y) { return hypot(x, y); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double hyp1(double x) { return hypot(x, 0.0) + hypot(0.0, x); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double sinc(double x) { return x != 0 ? sin(x) / x : 1.0; }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double guarded_log(double x) { return x > 0 ? log(x) : 0.0; }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double guarded_sqrt(double x) {
  double r = 0;
  if (x > 0) r = sqrt(x);
  return r;
}

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double xlogx(double x) { return x > 0 ? x * log(x) : 0.0; }

GRADC_GRAD(wrt(x, y)) GRADC_JVP(wrt(x, y))
double safe_norm(double x, double y) { return sqrt(x * x + y * y + 1e-300); }

GRADC_GRAD(wrt(x, y)) GRADC_JVP(wrt(x, y))
double guarded_norm(double x, double y) {
  double r2 = x * x + y * y;
  return r2 > 0 ? sqrt(r2) : 0.0;
}

/* guarded divisions in a loop: the tape holds the decisions. (Written
 * without `s += c ? a : b` and `else s += 1`, which forward mode gets wrong:
 * /tmp/gradc-bugs/rel-08-jvp-ternary-precedence.c.) */
GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double guarded_loop(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    double v = x[i], q = 1;
    if (v != 0) q = sin(v) / v;
    double w = v > 0 ? sqrt(v) * v : 0.0;
    s += q + w;
  }
  return s;
}

GRADC_GRAD(wrt(x, y)) GRADC_JVP(wrt(x, y))
double quotient(double x, double y) { return x / y; }

#ifdef GRADCHECK_MAIN
#include "edge.h"
#define DECL1(fn)                                   \
  double fn##_grad(double x, double *x_bar);        \
  double fn##_jvp(double x, double x_dot, double *ret_dot);
#define DECL2(fn)                                                \
  double fn##_grad(double x, double *x_bar, double y, double *y_bar); \
  double fn##_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
DECL1(sqrt_x) DECL1(cbrt_x) DECL1(log_x) DECL1(asin_x) DECL1(acosh_x) DECL1(square)
DECL1(sqrt_eps) DECL1(pow2) DECL1(pow1) DECL1(pow_half) DECL1(pow_three_halves)
DECL1(pow_zero_base) DECL1(hyp1) DECL1(sinc) DECL1(guarded_log) DECL1(guarded_sqrt) DECL1(xlogx)
DECL2(pow_ab) DECL2(hyp) DECL2(safe_norm) DECL2(guarded_norm) DECL2(quotient)
float sqrtf_x_grad(float x, float *x_bar);
float sqrtf_x_jvp(float x, float x_dot, float *ret_dot);
double guarded_loop_grad(const double *x, double *x_bar, int n);
double guarded_loop_jvp(const double *x, const double *x_dot, int n, double *ret_dot);

/* in both modes: the derivative equals want exactly */
#define D1(fn, x0, want)                                                   \
  do {                                                                     \
    double xb_ = 0, t_ = 0, v_ = fn(x0);                                   \
    double r_ = fn##_grad((x0), &xb_);                                     \
    if (!isnan(v_)) EXPECT_EQ(r_, v_);                                     \
    EXPECT_EQ(xb_, (want));                                                \
    fn##_jvp((x0), 1.0, &t_);                                              \
    EXPECT_EQ(t_, (want));                                                 \
  } while (0)
/* in both modes: close to want, and finite */
#define N1(fn, x0, want)                                                   \
  do {                                                                     \
    double xb_ = 0, t_ = 0;                                                \
    fn##_grad((x0), &xb_);                                                 \
    EXPECT_NEAR(xb_, (want));                                              \
    fn##_jvp((x0), 1.0, &t_);                                              \
    EXPECT_NEAR(t_, (want));                                               \
  } while (0)
/* in both modes: an infinity of the given sign */
#define INF1(fn, x0, sign)                                                 \
  do {                                                                     \
    double xb_ = 0, t_ = 0;                                                \
    fn##_grad((x0), &xb_);                                                 \
    EXPECT_INF(xb_, (sign));                                               \
    fn##_jvp((x0), 1.0, &t_);                                              \
    EXPECT_INF(t_, (sign));                                                \
  } while (0)
#define D2(fn, x0, y0, wx, wy)                                             \
  do {                                                                     \
    double xb_ = 0, yb_ = 0, t_ = 0;                                       \
    fn##_grad((x0), &xb_, (y0), &yb_);                                     \
    EXPECT_EQ(xb_, (wx));                                                  \
    EXPECT_EQ(yb_, (wy));                                                  \
    fn##_jvp((x0), 1.0, (y0), 0.0, &t_);                                   \
    EXPECT_EQ(t_, (wx));                                                   \
    fn##_jvp((x0), 0.0, (y0), 1.0, &t_);                                   \
    EXPECT_EQ(t_, (wy));                                                   \
  } while (0)

int main(void) {
  /* infinite derivatives: +inf, not NaN */
  INF1(sqrt_x, 0.0, 1);
  INF1(cbrt_x, 0.0, 1);
  INF1(log_x, 0.0, 1);
  INF1(asin_x, 1.0, 1);
  INF1(asin_x, -1.0, 1);
  INF1(acosh_x, 1.0, 1);
  INF1(pow_half, 0.0, 1);
  {
    float xb = 0, t = 0;
    sqrtf_x_grad(0.0f, &xb);
    EXPECT_INF(xb, 1);
    sqrtf_x_jvp(0.0f, 1.0f, &t);
    EXPECT_INF(t, 1);
  }
  /* next to them, finite and right */
  D1(sqrt_x, 4.0, 0.25);
  D1(sqrt_x, 1e-300, 0.5e150);
  N1(log_x, 1e-300, 1e300);

  /* finite derivatives at 0 */
  D1(square, 0.0, 0.0);
  D1(square, -0.0, 0.0);
  D1(sqrt_eps, 0.0, 0.0);
  D1(pow2, 0.0, 0.0);
  D1(pow2, -3.0, -6.0);
  D1(pow1, 0.0, 1.0);
  D1(pow_three_halves, 0.0, 0.0);
  D1(pow_three_halves, 4.0, 3.0);

  /* pow(a, b): w.r.t. b at a = 0 (and a < 0) the convention is 0 */
  D2(pow_ab, 0.0, 2.0, 0.0, 0.0);
  D2(pow_ab, 0.0, 1.0, 1.0, 0.0);
  D2(pow_ab, -2.0, 3.0, 12.0, 0.0);
  D2(pow_ab, 2.0, 3.0, 12.0, 8.0 * log(2.0));
  D1(pow_zero_base, 2.0, 0.0);
  D1(pow_zero_base, 0.5, 0.0);
  D1(pow_zero_base, 0.0, 0.0);

  /* hypot: 0 at the origin; along an axis the sign of the coordinate */
  D2(hyp, 0.0, 0.0, 0.0, 0.0);
  D2(hyp, 3.0, 4.0, 0.6, 0.8);
  D2(hyp, -2.0, 0.0, -1.0, 0.0);
  D2(hyp, 0.0, 5e-324, 0.0, 1.0);
  D1(hyp1, 0.0, 0.0);
  D1(hyp1, -1.0, -2.0);

  /* guarded singularities: the branch taken */
  D1(sinc, 0.0, 0.0);
  N1(sinc, 0.5, (cos(0.5) * 0.5 - sin(0.5)) / 0.25);
  D1(guarded_log, 0.0, 0.0);
  D1(guarded_log, -1.0, 0.0);
  D1(guarded_log, 2.0, 0.5);
  D1(guarded_sqrt, 0.0, 0.0);
  D1(guarded_sqrt, 4.0, 0.25);
  D1(xlogx, 0.0, 0.0);
  D1(xlogx, 1.0, 1.0);
  D2(safe_norm, 0.0, 0.0, 0.0, 0.0);
  D2(guarded_norm, 0.0, 0.0, 0.0, 0.0);
  {
    double xb = 0, yb = 0, t = 0;
    guarded_norm_grad(3.0, &xb, -4.0, &yb);
    EXPECT_NEAR(xb, 0.6);
    EXPECT_NEAR(yb, -0.8);
    guarded_norm_jvp(3.0, 1.0, -4.0, 0.0, &t);
    EXPECT_NEAR(t, 0.6);
  }
  {
    double x[4] = {0, 1, -0.0, 4}, g[4] = {0}, u[4] = {1, 0, 0, 0}, t = 0;
    guarded_loop_grad(x, g, 4);
    EXPECT_EQ(g[0], 0.0);
    EXPECT_NEAR(g[1], cos(1.0) - sin(1.0) + 1.5);
    EXPECT_EQ(g[2], 0.0);
    EXPECT_NEAR(g[3], (cos(4.0) * 4 - sin(4.0)) / 16 + 3);
    guarded_loop_jvp(x, u, 4, &t);
    EXPECT_EQ(t, 0.0);
  }

  /* a zero numerator: finite partials */
  D2(quotient, 0.0, 2.0, 0.5, 0.0);
  return edge_done("edge_singular");
}
#endif
