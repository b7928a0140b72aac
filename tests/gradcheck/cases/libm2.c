/* More libm: fma (three arguments), ldexp/scalbn, frexp (an int
 * out-parameter, taped in a loop), remainder and fmod (the integer quotient,
 * ties to even), tgamma and lgamma (gradc_digamma), their float and long
 * double versions, the __builtin_ spellings, and the fmin/fmax NaN cases.
 * Each against closed forms, central differences and the dot-product test. */
#include <math.h>
#include <gradc.h>

GRADC_JVP(wrt(x, y, z))
GRADC_GRAD(wrt(x, y, z))
double fused(double x, double y, double z) { return fma(x, y, z) + fma(x * y, z, x) * fma(2.0, x, 1.0); }

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double scale2(double x) { return ldexp(x, 3) + ldexp(x * x, -2) + scalbn(x, 5) + scalbln(x, -1); }

/* m in [0.5, 1), x = m 2^e: the reverse sweep reads e in ldexp's partial,
 * and the second frexp overwrites it: e is saved */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double mant(double x) {
  int e;
  double m = frexp(x, &e);
  double y = m * m + ldexp(m, e + 1);
  double w = sin(frexp(x * x, &e));
  return y + w * e;
}

/* e changes every iteration: it is taped, and restored in the reverse sweep */
GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double mant_loop(const double *x, int n) {
  double s = 0;
  int e = 0;
  for (int i = 0; i < n; i++) {
    double m = frexp(x[i] * x[i] + 1, &e);
    s += sin(m) * ldexp(m, e) + s * ldexp(1.0, -e);
  }
  return s;
}

GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double rem(double x, double y) { return remainder(x, y) + 2 * fmod(x, y) + remainder(x * y, 1.5); }

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double gam(double x) { return tgamma(x) + lgamma(x) + 2 * lgamma(-x) + tgamma(x / 2 - 3); }

/* float versions */
GRADC_JVP(wrt(x, y, z))
GRADC_GRAD(wrt(x, y, z))
float allf(float x, float y, float z) {
  int e;
  float m = frexpf(x * y, &e);
  return fmaf(x, y, z) + ldexpf(x, 2) + m * ldexpf(m, e) + remainderf(x * 3, y) + tgammaf(z) + lgammaf(x + z) +
         fmodf(y, x / 2) + scalbnf(z, -1) + __builtin_sqrtf(z) * __builtin_fabsf(x - y);
}
/* the same formula in double, for the float version's finite differences */
static double all_d(double x, double y, double z) {
  int e;
  double m = frexp(x * y, &e);
  return fma(x, y, z) + ldexp(x, 2) + m * ldexp(m, e) + remainder(x * 3, y) + tgamma(z) + lgamma(x + z) +
         fmod(y, x / 2) + scalbn(z, -1) + sqrt(z) * fabs(x - y);
}

/* long double: computed in long double, converted to double; nothing overwritten, so
 * nothing long double is taped */
GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double ldbl(double x, double y) {
  long double a = x, b = y;
  long double s = sinl(a) * cosl(b) + tanhl(a - b) + expl(a / 4) * logl(b) + sqrtl(a + b) + powl(a, b);
  long double t = atan2l(a, b) + hypotl(a, b) + fmal(a, b, a) + ldexpl(a, 3) + remainderl(a * 5, b) +
                  tgammal(b) + lgammal(a) + erfl(a - b) + cbrtl(a * b) + fabsl(a - b) + fminl(a, b) +
                  asinhl(a) + log1pl(b) + expm1l(a / 3) + fmodl(a * 4, b);
  return (double)(s + t);
}

/* __builtin_ spellings: the derivatives call the libm names */
GRADC_JVP(wrt(x, y))
GRADC_GRAD(wrt(x, y))
double bi(double x, double y) {
  return __builtin_pow(x, y) + __builtin_sin(x) * __builtin_cos(y) + __builtin_fabs(x - y) +
         __builtin_sqrt(x) + __builtin_fma(x, y, 1.0) + __builtin_exp(y / 2) + __builtin_lgamma(x) +
         __builtin_tanhl(y) + __builtin_atan2(y, x) + __builtin_hypot(x, y) + __builtin_ldexp(y, 2);
}

/* fmin(u, NaN) = u: u gets the whole derivative */
GRADC_GRAD(wrt(x, y))
double minmax(double x, double y) { return fmin(x, y) + 2 * fmax(y, x) + 4 * fmin(y, x) + 8 * fmax(x, y); }

/* second derivatives: gradc_digamma's rule is gradc_trigamma */
GRADC_HESSIAN(wrt(x, y))
double gam2(double x, double y) { return lgamma(x * y) + tgamma(x) * y + ldexp(x * y, 2) + fma(x, x, y); }

#ifdef GRADCHECK_MAIN
#include "check.h"
double fused_grad(double x, double *x_bar, double y, double *y_bar, double z, double *z_bar);
double fused_jvp(double x, double x_dot, double y, double y_dot, double z, double z_dot, double *ret_dot);
double scale2_grad(double x, double *x_bar);
double scale2_jvp(double x, double x_dot, double *ret_dot);
double mant_grad(double x, double *x_bar);
double mant_jvp(double x, double x_dot, double *ret_dot);
double mant_loop_grad(const double *x, double *x_bar, int n);
double mant_loop_jvp(const double *x, const double *x_dot, int n, double *ret_dot);
double rem_grad(double x, double *x_bar, double y, double *y_bar);
double rem_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double gam_grad(double x, double *x_bar);
double gam_jvp(double x, double x_dot, double *ret_dot);
float allf_grad(float x, float *x_bar, float y, float *y_bar, float z, float *z_bar);
float allf_jvp(float x, float x_dot, float y, float y_dot, float z, float z_dot, float *ret_dot);
double ldbl_grad(double x, double *x_bar, double y, double *y_bar);
double ldbl_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double bi_grad(double x, double *x_bar, double y, double *y_bar);
double bi_jvp(double x, double x_dot, double y, double y_dot, double *ret_dot);
double minmax_grad(double x, double *x_bar, double y, double *y_bar);
double gam2_hessian(double x, double y, double *H);

#define PSI1 (-0.57721566490153286061)  /* psi(1) = -Euler's gamma */

static double eval_fused(const double *p) { return fused(p[0], p[1], p[2]); }
static void grad_fused(const double *p, double *g) { fused_grad(p[0], &g[0], p[1], &g[1], p[2], &g[2]); }
static double jvp_fused(const double *p, const double *u) {
  double t;
  fused_jvp(p[0], u[0], p[1], u[1], p[2], u[2], &t);
  return t;
}
#define ONE(fn)                                                               \
  static double eval1_##fn(const double *p) { return fn(p[0]); }              \
  static void grad1_##fn(const double *p, double *g) { fn##_grad(p[0], &g[0]); } \
  static double jvp1_##fn(const double *p, const double *u) {                 \
    double t;                                                                 \
    fn##_jvp(p[0], u[0], &t);                                                 \
    return t;                                                                 \
  }
ONE(scale2)
ONE(mant)
ONE(gam)
#define TWO(fn)                                                               \
  static double eval2_##fn(const double *p) { return fn(p[0], p[1]); }        \
  static void grad2_##fn(const double *p, double *g) { fn##_grad(p[0], &g[0], p[1], &g[1]); } \
  static double jvp2_##fn(const double *p, const double *u) {                 \
    double t;                                                                 \
    fn##_jvp(p[0], u[0], p[1], u[1], &t);                                     \
    return t;                                                                 \
  }
TWO(rem)
TWO(ldbl)
TWO(bi)
static double eval_loop(const double *p) { return mant_loop(p, 4); }
static void grad_loop(const double *p, double *g) { mant_loop_grad(p, g, 4); }
static double jvp_loop(const double *p, const double *u) {
  double t;
  mant_loop_jvp(p, u, 4, &t);
  return t;
}
static double eval_all_d(const double *p) { return all_d(p[0], p[1], p[2]); }
static double eval_lgamma(const double *p) { return lgamma(p[0]); }
static double eval_digamma(const double *p) { return gradc_digamma(p[0]); }
/* the gradient of gam2 in closed form, from the digamma identity */
static void gam2_gradient(double x, double y, double *g) {
  /* lgamma(xy)' = psi(xy) (y, x); (tgamma(x) y)' = (tgamma(x) psi(x) y, tgamma(x));
   * ldexp(xy, 2)' = 4 (y, x); fma(x, x, y)' = (2x, 1) */
  g[0] = gradc_digamma(x * y) * y + tgamma(x) * gradc_digamma(x) * y + 4 * y + 2 * x;
  g[1] = gradc_digamma(x * y) * x + tgamma(x) + 4 * x + 1;
}

#define DOT(name, jvp, grad, p, n) check_dot(name, jvp, grad, p, n, 1e-12)

int main(void) {
  /* digamma and trigamma against known values and differences of lgamma */
  CHECK_CLOSE(gradc_digamma(1.0), PSI1, 1e-15);
  CHECK_CLOSE(gradc_digamma(0.5), PSI1 - 2 * log(2.0), 1e-15);
  CHECK_CLOSE(gradc_digamma(-0.5), PSI1 - 2 * log(2.0) + 2, 1e-15);
  CHECK_CLOSE(gradc_digamma(10.0), PSI1 + 1 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4 + 1.0 / 5 + 1.0 / 6 + 1.0 / 7 + 1.0 / 8 + 1.0 / 9, 1e-15);
  CHECK_CLOSE(gradc_digamma(1e-9), -1e9 + PSI1, 1e-15);
  CHECK_CLOSE((double)gradc_digammal(1.0L), PSI1, 1e-15);
  CHECK_CLOSE((double)gradc_digammal(0.5L), PSI1 - 2 * log(2.0), 1e-15);
  CHECK_CLOSE(gradc_digammaf(1.0f), PSI1, 1e-6);
  CHECK_CLOSE(gradc_trigamma(1.0), 1.64493406684822643647, 1e-15);       /* pi^2 / 6 */
  CHECK_CLOSE(gradc_trigamma(0.5), 4.93480220054467930942, 1e-15);       /* pi^2 / 2 */
  CHECK_CLOSE((double)gradc_trigammal(1.0L), 1.64493406684822643647, 1e-15);
  if (!isnan(gradc_digamma(-2.0)) || !isnan(gradc_digamma(0.0)) || !isinf(gradc_trigamma(-3.0))) {
    printf("FAIL digamma/trigamma at a pole\n");
    check_failures++;
  }
  {
    double xs[] = {0.05, 0.3, 1.4616, 2.5, 5.9, 6.2, 11.7, 140.0, -0.3, -2.7, -7.5, -20.2};
    for (int i = 0; i < (int)(sizeof xs / sizeof *xs); i++) {
      double p[1] = {xs[i]};
      CHECK_CLOSE(gradc_digamma(xs[i]), fd_partial(eval_lgamma, p, 0), 1e-8);
      CHECK_CLOSE(gradc_trigamma(xs[i]), fd_partial(eval_digamma, p, 0), 1e-8);
      CHECK_CLOSE((double)gradc_digammal(xs[i]), gradc_digamma(xs[i]), 1e-14);
      CHECK_CLOSE((double)gradc_trigammal(xs[i]), gradc_trigamma(xs[i]), 1e-14);
      CHECK_CLOSE(gradc_digammaf((float)xs[i]), gradc_digamma((float)xs[i]), 1e-6);
    }
  }
  CHECK_CLOSE(gradc_frexp_scale(3.0), 0.25, 0);
  CHECK_CLOSE(gradc_frexp_scale(-0.1), 8, 0);
  CHECK_CLOSE(gradc_frexp_scale(0.0), 1, 0);
  CHECK_CLOSE(gradc_frexp_scalef(3.0f), 0.25, 0);
  CHECK_CLOSE((double)gradc_frexp_scalel(1024.0L), 1.0 / 2048, 0);

  /* fma: closed form */
  {
    double x = 0.7, y = -1.3, z = 2.1, g[3] = {0};
    CHECK_CLOSE(fused_grad(x, &g[0], y, &g[1], z, &g[2]), fused(x, y, z), 0);
    double f2 = x * y * z + x, f3 = 2 * x + 1;
    CHECK_CLOSE(g[0], y + (y * z + 1) * f3 + 2 * f2, 1e-14);
    CHECK_CLOSE(g[1], x + x * z * f3, 1e-14);
    CHECK_CLOSE(g[2], 1 + x * y * f3, 1e-14);
    double p[3] = {x, y, z};
    check_gradient("fused", eval_fused, grad_fused, p, 3, 1e-9);
    DOT("fused", jvp_fused, grad_fused, p, 3);
  }
  /* ldexp, scalbn, scalbln: exact powers of two */
  {
    double x = 1.7, d = 0;
    CHECK_CLOSE(scale2_grad(x, &d), scale2(x), 0);
    CHECK_CLOSE(d, 8 + x / 2 + 32 + 0.5, 1e-15);
    double p[1] = {x};
    check_gradient("scale2", eval1_scale2, grad1_scale2, p, 1, 1e-9);
    DOT("scale2", jvp1_scale2, grad1_scale2, p, 1);
  }
  /* frexp: d m / dx = 2^-e, and the int e reaches the reverse sweep */
  {
    double xs[] = {3.3, -0.37, 1000.5, 0.7};
    for (int k = 0; k < 4; k++) {
      double x = xs[k], d = 0;
      CHECK_CLOSE(mant_grad(x, &d), mant(x), 0);
      int e, e2;
      double m = frexp(x, &e), m2 = frexp(x * x, &e2);
      CHECK_CLOSE(d, 2 * m * ldexp(1, -e) + 2 + cos(m2) * e2 * ldexp(2 * x, -e2), 1e-14);
      double p[1] = {x};
      check_gradient("mant", eval1_mant, grad1_mant, p, 1, 1e-9);
      DOT("mant", jvp1_mant, grad1_mant, p, 1);
    }
    double p[4] = {0.3, 1.9, -2.6, 4.2};
    check_gradient("mant_loop", eval_loop, grad_loop, p, 4, 1e-9);
    DOT("mant_loop", jvp_loop, grad_loop, p, 4);
  }
  /* remainder and fmod: d/dy = -n with the exact integer quotient */
  {
    double x = 7.3, y = 2.0, gx = 0, gy = 0;
    rem_grad(x, &gx, y, &gy);
    /* remainder(7.3, 2): n = 4; fmod: n = 3; remainder(x y, 1.5) adds (y, x) */
    CHECK_CLOSE(gx, 1 + 2 + y, 1e-14);
    CHECK_CLOSE(gy, -4 - 2 * 3 + x, 1e-14);
    double p[2] = {x, y};
    check_gradient("rem", eval2_rem, grad2_rem, p, 2, 1e-9);
    DOT("rem", jvp2_rem, grad2_rem, p, 2);
    double q[2] = {-5.1, 0.7};
    check_gradient("rem at x < 0", eval2_rem, grad2_rem, q, 2, 1e-9);
    DOT("rem at x < 0", jvp2_rem, grad2_rem, q, 2);
    /* 5 / 2 = 2.5: ties go to the even n = 2 (round would give 3) */
    gx = gy = 0;
    rem_grad(5.0, &gx, 2.0, &gy);
    CHECK_CLOSE(gy, -2 - 2 * 2 + 5.0, 1e-14);
    /* fmod(1, 0.1) = 0.09999999999999995: n = 9, although 1 / 0.1 rounds
     * to 10 (remainder's n is 10) */
    gx = gy = 0;
    rem_grad(1.0, &gx, 0.1, &gy);
    CHECK_CLOSE(gy, -10 - 2 * 9 + 1.0, 1e-14);
  }
  /* tgamma and lgamma: Gamma psi and psi, for x > 0 and lgamma at x < 0 */
  {
    double xs[] = {2.3, 0.4, 7.7};
    for (int k = 0; k < 3; k++) {
      double x = xs[k], d = 0;
      CHECK_CLOSE(gam_grad(x, &d), gam(x), 0);
      double w = x / 2 - 3;
      CHECK_CLOSE(d, tgamma(x) * gradc_digamma(x) + gradc_digamma(x) - 2 * gradc_digamma(-x) +
                         0.5 * tgamma(w) * gradc_digamma(w), 1e-13);
      double p[1] = {x};
      check_gradient("gam", eval1_gam, grad1_gam, p, 1, 1e-8);
      DOT("gam", jvp1_gam, grad1_gam, p, 1);
    }
  }
  /* float: against double finite differences of the same formula */
  {
    double ps[2][3] = {{1.3, 0.8, 2.2}, {0.9, 1.7, 3.1}};
    for (int k = 0; k < 2; k++) {
      double *r = ps[k];
      float g[3] = {0};
      float v = allf_grad((float)r[0], &g[0], (float)r[1], &g[1], (float)r[2], &g[2]);
      CHECK_CLOSE(v, all_d(r[0], r[1], r[2]), 1e-5);
      for (int i = 0; i < 3; i++) CHECK_CLOSE(g[i], fd_partial(eval_all_d, r, i), 1e-4);
      float t, u[3] = {0.3f, -0.2f, 0.45f};
      allf_jvp((float)r[0], u[0], (float)r[1], u[1], (float)r[2], u[2], &t);
      CHECK_CLOSE(t, u[0] * g[0] + u[1] * g[1] + u[2] * g[2], 1e-5);
    }
  }
  /* long double */
  {
    double p[2] = {1.3, 0.9};
    check_gradient("ldbl", eval2_ldbl, grad2_ldbl, p, 2, 1e-9);
    DOT("ldbl", jvp2_ldbl, grad2_ldbl, p, 2);
    double q[2] = {0.65, 2.3};
    check_gradient("ldbl at x < y", eval2_ldbl, grad2_ldbl, q, 2, 1e-9);
    DOT("ldbl at x < y", jvp2_ldbl, grad2_ldbl, q, 2);
  }
  /* __builtin_ */
  {
    double p[2] = {1.3, 0.9};
    check_gradient("bi", eval2_bi, grad2_bi, p, 2, 1e-9);
    DOT("bi", jvp2_bi, grad2_bi, p, 2);
    double x = 1.3, y = 0.9, gx = 0, gy = 0;
    bi_grad(x, &gx, y, &gy);
    double r2 = x * x + y * y;
    CHECK_CLOSE(gx, y * pow(x, y - 1) + cos(x) * cos(y) + 1 + 0.5 / sqrt(x) + y + gradc_digamma(x) - y / r2 +
                        x / sqrt(r2), 1e-13);
    CHECK_CLOSE(gy, pow(x, y) * log(x) - sin(x) * sin(y) - 1 + x + exp(y / 2) / 2 + 1 - tanh(y) * tanh(y) + x / r2 +
                        y / sqrt(r2) + 4, 1e-13);
  }
  /* fmin/fmax with a NaN: the number gets the derivative */
  {
    double gx = 0, gy = 0;
    minmax_grad(1.5, &gx, NAN, &gy);
    CHECK_CLOSE(gx, 1 + 2 + 4 + 8, 0);
    gx = gy = 0;
    minmax_grad(NAN, &gx, 1.5, &gy);
    CHECK_CLOSE(gy, 1 + 2 + 4 + 8, 0);
    gx = gy = 0;
    minmax_grad(1.0, &gx, 2.0, &gy);
    CHECK_CLOSE(gx, 1 + 0 + 4 + 0, 0);
    CHECK_CLOSE(gy, 0 + 2 + 0 + 8, 0);
  }
  /* Hessian through digamma (trigamma) */
  {
    double x = 1.7, y = 0.8, H[4], ga[2], gb[2];
    gam2_hessian(x, y, H);
    double h = 1e-5;
    for (int j = 0; j < 2; j++) {
      double xp = x + (j == 0) * h, yp = y + (j == 1) * h;
      double xm = x - (j == 0) * h, ym = y - (j == 1) * h;
      gam2_gradient(xp, yp, ga);
      gam2_gradient(xm, ym, gb);
      for (int i = 0; i < 2; i++) CHECK_CLOSE(H[i * 2 + j], (ga[i] - gb[i]) / (2 * h), 1e-7);
    }
    CHECK_CLOSE(H[1], H[2], 1e-14);
    double xy = x * y;
    CHECK_CLOSE(H[0], gradc_trigamma(xy) * y * y +
                          tgamma(x) * (gradc_digamma(x) * gradc_digamma(x) + gradc_trigamma(x)) * y + 2, 1e-12);
  }
  return check_done("libm2");
}
#endif
