/* ba.c: bundle adjustment objective (ADBench/GradBench "ba"), as one scalar.
 *
 * cams[nc][11]: Rodrigues rotation (3), centre (3), focal length (1),
 * principal point (2), radial distortion (2); X[np][3] points; w[nobs] weights;
 * obs[nobs][2] (camera, point); feats[nobs][2] measured projections.
 * Returns the sum over observations of the squared weighted reprojection
 * residual w * (project(cam, X) - feat) plus the squared weight residual
 * 1 - w^2, i.e. the sum of squares of ADBench's residual vector. */
#include <math.h>
#include <gradc.h>

static void rodrigues_rotate_point(const double *rot, const double *X, double *out) {
  double sqtheta = rot[0] * rot[0] + rot[1] * rot[1] + rot[2] * rot[2];
  if (sqtheta != 0.0) {
    double theta = sqrt(sqtheta);
    double costheta = cos(theta), sintheta = sin(theta);
    double w0 = rot[0] / theta, w1 = rot[1] / theta, w2 = rot[2] / theta;
    double c0 = w1 * X[2] - w2 * X[1];
    double c1 = w2 * X[0] - w0 * X[2];
    double c2 = w0 * X[1] - w1 * X[0];
    double tmp = (w0 * X[0] + w1 * X[1] + w2 * X[2]) * (1.0 - costheta);
    out[0] = X[0] * costheta + c0 * sintheta + w0 * tmp;
    out[1] = X[1] * costheta + c1 * sintheta + w1 * tmp;
    out[2] = X[2] * costheta + c2 * sintheta + w2 * tmp;
  } else {
    out[0] = X[0] + rot[1] * X[2] - rot[2] * X[1];
    out[1] = X[1] + rot[2] * X[0] - rot[0] * X[2];
    out[2] = X[2] + rot[0] * X[1] - rot[1] * X[0];
  }
}

static double reproj_sq(const double *cam, const double *X, double w, const double *feat) {
  double Xo[3], Xcam[3];
  for (int i = 0; i < 3; i++) Xo[i] = X[i] - cam[3 + i];
  rodrigues_rotate_point(cam, Xo, Xcam);
  double p0 = Xcam[0] / Xcam[2], p1 = Xcam[1] / Xcam[2];
  double rsq = p0 * p0 + p1 * p1;
  double L = 1.0 + cam[9] * rsq + cam[10] * rsq * rsq;
  double e0 = w * (p0 * L * cam[6] + cam[7] - feat[0]);
  double e1 = w * (p1 * L * cam[6] + cam[8] - feat[1]);
  double we = 1.0 - w * w;
  return e0 * e0 + e1 * e1 + we * we;
}

GRADC_GRAD(wrt(cams, X, w))
double ba_objective(int nobs, const double *cams, const double *X, const double *w, const int *obs,
                    const double *feats) {
  double s = 0.0;
  for (int i = 0; i < nobs; i++) {
    int c = obs[2 * i], p = obs[2 * i + 1];
    s += reproj_sq(cams + 11 * c, X + 3 * p, w[i], feats + 2 * i);
  }
  return s;
}
