/* The ends of the floating range: overflow and underflow in values must not
 * turn finite derivatives into NaN, in reverse and forward mode.
 *   - x * x at 1e200 overflows to inf, its derivative 2e200 does not;
 *   - exp(-x * x) far in the tail is 0 with derivative 0 (even where x * x
 *     is inf), and x * x at 1e-200 underflows to 0 with derivative 2e-200;
 *   - the branch-stable sigmoid, softplus and log-sum-exp stay finite at
 *     +-1000 (written naively, 1 / (1 + exp(-x)) gives 0 * inf = NaN at
 *     -1000 in any AD tool: the stable forms are the way to write them);
 *   - the same in float, whose range ends much sooner;
 *   - subnormal inputs. */
#include <math.h>
#include <gradc.h>

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double sq(double x) { return x * x; }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double gauss(double x) { return exp(-x * x); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double sigmoid(double x) {
  if (x >= 0) return 1 / (1 + exp(-x));
  double e = exp(x);
  return e / (1 + e);
}

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double softplus(double x) { return x > 30 ? x + log1p(exp(-x)) : log1p(exp(x)); }

GRADC_GRAD(wrt(x, y)) GRADC_JVP(wrt(x, y))
double lse(double x, double y) {
  double m = fmax(x, y);
  return m + log(exp(x - m) + exp(y - m));
}

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
float sqf(float x) { return x * x; }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
float gaussf(float x) { return expf(-x * x); }

/* a long product that underflows: every partial is 0, none NaN */
GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double prod(const double *x, int n) {
  double p = 1;
  for (int i = 0; i < n; i++) p *= x[i];
  return p;
}

#ifdef GRADCHECK_MAIN
#include "edge.h"
#define DECL1(T, fn)                        \
  T fn##_grad(T x, T *x_bar);               \
  T fn##_jvp(T x, T x_dot, T *ret_dot);
DECL1(double, sq) DECL1(double, gauss) DECL1(double, sigmoid) DECL1(double, softplus)
DECL1(float, sqf) DECL1(float, gaussf)
double lse_grad(double x, double *x_bar, double y, double *y_bar);
double lse_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double prod_grad(const double *x, double *x_bar, int n);
double prod_jvp(const double *x, const double *x_dot, int n, double *ret_dot);

/* both modes give exactly want (want may be an infinity) */
#define D1(T, fn, x0, want)                                                \
  do {                                                                     \
    T xb_ = 0, t_ = 0;                                                     \
    fn##_grad((x0), &xb_);                                                 \
    EXPECT_EQ(xb_, (want));                                                \
    fn##_jvp((x0), 1, &t_);                                                \
    EXPECT_EQ(t_, (want));                                                 \
  } while (0)
/* both modes give a finite value close to want */
#define N1(T, fn, x0, want)                                                \
  do {                                                                     \
    T xb_ = 0, t_ = 0;                                                     \
    fn##_grad((x0), &xb_);                                                 \
    EXPECT_NEAR(xb_, (want));                                              \
    fn##_jvp((x0), 1, &t_);                                                \
    EXPECT_NEAR(t_, (want));                                               \
  } while (0)

int main(void) {
  /* overflow of the value, not of the derivative */
  {
    double xb = 0;
    EXPECT_INF(sq_grad(1e200, &xb), 1);
    EXPECT_EQ(xb, 2e200);
  }
  D1(double, sq, 1e200, 2e200);
  D1(double, sq, -1e200, -2e200);
  D1(double, sq, 1e-200, 2e-200); /* the value underflows to 0 */
  D1(double, sq, 5e-324, 1e-323); /* the smallest subnormal */
  /* derivative overflow where it is true: d(x^2)/dx = 2x > DBL_MAX */
  D1(double, sq, 1e308, INFINITY);

  /* far in the tail: 0 with derivative -0, also where x * x is inf */
  D1(double, gauss, 40.0, 0.0);
  D1(double, gauss, -40.0, 0.0);
  D1(double, gauss, 1e200, 0.0);
  D1(double, gauss, 0.0, 0.0);
  N1(double, gauss, 1.0, -2 * exp(-1.0));

  /* stable sigmoid and softplus at the ends */
  D1(double, sigmoid, 1000.0, 0.0);
  D1(double, sigmoid, -1000.0, 0.0);
  D1(double, sigmoid, 0.0, 0.25);
  N1(double, sigmoid, -700.0, exp(-700.0));
  D1(double, softplus, 1000.0, 1.0);
  D1(double, softplus, -1000.0, 0.0);
  D1(double, softplus, 0.0, 0.5);
  N1(double, softplus, 40.0, 1 / (1 + exp(-40.0)));

  /* log-sum-exp: the gradient is the softmax; a tie of fmax splits the
   * max's derivative, and the total is still (0.5, 0.5) */
  {
    double xb = 0, yb = 0, t = 0;
    lse_grad(1000.0, &xb, 1000.0, &yb);
    EXPECT_EQ(xb, 0.5);
    EXPECT_EQ(yb, 0.5);
    lse_jvp(1000.0, 1.0, 1000.0, 0.0, &t);
    EXPECT_EQ(t, 0.5);
    xb = yb = 0;
    EXPECT_NEAR(lse_grad(1000.0, &xb, -1000.0, &yb), 1000.0);
    EXPECT_EQ(xb, 1.0);
    EXPECT_EQ(yb, 0.0);
    lse_jvp(1000.0, 0.0, -1000.0, 1.0, &t);
    EXPECT_EQ(t, 0.0);
    xb = yb = 0;
    lse_grad(-1000.0, &xb, -1001.0, &yb);
    EXPECT_NEAR(xb, 1 / (1 + exp(-1.0)));
    EXPECT_NEAR(yb, 1 / (1 + exp(1.0)));
  }

  /* float: the range ends at 3.4e38 */
  {
    float xb = 0, t = 0;
    EXPECT_INF(sqf_grad(1e30f, &xb), 1);
    EXPECT_EQ(xb, 2e30f);
    sqf_jvp(1e30f, 1.0f, &t);
    EXPECT_EQ(t, 2e30f);
  }
  D1(float, sqf, 1e-30f, 2e-30f);
  D1(float, gaussf, 20.0f, 0.0f);
  D1(float, gaussf, 1e30f, 0.0f);

  /* a product of 400 factors 1e-3: the value underflows, the partials are
   * 1e-1197 each (0), not NaN; one factor 0 makes every other partial 0 and
   * its own the product of the rest */
  {
    double x[400], g[400] = {0}, u[400], t = 0;
    for (int i = 0; i < 400; i++) x[i] = 1e-3, u[i] = 1;
    EXPECT_EQ(prod_grad(x, g, 400), 0.0);
    for (int i = 0; i < 400; i++) EXPECT_EQ(g[i], 0.0);
    prod_jvp(x, u, 400, &t);
    EXPECT_EQ(t, 0.0);
    double y[4] = {2, 0, 3, 5}, h[4] = {0};
    EXPECT_EQ(prod_grad(y, h, 4), 0.0);
    EXPECT_EQ(h[0], 0.0);
    EXPECT_EQ(h[1], 30.0);
    EXPECT_EQ(h[2], 0.0);
    EXPECT_EQ(h[3], 0.0);
  }
  return edge_done("edge_range");
}
#endif
