/* adbench_helpers.h: the small helpers the ADBench objectives are built from
 * (bench/adbench/gmm.c, ba.c, lstm.c), written as one writes them in C:
 * static inline functions over raw arrays, size_t counters, results written
 * into the caller's buffers, scratch from malloc, pointer walks.
 *
 * Written from the public problem definitions of ADBench (Srajer, Kukelova,
 * Fitzgibbon, "A benchmark of selected algorithmic differentiation tools on
 * some problems in computer vision and machine learning", 2018) and its C/C++
 * reference objectives; not copied from them. */
#ifndef ADBENCH_HELPERS_H
#define ADBENCH_HELPERS_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* every public objective is adb_<name> */
#define FN(name) adb_##name

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define BA_NCAMPARAMS 11 /* rotation 3, centre 3, focal 1, principal point 2, radial 2 */
#define BA_ROT_IDX 0
#define BA_C_IDX 3
#define BA_F_IDX 6
#define BA_X0_IDX 7
#define BA_RAD_IDX 9

typedef struct {
  double gamma;
  int m;
} Wishart;

/* ---- vectors ------------------------------------------------------------------- */

static inline double arr_max(size_t n, const double *x) {
  double m = x[0];
  for (size_t i = 1; i < n; i++)
    if (m < x[i]) m = x[i];
  return m;
}

static inline double sqnorm(size_t n, const double *x) {
  double res = 0.0;
  for (size_t i = 0; i < n; i++) res = res + x[i] * x[i];
  return res;
}

static inline double dot(size_t n, const double *x, const double *y) {
  double res = 0.0;
  for (size_t i = 0; i < n; i++) res += x[i] * y[i];
  return res;
}

/* out = x - y */
static inline void subtract(size_t d, const double *x, const double *y, double *out) {
  for (size_t id = 0; id < d; id++) out[id] = x[id] - y[id];
}

/* log(sum(exp(x))), shifted by the maximum */
static inline double logsumexp(size_t n, const double *x) {
  double mx = arr_max(n, x);
  double semx = 0.0;
  for (size_t i = 0; i < n; i++) semx = semx + exp(x[i] - mx);
  return log(semx) + mx;
}

/* ---- GMM --------------------------------------------------------------------------- */

/* log of the multivariate gamma function Gamma_p(a) */
static inline double log_gamma_distrib(double a, size_t p) {
  double out = 0.25 * (double)(p * (p - 1)) * log(M_PI);
  for (size_t j = 1; j <= p; j++) out = out + lgamma(a + 0.5 * (1.0 - (double)j));
  return out;
}

/* per component: sum of the log-diagonal and the diagonal exp(icf) of Q */
static inline void preprocess_qs(size_t d, size_t k, const double *icf, double *sum_qs, double *Qdiags) {
  const size_t icf_sz = d * (d + 1) / 2;
  for (size_t ik = 0; ik < k; ik++) {
    sum_qs[ik] = 0.0;
    for (size_t id = 0; id < d; id++) {
      double q = icf[ik * icf_sz + id];
      sum_qs[ik] = sum_qs[ik] + q;
      Qdiags[ik * d + id] = exp(q);
    }
  }
}

/* out = Q x for Q lower triangular: diagonal Qdiag, strictly lower part L
 * stored column by column (L walks through it) */
static inline void Qtimesx(size_t d, const double *Qdiag, const double *L, const double *x, double *out) {
  for (size_t id = 0; id < d; id++) out[id] = Qdiag[id] * x[id];
  for (size_t i = 0; i < d; i++) {
    for (size_t j = i + 1; j < d; j++) {
      out[j] = out[j] + *L * x[i];
      L++;
    }
  }
}

static inline double log_wishart_prior(size_t p, size_t k, Wishart wishart, const double *sum_qs,
                                       const double *Qdiags, const double *icf) {
  const size_t n = p + (size_t)wishart.m + 1;
  const size_t icf_sz = p * (p + 1) / 2;
  const double C = (double)(n * p) * (log(wishart.gamma) - 0.5 * log(2.0)) -
                   log_gamma_distrib(0.5 * (double)n, p);
  double out = 0.0;
  for (size_t ik = 0; ik < k; ik++) {
    double frobenius = sqnorm(p, &Qdiags[ik * p]) + sqnorm(icf_sz - p, &icf[ik * icf_sz + p]);
    out = out + 0.5 * wishart.gamma * wishart.gamma * frobenius - wishart.m * sum_qs[ik];
  }
  return out - (double)k * C;
}

/* ---- bundle adjustment -------------------------------------------------------------- */

static inline void cross(const double *a, const double *b, double *out) {
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

/* rotate pt by the angle-axis vector rot (Rodrigues' formula) */
static inline void rodrigues_rotate_point(const double *rot, const double *pt, double *rotatedPt) {
  double sqtheta = sqnorm(3, rot);
  if (sqtheta != 0.0) {
    double theta = sqrt(sqtheta);
    double costheta = cos(theta);
    double sintheta = sin(theta);
    double theta_inverse = 1.0 / theta;
    double w[3], w_cross_pt[3];
    for (size_t i = 0; i < 3; i++) w[i] = rot[i] * theta_inverse;
    cross(w, pt, w_cross_pt);
    double tmp = dot(3, w, pt) * (1.0 - costheta);
    for (size_t i = 0; i < 3; i++) rotatedPt[i] = pt[i] * costheta + w_cross_pt[i] * sintheta + w[i] * tmp;
  } else {
    double rot_cross_pt[3];
    cross(rot, pt, rot_cross_pt);
    for (size_t i = 0; i < 3; i++) rotatedPt[i] = pt[i] + rot_cross_pt[i];
  }
}

/* proj *= 1 + k1 r^2 + k2 r^4, in place */
static inline void radial_distort(const double *rad_params, double *proj) {
  double rsq = sqnorm(2, proj);
  double L = 1.0 + rad_params[0] * rsq + rad_params[1] * rsq * rsq;
  proj[0] = proj[0] * L;
  proj[1] = proj[1] * L;
}

static inline void project(const double *cam, const double *X, double *proj) {
  const double *C = &cam[BA_C_IDX];
  double Xo[3], Xcam[3];
  subtract(3, X, C, Xo);
  rodrigues_rotate_point(&cam[BA_ROT_IDX], Xo, Xcam);
  proj[0] = Xcam[0] / Xcam[2];
  proj[1] = Xcam[1] / Xcam[2];
  radial_distort(&cam[BA_RAD_IDX], proj);
  proj[0] = proj[0] * cam[BA_F_IDX] + cam[BA_X0_IDX + 0];
  proj[1] = proj[1] * cam[BA_F_IDX] + cam[BA_X0_IDX + 1];
}

static inline void compute_reproj_error(const double *cam, const double *X, const double *w, const double *feat,
                                        double *err) {
  double proj[2];
  project(cam, X, proj);
  err[0] = (*w) * (proj[0] - feat[0]);
  err[1] = (*w) * (proj[1] - feat[1]);
}

static inline void compute_zach_weight_error(const double *w, double *err) { *err = 1.0 - (*w) * (*w); }

/* ---- LSTM --------------------------------------------------------------------------- */

static inline double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* ADBench's LSTM normalises with log(2 + sum(exp(x))) (sic, kept for
 * comparability; see ADBench issue 143), not with logsumexp above */
static inline double lstm_logsumexp(const double *vect, size_t sz) {
  double sum = 0.0;
  for (size_t i = 0; i < sz; i++) sum += exp(vect[i]);
  sum += 2;
  return log(sum);
}

/* one diagonal LSTM cell: updates hidden[hsize] and cell[hsize] in place;
 * weight and bias hold the forget, input, output gates and the change */
static inline void lstm_model(size_t hsize, const double *weight, const double *bias, double *hidden,
                              double *cell, const double *input) {
  double *gates = malloc(4 * hsize * sizeof *gates);
  double *forget = gates;
  double *ingate = gates + hsize;
  double *outgate = gates + 2 * hsize;
  double *change = gates + 3 * hsize;
  for (size_t i = 0; i < hsize; i++) {
    forget[i] = sigmoid(input[i] * weight[i] + bias[i]);
    ingate[i] = sigmoid(hidden[i] * weight[hsize + i] + bias[hsize + i]);
    outgate[i] = sigmoid(input[i] * weight[2 * hsize + i] + bias[2 * hsize + i]);
    change[i] = tanh(hidden[i] * weight[3 * hsize + i] + bias[3 * hsize + i]);
  }
  for (size_t i = 0; i < hsize; i++) cell[i] = cell[i] * forget[i] + ingate[i] * change[i];
  for (size_t i = 0; i < hsize; i++) hidden[i] = outgate[i] * tanh(cell[i]);
  free(gates);
}

/* the prediction for one time step: l stacked cells over the scaled input,
 * then the output layer; updates the state s[l][2][b], writes x2[b] */
static inline void lstm_predict(size_t l, size_t b, const double *w, const double *w2, double *s,
                                const double *x, double *x2) {
  for (size_t i = 0; i < b; i++) x2[i] = x[i] * w2[i];
  const double *xp = x2;
  for (size_t i = 0; i < 2 * l * b; i += 2 * b) {
    lstm_model(b, &w[i * 4], &w[(i + b) * 4], &s[i], &s[i + b], xp);
    xp = &s[i];
  }
  for (size_t i = 0; i < b; i++) x2[i] = xp[i] * w2[b + i] + w2[2 * b + i];
}

#endif
