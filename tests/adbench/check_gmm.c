/* check_gmm.c: gradc's gradient of bench/adbench/gmm.c against central
 * differences, at small sizes with random data from a fixed seed; the primal
 * against the flattened bench/kernels/gmm.c and the gradient also against the
 * hand-written adjoint bench/hand/gmm_hand.c (same data layout). */
#include "adb_check.h"
#include "adbench_helpers.h"

double adb_gmm_objective(size_t d, size_t k, size_t n, const double *alphas, const double *means,
                         const double *icf, const double *x, Wishart wishart);
double adb_gmm_objective_grad(size_t d, size_t k, size_t n, const double *alphas, double *alphas_bar,
                              const double *means, double *means_bar, const double *icf, double *icf_bar,
                              const double *x, Wishart wishart);
double gmm_objective(int d, int K, int n, const double *alphas, const double *means, const double *icf,
                     const double *x, double wishart_gamma, int wishart_m);
double gmm_objective_hand(int d, int K, int n, const double *alphas, double *alphas_bar, const double *means,
                          double *means_bar, const double *icf, double *icf_bar, const double *x,
                          double wishart_gamma, int wishart_m);

struct gmm_case {
  size_t d, k, n;
  const double *x;
  Wishart wishart;
};

static double eval(const double *p, void *ctx) {
  struct gmm_case *c = ctx;
  return adb_gmm_objective(c->d, c->k, c->n, p, p + c->k, p + c->k + c->k * c->d, c->x, c->wishart);
}

static void run(size_t d, size_t k, size_t n, double gamma, int m) {
  const size_t icf_sz = d * (d + 1) / 2, np = k + k * d + k * icf_sz;
  double *x = malloc(n * d * sizeof *x), *p = malloc(np * sizeof *p);
  double *g = calloc(np, sizeof *g), *g2 = calloc(np, sizeof *g2), *gh = calloc(np, sizeof *gh);
  adb_fill(x, n * d, -1, 1);
  adb_fill(p, k, -1, 1);                   /* alphas */
  adb_fill(p + k, k * d, -1, 1);           /* means */
  adb_fill(p + k + k * d, k * icf_sz, -0.5, 0.5); /* icf */
  struct gmm_case c = {d, k, n, x, {gamma, m}};
  const double *al = p, *mu = p + k, *icf = p + k + k * d;
  char what[128];
  snprintf(what, sizeof what, "gmm d=%zu K=%zu n=%zu gamma=%g m=%d", d, k, n, gamma, m);

  double f = eval(p, &c);
  adb_check_close("gmm: primal vs bench/kernels/gmm.c", f,
                  gmm_objective((int)d, (int)k, (int)n, al, mu, icf, x, gamma, m), 1e-12);
  double fg = adb_gmm_objective_grad(d, k, n, al, g, mu, g + k, icf, g + k + k * d, x, c.wishart);
  adb_check_close("gmm: value returned by the gradient", fg, f, 1e-12);
  adb_check_grad(what, eval, &c, p, np, g, 1e-6);

  /* adjoints accumulate: a second call adds the same gradient again */
  memcpy(g2, g, np * sizeof *g);
  adb_gmm_objective_grad(d, k, n, al, g2, mu, g2 + k, icf, g2 + k + k * d, x, c.wishart);
  for (size_t i = 0; i < np; i++) adb_check_close("gmm: accumulation", g2[i], 2 * g[i], 1e-12);

  gmm_objective_hand((int)d, (int)k, (int)n, al, gh, mu, gh + k, icf, gh + k + k * d, x, gamma, m);
  double worst = 0;
  for (size_t i = 0; i < np; i++) {
    double den = fmax(fmax(fabs(g[i]), fabs(gh[i])), 1e-300);
    worst = fmax(worst, fabs(g[i] - gh[i]) / den);
  }
  if (worst > 1e-9) {
    printf("FAIL gmm: gradient vs bench/hand/gmm_hand.c: max rel diff %.2e\n", worst);
    adb_failures++;
  }
  free(x), free(p), free(g), free(g2), free(gh);
}

int main(void) {
  adb_seed(20240611);
  run(2, 3, 5, 1.0, 0);
  run(3, 4, 10, 1.3, 2);
  run(1, 2, 4, 0.7, 1);
  run(5, 3, 7, 2.0, 3);
  return adb_done("check_gmm");
}
