/* adb_check.h: shared pieces of the ADBench-style correctness checks
 * (check_gmm.c, check_ba.c, check_lstm.c): reproducible random data and a
 * comparison of a gradient with central differences. */
#ifndef ADB_CHECK_H
#define ADB_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int adb_failures;

static unsigned long long adb_rng = 0x9E3779B97F4A7C15ULL;
static void adb_seed(unsigned long long s) { adb_rng = s ? s : 1; }
/* xorshift64*, uniform in [lo, hi) */
static double adb_urand(double lo, double hi) {
  adb_rng ^= adb_rng >> 12;
  adb_rng ^= adb_rng << 25;
  adb_rng ^= adb_rng >> 27;
  double u = (double)((adb_rng * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
  return lo + (hi - lo) * u;
}
static void adb_fill(double *v, size_t n, double lo, double hi) {
  for (size_t i = 0; i < n; i++) v[i] = adb_urand(lo, hi);
}

/* the scalar being differentiated, as a function of all wrt parameters p */
typedef double (*adb_eval_fn)(const double *p, void *ctx);

/* central differences at h and h/2, Richardson-extrapolated (error O(h^4)) */
static double adb_fd(adb_eval_fn f, void *ctx, double *p, size_t i) {
  double keep = p[i], h = 1e-3 * (fabs(keep) > 1 ? fabs(keep) : 1), d[2];
  for (int r = 0; r < 2; r++, h /= 2) {
    p[i] = keep + h;
    double up = f(p, ctx);
    p[i] = keep - h;
    double dn = f(p, ctx);
    d[r] = (up - dn) / (2 * h);
  }
  p[i] = keep;
  return (4 * d[1] - d[0]) / 3;
}

/* |g_i - fd_i| / max(|g_i|, |fd_i|, 1e-3 max|g|) <= tol for every i;
 * the floor keeps entries that are zero up to rounding from dominating */
static double adb_check_grad(const char *what, adb_eval_fn f, void *ctx, const double *p0, size_t n,
                             const double *g, double tol) {
  double *p = malloc(n * sizeof *p);
  memcpy(p, p0, n * sizeof *p);
  double gmax = 0, worst = 0;
  for (size_t i = 0; i < n; i++) gmax = fmax(gmax, fabs(g[i]));
  int shown = 0;
  for (size_t i = 0; i < n; i++) {
    double fd = adb_fd(f, ctx, p, i);
    double den = fmax(fmax(fabs(g[i]), fabs(fd)), fmax(1e-3 * gmax, 1e-300));
    double rel = fabs(g[i] - fd) / den;
    if (!(rel <= tol)) {
      if (shown++ < 8) printf("FAIL %s: d/dp[%zu]: gradient %.15g, central differences %.15g (rel %.2e)\n", what, i,
                              g[i], fd, rel);
      adb_failures++;
    }
    if (!(rel <= worst)) worst = rel;
  }
  free(p);
  printf("%-44s n=%-4zu max rel diff vs central differences %.2e\n", what, n, worst);
  return worst;
}

/* two values that must agree to round-off */
static void adb_check_close(const char *what, double a, double b, double tol) {
  double den = fmax(fmax(fabs(a), fabs(b)), 1e-300);
  if (!(fabs(a - b) / den <= tol) && !(a == b)) {
    printf("FAIL %s: %.17g vs %.17g\n", what, a, b);
    adb_failures++;
  }
}

static int adb_done(const char *name) {
  if (adb_failures) {
    printf("%s: %d failure(s)\n", name, adb_failures);
    return 1;
  }
  printf("%s: ok\n", name);
  return 0;
}

#endif
