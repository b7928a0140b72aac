/* Derivative rules substituted their arguments without parentheses:
 * d/dt log(1 + exp(t)) came out as 1.0 / 1 + exp(t). Every libm rule here
 * gets compound arguments (sums and differences), in reverse and forward
 * mode, against finite differences. */
#include <math.h>
#include <gradc.h>

GRADC_GRAD(wrt(a, b))
GRADC_JVP(wrt(a, b))
double rules(double a, double b) {
  double u = a + 0.5 * b, v = a - b, s = 0.3 + 0.2 * a * b;   /* s in (0, 1) near the point */
  double t = sin(u - v) + cos(u + v) + tan(s - 0.1) + asin(s - 0.2) + acos(s - 0.2) + atan(u - v)
           + atan2(u + 1, v - 2) + sinh(u - v) + cosh(u - v) + tanh(u + v) + asinh(u - v)
           + acosh(u * u + 1.5) + atanh(s - 0.25) + exp(u - v) + exp2(u + v) + expm1(u - v)
           + log(1 + exp(u - v)) + log2(u * u + 1) + log10(u * u + 2) + log1p(u * u - 0.1)
           + sqrt(u * u + 1) + cbrt(u - v + 3) + pow(u + 2, v + 1) + hypot(u + 1, v - 1)
           + fabs(u - v) + fmin(u + v, 2 - u) + fmax(u - v, u * v) + erf(u - v) + erfc(u + v);
  return t;
}

GRADC_GRAD(wrt(a, b))
float rulesf(float a, float b) {
  float u = a + 0.5f * b, v = a - b;
  return sinf(u - v) + logf(1 + expf(u - v)) + sqrtf(u * u + 1) + powf(u + 2, v + 1) + atan2f(u + 1, v - 2);
}

/* the same in double, the reference for the float version */
GRADC_GRAD(wrt(a, b))
double rulesd(double a, double b) {
  double u = a + 0.5 * b, v = a - b;
  return sin(u - v) + log(1 + exp(u - v)) + sqrt(u * u + 1) + pow(u + 2, v + 1) + atan2(u + 1, v - 2);
}

#ifdef GRADCHECK_MAIN
#include "check.h"
double rules_grad(double a, double *a_bar, double b, double *b_bar);
double rules_jvp(double a, double a_dot, double b, double b_dot, double *ret_dot);
float rulesf_grad(float a, float *a_bar, float b, float *b_bar);
double rulesd_grad(double a, double *a_bar, double b, double *b_bar);

static double eval(const double *p) { return rules(p[0], p[1]); }
static void grad(const double *p, double *g) { rules_grad(p[0], &g[0], p[1], &g[1]); }
static double jvp(const double *p, const double *u) {
  double t;
  rules_jvp(p[0], u[0], p[1], u[1], &t);
  return t;
}

int main(void) {
  double p[2] = {0.45, 0.6};
  check_gradient("rules", eval, grad, p, 2, 1e-9);
  check_dot("rules", jvp, grad, p, 2, 1e-12);
  float ga = 0, gb = 0;
  rulesf_grad(0.45f, &ga, 0.6f, &gb);
  double da = 0, db = 0;
  rulesd_grad(0.45, &da, 0.6, &db);
  CHECK_CLOSE(ga, da, 1e-5);   /* float accuracy against the double gradient */
  CHECK_CLOSE(gb, db, 1e-5);
  return check_done("issue-2-rule-arguments");
}
#endif
