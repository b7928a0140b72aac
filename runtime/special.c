/* special.c: functions that gradc's derivative rules (tool/rules.h) call and
 * libm lacks.
 *
 * Digamma psi(x) = d/dx ln Gamma(x), for tgamma' = tgamma psi and lgamma' =
 * psi: the recurrence psi(x) = psi(x + 1) - 1/x moves x up to 10 or more, where
 * the asymptotic series
 *   psi(x) = ln x - 1/(2x) - sum_k B_2k / (2k x^2k)
 * is accurate to round-off with 8 terms (double; 12 for long double); x < 0
 * uses the reflection psi(x) = psi(1 - x) - pi / tan(pi x), with tan(pi x)
 * taken on the exact fractional part of x (tan(pi x) has period 1).
 * Trigamma psi'(x), the derivative of psi (for Hessians of lgamma and tgamma),
 * the same way: psi'(x) = psi'(x + 1) + 1/x^2, the series
 *   psi'(x) = 1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1),
 * and psi'(x) = pi^2 / sin^2(pi x) - psi'(1 - x).
 */
#include <gradc.h>

#include <math.h>

/* B_2k / (2k), k = 1..12 */
static const long double digamma_series[12] = {
  1.0L / 12, -1.0L / 120, 1.0L / 252, -1.0L / 240, 1.0L / 132, -691.0L / 32760,
  1.0L / 12, -3617.0L / 8160, 43867.0L / 14364, -174611.0L / 6600,
  77683.0L / 276, -236364091.0L / 65520,
};

/* B_2k, k = 1..12 */
static const long double bernoulli[12] = {
  1.0L / 6, -1.0L / 30, 1.0L / 42, -1.0L / 30, 5.0L / 66, -691.0L / 2730, 7.0L / 6,
  -3617.0L / 510, 43867.0L / 798, -174611.0L / 330, 854513.0L / 138, -236364091.0L / 2730,
};

#define GRADC_PI_L 3.14159265358979323846264338327950288L

double gradc_digamma(double x) {
  if (isnan(x)) return x;
  if (x <= 0) {
    if (x == floor(x)) return NAN;   /* a pole, or -inf */
    double r = x - round(x);         /* exact, in [-0.5, 0.5] */
    return gradc_digamma(1 - x) - 3.14159265358979323846 / tan(3.14159265358979323846 * r);
  }
  if (isinf(x)) return x;
  double s = 0;
  for (; x < 10; x += 1) s -= 1 / x;
  double t = 1 / (x * x), p = 0;
  for (int k = 7; k >= 0; k--) p = p * t + (double)digamma_series[k];
  return s + log(x) - 0.5 / x - p * t;
}

float gradc_digammaf(float x) { return (float)gradc_digamma(x); }

long double gradc_digammal(long double x) {
  if (isnan(x)) return x;
  if (x <= 0) {
    if (x == floorl(x)) return NAN;
    long double r = x - roundl(x);
    return gradc_digammal(1 - x) - GRADC_PI_L / tanl(GRADC_PI_L * r);
  }
  if (isinf(x)) return x;
  long double s = 0;
  for (; x < 10; x += 1) s -= 1 / x;
  long double t = 1 / (x * x), p = 0;
  for (int k = 11; k >= 0; k--) p = p * t + digamma_series[k];
  return s + logl(x) - 0.5L / x - p * t;
}

double gradc_frexp_scale(double x) {
  if (isnan(x)) return x;
  if (x == 0 || isinf(x)) return 1;
  int e;
  frexp(x, &e);
  return ldexp(1, -e);
}

float gradc_frexp_scalef(float x) {
  if (isnan(x)) return x;
  if (x == 0 || isinf(x)) return 1;
  int e;
  frexpf(x, &e);
  return ldexpf(1, -e);
}

long double gradc_frexp_scalel(long double x) {
  if (isnan(x)) return x;
  if (x == 0 || isinf(x)) return 1;
  int e;
  frexpl(x, &e);
  return ldexpl(1, -e);
}

double gradc_trigamma(double x) {
  if (isnan(x)) return x;
  if (x <= 0) {
    if (x == -INFINITY) return NAN;
    if (x == floor(x)) return INFINITY;   /* a pole, +inf on both sides */
    double s = sin(3.14159265358979323846 * (x - round(x)));
    return 9.86960440108935861883 / (s * s) - gradc_trigamma(1 - x);
  }
  if (isinf(x)) return 0;
  double s = 0;
  for (; x < 10; x += 1) s += 1 / (x * x);
  double t = 1 / (x * x), p = 0;
  for (int k = 9; k >= 0; k--) p = p * t + (double)bernoulli[k];
  return s + (1 + (0.5 + p / x) / x) / x;
}

float gradc_trigammaf(float x) { return (float)gradc_trigamma(x); }

long double gradc_trigammal(long double x) {
  if (isnan(x)) return x;
  if (x <= 0) {
    if (x == -INFINITY) return NAN;
    if (x == floorl(x)) return INFINITY;
    long double s = sinl(GRADC_PI_L * (x - roundl(x)));
    return GRADC_PI_L * GRADC_PI_L / (s * s) - gradc_trigammal(1 - x);
  }
  if (isinf(x)) return 0;
  long double s = 0;
  for (; x < 10; x += 1) s += 1 / (x * x);
  long double t = 1 / (x * x), p = 0;
  for (int k = 11; k >= 0; k--) p = p * t + bernoulli[k];
  return s + (1 + (0.5L + p / x) / x) / x;
}
