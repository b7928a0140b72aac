/* Kinks, ties and branches: the conventions at points where a function is
 * not differentiable, in reverse mode (f_grad) and forward mode (f_jvp):
 *   - d|x|/dx at 0 is 0 (also at -0.0);
 *   - fmin/fmax at a tie give half to each argument (so fmax(x, x) has
 *     derivative 1, and relu written as fmax(x, 0) has 0.5 at 0);
 *   - the derivative of a branch (if, ?:) is that of the branch taken: relu
 *     written as x > 0 ? x : 0 has 0 at 0, written with >= it has 1;
 * and never NaN where the true derivative (or the convention) is finite. */
#include <math.h>
#include <gradc.h>

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double absx(double x) { return fabs(x); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
float absf(float x) { return fabsf(x) * 3.0f; }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double relu_gt(double x) { return x > 0 ? x : 0.0; }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double relu_ge(double x) { return x >= 0 ? x : 0.0; }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double relu_if(double x) {
  if (x > 0) return x;
  return 0;
}

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double relu_max(double x) { return fmax(x, 0.0); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double relu_min(double x) { return fmin(x, 0.0); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double leaky(double x) { return fmax(x, 0.01 * x); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
float relu_maxf(float x) { return fmaxf(x, 0.0f) * 2.0f; }

GRADC_GRAD(wrt(x, y)) GRADC_JVP(wrt(x, y))
double minmax(double x, double y) { return fmin(x, y) + 2 * fmax(x, y); }

GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double self_tie(double x) { return fmax(x, x) + 10 * fmin(x, x); }

GRADC_GRAD(wrt(x, y)) GRADC_JVP(wrt(x, y))
double maxnorm(double x, double y) { return fmax(fabs(x), fabs(y)); }

/* the branch taken decides: at x == 1 the else branch (2x - 1) */
GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double piecewise(double x) {
  double y;
  if (x < 1) y = x * x;
  else y = 2 * x - 1;
  return y;
}

/* a constant branch on equality: derivative 0 there, 2x elsewhere */
GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double at_one(double x) { return x == 1.0 ? 5.0 : x * x; }

/* an L1 norm at the origin: every partial is 0 */
GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double norm1(const double *x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += fabs(x[i]);
  return s;
}

/* relu in a loop (the decisions go on the tape), hitting 0 exactly */
GRADC_GRAD(wrt(w, x)) GRADC_JVP(wrt(w, x))
double relu_layer(const double *w, double x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) {
    double t = w[i] * x;
    t = t > 0 ? t : 0.0;
    s += t;
  }
  return s;
}

/* hinge loss: max(0, 1 - y x) at the hinge */
GRADC_GRAD(wrt(x)) GRADC_JVP(wrt(x))
double hinge(double x, double y) { return fmax(0.0, 1.0 - y * x); }

#ifdef GRADCHECK_MAIN
#include "edge.h"
double absx_grad(double x, double *x_bar);
double absx_jvp(double x, double x_dot, double *ret_dot);
float absf_grad(float x, float *x_bar);
float absf_jvp(float x, float x_dot, float *ret_dot);
double relu_gt_grad(double x, double *x_bar);
double relu_gt_jvp(double x, double x_dot, double *ret_dot);
double relu_ge_grad(double x, double *x_bar);
double relu_ge_jvp(double x, double x_dot, double *ret_dot);
double relu_if_grad(double x, double *x_bar);
double relu_if_jvp(double x, double x_dot, double *ret_dot);
double relu_max_grad(double x, double *x_bar);
double relu_max_jvp(double x, double x_dot, double *ret_dot);
double relu_min_grad(double x, double *x_bar);
double relu_min_jvp(double x, double x_dot, double *ret_dot);
double leaky_grad(double x, double *x_bar);
double leaky_jvp(double x, double x_dot, double *ret_dot);
float relu_maxf_grad(float x, float *x_bar);
float relu_maxf_jvp(float x, float x_dot, float *ret_dot);
double minmax_grad(double x, double *x_bar, double y, double *y_bar);
double minmax_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double self_tie_grad(double x, double *x_bar);
double self_tie_jvp(double x, double x_dot, double *ret_dot);
double maxnorm_grad(double x, double *x_bar, double y, double *y_bar);
double maxnorm_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double piecewise_grad(double x, double *x_bar);
double piecewise_jvp(double x, double x_dot, double *ret_dot);
double at_one_grad(double x, double *x_bar);
double at_one_jvp(double x, double x_dot, double *ret_dot);
double norm1_grad(const double *x, double *x_bar, int n);
double norm1_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double relu_layer_grad(const double *w, double *w_bar, double x, double *x_bar, int n);
double relu_layer_jvp(const double *w, const double *w_dot, double x, double x_dot, int n, double *ret_dot);
double hinge_grad(double x, double *x_bar, double y);
double hinge_jvp(double x, double x_dot, double y, double *ret_dot);

/* f'(x0) == want in both modes, and f's value comes back unchanged */
#define D1(fn, x0, want)                                                   \
  do {                                                                     \
    double xb_ = 0, t_ = 0;                                                \
    EXPECT_EQ(fn##_grad((x0), &xb_), fn(x0));                              \
    EXPECT_EQ(xb_, (want));                                                \
    EXPECT_EQ(fn##_jvp((x0), 1.0, &t_), fn(x0));                           \
    EXPECT_EQ(t_, (want));                                                 \
  } while (0)
#define D1F(fn, x0, want)                                                  \
  do {                                                                     \
    float xb_ = 0, t_ = 0;                                                 \
    EXPECT_EQ(fn##_grad((x0), &xb_), fn(x0));                              \
    EXPECT_EQ(xb_, (want));                                                \
    EXPECT_EQ(fn##_jvp((x0), 1.0f, &t_), fn(x0));                          \
    EXPECT_EQ(t_, (want));                                                 \
  } while (0)
/* both partials of f(x, y) at (x0, y0), in both modes */
#define D2(fn, x0, y0, wx, wy)                                             \
  do {                                                                     \
    double xb_ = 0, yb_ = 0, t_ = 0;                                       \
    EXPECT_EQ(fn##_grad((x0), &xb_, (y0), &yb_), fn((x0), (y0)));          \
    EXPECT_EQ(xb_, (wx));                                                  \
    EXPECT_EQ(yb_, (wy));                                                  \
    fn##_jvp((x0), 1.0, (y0), 0.0, &t_);                                   \
    EXPECT_EQ(t_, (wx));                                                   \
    fn##_jvp((x0), 0.0, (y0), 1.0, &t_);                                   \
    EXPECT_EQ(t_, (wy));                                                   \
  } while (0)

int main(void) {
  /* |x| */
  D1(absx, 0.0, 0.0);
  D1(absx, -0.0, 0.0);
  D1(absx, 2.0, 1.0);
  D1(absx, -2.0, -1.0);
  D1(absx, 1e-300, 1.0);
  D1(absx, -5e-324, -1.0);
  D1F(absf, 0.0f, 0.0f);
  D1F(absf, -1.5f, -3.0f);

  /* relu, three spellings of a branch: the branch taken */
  D1(relu_gt, 0.0, 0.0);
  D1(relu_gt, -0.0, 0.0);
  D1(relu_gt, 1.0, 1.0);
  D1(relu_gt, -1.0, 0.0);
  D1(relu_ge, 0.0, 1.0);
  D1(relu_ge, -1.0, 0.0);
  D1(relu_if, 0.0, 0.0);
  D1(relu_if, 3.0, 1.0);

  /* fmin/fmax: a tie gives half to each side */
  D1(relu_max, 0.0, 0.5);
  D1(relu_max, -0.0, 0.5); /* -0.0 == 0.0: still a tie */
  D1(relu_max, 1.0, 1.0);
  D1(relu_max, -1.0, 0.0);
  D1(relu_min, 0.0, 0.5);
  D1(relu_min, -1.0, 1.0);
  D1(leaky, 0.0, 0.505);
  D1(leaky, 2.0, 1.0);
  D1(leaky, -2.0, 0.01);
  D1F(relu_maxf, 0.0f, 1.0f);
  D1F(relu_maxf, 2.0f, 2.0f);
  D2(minmax, 1.0, 1.0, 1.5, 1.5);
  D2(minmax, 1.0, 2.0, 1.0, 2.0);
  D2(minmax, 3.0, 2.0, 2.0, 1.0);
  D1(self_tie, 0.7, 11.0);
  D1(self_tie, 0.0, 11.0);
  /* fmax(|x|, |y|): at the origin 0.5 * 0 each; on the diagonal a tie */
  D2(maxnorm, 0.0, 0.0, 0.0, 0.0);
  D2(maxnorm, -3.0, 3.0, -0.5, 0.5);
  D2(maxnorm, 0.0, -2.0, 0.0, -1.0);

  /* branches */
  D1(piecewise, 1.0, 2.0);
  D1(piecewise, 0.5, 1.0);
  D1(piecewise, 3.0, 2.0);
  D1(at_one, 1.0, 0.0);
  D1(at_one, 2.0, 4.0);

  /* an L1 norm at the origin and next to it */
  {
    double x[4] = {0, -0.0, 0, 0}, g[4] = {0}, dot[4] = {1, 1, 1, 1}, t = 0;
    EXPECT_EQ(norm1_grad(x, g, 4), 0.0);
    for (int i = 0; i < 4; i++) EXPECT_EQ(g[i], 0.0);
    norm1_jvp(x, dot, 4, &t);
    EXPECT_EQ(t, 0.0);
    double y[4] = {0, -2, 3, 0}, h[4] = {0};
    EXPECT_EQ(norm1_grad(y, h, 4), 5.0);
    EXPECT_EQ(h[0], 0.0);
    EXPECT_EQ(h[1], -1.0);
    EXPECT_EQ(h[2], 1.0);
    EXPECT_EQ(h[3], 0.0);
  }

  /* relu in a loop: w x = 1, 0, -1, 2 at x = 1 (one exactly at the kink),
   * and everything at the kink at x = 0 */
  {
    double w[4] = {1, 0, -1, 2}, wb[4] = {0}, xb = 0, t = 0;
    EXPECT_EQ(relu_layer_grad(w, wb, 1.0, &xb, 4), 3.0);
    EXPECT_EQ(wb[0], 1.0);
    EXPECT_EQ(wb[1], 0.0);
    EXPECT_EQ(wb[2], 0.0);
    EXPECT_EQ(wb[3], 1.0);
    EXPECT_EQ(xb, 3.0);
    double wd[4] = {0}, u[4] = {0.25, 0.5, 0.75, 1.0};
    relu_layer_jvp(w, u, 1.0, 0.0, 4, &t);
    EXPECT_EQ(t, 0.25 + 1.0);
    relu_layer_jvp(w, wd, 1.0, 1.0, 4, &t);
    EXPECT_EQ(t, 3.0);
    double w0[4] = {0}, wb0[4] = {0};
    xb = 0;
    EXPECT_EQ(relu_layer_grad(w, wb0, 0.0, &xb, 4), 0.0);
    for (int i = 0; i < 4; i++) EXPECT_EQ(wb0[i], 0.0);
    EXPECT_EQ(xb, 0.0);
    xb = 0;
    relu_layer_grad(w0, wb0, 2.0, &xb, 4);
    EXPECT_EQ(xb, 0.0);
  }

  /* the hinge: at y x = 1 a tie of fmax(0, 0) */
  {
    double xb = 0, t = 0;
    EXPECT_EQ(hinge_grad(0.5, &xb, 2.0), 0.0);
    EXPECT_EQ(xb, -1.0); /* 0.5 * d(1 - 2x)/dx */
    hinge_jvp(0.5, 1.0, 2.0, &t);
    EXPECT_EQ(t, -1.0);
    xb = 0;
    hinge_grad(0.0, &xb, 2.0);
    EXPECT_EQ(xb, -2.0);
    xb = 0;
    hinge_grad(1.0, &xb, 2.0);
    EXPECT_EQ(xb, 0.0);
  }
  return edge_done("edge_kinks");
}
#endif
