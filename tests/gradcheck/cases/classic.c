/* The examples users try first: d(x^2)/dx, a two-parameter polynomial,
 * sin(x^2). Closed forms and finite differences. */
#include <math.h>
#include <gradc.h>

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double square(double x) { return x * x; }

GRADC_JVP(wrt(w1, w2))
GRADC_GRAD(wrt(w1, w2))
double poly(double w1, double w2) { return 3 * w1 * w1 + 2 * w1 * w2; }

GRADC_JVP(wrt(x))
GRADC_GRAD(wrt(x))
double sin_sq(double x) { return sin(x * x); }

#ifdef GRADCHECK_MAIN
#include "check.h"
double square_grad(double x, double *x_bar);
double poly_grad(double w1, double *w1_bar, double w2, double *w2_bar);
double sin_sq_grad(double x, double *x_bar);

static double eval_poly(const double *p) { return poly(p[0], p[1]); }
static void grad_poly(const double *p, double *g) { poly_grad(p[0], &g[0], p[1], &g[1]); }
double square_jvp(double x, double x_dot, double *ret_dot);
double poly_jvp(double w1, double w1_dot, double w2, double w2_dot, double *ret_dot);
double sin_sq_jvp(double x, double x_dot, double *ret_dot);
static double jvp_poly(const double *p, const double *u) {
  double t;
  poly_jvp(p[0], u[0], p[1], u[1], &t);
  return t;
}
static void grad_square(const double *p, double *g) { square_grad(p[0], &g[0]); }
static double jvp_square(const double *p, const double *u) {
  double t;
  square_jvp(p[0], u[0], &t);
  return t;
}
static void grad_sin_sq(const double *p, double *g) { sin_sq_grad(p[0], &g[0]); }
static double jvp_sin_sq(const double *p, const double *u) {
  double t;
  sin_sq_jvp(p[0], u[0], &t);
  return t;
}

int main(void) {
  double d = 0;
  CHECK_CLOSE(square_grad(3, &d), 9, 1e-15);
  CHECK_CLOSE(d, 6, 1e-15);
  double g1 = 0, g2 = 0;
  CHECK_CLOSE(poly_grad(5, &g1, 3, &g2), 105, 1e-15);
  CHECK_CLOSE(g1, 36, 1e-15);
  CHECK_CLOSE(g2, 10, 1e-15);
  d = 0;
  sin_sq_grad(3, &d);
  CHECK_CLOSE(d, 2 * 3 * cos(9), 1e-15);
  CHECK_CLOSE(d, -5.46678, 1e-5);
  /* adjoints accumulate */
  sin_sq_grad(3, &d);
  CHECK_CLOSE(d, 4 * 3 * cos(9), 1e-15);
  double p[2] = {-1.3, 0.7};
  check_gradient("poly", eval_poly, grad_poly, p, 2, 1e-9);
  check_dot("poly", jvp_poly, grad_poly, p, 2, 1e-12);
  double x[1] = {3};
  check_dot("square", jvp_square, grad_square, x, 1, 1e-12);
  check_dot("sin_sq", jvp_sin_sq, grad_sin_sq, x, 1, 1e-12);
  return check_done("classic");
}
#endif
