/* gmm.c: ADBench's Gaussian mixture model objective, written as ordinary C
 * (helpers in adbench_helpers.h), not flattened.
 *
 * n points x[n][d], K components with weights softmax(alphas[K]), means[K][d]
 * and inverse covariance factors icf[K][d(d+1)/2]: Q_k lower triangular with
 * diagonal exp(icf[k][0..d)) and the strictly lower part icf[k][d..) column by
 * column. Returns the negative-free log-likelihood
 *   sum_i logsumexp_k(alpha_k + sum(log diag Q_k) - |Q_k (x_i - mu_k)|^2 / 2)
 *   - n logsumexp(alpha) - n d log(2 pi) / 2
 * plus the log Wishart prior on Q_k Q_k^T (gamma, m). The data layout is the
 * one of bench/kernels/gmm.c, so bench/hand/gmm_hand.c is its adjoint too. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>
#include "adbench_helpers.h"

GRADC_GRAD(wrt(alphas, means, icf))
double FN(gmm_objective)(size_t d, size_t k, size_t n, const double *alphas, const double *means,
                         const double *icf, const double *x, Wishart wishart) {
  const double CONSTANT = -(double)(n * d) * 0.5 * log(2 * M_PI);
  const size_t icf_sz = d * (d + 1) / 2;

  double *Qdiags = malloc(d * k * sizeof(double));
  double *sum_qs = malloc(k * sizeof(double));
  double *xcentered = malloc(d * sizeof(double));
  double *Qxcentered = malloc(d * sizeof(double));
  double *main_term = malloc(k * sizeof(double));

  preprocess_qs(d, k, icf, sum_qs, Qdiags);

  double slse = 0.0;
  for (size_t ix = 0; ix < n; ix++) {
    for (size_t ik = 0; ik < k; ik++) {
      subtract(d, &x[ix * d], &means[ik * d], xcentered);
      Qtimesx(d, &Qdiags[ik * d], &icf[ik * icf_sz + d], xcentered, Qxcentered);
      main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sqnorm(d, Qxcentered);
    }
    slse = slse + logsumexp(k, main_term);
  }

  double lse_alphas = logsumexp(k, alphas);
  double err = CONSTANT + slse - (double)n * lse_alphas;
  err = err + log_wishart_prior(d, k, wishart, sum_qs, Qdiags, icf);

  free(Qdiags);
  free(sum_qs);
  free(xcentered);
  free(Qxcentered);
  free(main_term);
  return err;
}
