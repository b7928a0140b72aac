/* gmm_hand.c: hand-written adjoint of kernels/gmm.c (same signature as the
 * generated gmm_objective_grad). Per point it recomputes the K main terms,
 * then back-propagates through logsumexp and each Q (x - mu); no tape. */
#include <math.h>
#include <stdlib.h>

double gmm_objective_hand(int d, int K, int n, const double *alphas, double *alphas_bar,
                          const double *means, double *means_bar, const double *icf,
                          double *icf_bar, const double *x, double wishart_gamma, int wishart_m) {
  const int icf_sz = d * (d + 1) / 2;
  double *mt = malloc(K * sizeof(double));
  double *Qdiag = malloc((size_t)K * d * sizeof(double));
  double *sum_qs = malloc(K * sizeof(double));
  double *xc = malloc((size_t)K * d * sizeof(double));
  double *Qxc = malloc((size_t)K * d * sizeof(double));
  double *xcb = malloc(d * sizeof(double));
  for (int k = 0; k < K; k++) {
    sum_qs[k] = 0;
    for (int i = 0; i < d; i++) {
      Qdiag[k * d + i] = exp(icf[k * icf_sz + i]);
      sum_qs[k] += icf[k * icf_sz + i];
    }
  }
  double slse = 0.0;
  double sum_q_bar = 0.0; /* every main term has d(sum_q)=1 per point: total weight n */
  for (int ix = 0; ix < n; ix++) {
    const double *xi = x + ix * d;
    double mx = -INFINITY;
    for (int k = 0; k < K; k++) {
      const double *q = icf + k * icf_sz;
      double *c = xc + k * d, *Qc = Qxc + k * d;
      for (int i = 0; i < d; i++) {
        c[i] = xi[i] - means[k * d + i];
        Qc[i] = Qdiag[k * d + i] * c[i];
      }
      int li = d;
      for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) Qc[j] += q[li++] * c[i];
      double sq = 0.0;
      for (int i = 0; i < d; i++) sq += Qc[i] * Qc[i];
      mt[k] = alphas[k] + sum_qs[k] - 0.5 * sq;
      if (mt[k] > mx) mx = mt[k];
    }
    double se = 0.0;
    for (int k = 0; k < K; k++) {
      mt[k] = exp(mt[k] - mx);
      se += mt[k];
    }
    slse += log(se) + mx;
    /* reverse of this point: main_term_bar[k] = softmax_k */
    for (int k = 0; k < K; k++) {
      const double *q = icf + k * icf_sz;
      double *qb = icf_bar + k * icf_sz;
      const double *c = xc + k * d, *Qc = Qxc + k * d;
      double mb = mt[k] / se;
      alphas_bar[k] += mb;
      for (int i = 0; i < d; i++) qb[i] += mb; /* sum_q */
      /* sq_bar = -0.5 mb; Qc_bar = 2 Qc sq_bar = -mb Qc */
      for (int i = 0; i < d; i++) xcb[i] = -mb * Qc[i] * Qdiag[k * d + i];
      for (int i = 0; i < d; i++) qb[i] += -mb * Qc[i] * Qdiag[k * d + i] * c[i];
      int li = d;
      for (int i = 0; i < d; i++)
        for (int j = i + 1; j < d; j++) {
          double qcb = -mb * Qc[j];
          qb[li] += qcb * c[i];
          xcb[i] += qcb * q[li];
          li++;
        }
      for (int i = 0; i < d; i++) means_bar[k * d + i] -= xcb[i];
    }
  }
  (void)sum_q_bar;
  /* - n logsumexp(alphas) */
  double amx = alphas[0];
  for (int k = 1; k < K; k++)
    if (alphas[k] > amx) amx = alphas[k];
  double ase = 0.0;
  for (int k = 0; k < K; k++) ase += exp(alphas[k] - amx);
  double lse_alphas = log(ase) + amx;
  for (int k = 0; k < K; k++) alphas_bar[k] -= n * exp(alphas[k] - amx) / ase;
  double err = -n * d * 0.5 * log(2 * M_PI) + slse - n * lse_alphas;
  /* Wishart prior */
  const int nn = d + wishart_m + 1;
  double lgd = 0.25 * d * (d - 1) * log(M_PI);
  for (int j = 1; j <= d; j++) lgd += lgamma(0.5 * nn + 0.5 * (1 - j));
  const double C = nn * d * (log(wishart_gamma) - 0.5 * log(2.0)) - lgd;
  const double g2 = 0.5 * wishart_gamma * wishart_gamma;
  double prior = 0.0;
  for (int k = 0; k < K; k++) {
    const double *q = icf + k * icf_sz;
    double *qb = icf_bar + k * icf_sz;
    double frob = 0.0;
    for (int i = 0; i < d; i++) {
      double e = Qdiag[k * d + i];
      frob += e * e;
      qb[i] += g2 * 2 * e * e - wishart_m;
    }
    for (int i = d; i < icf_sz; i++) {
      frob += q[i] * q[i];
      qb[i] += g2 * 2 * q[i];
    }
    prior += g2 * frob - wishart_m * sum_qs[k];
  }
  err += prior - K * C;
  free(mt); free(Qdiag); free(sum_qs); free(xc); free(Qxc); free(xcb);
  return err;
}
