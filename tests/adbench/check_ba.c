/* check_ba.c: gradc's derivatives of bench/adbench/ba.c against central
 * differences, at small sizes with random data from a fixed seed:
 *   adb_ba_sqnorm_grad     the gradient of the sum of squared residuals;
 *   adb_ba_objective_grad  vector-Jacobian products v^T J of ADBench's
 *                          residual vector, against differences of v . r(p).
 * One camera has a zero rotation (Rodrigues' small-angle branch). The primal
 * is also compared with the flattened bench/kernels/ba.c. */
#include "adb_check.h"
#include "adbench_helpers.h"

void adb_ba_objective(size_t n, size_t m, size_t p, const double *cams, const double *X, const double *w,
                      const int *obs, const double *feats, double *reproj_err, double *w_err);
double adb_ba_sqnorm(size_t n, size_t m, size_t p, const double *cams, const double *X, const double *w,
                     const int *obs, const double *feats);
void adb_ba_objective_grad(size_t n, size_t m, size_t p, const double *cams, double *cams_bar, const double *X,
                           double *X_bar, const double *w, double *w_bar, const int *obs, const double *feats,
                           double *reproj_err, double *reproj_err_bar, double *w_err, double *w_err_bar);
double adb_ba_sqnorm_grad(size_t n, size_t m, size_t p, const double *cams, double *cams_bar, const double *X,
                          double *X_bar, const double *w, double *w_bar, const int *obs, const double *feats);
double ba_objective(int nobs, const double *cams, const double *X, const double *w, const int *obs,
                    const double *feats);

struct ba_case {
  size_t n, m, p;
  const int *obs;
  const double *feats;
  const double *v; /* seed of the residuals, for the vector-Jacobian product */
};
#define OX(c) (BA_NCAMPARAMS * (c)->n)
#define OW(c) (BA_NCAMPARAMS * (c)->n + 3 * (c)->m)

static double eval_sq(const double *q, void *ctx) {
  struct ba_case *c = ctx;
  return adb_ba_sqnorm(c->n, c->m, c->p, q, q + OX(c), q + OW(c), c->obs, c->feats);
}
static double eval_vjp(const double *q, void *ctx) {
  struct ba_case *c = ctx;
  double *r = malloc(3 * c->p * sizeof *r);
  adb_ba_objective(c->n, c->m, c->p, q, q + OX(c), q + OW(c), c->obs, c->feats, r, r + 2 * c->p);
  double s = 0;
  for (size_t i = 0; i < 3 * c->p; i++) s += c->v[i] * r[i];
  free(r);
  return s;
}

static void run(size_t n, size_t m, size_t p) {
  const size_t np = BA_NCAMPARAMS * n + 3 * m + p;
  int *obs = malloc(2 * p * sizeof *obs);
  double *feats = malloc(2 * p * sizeof *feats), *q = malloc(np * sizeof *q), *v = malloc(3 * p * sizeof *v);
  double *g = calloc(np, sizeof *g), *r = malloc(3 * p * sizeof *r), *r0 = malloc(3 * p * sizeof *r0);
  double *rb = malloc(3 * p * sizeof *rb);
  for (size_t i = 0; i < p; i++) {
    obs[2 * i] = (int)(i % n);
    obs[2 * i + 1] = (int)(i < m ? i : (size_t)adb_urand(0, (double)m));
  }
  adb_fill(feats, 2 * p, -0.5, 0.5);
  for (size_t ic = 0; ic < n; ic++) {
    double *C = q + BA_NCAMPARAMS * ic;
    adb_fill(C, 3, -0.3, 0.3);
    if (ic == 1) C[0] = C[1] = C[2] = 0.0; /* sqtheta == 0 */
    adb_fill(C + 3, 3, -1, 1);
    C[6] = adb_urand(0.8, 1.2);
    adb_fill(C + 7, 2, -0.05, 0.05);
    C[9] = adb_urand(-0.1, 0.1);
    C[10] = adb_urand(-0.01, 0.01);
  }
  for (size_t j = 0; j < m; j++) {
    adb_fill(q + BA_NCAMPARAMS * n + 3 * j, 2, -2, 2);
    q[BA_NCAMPARAMS * n + 3 * j + 2] = adb_urand(6, 10);
  }
  adb_fill(q + BA_NCAMPARAMS * n + 3 * m, p, 0.8, 1.2);
  adb_fill(v, 3 * p, -1, 1);
  struct ba_case c = {n, m, p, obs, feats, v};
  const double *cams = q, *X = q + OX(&c), *w = q + OW(&c);
  char what[128];

  double f = eval_sq(q, &c);
  adb_check_close("ba: primal vs bench/kernels/ba.c", f, ba_objective((int)p, cams, X, w, obs, feats), 1e-12);
  double fg = adb_ba_sqnorm_grad(n, m, p, cams, g, X, g + OX(&c), w, g + OW(&c), obs, feats);
  adb_check_close("ba: value returned by the gradient", fg, f, 1e-12);
  snprintf(what, sizeof what, "ba_sqnorm %zu cams %zu pts %zu obs", n, m, p);
  adb_check_grad(what, eval_sq, &c, q, np, g, 1e-6);

  adb_ba_objective(n, m, p, cams, X, w, obs, feats, r0, r0 + 2 * p);
  memset(g, 0, np * sizeof *g);
  memcpy(rb, v, 3 * p * sizeof *rb);
  adb_ba_objective_grad(n, m, p, cams, g, X, g + OX(&c), w, g + OW(&c), obs, feats, r, rb, r + 2 * p, rb + 2 * p);
  for (size_t i = 0; i < 3 * p; i++) adb_check_close("ba: residuals from the gradient", r[i], r0[i], 1e-12);
  snprintf(what, sizeof what, "ba_objective v^T J, %zu cams %zu pts %zu obs", n, m, p);
  adb_check_grad(what, eval_vjp, &c, q, np, g, 1e-6);
  free(obs), free(feats), free(q), free(v), free(g), free(r), free(r0), free(rb);
}

int main(void) {
  adb_seed(20240612);
  run(2, 3, 5);
  run(3, 6, 12);
  return adb_done("check_ba");
}
