/* gmm.c: Gaussian mixture model objective (ADBench/GradBench "gmm").
 *
 * Negative-free log-likelihood of n points x[n][d] under K Gaussians with
 * weights softmax(alphas), means[K][d] and precision matrices Q_k Q_k^T where
 * Q_k is lower triangular, diagonal exp(icf[k][0..d)) and the strictly lower
 * part icf[k][d..) stored column by column, plus a Wishart prior (gamma, m).
 * As in ADBench's C reference, exp of the diagonal and the sums of the log
 * diagonals are computed once per component (Qdiags, sum_qs).
 * Written from the public definition (Srajer, Kukelova, Fitzgibbon 2018). */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>

static double logsumexp(int n, const double *v) {
  double mx = v[0];
  for (int i = 1; i < n; i++)
    if (v[i] > mx) mx = v[i];
  double s = 0.0;
  for (int i = 0; i < n; i++) s += exp(v[i] - mx);
  return log(s) + mx;
}

static double log_gamma_distrib(double a, int p) {
  double out = 0.25 * p * (p - 1) * log(M_PI);
  for (int j = 1; j <= p; j++) out += lgamma(a + 0.5 * (1 - j));
  return out;
}

GRADC_GRAD(wrt(alphas, means, icf))
double gmm_objective(int d, int K, int n, const double *alphas, const double *means,
                     const double *icf, const double *x, double wishart_gamma, int wishart_m) {
  const int icf_sz = d * (d + 1) / 2;
  double *main_term = malloc(K * sizeof(double));
  double *xc = malloc(d * sizeof(double));
  double *Qxc = malloc(d * sizeof(double));
  double *Qdiags = malloc(K * d * sizeof(double));
  double *sum_qs = malloc(K * sizeof(double));
  for (int ik = 0; ik < K; ik++) {
    sum_qs[ik] = 0.0;
    for (int i = 0; i < d; i++) {
      sum_qs[ik] += icf[ik * icf_sz + i];
      Qdiags[ik * d + i] = exp(icf[ik * icf_sz + i]);
    }
  }
  double slse = 0.0;
  for (int ix = 0; ix < n; ix++) {
    for (int ik = 0; ik < K; ik++) {
      const double *q = icf + ik * icf_sz;
      for (int i = 0; i < d; i++) xc[i] = x[ix * d + i] - means[ik * d + i];
      for (int i = 0; i < d; i++) Qxc[i] = Qdiags[ik * d + i] * xc[i];
      int li = d;
      for (int i = 0; i < d; i++) {
        for (int j = i + 1; j < d; j++) {
          Qxc[j] += q[li] * xc[i];
          li++;
        }
      }
      double sq = 0.0;
      for (int i = 0; i < d; i++) sq += Qxc[i] * Qxc[i];
      main_term[ik] = alphas[ik] + sum_qs[ik] - 0.5 * sq;
    }
    slse += logsumexp(K, main_term);
  }
  double lse_alphas = logsumexp(K, alphas);
  double err = -n * d * 0.5 * log(2 * M_PI) + slse - n * lse_alphas;

  /* Wishart prior */
  const int nn = d + wishart_m + 1;
  const double C = nn * d * (log(wishart_gamma) - 0.5 * log(2.0)) - log_gamma_distrib(0.5 * nn, d);
  double prior = 0.0;
  for (int ik = 0; ik < K; ik++) {
    const double *q = icf + ik * icf_sz;
    double frob = 0.0;
    for (int i = 0; i < d; i++) frob += Qdiags[ik * d + i] * Qdiags[ik * d + i];
    for (int i = d; i < icf_sz; i++) frob += q[i] * q[i];
    prior += 0.5 * wishart_gamma * wishart_gamma * frob - wishart_m * sum_qs[ik];
  }
  err += prior - K * C;
  free(main_term);
  free(xc);
  free(Qxc);
  free(Qdiags);
  free(sum_qs);
  return err;
}
