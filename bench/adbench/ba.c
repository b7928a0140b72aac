/* ba.c: ADBench's bundle adjustment objective, written as ordinary C
 * (helpers in adbench_helpers.h), not flattened.
 *
 * cams[n][11]: Rodrigues rotation (3), centre (3), focal length (1),
 * principal point (2), radial distortion (2); X[m][3] points; w[p] weights;
 * obs[p][2] (camera, point); feats[p][2] measured projections.
 * ba_objective writes ADBench's residuals: reproj_err[p][2] = w (project - feat)
 * and w_err[p] = 1 - w^2; ba_sqnorm is the sum of their squares, the scalar
 * of bench/kernels/ba.c. */
#include <math.h>
#include <stdlib.h>
#include <gradc.h>
#include "adbench_helpers.h"

GRADC_GRAD(wrt(cams, X, w), out(reproj_err, w_err))
void FN(ba_objective)(size_t n, size_t m, size_t p, const double *cams, const double *X, const double *w,
                      const int *obs, const double *feats, double *reproj_err, double *w_err) {
  (void)n;
  (void)m;
  for (size_t i = 0; i < p; i++) {
    size_t camIdx = (size_t)obs[i * 2 + 0];
    size_t ptIdx = (size_t)obs[i * 2 + 1];
    compute_reproj_error(&cams[camIdx * BA_NCAMPARAMS], &X[ptIdx * 3], &w[i], &feats[i * 2], &reproj_err[2 * i]);
  }
  for (size_t i = 0; i < p; i++) compute_zach_weight_error(&w[i], &w_err[i]);
}

GRADC_GRAD(wrt(cams, X, w))
double FN(ba_sqnorm)(size_t n, size_t m, size_t p, const double *cams, const double *X, const double *w,
                     const int *obs, const double *feats) {
  double *reproj_err = malloc(2 * p * sizeof(double));
  double *w_err = malloc(p * sizeof(double));
  FN(ba_objective)(n, m, p, cams, X, w, obs, feats, reproj_err, w_err);
  double s = sqnorm(2 * p, reproj_err) + sqnorm(p, w_err);
  free(reproj_err);
  free(w_err);
  return s;
}
