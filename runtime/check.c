/* check.c: numerical checks of derivatives (gradc/check.h).
 *
 * The idea: a wrong adjoint shows up either against finite differences of
 * the function itself, or against forward mode through the dot-product test
 * <J u, v> = <u, J^T v>. Finite differences are central, at two steps, and
 * Richardson-extrapolated, so that their error (O(h^4) truncation plus
 * round-off of about eps |f| / h) stays near 1e-10 for smooth functions and
 * a tolerance of 1e-6 separates right from wrong. The steps are the exact
 * differences of representable points ((x + h) - (x - h)), never h itself.
 */
#include <gradc/check.h>

#include <math.h>

double gradc_check_rel_err(double a, double b) {
  if (!isfinite(a) || !isfinite(b)) return INFINITY;
  double scale = fmax(1.0, fmax(fabs(a), fabs(b)));
  return fabs(a - b) / scale;
}

/* (f(x + h e_i) - f(x - h e_i)) / (2h), with 2h the exact distance of the
 * two points. */
static double central(gradc_objective_fn f, void *ctx, double *x, int i, double h) {
  double xi = x[i];
  double xp = xi + h, xm = xi - h;
  x[i] = xp;
  double fp = f(x, ctx);
  x[i] = xm;
  double fm = f(x, ctx);
  x[i] = xi;
  return (fp - fm) / (xp - xm);
}

double gradc_check_partial(gradc_objective_fn f, void *ctx, double *x, int i, double h) {
  if (!(h > 0)) h = 1e-4 * fmax(1.0, fabs(x[i]));
  double d1 = central(f, ctx, x, i, h);
  double d2 = central(f, ctx, x, i, h / 2);
  return (4 * d2 - d1) / 3;   /* the h^2 terms cancel */
}

double gradc_check_fd(gradc_objective_fn f, void *ctx, double *x, int n, const double *grad,
                      double *fd) {
  double worst = 0;
  for (int i = 0; i < n; i++) {
    double d = gradc_check_partial(f, ctx, x, i, 0);
    if (fd) fd[i] = d;
    double e = gradc_check_rel_err(grad[i], d);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

double gradc_check_dot(const double *u, const double *ju, const double *v, const double *jtv,
                       int n, int m) {
  double a = 0, b = 0, sa = 0, sb = 0;
  for (int k = 0; k < m; k++) {
    double t = ju[k] * (v ? v[k] : 1.0);
    a += t, sa += fabs(t);
  }
  for (int i = 0; i < n; i++) {
    double t = u[i] * jtv[i];
    b += t, sb += fabs(t);
  }
  if (!isfinite(a) || !isfinite(b)) return INFINITY;
  double scale = fmax(sa, sb);
  if (scale == 0) return 0;
  return fabs(a - b) / scale;
}

/* xorshift64* (Vigna), a fixed sequence for any state: 53 high bits make
 * a double in [0, 1). */
void gradc_check_random(double *x, int n, unsigned long long *state) {
  unsigned long long s = *state ? *state : 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < n; i++) {
    s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
    unsigned long long r = s * 0x2545f4914f6cdd1dULL;
    x[i] = 0.5 + (double)(r >> 11) * 0x1p-53;
  }
  *state = s;
}
