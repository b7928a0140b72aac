/* check_hand.c: checks the hand-written adjoints of BA, LSTM and the ODE
 * (ba_hand.c, lstm_hand.c, ode_hand.c) and of the ADBench C LSTM
 * (lstm_hand.c's adb_lstm_objective_hand, against adbench/lstm.c) on small random inputs against
 * central differences of the primal kernels and against gradc's generated
 * gradients; the BA adjoint also against gradc's gradient of the ADBench C
 * variant (adb_ba_sqnorm), whose driver uses it. Built and run by check.sh.
 * Exit status 1 if any tolerance is exceeded:
 *   hand vs central differences  max_i |g_i - fd_i| / max|g| <= FD_TOL
 *                                   (normwise) and elementwise, relative to
 *                                   the larger magnitude floored at 1e-3
 *                                   max|g|, <= FD_TOL_ELEM (the ODE's small
 *                                   entries carry the rounding noise of
 *                                   ~100 chaotic steps divided by eps);
 *                                   second order at eps 1e-5 for BA and
 *                                   LSTM, fourth order at 1e-6 for the ODE
 *   hand vs gradc                <= AD_TOL (the benchmark's max rel diff:
 *                                   floor 1e-6 of the largest entry)
 *   hand's value vs the primal   <= 1e-13 relative */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FD_TOL 1e-6
#define FD_TOL_ELEM 1e-5
#define AD_TOL 1e-10

double ba_objective(int nobs, const double *cams, const double *X, const double *w, const int *obs,
                    const double *feats);
double ba_objective_grad(int nobs, const double *cams, double *cams_bar, const double *X, double *X_bar,
                         const double *w, double *w_bar, const int *obs, const double *feats);
double ba_objective_hand(int nobs, const double *cams, double *cams_bar, const double *X, double *X_bar,
                         const double *w, double *w_bar, const int *obs, const double *feats);
double adb_ba_sqnorm_grad(size_t n, size_t m, size_t p, const double *cams, double *cams_bar, const double *X,
                          double *X_bar, const double *w, double *w_bar, const int *obs, const double *feats);
double lstm_objective(int l, int c, int b, const double *main_params, const double *extra_params,
                      const double *state0, const double *seq);
double lstm_objective_grad(int l, int c, int b, const double *main_params, double *main_params_bar,
                           const double *extra_params, double *extra_params_bar, const double *state0,
                           const double *seq);
double lstm_objective_hand(int l, int c, int b, const double *main_params, double *main_params_bar,
                           const double *extra_params, double *extra_params_bar, const double *state0,
                           const double *seq);
double adb_lstm_objective(size_t l, size_t c, size_t b, const double *main_params, const double *extra_params,
                          const double *state, const double *sequence);
double adb_lstm_objective_grad(size_t l, size_t c, size_t b, const double *main_params, double *main_params_bar,
                               const double *extra_params, double *extra_params_bar, const double *state,
                               const double *sequence);
double adb_lstm_objective_hand(size_t l, size_t c, size_t b, const double *main_params, double *main_params_bar,
                               const double *extra_params, double *extra_params_bar, const double *state,
                               const double *sequence);
double ode_solve(int N, const double *x0, const double *F, double tend, double tol);
double ode_solve_grad(int N, const double *x0, double *x0_bar, const double *F, double *F_bar, double tend,
                      double tol);
double ode_solve_hand(int N, const double *x0, double *x0_bar, const double *F, double *F_bar, double tend,
                      double tol);

static unsigned long long rng = 0x9E3779B97F4A7C15ULL;
static double urand(double lo, double hi) {
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return lo + (hi - lo) * (double)((rng * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}

static int failures = 0;

/* max_i |a_i - b_i| / max(|a_i|, |b_i|, floor * max|b|) */
static double maxrel(const double *a, const double *b, int n, double floor) {
  double bmax = 0, m = 0;
  for (int i = 0; i < n; i++) bmax = fmax(bmax, fabs(b[i]));
  for (int i = 0; i < n; i++) {
    double den = fmax(fmax(fabs(a[i]), fabs(b[i])), fmax(floor * bmax, 1e-300));
    m = fmax(m, fabs(a[i] - b[i]) / den);
  }
  return m;
}

typedef double (*primal_fn)(const double *p, void *ctx);

/* central differences with step e = eps max(1, |p_i|): of second order,
 * (f(p + e) - f(p - e)) / 2e, or, with order4, the fourth-order five-point
 * stencil (8 (f(p + e) - f(p - e)) - (f(p + 2e) - f(p - 2e))) / 12e */
static void central_fd(primal_fn f, void *ctx, double *p, int n, double eps, int order4, double *g) {
  for (int i = 0; i < n; i++) {
    double v = p[i], e = eps * fmax(1.0, fabs(v));
    p[i] = v + e;
    double fp = f(p, ctx);
    p[i] = v - e;
    double fm = f(p, ctx);
    if (order4) {
      p[i] = v + 2 * e;
      double fp2 = f(p, ctx);
      p[i] = v - 2 * e;
      double fm2 = f(p, ctx);
      g[i] = (8 * (fp - fm) - (fp2 - fm2)) / (12 * e);
    } else {
      g[i] = (fp - fm) / (2 * e);
    }
    p[i] = v;
  }
}

static void report(const char *what, double fval, double fhand, const double *gh, const double *gg,
                   const double *fd, int n, const char *extra_name, const double *gx) {
  double rv = fabs(fhand - fval) / fmax(fabs(fval), 1e-300);
  double efd = maxrel(gh, fd, n, 1e-3), ead = maxrel(gh, gg, n, 1e-6);
  double gmax = 0, dmax = 0;
  for (int i = 0; i < n; i++) {
    gmax = fmax(gmax, fabs(gh[i]));
    dmax = fmax(dmax, fabs(gh[i] - fd[i]));
  }
  double nfd = dmax / fmax(gmax, 1e-300);
  int bad = rv > 1e-13 || nfd > FD_TOL || efd > FD_TOL_ELEM || ead > AD_TOL;
  double ex = 0;
  if (gx) {
    ex = maxrel(gh, gx, n, 1e-6);
    bad |= ex > AD_TOL;
  }
  printf("%-50s n=%-4d |f_hand-f|/|f|=%.1e  hand vs FD %.1e (elementwise %.1e)  hand vs gradc %.1e", what, n, rv,
         nfd, efd, ead);
  if (gx) printf("  hand vs %s %.1e", extra_name, ex);
  printf("  %s\n", bad ? "FAIL" : "ok");
  failures += bad;
}

/* a second call with the same _bar arrays adds the same gradient again
 * (the generated functions accumulate; so must the hand-written ones) */
static void check_accum(const char *what, double f1, double f2, const double *g2, double *gg, int n) {
  for (int i = 0; i < n; i++) gg[i] *= 2;
  if (f2 != f1 || maxrel(g2, gg, n, 1e-6) > AD_TOL) {
    printf("%s: a second call does not add the same gradient again  FAIL\n", what);
    failures++;
  }
}

/* ---- BA ---------------------------------------------------------------------- */
typedef struct { int nc, np, nobs; const int *obs; const double *feats; } ba_ctx;
static double ba_p(const double *p, void *v) {
  ba_ctx *c = v;
  return ba_objective(c->nobs, p, p + 11 * c->nc, p + 11 * c->nc + 3 * c->np, c->obs, c->feats);
}
static void check_ba(int nc, int np, int nobs, int zero_cam) {
  int *obs = malloc(2 * nobs * sizeof *obs);
  double *feats = malloc(2 * nobs * sizeof *feats);
  for (int i = 0; i < nobs; i++) {
    obs[2 * i] = i % nc;
    obs[2 * i + 1] = i < np ? i : (int)urand(0, np);
    feats[2 * i] = urand(-0.5, 0.5);
    feats[2 * i + 1] = urand(-0.5, 0.5);
  }
  int n = 11 * nc + 3 * np + nobs;
  double *p = malloc(n * sizeof *p), *gh = calloc(n, sizeof *p), *gg = calloc(n, sizeof *p),
         *ga = calloc(n, sizeof *p), *fd = malloc(n * sizeof *p);
  double *cam = p, *X = p + 11 * nc, *w = X + 3 * np;
  for (int c = 0; c < nc; c++) {
    double *C = cam + 11 * c;
    for (int i = 0; i < 3; i++) C[i] = c == zero_cam ? 0.0 : urand(-0.3, 0.3);
    for (int i = 3; i < 6; i++) C[i] = urand(-1, 1);
    C[6] = urand(0.8, 1.2);
    C[7] = urand(-0.05, 0.05);
    C[8] = urand(-0.05, 0.05);
    C[9] = urand(-0.1, 0.1);
    C[10] = urand(-0.01, 0.01);
  }
  for (int q = 0; q < np; q++) {
    X[3 * q] = urand(-2, 2);
    X[3 * q + 1] = urand(-2, 2);
    X[3 * q + 2] = urand(6, 10);
  }
  for (int i = 0; i < nobs; i++) w[i] = urand(0.8, 1.2);
  ba_ctx ctx = {nc, np, nobs, obs, feats};
  double f = ba_p(p, &ctx);
  const int oc = 11 * nc, ox = 11 * nc + 3 * np;
  double fh = ba_objective_hand(nobs, p, gh, p + oc, gh + oc, p + ox, gh + ox, obs, feats);
  ba_objective_grad(nobs, p, gg, p + oc, gg + oc, p + ox, gg + ox, obs, feats);
  adb_ba_sqnorm_grad(nc, np, nobs, p, ga, p + oc, ga + oc, p + ox, ga + ox, obs, feats);
  central_fd(ba_p, &ctx, p, n, 1e-5, 0, fd);
  char what[96];
  snprintf(what, sizeof what, "BA %d cams %d pts %d obs%s", nc, np, nobs, zero_cam >= 0 ? " rot=0" : "");
  report(what, f, fh, gh, gg, fd, n, "adb_ba", ga);
  check_accum("BA", fh, ba_objective_hand(nobs, p, gh, p + oc, gh + oc, p + ox, gh + ox, obs, feats), gh, gg, n);
  free(obs); free(feats); free(p); free(gh); free(gg); free(ga); free(fd);
}

/* ---- LSTM -------------------------------------------------------------------- */
/* adb: ADBench's LSTM as ordinary C (adbench/lstm.c, log(2 + sum exp)
 * normalisation) instead of kernels/lstm.c */
typedef struct { int l, c, b, adb; const double *state0, *seq; } lstm_ctx;
static double lstm_p(const double *p, void *v) {
  lstm_ctx *c = v;
  const double *e = p + 8 * c->l * c->b;
  return c->adb ? adb_lstm_objective(c->l, c->c, c->b, p, e, c->state0, c->seq)
                : lstm_objective(c->l, c->c, c->b, p, e, c->state0, c->seq);
}
static double lstm_hand_of(lstm_ctx *c, const double *p, double *g) {
  int nm = 8 * c->l * c->b;
  return c->adb ? adb_lstm_objective_hand(c->l, c->c, c->b, p, g, p + nm, g + nm, c->state0, c->seq)
                : lstm_objective_hand(c->l, c->c, c->b, p, g, p + nm, g + nm, c->state0, c->seq);
}
static void check_lstm(int l, int c, int b, int adb) {
  double *st = malloc(2 * l * b * sizeof *st), *seq = malloc(c * b * sizeof *seq);
  for (int i = 0; i < 2 * l * b; i++) st[i] = urand(-1, 1);
  for (int i = 0; i < c * b; i++) seq[i] = urand(-1, 1);
  int nm = 8 * l * b, n = nm + 3 * b;
  double *p = malloc(n * sizeof *p), *gh = calloc(n, sizeof *p), *gg = calloc(n, sizeof *p),
         *fd = malloc(n * sizeof *p);
  for (int i = 0; i < n; i++) p[i] = urand(-1, 1);
  lstm_ctx ctx = {l, c, b, adb, st, seq};
  double f = lstm_p(p, &ctx);
  double fh = lstm_hand_of(&ctx, p, gh);
  if (adb) adb_lstm_objective_grad(l, c, b, p, gg, p + nm, gg + nm, st, seq);
  else lstm_objective_grad(l, c, b, p, gg, p + nm, gg + nm, st, seq);
  central_fd(lstm_p, &ctx, p, n, 1e-5, 0, fd);
  const char *name = adb ? "LSTM (ADBench C)" : "LSTM";
  char what[96];
  snprintf(what, sizeof what, "%s l=%d c=%d b=%d", name, l, c, b);
  report(what, f, fh, gh, gg, fd, n, NULL, NULL);
  check_accum(name, fh, lstm_hand_of(&ctx, p, gh), gh, gg, n);
  free(st); free(seq); free(p); free(gh); free(gg); free(fd);
}

/* ---- ODE --------------------------------------------------------------------- */
typedef struct { int N; double tend, tol; } ode_ctx;
static double ode_p(const double *p, void *v) {
  ode_ctx *c = v;
  return ode_solve(c->N, p, p + c->N, c->tend, c->tol);
}
/* the kernel's step control, counting attempts, rejections and clamps */
static void ode_count(int N, const double *x0, const double *F, double tend, double tol, int *att, int *rej,
                      int *clamp);
static void check_ode(int N, double tend, double tol, double spread) {
  int n = 2 * N;
  double *p = malloc(n * sizeof *p), *gh = calloc(n, sizeof *p), *gg = calloc(n, sizeof *p),
         *fd = malloc(n * sizeof *p);
  for (int i = 0; i < N; i++) p[i] = 8.0 + urand(-spread, spread);
  for (int i = 0; i < N; i++) p[N + i] = 8.0 + urand(-0.5, 0.5);
  ode_ctx ctx = {N, tend, tol};
  double f = ode_p(p, &ctx);
  double fh = ode_solve_hand(N, p, gh, p + N, gh + N, tend, tol);
  ode_solve_grad(N, p, gg, p + N, gg + N, tend, tol);
  /* the solution map of a chaotic system over ~100 steps has large third
   * derivatives: the second-order difference's O(eps^2) error shows (printed
   * below at eps = 1e-5 and 1e-6: it falls 100-fold), so the check uses the
   * fourth-order stencil. Its step stays small (1e-6) because the function
   * has kinks wherever fmax(|x|, |xn|) in the error scale switches sides. */
  double *fd2a = malloc(n * sizeof *p), *fd2b = malloc(n * sizeof *p);
  central_fd(ode_p, &ctx, p, n, 1e-5, 0, fd2a);
  central_fd(ode_p, &ctx, p, n, 1e-6, 0, fd2b);
  central_fd(ode_p, &ctx, p, n, 1e-6, 1, fd);
  int att, rej, clamp;
  ode_count(N, p, p + N, tend, tol, &att, &rej, &clamp);
  char what[128];
  snprintf(what, sizeof what, "ODE N=%d tend=%g tol=%g (%d attempts, %d rejected)", N, tend, tol, att, rej);
  (void)clamp;
  report(what, f, fh, gh, gg, fd, n, NULL, NULL);
  double gmax = 0;
  for (int i = 0; i < n; i++) gmax = fmax(gmax, fabs(gh[i]));
  printf("    max|g| = %.3g; hand vs second-order central differences: %.1e at eps=1e-5, %.1e at eps=1e-6\n",
         gmax, maxrel(gh, fd2a, n, 1e-3), maxrel(gh, fd2b, n, 1e-3));
  check_accum("ODE", fh, ode_solve_hand(N, p, gh, p + N, gh + N, tend, tol), gh, gg, n);
  free(p); free(gh); free(gg); free(fd); free(fd2a); free(fd2b);
}

static void l96(int N, const double *x, const double *F, double *dx) {
  for (int i = 0; i < N; i++) {
    int ip = (i + 1) % N, im = (i + N - 1) % N, imm = (i + N - 2) % N;
    dx[i] = (x[ip] - x[imm]) * x[im] - x[i] + F[i];
  }
}
static void ode_count(int N, const double *x0, const double *F, double tend, double tol, int *att, int *rej,
                      int *clamp) {
  const double a21 = 1.0 / 5, a31 = 3.0 / 40, a32 = 9.0 / 40, a41 = 44.0 / 45, a42 = -56.0 / 15,
               a43 = 32.0 / 9, a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
               a54 = -212.0 / 729, a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247,
               a64 = 49.0 / 176, a65 = -5103.0 / 18656, b1 = 35.0 / 384, b3 = 500.0 / 1113,
               b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84, e1 = 71.0 / 57600,
               e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200, e6 = 22.0 / 525,
               e7 = -1.0 / 40;
  double *m = malloc(10 * N * sizeof *m);
  double *x = m, *xn = m + N, *y = m + 2 * N, *k1 = m + 3 * N, *k2 = m + 4 * N, *k3 = m + 5 * N,
         *k4 = m + 6 * N, *k5 = m + 7 * N, *k6 = m + 8 * N, *k7 = m + 9 * N;
  memcpy(x, x0, N * sizeof *x);
  double t = 0.0, h = 0.01;
  *att = *rej = *clamp = 0;
  l96(N, x, F, k1);
  while (tend - t > 1e-12 * tend) {
    ++*att;
    if (t + h > tend) {
      h = tend - t;
      ++*clamp;
    }
    for (int i = 0; i < N; i++) y[i] = x[i] + h * a21 * k1[i];
    l96(N, y, F, k2);
    for (int i = 0; i < N; i++) y[i] = x[i] + h * (a31 * k1[i] + a32 * k2[i]);
    l96(N, y, F, k3);
    for (int i = 0; i < N; i++) y[i] = x[i] + h * (a41 * k1[i] + a42 * k2[i] + a43 * k3[i]);
    l96(N, y, F, k4);
    for (int i = 0; i < N; i++) y[i] = x[i] + h * (a51 * k1[i] + a52 * k2[i] + a53 * k3[i] + a54 * k4[i]);
    l96(N, y, F, k5);
    for (int i = 0; i < N; i++)
      y[i] = x[i] + h * (a61 * k1[i] + a62 * k2[i] + a63 * k3[i] + a64 * k4[i] + a65 * k5[i]);
    l96(N, y, F, k6);
    for (int i = 0; i < N; i++)
      xn[i] = x[i] + h * (b1 * k1[i] + b3 * k3[i] + b4 * k4[i] + b5 * k5[i] + b6 * k6[i]);
    l96(N, xn, F, k7);
    double err = 0.0;
    for (int i = 0; i < N; i++) {
      double ei = h * (e1 * k1[i] + e3 * k3[i] + e4 * k4[i] + e5 * k5[i] + e6 * k6[i] + e7 * k7[i]);
      double sc = tol + tol * fmax(fabs(x[i]), fabs(xn[i]));
      err += (ei / sc) * (ei / sc);
    }
    err = sqrt(err / N);
    if (err <= 1.0) {
      t += h;
      memcpy(x, xn, N * sizeof *x);
      memcpy(k1, k7, N * sizeof *k1);
    } else {
      ++*rej;
    }
    h = h * fmin(5.0, fmax(0.2, 0.9 * pow(fmax(err, 1e-10), -0.2)));
  }
  free(m);
}

int main(void) {
  check_ba(3, 5, 12, -1);
  check_ba(4, 7, 20, 2);
  check_ba(5, 9, 30, -1);
  for (int adb = 0; adb < 2; adb++) {
    check_lstm(1, 4, 3, adb);
    check_lstm(2, 6, 4, adb);
    check_lstm(3, 8, 5, adb);
  }
  check_ode(3, 0.3, 1e-6, 1.0); /* N = 3: every row of Lorenz-96 reads a wrapped-around index */
  check_ode(5, 0.3, 1e-6, 1.0);
  check_ode(8, 0.5, 1e-6, 1.0);
  check_ode(8, 1.0, 1e-8, 2.0);
  check_ode(12, 1.5, 1e-5, 3.0);
  check_ode(40, 2.0, 1e-6, 1.0); /* the benchmark's configuration */
  printf("%s\n", failures ? "check_hand: FAILED" : "check_hand: all ok");
  return failures != 0;
}
